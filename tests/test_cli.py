"""The command line, run in-process (``glmgen.cli.main``) on small CSV files."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen import cli
from glmgen.formula import FormulaContext


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 160
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                         "group": rng.choice(["a", "b"], size=n)})
    data["count"] = rng.poisson(np.exp(0.2 + 0.6 * data["x1"]))
    data["signed"] = rng.normal(size=n) - 1.0
    return data


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("glmgen: error: ") and "Traceback" not in err
    return lines[0]


def _coefficients(out: str, names: list[str]) -> dict[str, float]:
    return {name: float(re.search(rf"^{re.escape(name)}\s+(-?[\d.e+-]+)", out, flags=re.M).group(1))
            for name in names}


def test_fit_fits_the_whole_data_as_glm(run_cli, csv, frame):
    """``glmgen fit`` is R's ``glm`` on the file: the coefficients of ``gg.glm`` on the full data (1e-10), and
    R's summary lines (call, dispersion, null and residual deviance with df, AIC, iterations)."""
    formula = "count ~ x1 + x2 + C(group)"
    expected = gg.glm(formula, frame, family="poisson")
    args = cli.build_parser().parse_args(["fit", csv, "--formula", formula, "--family", "poisson"])
    args.context = FormulaContext()
    np.testing.assert_allclose(cli.fit_model(args, cli.read_table(csv)).params, expected.params, rtol=1e-10,
                               atol=1e-12)
    code, out, err = run_cli("fit", csv, "--formula", formula, "--family", "poisson")
    assert code == 0, err
    printed = _coefficients(out, list(expected.params.index))
    np.testing.assert_allclose(list(printed.values()), expected.params.to_numpy(), rtol=5e-4, atol=5e-5)
    assert f'glm(formula = {formula}, family = poisson(link = "log"), data = data.csv)' in out
    assert "(Dispersion parameter for poisson family taken to be 1)" in out
    null_df = expected.nobs - 1
    assert re.search(rf"^    Null deviance: {expected.null_deviance:.6g}  on {null_df:g}  degrees of freedom$", out,
                     flags=re.M)
    assert re.search(rf"^Residual deviance: {expected.deviance:.6g}  on {expected.df_resid:g}  degrees of freedom$",
                     out, flags=re.M)
    assert re.search(rf"^AIC: {expected.aic:.6g}$", out, flags=re.M)
    assert re.search(rf"^Number of Fisher Scoring iterations: {expected.n_iter}$", out, flags=re.M)
    assert "Held-out" not in out and "training split" not in out


def test_fit_drops_missing_rows_as_glm_does(run_cli, tmp_path, frame):
    data = frame.copy()
    data.loc[[3, 17], "x2"] = np.nan
    path = tmp_path / "missing.csv"
    data.to_csv(path, index=False)
    args = cli.build_parser().parse_args(["fit", str(path), "--formula", "signed ~ x1 + x2"])
    args.context = FormulaContext()
    with pytest.warns(gg.DroppedRowsWarning):
        expected = gg.glm("signed ~ x1 + x2", data)
    with pytest.warns(gg.DroppedRowsWarning):
        fit = cli.fit_model(args, cli.read_table(str(path)))
    assert fit.nobs == len(data) - 2
    np.testing.assert_allclose(fit.params, expected.params, rtol=1e-10)
    code, out, err = run_cli("fit", str(path), "--formula", "signed ~ x1 + x2")
    assert code == 0, err
    assert re.search(rf"^\(Dispersion parameter for gaussian family taken to be {expected.scale:.6g}\)$", out,
                     flags=re.M)
    assert "dropped 2 of 160 rows" in out


