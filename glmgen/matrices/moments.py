"""Weighted moments of ``[X, z]`` in one pass over the rows, kept compact for a categorical block.

For a design of dense columns ``D`` (``m``) and at most one categorical block ``C`` (``k`` columns, each row's
entry ``u_i`` in column ``codes_i``), with weights ``v`` and ``d_i = [x_i, z_i]`` (the dense columns and
``z``), the centred cross-products ``sum_i v_i (c_i - mean)(c_i - mean)'`` of the rows ``c_i`` of ``[X, z]``
are determined by

- ``total = sum v``, ``dense_mean`` and ``dense_cross``: the weighted mean and centred cross-products of ``d``;
- ``level_sums[k] = sum_{codes_i = k} v_i u_i`` and ``level_squares[k] = sum_{codes_i = k} v_i u_i^2``: the
  categorical columns' sums, and the diagonal of ``C' V C`` (which has no other entries);
- ``level_cross[j, k] = sum_{codes_i = k} v_i u_i (d_ij - dense_mean_j)``: ``C`` against the centred ``d``.

The categorical block's own centred block ``diag(q) - s s' / total`` and its means ``s / total`` are formed
only when asked for (:attr:`GroupedMoments.cross`), so a partition's moments cost ``O(m k)``, not ``O(k^2)``,
to send and to merge. The rows are read once: ``d`` is shifted by a weighted mean of every
:data:`SHIFT_STRIDE`-th row (close to the mean, so nothing cancels), each row block of ``sqrt(v) (d - shift)``
is written to a workspace, reduced by BLAS ``syrk`` and summed into the groups by a compiled loop
(:func:`~._kernels.shifted_block`), and the sums are moved to the exact mean afterwards (rank-one corrections).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.linalg

from . import _kernels
from .blocks import CategoricalBlock
from .model_matrix import Matrix, ModelMatrix

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: the shift of the dense columns is the weighted mean of every ``SHIFT_STRIDE``-th row
SHIFT_STRIDE = 64
#: size of the row-block workspace (measured at 1M rows x 21 columns: 128 KiB to 4 MiB within noise, 4 MiB slower
#: for the group sums, which then leave the cache)
MOMENT_BLOCK_BYTES = 2**19


@dataclass(frozen=True)
class GroupedMoments:
    """The moments of ``[X, z]`` (module docstring), with where the dense and the categorical columns sit in
    ``X``: ``total``, :attr:`mean` and :attr:`cross` in the column order of ``[X, z]``."""

    total: float
    dense_mean: FloatArray
    dense_cross: FloatArray
    level_sums: FloatArray
    level_squares: FloatArray
    level_cross: FloatArray
    dense_columns: IntArray
    level_columns: IntArray

    @classmethod
    def of(cls, X: Matrix, v: FloatArray, z: FloatArray) -> GroupedMoments | None:
        """The moments of ``[X, z]`` with weights ``v``; ``None`` when ``X`` has a sparse block or more than one
        categorical block."""
        layout = _layout(X)
        if layout is None:
            return None
        dense, block, dense_columns, level_columns = layout
        k = 0 if block is None else block.n_columns
        width = dense.shape[1] + 1
        total = float(v.sum())
        if not total > 0:
            return cls(0.0, np.zeros(width), np.zeros((width, width)), np.zeros(k), np.zeros(k), np.zeros((width, k)),
                       dense_columns, level_columns)
        shift = _shift(dense, z, v)
        first, second, groups, sums, squares = _shifted_sums(dense, z, v, block, shift)
        delta = first / total  # mean - shift
        groups -= np.outer(delta, sums)  # sum v u (d - mean) = sum v u (d - shift) - s (mean - shift)
        return cls(total, shift + delta, second - np.outer(first, delta), sums, squares, groups, dense_columns,
                   level_columns)

    def merge(self, other: GroupedMoments) -> GroupedMoments:
        """The moments of both row sets: Chan, Golub and LeVeque's update for the dense part, the group sums
        moved to the new mean."""
        if other.total <= 0:
            return self
        if self.total <= 0:
            return other
        total = self.total + other.total
        delta = other.dense_mean - self.dense_mean
        mean = self.dense_mean + delta * (other.total / total)
        cross = self.dense_cross + other.dense_cross + np.outer(delta, delta) * (self.total * other.total / total)
        groups = (self.level_cross + np.outer(self.dense_mean - mean, self.level_sums)
                  + other.level_cross + np.outer(other.dense_mean - mean, other.level_sums))
        return GroupedMoments(total, mean, cross, self.level_sums + other.level_sums,
                              self.level_squares + other.level_squares, groups, self.dense_columns, self.level_columns)

    @cached_property
    def mean(self) -> FloatArray:
        """``[X, z]' v / total`` (zeros without weight)."""
        p = self.dense_columns.size + self.level_columns.size
        mean = np.zeros(p + 1)
        mean[np.append(self.dense_columns, p)] = self.dense_mean
        if self.total > 0:
            mean[self.level_columns] = self.level_sums / self.total
        return mean

    @cached_property
    def cross(self) -> FloatArray:
        """``sum_i v_i (c_i - mean)(c_i - mean)'`` ``(p + 1, p + 1)``, in the column order of ``[X, z]``."""
        p = self.dense_columns.size + self.level_columns.size
        dense, levels = np.append(self.dense_columns, p), self.level_columns
        cross = np.zeros((p + 1, p + 1))
        cross[np.ix_(dense, dense)] = self.dense_cross
        cross[np.ix_(dense, levels)] = self.level_cross
        cross[np.ix_(levels, dense)] = self.level_cross.T
        if self.total > 0:
            block = np.outer(self.level_sums, -self.level_sums / self.total)
            block[np.diag_indices_from(block)] += self.level_squares
            cross[np.ix_(levels, levels)] = block
        return cross


