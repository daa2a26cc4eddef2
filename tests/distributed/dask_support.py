"""Helpers of the Dask backend's tests: partitionings, comparisons, the penalized objective, simulated data.

The reference of every test in ``tests/distributed`` is glmgen's in-memory fit of the same rows (itself
compared with R, statsmodels and glmnet elsewhere in the suite), so these tests check one thing: that
spreading the rows over partitions, and over worker processes, changes nothing.

The fixtures (the cluster, the schedulers) are in :mod:`dask_fixtures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import patsy
from conftest import unit_deviance
from scipy.special import expit

#: the partitionings every comparison runs at: one partition, ``dd.from_pandas(npartitions=3)``, and seven
#: uneven partitions of which one is empty and one holds a single row
PARTITIONINGS = (1, 3, 7)

#: the contract's tolerances (API.md, "Data beyond one machine")
UNPENALIZED_RTOL = 1e-8
OBJECTIVE_RTOL = 1e-7

#: the scalar statistics of an unpenalized fit that must equal the in-memory fit's
FIT_STATISTICS = ("deviance", "null_deviance", "loglik", "aic", "bic", "scale", "df_resid", "nobs")


# --------------------------------------------------------------------------- partitionings
def partitioned(frame: pd.DataFrame, npartitions: int) -> dd.DataFrame:
    """``frame`` as a Dask DataFrame of ``npartitions`` partitions, rows and index unchanged.

    ``1`` and ``3``: :func:`dask.dataframe.from_pandas`. ``7``: uneven partitions built with
    :func:`dask.dataframe.from_map`, the third empty and the fifth a single row.
    """
    if npartitions in (1, 3):
        return dd.from_pandas(frame, npartitions=npartitions, sort=False)
    assert npartitions == 7 and len(frame) >= 6, (npartitions, len(frame))
    sizes = [len(block) for block in np.array_split(np.arange(len(frame) - 1), 5)]
    sizes[2:2] = [0, 1]
    ends = np.cumsum(sizes)
    pieces = [frame.iloc[end - size:end] for size, end in zip(sizes, ends)]
    return dd.from_map(_identity, pieces, meta=frame.iloc[:0], enforce_metadata=False)


def _identity(piece: pd.DataFrame) -> pd.DataFrame:
    return piece


def partition_sizes(frame: dd.DataFrame) -> list[int]:
    return [int(n) for n in frame.map_partitions(len).compute()]


# --------------------------------------------------------------------------- comparisons
def assert_same_fit(dask_fit: Any, memory_fit: Any, rtol: float = UNPENALIZED_RTOL) -> None:
    """An unpenalized Dask fit equals the in-memory one: same coefficient names, and params, bse and every
    statistic of :data:`FIT_STATISTICS` to ``rtol`` relative (entry by entry, NaN where the other is NaN)."""
    pd.testing.assert_index_equal(dask_fit.params.index, memory_fit.params.index)
    np.testing.assert_allclose(dask_fit.params, memory_fit.params, rtol=rtol, atol=0, err_msg="params")
    np.testing.assert_allclose(dask_fit.bse, memory_fit.bse, rtol=rtol, atol=0, err_msg="bse")
    for name in FIT_STATISTICS:
        np.testing.assert_allclose(getattr(dask_fit, name), getattr(memory_fit, name), rtol=rtol, atol=0,
                                   err_msg=name)


def assert_relative(actual: float, expected: float, rtol: float, what: str) -> None:
    gap = abs(actual - expected) / abs(expected)
    assert gap <= rtol, f"{what}: {actual!r} vs in memory {expected!r}, relative gap {gap:.3g} > {rtol:g}"


# --------------------------------------------------------------------------- the penalized objective
_INVERSE_LINKS = {"gaussian": lambda eta: eta, "binomial": expit, "poisson": np.exp}


class Objective:
    """The elastic-net objective of API.md on the rows of ``frame`` (canonical links, no missing values):

    ``sum_i w_i d(y_i, mu_i) / (2 sum_i w_i) + alpha (l1_ratio sum_j s_j |b_j| + (1 - l1_ratio)/2 sum_j s_j^2 b_j^2)``

    with ``d`` the unit deviance, ``mu = linkinv(offset + b_0 + x'b)``, ``w`` the weights and ``s_j`` the
    weighted 1/n standard deviation of design column ``j`` (1 without standardization). The design columns
    come from patsy (``rhs``, its intercept column dropped).
    """

    def __init__(self, family: str, frame: pd.DataFrame, response: str, rhs: str, *, l1_ratio: float,
                 weights: Sequence[float] | None = None, offset: Sequence[float] | None = None,
                 standardize: bool = True) -> None:
        design = patsy.dmatrix(rhs, frame, return_type="dataframe")
        self.X = design.drop(columns="Intercept")
        self.y = frame[response].to_numpy(dtype=float)
        self.w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
        self.offset = np.zeros(len(frame)) if offset is None else np.asarray(offset, dtype=float)
        self.family, self.l1_ratio = family, l1_ratio
        if standardize:
            p = self.w / self.w.sum()
            centred = self.X.to_numpy() - p @ self.X.to_numpy()
            self.scales = np.sqrt(p @ np.square(centred))
        else:
            self.scales = np.ones(self.X.shape[1])

    def deviance(self, coefs: pd.Series) -> float:
        """``sum_i w_i d(y_i, mu_i)`` at the coefficients ``coefs`` (indexed by name, with ``Intercept``)."""
        eta = self.offset + coefs["Intercept"] + self.X.to_numpy() @ coefs[self.X.columns].to_numpy(dtype=float)
        mu = _INVERSE_LINKS[self.family](eta)
        return float(np.sum(self.w * unit_deviance(self.family, self.y, mu)))

    def __call__(self, coefs: pd.Series, alpha: float) -> float:
        b = coefs[self.X.columns].to_numpy(dtype=float)
        penalty = (self.l1_ratio * np.sum(self.scales * np.abs(b))
                   + 0.5 * (1.0 - self.l1_ratio) * np.sum(np.square(self.scales * b)))
        return self.deviance(coefs) / (2.0 * self.w.sum()) + alpha * float(penalty)


# --------------------------------------------------------------------------- simulated data
def simulated(family: str, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows of a GLM of ``family`` ("gaussian", "binomial", "poisson"): numeric ``x1..x4``, a string factor
    ``g`` (5 levels, each in at least a tenth of the rows), prior weights ``w`` in [0.5, 2], an exposure ``expo``
    in [0.5, 3] (used by the Poisson response) and the response ``y``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    g = np.array(list("abcde"))[np.arange(n) % 5]
    rng.shuffle(g)
    effect = dict(zip("abcde", (0.0, 0.4, -0.3, 0.2, 0.6)))
    eta = 0.3 + X @ np.array([0.5, -0.4, 0.25, 0.0]) + np.array([effect[v] for v in g])
    expo = rng.uniform(0.5, 3.0, n)
    if family == "gaussian":
        y = eta + rng.normal(scale=0.8, size=n)
    elif family == "binomial":
        y = (rng.random(n) < expit(eta)).astype(float)
    else:
        y = rng.poisson(expo * np.exp(0.5 * eta)).astype(float)
    frame = pd.DataFrame(X, columns=["x1", "x2", "x3", "x4"])
    frame["g"] = g
    frame["w"] = rng.uniform(0.5, 2.0, n)
    frame["expo"] = expo
    frame["y"] = y
    return frame
