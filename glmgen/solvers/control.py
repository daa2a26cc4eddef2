"""The one place where a user's ``tol`` and ``max_iter`` become solver settings.

Every entry point (the formula API, the scikit-learn estimators, paths, CV
folds, refits at one alpha, the bootstrap) asks :func:`solver_controls`, so a
given ``tol`` means the same fit everywhere. It bounds a relative objective gap:

- penalized fits (``alpha > 0``, one alpha or a path) stop when the scaled
  KKT residual (:mod:`glmgen.solvers.optimality`: the minimum-norm subgradient
  measured against each coordinate's curvature, relative to the objective) is
  at most ``tol``, and warn (``ConvergenceWarning``) when ``max_iter`` IRLS
  steps do not get there;
- unpenalized IRLS (``alpha = 0``) stops, as R's ``glm.fit``, when the relative
  deviance change is below ``tol`` (R's ``epsilon``) and, for non-canonical
  links, the largest relative coefficient change is below ``tol / 100``. The
  deviance change of a Newton step is twice the objective gap it closes, so the
  two rules bound the same quantity.
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


def solver_controls(tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER) -> tuple[IRLSControl, CDControl]:
    """The IRLS and penalized-solver settings for a user's ``tol`` and ``max_iter`` (see the module notes)."""
    return (IRLSControl(tol=tol, coef_tol=tol * COEF_TOL_RATIO, max_iter=max_iter),
            CDControl(tol=tol, max_iter=max_iter))
