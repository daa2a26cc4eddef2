"""Compiled loops over categorical codes: group sums without temporaries.

With :mod:`glmgen.model._numerics` and :mod:`glmgen.solvers._kernels` one of the three modules of glmgen
that import numba. Every function is ``@numba.njit(cache=True)`` over float64 / int arrays, so it also
runs as plain Python under ``NUMBA_DISABLE_JIT=1``. A code of ``-1`` marks a row with no column.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt


@numba.njit(cache=True)
def group_sums(codes: npt.NDArray[np.int32], values: npt.NDArray[np.float64], out: npt.NDArray[np.float64]) -> None:
    r"""``out[k, j] += sum_{i: codes_i = k} values[i, j]`` for a C-ordered ``values`` ``(n, m)``."""
    m = values.shape[1]
    for i in range(codes.shape[0]):
        k = codes[i]
        if k >= 0:
            for j in range(m):
                out[k, j] += values[i, j]


@numba.njit(cache=True)
def group_sums_centred(
    codes: npt.NDArray[np.int32],
    dense: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    mean: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> None:
    r"""``out[k, j] = sum_{i: codes_i = k} v_i (x_ij - mean_j)`` for a column-major ``dense`` ``(n, m)``:
    the centred cross-products of a categorical block with dense columns (written, not added)."""
    out[:, :] = 0.0
    n, m = dense.shape
    for j in range(m):
        mean_j = mean[j]
        for i in range(n):
            k = codes[i]
            if k >= 0:
                out[k, j] += v[i] * (dense[i, j] - mean_j)


@numba.njit(cache=True)
def crosstab(
    codes_a: npt.NDArray[np.int32],
    codes_b: npt.NDArray[np.int32],
    v: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> None:
    r"""``out[a, b] = sum_{i: codes_a_i = a, codes_b_i = b} v_i``: the weighted cross-table of two factors."""
    out[:, :] = 0.0
    for i in range(codes_a.shape[0]):
        a = codes_a[i]
        b = codes_b[i]
        if a >= 0 and b >= 0:
            out[a, b] += v[i]


@numba.njit(cache=True)
def weighted_sums_and_squares(
    indptr: npt.NDArray[np.int32] | npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32] | npt.NDArray[np.int64],
    data: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    columns: npt.NDArray[np.int64],
    sums: npt.NDArray[np.float64],
    squares: npt.NDArray[np.float64],
) -> None:
    r"""For each ``j`` in ``columns`` of a CSC matrix: ``sums[j] = sum_i v_i x_ij`` and ``squares[j] = sum_i v_i
    x_ij^2`` over its stored entries (the other entries of ``sums`` and ``squares`` are left as they are)."""
    for j in columns:
        total = 0.0
        square = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            weighted = v[indices[k]] * data[k]
            total += weighted
            square += weighted * data[k]
        sums[j] = total
        squares[j] = square


@numba.njit(cache=True, fastmath={"reassoc"})
def weighted_column_sums(
    X: npt.NDArray[np.float64], v: npt.NDArray[np.float64], columns: npt.NDArray[np.int64],
    out: npt.NDArray[np.float64],
) -> None:
    r"""``out[k] = sum_i v_i X[i, columns[k]]`` for a Fortran-ordered ``X``: only the listed columns are read."""
    for k in range(columns.shape[0]):
        j = columns[k]
        total = 0.0
        for i in range(X.shape[0]):
            total += v[i] * X[i, j]
        out[k] = total


@numba.njit(cache=True)
def _shifted_column(
    source: npt.NDArray[np.float64], start: int, root: npt.NDArray[np.float64], centre: float,
    codes: npt.NDArray[np.int32], values: npt.NDArray[np.float64], out: npt.NDArray[np.float64],
    groups: npt.NDArray[np.float64],
) -> float:
    r"""``out[i] = root_i (source[start + i] - centre)`` for the rows of ``root``, zeros below;
    ``groups[k] += sum_{codes_i = k} root_i u_i out[i]`` (``u_i``: the row's value, 1 when ``values`` is empty;
    no groups when ``codes`` is empty); returns ``sum_i root_i out[i]``."""
    has_codes = codes.shape[0] > 0
    has_values = values.shape[0] > 0
    total = 0.0
    for i in range(root.shape[0]):
        shifted = root[i] * (source[start + i] - centre)
        out[i] = shifted
        weighted = root[i] * shifted
        total += weighted
        if has_codes:
            k = codes[start + i]
            if k >= 0:
                groups[k] += weighted * values[start + i] if has_values else weighted
    out[root.shape[0]:] = 0.0
    return total


@numba.njit(cache=True)
def shifted_block(
    dense: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    codes: npt.NDArray[np.int32],
    values: npt.NDArray[np.float64],
    shift: npt.NDArray[np.float64],
    start: int,
    block: npt.NDArray[np.float64],
    first: npt.NDArray[np.float64],
    groups: npt.NDArray[np.float64],
    level_sums: npt.NDArray[np.float64],
    level_squares: npt.NDArray[np.float64],
) -> None:
    r"""One row block of the moments of ``c_i = [x_i, z_i] - shift`` (``x_i`` a row of the Fortran-ordered
    ``dense`` ``(n, m)``), for rows ``start:start + r`` (``r`` the rows of the Fortran-ordered ``block``, fewer
    at the end).

    Writes ``block[i] = sqrt(v_i) c_i`` (zero rows past the end: ``block' block`` is the block's ``sum v c c'``)
    and adds ``first += sum v c``, ``groups[j, k] += sum_{codes_i = k} v_i u_i c_ij``, ``level_sums[k] += sum v u``
    and ``level_squares[k] += sum v u^2``, with ``u_i`` the row's value (1 when ``values`` is empty); ``codes``
    empty: no categorical sums. One sweep per column (:func:`_shifted_column`): each row's shifted value goes to
    the block, the total and its level's group at once.
    """
    n, m = dense.shape
    count = min(block.shape[0], n - start)
    root = np.sqrt(v[start:start + count])
    for j in range(m):
        first[j] += _shifted_column(dense[:, j], start, root, float(shift[j]), codes, values, block[:, j], groups[j])
    first[m] += _shifted_column(z, start, root, float(shift[m]), codes, values, block[:, m], groups[m])
    if codes.shape[0] > 0:
        for i in range(start, start + count):
            k = codes[i]
            if k >= 0:
                u = values[i] if values.shape[0] > 0 else 1.0
                level_sums[k] += v[i] * u
                level_squares[k] += v[i] * u * u
