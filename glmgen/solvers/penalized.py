"""Penalized IRLS: quadratic approximations of the deviance solved by coordinate descent.

Minimises ``deviance(b0, b) / (2 W) + penalty(b)`` with ``W = sum(weights)``
(weights normalised, as glmnet and scikit-learn do). Each IRLS step builds
the weighted least-squares problem of :mod:`glmgen.solvers.wls` restricted to a
working set of columns and hands it to a compiled kernel in
:mod:`glmgen.solvers._kernels`:

- **Gram (covariance) mode**: ``G = Xc' U Xc`` and ``q = Xc' U zc`` over the
  working set, solved by :func:`~glmgen.solvers._kernels.cd_gram`. For the gaussian
  family with identity link ``U`` never changes, so Gram columns are cached
  for a whole path (:class:`GramCache`). The kernel never sees a family: a
  distributed backend can feed it ``X'WX`` and ``X'Wz`` reduced over partitions.
- **Naive mode**: residual updates over the columns of ``X``,
  :func:`~glmgen.solvers._kernels.cd_naive`, cheaper when the working set is large
  relative to the number of coordinate sweeps. For a :class:`~glmgen.matrices.ModelMatrix`,
  :func:`~glmgen.solvers._block_kernels.cd_blocks` reads dense and sparse columns with the
  centring kept implicit.
- **Categorical Gram mode** (a design with one large factor and few other columns):
  the Gram matrix in its structured form, never formed
  (:mod:`glmgen.solvers.categorical_gram`).

The working set starts from the caller's strong set (sequential strong rule,
Tibshirani et al. 2012) and grows until the KKT conditions hold for every
column at the solution.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..errors import ConvergenceWarning
from ..matrices import (
    ColumnLayout,
    Matrix,
    ModelMatrix,
    column_moments,
    column_sums,
    cross_gram,
    dense_gram,
)
from ..model import Penalty
from . import _block_kernels, _kernels
from .categorical_gram import CategoricalGram, prefers_categorical_gram
from .optimality import (
    OBJECTIVE_FLOOR,
    kkt_residual,
    min_norm_subgradient,
    moving_coordinates,
    newton_polish,
)
from .problem import (
    GLMProblem,
    Notice,
    SolverOutput,
    equilibrated,
    no_finite_fit,
    unscaled_output,
)
from .wls import WeightedLeastSquares

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: relative slack on the KKT check, against round-off in the gradient
KKT_SLACK = 1e-9
#: Gram-mode sweeps cost O(|working set|^2), not O(n): solve those 1e4 times tighter
GRAM_TOL_FACTOR = 1e-4
#: the optimality check uses the full Hessian of at most this many active columns (a categorical Gram form is
#: densified for it), the diagonal of larger ones (a p x p solve per IRLS step would cost more than the step)
DENSE_HESSIAN_COLUMNS = 500
#: the diagonal estimate of the gap (no Hessian formed) is too small by up to the condition number of the moving
#: coordinates' Hessian: it must fall this far below ``tol`` (measured 24x on the 500 x 5000 benchmark path, where the
#: factor 3 brings the gap from 6.6e-8 to 4.3e-8 at the default tol)
DIAGONAL_SAFETY = 3.0
#: the share of ``tol`` an IRLS step's coordinate descent aims at (:func:`_inner_tolerance`)
INNER_FRACTION = 10.0
#: far from the optimum an IRLS step is solved to this fraction of the last KKT residual only ...
INEXACT_FRACTION = 1e-2
#: ... but never more loosely than this relative gap
INEXACT_CAP = 1e-4
#: up to this many columns the cached gaussian Gram matrix is formed whole, at first use
FULL_GRAM_COLUMNS = 2000


@dataclass(frozen=True)
class CDControl:
    """Settings of the penalized solver.

    ``tol`` bounds the scaled optimality (KKT) residual of the solution, :func:`kkt_residual`: an estimate of
    the relative gap to the optimal objective from the minimum-norm subgradient. ``max_iter`` bounds the IRLS
    steps per alpha, ``max_sweeps`` the coordinate-descent sweeps per step. ``mode``: ``"auto"``,
    ``"gram"`` or ``"naive"``.
    """

    tol: float = 1e-8
    max_iter: int = 100
    max_sweeps: int = 100_000
    mode: str = "auto"


@dataclass
class GramCache:
    """Columns of ``Xc' U Xc`` computed so far, for a fixed ``U`` (gaussian, identity link).

    ``Xc`` is ``X`` centred with the ``U``-weighted means (when fitting an
    intercept); ``q = Xc' U (z - zbar)`` for the fixed working response.
    ``Xc`` is never stored: the whole Gram matrix is accumulated over row
    blocks, and a few columns use ``Xc' U Xc_m = X' U Xc_m`` (the columns of
    ``U Xc_m`` sum to zero), so the cache holds no ``n x p`` copy of ``X``.
    """

    X: Matrix
    u: FloatArray
    q: FloatArray
    x_mean: FloatArray
    z_mean: float
    gram: FloatArray = field(init=False)
    have: BoolArray = field(init=False)

    def __post_init__(self) -> None:
        p = self.X.shape[1]
        self.gram = np.zeros((p, p))
        self.have = np.zeros(p, dtype=bool)

    @classmethod
    def build(cls, problem: GLMProblem) -> GramCache:
        u = problem.weights / problem.weights.sum()
        z = problem.y - problem.offset
        n, p = problem.X.shape
        wls = WeightedLeastSquares(problem.X, problem.fit_intercept)
        if p <= FULL_GRAM_COLUMNS and n >= p:
            # Along a path most columns enter anyway: one blocked syrk is far faster than many narrow products.
            gram, q, x_mean, z_mean, _ = wls.gram(z, u)
            cache = cls(X=problem.X, u=u, q=q, x_mean=x_mean, z_mean=z_mean)
            cache.gram, cache.have[:] = gram, True
            return cache
        x_mean = u @ problem.X if problem.fit_intercept else np.zeros(p)
        z_mean = float(u @ z) if problem.fit_intercept else 0.0
        return cls(X=problem.X, u=u, q=problem.X.T @ (u * (z - z_mean)), x_mean=x_mean, z_mean=z_mean)

    def columns(self, index: IntArray) -> FloatArray:
        """``G[index][:, index]``, computing any column not yet cached (all rows of it)."""
        missing = index[~self.have[index]]
        if missing.size:
            if isinstance(self.X, ModelMatrix):
                self.gram[:, missing] = cross_gram(self.X, self.X[:, missing], self.u, self.x_mean,
                                                   self.x_mean[missing])
            else:
                weighted = (self.X[:, missing] - self.x_mean[missing]) * self.u[:, None]
                self.gram[:, missing] = self.X.T @ weighted
            self.gram[missing, :] = self.gram[:, missing].T
            self.have[missing] = True
        return self.gram[np.ix_(index, index)]

    def gradient(self, coef: FloatArray, active: IntArray) -> FloatArray:
        """Gradient of ``1/2 sum u (zc - Xc b)^2`` for ``b`` zero outside ``active``."""
        self.columns(active)
        return -(self.q - self.gram[:, active] @ coef[active])


@dataclass
class PenalizedState:
    """A solution (or warm start): coefficients, intercept, linear predictor and mean; ``working`` caches the
    IRLS working weights and response at ``eta`` (:func:`working_at`), ``deviance`` the (checked) deviance."""

    coef: FloatArray
    intercept: float
    eta: FloatArray
    mu: FloatArray
    working: tuple[FloatArray, FloatArray] | None = field(default=None, repr=False)
    deviance: float | None = None


def working_at(problem: GLMProblem, state: PenalizedState) -> tuple[FloatArray, FloatArray]:
    """:meth:`GLMProblem.working` at ``state``, computed once per state (the optimality check and the next
    IRLS step both need it)."""
    if state.working is None:
        state.working = problem.working(state.eta, state.mu)
    return state.working


def smooth_gradients(problem: GLMProblem, state: PenalizedState,
                     columns: IntArray | None = None) -> tuple[FloatArray, float]:
    """Gradient of ``deviance / (2 W)`` with respect to each coefficient (of ``columns`` only, when given),
    and to the intercept, at ``state``.

    ``-sum_i s_i x_ij`` and ``-sum_i s_i`` with the scores ``s_i = (w_i / W) (y_i - mu_i) dmu/deta_i / V(mu_i)
    = v_i (z_i - eta_i + offset_i) / W`` from the working weights ``v`` and response ``z``.
    """
    v, z = working_at(problem, state)
    score = np.empty_like(v)
    total = _kernels.working_scores(v, z, state.eta, problem.offset, 1.0 / problem.weights.sum(), score)
    return -column_sums(problem.X, score, columns), -total if problem.fit_intercept else 0.0


def smooth_gradient(problem: GLMProblem, state: PenalizedState) -> FloatArray:
    """The coefficients' part of :func:`smooth_gradients`."""
    return smooth_gradients(problem, state)[0]


