"""Information criteria: the one implementation every caller uses.

For a fit with maximised log-likelihood ``loglik`` (R's ``logLik``: prior
weights as R's ``glm`` reads them, frequency weights as repeated rows) on
``n`` observations (rows with positive prior weight, counted by their
frequency weights):

    k    = edf + [intercept] + [dispersion estimated]
    AIC  = -2 loglik + 2 k
    BIC  = -2 loglik + k log(n)
    AICc = AIC + 2 k (k + 1) / (n - k - 1)          (inf when n <= k + 1)
    EBIC = BIC + 2 gamma log C(p, s)                (Chen and Chen 2008; gamma = 0.5)

with ``p`` the number of penalized columns and ``s`` how many of them are
non-zero. The degrees-of-freedom convention is ``df="edf"``, the effective
number of estimated coefficients besides the intercept:

- unpenalized fits: the rank of the design (aliased columns excluded),
  which makes ``AIC``/``BIC`` R's ``AIC()``/``BIC()``;
- the lasso (``l1_ratio = 1``): the number of non-zero coefficients, an
  unbiased estimate of its degrees of freedom (Zou, Hastie and Tibshirani
  2007), glmnet's ``df``;
- the elastic net and ridge: the trace of the hat matrix of the final IRLS
  step on the active set (Zou and Hastie 2005), :func:`effective_df`.

``GLMResult.aic``, ``PathResult.aic``, ``path.select("aic")``,
``GLMRegressorCV(criterion="aic")`` and ``gg.stepwise`` all use these
functions, so the same criterion on the same data picks the same model
everywhere. Stepwise searches print R's ``extractAIC`` scale
(:func:`extract_aic`), which differs from AIC/BIC by a constant only.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from .._validation import check_choice
from ..matrices import column_means, weighted_gram
from ..model import Penalty
from ..solvers import GLMProblem, equilibrated_penalized

FloatArray = npt.NDArray[np.float64]
ArrayOrFloat = FloatArray | float

CRITERIA = ("aic", "bic", "aicc", "ebic")
#: gamma of the extended BIC unless given
EBIC_GAMMA = 0.5


def parameter_count(edf: ArrayOrFloat, fit_intercept: bool, likelihood_parameters: int) -> ArrayOrFloat:
    """``k``: effective coefficients, plus the intercept and the family's other likelihood parameters (the
    dispersion of the gaussian, Gamma and inverse Gaussian families, an estimated negative binomial theta), as
    R's ``logLik`` counts them."""
    return edf + float(fit_intercept) + float(likelihood_parameters)


def aic(loglik: ArrayOrFloat, k: ArrayOrFloat) -> ArrayOrFloat:
    """Akaike's criterion ``-2 loglik + 2 k``."""
    return -2.0 * loglik + 2.0 * k


def bic(loglik: ArrayOrFloat, k: ArrayOrFloat, nobs: float) -> ArrayOrFloat:
    """Schwarz's criterion ``-2 loglik + k log(n)``."""
    return -2.0 * loglik + k * math.log(nobs)


def aicc(loglik: ArrayOrFloat, k: ArrayOrFloat, nobs: float) -> ArrayOrFloat:
    """AIC with the small-sample correction ``2 k (k + 1) / (n - k - 1)``; ``inf`` when ``n <= k + 1``."""
    k_array = np.asarray(k, dtype=float)
    denominator = nobs - k_array - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(denominator > 0, aic(loglik, k_array) + 2.0 * k_array * (k_array + 1.0) / denominator,
                         np.inf)
    return float(value) if value.ndim == 0 else value


def ebic(loglik: ArrayOrFloat, k: ArrayOrFloat, nobs: float, n_candidates: int, n_selected: ArrayOrFloat,
         gamma: float = EBIC_GAMMA) -> ArrayOrFloat:
    """Extended BIC ``BIC + 2 gamma log C(p, s)`` over ``p = n_candidates`` penalized columns, ``s`` selected."""
    log_choose = (special.gammaln(n_candidates + 1.0) - special.gammaln(np.asarray(n_selected) + 1.0)
                  - special.gammaln(n_candidates - np.asarray(n_selected) + 1.0))
    return bic(loglik, k, nobs) + 2.0 * gamma * log_choose


def criterion(name: str, loglik: ArrayOrFloat, k: ArrayOrFloat, nobs: float, *, n_candidates: int = 0,
              n_selected: ArrayOrFloat = 0.0) -> ArrayOrFloat:
    """The criterion called ``name`` ("aic", "bic", "aicc" or "ebic"); ``n_candidates`` and
    ``n_selected`` are only read by "ebic"."""
    name = check_choice("criterion", name, CRITERIA)
    if name == "aic":
        return aic(loglik, k)
    if name == "bic":
        return bic(loglik, k, nobs)
    if name == "aicc":
        return aicc(loglik, k, nobs)
    return ebic(loglik, k, nobs, n_candidates, n_selected)


def extract_aic(loglik: float, k: float, penalty_per_coefficient: float, edf_with_intercept: float) -> float:
    """R's ``extractAIC(fit, k=penalty)[2]`` for a ``glm``: ``AIC + (penalty - 2) * edf``.

    ``edf_with_intercept`` counts the intercept. For ``penalty = 2`` this is
    :func:`aic`; for ``penalty = log(n)`` it differs from :func:`bic` by the
    constant ``(log(n) - 2) * [dispersion estimated]``, so both choose the same models.
    """
    return float(aic(loglik, k)) + (penalty_per_coefficient - 2.0) * edf_with_intercept


def effective_df(problem: GLMProblem, penalty: Penalty, coef: FloatArray, intercept: float) -> float:
    """Trace of the elastic-net hat matrix on the active set ``A`` at a solution:

    ``tr[X_A (X_A' U X_A + diag(l2_A))^{-1} X_A' U]``, ``X_A`` centred with the
    working weights ``U`` when there is an intercept. The number of non-zero
    coefficients when nothing is L2-penalized (the lasso). Scale-invariant;
    evaluated on exactly rescaled columns (:func:`~glmgen.solvers.equilibrated_penalized`)
    so that columns of extreme scale neither overflow nor underflow.
    """
    problem, penalty, factors = equilibrated_penalized(problem, penalty)
    if factors is not None:
        coef = coef / factors
    active = np.flatnonzero(coef)
    if active.size == 0:
        return 0.0
    l2 = penalty.l2[active]
    if not np.any(l2 > 0):
        return float(active.size)
    X_active = problem.X[:, active]
    eta = problem.offset + intercept + X_active @ coef[active]
    mu = problem.link.inverse(eta)
    dmu = problem.link.inverse_derivative(eta)
    u = problem.weights * dmu * (dmu / problem.family.variance(mu)) / problem.weights.sum()
    gram = weighted_gram(X_active, u, column_means(X_active, u, problem.fit_intercept))
    return float(np.trace(np.linalg.solve(gram + np.diag(l2), gram)))


def effective_df_along(problem: GLMProblem, penalty: Penalty, alphas: FloatArray, coefs: FloatArray,
                       intercepts: FloatArray) -> FloatArray:
    """:func:`effective_df` at each alpha of a path: ``coefs`` ``(n_alphas, p)``, ``intercepts`` ``(n_alphas,)``."""
    return np.array([effective_df(problem, penalty.at(alpha), coef, intercept)
                     for alpha, coef, intercept in zip(alphas, coefs, intercepts)])