def test_fit_holds_out_rows_only_when_test_size_is_given(run_cli, csv, frame):
    formula = "count ~ x1 + x2"
    code, out, err = run_cli("fit", csv, "--formula", formula, "--family", "poisson", "--test-size", "0.25",
                             "--seed", "3")
    assert code == 0, err
    train, test = gg.split(frame, test_size=0.25, seed=3)
    expected = gg.glm(formula, train, family="poisson")
    held_out = expected.evaluate(test)
    assert f"Fitted on a training split of {len(train)} of {len(frame)} rows" in out
    assert re.search(rf"^Residual deviance: {expected.deviance:.6g}  on {expected.df_resid:g} ", out, flags=re.M)
    assert f"Held-out deviance: {held_out.deviance:.6g} on {held_out.n:g} rows" in out
    code, zero, err = run_cli("fit", csv, "--formula", formula, "--family", "poisson", "--test-size", "0")
    assert code == 0, err
    full = gg.glm(formula, frame, family="poisson")
    assert re.search(rf"^Residual deviance: {full.deviance:.6g}  on {full.df_resid:g} ", zero, flags=re.M)
    assert "Held-out" not in zero


def test_fit_with_selection_chooses_alpha_on_the_whole_data(run_cli, csv, frame):
    code, out, err = run_cli("fit", csv, "--formula", "count ~ .", "--family", "poisson", "--select", "bic",
                             "--l1-ratio", "0.5")
    assert code == 0, err
    path = gg.glm_path("count ~ .", frame, family="poisson", l1_ratio=0.5)
    chosen = path.select("bic")
    assert "Alpha chosen by each criterion (selected: bic)" in out
    assert f"lambda = {chosen.penalty.alpha:.6g}, alpha = 0.5)" in out
    assert re.search(rf"^Residual deviance: {chosen.deviance:.6g} ", out, flags=re.M)


def test_fit_at_fixed_alpha(run_cli, csv, frame):
    code, out, err = run_cli("fit", csv, "--formula", "count ~ x1 + x2", "--family", "poisson", "--alpha", "0.05")
    assert code == 0, err
    expected = gg.glm("count ~ x1 + x2", frame, family="poisson", alpha=0.05, l1_ratio=1.0)
    assert "lambda = 0.05, alpha = 1)" in out
    np.testing.assert_allclose(list(_coefficients(out, ["x1", "x2"]).values()), expected.params[["x1", "x2"]],
                               rtol=5e-4, atol=5e-5)


def test_report_writes_html(run_cli, csv, tmp_path):
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    code, out, err = run_cli("report", csv, "--formula", "count ~ x1 + x2", "--family", "poisson", "--select",
                         "cv_1se", "--folds", "3", "--n-boot", "6", "--boot-folds", "2", "-o", str(target))
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="generalization"' in html and "data:image/png;base64," in html
    assert f"Wrote {target.resolve()}" in out
    assert "Held-out mean deviance" in out


