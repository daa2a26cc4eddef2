"""What every solver shares: the problem record, the output record, settings and exact column rescaling.

A :class:`GLMProblem` holds the arrays of one fit and the (family, link)
pair; it knows the IRLS quadratic approximation of the deviance at the
current mean ``mu``:

    working weights   v_i = w_i (dmu/deta)_i^2 / V(mu_i)
    working response  z_i = eta_i - offset_i + (y_i - mu_i) / (dmu/deta)_i

Solvers return a :class:`SolverOutput` and report warnings as
:class:`Notice` records; they never call ``warnings.warn`` themselves.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..errors import SolverError
from ..matrices import Matrix, ModelMatrix
from ..model import Family, Link

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: columns whose largest |value| lies outside [2**-EQUILIBRATE_EXPONENT, 2**EQUILIBRATE_EXPONENT] are rescaled
#: by a power of two before solving (exact in floating point), so that Gram entries neither overflow nor underflow
EQUILIBRATE_EXPONENT = 64
#: the smallest rank tolerance used (R's default, min(1e-7, 1e-8 / 1000))
MIN_ALIAS_TOL = 1e-11


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

    ``coef`` ``(p,)`` has NaN for aliased columns; ``eta`` and ``mu`` are
    ``(n,)``; ``history`` has one row per IRLS iteration: ``deviance``,
    ``step`` (1 / 2**halvings), ``active`` (number of non-zero coefficients)
    and ``seconds``.
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
    """The arrays of one fit: ``X`` ``(n, p)`` without an intercept column (a dense array, or a
    :class:`~glmgen.matrices.ModelMatrix` of blocks); ``y``, ``weights`` (the total fitting weights,
    prior x frequency) and ``offset`` ``(n,)``; the family and link."""

    X: Matrix
    y: FloatArray
    weights: FloatArray
    offset: FloatArray
    family: Family
    link: Link
    fit_intercept: bool

    @property
    def canonical(self) -> bool:
        """Whether the link is the family's canonical link (IRLS is then Newton's method)."""
        return self.family.is_canonical(self.link)

    @property
    def least_squares(self) -> bool:
        """Whether the deviance is exactly quadratic in the coefficients (gaussian, identity link): the
        working weights never change, and one weighted least-squares solve is the fit."""
        return self.family.is_least_squares(self.link)

    def deviance(self, mu: FloatArray) -> float:
        """The deviance at ``mu``; ``inf`` when it overflows (the solvers then halve the step or raise)."""
        fused = self.family.fused_deviance()
        if fused is not None:
            return float(fused(self.y, mu, self.weights))
        with np.errstate(over="ignore"):
            return self.family.deviance(self.y, mu, self.weights)

    def intercept_only_mean(self) -> float | None:
        """The mean of the intercept-only fit where it has a closed form (an intercept and no offset): the
        weighted mean response, the maximum-likelihood mean of every family whatever the link; else ``None``."""
        if not self.fit_intercept or np.any(self.offset):
            return None
        return float(np.dot(self.weights, self.y) / self.weights.sum())

    @functools.cached_property
    def weighted_rows(self) -> BoolArray | None:
        """The rows with positive weight, or ``None`` when that is every row (the common case: no masking)."""
        positive = self.weights > 0
        return None if positive.all() else positive

    def valid(self, eta: FloatArray, mu: FloatArray) -> bool:
        """Whether ``eta`` lies in the link's range and ``mu`` in the family's, over rows with positive weight."""
        rows = self.weighted_rows
        if rows is not None:
            eta, mu = eta[rows], mu[rows]
        return self.link.eta_interval.contains_all(eta) and self.family.mu_interval.contains_all(mu)

    def checked_deviance(self, eta: FloatArray, mu: FloatArray) -> float:
        """The deviance at ``mu``, or ``inf`` where ``eta`` or ``mu`` leaves its valid range (:meth:`valid`)."""
        return self.deviance(mu) if self.valid(eta, mu) else math.inf

    def working(self, eta: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Working weights ``v`` and working response ``z`` (without the offset) at ``eta``, each ``(n,)``.

        Where the family supplies a fused kernel for the link
        (:meth:`~glmgen.model.Family.fused_working`) it is used; it gives
        the same values as :meth:`generic_working` (checked in the tests).
        """
        fused = self.family.fused_working(self.link)
        if fused is not None:
            v, z = np.empty_like(eta), np.empty_like(eta)
            fused(eta, self.y, self.weights, self.offset, v, z)
            return v, z
        return self.generic_working(eta, mu)

    def generic_working(self, eta: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``v = w (dmu/deta)^2 / V(mu)`` and ``z = eta - offset + (y - mu) / (dmu/deta)`` from
        ``family.variance`` and ``link.inverse_derivative``."""
        dmu = self.link.inverse_derivative(eta)
        v = self.weights * dmu * (dmu / self.family.variance(mu))  # dmu**2 would overflow first
        z = eta - self.offset + (self.y - mu) / dmu
        return v, z


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
    largest = X.max_abs() if isinstance(X, ModelMatrix) else np.maximum(np.max(X, axis=0), -np.min(X, axis=0))
    nonzero = largest > 0
    bound = 2.0**EQUILIBRATE_EXPONENT
    in_range = (largest <= bound) & (largest >= 1.0 / bound)
    if np.all(in_range[nonzero]):
        return problem, None
    factors = np.ones(X.shape[1])
    # A ModelMatrix rescales only the columns out of range: a categorical block's 0/1 columns stay as they are.
    rescale = nonzero & ~in_range if isinstance(X, ModelMatrix) else nonzero
    factors[rescale] = np.ldexp(1.0, -np.frexp(largest[rescale])[1])
    rescaled = X.scaled(factors) if isinstance(X, ModelMatrix) else np.asfortranarray(X * factors)
    return dataclasses.replace(problem, X=rescaled), factors


def unscaled_output(output: SolverOutput, factors: FloatArray, fit_intercept: bool) -> SolverOutput:
    """The output for the columns before :func:`equilibrated` multiplied them by ``factors``:
    ``coef_j d_j`` and the covariance ``D C D`` with ``D = diag(1, d)`` (``diag(d)`` without an intercept)."""
    cov_unscaled = output.cov_unscaled
    if cov_unscaled is not None:
        full = np.concatenate([[1.0] * int(fit_intercept), factors])
        with np.errstate(over="ignore", under="ignore"):  # variances beyond 1e308 are inf, as in R's vcov()
            cov_unscaled = cov_unscaled * np.outer(full, full)
    return dataclasses.replace(output, coef=output.coef * factors, cov_unscaled=cov_unscaled)


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
