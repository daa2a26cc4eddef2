"""IRLS for unpenalized GLMs as pure functions over float64 arrays.

Each iteration forms the quadratic approximation of the deviance at the
current mean ``mu`` (:meth:`GLMProblem.working <glmgen.solvers.GLMProblem.working>`):

    working weights   v_i = w_i (dmu/deta)_i^2 / V(mu_i)
    working response  z_i = eta_i - offset_i + (y_i - mu_i) / (dmu/deta)_i

and minimises ``1/2 sum_i v_i (z_i - b0 - x_i'b)^2`` by weighted least
squares (:class:`~glmgen.solvers.wls.WeightedLeastSquares`). With the
canonical link this is Newton's method on the log-likelihood; otherwise it
is Fisher scoring.

Safeguards (R's ``glm.fit``): step-halving when the deviance is not
finite, ``mu`` leaves the family's range, ``eta`` leaves the link's range,
or the deviance increases. Convergence is R's
``|dev - dev_old| / (|dev| + 0.1) < tol`` (and, for non-canonical links, a
small relative coefficient change, see :class:`IRLSControl`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import ConvergenceWarning, SeparationWarning
from ..matrices import Matrix, ModelMatrix
from ..model import Family
from .categorical import CategoricalLeastSquares, CategoricalStep, has_categorical_block
from .problem import (
    GLMProblem,
    IRLSControl,
    Notice,
    SolverOutput,
    equilibrated,
    no_finite_fit,
    unscaled_output,
)
from .wls import WeightedLeastSquares, WLSStep

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: a step is refused when the deviance rises by more than this (relative, and as much absolute): round-off
DEVIANCE_SLACK = 1e-12


@dataclass(frozen=True)
class _Iterate:
    """One point of the iteration: coefficients of the kept columns, intercept, ``eta``, ``mu``, deviance."""

    coef: FloatArray
    intercept: float
    eta: FloatArray
    mu: FloatArray
    deviance: float


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
    control : IRLSControl
        Tolerances and iteration limits.
    covariance : bool
        Compute ``cov_unscaled``: one more weighted least-squares solve at
        the converged weights, whose factor gives the inverse Fisher
        information ``(X1' V X1)^{-1}`` and whose solution refines the
        coefficients once more (kept unless the deviance rises beyond
        round-off). R takes the covariance from its last iteration instead.

    Returns
    -------
    SolverOutput
        ``coef`` is NaN for aliased columns, which are detected once, at the
        first iteration's weights (:func:`~glmgen.solvers.wls.aliased_columns`,
        tolerance ``control.alias_tol``). Columns of extreme scale are solved
        on an exactly rescaled copy (:func:`~glmgen.solvers.equilibrated`).
        Notices: :class:`ConvergenceWarning` when ``max_iter`` is reached,
        :class:`SeparationWarning` when fitted means are on the boundary of
        their range (:meth:`~glmgen.model.Family.at_boundary`).

    Raises
    ------
    SolverError
        When no step gives a finite deviance (overflow, or ``mu`` outside its range).
    """
    problem, factors = equilibrated(problem)
    output = _irls(problem, start_eta, control, covariance)
    return output if factors is None else unscaled_output(output, factors, problem.fit_intercept)


def _irls(problem: GLMProblem, start_eta: FloatArray | None, control: IRLSControl, covariance: bool) -> SolverOutput:
    """:func:`irls` on columns already in range."""
    solver = least_squares(problem)
    eta, mu = _start(problem, start_eta)
    deviance = problem.checked_deviance(eta, mu)
    history: dict[str, list[float]] = {"deviance": [], "step": [], "active": [], "seconds": []}
    current: _Iterate | None = None
    aliased: BoolArray | None = None
    converged = False
    change = coef_change = math.inf
    n_iter = 0
    for n_iter in range(1, control.max_iter + 1):
        started = time.perf_counter()
        v, z = problem.working(eta, mu)
        if aliased is None:
            solve, aliased, solver = solver.solve_dropping_aliased(z, v, control.alias_tol)
        else:
            solve = solver.solve(z, v)
        new, step = _halving_step(problem, solver.X, current, deviance, solve, control.max_halvings)
        if not math.isfinite(new.deviance):
            raise no_finite_fit(problem, "IRLS")
        change = abs(new.deviance - deviance) / (abs(new.deviance) + 0.1) if math.isfinite(deviance) else math.inf
        previous = np.zeros(new.coef.size + 1) if current is None else np.append(current.coef, current.intercept)
        coef_change = relative_change(np.append(new.coef, new.intercept), previous)
        current, eta, mu, deviance = new, new.eta, new.mu, new.deviance
        history["deviance"].append(deviance)
        history["step"].append(step)
        history["active"].append(float(np.count_nonzero(new.coef)))
        history["seconds"].append(time.perf_counter() - started)
        if change < control.tol and (problem.canonical or coef_change < control.coef_tol):
            converged = True
            break
    assert current is not None and aliased is not None, "max_iter >= 1: the first iteration sets both"
    notices = [] if converged else [convergence_notice(n_iter, change, coef_change, control,
                                                      float(np.max(np.abs(current.eta), initial=0.0)))]
    cov_unscaled = None
    if covariance:
        current, cov_unscaled = _covariance_step(problem, solver, aliased, current)
    notices.extend(_boundary_notices(problem, current.mu))
    full_coef = np.full(problem.X.shape[1], np.nan)
    full_coef[~aliased] = current.coef
    return SolverOutput(
        coef=full_coef, intercept=current.intercept if problem.fit_intercept else 0.0, eta=current.eta,
        mu=current.mu, deviance=current.deviance, converged=converged, n_iter=n_iter, aliased=aliased,
        history=history, notices=tuple(notices), cov_unscaled=cov_unscaled,
    )


