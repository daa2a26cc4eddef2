"""Penalized fits and regularization paths over partitions: the in-memory path's logic on reduced Gram matrices.

Per alpha, penalized IRLS (:func:`glmgen.solvers.fit_penalized`'s Gram mode): each step solves the penalized
quadratic approximation by coordinate descent on the working Gram matrix of the working set, reduced over
partitions (``X'VX`` of a few thousand columns at most), evaluates the step in one pass (deviance for the
objective and step-halving, the gradient for the KKT check, the next step's Gram matrix), and stops when the
scaled KKT residual is below ``tol``. Alphas are warm-started; the working set starts from the sequential
strong rule and grows with the columns violating the KKT conditions, checked on the exact gradient. The null
fit, ``alpha_max``, the grid, early stopping and the standardization (weighted 1/n standard deviations, from
the moments of the prior weights) are the in-memory ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..errors import ConvergenceWarning, DataError, SolverError
from ..model import Family, Link, Penalty
from ..solvers import (
    DENSE_HESSIAN_COLUMNS,
    DIAGONAL_SAFETY,
    KKT_SLACK,
    CDControl,
    IRLSControl,
    Notice,
    gram_descent,
    inner_tolerance,
    kkt_residual,
    min_norm_subgradient,
    path_grid,
    should_stop,
)
from .irls import irls_steps, normal_equations
from .probes import Outcome, Probe
from .rows import ALL_ROWS, RowSet

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class PathPoint:
    """The solution at one alpha: coefficients, intercept, the outcome of its last pass (deviance, gradient,
    working moments, totals), iterations and convergence."""

    coef: FloatArray
    intercept: float
    outcome: Outcome
    n_iter: int = 0
    converged: bool = True
    notices: tuple[Notice, ...] = ()
    history: dict[str, list[float]] = field(default_factory=dict)

    @property
    def deviance(self) -> float:
        return self.outcome.deviance


@dataclass
class DaskPath:
    """A path over partitions: alphas fitted, one :class:`PathPoint` each, and what the record needs."""

    alphas: FloatArray
    points: list[PathPoint]
    alpha_max: float
    null_deviance: float
    penalty: Penalty
    weight: float


def column_scales(prior: Outcome, fit_intercept: bool, standardize: bool, p: int) -> FloatArray:
    """glmnet's weighted 1/n standard deviations from the moments of the prior weights (as
    :func:`glmgen.fit.column_scales`): a column constant on the rows of positive weight gets exactly 0."""
    if not standardize:
        return np.ones(p)
    moments = prior.prior
    assert moments is not None and prior.low is not None and prior.high is not None
    spread = np.diag(moments.cross)[:p]
    if not fit_intercept:
        spread = spread + moments.total * np.square(moments.mean[:p])
    scales = np.sqrt(np.maximum(spread / moments.total, 0.0))
    if fit_intercept:
        scales[prior.low == prior.high] = 0.0
    return scales


def path_steps(p: int, fit_intercept: bool, canonical: bool, family: Family, link: Link, *, factors: FloatArray,
               l1_ratio: float, standardize: bool, alphas: FloatArray | None, n_alphas: int,
               alpha_min_ratio: float | None, control: CDControl, has_offset: bool, response: str,
               rows: RowSet = ALL_ROWS, scales: FloatArray | None = None) -> Generator[Probe, Outcome, DaskPath]:
    """The path of one model on ``rows`` (``scales``: given, or learned from these rows in a first pass)."""
    first = yield Probe(None, 0.0, rows, scales=True)
    if scales is None:
        scales = column_scales(first, fit_intercept, standardize, p)
    _check_degenerate(family, first, response)
    penalty = Penalty(0.0, l1_ratio, factors, scales)
    weight = first.weight
    start = yield from _null_point(p, fit_intercept, canonical, link, factors, has_offset, first, rows)
    gradient = -start.outcome.gradient / weight
    shape = (int(first.rows), p)
    grid, early_stop, alpha_max, null_optimal = path_grid(penalty, gradient, alphas, n_alphas, alpha_min_ratio,
                                                          shape, None)
    null_deviance = start.deviance
    scale = null_deviance / (2.0 * weight)
    l1_weight = l1_ratio * factors * scales
    points: list[PathPoint] = []
    state, previous_alpha = start, max(alpha_max, grid[0])
    working = np.zeros(p, dtype=bool)
    computed_start = alpha_max if alphas is None else math.inf
    for alpha in grid:
        if alpha >= null_optimal or alpha >= computed_start:
            point = PathPoint(start.coef.copy(), start.intercept, start.outcome)
        else:
            strong = working | (np.abs(gradient) >= l1_weight * (2.0 * alpha - previous_alpha))
            point, working, gradient = yield from penalized_steps(
                state, penalty.at(alpha), strong, control, scale, weight, fit_intercept, rows)
        points.append(point)
        state, previous_alpha = point, alpha
        if early_stop and should_stop([q.deviance for q in points], null_deviance):
            break
    return DaskPath(grid[: len(points)], points, alpha_max, null_deviance, penalty, weight)


def _check_degenerate(family: Family, first: Outcome, response: str) -> None:
    """The in-memory refusal of a response that leaves no path, from the range of ``y`` over partitions."""
    if first.nobs > 0 and first.low_y == first.high_y:
        count = int(first.positive_rows)
        message = family.degenerate_response(np.broadcast_to(first.low_y, (count,)), np.ones(count), response)
        if message:
            raise DataError(message)


def _null_point(p: int, fit_intercept: bool, canonical: bool, link: Link, factors: FloatArray, has_offset: bool,
                first: Outcome, rows: RowSet) -> Generator[Probe, Outcome, PathPoint]:
    """:func:`glmgen.solvers.null_state` over partitions: the unpenalized columns and intercept fitted, the
    others zero; closed-form (the weighted mean response) with nothing but an intercept and no offset."""
    free = np.flatnonzero(factors == 0).astype(np.int64)
    coef = np.zeros(p)
    if fit_intercept and not has_offset and free.size == 0:
        intercept = float(link.link(np.array([first.weighted_y / first.weight]))[0])
    else:
        fit = yield from irls_steps(p, fit_intercept, canonical, IRLSControl(tol=1e-13, max_iter=100), rows=rows,
                                    columns=free, covariance=False, totals=False)
        coef, intercept = np.nan_to_num(fit.coef), fit.intercept
    outcome = yield _probe(coef, intercept, rows)
    return PathPoint(coef, intercept, outcome)


def _probe(coef: FloatArray, intercept: float, rows: RowSet) -> Probe:
    return Probe(coef, intercept, rows, moments=True, gradient=True, totals=True)


def penalized_steps(start: PathPoint, penalty: Penalty, strong: npt.NDArray[np.bool_], control: CDControl,
                    null_objective: float, weight: float, fit_intercept: bool,
                    rows: RowSet) -> Generator[Probe, Outcome, tuple[PathPoint, npt.NDArray[np.bool_], FloatArray]]:
    """The penalized fit at ``penalty.alpha`` warm-started from ``start`` (:func:`glmgen.solvers.fit_penalized`):
    the solution, the final working set and the smooth gradient there (for the next alpha's strong rule)."""
    usable = ~((penalty.scales == 0) & (penalty.factors > 0))
    working = (strong | (start.coef != 0) | (penalty.factors == 0)) & usable
    history: dict[str, list[float]] = {"deviance": [], "step": [], "active": [], "kkt": [], "seconds": []}
    state, n_iter = start, 0
    l1 = penalty.l1
    while True:
        active = np.flatnonzero(working).astype(np.int64)
        state, iterations, converged = yield from _irls_on(state, penalty, active, control, null_objective, weight,
                                                           fit_intercept, rows, history)
        n_iter += iterations
        assert state.outcome.gradient is not None
        gradient = -state.outcome.gradient / weight
        violating = ~working & usable & (np.abs(gradient) > l1 * (1 + KKT_SLACK) + KKT_SLACK * null_objective)
        if not violating.any():
            break
        working |= violating
    notices = () if converged else (Notice(
        ConvergenceWarning,
        f"penalized IRLS did not reach tol={control.tol:.3g} (the scaled KKT residual is "
        f"{history['kkt'][-1]:.3g}) within {control.max_iter} iterations at alpha={penalty.alpha:.4g}; "
        "try a larger max_iter or tol, or a larger alpha.",
    ),)
    point = PathPoint(state.coef, state.intercept if fit_intercept else 0.0, state.outcome, n_iter, converged,
                      notices, history)
    return point, working, gradient


def _irls_on(state: PathPoint, penalty: Penalty, active: IntArray, control: CDControl, null_objective: float,
             weight: float, fit_intercept: bool, rows: RowSet,
             history: dict[str, list[float]]) -> Generator[Probe, Outcome, tuple[PathPoint, int, bool]]:
    """Penalized IRLS over ``active`` (others held at zero) until the scaled KKT residual is at most ``tol``."""
    current = _objective(state, penalty, weight)
    kkt = math.inf
    l1, l2 = penalty.l1[active], penalty.l2[active]
    for iteration in range(1, control.max_iter + 1):
        started = time.perf_counter()
        tol = inner_tolerance(current, null_objective, control.tol, kkt, active.size)
        assert state.outcome.moments is not None
        gram, q, x_mean, z_mean, total = normal_equations(state.outcome.moments, active, fit_intercept)
        gram, q, total = gram / weight, q / weight, total / weight
        beta = state.coef[active].copy()
        sweeps = gram_descent(gram, q, l1, l2, beta, tol, control.max_sweeps, math.isfinite(kkt))
        step_coef = state.coef.copy()
        step_coef[active] = beta
        step_intercept = z_mean - float(x_mean @ beta) if fit_intercept else 0.0
        coef, intercept = step_coef, step_intercept
        candidate = PathPoint(coef, intercept, (yield _probe(coef, intercept, rows)))
        value = _objective(candidate, penalty, weight)
        shrink = 1.0
        while not value <= current * (1 + 1e-13) + 1e-300 and shrink > 2.0**-30:
            shrink *= 0.5
            coef = state.coef + shrink * (step_coef - state.coef)
            intercept = state.intercept + shrink * (step_intercept - state.intercept)
            candidate = PathPoint(coef, intercept, (yield _probe(coef, intercept, rows)))
            value = _objective(candidate, penalty, weight)
        if not math.isfinite(value):
            raise SolverError("penalized IRLS over the partitions found no coefficients with a finite objective: the "
                              "deviance overflowed or the mean left its valid range. Check the response and the "
                              "columns for extreme values, or try another link.")
        state, current = candidate, value
        assert state.outcome.gradient is not None
        gradient = -state.outcome.gradient[active] / weight
        gradient_0 = -state.outcome.gradient_0 / weight if fit_intercept else 0.0
        residual = min_norm_subgradient(gradient, state.coef[active], l1, l2)
        hessian = gram.copy() if active.size <= DENSE_HESSIAN_COLUMNS else None
        kkt = kkt_residual(residual, np.diag(gram) + l2, value, null_objective,
                           (gradient_0, total if fit_intercept else 0.0), hessian, state.coef[active])
        kkt = kkt if hessian is not None else DIAGONAL_SAFETY * kkt
        history["deviance"].append(state.deviance)
        history["step"].append(shrink)
        history["active"].append(float(np.count_nonzero(state.coef)))
        history["kkt"].append(kkt)
        history["seconds"].append(time.perf_counter() - started)
        if kkt <= control.tol and sweeps < control.max_sweeps:
            return state, iteration, True
    return state, control.max_iter, False


def _objective(point: PathPoint, penalty: Penalty, weight: float) -> float:
    """``deviance / (2 W) + penalty``."""
    return point.deviance / (2.0 * weight) + penalty.value(point.coef)
