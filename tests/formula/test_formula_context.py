"""The caller's names in formulas reach every public entry point (glmgen.formula.context).

A user-defined function in a formula must mean the same thing through
``gg.glm`` and through every entry point that refits formulas internally
(CV folds, stepwise moves, subsets, learning curves, the report, bootstrap
replicates, worker processes). Each test checks the value against the same
model written with a plain column, so a wrong namespace (or a silently
different function) cannot pass.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.cli import main
from glmgen.formula import FormulaContext


def double(values):
    """A user's helper, visible only in this module's namespace."""
    return 2.0 * np.asarray(values, dtype=float)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 240
    x, z, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    y = rng.poisson(np.exp(0.3 + 0.4 * x - 0.3 * z))
    return pd.DataFrame({"y": y, "x": x, "z": z, "w": w, "x2": 2.0 * x})


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        yield


def test_glm_and_a_local_function(frame):
    def triple(values):  # a local name: the caller's locals are captured, not only its globals
        return 3.0 * np.asarray(values, dtype=float)

    fit = gg.glm("y ~ double(x) + triple(z)", frame, "poisson")
    plain = gg.glm("y ~ x2 + z", frame, "poisson")
    np.testing.assert_allclose(fit.params.iloc[1], plain.params["x2"], rtol=1e-10)
    np.testing.assert_allclose(3.0 * fit.params.iloc[2], plain.params["z"], rtol=1e-10)
    np.testing.assert_allclose(fit.predict(frame), plain.predict(frame), rtol=1e-10)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_path_cv_and_select_in_workers(frame, n_jobs):
    path = gg.glm_path("y ~ double(x) + z + w", frame, "poisson", n_alphas=8)
    plain = gg.glm_path("y ~ x2 + z + w", frame, "poisson", n_alphas=8)
    np.testing.assert_allclose(path.deviance, plain.deviance, rtol=1e-9)
    cv = path.cv(folds=4, seed=1, n_jobs=n_jobs)
    cv_plain = plain.cv(folds=4, seed=1, n_jobs=1)
    np.testing.assert_allclose(cv.mean_deviance, cv_plain.mean_deviance, rtol=1e-8)
    np.testing.assert_allclose(path.select("cv").deviance, plain.select("cv").deviance, rtol=1e-8)


def test_stepwise_and_best_subset(frame):
    step = gg.stepwise("y ~ double(x) + z + w", frame, "poisson")
    plain = gg.stepwise("y ~ x2 + z + w", frame, "poisson")
    assert step.best.aic == pytest.approx(plain.best.aic, rel=1e-10)
    assert len(step.best.params) == len(plain.best.params)
    subset = gg.best_subset("y ~ double(x) + z + w", frame, "poisson")
    assert subset.best.aic == pytest.approx(gg.best_subset("y ~ x2 + z + w", frame, "poisson").best.aic, rel=1e-10)


def test_learning_and_validation_curves_in_workers(frame):
    curve = gg.learning_curve("y ~ double(x) + z", frame, "poisson", sizes=(0.5, 1.0), repeats=2, n_jobs=2)
    plain = gg.learning_curve("y ~ x2 + z", frame, "poisson", sizes=(0.5, 1.0), repeats=2, n_jobs=1)
    np.testing.assert_allclose(curve.table["test_mean_deviance"], plain.table["test_mean_deviance"], rtol=1e-9)
    path = gg.glm_path("y ~ double(x) + z", frame, "poisson", n_alphas=6)
    validation = gg.validation_curve(path, folds=3, seed=0)
    assert np.all(np.isfinite(validation.table["cv_mean_deviance"]))


def test_report(frame):
    report = gg.report("y ~ double(x) + z", frame, "poisson", select=None, n_boot=0, learning_curve=True,
                       figures=False)
    plain = gg.report("y ~ x2 + z", frame, "poisson", select=None, n_boot=0, learning_curve=True, figures=False)
    assert report.analysis.generalization.test_mean_deviance == pytest.approx(
        plain.analysis.generalization.test_mean_deviance, rel=1e-10)


@pytest.mark.parametrize("target", ["fit", "path", "stepwise"])
def test_bootstrap_refits(frame, target):
    if target == "fit":
        obj, plain, select = (gg.glm("y ~ double(x) + z", frame, "poisson"),
                              gg.glm("y ~ x2 + z", frame, "poisson"), None)
    elif target == "path":
        obj, plain, select = (gg.glm_path("y ~ double(x) + z", frame, "poisson", n_alphas=6),
                              gg.glm_path("y ~ x2 + z", frame, "poisson", n_alphas=6), "cv")
    else:
        obj, plain, select = (gg.stepwise("y ~ double(x) + z + w", frame, "poisson"),
                              gg.stepwise("y ~ x2 + z + w", frame, "poisson"), None)
    options = dict(n_boot=6, seed=2, select=select, cv_folds=3 if select else None)
    if target == "stepwise":
        options["data"] = frame  # a stepwise search is re-run on resamples of its data
    boot = gg.bootstrap(obj, n_jobs=2, **options)
    reference = gg.bootstrap(plain, n_jobs=1, **options)
    np.testing.assert_allclose(boot.replicates.to_numpy(), reference.replicates.to_numpy(), rtol=1e-7, atol=1e-9)


def test_command_line(tmp_path, frame, run_cli, capsys):
    """The command line checks formulas by default (a user function is not on the allow-list); called from
    Python with --allow-unsafe-formula it sees the caller's names like gg.glm."""
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    code, out, _ = run_cli("fit", str(path), "--formula", "y ~ np.log1p(np.abs(x)) + z", "--family", "poisson")
    assert code == 0, out
    code, out, err = run_cli("fit", str(path), "--formula", "y ~ double(x)", "--family", "poisson")
    assert code == 2 and "double" in err
    code = main(["fit", str(path), "--formula", "y ~ double(x) + z", "--family", "poisson",
                 "--allow-unsafe-formula"])  # called here, so this module's names are the caller's
    out = capsys.readouterr().out
    assert code == 0, out
    code, plain, _ = run_cli("fit", str(path), "--formula", "y ~ x2 + z", "--family", "poisson")
    assert code == 0
    assert _held_out_line(out) == _held_out_line(plain)


def _held_out_line(text: str) -> str:
    """The line of the `fit` output that gives the residual deviance."""
    lines = [line for line in text.splitlines() if "Residual deviance:" in line]
    assert lines, text
    return lines[0]


def test_restricted_context_keeps_only_the_names_used():
    context = FormulaContext({"double": double, "np": np, "unused": object()})
    kept = context.restricted_to(["y ~ double(x) + np.log(z)"])
    assert set(kept.namespace) == {"double", "np"}
    assert kept.eval_env().namespace["double"] is double
