"""Weighted, centred cross-products of designs: the Gram matrices of weighted least squares.

For weights ``v`` and column centres ``m`` (the ``v``-weighted means when the
model has an intercept, zeros otherwise),

    G(A, B) = (A - 1 m_A')' diag(v) (B - 1 m_B').

Dense columns are centred before multiplying (no cancellation); a pair of
blocks is formed by the cheapest exact route: ``syrk`` over row blocks for
dense columns, a weighted ``bincount`` (diagonal) for a categorical block
with itself, group sums of the centred dense columns for a categorical block
against dense columns, a weighted cross-table for two categorical blocks,
and sparse products (then the rank-one correction ``- sum(v) m_A m_B'``)
otherwise. Nothing of size ``n x p`` is formed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse

from . import _kernels
from .blocks import CategoricalBlock, SparseBlock
from .model_matrix import Block, Matrix

FloatArray = npt.NDArray[np.float64]

#: size of the row-block workspace in which a dense weighted Gram matrix is accumulated (4 MiB: 10k rows at p = 50;
#: measured fastest against 32 MiB, 1 MiB and 256 KiB at 100k x 50, for all columns and for 20 of them)
GRAM_BLOCK_BYTES = 4 * 2**20


def column_means(X: Matrix, v: FloatArray, centre: bool,
                 columns: npt.NDArray[np.int64] | None = None) -> FloatArray:
    """The ``v``-weighted column means ``X' v / sum(v)`` when ``centre``, else zeros; over ``columns`` only
    when given (for a dense ``X`` only those columns are read)."""
    if not centre:
        return np.zeros(X.shape[1] if columns is None else len(columns))
    return column_sums(X, v, columns) / float(v.sum())


def column_sums(X: Matrix, v: FloatArray, columns: npt.NDArray[np.int64] | None = None) -> FloatArray:
    """``X' v``, over ``columns`` only when given (for a Fortran-ordered dense ``X`` only those are read)."""
    if columns is None:
        return np.asarray(v @ X, dtype=float)
    if isinstance(X, np.ndarray) and X.flags.f_contiguous:
        sums = np.empty(len(columns))
        _kernels.weighted_column_sums(X, v, np.asarray(columns, dtype=np.int64), sums)
        return sums
    return np.asarray(v @ X, dtype=float)[columns]


