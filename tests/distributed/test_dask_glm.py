"""Unpenalized fits on Dask DataFrames equal the in-memory fits of the same rows (API.md, "Data beyond one
machine": params, bse, deviance, null_deviance, loglik, aic, bic, scale, df_resid and nobs to 1e-8 relative).

The reference is glmgen's in-memory fit of the same rows, itself compared with R's ``glm`` and statsmodels
in ``tests/fit/test_glm_reference.py``; the data are the R/Stata reference data shipped with statsmodels
(``tests/reference/data``) and simulated data. Each model is fitted at the partitionings of
:data:`dask_support.PARTITIONINGS` (1, 3, and 7 uneven partitions with an empty one and a one-row one), on
Dask's local scheduler; a subset also on a 2-process ``distributed.LocalCluster``. Also: the errors a Dask
fit raises where the in-memory one has rows to offer (fitted values, residuals, arrays, sandwich covariances).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from conftest import load_cpunish, load_csv, load_lbw, load_longley, load_star98
from dask_support import (
    PARTITIONINGS,
    assert_same_fit,
    partition_sizes,
    partitioned,
    simulated,
)

import glmgen as gg

pytest_plugins = ["dask_fixtures"]


def quine_categories() -> pd.DataFrame:
    """MASS's ``quine`` with ``Age`` a pandas category in a non-alphabetical order; ``Eth``, ``Sex``, ``Lrn``
    stay string columns."""
    frame = load_csv("quine.csv")
    frame["Age"] = pd.Categorical(frame["Age"], categories=["F3", "F2", "F1", "F0"])
    return frame


def quine_unused_category() -> pd.DataFrame:
    """``quine`` with a category ``F4`` no row has: an all-zero design column (aliased, NaN in memory)."""
    frame = load_csv("quine.csv")
    frame["Age"] = pd.Categorical(frame["Age"], categories=["F0", "F1", "F2", "F3", "F4"])
    return frame


def lbw_with_missing() -> pd.DataFrame:
    """``lbw`` with missing values: ``age`` in rows 3 and 50, ``race`` in row 7, ``lwt`` in row 120, and a race
    level ``"asian"`` seen only in row 100, whose ``age`` is missing (its column is learned from all rows)."""
    frame = load_lbw()
    frame["race"] = frame["race"].astype(object)
    frame.loc[[3, 50, 100], "age"] = np.nan
    frame.loc[7, "race"] = None
    frame.loc[120, "lwt"] = np.nan
    frame.loc[100, "race"] = "asian"
    return frame


@dataclass(frozen=True)
class Case:
    formula: str
    load: Callable[[], pd.DataFrame]
    family: str
    options: dict[str, Any] = field(default_factory=dict)
    drops_rows: bool = False


CASES = {
    "gaussian y ~ . (longley)": Case("TOTEMP ~ .", load_longley, "gaussian"),
    "binomial 0/1, string factor (lbw)": Case("low ~ age + lwt + race + smoke + ptl + ht + ui", load_lbw, "binomial"),
    "binomial cbind y ~ . (star98)": Case("cbind(NABOVE, NBELOW) ~ .", load_star98, "binomial"),
    "poisson exposure + freq_weights (cpunish)": Case(
        "EXECUTIONS ~ INCOME_K + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH + DEGREE", load_cpunish,
        "poisson", {"exposure": "pop", "freq_weights": "fweight"}),
    "poisson offset + weights (cpunish)": Case(
        "EXECUTIONS ~ INCOME_K + PERPOVERTY + SOUTH", load_cpunish, "poisson",
        {"offset": "np.log(pop)", "weights": "weight"}),
    "poisson C() factors + offset (insurance)": Case(
        "Claims ~ C(District) + C(Group) + C(Age)", lambda: load_csv("insurance.csv"), "poisson",
        {"offset": "np.log(Holders)"}),
    "poisson interaction, category and strings (quine)": Case(
        "Days ~ Eth * Sex + Age + Lrn", quine_categories, "poisson"),
    "poisson unused category (quine)": Case("Days ~ Sex + Age", quine_unused_category, "poisson"),
    "gamma inverse (scotland)": Case(
        "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + AGE + COUTAX_FEMALEUNEMP", lambda: load_csv("scotland.csv"),
        "gamma"),
    "gamma log link (cancer)": Case("studytime ~ age + C(drug)", lambda: load_csv("cancer.csv"), "gamma",
                                    {"link": "log"}),
    "binomial with NA rows (lbw)": Case("low ~ age + lwt + race + smoke", lbw_with_missing, "binomial",
                                        drops_rows=True),
    "poisson weights + exposure (simulated)": Case(
        "y ~ x1 + x2 + x3 + x4 + g", lambda: simulated("poisson", 2000, 1), "poisson",
        {"weights": "w", "exposure": "expo"}),
    "gaussian weights (simulated)": Case("y ~ x1 + x2 * g", lambda: simulated("gaussian", 1500, 2), "gaussian",
                                         {"weights": "w"}),
}


def fit(case: Case, data: Any) -> gg.GLMResult:
    """``gg.glm`` of ``case`` on ``data``; a case with missing values must warn with DroppedRowsWarning (on
    both sides), the warning about aliased (all-zero) columns is silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.AliasedColumnsWarning)
        if case.drops_rows:
            with pytest.warns(gg.DroppedRowsWarning):
                return gg.glm(case.formula, data, case.family, **case.options)
        return gg.glm(case.formula, data, case.family, **case.options)


