"""When a penalized fit is optimal: the scaled KKT residual that stops penalized IRLS.

For the objective ``f(b0, b) = deviance / (2 W) + sum_j l1_j |b_j| + l2_j b_j^2 / 2`` and the gradient
``g`` of its smooth part ``deviance / (2 W)``, the minimum-norm subgradient is

    r_j = g_j + l2_j b_j + l1_j sign(b_j)        if b_j != 0,
    r_j = sign(g_j) max(|g_j| - l1_j, 0)          if b_j == 0,

and ``r_0 = df/db0`` for the intercept; ``r = 0`` exactly at the optimum (the KKT conditions). Its size is
measured in units of the objective with the curvature ``h_j`` of each coordinate (the diagonal of the IRLS
Hessian, ``h_j = sum_i u_i v_i (x_ij - xbar_j)^2 + l2_j``, ``u v`` the normalised working weights):

    kkt = sum_j r_j^2 / (2 h_j) / f,

the decrease one Newton step per coordinate would bring, relative to the objective. It estimates the
relative objective gap ``(f - f*) / f`` (exactly so for a single coordinate; the diagonal Newton decrement
for many) and does not depend on the units of the response or the columns. Where the solver has formed the
Hessian ``H`` of the active coordinates anyway (Gram modes), the full Newton decrement
``r' H^-1 r / 2`` over the non-zero coordinates replaces the diagonal one: strongly correlated columns (a
factor's indicators next to the intercept) make the diagonal estimate too small by up to the condition
number of ``H``. ``tol`` bounds it everywhere a
penalized fit is solved, as scikit-learn's coordinate descent bounds a relative duality gap and glum a
gradient norm.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.linalg

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: :func:`newton_polish` solves a linear system over at most this many non-zero coefficients
POLISH_COLUMNS = 500
#: the objective below which relative accuracy is measured against ``OBJECTIVE_FLOOR * null objective``
#: instead (a near-perfect fit has f close to 0, where a relative gap means nothing)
OBJECTIVE_FLOOR = 1e-6


def min_norm_subgradient(gradient: FloatArray, coef: FloatArray, l1: FloatArray, l2: FloatArray) -> FloatArray:
    """The element of the subdifferential of the penalized objective nearest 0, per coordinate (module notes)."""
    smooth = gradient + l2 * coef
    at_zero = np.sign(gradient) * np.maximum(np.abs(gradient) - l1, 0.0)
    return np.where(coef != 0.0, smooth + l1 * np.sign(coef), at_zero)


def moving_coordinates(coef: FloatArray, subgradient: FloatArray) -> npt.NDArray[np.bool_]:
    """The coordinates a Newton step would move: non-zero, or zero with a non-zero residual (the others have
    ``r_j = 0`` and add nothing to the decrement)."""
    return np.asarray((coef != 0.0) | (subgradient != 0.0), dtype=bool)


def kkt_residual(
    subgradient: FloatArray,
    curvature: FloatArray,
    objective: float,
    null_objective: float,
    intercept: tuple[float, float] = (0.0, 0.0),
    hessian: FloatArray | None = None,
    coef: FloatArray | None = None,
) -> float:
    """The Newton decrement ``r' H^-1 r / 2`` relative to ``max(objective, OBJECTIVE_FLOOR * null_objective)``.

    ``subgradient`` and ``curvature`` (``h_j``, the penalty's ``l2_j`` included) are over the coordinates
    to measure; ``H = diag(h)`` unless ``hessian`` (their ``H`` without the penalty, symmetric) is given, in
    which case ``H + diag(h - diag(hessian))`` over the coordinates where ``coef`` is non-zero or the
    residual is (others have ``r_j = 0`` and stay at zero); ``hessian`` is then overwritten (the solvers
    pass a copy they no longer need, so that no second ``p x p`` array is made). A coordinate with ``h_j = 0`` does not enter
    the objective: a non-zero residual there makes the result infinite. ``intercept`` is ``(r_0, h_0)``,
    the intercept being profiled out of ``H`` (centred columns).
    """
    gradient_0, curvature_0 = intercept
    flat = curvature <= 0.0
    if np.any(subgradient[flat] != 0.0):
        return np.inf
    decrease = float(np.sum(np.square(subgradient[~flat]) / (2.0 * curvature[~flat])))
    if hessian is not None and coef is not None:
        moving = ~flat & moving_coordinates(coef, subgradient)
        if np.count_nonzero(moving) > 1:
            matrix = hessian if moving.all() else hessian[np.ix_(moving, moving)]
            decrease = _full_decrement(subgradient[moving], matrix, curvature[moving])
    if curvature_0 > 0.0:
        decrease += gradient_0 * gradient_0 / (2.0 * curvature_0)
    return decrease / max(objective, OBJECTIVE_FLOOR * null_objective, np.finfo(float).tiny)


def _full_decrement(residual: FloatArray, hessian: FloatArray, curvature: FloatArray) -> float:
    """``r' (H + diag(h - diag(H)))^-1 r / 2``, overwriting ``hessian``; a least-squares solve when the matrix
    is singular (duplicated columns), which gives the decrease within its range."""
    hessian[np.diag_indices_from(hessian)] = curvature
    try:
        step = scipy.linalg.solve(hessian, residual, assume_a="pos", check_finite=False)
    except (scipy.linalg.LinAlgError, ValueError):
        step = scipy.linalg.lstsq(hessian, residual, check_finite=False)[0]
    return 0.5 * float(residual @ step)


def newton_polish(gram: FloatArray, q: FloatArray, l1: FloatArray, l2: FloatArray, beta: FloatArray) -> bool:
    """Finish a coordinate-descent solve of ``b' G b / 2 - q' b + sum l1 |b| + sum l2 b^2 / 2`` with one
    Newton step on its free coordinates ``S``: those non-zero, or without an L1 penalty (``beta`` updated in
    place; ``True`` if it was).

    With the signs ``s`` of the L1-penalized ``beta_S`` fixed the problem is quadratic, and its minimiser
    solves ``(G_SS + diag(l2_S)) b_S = q_S - l1_S s``; it is kept when those coordinates keep their signs
    (then it is the exact solution on that face, up to the zero coordinates' KKT conditions, which the
    caller checks).
    Coordinate descent converges at a rate set by the condition number of ``G``: on nearly collinear
    columns it stalls far from the optimum, where this step lands on it. Skipped when ``|S|`` exceeds
    ``POLISH_COLUMNS`` or ``G_SS + diag(l2_S)`` is singular.
    """
    support = np.flatnonzero((beta != 0.0) | (l1 == 0.0))
    if support.size == 0 or support.size > POLISH_COLUMNS:
        return False
    signs = np.sign(beta[support])
    penalized = l1[support] > 0.0
    matrix = gram[np.ix_(support, support)]
    matrix[np.diag_indices_from(matrix)] += l2[support]
    try:
        solution = scipy.linalg.solve(matrix, q[support] - l1[support] * signs, assume_a="pos",
                                      check_finite=False, overwrite_a=True)
    except (scipy.linalg.LinAlgError, ValueError):
        return False
    if not np.all(np.isfinite(solution)) or np.any(np.sign(solution[penalized]) != signs[penalized]):
        return False
    beta[support] = solution
    return True
