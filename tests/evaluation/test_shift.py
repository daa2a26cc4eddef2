"""Shift checks (issue 15): per-column statistics against scipy and closed forms, the adversarial AUC against
scikit-learn's, detection of a simulated covariate shift and not of a random split, and the density-ratio
expected deviance of a fitted model against the deviance on the new population."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmgen as gg
from glmgen.evaluation.shift_columns import (
    PSI_FLOOR_COUNT,
    column_statistics,
    ks_statistic,
    mann_whitney_auc,
    numeric_psi,
)


def _covariates(rng: np.random.Generator, n: int, mean: float) -> pd.DataFrame:
    return pd.DataFrame({"x": rng.normal(mean, 1.0, n), "z": rng.normal(0.0, 1.0, n),
                         "g": rng.choice(["a", "b", "c"], n)})


# --- per-column statistics ---------------------------------------------------------------------------

def test_ks_matches_scipy_with_ties() -> None:
    """D = max |F_x - F_z| equals scipy.stats.ks_2samp's statistic, also with tied and rounded values."""
    rng = np.random.default_rng(3)
    for x, z in [(rng.normal(size=200), rng.normal(0.3, 1.2, 150)),
                 (np.round(rng.normal(size=300), 1), np.round(rng.normal(0.2, 1, 120), 1)),
                 (rng.poisson(2, 100).astype(float), rng.poisson(3, 80).astype(float))]:
        assert ks_statistic(x, z) == pytest.approx(stats.ks_2samp(x, z).statistic, abs=1e-12)


def test_numeric_statistics_closed_forms() -> None:
    """SMD = (mean z - mean x) / sqrt((s_x^2 + s_z^2) / 2); NA shares and their change."""
    rng = np.random.default_rng(4)
    x = rng.normal(1.0, 2.0, 400)
    z = rng.normal(2.0, 1.0, 300)
    train = pd.Series(np.r_[x, [np.nan] * 100])
    new = pd.Series(np.r_[z, [np.nan] * 300])
    row = column_statistics(train, new)
    smd = (z.mean() - x.mean()) / math.sqrt((x.var(ddof=1) + z.var(ddof=1)) / 2)
    assert row["kind"] == "numeric" and row["statistic_name"] == "ks"
    assert row["smd"] == pytest.approx(smd, rel=1e-12)
    assert row["statistic"] == row["ks"] == pytest.approx(stats.ks_2samp(x, z).statistic, abs=1e-12)
    assert (row["na_train"], row["na_new"], row["na_change"]) == pytest.approx((0.2, 0.5, 0.3))
    assert row["unseen_share"] == 0.0


def test_psi_on_training_deciles_by_hand() -> None:
    """Training values 1..100: deciles 10.9, 20.8, ... cut ten bins of 10 rows; 50 new values all in the top bin
    give counts 0 (floored at half a row) and 50, so new shares q0 = 0.5 / 50 and q1 = 1, and
    PSI = 9 (q0 - 0.1) log(q0 / 0.1) + (q1 - 0.1) log(q1 / 0.1)."""
    x = np.arange(1.0, 101.0)
    z = np.full(50, 95.0)
    q0, q1 = PSI_FLOOR_COUNT / 50, 1.0
    expected = 9 * (q0 - 0.1) * math.log(q0 / 0.1) + (q1 - 0.1) * math.log(q1 / 0.1)
    assert numeric_psi(x, z) == pytest.approx(expected, rel=1e-12)
    assert numeric_psi(x, x) == pytest.approx(0.0, abs=1e-15)


def test_categorical_statistics_by_hand() -> None:
    """Levels a, b in training (counts 2, 2), a, b, c in new (1, 1, 2) with one NA:
    TVD = 0.5 (0.25 + 0.25 + 0.5) = 0.5; PSI sums over the three levels (c's training count floored at half a
    row: shares 2/4, 2/4, 0.5/4); unseen share = 2 of 5 new rows."""
    train = pd.Series(["a", "b", "a", "b"])
    new = pd.Series(["a", "b", "c", "c", None])
    row = column_statistics(train, new)
    p = np.array([2, 2, PSI_FLOOR_COUNT]) / 4
    q = np.array([0.25, 0.25, 0.5])
    psi = float(np.sum((q - p) * np.log(q / p)))
    assert row["kind"] == "categorical" and row["statistic_name"] == "tvd"
    assert row["statistic"] == pytest.approx(0.5)
    assert row["psi"] == pytest.approx(psi, rel=1e-12)
    assert row["unseen_share"] == pytest.approx(0.4)
    assert row["na_new"] == pytest.approx(0.2) and math.isnan(row["smd"]) and math.isnan(row["ks"])


