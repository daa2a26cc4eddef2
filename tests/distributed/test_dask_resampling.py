"""The bootstrap, predictions, held-out evaluation, splits, generalization and the report on Dask DataFrames
equal their in-memory counterparts on the same rows (API.md, "Data beyond one machine").

The reference is glmgen's in-memory code on the same rows (itself compared with R, statsmodels and glmnet
elsewhere): a Poisson-bootstrap replicate is the in-memory fit with ``freq_weights`` = that replicate's counts
(``glmgen.distributed.poisson_counts``), ``predict`` and ``evaluate`` are the in-memory ones on the computed
frame, and the report's held-out numbers are those of the pieces it is made of (``gg.split``, ``gg.glm`` /
``gg.glm_path``, ``path.cv``, ``fit.evaluate``). Data: MASS's ``quine`` and Hosmer-Lemeshow's ``lbw``
(``tests/reference/data``), and simulated data.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from conftest import load_csv
from dask_support import (
    OBJECTIVE_RTOL,
    UNPENALIZED_RTOL,
    Objective,
    assert_relative,
    partitioned,
    simulated,
)

import glmgen as gg
from glmgen.distributed import poisson_counts

pytest_plugins = ["dask_fixtures"]

N_BOOT = 4
HELD_OUT_FIELDS = ("mean_deviance", "deviance", "null_deviance", "d2", "n")


@cache
def poisson_data() -> pd.DataFrame:
    """Simulated Poisson rows with prior weights, an exposure, and frequency weights ``fw`` in {1, 2, 3}."""
    frame = simulated("poisson", 400, seed=21)
    frame["fw"] = 1.0 + np.arange(len(frame)) % 3
    return frame


def with_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``x1`` missing in rows 4 and 90 and ``g`` missing in row 200 (dropped by the fits)."""
    frame = frame.copy()
    frame["g"] = frame["g"].astype(object)
    frame.loc[[4, 90], "x1"] = np.nan
    frame.loc[200, "g"] = None
    return frame


