"""Regularization paths: the alpha grid and a warm-started sequence of penalized fits.

The grid runs geometrically from ``alpha_max`` (closed form: the smallest
alpha with every penalized coefficient zero; for ``l1_ratio < 1e-3``,
glmnet's start computed as if ``l1_ratio = 1e-3``, where a ridge solution is
small but not zero) down to ``alpha_min_ratio * alpha_max``. Each fit starts from the previous solution
with the working set given by the sequential strong rule

    |gradient_j(previous alpha)| >= l1_ratio f_j s_j (2 alpha_k - alpha_{k-1}),

and :func:`glmgen.solvers.fit_penalized` checks the KKT conditions over all
columns before accepting a solution. As glmnet, a computed grid stops early (after at least 5 alphas)
once the deviance ratio exceeds 0.999 or changes by less than 1e-5
(relative) from one alpha to the next; the alphas actually fitted are
reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .._progress import HIDDEN, Bar
from ..errors import DataError
from ..model import Penalty
from .irls import irls
from .penalized import (
    CDControl,
    GramCache,
    PenalizedState,
    categorical_gram_applies,
    equilibrated_penalized,
    fit_penalized_equilibrated,
    objective,
    smooth_gradient,
)
from .problem import GLMProblem, IRLSControl, Notice, SolverOutput, unscaled_output

FloatArray = npt.NDArray[np.float64]

#: glmnet's early-stopping constants (fdev, devmax, mnlam)
MIN_DEV_RATIO_CHANGE = 1e-5
MAX_DEV_RATIO = 0.999
MIN_ALPHAS_BEFORE_STOP = 5


@dataclass(frozen=True)
class PathFit:
    """Solutions along a grid: ``coefs`` ``(k, p)``, ``intercepts``, ``deviances``, ``outputs`` per alpha."""

    alphas: FloatArray
    outputs: list[SolverOutput]
    alpha_max: float
    null_deviance: float

    @property
    def coefs(self) -> FloatArray:
        return np.array([o.coef for o in self.outputs]).reshape(len(self.outputs), -1)

    @property
    def intercepts(self) -> FloatArray:
        return np.array([o.intercept for o in self.outputs])

    @property
    def deviances(self) -> FloatArray:
        return np.array([o.deviance for o in self.outputs])


def null_state(problem: GLMProblem, penalty: Penalty) -> PenalizedState:
    """The fit with every penalized coefficient at zero (unpenalized columns and intercept fitted).

    With nothing but an intercept and no offset it is closed-form: ``mu`` is the weighted mean response.
    """
    free = penalty.factors == 0
    mean = problem.intercept_only_mean()
    if mean is not None and not free.any():
        intercept = float(problem.link.link(np.array([mean]))[0])
        return PenalizedState(coef=np.zeros(problem.X.shape[1]), intercept=intercept,
                              eta=np.full_like(problem.y, intercept), mu=np.full_like(problem.y, mean))
    sub = GLMProblem(
        X=problem.X[:, free], y=problem.y, weights=problem.weights, offset=problem.offset,
        family=problem.family, link=problem.link, fit_intercept=problem.fit_intercept,
    )
    output = irls(sub, control=IRLSControl(tol=1e-13, max_iter=100), covariance=False)
    coef = np.zeros(problem.X.shape[1])
    coef[free] = np.nan_to_num(output.coef)
    return PenalizedState(coef=coef, intercept=output.intercept, eta=output.eta, mu=output.mu)


def alpha_grid(alpha_max: float, n_alphas: int, alpha_min_ratio: float) -> FloatArray:
    """``n_alphas`` values from ``alpha_max`` down to ``alpha_min_ratio * alpha_max``, equally spaced in log."""
    return alpha_max * np.geomspace(1.0, alpha_min_ratio, n_alphas)


def default_alpha_min_ratio(n_rows: int, n_columns: int) -> float:
    """glmnet's default: 1e-4 when n > p, else 1e-2."""
    return 1e-4 if n_rows > n_columns else 1e-2


def fit_path(
    problem: GLMProblem,
    penalty: Penalty,
    *,
    alphas: FloatArray | None = None,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    control: CDControl = CDControl(),
    early_stop: bool | None = None,
    bar: Bar = HIDDEN,
) -> tuple[PathFit, list[Notice]]:
    """Fit the penalized GLM at each alpha of a decreasing grid, warm-starting each from the last.

    ``penalty`` carries ``l1_ratio``, factors and scales (its alpha is
    ignored). With ``alphas=None`` the grid is computed and early stopping
    applies (unless ``early_stop=False``); a user grid is sorted decreasing
    and fitted in full.

    The null fit is returned without iterating where it is optimal (KKT,
    :meth:`~glmgen.model.Penalty.null_optimal_alpha`) and, as glmnet, at
    the first alpha of a computed grid (where a ridge path starts); any other
    alpha is solved, so a ridge fit at a user's ``alpha >= alpha_max`` is not zero.
    ``bar`` advances once per alpha fitted.

    Raises
    ------
    DataError
        When the response makes the intercept diverge (all-zero Poisson counts,
        an all-0 or all-1 binomial response): no path exists.
    """
    refuse_degenerate_response(problem)
    problem, penalty, factors = equilibrated_penalized(problem, penalty)
    path, notices = _fit_path(problem, penalty, alphas, n_alphas, alpha_min_ratio, control, early_stop, bar)
    return unscaled_path(path, factors, problem.fit_intercept), notices


def refuse_degenerate_response(problem: GLMProblem) -> None:
    """Refuse a response that makes the intercept diverge (no penalized path exists)."""
    degenerate = problem.family.degenerate_response(problem.y, problem.weights, "y")
    if degenerate:
        raise DataError(degenerate)


