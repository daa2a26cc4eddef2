"""IRLS for GLMs as pure functions over float64 arrays.

Each IRLS iteration forms the quadratic approximation of the deviance at the
current mean ``mu``:

    working weights   v_i = w_i (dmu/deta)_i^2 / V(mu_i)
    working response  z_i = eta_i - offset_i + (y_i - mu_i) / (dmu/deta)_i

and minimises ``1/2 sum_i v_i (z_i - b0 - x_i'b)^2`` (plus the penalty, for
penalized fits) over the intercept ``b0`` and coefficients ``b``. The
intercept is profiled out by centring ``X`` and ``z`` with the ``v``-weighted
means, so what remains is a problem in Gram form, ``G = Xc' V Xc`` and
``q = Xc' V zc``, which :mod:`glmgen._inner` solves.

Safeguards: step-halving when the deviance is not finite, ``mu`` leaves the
family's range, ``eta`` leaves the link's range, or the deviance increases.
Convergence is R's ``|dev - dev_old| / (|dev| + 0.1) < tol``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.linalg

from . import _kernels
from .errors import ConvergenceWarning, SeparationWarning
from .families import Family
from .links import Link

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EPS = float(np.finfo(float).eps)
#: a column is aliased when its part orthogonal to earlier columns is this small relative to its norm (R's tol)
ALIAS_TOLERANCE = 1e-7


@dataclass(frozen=True)
class IRLSControl:
    """Solver settings.

    ``tol`` bounds R's relative deviance change (R's default ``epsilon``).
    With a canonical link IRLS is Newton's method and converges
    quadratically, so that criterion suffices; with a non-canonical link it
    is Fisher scoring, converging linearly, and the deviance can flatten while
    coefficients still move, so the largest coefficient change relative to
    ``|coef| + 1`` must also fall below ``coef_tol``. ``max_iter`` counts
    IRLS iterations; ``max_halvings`` bounds step-halving within one iteration.
    """

    tol: float = 1e-8
    coef_tol: float = 1e-10
    max_iter: int = 100
    max_halvings: int = 30


@dataclass(frozen=True)
class Notice:
    """A warning the caller should raise and record (solvers never call ``warnings.warn``)."""

    category: type[Warning]
    message: str


@dataclass(frozen=True)
class SolverOutput:
    """What a solver returns; callers never read solver internals.

    ``coef`` has NaN for aliased columns; ``history`` has one row per IRLS
    iteration: ``deviance``, ``step`` (1 / 2**halvings), ``active`` (number of
    non-zero coefficients) and ``seconds``.
    """

    coef: FloatArray
    intercept: float
    eta: FloatArray
    mu: FloatArray
    deviance: float
    converged: bool
    n_iter: int
    aliased: BoolArray
    history: dict[str, list[float]] = field(repr=False)
    notices: tuple[Notice, ...] = ()
    #: unscaled covariance (intercept first) from the last weighted least-squares step, as R's
    cov_unscaled: FloatArray | None = None


@dataclass(frozen=True)
class GLMProblem:
    """The arrays of one fit. ``weights`` are the total fitting weights (prior x frequency)."""

    X: FloatArray
    y: FloatArray
    weights: FloatArray
    offset: FloatArray
    family: Family
    link: Link
    fit_intercept: bool

    @property
    def pair(self) -> tuple[str, str]:
        return self.family.name, self.link.name

    @property
    def canonical(self) -> bool:
        return self.pair in CANONICAL_PAIRS

    def deviance(self, mu: FloatArray) -> float:
        fused = _FUSED_DEVIANCE.get(self.family.name)
        if fused is not None:
            return float(fused(self.y, mu, self.weights))
        return self.family.deviance(self.y, mu, self.weights)

    def valid(self, eta: FloatArray, mu: FloatArray) -> bool:
        return bool(
            np.all(self.link.eta_interval.contains(eta[self.weights > 0]))
            and np.all(self.family.mu_interval.contains(mu[self.weights > 0]))
        )

    def working(self, eta: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Working weights ``v`` and working response ``z`` (without the offset) at ``eta``.

        Canonical binomial and poisson fits use fused kernels that give the
        same values as the generic formulas (checked in the tests).
        """
        fused = _FUSED_WORKING.get(self.pair)
        if fused is not None:
            v, z = np.empty_like(eta), np.empty_like(eta)
            fused(eta, self.y, self.weights, self.offset, v, z)
            return v, z
        return self.generic_working(eta, mu)

    def generic_working(self, eta: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The working weights and response from ``family.variance`` and ``link.inverse_derivative``."""
        dmu = self.link.inverse_derivative(eta)
        v = self.weights * np.square(dmu) / self.family.variance(mu)
        z = eta - self.offset + (self.y - mu) / dmu
        return v, z


CANONICAL_PAIRS = frozenset({("gaussian", "identity"), ("binomial", "logit"), ("poisson", "log")})
_FUSED_WORKING = {
    ("binomial", "logit"): _kernels.working_binomial_logit,
    ("poisson", "log"): _kernels.working_poisson_log,
}
_FUSED_DEVIANCE = {"binomial": _kernels.deviance_binomial, "poisson": _kernels.deviance_poisson}


def aliased_columns(gram: FloatArray, norms_squared: FloatArray) -> BoolArray:
    """Columns that are (numerically) linear combinations of earlier columns and the intercept.

    ``gram`` is the weighted Gram matrix of the columns (centred when there is
    an intercept) and ``norms_squared`` their uncentred weighted squared norms.
    A column is aliased when the squared norm of its part orthogonal to the
    earlier non-aliased columns is at most ``ALIAS_TOLERANCE**2`` times its
    squared norm: R's ``dqrdc2`` rule, applied by an in-order Cholesky
    factorisation that skips aliased columns. As in R, the later of two
    collinear columns is the one reported.
    """
    p = gram.shape[0]
    aliased = np.zeros(p, dtype=bool)
    kept: list[int] = []
    lower = np.zeros((p, p))
    for j in range(p):
        k = len(kept)
        projection = (scipy.linalg.solve_triangular(lower[:k, :k], gram[kept, j], lower=True, check_finite=False)
                      if k else np.zeros(0))
        residual = gram[j, j] - projection @ projection
        if norms_squared[j] == 0 or residual <= ALIAS_TOLERANCE**2 * norms_squared[j]:
            aliased[j] = True
            continue
        lower[k, :k] = projection
        lower[k, k] = math.sqrt(residual)
        kept.append(j)
    return aliased


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
            return r_inverse @ r_inverse.T
        inverse = scipy.linalg.cho_solve((self.factor, False), np.eye(p), check_finite=False)
        return inverse / np.outer(self.scale, self.scale)

    def covariance(self, fit_intercept: bool, aliased: BoolArray) -> FloatArray:
        """``(X1' V X1)^{-1}`` for ``X1 = [1, X]`` (intercept first); NaN rows/columns for aliased columns."""
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
    in a workspace allocated once, forms the Gram matrix with BLAS ``syrk``,
    equilibrates it and factorises it by Cholesky; when the factor shows a
    condition number beyond about 1e10 it solves by Householder QR of
    ``sqrt(v) Xc`` instead.
    """

    def __init__(self, X: FloatArray, fit_intercept: bool) -> None:
        self.X = X
        self.fit_intercept = fit_intercept
        self.work = np.empty(X.shape, order="F")

    def gram(self, z: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float, float]:
        """Centred weighted Gram (symmetric), ``Xc' V (z - zbar)``, ``x_mean``, ``z_mean`` and ``sum(v)``."""
        total = float(v.sum())
        p = self.X.shape[1]
        x_mean = v @ self.X / total if self.fit_intercept else np.zeros(p)
        z_mean = float(v @ z / total) if self.fit_intercept else 0.0
        root_v = np.sqrt(v)
        np.subtract(self.X, x_mean, out=self.work)
        self.work *= root_v[:, None]
        upper = scipy.linalg.blas.dsyrk(1.0, self.work, trans=1) if p else np.zeros((0, 0))
        gram = np.triu(upper) + np.triu(upper, 1).T
        return gram, self.work.T @ ((z - z_mean) * root_v), x_mean, z_mean, total

    def solve(self, z: FloatArray, v: FloatArray) -> WLSStep:
        return self.solve_gram(*self.gram(z, v), z=z, v=v)

    def solve_gram(self, gram: FloatArray, rhs: FloatArray, x_mean: FloatArray, z_mean: float, total: float,
                   *, z: FloatArray, v: FloatArray) -> WLSStep:
        p = gram.shape[0]
        if p == 0:
            return WLSStep(np.zeros(0), z_mean, np.zeros((0, 0)), np.ones(0), False, x_mean, total)
        scale = np.sqrt(np.diag(gram))
        scale[scale == 0] = 1.0
        try:
            factor = scipy.linalg.cholesky(gram / np.outer(scale, scale), lower=False, check_finite=False)
            diag = np.abs(np.diag(factor))
            well_conditioned = diag.min() > 1e-5 * diag.max()
        except np.linalg.LinAlgError:
            well_conditioned = False
        if well_conditioned:
            coef = scipy.linalg.cho_solve((factor, False), rhs / scale, check_finite=False) / scale
            return WLSStep(coef, z_mean - float(x_mean @ coef), factor, scale, False, x_mean, total)
        root_v = np.sqrt(v)
        weighted = (self.X - x_mean) * root_v[:, None]
        q_factor, r_factor = scipy.linalg.qr(weighted, mode="economic", check_finite=False)
        coef = scipy.linalg.solve_triangular(r_factor, q_factor.T @ ((z - z_mean) * root_v), check_finite=False)
        return WLSStep(coef, z_mean - float(x_mean @ coef), r_factor, scale, True, x_mean, total)


def irls(
    problem: GLMProblem,
    *,
    start_eta: FloatArray | None = None,
    control: IRLSControl = IRLSControl(),
    covariance: bool = True,
) -> SolverOutput:
    """Fit an unpenalized GLM by iteratively reweighted least squares.

    Parameters
    ----------
    problem : GLMProblem
        ``X`` ``(n, p)`` without an intercept column, ``y``, total weights and
        offset ``(n,)``, family and link.
    start_eta : array (n,), optional
        Linear predictor to start from (warm start); default R's ``mustart``.
    covariance : bool
        Compute ``cov_unscaled``: one more weighted least-squares solve at
        the converged weights, whose factor gives the inverse Fisher
        information and whose solution refines the coefficients once more (kept unless the deviance rises beyond round-off)
        (R takes the covariance from its last iteration instead).

    Returns
    -------
    SolverOutput
        ``coef`` is NaN for aliased columns, which are detected once, from
        the Gram matrix of the first iteration.
    """
    X, family, link = problem.X, problem.family, problem.link
    solver = WeightedLeastSquares(X, problem.fit_intercept)
    aliased: BoolArray | None = None
    if start_eta is None:
        mu = family.starting_mu(problem.y, problem.weights)
        eta = link.link(mu)
    else:
        eta = start_eta
        mu = link.inverse(eta)
    deviance = problem.deviance(mu) if problem.valid(eta, mu) else math.inf
    history: dict[str, list[float]] = {"deviance": [], "step": [], "active": [], "seconds": []}
    coef, intercept = np.zeros(0), 0.0
    have_coef = False
    converged = False
    notices: list[Notice] = []
    n_iter = 0
    for n_iter in range(1, control.max_iter + 1):
        started = time.perf_counter()
        v, z = problem.working(eta, mu)
        if aliased is None:
            solve, aliased, solver = _first_solve(solver, z, v)
            coef = np.zeros(solver.X.shape[1])
        else:
            solve = solver.solve(z, v)
        new_coef, new_intercept = solve.coef, solve.intercept
        step = 1.0
        for _ in range(control.max_halvings + 1):
            new_eta = problem.offset + new_intercept + solver.X @ new_coef
            new_mu = link.inverse(new_eta)
            new_deviance = problem.deviance(new_mu) if problem.valid(new_eta, new_mu) else math.inf
            increased = math.isfinite(deviance) and new_deviance > deviance * (1 + 1e-12) + 1e-12
            if math.isfinite(new_deviance) and not increased:
                break
            if not have_coef:
                break  # from mustart there is nothing to halve towards; accept and continue
            new_coef = 0.5 * (new_coef + coef)
            new_intercept = 0.5 * (new_intercept + intercept)
            step *= 0.5
        if not math.isfinite(new_deviance):
            raise FloatingPointError(
                "IRLS found no coefficients with a finite deviance (mu left the valid range). "
                "Try another link, or check the response for extreme values."
            )
        change = abs(new_deviance - deviance) / (abs(new_deviance) + 0.1) if math.isfinite(deviance) else math.inf
        coef_change = _relative_change(np.append(new_coef, new_intercept), np.append(coef, intercept))
        coef, intercept, eta, mu, deviance = new_coef, new_intercept, new_eta, new_mu, new_deviance
        have_coef = True
        history["deviance"].append(deviance)
        history["step"].append(step)
        history["active"].append(float(np.count_nonzero(coef)))
        history["seconds"].append(time.perf_counter() - started)
        if change < control.tol and (problem.canonical or coef_change < control.coef_tol):
            converged = True
            break
    if not converged:
        notices.append(Notice(
            ConvergenceWarning,
            f"IRLS stopped after {n_iter} iterations without converging (relative deviance change {change:.2g}, "
            f"tol={control.tol:g}; largest relative coefficient change {coef_change:.2g}, coef_tol={control.coef_tol:g}). "
            "Try a larger max_iter; with family='binomial' check for separation "
            f"(max |eta| = {np.max(np.abs(eta)):.3g}).",
        ))
    assert aliased is not None  # set by the first iteration
    cov_unscaled = None
    if covariance:
        # One more weighted least-squares solve at the estimate's weights: its factor gives the covariance,
        # and its solution is a further (Newton, for canonical links) step, kept unless the deviance rises.
        v, z = problem.working(eta, mu)
        final = solver.solve(z, v)
        cov_unscaled = final.covariance(problem.fit_intercept, aliased)
        final_eta = problem.offset + final.intercept + solver.X @ final.coef
        final_mu = link.inverse(final_eta)
        if (problem.valid(final_eta, final_mu)
                and (final_deviance := problem.deviance(final_mu)) <= deviance * (1 + 1e-12) + 1e-12):
            coef, intercept, eta, mu, deviance = final.coef, final.intercept, final_eta, final_mu, final_deviance
    notices.extend(_boundary_notices(problem, mu))
    full_coef = np.full(X.shape[1], np.nan)
    full_coef[~aliased] = coef
    return SolverOutput(
        coef=full_coef, intercept=intercept if problem.fit_intercept else 0.0, eta=eta, mu=mu,
        deviance=deviance, converged=converged, n_iter=n_iter, aliased=aliased, history=history,
        notices=tuple(notices), cov_unscaled=cov_unscaled,
    )


def _first_solve(
    solver: WeightedLeastSquares, z: FloatArray, v: FloatArray
) -> tuple[WLSStep, BoolArray, WeightedLeastSquares]:
    """The first IRLS solve, which also finds aliased columns from its Gram matrix (R checks them on each
    iteration's weighted QR; glmgen once, at the starting weights) and drops them for later solves."""
    gram, rhs, x_mean, z_mean, total = solver.gram(z, v)
    norms_squared = np.diag(gram) + total * np.square(x_mean)
    aliased = aliased_columns(gram, norms_squared)
    if not aliased.any():
        return solver.solve_gram(gram, rhs, x_mean, z_mean, total, z=z, v=v), aliased, solver
    keep = ~aliased
    reduced = WeightedLeastSquares(np.asfortranarray(solver.X[:, keep]), solver.fit_intercept)
    step = reduced.solve_gram(gram[np.ix_(keep, keep)], rhs[keep], x_mean[keep], z_mean, total, z=z, v=v)
    return step, aliased, reduced


def _relative_change(new: FloatArray, old: FloatArray) -> float:
    return float(np.max(np.abs(new - old) / (np.abs(new) + 1.0), initial=0.0))


def _boundary_notices(problem: GLMProblem, mu: FloatArray) -> list[Notice]:
    """R's 'fitted probabilities numerically 0 or 1' and 'fitted rates numerically 0' warnings."""
    threshold = 10 * _EPS
    used = problem.weights > 0
    if problem.family.name == "binomial":
        at_boundary = used & ((mu < threshold) | (mu > 1 - threshold))
        if at_boundary.any():
            return [Notice(
                SeparationWarning,
                f"fitted probabilities numerically 0 or 1 occurred for {int(at_boundary.sum())} rows: the data are "
                "(quasi-)completely separated and some coefficients diverge. Consider a penalized fit (alpha > 0) "
                "or removing the separating predictor.",
            )]
    if problem.family.name == "poisson":
        at_boundary = used & (mu < threshold)
        if at_boundary.any():
            return [Notice(
                SeparationWarning,
                f"fitted rates numerically 0 occurred for {int(at_boundary.sum())} rows: some coefficients diverge "
                "(rows with y = 0 separated from the rest). Consider a penalized fit (alpha > 0).",
            )]
    return []
