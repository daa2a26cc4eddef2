"""Per-column views of a design for coordinate descent: weighted moments, and the columns as a kernel reads them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse

from . import _kernels
from .blocks import CategoricalBlock
from .model_matrix import Matrix, ModelMatrix

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: ``ColumnLayout.kind`` of a column stored densely / sparsely
DENSE, SPARSE = 0, 1


@dataclass(frozen=True)
class ColumnLayout:
    """A :class:`ModelMatrix`'s columns as the compiled coordinate-descent kernel reads them.

    Dense columns side by side in one column-major ``dense`` array; categorical
    and sparse columns in one CSC structure (``indptr``, ``indices``, ``data``;
    a categorical column's entries are ones, or its rows' values). Column ``j`` of the design is
    column ``local[j]`` of the part ``kind[j]`` (:data:`DENSE` or :data:`SPARSE`).
    """

    dense: FloatArray
    indptr: IntArray
    indices: npt.NDArray[np.int32]
    data: FloatArray
    kind: npt.NDArray[np.int8]
    local: IntArray

    @classmethod
    def of(cls, X: Matrix) -> ColumnLayout:
        """The layout of ``X``, built at the first call and kept with a :class:`ModelMatrix` (a path solves many
        times); a dense array is its own dense part, with an empty sparse part (a few small arrays, no copy)."""
        if isinstance(X, np.ndarray):
            p = X.shape[1]
            return cls(X, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0),
                       np.full(p, DENSE, dtype=np.int8), np.arange(p, dtype=np.int64))
        cached = X.cache.get("layout")
        if isinstance(cached, ColumnLayout):
            return cached
        layout = cls._build(X)
        X.cache["layout"] = layout
        return layout

    @classmethod
    def _build(cls, X: ModelMatrix) -> ColumnLayout:
        dense_blocks = [b for b in X.blocks if isinstance(b, np.ndarray)]
        other = [b.to_csc() for b in X.blocks if not isinstance(b, np.ndarray)]
        if len(dense_blocks) == 1:
            dense = dense_blocks[0]  # no copy
        elif dense_blocks:
            dense = np.asfortranarray(np.hstack(dense_blocks))
        else:
            dense = np.zeros((X.n_rows, 0), order="F")
        sparse = scipy.sparse.csc_array(scipy.sparse.hstack(other, format="csc")) if other else \
            scipy.sparse.csc_array((X.n_rows, 0))
        kind = np.empty(X.shape[1], dtype=np.int8)
        local = np.empty(X.shape[1], dtype=np.int64)
        counts = {DENSE: 0, SPARSE: 0}
        for block, cols in zip(X.blocks, X.slices()):
            which = DENSE if isinstance(block, np.ndarray) else SPARSE
            width = cols.stop - cols.start
            kind[cols] = which
            local[cols] = counts[which] + np.arange(width)
            counts[which] += width
        return cls(dense, sparse.indptr.astype(np.int64), sparse.indices.astype(np.int32),
                   np.asarray(sparse.data, dtype=np.float64), kind, local)


def column_moments(X: ModelMatrix, v: FloatArray, centre: bool,
                   columns: IntArray | None = None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(x_mean, x_var, vx)``: ``vx_j = sum_i v_i x_ij``, ``x_mean_j = vx_j / sum(v)`` (0 unless ``centre``) and
    ``x_var_j = sum_i v_i (x_ij - x_mean_j)^2``; dense columns are centred before squaring. With ``columns``
    (increasing indices) only those entries are computed (the others are 0): a sparse block then costs the
    stored entries of those columns only."""
    total = float(v.sum())
    p = X.shape[1]
    wanted = np.arange(p, dtype=np.int64) if columns is None else np.asarray(columns, dtype=np.int64)
    vx, squares = np.zeros(p), np.zeros(p)
    dense_columns = []
    for block, cols in zip(X.blocks, X.slices()):
        local = wanted[(wanted >= cols.start) & (wanted < cols.stop)] - cols.start
        if local.size == 0:
            continue
        if isinstance(block, np.ndarray):
            vx[cols.start + local] = v @ block[:, local] if local.size < block.shape[1] else v @ block
            dense_columns.append((block, cols.start, local))
        elif isinstance(block, CategoricalBlock):
            vx[cols] = block.column_sums(v)
            squares[cols] = block.squared_sums(v)
        else:
            part_sums, part_squares = np.zeros(cols.stop - cols.start), np.zeros(cols.stop - cols.start)
            _kernels.weighted_sums_and_squares(block.csc.indptr, block.csc.indices, block.csc.data, v, local,
                                               part_sums, part_squares)
            vx[cols], squares[cols] = part_sums, part_squares
    x_mean = vx / total if centre else np.zeros(p)
    x_var = np.maximum(squares - total * np.square(x_mean), 0.0)
    for block, start, local in dense_columns:
        for j in local:
            x_var[start + j] = float(v @ np.square(block[:, j] - x_mean[start + j]))
    if columns is not None:
        keep = np.zeros(p, dtype=bool)
        keep[wanted] = True
        vx[~keep], x_mean[~keep], x_var[~keep] = 0.0, 0.0, 0.0
    return x_mean, x_var, vx