def dense_gram(X: FloatArray, v: FloatArray, x_mean: FloatArray, z: FloatArray | None = None,
               *, columns: npt.NDArray[np.int64] | None = None,
               work: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """``G = Xc' V Xc`` (symmetric) and ``Xc' V z`` for a dense ``X`` (the ``columns`` of it), ``Xc = X - x_mean``.

    Accumulated with BLAS ``syrk`` over row blocks ``b`` of a workspace (``work``, or about
    :data:`GRAM_BLOCK_BYTES`): ``G = sum_b B_b' B_b`` with ``B_b = sqrt(v_b) (X_b - xbar)``.
    """
    n = X.shape[0]
    p = X.shape[1] if columns is None else len(columns)
    if work is not None and p and work.size >= p:
        rows_per_block = max(1, min(n, work.size // p))
    else:
        rows_per_block = max(1, min(n, GRAM_BLOCK_BYTES // (8 * max(p, 1))))
        work = np.empty(rows_per_block * p)
    upper = np.zeros((p, p), order="F")
    rhs = np.zeros(p)
    for start in range(0, n if p else 0, rows_per_block):
        stop = min(start + rows_per_block, n)
        block = work[: (stop - start) * p].reshape((stop - start, p), order="F")
        root_v = np.sqrt(v[start:stop])
        rows = X[start:stop] if columns is None else X[start:stop][:, columns]
        np.subtract(rows, x_mean, out=block)
        block *= root_v[:, None]
        upper = scipy.linalg.blas.dsyrk(1.0, block, beta=1.0, c=upper, trans=1, overwrite_c=True)
        if z is not None:
            rhs += block.T @ (z[start:stop] * root_v)
    return np.triu(upper) + np.triu(upper, 1).T, rhs


def weighted_gram(X: Matrix, v: FloatArray, x_mean: FloatArray) -> FloatArray:
    """``Xc' V Xc`` over all columns of ``X`` (dense ``(p, p)``), block pair by block pair."""
    if isinstance(X, np.ndarray):
        return dense_gram(X, v, x_mean)[0]
    p = X.shape[1]
    gram = np.zeros((p, p))
    slices = X.slices()
    total = float(v.sum())
    for a, (block_a, cols_a) in enumerate(zip(X.blocks, slices)):
        for block_b, cols_b in zip(X.blocks[a:], slices[a:]):
            if block_b is block_a:
                part = _self_gram(block_a, v, x_mean[cols_a], total)
            else:
                part = _pair(block_a, block_b, v, x_mean[cols_a], x_mean[cols_b], total)
            gram[cols_a, cols_b] = part
            gram[cols_b, cols_a] = part.T
    return gram


def cross_gram(A: Matrix, B: Matrix, v: FloatArray, a_mean: FloatArray, b_mean: FloatArray) -> FloatArray:
    """``Ac' V Bc`` ``(p_A, p_B)`` for two designs on the same rows (distinct column sets)."""
    blocks_a, slices_a = _blocks(A)
    blocks_b, slices_b = _blocks(B)
    total = float(v.sum())
    out = np.zeros((A.shape[1], B.shape[1]))
    for block_a, cols_a in zip(blocks_a, slices_a):
        for block_b, cols_b in zip(blocks_b, slices_b):
            out[cols_a, cols_b] = _pair(block_a, block_b, v, a_mean[cols_a], b_mean[cols_b], total)
    return out


def _blocks(X: Matrix) -> tuple[tuple[Block, ...], list[slice]]:
    if isinstance(X, np.ndarray):
        return (X,), [slice(0, X.shape[1])]
    return X.blocks, X.slices()


def _self_gram(block: Block, v: FloatArray, mean: FloatArray, total: float) -> FloatArray:
    if isinstance(block, np.ndarray):
        return dense_gram(block, v, mean)[0]
    sums = block.column_sums(v)
    gram = np.diag(block.squared_sums(v)) if isinstance(block, CategoricalBlock) else \
        np.asarray((block.csc.T @ (block.csc * v[:, None])).toarray())
    # (a - m)' V (a - m) = a'Va - m h' - h m' with h = s - sum(v) m / 2, for any centre m (s = a'v); in place
    if np.any(mean):
        correction = np.outer(mean, sums - 0.5 * total * mean)
        gram -= correction
        gram -= correction.T
    return gram


def _pair(a: Block, b: Block, v: FloatArray, mean_a: FloatArray, mean_b: FloatArray, total: float) -> FloatArray:
    """``(a - m_a)' V (b - m_b)`` for two different blocks (any centres: the weighted means, zeros, or one of each).

    With column sums ``s = X' v``: ``a' V b - m_a s_b' - s_a m_b' + sum(v) m_a m_b'``; against dense columns
    ``a' V (b - m_b) - m_a (s_b - sum(v) m_b)'``, whose second term vanishes when ``m_b`` is ``b``'s weighted mean.
    """
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return np.asarray(((a - mean_a) * v[:, None]).T @ (b - mean_b))
    if isinstance(b, np.ndarray):
        assert not isinstance(a, np.ndarray)
        return _against_dense(a, b, v, mean_a, mean_b, total)
    if isinstance(a, np.ndarray):
        return _against_dense(b, a, v, mean_b, mean_a, total).T
    if isinstance(a, CategoricalBlock) and isinstance(b, CategoricalBlock):
        table = np.zeros((a.n_columns, b.n_columns))
        _kernels.crosstab(a.codes, b.codes, b.rows_times(a.rows_times(v)), table)
    else:
        table = np.asarray((a.to_csc().T @ (b.to_csc() * v[:, None])).toarray())
    sums_a, sums_b = a.column_sums(v), b.column_sums(v)
    return table - np.outer(mean_a, sums_b) - np.outer(sums_a, mean_b) + total * np.outer(mean_a, mean_b)


def _against_dense(block: CategoricalBlock | SparseBlock, dense: FloatArray, v: FloatArray, block_mean: FloatArray,
                   mean: FloatArray, total: float) -> FloatArray:
    """``(block - 1 block_mean')' V (dense - 1 mean')``."""
    if isinstance(block, CategoricalBlock):
        out = np.zeros((block.n_columns, dense.shape[1]))
        _kernels.group_sums_centred(block.codes, np.asfortranarray(dense), block.rows_times(v), mean, out)
    else:
        out = np.asarray(block.csc.T @ ((dense - mean) * v[:, None]))
    if np.any(block_mean):
        out -= np.outer(block_mean, v @ dense - total * mean)
    return out