def objective(problem: GLMProblem, penalty: Penalty, state: PenalizedState) -> float:
    """``deviance / (2 W) + penalty``; infinite where ``eta`` or ``mu`` leaves its valid range."""
    return _objective_and_deviance(problem, penalty, state)[0]


def _objective_and_deviance(problem: GLMProblem, penalty: Penalty, state: PenalizedState) -> tuple[float, float]:
    """:func:`objective` and the deviance at ``state`` (both infinite outside the valid ranges); the deviance
    is computed once per state (along a path the next alpha starts from the last state)."""
    if state.deviance is None:
        state.deviance = problem.checked_deviance(state.eta, state.mu)
    return state.deviance / (2.0 * problem.weights.sum()) + penalty.value(state.coef), state.deviance


def _state_from(problem: GLMProblem, coef: FloatArray, intercept: float, active: IntArray) -> PenalizedState:
    """The state at ``coef`` (zero outside ``active``): ``eta`` from the active columns only."""
    layout = ColumnLayout.of(problem.X)
    eta = np.empty_like(problem.offset)
    _block_kernels.active_linear_predictor(layout.dense, layout.indptr, layout.indices, layout.data, layout.kind,
                                           layout.local, coef, active, problem.offset + intercept, eta)
    return PenalizedState(coef, intercept, eta, problem.link.inverse(eta))


