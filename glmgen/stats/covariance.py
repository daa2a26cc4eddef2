"""Sandwich (heteroscedasticity- and cluster-robust) covariances and delta-method standard errors of predictions.

Notation: ``X1 = [1, X]`` the design with the intercept column (aliased columns left out), ``w`` the prior
weights, ``f`` the frequency weights (a row with ``f = 3`` counts three times), ``g`` the link,
``V`` the variance function and ``B = (X1' W X1)^-1`` the unscaled covariance of an unpenalized fit
(``W = diag(f v)``, ``v_i = w_i (dmu/deta)_i^2 / V(mu_i)`` the IRLS working weights at the solution). The score
of one copy of row ``i`` is

    u_i = x1_i s_i,    s_i = w_i (y_i - mu_i) / (V(mu_i) g'(mu_i)) = w_i (y_i - mu_i) (dmu/deta)_i / V(mu_i).

Robust covariances need no dispersion: it cancels between the bread and the meat.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse
from scipy import stats

from ..matrices import GRAM_BLOCK_BYTES, Matrix, ModelMatrix, take_columns
from ..model import Family, Link

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: the covariance types of :func:`glmgen.glm` (``cov_type=``)
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
#: how the summary names each covariance type
COV_TYPE_LABELS = {
    "nonrobust": "model-based (inverse Fisher information)",
    "HC0": "HC0 (heteroscedasticity-robust)", "HC1": "HC1 (heteroscedasticity-robust)",
    "HC2": "HC2 (heteroscedasticity-robust)", "HC3": "HC3 (heteroscedasticity-robust)",
    "cluster": "cluster-robust",
}
#: the power of ``1 - h_i`` that divides the meat's rows (HC0 and HC1 use none)
_LEVERAGE_POWER = {"HC2": 1, "HC3": 2}


def score_factors(
    y: FloatArray, mu: FloatArray, eta: FloatArray, weights: FloatArray, family: Family, link: Link
) -> tuple[FloatArray, FloatArray]:
    """Per-row score factors ``s`` and working weights ``v`` of one copy of each row, each ``(n,)``.

    ``s_i = w_i (y_i - mu_i) (dmu/deta)_i / V(mu_i)`` (the score is ``x1_i s_i``) and
    ``v_i = w_i (dmu/deta)_i^2 / V(mu_i)``, with ``w`` the prior weights (frequency weights not included).
    """
    dmu = link.inverse_derivative(eta)
    per_variance = dmu / family.variance(mu)
    return weights * (y - mu) * per_variance, weights * dmu * per_variance


def sandwich_covariance(
    X: Matrix,
    bread: FloatArray,
    *,
    scores: FloatArray,
    working_weights: FloatArray,
    freq_weights: FloatArray,
    fit_intercept: bool,
    cov_type: str,
    nobs: float,
    groups: IntArray | None = None,
) -> FloatArray:
    """The robust covariance ``B M B`` of an unpenalized fit, ``(q, q)`` like ``bread`` (NaN where it is).

    Parameters
    ----------
    X : array or ModelMatrix (n, p)
        The training design without the intercept column.
    bread : array (q, q)
        ``B``, the unscaled covariance (intercept first), NaN in the rows and columns of aliased columns.
    scores, working_weights : array (n,)
        ``s`` and ``v`` of :func:`score_factors`.
    freq_weights : array (n,)
        ``f``: row ``i`` counts ``f_i`` times.
    cov_type : {"HC0", "HC1", "HC2", "HC3", "cluster"}
    nobs : float
        ``n = sum f`` over the rows of positive weight.
    groups : int array (n,), optional
        Cluster codes ``0 .. G-1`` (``cov_type="cluster"``).

    Notes
    -----
    With ``k`` the number of coefficients that are not aliased and ``h_i = v_i x1_i' B x1_i`` the IRLS hat value
    of one copy of row ``i`` (``diag(W^1/2 X1 B X1' W^1/2)``):

    - HC0: ``M = sum_i f_i s_i^2 x1_i x1_i'``; HC1: ``n / (n - k)`` HC0;
      HC2, HC3: ``s_i^2`` divided by ``1 - h_i`` and ``(1 - h_i)^2``, as R's ``sandwich::vcovHC`` for a ``glm``.
      statsmodels' ``GLM.fit(cov_type="HC1" | "HC2" | "HC3")`` returns HC0 instead (statsmodels issue #7798).
    - cluster: ``M = c sum_g S_g S_g'`` with ``S_g = sum_{i in g} f_i s_i x1_i`` and
      ``c = G / (G - 1) (n - 1) / (n - k)``: statsmodels' default (``cov_kwds={"groups": g}``) and R's
      ``sandwich::vcovCL(fit, cluster=g, type="HC1")``.
    """
    kept = ~np.isnan(np.diag(bread))
    B = bread[np.ix_(kept, kept)]
    columns = kept[int(fit_intercept):]
    X_kept = X if columns.all() else take_columns(X, columns)
    k = int(kept.sum())
    if cov_type == "cluster":
        assert groups is not None
        n_groups = int(groups.max()) + 1 if groups.size else 0
        sums = np.zeros((n_groups, k))
        for rows, D in _row_blocks(X_kept, fit_intercept):
            indicator = scipy.sparse.csr_matrix(
                (freq_weights[rows] * scores[rows], (groups[rows], np.arange(D.shape[0]))), shape=(n_groups, D.shape[0])
            )
            sums += indicator @ D
        meat = sums.T @ sums * (n_groups / (n_groups - 1) * (nobs - 1) / (nobs - k))
    else:
        row_weights = freq_weights * np.square(scores)
        if cov_type in _LEVERAGE_POWER:
            hat = working_weights * row_quadratic_forms(X_kept, B, fit_intercept)
            with np.errstate(divide="ignore", invalid="ignore"):
                row_weights = row_weights / (1.0 - hat) ** _LEVERAGE_POWER[cov_type]
        meat = np.zeros((k, k))
        for rows, D in _row_blocks(X_kept, fit_intercept):
            meat += D.T @ (row_weights[rows, None] * D)
        if cov_type == "HC1":
            meat *= nobs / (nobs - k)
    covariance = np.full_like(bread, np.nan)
    sandwich = B @ meat @ B
    covariance[np.ix_(kept, kept)] = 0.5 * (sandwich + sandwich.T)
    return covariance


def row_quadratic_forms(X: Matrix, A: FloatArray, fit_intercept: bool) -> FloatArray:
    """``x1_i' A x1_i`` for every row, ``(n,)``, with ``x1_i = [1, x_i]`` when ``fit_intercept``; ``A`` is
    ``(q, q)``, ``q`` the columns of ``X`` plus the intercept. Computed over blocks of rows (no ``n x q`` array
    beside a dense ``X``)."""
    out = np.empty(X.shape[0])
    for rows, D in _row_blocks(X, fit_intercept):
        out[rows] = np.einsum("ij,ij->i", D @ A, D)
    return out


def _row_blocks(X: Matrix, fit_intercept: bool) -> Iterator[tuple[slice, FloatArray]]:
    """Consecutive blocks of rows of ``[1, X]`` (or ``X``) as dense arrays of about ``GRAM_BLOCK_BYTES``."""
    n, p = X.shape
    q = p + int(fit_intercept)
    step = max(1, GRAM_BLOCK_BYTES // (8 * max(q, 1)))
    for start in range(0, n, step):
        stop = min(start + step, n)
        dense = X.dense_rows(start, stop) if isinstance(X, ModelMatrix) else np.asarray(X[start:stop])
        if fit_intercept:
            dense = np.column_stack([np.ones(stop - start), dense])
        yield slice(start, stop), dense


def prediction_table(
    X: Matrix, eta: FloatArray, covariance: FloatArray, *, fit_intercept: bool, link: Link, level: float
) -> pd.DataFrame:
    """Predictions with delta-method standard errors and Wald intervals, one row per row of ``X``.

    ``link`` (``eta``), ``link_se = sqrt(x1' C x1)`` with ``C`` the covariance in use (aliased columns, NaN in
    ``C``, count as 0, as in the predictions), ``mean = g^-1(eta)``, ``mean_se = |dmu/deta| link_se`` (R's
    ``predict.glm(se.fit=TRUE, type="response")``) and ``mean_ci_lower``/``mean_ci_upper``: the interval
    ``eta -+ z link_se`` through the inverse link (statsmodels' default, normal quantile ``z`` whatever the
    family), ordered so that lower <= upper also for a decreasing link.
    """
    kept = ~np.isnan(np.diag(covariance))
    columns = kept[int(fit_intercept):]
    X_kept = X if columns.all() else take_columns(X, columns)
    link_se = np.sqrt(np.maximum(row_quadratic_forms(X_kept, covariance[np.ix_(kept, kept)], fit_intercept), 0.0))
    z = stats.norm.ppf(0.5 + level / 2.0)
    ends = link.inverse(eta - z * link_se), link.inverse(eta + z * link_se)
    return pd.DataFrame({
        "mean": link.inverse(eta),
        "mean_se": np.abs(link.inverse_derivative(eta)) * link_se,
        "mean_ci_lower": np.minimum(*ends),
        "mean_ci_upper": np.maximum(*ends),
        "link": eta,
        "link_se": link_se,
    })
