"""Penalized fits, regularization paths and their cross-validation on Dask DataFrames equal the in-memory ones
(API.md, "Data beyond one machine": the same alpha grid, the objective ``deviance / (2 sum w) + penalty`` to
1e-7 relative at every alpha; ``path.cv`` with the folds of ``glmgen.distributed.fold_ids`` gives the
in-memory CV with those fold ids).

The reference is glmgen's in-memory fit of the same rows (compared with glmnet in
``tests/fit/test_penalized_reference.py``); the objective is computed here from its textbook definition
(:class:`dask_support.Objective`), on simulated data with a string factor, prior weights and an exposure.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask_support import (
    OBJECTIVE_RTOL,
    Objective,
    assert_relative,
    partition_sizes,
    partitioned,
    simulated,
)

import glmgen as gg
from glmgen.distributed import fold_ids

pytest_plugins = ["dask_fixtures"]

RHS = "x1 + x2 + x3 + x4 + g"
N_ALPHAS = 10
#: per family, an alpha at which the lasso keeps some coefficients at zero
ALPHA = {"gaussian": 0.02, "binomial": 0.02, "poisson": 0.08}


@cache
def data(family: str) -> pd.DataFrame:
    return simulated(family, {"gaussian": 600, "binomial": 800, "poisson": 600}[family], seed=11)


def options(family: str) -> dict[str, Any]:
    """Prior weights everywhere; the Poisson model also has an exposure."""
    return {"weights": "w", "exposure": "expo"} if family == "poisson" else {"weights": "w"}


def objective(family: str, l1_ratio: float, standardize: bool = True) -> Objective:
    frame = data(family)
    offset = np.log(frame["expo"]) if family == "poisson" else None
    return Objective(family, frame, "y", RHS, l1_ratio=l1_ratio, weights=frame["w"], offset=offset,
                     standardize=standardize)


def assert_same_objective(dask_coefs: pd.Series, memory_coefs: pd.Series, alpha: float, f: Objective) -> None:
    assert list(dask_coefs.index) == list(memory_coefs.index)
    assert_relative(f(dask_coefs, alpha), f(memory_coefs, alpha), OBJECTIVE_RTOL, f"objective at alpha={alpha:.6g}")


# --------------------------------------------------------------------------- single penalized fits
@pytest.mark.parametrize("npartitions", [3, 7])
@pytest.mark.parametrize("family, l1_ratio, standardize", [
    ("gaussian", 1.0, True), ("binomial", 0.5, True), ("poisson", 1.0, True), ("poisson", 0.5, False),
])
def test_penalized_fit_reaches_the_in_memory_objective(family: str, l1_ratio: float, standardize: bool,
                                                       npartitions: int, local_scheduler: None) -> None:
    """At an alpha that keeps some coefficients at zero, the Dask fit's objective equals the in-memory one,
    and its reported deviance is the deviance of its coefficients."""
    frame, alpha = data(family), ALPHA[family]
    f = objective(family, l1_ratio, standardize)
    memory = gg.glm(f"y ~ {RHS}", frame, family, alpha=alpha, l1_ratio=l1_ratio, standardize=standardize,
                    **options(family))
    result = gg.glm(f"y ~ {RHS}", partitioned(frame, npartitions), family, alpha=alpha, l1_ratio=l1_ratio,
                    standardize=standardize, **options(family))
    assert (memory.params == 0).any()
    assert_same_objective(result.params, memory.params, alpha, f)
    assert_relative(result.deviance, f.deviance(result.params), 1e-8, "deviance of the Dask fit's coefficients")
    assert_relative(result.null_deviance, memory.null_deviance, 1e-8, "null deviance")
    assert result.nobs == memory.nobs


# --------------------------------------------------------------------------- paths
@cache
def memory_path(family: str, l1_ratio: float) -> gg.PathResult:
    return gg.glm_path(f"y ~ {RHS}", data(family), family, l1_ratio=l1_ratio, n_alphas=N_ALPHAS,
                       **options(family))


def dask_path(family: str, l1_ratio: float, npartitions: int) -> gg.PathResult:
    return gg.glm_path(f"y ~ {RHS}", partitioned(data(family), npartitions), family, l1_ratio=l1_ratio,
                       n_alphas=N_ALPHAS, **options(family))


def assert_same_path(result: gg.PathResult, memory: gg.PathResult, f: Objective) -> None:
    """The same alphas (alpha_max from the same rows), and the in-memory objective at each of them."""
    np.testing.assert_allclose(result.alphas, memory.alphas, rtol=1e-10, atol=0, err_msg="alphas")
    assert list(result.coefs.columns) == list(memory.coefs.columns)
    for i, alpha in enumerate(memory.alphas):
        assert_same_objective(result.coefs.iloc[i], memory.coefs.iloc[i], alpha, f)
    np.testing.assert_allclose(result.deviance, [f.deviance(result.coefs.iloc[i]) for i in range(len(result.alphas))],
                               rtol=1e-8, atol=0, err_msg="the Dask path's deviances are those of its coefficients")
    assert result.null_deviance == pytest.approx(memory.null_deviance, rel=1e-8)
    assert result.nobs == memory.nobs


@pytest.mark.parametrize("npartitions", [3, 7])
@pytest.mark.parametrize("family, l1_ratio", [("gaussian", 1.0), ("binomial", 1.0), ("poisson", 0.5)])
def test_path_equals_in_memory(family: str, l1_ratio: float, npartitions: int, local_scheduler: None) -> None:
    assert_same_path(dask_path(family, l1_ratio, npartitions), memory_path(family, l1_ratio),
                     objective(family, l1_ratio))


def test_path_on_a_two_process_cluster(dask_client: Any) -> None:
    assert_same_path(dask_path("binomial", 1.0, 7), memory_path("binomial", 1.0), objective("binomial", 1.0))


def test_fit_at_and_select_equal_in_memory(local_scheduler: None) -> None:
    """``fit_at`` between grid points reaches the in-memory objective; ``select('bic')`` picks the same alpha."""
    result, memory = dask_path("poisson", 0.5, 3), memory_path("poisson", 0.5)
    alpha = float(np.sqrt(memory.alphas[4] * memory.alphas[5]))
    assert_same_objective(result.fit_at(alpha).params, memory.fit_at(alpha).params, alpha, objective("poisson", 0.5))
    assert result.selected_index("bic") == memory.selected_index("bic")


# --------------------------------------------------------------------------- cross-validation
@pytest.mark.parametrize("npartitions", [3, 7])
def test_fold_ids_are_seeded_balanced_draws_per_partition(npartitions: int, local_scheduler: None) -> None:
    """One fold id per row (missing values included), in 0..K-1, balanced within each partition, the same on
    every computation for a partitioning and a seed."""
    frame = data("binomial").copy()
    frame.loc[[5, 17], "x1"] = np.nan
    ddf = partitioned(frame, npartitions)
    ids = fold_ids(ddf, folds=4, seed=3)
    assert isinstance(ids, dd.Series)
    computed = ids.compute()
    pd.testing.assert_index_equal(computed.index, frame.index)
    assert set(computed.unique()) == {0, 1, 2, 3}
    for size, part in zip(partition_sizes(ddf), ids.partitions):
        counts = np.bincount(part.compute().to_numpy(), minlength=4)
        assert counts.sum() == size and counts.max() - counts.min() <= 1
    pd.testing.assert_series_equal(fold_ids(ddf, folds=4, seed=3).compute(), computed)
    assert not fold_ids(ddf, folds=4, seed=4).compute().equals(computed)


def test_fold_ids_do_not_depend_on_the_scheduler(dask_client: Any) -> None:
    """Computed on the 2-process cluster, the folds are those of the synchronous local scheduler: they depend
    on the seed and the partition only."""
    ids = fold_ids(partitioned(data("binomial"), 7), folds=5, seed=2)
    pd.testing.assert_series_equal(ids.compute(), ids.compute(scheduler="sync"))


def assert_same_cv(family: str, l1_ratio: float, npartitions: int, folds: int, seed: int) -> None:
    """``path.cv(folds=K, seed=s)`` of the Dask path equals the in-memory ``path.cv`` given the Dask fold ids."""
    ddf = partitioned(data(family), npartitions)
    result = dask_path(family, l1_ratio, npartitions).cv(folds=folds, seed=seed)
    ids = fold_ids(ddf, folds=folds, seed=seed).compute().to_numpy()
    memory = memory_path(family, l1_ratio).cv(folds=ids)
    np.testing.assert_allclose(result.alphas, memory.alphas, rtol=1e-10, atol=0)
    np.testing.assert_allclose(result.mean_deviance, memory.mean_deviance, rtol=1e-6, atol=0, err_msg="mean")
    # The fold fits agree to the solvers' tolerance (1e-8 on the objective); the se, a spread of fold means that
    # differ by a few percent, magnifies that tenfold, so it is compared on the scale of the mean deviance.
    np.testing.assert_allclose(result.se, memory.se, rtol=0, atol=1e-6 * float(np.max(memory.mean_deviance)),
                               err_msg="se")
    assert (result.index_min, result.index_1se) == (memory.index_min, memory.index_1se)


@pytest.mark.parametrize("family, npartitions", [("gaussian", 7), ("poisson", 3)])
def test_cv_equals_in_memory_cv_with_the_same_folds(family: str, npartitions: int, local_scheduler: None) -> None:
    assert_same_cv(family, 1.0, npartitions, folds=4, seed=3)


def test_cv_on_a_two_process_cluster(dask_client: Any) -> None:
    assert_same_cv("binomial", 1.0, 3, folds=3, seed=0)


def test_cv_fold_ids_per_row_are_refused_on_dask(local_scheduler: None) -> None:
    """Only a number of folds: per-row ids cannot follow the partitions."""
    path = dask_path("gaussian", 1.0, 3)
    with pytest.raises(gg.InvalidParameterError, match="folds"):
        path.cv(folds=np.arange(len(data("gaussian"))) % 3)
