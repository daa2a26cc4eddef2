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
    """``k`` columns given by one code per row: ``x_ij = values_i`` where ``codes[i] == j``, else 0.

    ``codes`` ``(n,)`` int32 with values in ``[-1, k)``; ``-1`` marks a row with no column (all zeros).
    ``values`` ``(n,)`` is ``None`` for indicators (``x_ij = 1``, a factor's dummies) or the row's value (a
    factor's interaction with a numeric column, ``g:x``: one slope per level).
    """

    codes: CodeArray
    n_columns: int
    values: FloatArray | None = None

    def __post_init__(self) -> None:
        codes = np.ascontiguousarray(self.codes, dtype=np.int32)
        if codes.ndim != 1 or (codes.size and (codes.min() < -1 or codes.max() >= self.n_columns)):
            raise ValueError(f"codes must be one integer per row in [-1, {self.n_columns}).")
        object.__setattr__(self, "codes", codes)
        if self.values is not None:
            values = np.ascontiguousarray(self.values, dtype=np.float64)
            if values.shape != codes.shape:
                raise ValueError(f"values must be one number per row, got shape {values.shape} for {codes.size} rows.")
            object.__setattr__(self, "values", values)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.codes.size), int(self.n_columns)

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes) + (0 if self.values is None else int(self.values.nbytes))

    def rows_times(self, r: FloatArray) -> FloatArray:
        """``r`` times each row's value (``r`` itself for indicators)."""
        if self.values is None:
            return r
        return r * (self.values if r.ndim == 1 else self.values[:, None])

    def matvec(self, b: FloatArray) -> FloatArray:
        """``C b`` for ``b`` ``(k,)`` or ``(k, m)``: each row's value times its column's entry, 0 without a column."""
        padded = np.concatenate([b, np.zeros((1,) + b.shape[1:])])
        result: FloatArray = self.rows_times(padded[self.codes])  # code -1 reads the zero row
        return result

    def rmatvec(self, r: FloatArray) -> FloatArray:
        """``C' r`` for ``r`` ``(n,)`` or ``(n, m)``: per column, the sum of ``value * r`` over its rows."""
        weighted = self.rows_times(r)
        if r.ndim == 1:
            return np.bincount(self.codes + 1, weights=weighted, minlength=self.n_columns + 1)[1:].astype(np.float64)
        out = np.zeros((self.n_columns, r.shape[1]))
        _kernels.group_sums(self.codes, np.ascontiguousarray(weighted, dtype=np.float64), out)
        return out

    def take_rows(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_] | slice) -> CategoricalBlock:
        return CategoricalBlock(self.codes[rows], self.n_columns, None if self.values is None else self.values[rows])

    def take_columns(self, columns: IntArray) -> CategoricalBlock:
        """The block of ``columns`` (distinct, increasing): rows of the other columns get code ``-1``."""
        mapping = np.full(self.n_columns + 1, -1, dtype=np.int32)
        mapping[columns] = np.arange(columns.size, dtype=np.int32)
        return CategoricalBlock(mapping[self.codes], int(columns.size), self.values)

    def column_sums(self, v: FloatArray) -> FloatArray:
        """``C' v``: per column, the weighted sum of its entries (of its rows' weights, for indicators)."""
        return self.rmatvec(v)

    def squared_sums(self, v: FloatArray) -> FloatArray:
        """``sum_i v_i x_ij^2``: the diagonal of ``C' V C`` (which has no other entries)."""
        return self.rmatvec(self.rows_times(v))

    def _extremes(self, rows: npt.NDArray[np.bool_] | slice) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
        """Per column: the smallest and largest entry on its rows among ``rows``, and how many rows it has."""
        codes = self.codes[rows]
        present = codes >= 0
        counts = np.bincount(codes[present], minlength=self.n_columns)
        low, high = np.zeros(self.n_columns), np.zeros(self.n_columns)
        if self.values is None:
            low[counts > 0] = high[counts > 0] = 1.0
        else:
            values = self.values[rows][present]
            low[:], high[:] = np.inf, -np.inf
            np.minimum.at(low, codes[present], values)
            np.maximum.at(high, codes[present], values)
            low[counts == 0] = high[counts == 0] = 0.0
        return low, high, counts

    def max_abs(self) -> FloatArray:
        """The largest ``|x_ij|`` of each column (0 for a column without rows)."""
        low, high, _ = self._extremes(slice(None))
        return np.maximum(np.abs(low), np.abs(high))

    def column_ranges(self, rows: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
        """Each column's smallest and largest entry on ``rows`` (its rows' values, 0 on the others)."""
        low, high, counts = self._extremes(rows)
        elsewhere = counts < int(np.count_nonzero(rows))  # some of the rows have a 0 in this column
        return np.where(elsewhere, np.minimum(low, 0.0), low), np.where(elsewhere, np.maximum(high, 0.0), high)

    def is_constant(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Whether each column takes one value on ``rows``: its entries on its rows, 0 on the others."""
        low, high = self.column_ranges(rows)
        return np.asarray(low == high, dtype=bool)

    def scaled(self, factors: FloatArray) -> CategoricalBlock:
        """``C diag(factors)``: each row's value times its column's factor."""
        padded = np.concatenate([factors, [0.0]])[self.codes]
        return CategoricalBlock(self.codes, self.n_columns, padded if self.values is None else self.values * padded)

    def to_csc(self) -> scipy.sparse.csc_array:
        """The block as a sparse ``(n, k)`` array (rows in order within each column)."""
        n = self.codes.size
        present = self.codes >= 0
        order = np.argsort(self.codes, kind="stable")[n - int(present.sum()):]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.codes[present], minlength=self.n_columns))])
        data = np.ones(order.size) if self.values is None else self.values[order]
        return scipy.sparse.csc_array((data, order.astype(np.int32), indptr), shape=self.shape)

    def toarray(self) -> FloatArray:
        out = np.zeros(self.shape, order="F")
        rows = np.flatnonzero(self.codes >= 0)
        out[rows, self.codes[rows]] = 1.0 if self.values is None else self.values[rows]
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

    def column_ranges(self, rows: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
        """Each column's smallest and largest value on ``rows`` (scipy's minimum and maximum count implicit zeros)."""
        sub = scipy.sparse.csc_array(scipy.sparse.csr_array(self.csc)[rows])
        if sub.shape[0] == 0:
            return np.zeros(sub.shape[1]), np.zeros(sub.shape[1])
        return (np.asarray(sub.min(axis=0).toarray(), dtype=float).ravel(),
                np.asarray(sub.max(axis=0).toarray(), dtype=float).ravel())

    def is_constant(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Whether each column takes one value on ``rows``."""
        low, high = self.column_ranges(rows)
        return np.asarray(low == high)

    def scaled(self, factors: FloatArray) -> SparseBlock:
        return SparseBlock(scipy.sparse.csc_array(self.csc @ scipy.sparse.diags_array(factors)))

    def to_csc(self) -> scipy.sparse.csc_array:
        return self.csc

    def toarray(self) -> FloatArray:
        return np.asfortranarray(self.csc.toarray())