def test_auc_matches_sklearn_with_ties() -> None:
    """The Mann-Whitney AUC (ties one half) equals sklearn.metrics.roc_auc_score."""
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    label = rng.random(300) < 0.4
    for score in (rng.normal(size=300) + label, np.round(rng.random(300) + 0.3 * label, 1), np.zeros(300)):
        assert mann_whitney_auc(score, label) == pytest.approx(metrics.roc_auc_score(label, score), abs=1e-12)


# --- adversarial validation --------------------------------------------------------------------------

def test_random_split_is_not_detected() -> None:
    """Two halves of one sample: the adversarial AUC is 0.5 within its CV noise."""
    data = _covariates(np.random.default_rng(6), 1200, 0.0)
    train, new = gg.split(data, test_size=0.4, seed=1)
    result = gg.shift(train, new, seed=0)
    assert abs(result.auc - 0.5) < max(3 * result.auc_se, 0.05)
    assert len(result.fold_auc) == result.folds == 5
    assert list(result.table["column"]) == ["x", "z", "g"]
    assert (result.table["psi"] < 0.1).all()


def test_covariate_shift_is_detected() -> None:
    """``x`` shifted by one standard deviation: AUC well above 0.5, ``x`` used, and its statistics large."""
    rng = np.random.default_rng(7)
    result = gg.shift(_covariates(rng, 800, 0.0), _covariates(rng, 500, 1.0), seed=0)
    assert result.auc > 0.7 and result.auc - 3 * result.auc_se > 0.5
    assert "x" in result.columns_used and "x" in result.terms_used.index
    row = result.table.set_index("column").loc["x"]
    assert row["smd"] > 0.8 and row["psi"] > 0.25


def test_seeded_and_reproducible() -> None:
    """The same frames and seed give the same AUC and fold AUCs."""
    rng = np.random.default_rng(8)
    train, new = _covariates(rng, 300, 0.0), _covariates(rng, 200, 0.5)
    first, second = gg.shift(train, new, seed=3), gg.shift(train, new, seed=3)
    assert first.auc == second.auc
    np.testing.assert_array_equal(first.fold_auc, second.fold_auc)


def test_missingness_shift_is_detected_through_the_indicator() -> None:
    """NA only in the new rows of ``x``: the median + indicator coding lets the model use ``x[NA]``."""
    rng = np.random.default_rng(9)
    train, new = _covariates(rng, 600, 0.0), _covariates(rng, 400, 0.0)
    new.loc[new.index[:200], "x"] = np.nan
    new.loc[new.index[:100], "g"] = None
    result = gg.shift(train, new, columns=["x", "g"], seed=0)
    assert result.auc > 0.7
    assert "x[NA]" in result.terms_used.index
    table = result.table.set_index("column")
    assert table.loc["x", "na_new"] == pytest.approx(0.5) and table.loc["x", "na_change"] == pytest.approx(0.5)
    assert table.loc["g", "na_new"] == pytest.approx(0.25)


def test_unseen_levels_are_counted() -> None:
    rng = np.random.default_rng(10)
    train, new = _covariates(rng, 300, 0.0), _covariates(rng, 200, 0.0)
    new.loc[new.index[:50], "g"] = "d"
    table = gg.shift(train, new, columns=["g"], seed=0).table
    assert table.loc[0, "unseen_share"] == pytest.approx(0.25)


def test_bad_columns_and_dask_are_refused() -> None:
    data = _covariates(np.random.default_rng(11), 100, 0.0)
    with pytest.raises(gg.InvalidParameterError, match="'w'.*spelling"):
        gg.shift(data, data, columns=["x", "w"])
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(gg.InvalidParameterError, match=r"\.compute\(\)"):
        gg.shift(dd.from_pandas(data, npartitions=2), data)


# --- a fitted model's expected deviance ---------------------------------------------------------------