def glm(formula: str, data: Any, family: str, **options: Any) -> gg.GLMResult:
    """``gg.glm`` with the warnings of dropped rows and aliased columns silenced (both sides warn alike)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.DroppedRowsWarning)
        warnings.simplefilter("ignore", gg.AliasedColumnsWarning)
        return gg.glm(formula, data, family, **options)


def assert_same_held_out(result: gg.HeldOutResult, expected: gg.HeldOutResult, rtol: float = UNPENALIZED_RTOL) -> None:
    for name in HELD_OUT_FIELDS:
        assert_relative(getattr(result, name), getattr(expected, name), rtol, name)


# --------------------------------------------------------------------------- the Poisson bootstrap
@pytest.mark.parametrize("npartitions", [3, 7])
def test_poisson_counts_are_seeded_poisson_draws_per_row(npartitions: int, local_scheduler: None) -> None:
    """A lazy frame of counts: one row per row (missing values included), one column per replicate, whole
    numbers >= 0 with mean near 1, the same on every computation for a seed."""
    frame = with_missing(poisson_data())
    ddf = partitioned(frame, npartitions)
    counts = poisson_counts(ddf, n_boot=N_BOOT, seed=5)
    assert isinstance(counts, dd.DataFrame)
    computed = counts.compute()
    pd.testing.assert_index_equal(computed.index, frame.index)
    assert list(computed.columns) == list(range(N_BOOT))
    values = computed.to_numpy()
    assert np.array_equal(values, np.round(values)) and values.min() >= 0
    # Poisson(1) counts of 400 x 4 draws: mean 1, sd 1/sqrt(1600) = 0.025
    assert abs(values.mean() - 1.0) < 0.1
    pd.testing.assert_frame_equal(poisson_counts(ddf, n_boot=N_BOOT, seed=5).compute(), computed)
    assert not poisson_counts(ddf, n_boot=N_BOOT, seed=6).compute().equals(computed)


def assert_replicates_are_weighted_fits(formula: str, frame: pd.DataFrame, npartitions: int, family: str,
                                        **options: Any) -> None:
    """Replicate r of ``gg.bootstrap`` of the Dask fit equals the in-memory fit with freq_weights = its counts
    (times the fit's own frequency weights)."""
    ddf = partitioned(frame, npartitions)
    boot = gg.bootstrap(glm(formula, ddf, family, **options), n_boot=N_BOOT, seed=5)
    counts = poisson_counts(ddf, n_boot=N_BOOT, seed=5).compute()
    assert boot.replicates.shape[0] == N_BOOT
    freq = options.pop("freq_weights", None)
    for r in range(N_BOOT):
        weights = counts[r].to_numpy(dtype=float) * (1.0 if freq is None else frame[freq].to_numpy())
        expected = glm(formula, frame, family, freq_weights=weights, **options)
        np.testing.assert_allclose(boot.replicates.iloc[r], expected.params, rtol=UNPENALIZED_RTOL, atol=0,
                                   err_msg=f"replicate {r}")


@pytest.mark.parametrize("npartitions", [3, 7])
def test_bootstrap_replicates_equal_in_memory_fits_with_the_counts(npartitions: int, local_scheduler: None) -> None:
    assert_replicates_are_weighted_fits("y ~ x1 + x2 + x3 + g", poisson_data(), npartitions, "poisson",
                                        weights="w", exposure="expo", freq_weights="fw")


def test_bootstrap_with_missing_rows_and_factors(local_scheduler: None) -> None:
    """Counts are drawn for every row, dropped rows included; MASS's quine, interaction of string factors."""
    frame = load_csv("quine.csv")
    frame.loc[[3, 77], "Days"] = np.nan
    assert_replicates_are_weighted_fits("Days ~ Eth * Sex + Age + Lrn", frame, 7, "poisson")


def test_bootstrap_on_a_two_process_cluster(dask_client: Any) -> None:
    assert_replicates_are_weighted_fits("y ~ x1 + x2 + g", simulated("gaussian", 300, seed=22), 7, "gaussian",
                                        weights="w")


def test_penalized_bootstrap_replicates_reach_the_in_memory_objective(local_scheduler: None) -> None:
    """A penalized replicate reaches the objective of the in-memory fit with the counts as frequency weights
    (its standardization recomputed on the resample)."""
    frame = simulated("binomial", 500, seed=23)
    rhs = "x1 + x2 + x3 + x4 + g"
    ddf = partitioned(frame, 3)
    boot = gg.bootstrap(glm(f"y ~ {rhs}", ddf, "binomial", alpha=0.02, l1_ratio=1.0), n_boot=N_BOOT, seed=1)
    counts = poisson_counts(ddf, n_boot=N_BOOT, seed=1).compute()
    for r in range(N_BOOT):
        weights = counts[r].to_numpy(dtype=float)
        expected = glm(f"y ~ {rhs}", frame, "binomial", alpha=0.02, l1_ratio=1.0, freq_weights=weights)
        f = Objective("binomial", frame, "y", rhs, l1_ratio=1.0, weights=weights)
        assert_relative(f(boot.replicates.iloc[r], 0.02), f(expected.params, 0.02), OBJECTIVE_RTOL,
                        f"objective of replicate {r}")


# --------------------------------------------------------------------------- predict and evaluate
def test_predict_is_lazy_and_equals_in_memory(scheduler: str) -> None:
    """``fit.predict(ddf)`` is a lazy dask Series on the frame's index; computed, it is the in-memory
    prediction (response and link scale; the exposure re-read from the new rows; NaN for incomplete rows)."""
    frame = with_missing(poisson_data())
    formula, options = "y ~ x1 + x2 + x3 + g", {"weights": "w", "exposure": "expo"}
    ddf = partitioned(frame, 7)
    dask_fit, memory_fit = glm(formula, ddf, "poisson", **options), glm(formula, frame, "poisson", **options)
    for kind in ("response", "link"):
        lazy = dask_fit.predict(ddf, kind=kind)
        assert isinstance(lazy, dd.Series)
        expected = memory_fit.predict(frame, kind=kind)
        pd.testing.assert_series_equal(lazy.compute(), expected, rtol=UNPENALIZED_RTOL, atol=0, check_names=False)
        assert expected.isna().sum() == 3
    pd.testing.assert_series_equal(dask_fit.predict(frame), memory_fit.predict(frame), rtol=UNPENALIZED_RTOL, atol=0,
                                   check_names=False)


def test_in_memory_fit_predicts_and_evaluates_dask_data(local_scheduler: None) -> None:
    """A fit made in memory scores a Dask frame too (lazily for ``predict``), with its in-memory numbers."""
    frame = poisson_data()
    memory_fit = glm("y ~ x1 + x2 + g", frame, "poisson", exposure="expo")
    ddf = partitioned(frame, 7)
    lazy = memory_fit.predict(ddf)
    assert isinstance(lazy, dd.Series)
    pd.testing.assert_series_equal(lazy.compute(), memory_fit.predict(frame), rtol=1e-12, atol=0, check_names=False)
    assert_same_held_out(memory_fit.evaluate(ddf), memory_fit.evaluate(frame), rtol=1e-12)


@pytest.mark.parametrize("family", ["binomial", "gaussian"])
def test_evaluate_equals_in_memory(family: str, scheduler: str) -> None:
    """``fit.evaluate(ddf)`` (an eager HeldOutResult: mean deviance, deviance, D^2 against the training
    intercept-only model, n) equals the in-memory one on rows the model has not seen."""
    train, test = simulated(family, 500, seed=24), with_missing(simulated(family, 300, seed=25))
    formula = "y ~ x1 + x2 + x3 + g"
    options = {"weights": "w"} if family == "gaussian" else {}  # binomial weights are numbers of trials
    dask_fit = glm(formula, partitioned(train, 3), family, **options)
    memory_fit = glm(formula, train, family, **options)
    result = dask_fit.evaluate(partitioned(test, 7))
    assert isinstance(result, gg.HeldOutResult)
    assert_same_held_out(result, memory_fit.evaluate(test))


# --------------------------------------------------------------------------- split and generalization
@pytest.mark.parametrize("npartitions", [3, 7])
def test_split_is_a_seeded_draw_per_row(npartitions: int, scheduler: str) -> None:
    """Two Dask frames, disjoint, covering every row, the same for the same seed, another for another seed;
    the test share is binomial around test_size (2000 rows: sd 0.0097 at 0.25)."""
    frame = simulated("gaussian", 2000, seed=26)
    ddf = partitioned(frame, npartitions)
    train, test = gg.split(ddf, test_size=0.25, seed=7)
    assert isinstance(train, dd.DataFrame) and isinstance(test, dd.DataFrame)
    train_rows, test_rows = train.index.compute(), test.index.compute()
    assert not set(train_rows) & set(test_rows)
    assert sorted([*train_rows, *test_rows]) == list(frame.index)
    assert abs(len(test_rows) / len(frame) - 0.25) < 4 * 0.0097
    pd.testing.assert_frame_equal(test.compute(), ddf.compute().loc[test_rows])
    again_train, again_test = gg.split(ddf, test_size=0.25, seed=7)
    pd.testing.assert_index_equal(again_test.index.compute(), test_rows)
    pd.testing.assert_index_equal(again_train.index.compute(), train_rows)
    assert not gg.split(ddf, test_size=0.25, seed=8)[1].index.compute().equals(test_rows)


def test_generalization_equals_in_memory(scheduler: str) -> None:
    """``gg.generalization`` of a Dask fit on Dask parts equals the in-memory one on the computed parts."""
    frame = with_missing(poisson_data())
    train, test = gg.split(partitioned(frame, 7), test_size=0.3, seed=1)
    formula, options = "y ~ x1 + x2 + x3 + g", {"weights": "w", "exposure": "expo"}
    result = gg.generalization(glm(formula, train, "poisson", **options), train, test)
    memory_train, memory_test = train.compute(), test.compute()
    expected = gg.generalization(glm(formula, memory_train, "poisson", **options), memory_train, memory_test)
    assert_same_held_out(result.train, expected.train)
    assert_same_held_out(result.test, expected.test)


# --------------------------------------------------------------------------- the report
def test_report_of_a_single_fit_renders_and_agrees_with_its_pieces(local_scheduler: None) -> None:
    """``gg.report`` on a Dask frame renders, and its fit and held-out numbers are those of ``gg.split``,
    ``gg.glm`` on the training part and ``evaluate`` on the held-out part."""
    frame = load_csv("quine.csv")
    formula = "Days ~ Eth * Sex + Age + Lrn"
    ddf = partitioned(frame, 3)
    report = gg.report(formula, ddf, "poisson", select=None, n_boot=4, learning_curve=False, figures=False,
                       test_size=0.25, seed=3)
    train, test = gg.split(ddf, test_size=0.25, seed=3)
    fit = glm(formula, train, "poisson")
    analysis = report.analysis
    assert (analysis.train_rows, analysis.test_rows) == (len(train), len(test))
    np.testing.assert_allclose(analysis.fit.params, fit.params, rtol=UNPENALIZED_RTOL, atol=0)
    assert_same_held_out(analysis.generalization.test, fit.evaluate(test))
    in_memory = glm(formula, train.compute(), "poisson")
    assert_same_held_out(analysis.generalization.test, in_memory.evaluate(test.compute()))
    html, text = report.to_html(), report.to_text()
    for name in fit.params.index:
        assert name in html and name in text
    assert f"{analysis.generalization.test.mean_deviance:.3g}" in text


def test_report_with_cv_selection_agrees_with_its_pieces(local_scheduler: None) -> None:
    """With ``select='cv_1se'``: the path on the training part, its CV, the selected fit's held-out numbers."""
    frame = simulated("binomial", 600, seed=27)
    formula = "y ~ x1 + x2 + x3 + x4 + g"
    ddf = partitioned(frame, 3)
    report = gg.report(formula, ddf, "binomial", select="cv_1se", n_alphas=10, folds=3, n_boot=0,
                       learning_curve=False, figures=False, test_size=0.25, seed=4)
    train, test = gg.split(ddf, test_size=0.25, seed=4)
    path = gg.glm_path(formula, train, "binomial", n_alphas=10)
    cv = path.cv(folds=3, seed=4)
    fit = path.select("cv_1se")
    analysis = report.analysis
    np.testing.assert_allclose(analysis.cv.mean_deviance, cv.mean_deviance, rtol=1e-10, atol=0)
    assert analysis.fit.penalty.alpha == fit.penalty.alpha
    assert_same_held_out(analysis.generalization.test, fit.evaluate(test))
    assert "cv_1se" in report.to_text() or "1se" in report.to_text()
