"""The command line, run in-process (``glmgen.cli.main``) on small CSV files."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest

from glmgen import cli


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


def test_fit_prints_coefficients_and_generalization(run_cli, csv):
    code, out, err = run_cli("fit", csv, "--formula", "count ~ x1 + x2 + C(group)", "--family", "poisson")
    assert code == 0, err
    assert re.search(r"^Held-out mean deviance \S+ vs training \S+ \(gap \S+\); D² ", out, flags=re.M)
    assert "Training vs held-out fit" in out and "Coefficients" in out
    for name in ("Intercept", "x1", "x2", "C(group)[T.b]"):
        assert re.search(rf"^{re.escape(name)}\s+-?\d", out, flags=re.M), name
    assert "95% Wald lower" in out


def test_fit_with_selection_prints_each_criterion(run_cli, csv):
    code, out, err = run_cli("fit", csv, "--formula", "count ~ .", "--family", "poisson", "--select", "bic",
                         "--folds", "3", "--l1-ratio", "0.5")
    assert code == 0, err
    assert "Alpha chosen by each criterion" in out
    assert re.search(r"^bic\s.*\byes$", out, flags=re.M)


def test_fit_at_fixed_alpha(run_cli, csv):
    code, out, err = run_cli("fit", csv, "--formula", "count ~ x1 + x2", "--family", "poisson", "--alpha", "0.05")
    assert code == 0, err
    assert "fixed alpha=0.05" in out


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