def unscaled_path(path: PathFit, factors: FloatArray | None, fit_intercept: bool) -> PathFit:
    """A path solved on columns ``x_j d_j`` (``factors`` ``d``, or ``None``) in the original coefficients."""
    if factors is None:
        return path
    outputs = [unscaled_output(o, factors, fit_intercept) for o in path.outputs]
    return PathFit(path.alphas, outputs, path.alpha_max, path.null_deviance)


def path_grid(penalty: Penalty, gradient: FloatArray, alphas: FloatArray | None, n_alphas: int,
              alpha_min_ratio: float | None, shape: tuple[int, int],
              early_stop: bool | None) -> tuple[FloatArray, bool, float, float]:
    """The alphas of a path (decreasing), whether it may stop early, ``alpha_max`` and the smallest alpha at
    which the null fit is optimal, from the smooth gradient at the null fit. A computed grid is glmnet's
    (``n_alphas`` log-spaced down to ``alpha_min_ratio alpha_max``, stopping early); a user grid is fitted in full.
    ``shape`` is ``(n, p)`` of the design (for the default ``alpha_min_ratio``)."""
    alpha_max = penalty.alpha_max(gradient)
    null_optimal = penalty.null_optimal_alpha(gradient)
    if alphas is None:
        if not alpha_max > 0:
            if not np.any(penalty.factors * penalty.scales > 0):
                raise DataError(
                    "the model has no penalized column (every penalty_factor is 0, or the formula has only an "
                    "intercept and constant columns), so a penalty changes nothing and there is no path to "
                    "compute. Fit it unpenalized with gg.glm(...), or give some columns a positive penalty_factor."
                )
            raise DataError(
                "every penalized coefficient is zero at any alpha: the response shows no association with the "
                "penalized columns (is it constant?), so there is no path to compute. Give alphas=... explicitly, "
                "or fit an unpenalized model."
            )
        ratio = alpha_min_ratio if alpha_min_ratio is not None else default_alpha_min_ratio(*shape)
        return alpha_grid(alpha_max, n_alphas, ratio), True if early_stop is None else early_stop, alpha_max, null_optimal
    return np.sort(np.asarray(alphas, dtype=float))[::-1], bool(early_stop), alpha_max, null_optimal


def _fit_path(
    problem: GLMProblem,
    penalty: Penalty,
    alphas: FloatArray | None,
    n_alphas: int,
    alpha_min_ratio: float | None,
    control: CDControl,
    early_stop: bool | None,
    bar: Bar,
) -> tuple[PathFit, list[Notice]]:
    start = null_state(problem, penalty)
    gradient = smooth_gradient(problem, start)
    grid, early_stop, alpha_max, null_optimal = path_grid(penalty, gradient, alphas, n_alphas, alpha_min_ratio,
                                                          problem.X.shape, early_stop)
    null_deviance = problem.deviance(start.mu)
    scale = objective(problem, penalty.at(0.0), start)
    cache = GramCache.build(problem) if _uses_cache(problem, control) else None
    l1_weight = penalty.l1_ratio * penalty.factors * penalty.scales
    outputs: list[SolverOutput] = []
    notices: list[Notice] = []
    state, previous_alpha = start, max(alpha_max, grid[0])
    working = np.zeros(problem.X.shape[1], dtype=bool)
    computed_start = alpha_max if alphas is None else math.inf
    for alpha in grid:
        if alpha >= null_optimal or alpha >= computed_start:
            output = _null_output(problem, start)
        else:
            strong = working | (np.abs(gradient) >= l1_weight * (2.0 * alpha - previous_alpha))
            output, working, gradient = fit_penalized_equilibrated(  # fit_path equilibrated the columns once
                problem, penalty.at(alpha), state, strong, control, cache, scale,
            )
        outputs.append(output)
        notices.extend(output.notices)
        state = PenalizedState(output.coef, output.intercept, output.eta, output.mu, deviance=output.deviance)
        previous_alpha = alpha
        bar.update(1)
        if early_stop and should_stop([o.deviance for o in outputs], null_deviance):
            break
    fitted = grid[: len(outputs)]
    return PathFit(alphas=fitted, outputs=outputs, alpha_max=alpha_max, null_deviance=null_deviance), notices


def _null_output(problem: GLMProblem, start: PenalizedState) -> SolverOutput:
    return SolverOutput(
        coef=start.coef.copy(), intercept=start.intercept if problem.fit_intercept else 0.0, eta=start.eta,
        mu=start.mu, deviance=problem.deviance(start.mu), converged=True, n_iter=0,
        aliased=np.zeros(problem.X.shape[1], dtype=bool), history={"deviance": [], "step": [], "active": [], "seconds": []},
    )


def _uses_cache(problem: GLMProblem, control: CDControl) -> bool:
    """The gaussian Gram cache, unless the categorical Gram form serves the design better."""
    return control.mode in ("auto", "gram") and problem.least_squares and not categorical_gram_applies(problem)


def should_stop(deviances: list[float], null_deviance: float) -> bool:
    """glmnet's early stop of a computed grid: the deviance ratio beyond 0.999, or hardly changing, after at
    least a few alphas (``deviances``: those fitted so far)."""
    if null_deviance <= 0 or len(deviances) < MIN_ALPHAS_BEFORE_STOP:
        return False
    ratio = 1.0 - deviances[-1] / null_deviance
    previous = 1.0 - deviances[-2] / null_deviance
    return ratio > MAX_DEV_RATIO or (ratio - previous) < MIN_DEV_RATIO_CHANGE * ratio
