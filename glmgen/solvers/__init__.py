"""Arrays in, arrays out: IRLS, penalized coordinate descent, paths, and the settings behind ``tol``.

``X`` is a dense column-major array or a :class:`~glmgen.matrices.ModelMatrix` of blocks.

Modules: :mod:`.problem` (the problem and output records, settings, exact column rescaling),
:mod:`.wls` (weighted least squares and aliased columns), :mod:`.categorical` (the same with the largest
categorical block of a :class:`~glmgen.matrices.ModelMatrix` eliminated), :mod:`.irls` (unpenalized IRLS),
:mod:`.penalized` (penalized IRLS by coordinate descent), :mod:`.path` (regularization paths), :mod:`.group` (the group elastic net),
:mod:`.control` (``tol`` and ``max_iter`` to settings) and :mod:`._kernels` (the compiled kernels).
"""

from .control import DEFAULT_MAX_ITER, DEFAULT_TOL, solver_controls
from .group import fit_group_path, fit_group_penalized, group_kkt
from .irls import (
    DEVIANCE_SLACK,
    boundary_notices,
    convergence_notice,
    irls,
    relative_change,
)
from .optimality import kkt_residual, min_norm_subgradient
from .path import (
    PathFit,
    alpha_grid,
    default_alpha_min_ratio,
    fit_path,
    null_state,
    path_grid,
    should_stop,
)
from .penalized import (
    DENSE_HESSIAN_COLUMNS,
    DIAGONAL_SAFETY,
    GRAM_TOL_FACTOR,
    KKT_SLACK,
    CDControl,
    PenalizedState,
    equilibrated_penalized,
    fit_penalized,
    gram_descent,
    inner_tolerance,
)
from .problem import GLMProblem, IRLSControl, Notice, SolverOutput, equilibrated
from .theta import fit_theta, theta_notices
from .wls import (
    WeightedLeastSquares,
    WLSStep,
    aliased_in_factor,
    clearly_full_rank,
    r_factor,
    solve_normal_equations,
    stacked_r_factor,
)

__all__ = [
    "DEVIANCE_SLACK", "GRAM_TOL_FACTOR", "KKT_SLACK", "inner_tolerance", "gram_descent", "DENSE_HESSIAN_COLUMNS", "DIAGONAL_SAFETY", "kkt_residual", "min_norm_subgradient", "WLSStep", "aliased_in_factor", "alpha_grid", "null_state", "path_grid", "boundary_notices",
    "clearly_full_rank", "convergence_notice", "r_factor", "relative_change", "should_stop", "solve_normal_equations",
    "stacked_r_factor", "theta_notices",
    "CDControl", "DEFAULT_MAX_ITER", "DEFAULT_TOL", "GLMProblem", "IRLSControl", "Notice", "PathFit",
    "PenalizedState", "SolverOutput", "WeightedLeastSquares", "default_alpha_min_ratio", "equilibrated",
    "equilibrated_penalized", "fit_group_path", "fit_group_penalized", "fit_path", "group_kkt", "fit_penalized", "fit_theta", "irls", "solver_controls",
]