@dataclass(frozen=True)
class InnerStep:
    """One solved quadratic approximation: the new coefficients and intercept, the sweeps it took, and the
    curvature of the approximation (``h_j`` without the penalty over the solved coordinates; ``h_0`` of the
    intercept) for :func:`~glmgen.solvers.optimality.kkt_residual`."""

    coef: FloatArray
    intercept: float
    sweeps: int
    curvature: FloatArray
    intercept_curvature: float
    hessian: FloatArray | None = None
    #: the linear predictor at the new coefficients, where the solver knows it without a pass over ``X``
    eta: FloatArray | None = None
    #: the normalised working weights and column centres of a naive-mode step on a dense ``X``, from which
    #: the Hessian of a few moving coordinates is formed for the optimality check (:func:`_naive_hessian`)
    centring: tuple[FloatArray, FloatArray] | None = None


def gram_descent(gram: FloatArray, q: FloatArray, l1: FloatArray, l2: FloatArray, beta: FloatArray, tol: float,
                 max_sweeps: int, polish: bool) -> int:
    """Minimise ``b' G b / 2 - q' b + sum l1 |b| + sum l2 b^2 / 2`` by coordinate descent from ``beta`` (updated in
    place) until no move changes it by more than ``tol * GRAM_TOL_FACTOR / 2``; with ``polish``, finish with
    :func:`~glmgen.solvers.optimality.newton_polish`. Returns the sweeps taken."""
    sweeps = _kernels.cd_gram(gram, q, l1, l2, beta, np.arange(beta.size, dtype=np.int64), tol * GRAM_TOL_FACTOR,
                              max_sweeps)
    if polish:
        newton_polish(gram, q, l1, l2, beta)
    return int(sweeps)


