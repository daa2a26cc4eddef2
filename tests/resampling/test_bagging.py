"""Tests of bagging (``BootstrapResult.predict`` / ``evaluate``) and the report's bagged line.

References are computed independently: each replicate is refitted by statsmodels on the original rows with the
replicate's resample counts (``boot.resample_counts(r)``) as frequency weights, and predicts the new rows with
statsmodels' own design and exposure; bands are ``numpy.percentile`` of those predictions; the held-out deviance is
written out from the family's unit deviance. Path replicates predict through a design matrix built here with numpy.
"""

from __future__ import annotations

import dataclasses
import re

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from statsmodels.datasets import statecrime

import glmgen as gg
from glmgen.errors import InvalidParameterError

sm = pytest.importorskip("statsmodels.api")

PREDICTORS = ["poverty", "single", "urban"]


@pytest.fixture(scope="module")
def states() -> pd.DataFrame:
    return statecrime.load_pandas().data


@pytest.fixture(scope="module")
def gaussian_boot(states):
    fit = gg.glm("murder ~ poverty + single + urban", states)
    return gg.bootstrap(fit, n_boot=25, seed=3)


def _statsmodels_predictions(boot, train: pd.DataFrame, new: pd.DataFrame, family, *, exposure: str | None = None,
                             which: str = "mean") -> np.ndarray:
    """``(B, n_new)``: each successful replicate refitted by statsmodels with its counts as freq_weights."""
    X, X_new = (sm.add_constant(frame[PREDICTORS].to_numpy(), has_constant="add") for frame in (train, new))
    rows = []
    for r in range(boot.n_boot):
        if boot.failed[r]:
            continue
        model = sm.GLM(train["y"].to_numpy(), X, family=family, freq_weights=boot.resample_counts(r),
                       exposure=None if exposure is None else train[exposure].to_numpy())
        result = model.fit(tol=1e-12, maxiter=200)
        rows.append(result.predict(X_new, exposure=None if exposure is None else new[exposure].to_numpy(),
                                   which=which))
    return np.array(rows)


def test_bagged_mean_and_bands_are_the_statsmodels_replicates(gaussian_boot, states):
    new = states.iloc[::3]
    reference = _statsmodels_predictions(gaussian_boot, states.rename(columns={"murder": "y"}), new,
                                         sm.families.Gaussian())
    bagged = gaussian_boot.predict(new, level=0.9)
    assert list(bagged.columns) == ["mean", "lower", "upper", "n_boot"]
    assert bagged.index.equals(new.index)
    np.testing.assert_allclose(bagged["mean"], reference.mean(axis=0), rtol=1e-7)
    np.testing.assert_allclose(bagged["lower"], np.percentile(reference, 5.0, axis=0), rtol=1e-7)
    np.testing.assert_allclose(bagged["upper"], np.percentile(reference, 95.0, axis=0), rtol=1e-7)
    assert (bagged["n_boot"] == 25).all()


def test_link_scale_and_exposure_follow_predict():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({name: rng.normal(size=n) for name in PREDICTORS})
    frame["t"] = rng.uniform(0.5, 4.0, size=n)
    frame["y"] = rng.poisson(frame["t"] * np.exp(0.2 + 0.4 * frame["poverty"] - 0.3 * frame["urban"]))
    boot = gg.bootstrap(gg.glm("y ~ poverty + single + urban", frame, "poisson", exposure="t"), n_boot=12, seed=1)
    new = frame.iloc[:40].assign(t=rng.uniform(0.5, 4.0, size=40))  # new exposures are re-read from the rows
    means = _statsmodels_predictions(boot, frame, new, sm.families.Poisson(), exposure="t")
    links = _statsmodels_predictions(boot, frame, new, sm.families.Poisson(), exposure="t", which="linear")
    np.testing.assert_allclose(boot.predict(new)["mean"], means.mean(axis=0), rtol=1e-7)
    np.testing.assert_allclose(boot.predict(new, kind="link")["mean"], links.mean(axis=0), rtol=1e-7)
    assert not np.allclose(boot.predict(new, kind="link")["mean"], np.log(means.mean(axis=0)))


def test_normal_interpolation_is_conf_int_rule(gaussian_boot, states):
    """``interpolation="normal"`` bands are the quantiles ``conf_int`` uses, applied to one row's predictions:
    for an intercept-only design row (all predictors 0) they are the intercept's percentile interval."""
    zero = pd.DataFrame({name: [0.0] for name in PREDICTORS + ["murder"]})
    band = gaussian_boot.predict(zero, level=0.8, interpolation="normal").iloc[0]
    interval = gaussian_boot.conf_int(0.8, "percentile", interpolation="normal").loc["Intercept"]
    np.testing.assert_allclose([band["lower"], band["upper"]], interval.to_numpy(), rtol=1e-10)


