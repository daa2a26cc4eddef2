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

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.linalg

from . import _kernels
from .errors import ConvergenceWarning, SeparationWarning, SolverError
from .families import Family
from .links import Link

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EPS = float(np.finfo(float).eps)
#: columns whose largest |value| lies outside [2**-EQUILIBRATE_EXPONENT, 2**EQUILIBRATE_EXPONENT] are rescaled
#: by a power of two before solving (exact in floating point), so that Gram entries neither overflow nor underflow
EQUILIBRATE_EXPONENT = 64
#: the smallest rank tolerance used (R's default, min(1e-7, 1e-8 / 1000))
MIN_ALIAS_TOL = 1e-11
#: the Gram matrix rules out aliasing when each column keeps this fraction of its norm orthogonal to the others
FULL_RANK_SCREEN = 1e-5
#: size of the row-block workspace in which the weighted Gram matrix is accumulated (32 MiB: 80k rows at p = 50)
GRAM_BLOCK_BYTES = 32 * 2**20


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
    Columns are aliased at :attr:`alias_tol`, R's ``glm.fit`` rule.
    """

    tol: float = 1e-8
    coef_tol: float = 1e-10
    max_iter: int = 100
    max_halvings: int = 30

    @property
    def alias_tol(self) -> float:
        """R's ``glm.fit`` rank tolerance ``min(1e-7, epsilon / 1000)``: 1e-11 at the default ``tol``.

        Unlike R it is not taken below 1e-11 for ``tol < 1e-8``: the QR leaves an exactly
        collinear column a relative part of about ``sqrt(n) eps`` (up to ~1e-13), which a
        smaller tolerance would keep.
        """
        return min(1e-7, max(self.tol / 1000.0, MIN_ALIAS_TOL))


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
        """The deviance at ``mu``; ``inf`` when it overflows (the solvers then halve the step or raise)."""
        fused = _FUSED_DEVIANCE.get(self.family.name)
        if fused is not None:
            return float(fused(self.y, mu, self.weights))
        with np.errstate(over="ignore"):
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
        v = self.weights * dmu * (dmu / self.family.variance(mu))  # dmu**2 would overflow first
        z = eta - self.offset + (self.y - mu) / dmu
        return v, z


CANONICAL_PAIRS = frozenset({("gaussian", "identity"), ("binomial", "logit"), ("poisson", "log")})
_FUSED_WORKING = {
    ("binomial", "logit"): _kernels.working_binomial_logit,
    ("poisson", "log"): _kernels.working_poisson_log,
}
_FUSED_DEVIANCE = {"binomial": _kernels.deviance_binomial, "poisson": _kernels.deviance_poisson}


def equilibrated(problem: GLMProblem) -> tuple[GLMProblem, FloatArray | None]:
    """``problem`` with columns multiplied by powers of two ``d_j`` so their largest ``|x_ij|`` lies in [0.5, 1).

    Only when some column's largest ``|x_ij|`` is outside
    ``[2**-EQUILIBRATE_EXPONENT, 2**EQUILIBRATE_EXPONENT]`` (else ``(problem,
    None)``): with columns near 1e160 or 1e-200 the Gram matrix overflows or
    underflows. Multiplying by a power of two is exact, so the fit on the
    rescaled columns gives ``coef_j = coef'_j d_j`` to rounding.
    """
    X = problem.X
    if X.shape[1] == 0 or X.shape[0] == 0:
        return problem, None
    largest = np.maximum(np.max(X, axis=0), -np.min(X, axis=0))
    nonzero = largest > 0
    bound = 2.0**EQUILIBRATE_EXPONENT
    if np.all((largest[nonzero] <= bound) & (largest[nonzero] >= 1.0 / bound)):
        return problem, None
    factors = np.ones(X.shape[1])
    factors[nonzero] = np.ldexp(1.0, -np.frexp(largest[nonzero])[1])
    rescaled = GLMProblem(X=np.asfortranarray(X * factors), y=problem.y, weights=problem.weights,
                          offset=problem.offset, family=problem.family, link=problem.link,
                          fit_intercept=problem.fit_intercept)
    return rescaled, factors


def aliased_columns(X: FloatArray, v: FloatArray, fit_intercept: bool, tol: float) -> BoolArray:
    """Columns that are (numerically) linear combinations of the intercept and earlier columns: R's rule.

    R's ``glm.fit`` calls ``dqrdc2`` on ``sqrt(v) [1, X]``: Householder QR
    in column order, moving a column to the end when the norm of its part
    orthogonal to the columns already kept is below ``tol`` times its own
    norm, and stopping at rank ``min(n, p + 1)``. The test is relative to
    each column's norm, so it does not depend on column scales. Here the R
    factor of ``sqrt(v) [1, X]`` is first formed by a blocked Householder QR
    (rows in blocks, bounding memory; orthogonal transformations keep every
    column's norm and orthogonal parts), then ``dqrdc2``'s in-order
    selection runs on that small ``(min(n, p + 1), p + 1)`` factor.
    """
    factor = _r_factor(X, v, fit_intercept)
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


def _r_factor(X: FloatArray, v: FloatArray, fit_intercept: bool) -> FloatArray:
    """R factor of ``sqrt(v) [1, X]`` (``[X]`` without an intercept), by QR over blocks of rows (TSQR)."""
    n, p = X.shape
    columns = p + int(fit_intercept)
    block_rows = max(columns, GRAM_BLOCK_BYTES // (8 * max(columns, 1)))
    factor = np.zeros((0, columns))
    for begin in range(0, n, block_rows):
        root_v = np.sqrt(v[begin:begin + block_rows])
        block = X[begin:begin + block_rows] * root_v[:, None]
        if fit_intercept:
            block = np.column_stack([root_v, block])
        stacked = np.vstack([factor, block])
        factor = scipy.linalg.qr(stacked, mode="r", check_finite=False)[0][: min(stacked.shape), :]
    return factor


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
    and forms the Gram matrix with BLAS ``syrk``, block of rows by block of
    rows in a workspace of ``block_rows x p`` allocated once (default: about
    ``GRAM_BLOCK_BYTES``), so no ``n x p`` copy of ``X`` is made; it
    equilibrates the Gram matrix and factorises it by Cholesky; when the
    factor shows a condition number beyond about 1e10 it solves by
    Householder QR of ``sqrt(v) Xc`` instead.
    """

    def __init__(self, X: FloatArray, fit_intercept: bool, *, block_rows: int | None = None,
                 columns: npt.NDArray[np.intp] | None = None) -> None:
        self.X = X
        self.fit_intercept = fit_intercept
        self.columns = columns
        n = X.shape[0]
        p = X.shape[1] if columns is None else len(columns)
        self.block_rows = max(1, min(n, block_rows or GRAM_BLOCK_BYTES // (8 * max(p, 1))))
        self.work = np.empty(self.block_rows * p)

    def _rows(self, start: int, stop: int) -> FloatArray:
        """Rows ``start:stop`` of ``X`` (of the chosen ``columns`` only)."""
        rows = self.X[start:stop]
        return rows if self.columns is None else rows[:, self.columns]

    def gram(self, z: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float, float]:
        """Centred weighted Gram (symmetric), ``Xc' V (z - zbar)``, ``x_mean``, ``z_mean`` and ``sum(v)``.

        Accumulated over row blocks ``b``: ``G = sum_b B_b' B_b`` and
        ``q = sum_b B_b' sqrt(v_b) (z_b - zbar)`` with ``B_b = sqrt(v_b) (X_b - xbar)``.
        """
        total = float(v.sum())
        n = self.X.shape[0]
        p = self.X.shape[1] if self.columns is None else len(self.columns)
        if not self.fit_intercept:
            x_mean = np.zeros(p)
        else:
            x_mean = v @ self.X / total
            x_mean = x_mean if self.columns is None else x_mean[self.columns]
        z_mean = float(v @ z / total) if self.fit_intercept else 0.0
        upper = np.zeros((p, p), order="F")
        rhs = np.zeros(p)
        for start in range(0, n if p else 0, self.block_rows):
            stop = min(start + self.block_rows, n)
            block = self.work[: (stop - start) * p].reshape((stop - start, p), order="F")
            root_v = np.sqrt(v[start:stop])
            np.subtract(self._rows(start, stop), x_mean, out=block)
            block *= root_v[:, None]
            upper = scipy.linalg.blas.dsyrk(1.0, block, beta=1.0, c=upper, trans=1, overwrite_c=True)
            rhs += block.T @ ((z[start:stop] - z_mean) * root_v)
        gram = np.triu(upper) + np.triu(upper, 1).T
        return gram, rhs, x_mean, z_mean, total

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
        weighted = (self._rows(0, self.X.shape[0]) - x_mean) * root_v[:, None]
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
        ``coef`` is NaN for aliased columns, which are detected once, at the
        first iteration's weights (:func:`aliased_columns`, tolerance
        ``control.alias_tol``). Columns of extreme scale are solved on an
        exactly rescaled copy (:func:`equilibrated`).

    Raises
    ------
    SolverError
        When no step gives a finite deviance (overflow, or ``mu`` outside its range).
    """
    problem, factors = equilibrated(problem)
    output = _irls(problem, start_eta, control, covariance)
    return output if factors is None else unscaled_output(output, factors, problem.fit_intercept)


def unscaled_output(output: SolverOutput, factors: FloatArray, fit_intercept: bool) -> SolverOutput:
    """The output for the columns before :func:`equilibrated` multiplied them by ``factors``."""
    cov_unscaled = output.cov_unscaled
    if cov_unscaled is not None:
        full = np.concatenate([[1.0] * int(fit_intercept), factors])
        with np.errstate(over="ignore", under="ignore"):  # variances beyond 1e308 are inf, as in R's vcov()
            cov_unscaled = cov_unscaled * np.outer(full, full)
    return dataclasses.replace(output, coef=output.coef * factors, cov_unscaled=cov_unscaled)


def _irls(problem: GLMProblem, start_eta: FloatArray | None, control: IRLSControl, covariance: bool) -> SolverOutput:
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
            solve, aliased, solver = _first_solve(solver, z, v, control.alias_tol)
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
            raise no_finite_fit(problem, "IRLS")
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
    solver: WeightedLeastSquares, z: FloatArray, v: FloatArray, tol: float
) -> tuple[WLSStep, BoolArray, WeightedLeastSquares]:
    """The first IRLS solve, after finding aliased columns at its weights (R checks them on each
    iteration's weighted QR; glmgen once, at the starting weights) and dropping them for all solves.

    The Gram matrix screens first (:func:`clearly_full_rank`); only when it cannot rule aliasing out
    does the slower QR of :func:`aliased_columns` decide.
    """
    gram, rhs, x_mean, z_mean, total = solver.gram(z, v)
    if clearly_full_rank(gram, np.diag(gram) + total * np.square(x_mean)):
        return solver.solve_gram(gram, rhs, x_mean, z_mean, total, z=z, v=v), np.zeros(gram.shape[0], bool), solver
    aliased = aliased_columns(solver.X, v, solver.fit_intercept, tol)
    if aliased.any():
        solver = WeightedLeastSquares(np.asfortranarray(solver.X[:, ~aliased]), solver.fit_intercept)
        return solver.solve(z, v), aliased, solver
    return solver.solve_gram(gram, rhs, x_mean, z_mean, total, z=z, v=v), aliased, solver


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


def no_finite_fit(problem: GLMProblem, solver: str) -> SolverError:
    """The error for a fit whose every step has an infinite or undefined deviance, with the response range."""
    used = problem.weights > 0
    y = problem.y[used]
    low, high = (float(y.min()), float(y.max())) if y.size else (math.nan, math.nan)
    largest = max(abs(low), abs(high))
    hint = (f"Values this large are beyond float64 arithmetic (the deviance or the working weights "
            f"overflow): rescale the response, e.g. y / {10.0 ** math.floor(math.log10(largest)):.0e}, "
            "and scale the estimates back." if largest > 1e150 else
            "Check the response and the columns for extreme values, or try another link.")
    return SolverError(
        f"{solver} found no coefficients with a finite deviance for family={problem.family.name!r}, "
        f"link={problem.link.name!r}: the deviance overflowed or the mean left its valid range. "
        f"The response ranges over [{low:.6g}, {high:.6g}]. {hint}"
    )


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