def _inner_solve(
    problem: GLMProblem,
    penalty: Penalty,
    state: PenalizedState,
    active: IntArray,
    tol: float,
    control: CDControl,
    mode: str,
    cache: GramCache | None,
    polish: bool,
) -> InnerStep:
    """One IRLS step: minimise the penalized quadratic approximation at ``state`` over ``active``; coordinate
    descent stops when no move changes the approximation by more than ``tol / 2``. With ``polish`` (the last
    step missed ``tol``) a Gram-form solve ends with :func:`~glmgen.solvers.optimality.newton_polish`."""
    coef = state.coef.copy()
    l1, l2 = penalty.l1, penalty.l2
    if cache is not None:
        beta = coef[active].copy()
        gram = cache.columns(active)
        sweeps = gram_descent(gram, cache.q[active], l1[active], l2[active], beta, tol, control.max_sweeps, polish)
        coef[active] = beta
        return InnerStep(coef, cache.z_mean - float(cache.x_mean[active] @ beta), sweeps, np.diag(gram).copy(),
                         0.0, gram if active.size <= DENSE_HESSIAN_COLUMNS else None)
    v, z = working_at(problem, state)
    u = v / problem.weights.sum()
    total = float(u.sum())
    z_mean = float(u @ z / total) if problem.fit_intercept else 0.0
    h_0 = total if problem.fit_intercept else 0.0
    if mode == "categorical-gram":
        assert isinstance(problem.X, ModelMatrix)
        structured = CategoricalGram.of(problem.X, u, z, problem.fit_intercept)
        sweeps = structured.solve(coef, l1, l2, active, tol * GRAM_TOL_FACTOR, control.max_sweeps)
        return InnerStep(coef, structured.z_mean - float(structured.x_mean @ coef), sweeps,
                         structured.diagonal()[active], h_0,
                         structured.dense(active) if active.size <= DENSE_HESSIAN_COLUMNS else None)
    if mode == "gram":
        # Formed over row blocks of the active columns: no n x |active| copy of X.
        gram, q, x_mean, z_mean, _ = WeightedLeastSquares(problem.X, problem.fit_intercept, columns=active).gram(z, u)
        beta = coef[active].copy()
        sweeps = gram_descent(gram, q, l1[active], l2[active], beta, tol, control.max_sweeps, polish)
        coef[active] = beta
        return InnerStep(coef, z_mean - float(x_mean @ beta), sweeps, np.diag(gram).copy(), h_0,
                         gram if active.size <= DENSE_HESSIAN_COLUMNS else None)
    X = problem.X
    if isinstance(X, ModelMatrix):
        x_mean, x_var, vx = column_moments(X, u, problem.fit_intercept, active)
    else:
        x_mean, x_var = np.zeros(X.shape[1]), np.zeros(X.shape[1])
        _kernels.weighted_column_moments(X, u, active, problem.fit_intercept, x_mean, x_var)
    # X b is known from eta: X b = eta - offset - b0, so the centred fit needs no matrix product.
    centred_fit = state.eta - problem.offset - state.intercept - float(x_mean @ coef)
    resid = (z - z_mean) - centred_fit
    if isinstance(X, ModelMatrix):
        layout = ColumnLayout.of(X)
        sweeps = _block_kernels.cd_blocks(layout.dense, layout.indptr, layout.indices, layout.data, layout.kind,
                                    layout.local, u, x_mean, vx, x_var, resid, coef, l1, l2, active, tol,
                                    control.max_sweeps)
    else:
        sweeps = _kernels.cd_naive(X, u, x_mean, x_var, resid, coef, l1, l2, active, tol, control.max_sweeps)
    # resid = (z - z_mean) - Xc b, and b0 = z_mean - x_mean' b, so eta = offset + b0 + X b = offset + z - resid.
    return InnerStep(coef, z_mean - float(x_mean @ coef), sweeps, x_var[active], h_0,
                     eta=problem.offset + z - resid, centring=None if isinstance(X, ModelMatrix) else (u, x_mean))