def test_failed_replicates_are_left_out(gaussian_boot, states):
    failed = gaussian_boot.failed.copy()
    failed[[2, 7]] = True
    replicates = gaussian_boot.replicates.copy()
    replicates.iloc[[2, 7]] = np.nan
    broken = dataclasses.replace(gaussian_boot, failed=failed, replicates=replicates)
    reference = _statsmodels_predictions(broken, states.rename(columns={"murder": "y"}), states,
                                         sm.families.Gaussian())
    assert reference.shape[0] == 23
    bagged = broken.predict(states)
    np.testing.assert_allclose(bagged["mean"], reference.mean(axis=0), rtol=1e-7)
    assert (bagged["n_boot"] == 23).all()


def test_missing_inputs_give_nan_rows(gaussian_boot, states):
    new = states.iloc[:4].copy()
    new.iloc[1, new.columns.get_loc("poverty")] = np.nan
    bagged = gaussian_boot.predict(new)
    assert bagged.iloc[1][["mean", "lower", "upper"]].isna().all()
    assert bagged.drop(index=new.index[1])[["mean", "lower", "upper"]].notna().all().all()


def test_evaluate_is_the_held_out_deviance_of_the_bagged_mean(gaussian_boot, states):
    reference = _statsmodels_predictions(gaussian_boot, states.rename(columns={"murder": "y"}), states,
                                         sm.families.Gaussian()).mean(axis=0)
    y = states["murder"].to_numpy()
    held_out = gaussian_boot.evaluate(states)
    assert held_out.deviance == pytest.approx(np.sum((y - reference) ** 2), rel=1e-7)
    assert held_out.mean_deviance == pytest.approx(np.mean((y - reference) ** 2), rel=1e-7)
    assert held_out.null_deviance == pytest.approx(np.sum((y - y.mean()) ** 2), rel=1e-10)
    assert held_out.n == len(states)


def test_path_replicates_predict_with_their_selected_models(states):
    columns = PREDICTORS + ["white", "hs_grad"]
    path = gg.glm_path("murder ~ " + " + ".join(columns), states, n_alphas=30)
    boot = gg.bootstrap(path, n_boot=8, seed=0, select="bic")
    design = np.column_stack([np.ones(len(states))] + [states[c] for c in columns])
    coefs = boot.replicates[["Intercept"] + columns].to_numpy()
    assert np.any(coefs == 0.0)  # selection dropped columns in some replicates
    np.testing.assert_allclose(boot.predict(states)["mean"], (design @ coefs.T).mean(axis=1), rtol=1e-9)


def test_poisson_bootstrap_predicts_pandas_and_refuses_dask(states):
    frame = dd.from_pandas(states[["murder"] + PREDICTORS], npartitions=2)
    boot = gg.bootstrap(gg.glm("murder ~ poverty + single + urban", frame), n_boot=5, seed=0)
    design = np.column_stack([np.ones(len(states))] + [states[c] for c in PREDICTORS])
    coefs = boot.replicates[["Intercept"] + PREDICTORS].to_numpy()
    np.testing.assert_allclose(boot.predict(states)["mean"], (design @ coefs.T).mean(axis=1), rtol=1e-9)
    with pytest.raises(InvalidParameterError, match="Dask DataFrame"):
        boot.predict(frame)


def test_stepwise_bootstrap_refuses(states):
    step = gg.stepwise("murder ~ poverty + single + urban", states, direction="backward")
    boot = gg.bootstrap(step, n_boot=3, seed=0)
    with pytest.raises(InvalidParameterError, match="step.best"):
        boot.predict(states)


def test_report_shows_the_bagged_line(states):
    report = gg.report("murder ~ poverty + single + urban", states, select=None, n_boot=10, seed=0, progress=False,
                       learning_curve=False)
    analysis = report.analysis
    boot = analysis.bootstrap
    test_rows = states.drop(index=analysis.fit.training_rows().row_labels)
    expected = boot.evaluate(test_rows).mean_deviance
    assert analysis.optimism.loc["bagged", "mean_deviance"] == pytest.approx(expected, rel=1e-12)
    line = re.search(r"\| bagged \(10 replicates\) \| ([0-9.]+) \|", report.to_markdown())
    assert line is not None and float(line.group(1)) == pytest.approx(expected, rel=1e-3)
