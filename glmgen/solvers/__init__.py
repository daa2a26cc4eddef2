"""Arrays in, arrays out: IRLS, penalized coordinate descent, paths, and the settings behind ``tol``.

``X`` is a dense column-major array or a :class:`~glmgen.matrices.ModelMatrix` of blocks.

Modules: :mod:`.problem` (the problem and output records, settings, exact column rescaling),
:mod:`.wls` (weighted least squares and aliased columns), :mod:`.categorical` (the same with the largest
categorical block of a :class:`~glmgen.matrices.ModelMatrix` eliminated), :mod:`.irls` (unpenalized IRLS),
:mod:`.penalized` (penalized IRLS by coordinate descent), :mod:`.path` (regularization paths),
:mod:`.control` (``tol`` and ``max_iter`` to settings) and :mod:`._kernels` (the compiled kernels).
"""

from .control import DEFAULT_MAX_ITER, DEFAULT_TOL, solver_controls
from .irls import irls
from .path import PathFit, default_alpha_min_ratio, fit_path
from .penalized import CDControl, PenalizedState, equilibrated_penalized, fit_penalized
from .problem import GLMProblem, IRLSControl, Notice, SolverOutput, equilibrated
from .theta import fit_theta
from .wls import WeightedLeastSquares

__all__ = [
    "CDControl", "DEFAULT_MAX_ITER", "DEFAULT_TOL", "GLMProblem", "IRLSControl", "Notice", "PathFit",
    "PenalizedState", "SolverOutput", "WeightedLeastSquares", "default_alpha_min_ratio", "equilibrated",
    "equilibrated_penalized", "fit_path", "fit_penalized", "fit_theta", "irls", "solver_controls",
]
