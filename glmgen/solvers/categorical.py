"""Weighted least squares with a categorical block eliminated: fits with thousands of levels in ``O(n m + k m^2)``.

With ``X = [R | C]`` (``C`` the largest categorical block, ``k`` columns; ``R``
the other ``m`` columns, and the intercept), the normal equations in the
parameters ``theta = (b0', b_R)`` and ``b_C`` are

    [ A   B' ] [theta]   [a]        A = [1, Rc]' V [1, Rc],   B = C' V [1, Rc],
    [ B   D  ] [ b_C ] = [c],       D = C' V C (diagonal),  a = [1, Rc]' V z,  c = C' V z,

with ``Rc`` centred at the ``v``-weighted means (``b0 = b0' - mean' b_R``).
``D`` is diagonal, so ``b_C`` is eliminated: the Schur complement
``S = A - B' D^-1 B`` is ``(m + 1) x (m + 1)``, ``S theta = a - B' D^-1 c`` and
``b_C = D^-1 (c - B theta)``. ``S`` is the Gram matrix of ``[1, Rc]`` after
subtracting each level's weighted mean (the "within" transformation), so when
its Cholesky factor is ill-conditioned the same system is solved by QR of that
projected matrix. The inverse of the whole matrix, R's unscaled covariance,
follows by block inversion:

    cov(theta) = S^-1,  cov(b_C, theta) = -E S^-1,  cov(b_C) = D^-1 + E S^-1 E',   E = D^-1 B.

Aliased columns (R's rule, :func:`~glmgen.solvers.wls.aliased_columns`): a
column of ``C`` without weight; with an intercept and no weight on the rows of
``C``'s reference level, ``C``'s last column with weight (the intercept is the
sum of the others there); then the screen of
:func:`~glmgen.solvers.wls.clearly_full_rank` on ``S``; when that cannot rule
aliasing out, R's QR in column order over row blocks (small designs) or the
QR of the projected ``[1, Rc]`` (large ones: the factor's columns are then
taken to come first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg

from ..errors import SolverError
from ..matrices import Matrix, ModelMatrix
from .categorical_gram import FactorSplit
from .wls import (
    RCOND_LIMIT,
    WeightedLeastSquares,
    WLSStep,
    aliased_columns,
    clearly_full_rank,
    equilibrated_cholesky,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: R's in-order QR over row blocks decides aliasing when n p^2 is below this (a few seconds); else the projected QR
ROW_QR_FLOPS = 2e10


def has_categorical_block(X: Matrix) -> bool:
    """Whether :class:`CategoricalLeastSquares` applies: ``X`` has a categorical block."""
    return isinstance(X, ModelMatrix) and bool(X.categorical_blocks())


@dataclass(frozen=True)
class CategoricalStep:
    """One solve: ``coef`` over the solver's columns (in ``X``'s order), the intercept, and what the covariance needs."""

    coef: FloatArray
    intercept: float
    s_factor: FloatArray  # upper-triangular R with R'R = S (Cholesky of S or R of the projected QR)
    weights: FloatArray  # D: each categorical column's weight
    cross: FloatArray  # B: (k, q)
    rest_mean: FloatArray
    rest_index: IntArray
    cat_index: IntArray

    def covariance(self, fit_intercept: bool, aliased: BoolArray) -> FloatArray:
        """``(X1' V X1)^{-1}`` for ``X1 = [1, X]`` (intercept first), NaN rows and columns for aliased columns.

        Written block by block into the result (the ``k x k`` block is the only large one), with the
        intercept ``b0 = b0' - mean' b_R`` mapped from the centred parametrisation.
        """
        q = self.s_factor.shape[0]
        r_inverse = scipy.linalg.solve_triangular(self.s_factor, np.eye(q), check_finite=False)
        theta_theta = r_inverse @ r_inverse.T  # S^-1
        cat_theta = -((self.cross / self.weights[:, None]) @ theta_theta)  # -E S^-1
        kept = np.flatnonzero(np.concatenate([[True] * int(fit_intercept), ~aliased]))
        theta_at = kept[np.concatenate([[0] * int(fit_intercept), int(fit_intercept) + self.rest_index]).astype(np.int64)]
        cat_at = kept[int(fit_intercept) + self.cat_index]
        size = aliased.size + int(fit_intercept)
        covariance = np.full((size, size), np.nan)
        cat_cat = -(cat_theta @ (self.cross / self.weights[:, None]).T)  # E S^-1 E'
        cat_cat[np.diag_indices_from(cat_cat)] += 1.0 / self.weights
        if cat_at[-1] - cat_at[0] == cat_at.size - 1:  # the usual case: no aliased level, no copy
            covariance[int(cat_at[0]):int(cat_at[-1]) + 1, int(cat_at[0]):int(cat_at[-1]) + 1] = cat_cat
        else:
            covariance[np.ix_(cat_at, cat_at)] = cat_cat
        del cat_cat
        if fit_intercept and self.rest_mean.size:  # rows and columns of the intercept: L C L', L's first row (1, -mean', 0)
            theta_theta[0, :] -= self.rest_mean @ theta_theta[1:, :]
            theta_theta[:, 0] -= theta_theta[:, 1:] @ self.rest_mean
            cat_theta[:, 0] -= cat_theta[:, 1:] @ self.rest_mean
        covariance[np.ix_(theta_at, theta_at)] = theta_theta
        covariance[np.ix_(cat_at, theta_at)] = cat_theta
        covariance[np.ix_(theta_at, cat_at)] = cat_theta.T
        return covariance


class CategoricalLeastSquares:
    """Repeated weighted least-squares solves over one ``X`` with a categorical block, the block eliminated."""

    def __init__(self, X: ModelMatrix, fit_intercept: bool) -> None:
        self.X = X
        self.fit_intercept = fit_intercept
        self.split = FactorSplit.of(X)
        self.block, self.cat_index, self.rest_index, self.rest = (self.split.block, self.split.cat_index,
                                                                 self.split.rest_index, self.split.rest)

    def _normal_equations(self, z: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray,
                                                                        FloatArray, FloatArray, FloatArray]:
        """``A``, ``a``, ``B``, ``c``, ``D`` (as a vector) and the centres of ``R``."""
        total = float(v.sum())
        rest_mean, gram, cross = self.split.cross_products(v, self.fit_intercept)
        vz = v * z
        z_centred = vz - v * (float(vz.sum()) / total) if self.fit_intercept else vz
        rhs_rest = np.asarray(z_centred @ self.rest, dtype=float)
        if self.fit_intercept:
            m = gram.shape[0]
            A = np.zeros((m + 1, m + 1))
            A[0, 0], A[1:, 1:] = total, gram
            a = np.concatenate([[float(vz.sum())], rhs_rest])
            cross = np.column_stack([self.block.column_sums(v), cross])
        else:
            A, a = gram, rhs_rest
        return A, a, cross, self.block.rmatvec(vz), self.block.squared_sums(v), rest_mean

    def solve(self, z: FloatArray, v: FloatArray) -> CategoricalStep:
        """The weighted least-squares fit of ``z`` with weights ``v`` (every categorical column has weight)."""
        return self._solve(z, v, self._normal_equations(z, v))

    def _solve(self, z: FloatArray, v: FloatArray, parts: tuple[FloatArray, ...]) -> CategoricalStep:
        A, a, cross, c, weights, rest_mean = parts
        if np.any(weights <= 0):
            raise SolverError("a column of a categorical block has no weight in this solve; drop it first.")
        schur = A - cross.T @ (cross / weights[:, None])
        rhs = a - cross.T @ (c / weights)
        scale = np.sqrt(np.diag(schur))
        scale[scale == 0] = 1.0
        # S = A - B'D^-1B cancels what a column shares with the factor's levels: its entries carry errors of
        # about eps A_jj, so a solve from S is as accurate as a dense Gram solve only if cond(S) is smaller
        # by the share of its norm a column keeps (the QR of the projected rows loses nothing).
        kept = np.min(np.diag(schur) / np.where(np.diag(A) > 0, np.diag(A), 1.0), initial=1.0)
        factor = equilibrated_cholesky(schur, scale, RCOND_LIMIT / np.sqrt(kept)) if kept > 0 else None
        if schur.shape[0] == 0:
            theta, s_factor = np.zeros(0), np.zeros((0, 0))
        elif factor is not None:
            theta = scipy.linalg.cho_solve((factor, False), rhs / scale, check_finite=False) / scale
            s_factor = factor * scale  # R'R = S
        else:
            q_factor, s_factor, projected_z = self._projected_qr(z, v, rest_mean)
            theta = scipy.linalg.solve_triangular(s_factor, q_factor.T @ projected_z, check_finite=False)
        cat_coef = (c - cross @ theta) / weights
        q0 = int(self.fit_intercept)
        coef = np.empty(self.X.shape[1])
        coef[self.rest_index] = theta[q0:]
        coef[self.cat_index] = cat_coef
        intercept = float(theta[0] - rest_mean @ theta[1:]) if self.fit_intercept else 0.0
        return CategoricalStep(coef, intercept, s_factor, weights, cross, rest_mean, self.rest_index,
                               self.cat_index)

    def _projected(self, v: FloatArray, columns: FloatArray) -> FloatArray:
        """``sqrt(v) (columns - C b)`` with ``b`` the weighted least-squares fit of ``columns`` on the block's
        columns: for indicators each row minus the ``v``-weighted mean of its level's rows (rows without a
        column keep their values); the matrix whose Gram is the Schur complement."""
        weights = self.block.squared_sums(v)
        fitted = self.block.rmatvec(columns * v[:, None]) / np.where(weights > 0, weights, 1.0)[:, None]
        result: FloatArray = (columns - self.block.matvec(fitted)) * np.sqrt(v)[:, None]
        return result

    def _rest_columns(self, rest_mean: FloatArray) -> FloatArray:
        """``[1, Rc]`` (``Rc`` without an intercept) as a dense ``(n, q)`` array."""
        rest = self.rest if isinstance(self.rest, np.ndarray) else self.rest.toarray()
        rest = rest - rest_mean
        return np.column_stack([np.ones(self.X.shape[0]), rest]) if self.fit_intercept else rest

    def _projected_qr(self, z: FloatArray, v: FloatArray, rest_mean: FloatArray) -> tuple[FloatArray, FloatArray,
                                                                                           FloatArray]:
        projected = self._projected(v, self._rest_columns(rest_mean))
        q_factor, r_factor = scipy.linalg.qr(projected, mode="economic", check_finite=False)
        return q_factor, r_factor, self._projected(v, z[:, None])[:, 0]

    def solve_dropping_aliased(
        self, z: FloatArray, v: FloatArray, tol: float
    ) -> tuple[CategoricalStep | WLSStep, BoolArray, CategoricalLeastSquares | WeightedLeastSquares]:
        """The first solve of a fit after finding the aliased columns (see the module docstring) and dropping them.

        Returns the step over the kept columns, the aliased mask ``(p,)`` and the solver for later solves
        (over the kept columns: this class while a categorical block remains, else weighted least squares).
        """
        aliased = np.zeros(self.X.shape[1], dtype=bool)
        weights = self.block.squared_sums(v)
        aliased[self.cat_index[weights <= 0]] = True
        present = np.flatnonzero(weights > 0)
        indicators = self.block.values is None  # then the columns sum to 1 on the rows with a column
        if indicators and self.fit_intercept and present.size and float(v[self.block.codes < 0].sum()) <= 0:
            aliased[self.cat_index[present[-1]]] = True
        solver = self._without(aliased)
        if isinstance(solver, WeightedLeastSquares):
            step, more, wls = solver.solve_dropping_aliased(z, v, tol)
            aliased[np.flatnonzero(~aliased)[more]] = True
            return step, aliased, wls
        parts = solver._normal_equations(z, v)
        A, _, cross, _, kept_weights, rest_mean = parts
        schur = A - cross.T @ (cross / kept_weights[:, None])
        norms_squared = np.diag(A).copy()
        if self.fit_intercept:
            norms_squared[1:] += float(v.sum()) * np.square(rest_mean)
        if clearly_full_rank(schur, norms_squared):
            return solver._solve(z, v, parts), aliased, solver
        n, p = solver.X.shape
        if n * float(p + 1) ** 2 <= ROW_QR_FLOPS:
            more = aliased_columns(solver.X, v, self.fit_intercept, tol)
        else:
            more = solver._projected_aliased(v, rest_mean, tol)
        if not more.any():
            return solver._solve(z, v, parts), aliased, solver
        kept = np.flatnonzero(~aliased)
        aliased[kept[more]] = True
        final = self._without(aliased)
        return final.solve(z, v), aliased, final

    def _without(self, aliased: BoolArray) -> CategoricalLeastSquares | WeightedLeastSquares:
        """The solver over the columns not ``aliased``."""
        if not aliased.any():
            return self
        kept = self.X.take_columns(~aliased)
        if has_categorical_block(kept):
            assert isinstance(kept, ModelMatrix)
            return CategoricalLeastSquares(kept, self.fit_intercept)
        return WeightedLeastSquares(kept, self.fit_intercept)

    def _projected_aliased(self, v: FloatArray, rest_mean: FloatArray, tol: float) -> BoolArray:
        """R's in-order rule on the projected ``[1, Rc]`` (the factor's columns first): a ``(p,)`` mask."""
        projected = self._projected(v, self._rest_columns(rest_mean))
        mask = aliased_columns(projected, np.ones(projected.shape[0]), False, tol)
        if self.fit_intercept and mask[0]:
            raise SolverError("the intercept is a linear combination of the columns of a categorical term; "
                              "remove the intercept (y ~ 0 + ...) or the term.")
        aliased = np.zeros(self.X.shape[1], dtype=bool)
        aliased[self.rest_index[mask[int(self.fit_intercept):]]] = True
        return aliased
