"""The column blocks a :class:`~glmgen.matrices.ModelMatrix` is made of, besides dense column-major arrays.

:class:`CategoricalBlock` stores one integer per row: the column that holds
the row's 1, or ``-1`` for a row whose level has no column (the reference
level of treatment contrasts). ``k`` columns of one-hot dummies cost 4 bytes
a row instead of ``8 k``, and every product is a gather or a weighted
``bincount``: ``C b = b[codes]``, ``C' r = bincount(codes, r)``, and the
weighted Gram matrix ``C' V C`` is diagonal. :class:`SparseBlock` holds a
compressed-sparse-column array (glmnet's ``dgCMatrix``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse

from . import _kernels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class CategoricalBlock:
    """``k`` indicator columns given by one code per row: ``x_ij = 1`` where ``codes[i] == j``, else 0.

    ``codes`` ``(n,)`` int32 with values in ``[-1, k)``; ``-1`` marks a row with no column (all zeros).
    """

    codes: CodeArray
    n_columns: int

    def __post_init__(self) -> None:
        codes = np.ascontiguousarray(self.codes, dtype=np.int32)
        if codes.ndim != 1 or (codes.size and (codes.min() < -1 or codes.max() >= self.n_columns)):
            raise ValueError(f"codes must be one integer per row in [-1, {self.n_columns}).")
        object.__setattr__(self, "codes", codes)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.codes.size), int(self.n_columns)

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes)

    def matvec(self, b: FloatArray) -> FloatArray:
        """``C b`` for ``b`` ``(k,)`` or ``(k, m)``: the entry of each row's column, 0 for rows without one."""
        padded = np.concatenate([b, np.zeros((1,) + b.shape[1:])])
        result: FloatArray = padded[self.codes]  # code -1 reads the zero row
        return result

    def rmatvec(self, r: FloatArray) -> FloatArray:
        """``C' r`` for ``r`` ``(n,)`` or ``(n, m)``: per column, the sum of ``r`` over its rows."""
        if r.ndim == 1:
            return np.bincount(self.codes + 1, weights=r, minlength=self.n_columns + 1)[1:].astype(np.float64)
        out = np.zeros((self.n_columns, r.shape[1]))
        _kernels.group_sums(self.codes, np.ascontiguousarray(r, dtype=np.float64), out)
        return out

    def take_rows(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_] | slice) -> CategoricalBlock:
        return CategoricalBlock(self.codes[rows], self.n_columns)

    def take_columns(self, columns: IntArray) -> CategoricalBlock:
        """The block of ``columns`` (distinct, increasing): rows of the other columns get code ``-1``."""
        mapping = np.full(self.n_columns + 1, -1, dtype=np.int32)
        mapping[columns] = np.arange(columns.size, dtype=np.int32)
        return CategoricalBlock(mapping[self.codes], int(columns.size))

    def column_sums(self, v: FloatArray) -> FloatArray:
        """``C' v``: the weight of each column's rows."""
        return self.rmatvec(v)

    def max_abs(self) -> FloatArray:
        """The largest ``|x_ij|`` of each column: 1 where the column has a row, else 0."""
        return (np.bincount(self.codes + 1, minlength=self.n_columns + 1)[1:] > 0).astype(float)

    def is_constant(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Whether each column takes one value on ``rows``: all of them in the column, or none."""
        counts = np.bincount(self.codes[rows] + 1, minlength=self.n_columns + 1)[1:]
        return np.asarray((counts == 0) | (counts == int(rows.sum())), dtype=bool)

    def to_csc(self) -> scipy.sparse.csc_array:
        """The block as a sparse ``(n, k)`` array (rows in order within each column)."""
        n = self.codes.size
        present = self.codes >= 0
        order = np.argsort(self.codes, kind="stable")[n - int(present.sum()):]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.codes[present], minlength=self.n_columns))])
        return scipy.sparse.csc_array((np.ones(order.size), order.astype(np.int32), indptr), shape=self.shape)

    def toarray(self) -> FloatArray:
        out = np.zeros(self.shape, order="F")
        rows = np.flatnonzero(self.codes >= 0)
        out[rows, self.codes[rows]] = 1.0
        return out


@dataclass(frozen=True)
class SparseBlock:
    """Columns held as a compressed-sparse-column ``(n, k)`` float64 array with sorted, unique indices."""

    csc: scipy.sparse.csc_array

    def __post_init__(self) -> None:
        csc = scipy.sparse.csc_array(self.csc, dtype=np.float64)
        if not csc.has_canonical_format:  # sorting and summing work in place: never on the caller's arrays
            csc = csc.copy()
            csc.sum_duplicates()
            csc.sort_indices()
        object.__setattr__(self, "csc", csc)

    @property
    def shape(self) -> tuple[int, int]:
        n, k = self.csc.shape
        return int(n), int(k)

    @property
    def nbytes(self) -> int:
        return int(self.csc.data.nbytes + self.csc.indices.nbytes + self.csc.indptr.nbytes)

    def matvec(self, b: FloatArray) -> FloatArray:
        return np.asarray(self.csc @ b, dtype=float)

    def rmatvec(self, r: FloatArray) -> FloatArray:
        return np.asarray(self.csc.T @ r, dtype=float)

    def take_rows(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_] | slice) -> SparseBlock:
        return SparseBlock(scipy.sparse.csc_array(scipy.sparse.csr_array(self.csc)[rows]))

    def take_columns(self, columns: IntArray) -> SparseBlock:
        return SparseBlock(self.csc[:, columns])

    def column_sums(self, v: FloatArray) -> FloatArray:
        return self.rmatvec(v)

    def max_abs(self) -> FloatArray:
        if self.csc.shape[0] == 0:
            return np.zeros(self.csc.shape[1])
        return np.asarray(abs(self.csc).max(axis=0).toarray(), dtype=float).ravel()

    def is_constant(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Whether each column takes one value on ``rows`` (scipy's minimum and maximum count implicit zeros)."""
        sub = scipy.sparse.csc_array(scipy.sparse.csr_array(self.csc)[rows])
        if sub.shape[0] == 0:
            return np.ones(sub.shape[1], dtype=bool)
        low = np.asarray(sub.min(axis=0).toarray(), dtype=float).ravel()
        high = np.asarray(sub.max(axis=0).toarray(), dtype=float).ravel()
        return np.asarray(low == high)

    def scaled(self, factors: FloatArray) -> SparseBlock:
        return SparseBlock(scipy.sparse.csc_array(self.csc @ scipy.sparse.diags_array(factors)))

    def to_csc(self) -> scipy.sparse.csc_array:
        return self.csc

    def toarray(self) -> FloatArray:
        return np.asfortranarray(self.csc.toarray())
