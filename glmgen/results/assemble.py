"""Assembling a :class:`~glmgen.results.GLMResult` from a solver's output: every statistic computed once, now."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..formula import DesignSpec
from ..model import Family, Link
from ..stats import sandwich_covariance, score_factors
from .glm import GLMRefits, GLMResult, PenaltySettings, TrainingData


@dataclass(frozen=True)
class FitTotals:
    """Sums over the training rows at the solution that a result's statistics need: Pearson's chi-squared
    ``sum w (y - mu)^2 / V(mu)`` (prior x frequency weights), R's log-likelihood, and ``nobs`` (frequency
    weights of the rows with positive prior weight). A distributed fit reduces them over partitions."""

    pearson: float
    loglik: float
    nobs: float


def row_sums(family: Family, y: npt.NDArray[np.float64], mu: npt.NDArray[np.float64],
             weights: npt.NDArray[np.float64], trials: npt.NDArray[np.float64],
             freq_weights: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64], float]:
    """What :class:`FitTotals` is made of, as sums over rows (so row blocks add): Pearson's chi-squared
    ``sum w f (y - mu)^2 / V(mu)``, the log-likelihood's parts (:meth:`~glmgen.model.Family.log_likelihood_parts`)
    and nobs, the frequency weights of the rows with positive prior weight."""
    residual = y - mu  # (y - mu) * ((y - mu) / V): no overflow of the square for huge counts
    pearson = float(np.dot(weights * freq_weights, residual * (residual / family.variance(mu))))
    parts = np.asarray(family.log_likelihood_parts(y, mu, weights, trials, freq_weights), dtype=float)
    return pearson, parts, float(freq_weights[weights > 0].sum())


def build_result(
    spec: DesignSpec,
    design: Any,
    family: Family,
    link: Link,
    output: Any,
    *,
    penalty: PenaltySettings,
    null_deviance: float,
    null_intercept: float | None,
    warnings: list[str],
    edf: float | None = None,
    cov_type: str = "nonrobust",
    groups: npt.NDArray[np.int64] | None = None,
    refits: GLMRefits | None = None,
) -> GLMResult:
    """Assemble a :class:`GLMResult` with every statistic computed now (R's definitions).

    ``design`` is the training :class:`~glmgen.formula.DesignMatrix`, ``output``
    the solver's :class:`~glmgen.solvers.SolverOutput`; ``edf`` the effective degrees of freedom of a
    penalized fit (:func:`glmgen.stats.effective_df`; unpenalized fits use their rank). A robust ``cov_type`` of
    an unpenalized fit (``groups``: cluster codes ``0..G-1`` per row for ``"cluster"``) is computed here
    (:func:`glmgen.stats.sandwich_covariance`). ``refits`` is what the fit layer supplies for profile intervals.
    """
    y, mu = design.y, output.mu
    pearson, parts, nobs = row_sums(family, y, mu, design.weights, design.trials, design.freq_weights)
    totals = FitTotals(pearson=pearson, loglik=family.log_likelihood_from_parts(parts), nobs=nobs)
    robust = None
    if cov_type != "nonrobust":
        assert output.cov_unscaled is not None, "robust covariances are refused for penalized fits at the boundary"
        scores, working = score_factors(y, mu, output.eta, design.weights, family, link)
        robust = sandwich_covariance(design.X, output.cov_unscaled, scores=scores, working_weights=working,
                                     freq_weights=design.freq_weights, fit_intercept=spec.fit_intercept,
                                     cov_type=cov_type, nobs=totals.nobs, groups=groups)
    return result_from_totals(
        spec, family, link, output, totals, penalty=penalty, null_deviance=null_deviance,
        null_intercept=null_intercept, warnings=warnings, edf=edf, n_dropped=design.n_dropped,
        training=TrainingData(design=design, mu=mu, eta=output.eta), cov_type=cov_type, cov_robust=robust,
        n_clusters=None if groups is None else int(np.unique(groups).size), refits=refits,
    )


def result_from_totals(
    spec: DesignSpec,
    family: Family,
    link: Link,
    output: Any,
    totals: FitTotals,
    *,
    penalty: PenaltySettings,
    null_deviance: float,
    null_intercept: float | None,
    warnings: list[str],
    edf: float | None,
    n_dropped: int,
    training: TrainingData | None = None,
    cov_type: str = "nonrobust",
    cov_robust: npt.NDArray[np.float64] | None = None,
    n_clusters: int | None = None,
    refits: GLMRefits | None = None,
) -> GLMResult:
    """A :class:`GLMResult` from the solver's ``output`` (coefficients, aliasing, deviance, covariance, history)
    and the row ``totals`` at the solution: how :func:`build_result` and a distributed fit (no rows in
    memory, ``training=None``) both assemble their results."""
    coef = output.coef
    if penalty.is_penalized:
        rank = float(np.count_nonzero(coef)) + float(spec.fit_intercept)
        covariance = None
    else:
        rank = float(np.count_nonzero(~output.aliased)) + float(spec.fit_intercept)
        covariance = output.cov_unscaled
    df_resid = totals.nobs - rank
    names = (["Intercept"] if spec.fit_intercept else []) + spec.column_names
    values = np.concatenate([[output.intercept] if spec.fit_intercept else [], coef])
    return GLMResult(
        spec=spec,
        family=family,
        link=link,
        params=pd.Series(values, index=names, name="coef"),
        cov_unscaled=covariance,
        scale=totals.pearson / df_resid if family.estimates_dispersion and df_resid > 0 else
        (math.nan if family.estimates_dispersion else 1.0),
        deviance=output.deviance,
        null_deviance=null_deviance,
        loglik=totals.loglik,
        pearson_chi2=totals.pearson,
        df_model=rank - float(spec.fit_intercept),
        edf=rank - float(spec.fit_intercept) if edf is None else edf,
        df_resid=df_resid,
        nobs=totals.nobs,
        converged=output.converged,
        n_iter=output.n_iter,
        null_intercept=null_intercept,
        penalty=penalty,
        warnings=warnings,
        n_dropped=n_dropped,
        training=training,
        history=output.history,
        cov_type=cov_type,
        cov_robust=cov_robust,
        n_clusters=n_clusters,
        refits=refits,
    )