def _counts(rng: np.random.Generator, n: int, mean: float) -> pd.DataFrame:
    """Poisson counts whose log mean is quadratic in x: a model linear in x fits worse where x is large."""
    data = _covariates(rng, n, mean)
    data["y"] = rng.poisson(np.exp(0.2 + 0.4 * data["x"] + 0.15 * data["x"] ** 2))
    return data


def test_expected_deviance_is_closer_to_the_new_population() -> None:
    """Under a covariate shift of a misspecified Poisson model, the density-ratio weighted held-out deviance is
    closer to the model's mean deviance on the new population (100,000 rows) than the plain held-out deviance."""
    rng = np.random.default_rng(12)
    fit = gg.glm("y ~ x + z + g", _counts(rng, 2000, 0.0), family="poisson")
    new = _counts(rng, 1000, 1.0)
    result = fit.shift(new, seed=0)
    truth = fit.evaluate(_counts(rng, 100_000, 1.0)).mean_deviance
    assert result.auc > 0.7 and result.columns_used == ["x"]
    assert result.held_out_deviance is not None and result.expected_deviance is not None
    assert abs(result.expected_deviance - truth) < abs(result.held_out_deviance - truth)
    assert result.expected_deviance > result.held_out_deviance
    assert 0 < result.effective_n < 2000
    assert list(result.table["column"]) == fit.spec.column_names  # the design columns


def test_no_shift_leaves_the_expected_deviance_near_the_held_out_one() -> None:
    rng = np.random.default_rng(13)
    fit = gg.glm("y ~ x + z", _counts(rng, 1500, 0.0), family="poisson", alpha=0.01, l1_ratio=1.0)
    result = fit.shift(_counts(rng, 800, 0.0), seed=1)
    assert abs(result.auc - 0.5) < max(3 * result.auc_se, 0.05)
    assert result.expected_deviance == pytest.approx(result.held_out_deviance, rel=0.1)


def test_held_out_deviance_matches_refits_by_statsmodels() -> None:
    """The plain held-out deviance is the mean over training rows of the unit deviance under the model refitted
    without the row's fold; statsmodels' GLM refits on the same folds give the same number."""
    sm = pytest.importorskip("statsmodels.api")
    from glmgen.evaluation.shift import held_out_unit_deviance
    from glmgen.fit import make_fold_ids

    rng = np.random.default_rng(14)
    data = _counts(rng, 300, 0.0)
    fit = gg.glm("y ~ x + z", data, family="poisson")
    folds = make_fold_ids(len(data), 5, np.random.default_rng(0))
    X = sm.add_constant(data[["x", "z"]].to_numpy())
    y = data["y"].to_numpy()
    expected = np.empty(len(data))
    for k in range(5):
        held = folds == k
        model = sm.GLM(y[~held], X[~held], family=sm.families.Poisson()).fit(tol=1e-12)
        mu = model.predict(X[held])
        expected[held] = 2 * (stats.poisson.logpmf(y[held], y[held]) - stats.poisson.logpmf(y[held], mu))
    np.testing.assert_allclose(held_out_unit_deviance(fit, folds), expected, rtol=1e-6, atol=1e-9)


def test_fit_shift_refuses_a_loaded_model_and_dask(tmp_path) -> None:
    data = _counts(np.random.default_rng(15), 200, 0.0)
    fit = gg.glm("y ~ x", data, family="poisson")
    fit.save(tmp_path / "m.json")
    with pytest.raises(gg.DataError, match="training rows"):
        gg.load(tmp_path / "m.json").shift(data)
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(gg.InvalidParameterError, match="in memory"):
        fit.shift(dd.from_pandas(data, npartitions=2))


def test_fit_shift_names_the_unseen_level() -> None:
    """A level the model has no column for cannot be compared in design columns: the error says so, and
    gg.shift on the frames measures it."""
    rng = np.random.default_rng(16)
    train, new = _counts(rng, 200, 0.0), _counts(rng, 100, 0.0)
    new.loc[new.index[0], "g"] = "zz"
    fit = gg.glm("y ~ x + g", train, family="poisson")
    with pytest.raises(gg.UnseenLevelError, match="'zz'.*gg.shift"):
        fit.shift(new)
