"""The relaxed lasso (glmnet's ``relax=TRUE``): at every alpha of a path, the unpenalized GLM on its active set.

For the active set ``A`` of ``alpha`` (the non-zero penalized and unpenalized columns) the relaxed fit is R's
``glm`` of the same family, link, weights and offset on the columns ``A`` (intercept as the path); an empty set
is the null model. Columns aliased in that fit (an active set as large as the rows, or collinear) get 0, as R's
``NA``. The blend for ``gamma`` in [0, 1] is glmnet's ``gamma beta_lasso + (1 - gamma) beta_relaxed`` (intercept
included): ``gamma = 1`` is the lasso, ``gamma = 0`` the relaxed fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ..matrices import take_columns
from ..solvers import GLMProblem, IRLSControl, SolverOutput, irls

FloatArray = npt.NDArray[np.float64]


def relaxed_fit(problem: GLMProblem, active: npt.NDArray[np.bool_], control: IRLSControl) -> SolverOutput:
    """The unpenalized fit on the columns ``active``, its coefficients scattered back to all columns (aliased ones,
    NaN in the fit, as 0)."""
    columns = np.flatnonzero(active)
    output = irls(replace(problem, X=take_columns(problem.X, columns)), control=control, covariance=False)
    coef = np.zeros(problem.X.shape[1])
    coef[columns] = np.nan_to_num(output.coef, nan=0.0)
    return replace(output, coef=coef)


def relaxed_path(
    problem: GLMProblem, coefs: FloatArray, control: IRLSControl
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Relaxed coefficients ``(n_alphas, p)``, intercepts and deviances for each row of the path's ``coefs``
    (one IRLS fit per distinct active set)."""
    fits: dict[bytes, SolverOutput] = {}
    outputs = []
    for row in coefs:
        active = row != 0
        key = np.packbits(active).tobytes()
        if key not in fits:
            fits[key] = relaxed_fit(problem, active, control)
        outputs.append(fits[key])
    return (np.array([o.coef for o in outputs]).reshape(coefs.shape), np.array([o.intercept for o in outputs]),
            np.array([o.deviance for o in outputs]))


def blend(gamma: float, lasso: FloatArray, relaxed: FloatArray) -> FloatArray:
    """glmnet's relaxed coefficients ``gamma lasso + (1 - gamma) relaxed``."""
    return gamma * lasso + (1.0 - gamma) * relaxed