def test_report_writes_markdown_with_figure_files(run_cli, csv, tmp_path):
    target = tmp_path / "report.md"
    code, out, err = run_cli("report", csv, "--formula", "count ~ x1", "--family", "poisson", "--n-boot", "4",
                         "--no-learning-curve", "-o", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert re.findall(r"^## \d+\. (.+)$", text, flags=re.M) == [
        "Data and model", "Generalization", "Coefficients", "Model selection", "Diagnostics"]
    figures = sorted((tmp_path / "report_figures").glob("*.png"))
    assert figures and all(f"report_figures/{f.name}" in text for f in figures)


def test_report_format_option_overrides_suffix(run_cli, csv, tmp_path):
    target = tmp_path / "report.txt"
    code, _, err = run_cli("report", csv, "--formula", "count ~ x1", "--family", "poisson", "--n-boot", "0",
                       "--no-learning-curve", "--format", "tex", "-o", str(target))
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith(r"\documentclass")


@pytest.mark.parametrize("argv, fragment", [
    (["--formula", "count ~ x1 + nonexistent", "--family", "poisson"], "nonexistent"),
    (["--formula", "count ~ x1", "--family", "poison"], "Did you mean 'poisson'"),
    (["--formula", "signed ~ x1", "--family", "poisson"], "signed"),
    (["--formula", "count ~ x1", "--family", "binomial"], "binomial"),
    (["--formula", "count ~ x1", "--select", "cv", "--folds", "1"], "folds"),
])
def test_bad_model_input_is_one_line_and_exit_code_2(run_cli, csv, argv, fragment):
    code, out, err = run_cli("fit", csv, *argv)
    assert code == 2
    assert fragment in one_line_error(err)


def test_unreadable_and_missing_files(run_cli, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\xff\xfe\x01 not a csv")
    code, _, err = run_cli("fit", str(garbage), "--formula", "y ~ x")
    assert code == 2 and "cannot read" in one_line_error(err)
    code, _, err = run_cli("fit", str(tmp_path / "absent.csv"), "--formula", "y ~ x")
    assert code == 2 and "does not exist" in one_line_error(err)
    code, _, err = run_cli("fit", str(tmp_path), "--formula", "y ~ x")
    assert code == 2 and "directory" in one_line_error(err)


def test_report_needs_a_known_format(run_cli, csv, tmp_path):
    code, _, err = run_cli("report", csv, "--formula", "count ~ x1", "-o", str(tmp_path / "report.pdf"))
    assert code == 2 and "--format" in one_line_error(err)


def test_parquet_without_pyarrow_says_how_to_fix(run_cli, tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1")
    real = importlib.util.find_spec
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    code, _, err = run_cli("fit", str(path), "--formula", "y ~ x")
    assert code == 2 and "pip install pyarrow" in one_line_error(err)


def test_parquet_is_read_with_pyarrow(run_cli, tmp_path, frame):
    pytest.importorskip("pyarrow")
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    code, out, err = run_cli("fit", str(path), "--formula", "count ~ x1", "--family", "poisson")
    assert code == 0, err
    assert "Coefficients" in out


def test_demo_writes_report_html_in_the_current_directory(run_cli, tmp_path, monkeypatch, frame):
    """The demo's wiring (data, formula, path + CV selection, bootstrap, output) on a small stand-in data set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "load_demo_data", lambda: frame[["count", "x1", "x2"]].rename(columns={"count": "mdvis"}))
    code, out, err = run_cli("demo", "--n-boot", "4", "--boot-folds", "2", "--n-jobs", "1")
    assert code == 0, err
    written = tmp_path / "report.html"
    assert written.exists() and f"Wrote {written.resolve()}" in out
    html = written.read_text(encoding="utf-8")
    assert "cv_1se" in html and "l1_ratio=0.5" in html and "4 case-resampling replicates" in html
    assert re.search(r"^Held-out mean deviance .* from 4 replicates", out, flags=re.M)


def test_fit_cov_type_gives_statsmodels_robust_standard_errors(run_cli, csv, frame):
    """``glmgen fit --cov-type HC0`` is ``gg.glm(..., cov_type="HC0")``: statsmodels' HC0 standard errors, and the
    summary names the covariance; ``--cluster`` needs an unpenalized fit."""
    sm = pytest.importorskip("statsmodels.api")
    smf = pytest.importorskip("statsmodels.formula.api")
    formula = "count ~ x1 + x2"
    args = cli.build_parser().parse_args(["fit", csv, "--formula", formula, "--family", "poisson", "--cov-type", "HC0"])
    args.context = FormulaContext()
    fit = cli.fit_model(args, cli.read_table(csv))
    reference = smf.glm(formula, frame, family=sm.families.Poisson()).fit(cov_type="HC0", tol=1e-12)
    np.testing.assert_allclose(fit.bse.to_numpy(), reference.bse.to_numpy(), rtol=1e-6)
    code, out, err = run_cli("fit", csv, "--formula", formula, "--family", "poisson", "--cov-type", "HC0")
    assert code == 0 and "HC0" in out, err
    code, _, err = run_cli("fit", csv, "--formula", formula, "--family", "poisson", "--select", "bic",
                           "--cov-type", "HC1")
    assert code != 0 and "--cov-type" in err
