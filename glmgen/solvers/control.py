"""The one place where a user's ``tol`` and ``max_iter`` become solver settings.

Every entry point (the formula API, the scikit-learn estimators, paths, CV
folds, refits at one alpha, the bootstrap) asks :func:`solver_controls`, so a
given ``tol`` means the same fit everywhere:

- IRLS (``alpha = 0``) stops when R's relative deviance change is below
  ``tol`` and, for non-canonical links, the largest relative coefficient
  change is below ``tol / 100`` (1e-10 at the default ``tol = 1e-8``);
- penalized IRLS stops when the penalized objective changes by less than
  ``tol`` (relative), with coordinate descent solved to ``tol * 1e-4`` of the
  null objective (KKT residuals about ``sqrt(tol * 1e-4)``).
"""

from __future__ import annotations

from .penalized import CDControl
from .problem import IRLSControl

#: the default ``tol`` of every public entry point (R's ``glm.control(epsilon=1e-8)``)
DEFAULT_TOL = 1e-8
#: the default ``max_iter`` (IRLS iterations, or penalized IRLS steps per alpha)
DEFAULT_MAX_ITER = 100
#: coefficient tolerance of non-canonical IRLS relative to ``tol``
COEF_TOL_RATIO = 1e-2
#: coordinate-descent tolerance relative to ``tol``
INNER_TOL_RATIO = 1e-4


def solver_controls(tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER) -> tuple[IRLSControl, CDControl]:
    """The IRLS and penalized-solver settings for a user's ``tol`` and ``max_iter`` (see the module notes)."""
    return (IRLSControl(tol=tol, coef_tol=tol * COEF_TOL_RATIO, max_iter=max_iter),
            CDControl(tol=tol, inner_tol=tol * INNER_TOL_RATIO, max_iter=max_iter))