def inner_tolerance(objective_value: float, null_objective: float, tol: float, previous_kkt: float,
                     n_active: int) -> float:
    """The coordinate-descent tolerance of the next IRLS step (in units of the objective).

    A solve that stops when no coordinate move changes the objective by more than ``tau / 2`` leaves a
    residual of about ``n_active * tau / 2`` (:func:`~glmgen.solvers.optimality.kkt_residual`), so ``tau``
    aims at ``INNER_FRACTION * tol`` over the active set; far from the optimum (a large KKT residual at the
    last step) the step is solved only to ``INEXACT_FRACTION`` of that residual: IRLS will move again anyway.
    """
    target = INNER_FRACTION * tol / max(n_active, 1)
    if math.isfinite(previous_kkt):
        target = max(target, min(INEXACT_FRACTION * previous_kkt, INEXACT_CAP))
    return 2.0 * max(objective_value, OBJECTIVE_FLOOR * null_objective) * target


@dataclass
class _Optimality:
    """The scaled KKT residual at the last accepted state, and the smooth gradient there over all columns
    when it was computed for all (``None``: only over the active ones)."""

    gradient: FloatArray | None
    kkt: float


def _optimality(problem: GLMProblem, penalty: Penalty, state: PenalizedState, active: IntArray, step: InnerStep,
                cache: GramCache | None, value: float, null_objective: float) -> _Optimality:
    """:func:`kkt_residual` at ``state`` over ``active`` and the intercept, with the curvature of the step that
    led there. The gradient is taken over all columns when that costs about as much as over ``active`` (the
    Gram cache; half the columns or more active), which spares the working-set check a pass over ``X``."""
    if cache is not None:
        full, gradient_0 = cache.gradient(state.coef, active), 0.0  # the intercept is profiled exactly
        gradient = full[active]
    elif 2 * active.size >= problem.X.shape[1]:
        full, gradient_0 = smooth_gradients(problem, state)
        gradient = full[active]
    else:
        full = None
        gradient, gradient_0 = smooth_gradients(problem, state, active)
    l1, l2 = penalty.l1[active], penalty.l2[active]
    coef = state.coef[active]
    residual = min_norm_subgradient(gradient, coef, l1, l2)
    curvature, hessian = step.curvature + l2, step.hessian
    if hessian is None and step.centring is not None:
        moving = moving_coordinates(coef, residual)
        hessian = _naive_hessian(problem.X, step.centring, active[moving], 2 * active.size * step.sweeps)
        if hessian is not None:
            residual, curvature, coef = residual[moving], curvature[moving], coef[moving]
    kkt = kkt_residual(residual, curvature, value, null_objective, (gradient_0, step.intercept_curvature),
                       hessian, coef)
    return _Optimality(full, kkt if hessian is not None else DIAGONAL_SAFETY * kkt)


def _naive_hessian(X: Matrix, centring: tuple[FloatArray, FloatArray], columns: IntArray,
                   step_work: int) -> FloatArray | None:
    """``Xc' U Xc`` over ``columns`` of a dense ``X`` when forming it costs no more than two passes over ``X``
    or the coordinate descent just done (``|columns|^2 <= max(2 p, step_work)``, ``step_work`` in column
    passes), else ``None``. On wide designs many correlated coordinates move and the diagonal estimate of
    the gap is too small by up to the condition number of their Hessian."""
    budget = max(2 * X.shape[1], step_work)
    if not isinstance(X, np.ndarray) or not 1 < columns.size <= DENSE_HESSIAN_COLUMNS or columns.size**2 > budget:
        return None
    u, x_mean = centring
    return dense_gram(X, u, x_mean[columns], columns=columns)[0]