def least_squares(problem: GLMProblem) -> WeightedLeastSquares | CategoricalLeastSquares:
    """The weighted least-squares solver for ``problem.X``: with the largest categorical block eliminated
    (:mod:`~glmgen.solvers.categorical`) when there is one, else over the Gram matrix of all columns."""
    if has_categorical_block(problem.X):
        assert isinstance(problem.X, ModelMatrix)
        return CategoricalLeastSquares(problem.X, problem.fit_intercept)
    return WeightedLeastSquares(problem.X, problem.fit_intercept)


def _start(problem: GLMProblem, start_eta: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """``(eta, mu)`` to start from: ``start_eta``, else R's ``mustart`` (:meth:`~glmgen.model.Family.starting_mu`)."""
    if start_eta is None:
        mu = problem.family.starting_mu(problem.y, problem.weights)
        return problem.link.link(mu), mu
    return start_eta, problem.link.inverse(start_eta)


def _evaluate(problem: GLMProblem, X: Matrix, coef: FloatArray, intercept: float) -> _Iterate:
    """``eta = offset + b0 + X b``, ``mu = g^{-1}(eta)`` and the deviance (``inf`` outside the valid ranges)."""
    eta = problem.offset + intercept + X @ coef
    mu = problem.link.inverse(eta)
    return _Iterate(coef, intercept, eta, mu, problem.checked_deviance(eta, mu))


def _halving_step(
    problem: GLMProblem, X: Matrix, current: _Iterate | None, deviance: float, solve: WLSStep | CategoricalStep,
    max_halvings: int,
) -> tuple[_Iterate, float]:
    """The next iterate and its step size: the weighted least-squares solution, or a point halfway towards
    ``current`` (up to ``max_halvings`` times) while the deviance there is not finite or exceeds
    ``deviance (1 + DEVIANCE_SLACK) + DEVIANCE_SLACK``. From the start (``current`` is ``None``) there is
    nothing to halve towards, and the solution is taken as it is."""
    candidate, step = _evaluate(problem, X, solve.coef, solve.intercept), 1.0
    for _ in range(max_halvings):
        increased = math.isfinite(deviance) and candidate.deviance > deviance * (1 + DEVIANCE_SLACK) + DEVIANCE_SLACK
        if current is None or (math.isfinite(candidate.deviance) and not increased):
            break
        step *= 0.5
        candidate = _evaluate(problem, X, 0.5 * (candidate.coef + current.coef),
                              0.5 * (candidate.intercept + current.intercept))
    return candidate, step


def _covariance_step(
    problem: GLMProblem, solver: WeightedLeastSquares | CategoricalLeastSquares, aliased: BoolArray,
    current: _Iterate
) -> tuple[_Iterate, FloatArray]:
    """One more weighted least-squares solve at ``current``'s weights: its factor gives the unscaled
    covariance ``(X1' V X1)^{-1}``, and its solution (a further Newton step, for canonical links) is
    kept unless the deviance rises beyond round-off."""
    v, z = problem.working(current.eta, current.mu)
    final = solver.solve(z, v)
    candidate = _evaluate(problem, solver.X, final.coef, final.intercept)
    better = candidate.deviance <= current.deviance * (1 + DEVIANCE_SLACK) + DEVIANCE_SLACK
    return (candidate if better else current), final.covariance(problem.fit_intercept, aliased)


def relative_change(new: FloatArray, old: FloatArray) -> float:
    """``max_j |new_j - old_j| / (|new_j| + 1)``."""
    return float(np.max(np.abs(new - old) / (np.abs(new) + 1.0), initial=0.0))


def convergence_notice(n_iter: int, change: float, coef_change: float, control: IRLSControl,
                       largest_eta: float) -> Notice:
    """The :class:`ConvergenceWarning` of a fit stopped at ``max_iter``."""
    return Notice(
        ConvergenceWarning,
        f"IRLS stopped after {n_iter} iterations without converging (relative deviance change {change:.2g}, "
        f"tol={control.tol:g}; largest relative coefficient change {coef_change:.2g}, "
        f"coef_tol={control.coef_tol:g}). Try a larger max_iter; with family='binomial' check for separation "
        f"(max |eta| = {largest_eta:.3g}).",
    )


def _boundary_notices(problem: GLMProblem, mu: FloatArray) -> list[Notice]:
    """R's 'fitted probabilities numerically 0 or 1' and 'fitted rates numerically 0' warnings, worded by
    the family (:meth:`~glmgen.model.Family.boundary_warning`), over rows with positive weight."""
    return boundary_notices(problem.family, int(np.count_nonzero((problem.weights > 0) & problem.family.at_boundary(mu))))


def boundary_notices(family: Family, count: int) -> list[Notice]:
    """The :class:`SeparationWarning` for ``count`` fitted means on the boundary of their range (none for 0)."""
    return [Notice(SeparationWarning, family.boundary_warning(count))] if count else []
