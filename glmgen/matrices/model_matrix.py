""":class:`ModelMatrix`: a design ``X`` stored as a concatenation of column blocks.

A block is a dense column-major float64 array, a
:class:`~glmgen.matrices.CategoricalBlock` (one code per row) or a
:class:`~glmgen.matrices.SparseBlock` (CSC). The matrix supports what the
solvers and the records need, block by block and without forming the dense
``(n, p)`` array: ``X @ b``, ``r @ X`` (``X' r``), ``X.T @ r``, rows
``X[rows]``, columns ``X[:, columns]``, column extremes, sums and constancy.
A plain dense design stays a NumPy array everywhere: ``ModelMatrix`` is for
designs with at least one categorical or sparse block.

NumPy defers to the class (``__array_ufunc__ = None``), so ``r @ X`` calls
:meth:`ModelMatrix.__rmatmul__` and an accidental ``np.asarray(X)`` or
``X * 2`` fails loudly instead of materialising the dense matrix;
:meth:`ModelMatrix.toarray` is explicit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .blocks import CategoricalBlock, SparseBlock

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Block: TypeAlias = "FloatArray | CategoricalBlock | SparseBlock"
#: what the solvers accept as ``X``
Matrix: TypeAlias = "FloatArray | ModelMatrix"


def _block_shape(block: Block) -> tuple[int, int]:
    n, k = block.shape
    return int(n), int(k)


class ModelMatrix:
    """Column blocks side by side, all with the same rows: ``X = [B_1, B_2, ...]``."""

    __array_ufunc__ = None  # NumPy operators defer to this class (``r @ X``) or fail: never densify silently

    def __init__(self, blocks: Sequence[Block]) -> None:
        checked: list[Block] = []
        for block in blocks:
            if isinstance(block, np.ndarray):
                if block.ndim != 2:
                    raise ValueError("a dense block must be 2-dimensional.")
                block = np.asfortranarray(block, dtype=np.float64)
            elif not isinstance(block, (CategoricalBlock, SparseBlock)):
                raise TypeError(f"a block must be an array, a CategoricalBlock or a SparseBlock, not {type(block)}.")
            checked.append(block)
        rows = {_block_shape(b)[0] for b in checked}  # blocks without columns still say how many rows there are
        checked = [b for b in checked if _block_shape(b)[1] > 0]
        if len(rows) > 1:
            raise ValueError(f"blocks must have the same number of rows, got {sorted(rows)}.")
        self.blocks: tuple[Block, ...] = tuple(checked)
        self.n_rows = rows.pop() if rows else 0
        widths = [_block_shape(b)[1] for b in checked]
        self.starts = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        #: derived views kept with the matrix (e.g. the coordinate-descent layout of :mod:`.columns`)
        self.cache: dict[str, Any] = {}

    # -- shape and storage ---------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, int(self.starts[-1])

    @property
    def ndim(self) -> int:
        return 2

    @property
    def nbytes(self) -> int:
        return sum(int(b.nbytes) for b in self.blocks)

    def slices(self) -> list[slice]:
        """The columns of each block."""
        return [slice(int(a), int(b)) for a, b in zip(self.starts[:-1], self.starts[1:])]

    def __repr__(self) -> str:
        kinds = ", ".join(f"{type(b).__name__ if not isinstance(b, np.ndarray) else 'dense'}"
                          f"[{_block_shape(b)[1]}]" for b in self.blocks)
        return f"ModelMatrix({self.n_rows} rows: {kinds})"

    def __array__(self, *args: Any, **kwargs: Any) -> FloatArray:
        raise TypeError("a ModelMatrix is not converted to a NumPy array implicitly (a categorical block would "
                        "become a dense one-hot matrix); call X.toarray() if that is what you want.")

    def __iter__(self) -> Any:
        raise TypeError("a ModelMatrix is not iterable row by row; take rows with X[rows] or X.toarray().")

    # -- products ------------------------------------------------------------------------------------

    def __matmul__(self, b: Any) -> FloatArray:
        """``X @ b`` for ``b`` ``(p,)`` or ``(p, m)``."""
        b = np.asarray(b, dtype=float)
        if b.shape[0] != self.shape[1]:
            raise ValueError(f"X has {self.shape[1]} columns, b has {b.shape[0]} rows.")
        out = np.zeros((self.n_rows,) + b.shape[1:])
        for block, cols in zip(self.blocks, self.slices()):
            part = b[cols]
            out += block @ part if isinstance(block, np.ndarray) else block.matvec(part)
        return out

    def __rmatmul__(self, r: Any) -> FloatArray:
        """``r @ X`` for ``r`` ``(n,)`` or ``(m, n)``: ``X' r`` as a row (or rows)."""
        r = np.asarray(r, dtype=float)
        if r.shape[-1] != self.n_rows:
            raise ValueError(f"X has {self.n_rows} rows, r has {r.shape[-1]}.")
        rt = r if r.ndim == 1 else r.T
        parts = [block.T @ rt if isinstance(block, np.ndarray) else block.rmatvec(rt) for block in self.blocks]
        joined = np.concatenate(parts, axis=0) if parts else np.zeros((0,) + rt.shape[1:])
        return joined if r.ndim == 1 else joined.T

    @property
    def T(self) -> _Transposed:  # noqa: N802 - NumPy's name
        return _Transposed(self)

    # -- rows and columns ----------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> Matrix:
        """``X[rows]`` or ``X[:, columns]`` (a boolean mask or increasing indices)."""
        if isinstance(key, tuple):
            if len(key) != 2 or not (isinstance(key[0], slice) and key[0] == slice(None)):
                raise IndexError("a ModelMatrix is indexed as X[rows] or X[:, columns].")
            return self.take_columns(key[1])
        return self.take_rows(key)

    def take_rows(self, rows: Any) -> ModelMatrix:
        if isinstance(rows, (int, np.integer)):
            raise IndexError("take rows with an index array or a slice, not one integer.")
        return ModelMatrix([b[rows] if isinstance(b, np.ndarray) else b.take_rows(rows) for b in self.blocks])

    def take_columns(self, columns: Any) -> Matrix:
        """The columns ``columns`` (boolean mask, or distinct increasing indices) in order; a plain array when
        every remaining block is dense. One integer ``j`` gives column ``j`` as a dense vector."""
        index = np.asarray(columns)
        if index.ndim == 0:  # X[:, j]: one column, as a dense vector
            single = self.take_columns(np.array([int(index)]))
            return single[:, 0] if isinstance(single, np.ndarray) else single.toarray()[:, 0]
        if index.dtype == bool:
            if index.shape != (self.shape[1],):
                raise IndexError(f"a column mask needs {self.shape[1]} values, got {index.shape}.")
            index = np.flatnonzero(index)
        index = index.astype(np.int64)
        if index.size and (np.any(np.diff(index) <= 0) or index[0] < 0 or index[-1] >= self.shape[1]):
            raise IndexError("columns must be distinct, increasing and within range.")
        blocks: list[Block] = []
        for block, cols in zip(self.blocks, self.slices()):
            local = index[(index >= cols.start) & (index < cols.stop)] - cols.start
            if local.size == 0:
                continue
            blocks.append(block[:, local] if isinstance(block, np.ndarray) else block.take_columns(local))
        if all(isinstance(b, np.ndarray) for b in blocks):
            dense = [b for b in blocks if isinstance(b, np.ndarray)]
            return np.asfortranarray(np.hstack(dense)) if dense else np.empty((self.n_rows, 0), order="F")
        return ModelMatrix(blocks)

    def toarray(self) -> FloatArray:
        """The dense ``(n, p)`` column-major array (for small designs and tests)."""
        out = np.empty(self.shape, order="F")
        for block, cols in zip(self.blocks, self.slices()):
            out[:, cols] = block if isinstance(block, np.ndarray) else block.toarray()
        return out

    def dense_rows(self, start: int, stop: int) -> FloatArray:
        """Rows ``start:stop`` as a dense array: a bounded piece, for row-block algorithms (QR)."""
        return self.take_rows(slice(start, stop)).toarray()

    # -- column summaries ----------------------------------------------------------------------------

    def column_sums(self, v: FloatArray) -> FloatArray:
        """``X' v``."""
        return np.asarray(v @ self)

    def max_abs(self) -> FloatArray:
        """The largest ``|x_ij|`` of each column."""
        return np.concatenate([np.max(np.abs(b), axis=0, initial=0.0) if isinstance(b, np.ndarray) else b.max_abs()
                               for b in self.blocks] or [np.zeros(0)])

    def column_ranges(self, rows: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
        """Each column's smallest and largest value on the rows ``rows`` (zeros when there are none)."""
        lows, highs = [], []
        for block in self.blocks:
            if isinstance(block, np.ndarray):
                sub = block[rows]
                empty = sub.shape[0] == 0
                lows.append(np.zeros(sub.shape[1]) if empty else np.min(sub, axis=0))
                highs.append(np.zeros(sub.shape[1]) if empty else np.max(sub, axis=0))
            else:
                low, high = block.column_ranges(rows)
                lows.append(low)
                highs.append(high)
        return np.concatenate(lows or [np.zeros(0)]), np.concatenate(highs or [np.zeros(0)])

    def is_constant(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Whether each column takes one value on the rows ``rows``."""
        low, high = self.column_ranges(rows)
        return np.asarray(low == high)

    def scaled(self, factors: FloatArray) -> ModelMatrix:
        """``X diag(factors)`` (a categorical block then carries values)."""
        blocks: list[Block] = []
        for block, cols in zip(self.blocks, self.slices()):
            f = factors[cols]
            if isinstance(block, np.ndarray):
                blocks.append(np.asfortranarray(block * f))
            elif isinstance(block, SparseBlock) or not np.all(f == 1.0):
                blocks.append(block.scaled(f))
            else:
                blocks.append(block)
        return ModelMatrix(blocks)

    def categorical_blocks(self) -> list[tuple[int, CategoricalBlock]]:
        """``(first column, block)`` of each categorical block."""
        return [(int(start), b) for b, start in zip(self.blocks, self.starts) if isinstance(b, CategoricalBlock)]


@dataclass(frozen=True)
class _Transposed:
    """``X.T`` of a :class:`ModelMatrix`: only ``X.T @ r`` is defined."""

    matrix: ModelMatrix

    __array_ufunc__ = None

    def __matmul__(self, r: Any) -> FloatArray:
        r = np.asarray(r, dtype=float)
        return np.asarray(r @ self.matrix) if r.ndim == 1 else np.asarray((r.T @ self.matrix).T)

    @property
    def shape(self) -> tuple[int, int]:
        n, p = self.matrix.shape
        return p, n




def take_columns(X: Matrix, columns: Any) -> Matrix:
    """``X[:, columns]`` (a mask or increasing indices) of a dense array (column-major) or a :class:`ModelMatrix`."""
    if isinstance(X, ModelMatrix):
        return X.take_columns(columns)
    return np.asfortranarray(X[:, columns])