def _irls_on(
    problem: GLMProblem,
    penalty: Penalty,
    state: PenalizedState,
    active: IntArray,
    control: CDControl,
    mode: str,
    cache: GramCache | None,
    null_objective: float,
    history: dict[str, list[float]],
) -> tuple[PenalizedState, int, _Optimality | None]:
    """Penalized IRLS with coordinates outside ``active`` held at zero, until the scaled KKT residual over
    ``active`` is at most ``control.tol``. Returns the state, the iterations and its optimality (``None``:
    not reached within ``control.max_iter`` iterations)."""
    current = objective(problem, penalty, state)
    kkt = math.inf
    for iteration in range(1, control.max_iter + 1):
        started = time.perf_counter()
        tol = inner_tolerance(current, null_objective, control.tol, kkt, active.size)
        step = _inner_solve(problem, penalty, state, active, tol, control, mode, cache, math.isfinite(kkt))
        coef, intercept = step.coef, step.intercept
        eta = step.eta if step.eta is not None else _state_from(problem, coef, intercept, active).eta
        candidate = PenalizedState(coef, intercept, eta, problem.link.inverse(eta))
        value, deviance = _objective_and_deviance(problem, penalty, candidate)
        shrink = 1.0
        while not value <= current * (1 + 1e-13) + 1e-300 and shrink > 2.0**-30:
            shrink *= 0.5  # eta is linear in the coefficients: halve along the same segment
            coef = state.coef + shrink * (step.coef - state.coef)
            intercept = state.intercept + shrink * (step.intercept - state.intercept)
            partial = state.eta + shrink * (eta - state.eta)
            candidate = PenalizedState(coef, intercept, partial, problem.link.inverse(partial))
            value, deviance = _objective_and_deviance(problem, penalty, candidate)
        if not math.isfinite(value):
            raise no_finite_fit(problem, "penalized IRLS")
        state, current = candidate, value
        optimality = _optimality(problem, penalty, state, active, step, cache, value, null_objective)
        kkt = optimality.kkt
        history["deviance"].append(deviance)
        history["step"].append(shrink)
        history["active"].append(float(np.count_nonzero(state.coef)))
        history["kkt"].append(kkt)
        history["seconds"].append(time.perf_counter() - started)
        if kkt <= control.tol and step.sweeps < control.max_sweeps:
            return state, iteration, optimality
    return state, control.max_iter, None


def fit_penalized(
    problem: GLMProblem,
    penalty: Penalty,
    start: PenalizedState,
    strong: BoolArray,
    *,
    control: CDControl = CDControl(),
    cache: GramCache | None = None,
    null_objective: float | None = None,
) -> tuple[SolverOutput, BoolArray, FloatArray]:
    """Solve the penalized problem at one alpha, warm-started from ``start``.

    ``strong`` marks the columns to start the working set with (others start
    at zero); columns violating the KKT conditions at the working-set solution
    are added and the fit repeated. Returns the solver output, the final
    working set and the smooth part's gradient at the solution (for the next
    alpha's strong rule). Columns whose penalty scale is 0 (constant columns under
    standardization) stay at zero. Columns of extreme scale are solved on an exactly
    rescaled copy (:func:`equilibrated_penalized`); a ``cache`` must then come from that copy.
    """
    problem, penalty, factors = equilibrated_penalized(problem, penalty)
    if factors is None:
        return fit_penalized_equilibrated(problem, penalty, start, strong, control, cache, null_objective)
    assert cache is None, "build the Gram cache on equilibrated_penalized(problem, penalty)[0]"
    scaled_start = PenalizedState(start.coef / factors, start.intercept, start.eta, start.mu)
    output, working, gradient = fit_penalized_equilibrated(problem, penalty, scaled_start, strong, control, None, null_objective)
    return unscaled_output(output, factors, problem.fit_intercept), working, gradient / factors


