"""Compiled coordinate descent over designs of blocks (:class:`~glmgen.matrices.ModelMatrix`).

The same penalized weighted least-squares problem as :func:`glmgen.solvers._kernels.cd_naive` and
:func:`~glmgen.solvers._kernels.cd_gram`, with the structure of the blocks used instead of a dense ``X`` or a
dense ``G``: :func:`cd_blocks` reads dense and CSC columns with the centring kept implicit;
:func:`cd_categorical_gram` works on the Gram matrix of a design with one categorical block, whose own block is
a diagonal minus a rank-one term. Every function is ``@numba.njit(cache=True)`` over float64 / int arrays and
scalars, so it also runs as plain Python under ``NUMBA_DISABLE_JIT=1``.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from ._kernels import after_sweep, soft_threshold


@numba.njit(cache=True, fastmath={"reassoc"})
def _column_residual_dot(
    dense: npt.NDArray[np.float64],
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    data: npt.NDArray[np.float64],
    kind: int,
    column: int,
    v: npt.NDArray[np.float64],
    r: npt.NDArray[np.float64],
) -> float:
    r"""``sum_i v_i x_ij r_i`` over the stored entries of one column (dense: all rows)."""
    total = 0.0
    if kind == 0:
        for i in range(dense.shape[0]):
            total += v[i] * dense[i, column] * r[i]
    else:
        for k in range(indptr[column], indptr[column + 1]):
            i = indices[k]
            total += v[i] * data[k] * r[i]
    return total


@numba.njit(cache=True)
def _subtract_column(
    dense: npt.NDArray[np.float64],
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    data: npt.NDArray[np.float64],
    kind: int,
    column: int,
    delta: float,
    r: npt.NDArray[np.float64],
) -> None:
    r"""``r <- r - x_j delta`` over the stored entries of one column."""
    if kind == 0:
        for i in range(dense.shape[0]):
            r[i] -= dense[i, column] * delta
    else:
        for k in range(indptr[column], indptr[column + 1]):
            r[indices[k]] -= data[k] * delta


@numba.njit(cache=True)
def cd_blocks(
    dense: npt.NDArray[np.float64],
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    data: npt.NDArray[np.float64],
    kind: npt.NDArray[np.int8],
    local: npt.NDArray[np.int64],
    v: npt.NDArray[np.float64],
    x_mean: npt.NDArray[np.float64],
    vx: npt.NDArray[np.float64],
    x_var: npt.NDArray[np.float64],
    resid: npt.NDArray[np.float64],
    beta: npt.NDArray[np.float64],
    l1: npt.NDArray[np.float64],
    l2: npt.NDArray[np.float64],
    active: npt.NDArray[np.int64],
    tol: float,
    max_sweeps: int,
) -> int:
    r""":func:`cd_naive` over a design whose columns are dense or sparse, with the centring kept implicit.

    Column ``j`` is column ``local[j]`` of ``dense`` (``kind[j] == 0``, column-major) or of the CSC
    structure ``indptr``/``indices``/``data`` (``kind[j] == 1``). ``vx_j = sum_i v_i x_ij``; ``x_mean``,
    ``x_var``, ``resid``, ``beta``, ``l1``, ``l2``, ``active``, ``tol`` and ``max_sweeps`` are as in
    :func:`cd_naive`, and so is the problem solved.

    Notes
    -----
    A centred column ``x_j - xbar_j`` is dense even when ``x_j`` is sparse, so the centred residual
    ``e`` is kept as ``e = r + s`` with a scalar shift ``s`` (glmnet's device for sparse ``X``): a change
    ``delta`` of ``b_j`` updates ``r <- r - x_j delta`` on the column's stored entries only and
    ``s <- s + xbar_j delta``. With ``sv = sum_i v_i r_i`` (updated by ``- vx_j delta``) the gradient is

    .. math:: g_j = \sum_i v_i x_{ij} r_i + s\, vx_j - \bar x_j (sv + s \sum_i v_i),

    each coordinate costing the column's stored entries, not ``n``. On exit ``resid`` is ``e``.
    """
    n = resid.shape[0]
    total_v = 0.0
    sv = 0.0
    for i in range(n):
        total_v += v[i]
        sv += v[i] * resid[i]
    shift = 0.0
    n_sweeps = 0
    full_sweep = True
    while n_sweeps < max_sweeps:
        max_change = 0.0
        for j in active:
            if not full_sweep and beta[j] == 0.0:
                continue
            curvature = x_var[j] + l2[j]
            old = beta[j]
            if curvature > 0.0:
                dot = _column_residual_dot(dense, indptr, indices, data, kind[j], local[j], v, resid)
                gradient = dot + shift * vx[j] - x_mean[j] * (sv + shift * total_v)
                new = soft_threshold(gradient + x_var[j] * old, l1[j]) / curvature
            else:
                new = 0.0
            delta = new - old
            if delta != 0.0:
                beta[j] = new
                _subtract_column(dense, indptr, indices, data, kind[j], local[j], delta, resid)
                sv -= vx[j] * delta
                shift += x_mean[j] * delta
                max_change = max(max_change, curvature * delta * delta)
        n_sweeps += 1
        converged, full_sweep = after_sweep(max_change, tol, full_sweep)
        if converged:
            break
    for i in range(n):
        resid[i] += shift
    return n_sweeps if n_sweeps < max_sweeps else max_sweeps


@numba.njit(cache=True)
def cd_categorical_gram(
    kind: npt.NDArray[np.int8],
    local: npt.NDArray[np.int64],
    cat_weight: npt.NDArray[np.float64],
    cat_mean: npt.NDArray[np.float64],
    total: float,
    cross: npt.NDArray[np.float64],
    rest_gram: npt.NDArray[np.float64],
    q: npt.NDArray[np.float64],
    l1: npt.NDArray[np.float64],
    l2: npt.NDArray[np.float64],
    beta: npt.NDArray[np.float64],
    active: npt.NDArray[np.int64],
    tol: float,
    max_sweeps: int,
) -> int:
    r""":func:`~glmgen.solvers._kernels.cd_gram` for a Gram matrix with one categorical block ``C``.

    Column ``j`` of the design is level ``local[j]`` of ``C`` (``kind[j] == 0``) or column ``local[j]`` of the
    other columns ``R`` (``kind[j] == 1``). The Gram matrix is never formed:

    .. math::

        G = \begin{pmatrix} \operatorname{diag}(c) - T\, m m^\top & B \\ B^\top & G_R \end{pmatrix}

    with ``c`` = ``cat_weight`` (the diagonal of ``C'UC``), ``m`` = ``cat_mean``, ``T`` = ``total`` (0 without centring), ``B`` =
    ``cross`` ``(k, r)`` and ``G_R`` = ``rest_gram`` ``(r, r)``. ``q``, ``l1``, ``l2``, ``beta``, ``active``,
    ``tol`` and ``max_sweeps`` are indexed by design column, as in ``cd_gram``, and so is the problem solved.

    Notes
    -----
    The gradient residual ``rho = q - G b`` is kept with its categorical part as ``rho_C = g + m s``: a change
    ``delta`` of a level's coefficient changes ``g`` at that level by ``- c_j delta``, the scalar ``s`` by
    ``T m_j delta`` and ``rho_R`` by ``- B[j, :] delta`` (``O(r)``); a change of another column's coefficient
    changes ``g`` by ``- B[:, l] delta`` and ``rho_R`` by ``- G_R[:, l] delta`` (``O(k + r)``).
    """
    p = q.shape[0]
    k = cat_weight.shape[0]
    r = rest_gram.shape[0]
    beta_c = np.zeros(k)
    beta_r = np.zeros(r)
    q_c = np.zeros(k)
    q_r = np.zeros(r)
    for j in range(p):
        if kind[j] == 0:
            beta_c[local[j]] = beta[j]
            q_c[local[j]] = q[j]
        else:
            beta_r[local[j]] = beta[j]
            q_r[local[j]] = q[j]
    # rho = q - G b at the incoming b, its categorical part as g (with s = 0)
    mean_beta = 0.0
    for a in range(k):
        mean_beta += cat_mean[a] * beta_c[a]
    g = np.empty(k)
    for a in range(k):
        value = q_c[a] - cat_weight[a] * beta_c[a] + total * cat_mean[a] * mean_beta
        for b in range(r):
            value -= cross[a, b] * beta_r[b]
        g[a] = value
    rho_r = np.empty(r)
    for b in range(r):
        value = q_r[b]
        for a in range(k):
            value -= cross[a, b] * beta_c[a]
        for c in range(r):
            value -= rest_gram[b, c] * beta_r[c]
        rho_r[b] = value
    shift = 0.0
    n_sweeps = 0
    full_sweep = True
    while n_sweeps < max_sweeps:
        max_change = 0.0
        for j in active:
            if not full_sweep and beta[j] == 0.0:
                continue
            index = local[j]
            old = beta[j]
            if kind[j] == 0:
                diagonal = cat_weight[index] - total * cat_mean[index] * cat_mean[index]
                residual = g[index] + cat_mean[index] * shift
            else:
                diagonal = rest_gram[index, index]
                residual = rho_r[index]
            curvature = diagonal + l2[j]
            if curvature > 0.0:
                new = soft_threshold(residual + diagonal * old, l1[j]) / curvature
            else:
                new = 0.0
            delta = new - old
            if delta != 0.0:
                beta[j] = new
                if kind[j] == 0:
                    g[index] -= cat_weight[index] * delta
                    shift += total * cat_mean[index] * delta
                    for b in range(r):
                        rho_r[b] -= cross[index, b] * delta
                else:
                    for a in range(k):
                        g[a] -= cross[a, index] * delta
                    for b in range(r):
                        rho_r[b] -= rest_gram[b, index] * delta
                max_change = max(max_change, curvature * delta * delta)
        n_sweeps += 1
        converged, full_sweep = after_sweep(max_change, tol, full_sweep)
        if converged:
            return n_sweeps
    return max_sweeps


@numba.njit(cache=True)
def active_linear_predictor(
    dense: npt.NDArray[np.float64],
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    data: npt.NDArray[np.float64],
    kind: npt.NDArray[np.int8],
    local: npt.NDArray[np.int64],
    coef: npt.NDArray[np.float64],
    active: npt.NDArray[np.int64],
    base: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> None:
    r"""``out = base + sum_{j in active, coef_j != 0} coef_j x_j`` over a design's columns as :func:`cd_blocks`
    reads them: a sparse column costs its stored entries."""
    for i in range(out.shape[0]):
        out[i] = base[i]
    for j in active:
        c = coef[j]
        if c == 0.0:
            continue
        column = local[j]
        if kind[j] == 0:
            for i in range(dense.shape[0]):
                out[i] += c * dense[i, column]
        else:
            for k in range(indptr[column], indptr[column + 1]):
                out[indices[k]] += c * data[k]
