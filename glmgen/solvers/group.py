"""The group elastic net for GLMs: penalized IRLS with block coordinate descent over groups of columns.

Minimises

    deviance(b0, b) / (2 W) + alpha * sum_g f_g (l1_ratio ||b_g|| + (1 - l1_ratio)/2 ||b_g||^2)

(:class:`~glmgen.model.GroupPenalty`; its scales ``s_j`` are applied by solving on the columns ``x_j / s_j``).
As the elastic net (:mod:`.penalized`), each IRLS step forms the weighted least-squares problem
``b'Hb/2 - q'b`` on the centred columns of a working set of groups (the Gram form; for the gaussian identity
case cached along a path) and solves it by block coordinate descent. Group ``g``'s subproblem, the others fixed,

    min_b b' H_gg b / 2 - c'b + lam ||b|| + ridge ||b||^2 / 2,   lam = alpha l1_ratio f_g, ridge = alpha (1 - l1_ratio) f_g,

is solved exactly: ``b = 0`` when ``||c|| <= lam``; else, with ``H_gg = V diag(d) V'`` (one eigendecomposition per
group and IRLS step) and ``ct = V'c``, ``b = V (ct_i t / ((d_i + ridge) t + lam))_i`` where ``t = ||b||`` is the
root of ``sum_i ct_i^2 / ((d_i + ridge) t + lam)^2 = 1`` (safeguarded Newton on ``1/sqrt(.) - 1``, which is linear
in ``t`` for one column). The support is finished by Newton steps on the smooth objective there (descent is slow
on correlated groups). A step stops at the scaled KKT residual of :mod:`.optimality` with the group
minimum-norm subgradient

    r_g = grad_g + ridge b_g + lam b_g / ||b_g||       (b_g != 0),
    r_g = grad_g max(1 - lam / ||grad_g||, 0)           (b_g == 0),

so ``tol`` means what it means for the elastic net. Paths: ``alpha_max = max_g ||grad_g(null)|| / (f_g l1_ratio)``,
the sequential strong rule keeps group ``g`` when ``||grad_g|| >= f_g l1_ratio (2 alpha_k - alpha_{k-1})``, and
groups outside the working set are checked (``||grad_g|| <= lam_g``) before a solution is accepted.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import numpy.typing as npt
import scipy.linalg

from .._progress import HIDDEN, Bar
from ..errors import ConvergenceWarning
from ..matrices import ModelMatrix
from ..model import GroupPenalty, Penalty
from .optimality import POLISH_COLUMNS, kkt_residual
from .path import (
    PathFit,
    _null_output,
    null_state,
    path_grid,
    refuse_degenerate_response,
    should_stop,
    unscaled_path,
)
from .penalized import (
    DENSE_HESSIAN_COLUMNS,
    DIAGONAL_SAFETY,
    GRAM_TOL_FACTOR,
    KKT_SLACK,
    CDControl,
    GramCache,
    InnerStep,
    PenalizedState,
    _state_from,
    inner_tolerance,
    smooth_gradient,
    smooth_gradients,
    working_at,
)
from .problem import GLMProblem, Notice, SolverOutput, no_finite_fit, unscaled_output
from .wls import WeightedLeastSquares

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: eigenvalues (plus ridge) below this share of the largest are a group's null space, where it does not move
NULL_EIGENVALUE = 1e-12
#: Newton steps of the norm root find, and of the support polish
MAX_NEWTON = 60


def fit_group_path(
    problem: GLMProblem,
    penalty: GroupPenalty,
    *,
    alphas: FloatArray | None = None,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    control: CDControl = CDControl(),
    early_stop: bool | None = None,
    bar: Bar = HIDDEN,
) -> tuple[PathFit, list[Notice]]:
    """The group elastic net at each alpha of a decreasing grid, warm-started; the contract of
    :func:`~glmgen.solvers.fit_path` (``penalty.alpha`` is ignored; the same grid, early stop and null-fit rules,
    with ``alpha_max`` from the groups' gradient norms).

    Raises
    ------
    DataError
        When the response makes the intercept diverge (no path exists), or no group is penalized.
    """
    refuse_degenerate_response(problem)
    inner, unit, factors = _on_unit_scales(problem, penalty)
    path, notices = _fit_group_path(inner, unit, alphas, n_alphas, alpha_min_ratio, control, early_stop, bar)
    return unscaled_path(path, factors, problem.fit_intercept), notices


def fit_group_penalized(problem: GLMProblem, penalty: GroupPenalty, start: PenalizedState,
                        control: CDControl = CDControl()) -> SolverOutput:
    """The group elastic net at ``penalty.alpha``, warm-started from ``start`` (its non-zero groups start the
    working set; groups violating the KKT conditions join it)."""
    inner, unit, factors = _on_unit_scales(problem, penalty)
    if factors is not None:
        start = PenalizedState(start.coef / factors, start.intercept, start.eta, start.mu)
    scale = _objective(inner, unit.at(0.0), start)
    no_groups = np.zeros(len(unit.groups), dtype=bool)
    output, _, _ = _solve(inner, unit, start, no_groups, control, _cache_for(inner, control), scale)
    return output if factors is None else unscaled_output(output, factors, problem.fit_intercept)


def group_kkt(problem: GLMProblem, penalty: GroupPenalty, coef: FloatArray, intercept: float) -> float:
    """The scaled KKT residual (:func:`~glmgen.solvers.kkt_residual`, full Newton decrement) of ``(intercept,
    coef)`` for the group elastic net: about the relative objective gap to the optimum."""
    inner, unit, factors = _on_unit_scales(problem, penalty)
    beta = coef if factors is None else coef / factors
    columns = np.concatenate([np.zeros(0, dtype=np.int64), *unit.groups]).astype(np.int64)
    local = _local_groups(unit.groups, np.arange(len(unit.groups)))
    state = _state_from(inner, beta, intercept if inner.fit_intercept else 0.0, columns)
    gradient, gradient_0 = smooth_gradients(inner, state, columns)
    v, z = working_at(inner, state)
    gram, _, _, _, total = WeightedLeastSquares(inner.X, inner.fit_intercept, columns=columns).gram(
        z, v / inner.weights.sum())
    ridge = _ridge(unit)
    residual = group_subgradient(gradient, beta[columns], local, _lam(unit), ridge)
    curvature = np.diag(gram) + _per_column(ridge, local, columns.size)
    value = _objective(inner, unit, state)
    return kkt_residual(residual, curvature, value, value, (gradient_0, total if inner.fit_intercept else 0.0),
                        gram, beta[columns])


def group_subgradient(gradient: FloatArray, coef: FloatArray, groups: list[IntArray], lam: FloatArray,
                      ridge: FloatArray) -> FloatArray:
    """The minimum-norm subgradient of the group elastic net per coordinate (module notes), over the columns
    ``groups`` index into ``gradient`` and ``coef``."""
    out = np.zeros_like(gradient)
    for g, weight, l2 in zip(groups, lam, ridge):
        b, grad = coef[g], gradient[g]
        size = math.sqrt(float(b @ b))
        if size > 0.0:
            out[g] = grad + l2 * b + weight * b / size
        else:
            length = math.sqrt(float(grad @ grad))
            out[g] = grad * max(1.0 - weight / length, 0.0) if length > 0.0 else 0.0
    return out


def group_minimizer(eigenvalues: FloatArray, eigenvectors: FloatArray, c: FloatArray, lam: float,
                    ridge: float) -> FloatArray:
    """``argmin_b b'Hb/2 - c'b + lam ||b|| + ridge ||b||^2/2`` for ``H = V diag(d) V'`` (module notes); directions
    of ``H`` with ``d + ridge`` below ``NULL_EIGENVALUE`` of the largest stay at zero."""
    a = eigenvalues + ridge
    usable = a > NULL_EIGENVALUE * max(float(a.max(initial=0.0)), np.finfo(float).tiny)
    ct = np.where(usable, eigenvectors.T @ c, 0.0)
    c2 = np.square(ct)
    if lam > 0.0 and float(c2.sum()) <= lam * lam:
        return np.zeros_like(c)
    safe = np.where(usable, a, 1.0)
    if lam == 0.0:
        return eigenvectors @ (ct / safe)
    t = _norm_root(safe[usable], c2[usable], lam)
    return eigenvectors @ (ct * t / (safe * t + lam))


def _norm_root(a: FloatArray, c2: FloatArray, lam: float) -> float:
    """The root ``t > 0`` of ``h(t) = sum c2_i / (a_i t + lam)^2 = 1`` (``a > 0``, ``sum c2 > lam^2``), bracketed by
    ``(||c|| - lam) / max a`` and ``(||c|| - lam) / min a``: Newton on ``1/sqrt(h) - 1``, bisecting when it leaves
    the bracket."""
    excess = math.sqrt(float(c2.sum())) - lam
    low, high = excess / float(a.max()), excess / float(a.min())
    t = low
    for _ in range(MAX_NEWTON):
        if high - low <= 1e-15 * high:
            break
        denominator = a * t + lam
        h = float(np.sum(c2 / np.square(denominator)))
        phi = 1.0 / math.sqrt(h) - 1.0
        if phi == 0.0:
            break
        if phi > 0.0:
            high = t
        else:
            low = t
        slope = h**-1.5 * float(np.sum(c2 * a / denominator**3))
        following = t - phi / slope
        if not low < following < high:
            following = 0.5 * (low + high)
        if abs(following - t) <= 1e-15 * t:
            t = following
            break
        t = following
    return t


def block_descent(gram: FloatArray, q: FloatArray, groups: list[IntArray], lam: FloatArray, ridge: FloatArray,
                  beta: FloatArray, tol: float, max_sweeps: int) -> int:
    """Minimise ``b'Gb/2 - q'b + sum_g lam_g ||b_g|| + ridge_g ||b_g||^2/2`` by exact block coordinate descent from
    ``beta`` (updated in place) until no group's move lowers the objective by more than ``tol / 2``; returns the
    sweeps taken."""
    blocks = [gram[np.ix_(g, g)] for g in groups]
    spectra = [np.linalg.eigh(block) for block in blocks]
    residual = q - gram @ beta
    for sweep in range(1, max_sweeps + 1):
        largest = 0.0
        for g, block, (d, V), weight, l2 in zip(groups, blocks, spectra, lam, ridge):
            old = beta[g]
            c = residual[g] + block @ old
            new = group_minimizer(d, V, c, float(weight), float(l2))
            delta = new - old
            if not delta.any():
                continue
            largest = max(largest, _block_value(block, c, weight, l2, old) - _block_value(block, c, weight, l2, new))
            beta[g] = new
            residual -= gram[:, g] @ delta
        if largest <= 0.5 * tol:
            return sweep
    return max_sweeps


def _block_value(block: FloatArray, c: FloatArray, lam: float, ridge: float, b: FloatArray) -> float:
    squared = float(b @ b)
    return 0.5 * float(b @ block @ b) - float(c @ b) + lam * math.sqrt(squared) + 0.5 * ridge * squared


def newton_polish(gram: FloatArray, q: FloatArray, groups: list[IntArray], lam: FloatArray, ridge: FloatArray,
                  beta: FloatArray) -> bool:
    """Newton's method on the support (groups non-zero, or unpenalized) of the problem of :func:`block_descent`,
    where the objective is smooth: Hessian ``G_SS + blockdiag(ridge_g I + lam_g (I - b_g b_g'/||b_g||^2)/||b_g||)``.
    A step is kept while it lowers the objective and no group reaches zero; ``beta`` updated in place, ``True``
    if it moved. Skipped beyond ``POLISH_COLUMNS`` columns."""
    support = [k for k, g in enumerate(groups) if lam[k] == 0.0 or beta[g].any()]
    if not support:
        return False
    index = np.concatenate([groups[k] for k in support])
    if index.size > POLISH_COLUMNS:
        return False
    moved = False
    value = _quadratic_value(gram, q, groups, lam, ridge, beta)
    for _ in range(MAX_NEWTON):
        gradient = (gram @ beta - q)[index]
        hessian = gram[np.ix_(index, index)]
        start = 0
        for k in support:
            size, b = groups[k].size, beta[groups[k]]
            norm = math.sqrt(float(b @ b))
            block = slice(start, start + size)
            gradient[block] += ridge[k] * b + (lam[k] * b / norm if norm > 0.0 else 0.0)
            hessian[block, block] += ridge[k] * np.eye(size)
            if norm > 0.0 and lam[k] > 0.0:
                hessian[block, block] += lam[k] / norm * (np.eye(size) - np.outer(b, b) / (norm * norm))
            start += size
        try:
            step = scipy.linalg.solve(hessian, gradient, assume_a="pos", check_finite=False)
        except (scipy.linalg.LinAlgError, ValueError):
            return moved
        candidate = beta.copy()
        candidate[index] -= step
        lost = any(lam[k] > 0.0 and not candidate[groups[k]].any() for k in support)
        following = _quadratic_value(gram, q, groups, lam, ridge, candidate)
        if lost or not np.all(np.isfinite(step)) or not following < value:
            return moved
        beta[index], value, moved = candidate[index], following, True
        if 0.5 * float(gradient @ step) <= 1e-15 * max(abs(value), np.finfo(float).tiny):
            return moved
    return moved


def _quadratic_value(gram: FloatArray, q: FloatArray, groups: list[IntArray], lam: FloatArray, ridge: FloatArray,
                     beta: FloatArray) -> float:
    norms = np.array([math.sqrt(float(beta[g] @ beta[g])) for g in groups])
    return (0.5 * float(beta @ gram @ beta) - float(q @ beta) + float(lam @ norms)
            + 0.5 * float(ridge @ np.square(norms)))


def _on_unit_scales(problem: GLMProblem, penalty: GroupPenalty) -> tuple[GLMProblem, GroupPenalty, FloatArray | None]:
    """The problem on columns ``x_j / s_j`` (coefficients ``s_j b_j``) with scales 1, and the factors ``1 / s_j``
    that map its coefficients back (``None``: no scales). Penalized columns of scale 0 (constant under
    standardization) leave their groups and stay at zero."""
    if penalty.scales is None:
        return problem, penalty, None
    scales = penalty.scales
    free = np.zeros(scales.size, dtype=bool)
    for g, factor in zip(penalty.groups, penalty.factors):
        free[g] = factor == 0.0
    kept = (scales > 0.0) | free
    factors = np.where(scales > 0.0, 1.0 / np.where(scales > 0.0, scales, 1.0), 1.0)
    X = problem.X.scaled(factors) if isinstance(problem.X, ModelMatrix) else np.asfortranarray(problem.X * factors)
    groups = tuple(np.asarray(g[kept[g]], dtype=np.int64) for g in penalty.groups)
    unit = GroupPenalty(penalty.alpha, penalty.l1_ratio, groups, penalty.factors)
    return dataclasses.replace(problem, X=X), unit, factors


def _lam(penalty: GroupPenalty) -> FloatArray:
    return penalty.alpha * penalty.l1_ratio * penalty.factors


def _ridge(penalty: GroupPenalty) -> FloatArray:
    return penalty.alpha * (1.0 - penalty.l1_ratio) * penalty.factors


def _group_norms(values: FloatArray, groups: tuple[IntArray, ...]) -> FloatArray:
    return np.array([math.sqrt(float(values[g] @ values[g])) for g in groups])


def _local_groups(groups: tuple[IntArray, ...], chosen: IntArray) -> list[IntArray]:
    """The positions of the ``chosen`` groups' columns within their concatenation, group by group."""
    sizes = [groups[k].size for k in chosen]
    ends = np.cumsum(sizes, dtype=np.int64)
    return [np.arange(end - size, end, dtype=np.int64) for size, end in zip(sizes, ends)]


def _per_column(values: FloatArray, local: list[IntArray], size: int) -> FloatArray:
    out = np.zeros(size)
    for g, value in zip(local, values):
        out[g] = value
    return out


def _objective(problem: GLMProblem, penalty: GroupPenalty, state: PenalizedState) -> float:
    """``deviance / (2 W) + penalty`` (the deviance cached on ``state``; infinite outside the valid ranges)."""
    if state.deviance is None:
        state.deviance = problem.checked_deviance(state.eta, state.mu)
    return float(state.deviance / (2.0 * problem.weights.sum())) + penalty.value(state.coef)


def _cache_for(problem: GLMProblem, control: CDControl) -> GramCache | None:
    return GramCache.build(problem) if problem.least_squares and control.mode in ("auto", "gram") else None


def _column_penalty(problem: GLMProblem, penalty: GroupPenalty) -> Penalty:
    """A column-wise :class:`Penalty` whose unpenalized columns are those of unpenalized groups (for the null fit)."""
    factors = np.ones(problem.X.shape[1])
    for g, factor in zip(penalty.groups, penalty.factors):
        factors[g] = factor
    return Penalty(0.0, penalty.l1_ratio, factors, np.ones_like(factors))


def _fit_group_path(problem: GLMProblem, penalty: GroupPenalty, alphas: FloatArray | None, n_alphas: int,
                    alpha_min_ratio: float | None, control: CDControl,
                    early_stop: bool | None, bar: Bar) -> tuple[PathFit, list[Notice]]:
    start = null_state(problem, _column_penalty(problem, penalty))
    norms = _group_norms(smooth_gradient(problem, start), penalty.groups)
    by_group = Penalty(0.0, penalty.l1_ratio, penalty.factors, np.ones_like(penalty.factors))
    grid, early_stop, alpha_max, null_optimal = path_grid(by_group, norms, alphas, n_alphas, alpha_min_ratio,
                                                          problem.X.shape, early_stop)
    null_deviance = problem.deviance(start.mu)
    scale = _objective(problem, penalty.at(0.0), start)
    cache = _cache_for(problem, control)
    l1_weight = penalty.l1_ratio * penalty.factors
    outputs: list[SolverOutput] = []
    notices: list[Notice] = []
    state, previous_alpha = start, max(alpha_max, grid[0])
    working = np.zeros(len(penalty.groups), dtype=bool)
    computed_start = alpha_max if alphas is None else math.inf
    for alpha in grid:
        if alpha >= null_optimal or alpha >= computed_start:
            output = _null_output(problem, start)
        else:
            strong = working | (norms >= l1_weight * (2.0 * alpha - previous_alpha))
            output, working, gradient = _solve(problem, penalty.at(alpha), state, strong, control, cache, scale)
            norms = _group_norms(gradient, penalty.groups)
        outputs.append(output)
        notices.extend(output.notices)
        state = PenalizedState(output.coef, output.intercept, output.eta, output.mu, deviance=output.deviance)
        previous_alpha = alpha
        bar.update(1)
        if early_stop and should_stop([o.deviance for o in outputs], null_deviance):
            break
    return PathFit(grid[: len(outputs)], outputs, alpha_max, null_deviance), notices


def _solve(problem: GLMProblem, penalty: GroupPenalty, start: PenalizedState, strong: BoolArray,
           control: CDControl, cache: GramCache | None, scale: float) -> tuple[SolverOutput, BoolArray, FloatArray]:
    """One alpha: penalized IRLS over a working set of groups (``strong``, those non-zero at ``start`` and the
    unpenalized), grown by the groups violating ``||grad_g|| <= lam_g`` until none does. Returns the output,
    the working set and the smooth gradient at the solution."""
    groups = penalty.groups
    working = strong | (penalty.factors == 0) | np.array([bool(start.coef[g].any()) for g in groups], dtype=bool)
    lam = _lam(penalty)
    history: dict[str, list[float]] = {"deviance": [], "step": [], "active": [], "kkt": [], "seconds": []}
    state, n_iter = start, 0
    while True:
        chosen = np.flatnonzero(working).astype(np.int64)
        state, iterations, converged = _irls_groups(problem, penalty, state, chosen, control, cache, scale, history)
        n_iter += iterations
        active = np.concatenate([np.zeros(0, dtype=np.int64), *(groups[k] for k in chosen)]).astype(np.int64)
        gradient = cache.gradient(state.coef, active) if cache is not None else smooth_gradient(problem, state)
        norms = _group_norms(gradient, groups)
        violating = ~working & (norms > lam * (1 + KKT_SLACK) + KKT_SLACK * scale)
        if not violating.any():
            break
        working |= violating
    notices = () if converged else (Notice(
        ConvergenceWarning,
        f"the group lasso's penalized IRLS did not reach tol={control.tol:.3g} (the scaled KKT residual is "
        f"{history['kkt'][-1] if history['kkt'] else math.nan:.3g}) within {control.max_iter} iterations at "
        f"alpha={penalty.alpha:.4g}; try a larger max_iter or tol, or a larger alpha.",
    ),)
    output = SolverOutput(
        coef=state.coef, intercept=state.intercept if problem.fit_intercept else 0.0, eta=state.eta, mu=state.mu,
        deviance=history["deviance"][-1] if history["deviance"] else problem.deviance(state.mu),
        converged=converged, n_iter=n_iter, aliased=np.zeros(problem.X.shape[1], dtype=bool), history=history,
        notices=notices,
    )
    return output, working, gradient


def _irls_groups(problem: GLMProblem, penalty: GroupPenalty, state: PenalizedState, chosen: IntArray,
                 control: CDControl, cache: GramCache | None, scale: float,
                 history: dict[str, list[float]]) -> tuple[PenalizedState, int, bool]:
    """Penalized IRLS with the groups outside ``chosen`` at zero, until the scaled KKT residual over them is at
    most ``control.tol`` (step halving as :mod:`.penalized`). Returns the state, the iterations, and whether
    ``tol`` was reached."""
    active = np.concatenate([np.zeros(0, dtype=np.int64), *(penalty.groups[k] for k in chosen)]).astype(np.int64)
    local = _local_groups(penalty.groups, chosen)
    lam, ridge = _lam(penalty)[chosen], _ridge(penalty)[chosen]
    current, kkt = _objective(problem, penalty, state), math.inf
    for iteration in range(1, control.max_iter + 1):
        started = time.perf_counter()
        tol = inner_tolerance(current, scale, control.tol, kkt, active.size)
        step = _group_step(problem, state, active, local, lam, ridge, tol, control, cache)
        eta = _state_from(problem, step.coef, step.intercept, active).eta
        candidate = PenalizedState(step.coef, step.intercept, eta, problem.link.inverse(eta))
        value, shrink = _objective(problem, penalty, candidate), 1.0
        while not value <= current * (1 + 1e-13) + 1e-300 and shrink > 2.0**-30:
            shrink *= 0.5
            partial = state.eta + shrink * (eta - state.eta)
            candidate = PenalizedState(state.coef + shrink * (step.coef - state.coef),
                                       state.intercept + shrink * (step.intercept - state.intercept),
                                       partial, problem.link.inverse(partial))
            value = _objective(problem, penalty, candidate)
        if not math.isfinite(value):
            raise no_finite_fit(problem, "the group lasso's penalized IRLS")
        state, current = candidate, value
        kkt = _step_kkt(problem, state, active, local, lam, ridge, step, cache, value, scale)
        history["deviance"].append(float(state.deviance if state.deviance is not None else math.nan))
        history["step"].append(shrink)
        history["active"].append(float(np.count_nonzero(state.coef)))
        history["kkt"].append(kkt)
        history["seconds"].append(time.perf_counter() - started)
        if kkt <= control.tol and step.sweeps < control.max_sweeps:
            return state, iteration, True
    return state, control.max_iter, False


def _group_step(problem: GLMProblem, state: PenalizedState, active: IntArray, local: list[IntArray],
                lam: FloatArray, ridge: FloatArray, tol: float, control: CDControl,
                cache: GramCache | None) -> InnerStep:
    """One IRLS step: the Gram form of the quadratic approximation over ``active``, solved by
    :func:`block_descent` to ``tol * GRAM_TOL_FACTOR`` and :func:`newton_polish`."""
    if cache is not None:
        gram, q, x_mean, z_mean, h_0 = cache.columns(active), cache.q[active], cache.x_mean[active], cache.z_mean, 0.0
    else:
        v, z = working_at(problem, state)
        gram, q, x_mean, z_mean, total = WeightedLeastSquares(problem.X, problem.fit_intercept, columns=active).gram(
            z, v / problem.weights.sum())
        h_0 = total if problem.fit_intercept else 0.0
    beta = state.coef[active]
    sweeps = block_descent(gram, q, local, lam, ridge, beta, tol * GRAM_TOL_FACTOR, control.max_sweeps)
    if newton_polish(gram, q, local, lam, ridge, beta):
        sweeps += block_descent(gram, q, local, lam, ridge, beta, tol * GRAM_TOL_FACTOR, control.max_sweeps)
    coef = state.coef.copy()
    coef[active] = beta
    return InnerStep(coef, z_mean - float(x_mean @ beta), sweeps, np.diag(gram).copy(), h_0,
                     gram if active.size <= DENSE_HESSIAN_COLUMNS else None)


def _step_kkt(problem: GLMProblem, state: PenalizedState, active: IntArray, local: list[IntArray],
              lam: FloatArray, ridge: FloatArray, step: InnerStep, cache: GramCache | None, value: float,
              scale: float) -> float:
    """The scaled KKT residual at ``state`` over the working groups and the intercept, with the step's Hessian."""
    if cache is not None:
        gradient, gradient_0 = cache.gradient(state.coef, active)[active], 0.0
    else:
        gradient, gradient_0 = smooth_gradients(problem, state, active)
    coef = state.coef[active]
    residual = group_subgradient(gradient, coef, local, lam, ridge)
    curvature = step.curvature + _per_column(ridge, local, active.size)
    kkt = kkt_residual(residual, curvature, value, scale, (gradient_0, step.intercept_curvature), step.hessian, coef)
    return kkt if step.hessian is not None else DIAGONAL_SAFETY * kkt