def _layout(X: Matrix) -> tuple[FloatArray, CategoricalBlock | None, IntArray, IntArray] | None:
    """``X``'s dense columns (one Fortran-ordered array), its categorical block and the positions of both in
    ``X``; ``None`` when ``X`` has a sparse block or more than one categorical block."""
    if isinstance(X, np.ndarray):
        return np.asfortranarray(X), None, np.arange(X.shape[1], dtype=np.int64), np.zeros(0, dtype=np.int64)
    assert isinstance(X, ModelMatrix)
    categorical = [b for b in X.blocks if isinstance(b, CategoricalBlock)]
    dense = [(b, cols) for b, cols in zip(X.blocks, X.slices()) if isinstance(b, np.ndarray)]
    if len(categorical) > 1 or len(categorical) + len(dense) < len(X.blocks):
        return None
    columns = [np.arange(cols.start, cols.stop, dtype=np.int64) for _, cols in dense]
    dense_columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    level_columns = np.setdiff1d(np.arange(X.shape[1], dtype=np.int64), dense_columns)
    if len(dense) == 1:
        matrix = dense[0][0]
    else:
        matrix = np.asfortranarray(np.hstack([b for b, _ in dense])) if dense else np.empty((X.n_rows, 0), order="F")
    return matrix, (categorical[0] if categorical else None), dense_columns, level_columns


def _shift(dense: FloatArray, z: FloatArray, v: FloatArray) -> FloatArray:
    """The weighted mean of ``[dense, z]`` over every :data:`SHIFT_STRIDE`-th row (their plain mean when those
    rows have no weight)."""
    rows = slice(None, None, SHIFT_STRIDE)
    sample = v[rows]
    weight = float(sample.sum())
    sample = sample / weight if weight > 0 else np.full(sample.size, 1.0 / sample.size)
    return np.append(sample @ dense[rows], sample @ z[rows])


def _shifted_sums(dense: FloatArray, z: FloatArray, v: FloatArray, block: CategoricalBlock | None,
                  shift: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """``sum v c``, ``sum v c c'``, the group sums of ``v u c``, ``sum v u`` and ``sum v u^2`` by level, for
    ``c = [dense, z] - shift``: row blocks of :data:`MOMENT_BLOCK_BYTES` through the compiled kernel and
    ``syrk``."""
    n, width = dense.shape[0], dense.shape[1] + 1
    k = 0 if block is None else block.n_columns
    codes = np.zeros(0, dtype=np.int32) if block is None else block.codes
    values = np.zeros(0) if block is None or block.values is None else block.values
    rows_per_block = max(1, min(n, MOMENT_BLOCK_BYTES // (8 * width)))
    work = np.empty((rows_per_block, width), order="F")
    upper = np.zeros((width, width), order="F")
    first, groups, sums, squares = np.zeros(width), np.zeros((width, k)), np.zeros(k), np.zeros(k)
    for start in range(0, n, rows_per_block):
        _kernels.shifted_block(dense, z, v, codes, values, shift, start, work, first, groups, sums, squares)
        upper = scipy.linalg.blas.dsyrk(1.0, work, beta=1.0, c=upper, trans=1, overwrite_c=True)
    return first, np.triu(upper) + np.triu(upper, 1).T, groups, sums, squares