@cache
def in_memory(name: str) -> gg.GLMResult:
    case = CASES[name]
    return fit(case, case.load())


@pytest.mark.parametrize("npartitions", PARTITIONINGS)
@pytest.mark.parametrize("name", list(CASES))
def test_unpenalized_fit_equals_in_memory(name: str, npartitions: int, local_scheduler: None) -> None:
    """The same rows in partitions give the in-memory fit: X'WX, X'Wz and the deviance are sums over rows."""
    case = CASES[name]
    frame = partitioned(case.load(), npartitions)
    assert len(partition_sizes(frame)) == npartitions
    result = fit(case, frame)
    expected = in_memory(name)
    assert_same_fit(result, expected)
    assert result.n_dropped == expected.n_dropped
    assert result.training is None


@pytest.mark.parametrize("name", ["poisson interaction, category and strings (quine)", "binomial with NA rows (lbw)"])
def test_unpenalized_fit_on_a_two_process_cluster(name: str, dask_client: Any) -> None:
    """The same on 2 worker processes: each partition's sums computed in another process, merged by Dask."""
    case = CASES[name]
    result = fit(case, partitioned(case.load(), 7))
    assert_same_fit(result, in_memory(name))


def test_partitionings_are_as_described(local_scheduler: None) -> None:
    """The helper's 7-partition layout holds an empty partition and a one-row partition (so the tests above
    cover both), and keeps the rows and their index."""
    frame = load_cpunish()
    parts = partitioned(frame, 7)
    assert partition_sizes(parts) == [4, 3, 0, 1, 3, 3, 3]
    pd.testing.assert_frame_equal(parts.compute(), frame)


def test_missing_level_and_dropped_rows_match_in_memory(local_scheduler: None) -> None:
    """A level seen only in a dropped row still gets its (all-zero, aliased) column, as in memory, and the Dask
    fit reports the same number of dropped rows."""
    expected = in_memory("binomial with NA rows (lbw)")
    assert "race[T.asian]" in expected.params.index and np.isnan(expected.params["race[T.asian]"])
    assert expected.n_dropped == 5
    result = fit(CASES["binomial with NA rows (lbw)"], partitioned(lbw_with_missing(), 3))
    assert "race[T.asian]" in result.params.index and np.isnan(result.params["race[T.asian]"])
    assert result.n_dropped == 5


def test_parquet_frame_equals_in_memory(tmp_path: Any, local_scheduler: None) -> None:
    """A frame read with ``dd.read_parquet`` (string and category columns round-tripped by Arrow)."""
    name = "poisson interaction, category and strings (quine)"
    case = CASES[name]
    frame = case.load()
    for number, piece in enumerate(np.array_split(np.arange(len(frame)), 4)):
        frame.iloc[piece].to_parquet(tmp_path / f"part.{number}.parquet")
    read = dd.read_parquet(tmp_path)
    assert read.npartitions == 4
    assert_same_fit(fit(case, read), in_memory(name))


# --------------------------------------------------------------------------- errors
@pytest.fixture(scope="module")
def dask_fit() -> gg.GLMResult:
    return gg.glm("y ~ x1 + g", partitioned(simulated("poisson", 300, 3), 3), "poisson")


@pytest.mark.parametrize("role", ["weights", "freq_weights", "offset", "exposure"])
def test_arrays_for_row_variables_are_refused(role: str, local_scheduler: None) -> None:
    """An array cannot follow the rows of a Dask frame: the message says to use a column."""
    frame = simulated("poisson", 300, 3)
    with pytest.raises(gg.GlmgenError, match=rf"{role}.*array.*column"):
        gg.glm("y ~ x1 + g", partitioned(frame, 3), "poisson", **{role: np.ones(len(frame))})


@pytest.mark.parametrize("cov_type", ["HC0", "HC3"])
def test_sandwich_covariance_is_refused(cov_type: str, local_scheduler: None) -> None:
    with pytest.raises(gg.InvalidParameterError, match=rf"cov_type='{cov_type}'.*Dask"):
        gg.glm("y ~ x1 + g", partitioned(simulated("poisson", 300, 3), 3), "poisson", cov_type=cov_type)


@pytest.mark.parametrize("use", [lambda f: f.fitted, lambda f: f.resid(), lambda f: f.resid("pearson"),
                                 lambda f: f.predict()], ids=["fitted", "resid", "resid-pearson", "predict()"])
def test_training_rows_of_a_dask_fit_are_refused(use: Callable[[gg.GLMResult], Any], dask_fit: gg.GLMResult,
                                                  local_scheduler: None) -> None:
    """A Dask fit keeps no rows: fitted values and residuals say to predict on the Dask frame instead (the
    DataError of a model loaded from a file, which keeps none either)."""
    with pytest.raises(gg.DataError, match=r"(?s)Dask.*predict"):
        use(dask_fit)
