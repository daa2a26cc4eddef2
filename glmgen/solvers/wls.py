"""Weighted least squares, the inner problem of IRLS, and R's test for aliased columns.

Each IRLS step minimises ``1/2 sum_i v_i (z_i - b0 - x_i'b)^2`` over the
intercept ``b0`` and coefficients ``b``. The intercept is profiled out by
centring ``X`` and ``z`` at the ``v``-weighted means, which leaves a problem
in Gram form, ``G = Xc' V Xc`` and ``q = Xc' V zc``. :class:`WeightedLeastSquares`
forms and solves it (Cholesky, or Householder QR when ill-conditioned);
:func:`aliased_columns` finds the columns R's ``glm.fit`` would drop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg

from ..matrices import (
    GRAM_BLOCK_BYTES,
    Matrix,
    ModelMatrix,
    column_means,
    dense_gram,
    weighted_gram,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: the Gram matrix rules out aliasing when each column keeps this fraction of its norm orthogonal to the others
FULL_RANK_SCREEN = 1e-5
#: a Cholesky factor of the equilibrated Gram matrix with a smaller reciprocal condition number (cond(G) > 1e10)
#: sends the solve to a QR of the rows
RCOND_LIMIT = 1e-5


def aliased_columns(X: Matrix, v: FloatArray, fit_intercept: bool, tol: float) -> BoolArray:
    """Columns that are (numerically) linear combinations of the intercept and earlier columns: R's rule.

    R's ``glm.fit`` calls ``dqrdc2`` on ``sqrt(v) [1, X]``: Householder QR
    in column order, moving a column to the end when the norm of its part
    orthogonal to the columns already kept is below ``tol`` times its own
    norm, and stopping at rank ``min(n, p + 1)``. The test is relative to
    each column's norm, so it does not depend on column scales. Here the R
    factor of ``sqrt(v) [1, X]`` is first formed by a blocked Householder QR
    (:func:`r_factor`; orthogonal transformations keep every column's norm and
    orthogonal parts), then ``dqrdc2``'s in-order selection runs on that small
    factor (:func:`aliased_in_factor`). Returns a boolean mask of shape ``(p,)``.
    """
    return aliased_in_factor(r_factor(X, v, fit_intercept), fit_intercept, tol)


def aliased_in_factor(factor: FloatArray, fit_intercept: bool, tol: float) -> BoolArray:
    """``dqrdc2``'s in-order selection on the R factor ``(min(n, q), q)`` of ``sqrt(v) [1, X]`` (``[X]`` without
    an intercept): the aliased columns of ``X``, as :func:`aliased_columns`. Any R factor of the same rows
    serves (e.g. one merged from row blocks held by different processes)."""
    offset = int(fit_intercept)
    columns = factor.shape[1]
    norms = np.linalg.norm(factor, axis=0)
    aliased = np.zeros(columns, dtype=bool)
    work = factor.copy()
    rank = 0
    for j in range(columns):
        residual = work[rank:, j]
        residual_norm = float(np.linalg.norm(residual))
        if rank >= work.shape[0] or norms[j] == 0 or residual_norm < tol * norms[j]:
            aliased[j] = True
            continue
        # Householder reflection mapping residual onto a multiple of e_1, applied to the later columns.
        reflector = residual.copy()
        reflector[0] += math.copysign(residual_norm, residual[0])
        reflector /= np.linalg.norm(reflector)
        block = work[rank:, j:]
        block -= np.outer(reflector, reflector @ block) * 2.0
        rank += 1
    return aliased[offset:]


def stacked_r_factor(upper: FloatArray, lower: FloatArray) -> FloatArray:
    """The R factor of the rows behind two R factors (or row blocks) of the same columns: QR of the stack."""
    stacked = np.vstack([upper, lower])
    return np.asarray(scipy.linalg.qr(stacked, mode="r", check_finite=False)[0][: min(stacked.shape), :])


def r_factor(X: Matrix, v: FloatArray, fit_intercept: bool, z: FloatArray | None = None) -> FloatArray:
    """R factor of ``sqrt(v) [1, X]`` (``[X]`` without an intercept; ``[.., z]`` with ``z`` appended), by QR
    over blocks of rows (TSQR)."""
    n, p = X.shape
    columns = p + int(fit_intercept) + int(z is not None)
    block_rows = max(columns, GRAM_BLOCK_BYTES // (8 * max(columns, 1)))
    factor = np.zeros((0, columns))
    for begin in range(0, n, block_rows):
        root_v = np.sqrt(v[begin:begin + block_rows])
        rows = X.dense_rows(begin, begin + block_rows) if isinstance(X, ModelMatrix) else X[begin:begin + block_rows]
        block = rows * root_v[:, None]
        if fit_intercept:
            block = np.column_stack([root_v, block])
        if z is not None:
            block = np.column_stack([block, z[begin:begin + block_rows] * root_v])
        factor = stacked_r_factor(factor, block)
    return factor


def clearly_full_rank(gram: FloatArray, norms_squared: FloatArray) -> bool:
    """Whether every column keeps more than ``FULL_RANK_SCREEN`` of its norm orthogonal to the earlier ones.

    ``gram`` is the (centred, with an intercept) weighted Gram matrix and ``norms_squared`` the
    uncentred weighted squared norms. The squared orthogonal parts are the squared diagonal of the
    Cholesky factor of ``gram``; computed from the Gram matrix they carry an absolute error of about
    ``p eps`` times the squared norm, negligible against ``FULL_RANK_SCREEN**2 = 1e-10``. When this
    holds no column is aliased at any tolerance up to 1e-7 (R's); when it does not, the QR decides.
    """
    if gram.shape[0] == 0:
        return True
    scale = np.sqrt(np.diag(gram))
    if not np.all(scale > 0) or not np.all(np.isfinite(gram)):
        return False
    try:
        factor = scipy.linalg.cholesky(gram / np.outer(scale, scale), lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        return False
    orthogonal_squared = np.square(np.diag(factor) * scale)
    return bool(np.all(orthogonal_squared > FULL_RANK_SCREEN**2 * norms_squared))


def equilibrated_cholesky(gram: FloatArray, scale: FloatArray, rcond_limit: float = RCOND_LIMIT) -> FloatArray | None:
    """The upper Cholesky factor ``R`` of ``D^-1 G D^-1`` (``D = diag(scale)``), or ``None`` when it fails or
    LAPACK's estimate ``dtrcon`` of ``R``'s reciprocal condition number is below ``rcond_limit`` (by default
    ``cond(G) = cond(R)^2`` beyond about 1e10). Solving from such a Gram matrix would lose the accuracy a QR
    of the rows keeps."""
    if gram.shape[0] == 0:
        return np.zeros((0, 0))
    try:
        factor = scipy.linalg.cholesky(gram / np.outer(scale, scale), lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    rcond, info = scipy.linalg.lapack.dtrcon(factor, norm="1", uplo="U", diag="N")
    return factor if info == 0 and rcond > rcond_limit else None


def solve_normal_equations(gram: FloatArray, rhs: FloatArray, x_mean: FloatArray, z_mean: float,
                           total: float) -> WLSStep | None:
    """The weighted least-squares step from its centred normal equations ``G b = q`` (``b0 = zbar - xbar' b``),
    by Cholesky of the equilibrated ``D^-1 G D^-1`` (``D = diag(sqrt(G_jj))``); ``None`` when that factor's
    condition number exceeds about 1e10 (:func:`equilibrated_cholesky`): then solve from a QR of the rows."""
    p = gram.shape[0]
    if p == 0:
        return WLSStep(np.zeros(0), z_mean, np.zeros((0, 0)), np.ones(0), False, x_mean, total)
    scale = np.sqrt(np.diag(gram))
    scale[scale == 0] = 1.0
    factor = equilibrated_cholesky(gram, scale)
    if factor is None:
        return None
    coef = scipy.linalg.cho_solve((factor, False), rhs / scale, check_finite=False) / scale
    return WLSStep(coef, z_mean - float(x_mean @ coef), factor, scale, False, x_mean, total)


@dataclass(frozen=True)
class WLSStep:
    """One weighted least-squares solve: coefficients and what the covariance needs.

    ``factor`` is the Cholesky factor of the equilibrated Gram matrix
    ``D^-1 Xc' V Xc D^-1`` (``D = diag(scale)``) or, when that was too
    ill-conditioned, the R factor of the QR decomposition of ``sqrt(v) Xc``
    (``is_qr``); ``Xc`` is centred at the ``v``-weighted means ``x_mean`` when
    fitting an intercept, and ``total`` is the sum of ``v``.
    """

    coef: FloatArray
    intercept: float
    factor: FloatArray
    scale: FloatArray
    is_qr: bool
    x_mean: FloatArray
    total: float

    def inverse_gram(self) -> FloatArray:
        """``(Xc' V Xc)^{-1}`` over the solved columns."""
        p = self.coef.size
        if self.is_qr:
            r_inverse = scipy.linalg.solve_triangular(self.factor, np.eye(p), check_finite=False)
            return np.asarray(r_inverse @ r_inverse.T, dtype=float)
        inverse = scipy.linalg.cho_solve((self.factor, False), np.eye(p), check_finite=False)
        return np.asarray(inverse / np.outer(self.scale, self.scale), dtype=float)

    def covariance(self, fit_intercept: bool, aliased: BoolArray) -> FloatArray:
        """``(X1' V X1)^{-1}`` for ``X1 = [1, X]`` (intercept first); NaN rows/columns for aliased columns.

        With an intercept the blocks follow from the centred inverse ``A = (Xc' V Xc)^{-1}``: the
        coefficient block is ``A``, the cross terms ``-A xbar`` and the intercept variance
        ``1 / sum(v) + xbar' A xbar``.
        """
        kept = np.concatenate([[True] * int(fit_intercept), ~aliased]).astype(bool)
        covariance = np.full((kept.size, kept.size), np.nan)
        block = self.inverse_gram()
        if fit_intercept:
            cross = -(block @ self.x_mean)
            corner = 1.0 / self.total + float(self.x_mean @ block @ self.x_mean)
            block = np.block([[np.array([[corner]]), cross[None, :]], [cross[:, None], block]])
        covariance[np.ix_(kept, kept)] = block
        return covariance


class WeightedLeastSquares:
    """Repeated solves of ``min sum_i v_i (z_i - b0 - x_i'b)^2`` over one ``X`` with changing weights.

    Each solve centres ``X`` at the ``v``-weighted means (with an intercept)
    and forms the Gram matrix (:func:`~glmgen.matrices.dense_gram`: BLAS
    ``syrk`` over blocks of rows in a workspace of ``block_rows x p``
    allocated once, default about ``GRAM_BLOCK_BYTES``, so no ``n x p`` copy
    of ``X`` is made; block by block for a :class:`~glmgen.matrices.ModelMatrix`);
    it equilibrates the Gram matrix and factorises it by Cholesky; when the
    factor shows a condition number beyond about 1e10 it solves by
    Householder QR of ``sqrt(v) Xc`` instead. ``columns`` restricts every
    solve to those columns of ``X``.
    """

    def __init__(self, X: Matrix, fit_intercept: bool, *, block_rows: int | None = None,
                 columns: npt.NDArray[np.intp] | npt.NDArray[np.int64] | None = None) -> None:
        self.X = X
        self.fit_intercept = fit_intercept
        self.columns = columns
        n = X.shape[0]
        p = X.shape[1] if columns is None else len(columns)
        self.block_rows = max(1, min(n, block_rows or GRAM_BLOCK_BYTES // (8 * max(p, 1))))
        self.work = np.empty(self.block_rows * p) if isinstance(X, np.ndarray) else np.empty(0)
        #: the columns solved over, for a ModelMatrix (taken once)
        self._blocks: Matrix | None = None
        if isinstance(X, ModelMatrix):
            self._blocks = X if columns is None else X.take_columns(np.asarray(columns))

    def _rows(self, start: int, stop: int) -> FloatArray:
        """Rows ``start:stop`` of ``X`` (of the chosen ``columns`` only), dense."""
        blocks = self._blocks
        if isinstance(blocks, ModelMatrix):
            return blocks.dense_rows(start, stop)
        if blocks is not None:  # the columns of a ModelMatrix that are all dense
            dense: FloatArray = np.asarray(blocks[start:stop], dtype=np.float64)
            return dense
        assert isinstance(self.X, np.ndarray)
        rows = self.X[start:stop]
        return rows if self.columns is None else rows[:, self.columns]

    def gram(self, z: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float, float]:
        """Centred weighted Gram (symmetric), ``Xc' V (z - zbar)``, ``x_mean``, ``z_mean`` and ``sum(v)``."""
        total = float(v.sum())
        z_mean = float(v @ z / total) if self.fit_intercept else 0.0
        if self._blocks is not None:
            x_mean = column_means(self._blocks, v, self.fit_intercept)
            gram = weighted_gram(self._blocks, v, x_mean)
            rhs = np.asarray((v * (z - z_mean)) @ self._blocks, dtype=float)
            return gram, rhs, x_mean, z_mean, total
        assert isinstance(self.X, np.ndarray)
        columns = None if self.columns is None else np.asarray(self.columns, dtype=np.int64)
        x_mean = column_means(self.X, v, self.fit_intercept, columns)
        gram, rhs = dense_gram(self.X, v, x_mean, z - z_mean, columns=columns, work=self.work)
        return gram, rhs, x_mean, z_mean, total

    def solve(self, z: FloatArray, v: FloatArray) -> WLSStep:
        """The weighted least-squares fit of ``z`` ``(n,)`` with weights ``v`` ``(n,)``."""
        return self.solve_gram(*self.gram(z, v), z=z, v=v)

    def solve_gram(self, gram: FloatArray, rhs: FloatArray, x_mean: FloatArray, z_mean: float, total: float,
                   *, z: FloatArray, v: FloatArray) -> WLSStep:
        """:meth:`solve` from the output of :meth:`gram` (``z`` and ``v`` are needed only for the QR fallback).

        Solves ``G b = q`` by Cholesky of the equilibrated ``D^-1 G D^-1`` (``D = diag(sqrt(G_jj))``);
        when its factor's diagonal spans more than 1e5 (condition number beyond ~1e10) it solves
        ``R b = Q' sqrt(v) (z - zbar)`` from the QR of ``sqrt(v) Xc`` instead. ``b0 = zbar - xbar' b``.
        """
        step = solve_normal_equations(gram, rhs, x_mean, z_mean, total)
        if step is not None:
            return step
        root_v = np.sqrt(v)
        weighted = (self._rows(0, self.X.shape[0]) - x_mean) * root_v[:, None]  # dense: the rare ill-conditioned case
        q_factor, upper = scipy.linalg.qr(weighted, mode="economic", check_finite=False)
        coef = scipy.linalg.solve_triangular(upper, q_factor.T @ ((z - z_mean) * root_v), check_finite=False)
        return WLSStep(coef, z_mean - float(x_mean @ coef), upper, np.ones(coef.size), True, x_mean, total)

    def solve_dropping_aliased(
        self, z: FloatArray, v: FloatArray, tol: float
    ) -> tuple[WLSStep, BoolArray, WeightedLeastSquares]:
        """The first solve of a fit, after finding the aliased columns at its weights and dropping them.

        R checks aliasing on each iteration's weighted QR; glmgen once, at the starting weights. The
        Gram matrix screens first (:func:`clearly_full_rank`); only when it cannot rule aliasing out
        does the slower QR of :func:`aliased_columns` (tolerance ``tol``) decide. Returns the step
        (over the kept columns), the aliased mask ``(p,)`` and the solver to use for later solves.
        For a solver over all columns of ``X`` (no ``columns``).
        """
        assert self.columns is None, "aliasing is decided over all columns of X"
        gram, rhs, x_mean, z_mean, total = self.gram(z, v)
        if clearly_full_rank(gram, np.diag(gram) + total * np.square(x_mean)):
            return self.solve_gram(gram, rhs, x_mean, z_mean, total, z=z, v=v), np.zeros(gram.shape[0], bool), self
        aliased = aliased_columns(self.X, v, self.fit_intercept, tol)
        if aliased.any():
            kept = self.X.take_columns(~aliased) if isinstance(self.X, ModelMatrix) else \
                np.asfortranarray(self.X[:, ~aliased])
            solver = WeightedLeastSquares(kept, self.fit_intercept)
            return solver.solve(z, v), aliased, solver
        return self.solve_gram(gram, rhs, x_mean, z_mean, total, z=z, v=v), aliased, self