def equilibrated_penalized(problem: GLMProblem, penalty: Penalty) -> tuple[GLMProblem, Penalty, FloatArray | None]:
    """:func:`~glmgen.solvers.equilibrated` for a penalized fit: columns ``x_j d_j`` with penalty scales
    ``s_j d_j``, the same objective in the coefficients ``b_j / d_j``; ``factors`` ``d`` or ``None``."""
    rescaled, factors = equilibrated(problem)
    if factors is None:
        return problem, penalty, None
    return rescaled, Penalty(penalty.alpha, penalty.l1_ratio, penalty.factors, penalty.scales * factors), factors


def fit_penalized_equilibrated(
    problem: GLMProblem,
    penalty: Penalty,
    start: PenalizedState,
    strong: BoolArray,
    control: CDControl,
    cache: GramCache | None,
    null_objective: float | None,
) -> tuple[SolverOutput, BoolArray, FloatArray]:
    """:func:`fit_penalized` on columns already in range (the output of :func:`equilibrated_penalized`),
    without checking them again: a path equilibrates once, not at every alpha."""
    usable = ~((penalty.scales == 0) & (penalty.factors > 0))
    working = (strong | (start.coef != 0) | (penalty.factors == 0)) & usable
    mode = _choose_mode(problem, control.mode)
    if cache is None and mode == "gram" and problem.least_squares and control.mode == "auto":
        cache = GramCache.build(problem)
    scale = null_objective if null_objective is not None else objective(problem, penalty.at(0.0), start)
    history: dict[str, list[float]] = {"deviance": [], "step": [], "active": [], "kkt": [], "seconds": []}
    state = start
    n_iter = 0
    l1 = penalty.l1
    while True:
        active = np.flatnonzero(working).astype(np.int64)
        state, iterations, optimality = _irls_on(problem, penalty, state, active, control, mode, cache, scale,
                                                 history)
        n_iter += iterations
        if optimality is not None and optimality.gradient is not None:
            gradient = optimality.gradient
        elif cache is not None:
            gradient = cache.gradient(state.coef, active)
        else:
            gradient = smooth_gradient(problem, state)
        violating = ~working & usable & (np.abs(gradient) > l1 * (1 + KKT_SLACK) + KKT_SLACK * scale)
        if not violating.any():
            break
        working |= violating
    converged = optimality is not None
    notices = () if converged else (Notice(
        ConvergenceWarning,
        f"penalized IRLS did not reach tol={control.tol:.3g} (the scaled KKT residual is "
        f"{history['kkt'][-1]:.3g}) within {control.max_iter} iterations at alpha={penalty.alpha:.4g}; "
        "try a larger max_iter or tol, or a larger alpha.",
    ),)
    output = SolverOutput(
        coef=state.coef, intercept=state.intercept if problem.fit_intercept else 0.0, eta=state.eta, mu=state.mu,
        deviance=history["deviance"][-1] if history["deviance"] else problem.deviance(state.mu),
        converged=converged, n_iter=n_iter,
        aliased=np.zeros(problem.X.shape[1], dtype=bool), history=history, notices=notices,
    )
    return output, working, gradient


def categorical_gram_applies(problem: GLMProblem) -> bool:
    """Whether a design with a categorical block is solved in the categorical Gram form: when it has few other
    columns (:func:`prefers_categorical_gram`), unless the gaussian Gram cache holds every column."""
    if problem.least_squares and problem.X.shape[1] <= FULL_GRAM_COLUMNS:
        return False
    return prefers_categorical_gram(problem.X)


def _choose_mode(problem: GLMProblem, requested: str) -> str:
    """Gram mode for the gaussian identity case (cached) and when ``n`` dwarfs ``p``; for a design with a
    categorical block and few other columns the categorical Gram form (:mod:`.categorical_gram`); naive
    otherwise."""
    categorical = categorical_gram_applies(problem)
    if requested == "gram" and categorical:
        return "categorical-gram"
    if requested != "auto":
        return requested
    if categorical:
        return "categorical-gram"
    n, p = problem.X.shape
    if problem.least_squares:
        return "gram"
    return "gram" if n >= 20 * p and p <= 64 else "naive"
