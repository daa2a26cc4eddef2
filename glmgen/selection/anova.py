"""Sequential analysis of deviance: :func:`anova`, as R's ``anova(fit, test=)`` for one ``glm`` (R 4.2's
``anova.glm``).

The terms enter in R's order (by degree, then as written). Row ``i`` refits the model on the columns of the
first ``i`` terms of the fit's own design (intercept, prior weights, frequency weights and offset kept),
as R does with the model matrix's term assignment; the first row is the null model and the last the fit.

Conventions
-----------
``deviance`` of a row is the drop in residual deviance from the row above (at least 0) and ``df`` the
coefficients its term adds (rank differences, so aliased columns count nothing). The tests use one
dispersion, the full model's ``scale`` (R's ``summary.glm`` dispersion: 1 for binomial, poisson and
negative binomial fits, Pearson chi2 / df_resid where it is estimated), as R's ``stat.anova``:
``"Chisq"``: ``pvalue = P(chi2_df > deviance / dispersion)``; ``"F"``: ``statistic = deviance / df /
dispersion`` on ``(df, df_resid)`` where the dispersion is estimated and ``(df, inf)`` where it is known.
"""

from __future__ import annotations

import math
import warnings as warnings_module

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, GLMGenWarning, InvalidParameterError
from ..formula import term_key, term_label
from ..results import GLMResult
from ..solvers import solver_controls
from .add_drop import _check_fit, _model_terms, _refit_columns, _term_columns
from .compare import _check_test


def _sequential_refits(fit: GLMResult, tol: float, max_iter: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Term labels, residual deviances and ranks (intercept included) of the null model, each leading run of
    terms, and the fit."""
    assert fit.training is not None
    design = fit.training.design
    control, _ = solver_controls(tol, max_iter)
    slices = _term_columns(fit.spec)
    terms = _model_terms(fit)
    columns = np.zeros(design.X.shape[1], dtype=bool)
    deviances, ranks = [fit.null_deviance], [float(fit.spec.fit_intercept)]
    for term in terms[:-1]:
        columns[slices[term_key(term)]] = True
        refit = _refit_columns(design, fit, columns.copy(), control, f"+ {term_label(term)}", "anova")
        deviances.append(refit.deviance)
        ranks.append(refit.rank)
    if terms:
        deviances.append(fit.deviance)
        ranks.append(fit.edf + float(fit.spec.fit_intercept))
    return [term_label(term) for term in terms], np.array(deviances), np.array(ranks)


def _with_test(table: pd.DataFrame, fit: GLMResult, test: str) -> pd.DataFrame:
    """R's ``stat.anova`` columns for ``test`` (``"chi2"`` or ``"F"``) with the fit's dispersion."""
    estimated = fit.family.estimates_dispersion
    dispersion = fit.scale
    df = table["df"].to_numpy()
    change = table["deviance"].to_numpy() / dispersion
    tested = df > 0  # R's NA for the NULL row and for terms whose columns are all aliased
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "chi2":
            table["pvalue"] = np.where(tested, stats.chi2.sf(change, df), math.nan)
            return table
        if not estimated:
            warnings_module.warn(
                f"anova: the F test with a known dispersion (family={fit.family.name!r}) is inappropriate, as R "
                "warns; its p-values equal the chi-squared test's. Use test='Chisq'.", GLMGenWarning, stacklevel=3,
            )
        statistic = np.where(tested, change / df, math.nan)
        pvalue = stats.f.sf(statistic, df, fit.df_resid) if estimated else stats.chi2.sf(statistic * df, df)
    table["statistic"] = statistic
    table["pvalue"] = np.where(tested, pvalue, math.nan)
    return table


def anova(fit: GLMResult, *, test: str | None = None, tol: float = 1e-10, max_iter: int = 100) -> pd.DataFrame:
    """R's sequential analysis-of-deviance table of one fit, ``anova(fit, test=)``.

    Parameters
    ----------
    fit : GLMResult
        An unpenalized fit that keeps its training rows (not a loaded model).
    test : {None, "Chisq", "F"}
        ``"Chisq"`` (also ``"LRT"``) adds ``pvalue``; ``"F"`` adds ``statistic`` (F) and ``pvalue``
        (see the module notes; for binomial and poisson fits, whose dispersion is known, R and glmgen warn).
        R's ``"Rao"`` score test is not available.
    tol, max_iter
        IRLS settings of the refits.

    Returns
    -------
    DataFrame
        Indexed by ``"NULL"`` then each formula term in R's order, columns ``df``, ``deviance`` (the
        deviance the term removes), ``resid_df``, ``resid_dev`` and, with a test, ``statistic`` (F only) and
        ``pvalue``.

    Raises
    ------
    InvalidParameterError
        For a penalized fit or an unknown ``test``.
    DataError
        For a model loaded from a file (it keeps no training rows to refit).
    """
    _check_fit(fit, "anova")
    if isinstance(test, str) and test.lower() == "rao":
        raise InvalidParameterError(
            "anova: test='Rao' (R's score test) is not available; use test='Chisq' (likelihood ratio), which "
            "agrees with it for large samples, or test='F' where the dispersion is estimated."
        )
    test = _check_test(test)
    if fit.training is None:
        raise DataError(
            "anova refits the model's training rows term by term, but this result holds none (it was loaded "
            "from a file). Refit the model with gg.glm on its data, then call anova."
        )
    labels, deviances, ranks = _sequential_refits(fit, tol, max_iter)
    resid_df = fit.df_resid + (ranks[-1] - ranks)
    table = pd.DataFrame({
        "df": np.concatenate([[math.nan], np.diff(ranks)]),
        "deviance": np.concatenate([[math.nan], np.maximum(0.0, -np.diff(deviances))]),
        "resid_df": resid_df,
        "resid_dev": deviances,
    }, index=pd.Index(["NULL", *labels], name="term"))
    return table if test is None else _with_test(table, fit, test)
