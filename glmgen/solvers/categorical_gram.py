"""The Gram form of a penalized step for a design with a categorical block, without forming ``G``.

For ``X = [C | R]`` (``C`` the largest categorical block, ``k`` levels; ``R``
the other ``r`` columns, densely or in blocks) and normalised working weights
``u``, the centred Gram matrix of one IRLS step is

    G_CC = diag(d) - T m m'   (d = diag(C'UC), m = C'u / T, T = sum(u); no rank-one term without an intercept)
    G_CR = C' U (R - 1 m_R')  (group sums, k x r)
    G_RR = (R - 1 m_R)' U (R - 1 m_R)

:func:`~glmgen.solvers._block_kernels.cd_categorical_gram` runs coordinate
descent on it: a level's update costs ``O(r)``, another column's ``O(k + r)``,
against ``O(n)`` per column for the residual ("naive") form. Forming the
pieces costs ``O(n r^2)`` once per IRLS step, so the form pays when ``r`` is
small (:data:`MAX_REST_COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..matrices import (
    CategoricalBlock,
    Matrix,
    ModelMatrix,
    column_means,
    cross_gram,
    weighted_gram,
)
from . import _block_kernels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: the categorical Gram form is chosen (mode "auto") when the design has at most this many other columns
MAX_REST_COLUMNS = 64


def prefers_categorical_gram(X: Matrix) -> bool:
    """Whether ``X`` has a categorical block and at most :data:`MAX_REST_COLUMNS` other columns."""
    if not isinstance(X, ModelMatrix):
        return False
    blocks = X.categorical_blocks()
    if not blocks:
        return False
    largest = max(block.n_columns for _, block in blocks)
    return X.shape[1] - largest <= MAX_REST_COLUMNS


@dataclass(frozen=True)
class FactorSplit:
    """A design ``X = [C | R]`` split at its largest categorical block ``C`` (columns ``cat_index``); ``rest`` is
    ``R``, the other columns (``rest_index``), as a design of its own."""

    block: CategoricalBlock
    cat_index: IntArray
    rest_index: IntArray
    rest: Matrix

    @classmethod
    def of(cls, X: ModelMatrix) -> FactorSplit:
        """The split of ``X``, taken once per matrix and kept in ``X.cache`` (a path solves on ``X`` many times)."""
        cached = X.cache.get("largest_factor")
        if isinstance(cached, FactorSplit):
            return cached
        start, block = max(X.categorical_blocks(), key=lambda item: item[1].n_columns)
        cat_index = np.arange(start, start + block.n_columns, dtype=np.int64)
        rest_index = np.setdiff1d(np.arange(X.shape[1], dtype=np.int64), cat_index)
        split = cls(block, cat_index, rest_index, X.take_columns(rest_index))
        X.cache["largest_factor"] = split
        return split

    def cross_products(self, v: FloatArray, fit_intercept: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(m_R, G_RR, G_CR)``: the ``v``-weighted centres of ``R`` (zeros without an intercept), the centred
        Gram matrix of ``R`` and ``C' V (R - 1 m_R')`` ``(k, r)``, the pieces both the weighted least-squares
        elimination and the categorical Gram form are built from."""
        rest_mean = column_means(self.rest, v, fit_intercept)
        rest_gram = weighted_gram(self.rest, v, rest_mean)
        cross = cross_gram(ModelMatrix([self.block]), self.rest, v, np.zeros(self.block.n_columns), rest_mean)
        return rest_mean, rest_gram, cross


@dataclass(frozen=True)
class CategoricalGram:
    """The pieces of ``G`` and ``q = X_c' U (z - zbar)`` (see the module docstring), by design column."""

    kind: npt.NDArray[np.int8]
    local: IntArray
    cat_weight: FloatArray
    cat_mean: FloatArray
    total: float
    cross: FloatArray
    rest_gram: FloatArray
    q: FloatArray
    x_mean: FloatArray
    z_mean: float

    @classmethod
    def of(cls, X: ModelMatrix, u: FloatArray, z: FloatArray, fit_intercept: bool) -> CategoricalGram:
        split = FactorSplit.of(X)
        block, cat_index, rest_index = split.block, split.cat_index, split.rest_index
        p = X.shape[1]
        total = float(u.sum())
        cat_weight = block.squared_sums(u)
        cat_mean = block.column_sums(u) / total if fit_intercept else np.zeros(block.n_columns)
        rest_mean, rest_gram, cross = split.cross_products(u, fit_intercept)
        z_mean = float(u @ z / total) if fit_intercept else 0.0
        residual = u * (z - z_mean)
        kind = np.ones(p, dtype=np.int8)
        kind[cat_index] = 0
        local = np.empty(p, dtype=np.int64)
        local[cat_index] = np.arange(cat_index.size)
        local[rest_index] = np.arange(rest_index.size)
        x_mean = np.empty(p)
        x_mean[cat_index], x_mean[rest_index] = cat_mean, rest_mean
        return cls(
            kind=kind, local=local, cat_weight=cat_weight, cat_mean=cat_mean,
            total=total if fit_intercept else 0.0,
            cross=np.ascontiguousarray(cross), rest_gram=np.ascontiguousarray(rest_gram),
            q=np.asarray(residual @ X, dtype=float), x_mean=x_mean, z_mean=z_mean,
        )

    def diagonal(self) -> FloatArray:
        """``diag(G)`` by design column: ``c_a - total m_a^2`` for a level, ``G_RR[b, b]`` for another column."""
        values = np.empty(self.kind.size)
        cat = self.kind == 0
        values[cat] = (self.cat_weight - self.total * np.square(self.cat_mean))[self.local[cat]]
        values[~cat] = np.diag(self.rest_gram)[self.local[~cat]]
        return values

    def dense(self, columns: IntArray) -> FloatArray:
        """``G`` over ``columns`` as a dense matrix (for a few hundred columns: the optimality check)."""
        cat = self.kind[columns] == 0
        levels, others = self.local[columns[cat]], self.local[columns[~cat]]
        gram = np.empty((columns.size, columns.size))
        means = self.cat_mean[levels]
        gram[np.ix_(cat, cat)] = np.diag(self.cat_weight[levels]) - self.total * np.outer(means, means)
        gram[np.ix_(cat, ~cat)] = self.cross[np.ix_(levels, others)]
        gram[np.ix_(~cat, cat)] = self.cross[np.ix_(levels, others)].T
        gram[np.ix_(~cat, ~cat)] = self.rest_gram[np.ix_(others, others)]
        return gram

    def solve(self, beta: FloatArray, l1: FloatArray, l2: FloatArray, active: IntArray, tol: float,
              max_sweeps: int) -> int:
        """Coordinate descent over ``active`` from ``beta`` (updated in place); returns the number of sweeps."""
        return int(_block_kernels.cd_categorical_gram(
            self.kind, self.local, self.cat_weight, self.cat_mean, self.total, self.cross, self.rest_gram,
            self.q, l1, l2, beta, active, tol, max_sweeps))
