"""Comparing fitted models: the comparison table (AIC, BIC, AICc, Akaike weights) and likelihood-ratio tests.

:func:`compare` reports each fit's own ``aic``, ``bic`` and ``aicc``
(:mod:`glmgen.stats.criteria`: ``k`` counts the dispersion where it is
estimated, R's ``AIC()``/``BIC()``).
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import quoted
from ..errors import DataError, GLMGenWarning, InvalidParameterError
from ..formula import term_key, term_label
from ..results import GLMResult

# --- comparison table ------------------------------------------------------------------------------

def _check_fits(fits: Any, what: str) -> list[GLMResult]:
    if isinstance(fits, GLMResult) or not isinstance(fits, (list, tuple)) or not fits:
        raise InvalidParameterError(f"{what} takes a non-empty list of fitted models, e.g. [fit1, fit2].")
    for i, fit in enumerate(fits):
        if not isinstance(fit, GLMResult):
            raise InvalidParameterError(
                f"{what}: item {i} is a {type(fit).__name__}, not a fitted model (GLMResult from gg.glm or "
                "step.best)."
            )
    return list(fits)


def _row_names(fits: list[GLMResult], names: Sequence[str] | None) -> list[str]:
    if names is None:
        labels = [fit.spec.formula for fit in fits]
        return [label if labels[:i].count(label) == 0 else f"{label} [{labels[:i].count(label) + 1}]"
                for i, label in enumerate(labels)]
    if isinstance(names, str) or not isinstance(names, (list, tuple, pd.Index)) or len(names) != len(fits):
        raise InvalidParameterError(f"names must be a list of {len(fits)} labels, one per fit, got {names!r}.")
    labels = [str(n) for n in names]
    duplicated = sorted({n for n in labels if labels.count(n) > 1})
    if duplicated:
        raise InvalidParameterError(f"names must be unique, but {quoted(duplicated)} appear more than once.")
    return labels


def compare(
    fits: Sequence[GLMResult], *, names: Sequence[str] | None = None, test: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Information criteria of several fits side by side, with Akaike weights.

    Parameters
    ----------
    fits : list of GLMResult
    names : list of str, optional
        Row labels; default the formulas (repeated formulas get ``" [2]"``, ...).
    test : DataFrame, optional
        Held-out rows: adds ``test_mean_deviance`` (``fit.evaluate(test).mean_deviance``).

    Returns
    -------
    DataFrame
        One row per fit, in input order, indexed by ``names``: ``df`` (the
        ``k`` of AIC: coefficients plus the dispersion where estimated),
        ``deviance``, ``aic``, ``bic``, ``aicc``, ``delta_aic`` (``aic`` minus
        the smallest ``aic``), ``akaike_weight``
        (``exp(-delta_aic / 2)`` normalised to sum to 1) and, with ``test``,
        ``test_mean_deviance``.

    Notes
    -----
    Information criteria compare models of the same response fitted to the
    same rows; a warning says so when the fits' ``nobs`` or responses differ.
    """
    fits = _check_fits(fits, "compare")
    index = _row_names(fits, names)
    differences = {what for fit in fits[1:] if (what := _data_difference(fits[0], fit, False)) is not None}
    if len({fit.nobs for fit in fits}) > 1 or len({fit.spec.response.label for fit in fits}) > 1 or differences:
        described = ", ".join(f"{fit.spec.response.label} (nobs={fit.nobs:g})" for fit in fits)
        detail = f"; their {' and '.join(sorted(differences))} differ" if differences else ""
        warnings_module.warn(
            f"compare: the fits do not share the same response and rows ({described}{detail}); their AIC and "
            "BIC are not comparable. Fit every model to the same rows of the same response.",
            GLMGenWarning,
            stacklevel=2,
        )
    aic = np.array([fit.aic for fit in fits], dtype=float)
    finite = np.isfinite(aic)
    delta = aic - (aic[finite].min() if finite.any() else np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        relative = np.where(finite, np.exp(-0.5 * delta), 0.0)
        weights = relative / relative.sum() if relative.sum() > 0 else np.full(len(fits), np.nan)
    table = pd.DataFrame({
        "df": [fit.k for fit in fits],
        "deviance": [fit.deviance for fit in fits],
        "aic": aic,
        "bic": [fit.bic for fit in fits],
        "aicc": [fit.aicc for fit in fits],
        "delta_aic": delta,
        "akaike_weight": np.where(finite, weights, np.nan),
    }, index=pd.Index(index, name="model"))
    if test is not None:
        if not isinstance(test, pd.DataFrame):
            raise InvalidParameterError(f"test must be a DataFrame of held-out rows, got {type(test).__name__}.")
        table["test_mean_deviance"] = [fit.evaluate(test).mean_deviance for fit in fits]
    return table


# --- likelihood-ratio test -------------------------------------------------------------------------

@dataclass(frozen=True)
class LRTestResult:
    """Likelihood-ratio (analysis of deviance) test of a model against a larger one that nests it.

    ``test`` is ``"chi2"`` when the dispersion is known (binomial, poisson):
    ``statistic = deviance_small - deviance_big`` on ``df`` degrees of
    freedom. It is ``"F"`` when the dispersion is estimated (gaussian), as
    R's ``anova(small, big, test="F")``:
    ``statistic = (deviance_small - deviance_big) / df / dispersion`` with
    the big model's dispersion (Pearson chi2 / residual df) on
    ``(df, df_denominator)`` degrees of freedom.
    """

    statistic: float
    df: float
    pvalue: float
    test: str
    deviance_small: float
    deviance_big: float
    df_resid_small: float
    df_resid_big: float
    dispersion: float
    df_denominator: float
    formula_small: str
    formula_big: str

    def to_frame(self) -> pd.DataFrame:
        """R's analysis-of-deviance table: one row per model."""
        statistic = "F" if self.test == "F" else "chi2"
        return pd.DataFrame({
            "resid_df": [self.df_resid_small, self.df_resid_big],
            "resid_deviance": [self.deviance_small, self.deviance_big],
            "df": [math.nan, self.df],
            "deviance": [math.nan, self.deviance_small - self.deviance_big],
            statistic: [math.nan, self.statistic],
            "pvalue": [math.nan, self.pvalue],
        }, index=pd.Index([self.formula_small, self.formula_big], name="model"))

    def __str__(self) -> str:
        degrees = f"{self.df:g}" if self.test == "chi2" else f"{self.df:g}, {self.df_denominator:g}"
        return (
            f"Likelihood-ratio test ({self.test})\n  small: {self.formula_small}\n  big:   {self.formula_big}\n"
            f"  statistic = {self.statistic:.6g} on {degrees} df, p-value = {self.pvalue:.4g}"
        )


def _term_keys(fit: GLMResult) -> dict[frozenset[str], str]:
    return {term_key(term): ("Intercept" if not term.factors else term_label(term))
            for term in fit.spec.design_info.terms}


def _check_same_rows(small: GLMResult, big: GLMResult) -> None:
    if small.nobs != big.nobs:
        raise DataError(
            f"lrtest needs both models fitted to the same rows, but small has nobs={small.nobs:g} and big "
            f"nobs={big.nobs:g} (rows with missing values in the big model's extra variables are dropped only "
            "there). Drop those rows from the data first and refit both models on it."
        )
    if small.spec.response.label != big.spec.response.label:
        raise DataError(
            f"lrtest needs the same response in both models, got {small.spec.response.label!r} and "
            f"{big.spec.response.label!r}."
        )
    what = _data_difference(small, big)
    if what is not None:
        raise DataError(
            f"lrtest needs both models fitted to the same rows, but their {what} differ. Refit both on "
            "the same data (same rows, same weights)."
        )


def _data_difference(first: GLMResult, second: GLMResult, prior_weights: bool = True) -> str | None:
    """What differs between the training rows of two fits ("response values", "prior weights", ...), or
    ``None`` when they agree (or a fit keeps no training arrays). ``prior_weights=False`` leaves prior
    weights out: they are part of the model (a variance model), not of the data."""
    if first.training is None or second.training is None:
        return None
    a, b = first.training, second.training
    parts = [("response values", a.y, b.y), ("frequency weights", a.freq_weights, b.freq_weights)]
    if prior_weights:
        parts.insert(1, ("prior weights", a.weights, b.weights))
    for what, x, y in parts:
        if x.shape != y.shape or not np.allclose(x, y, rtol=1e-12, atol=0.0):
            return what
    return None


def _check_nested(small: GLMResult, big: GLMResult) -> None:
    small_terms, big_terms = _term_keys(small), _term_keys(big)
    if set(small_terms) <= set(big_terms):
        return
    if set(small.params.index) <= set(big.params.index):
        return
    if set(big_terms) < set(small_terms) or set(big.params.index) < set(small.params.index):
        raise InvalidParameterError(
            f"lrtest(small, big) got the larger model first: {small.spec.formula!r} contains "
            f"{big.spec.formula!r}. Swap the arguments: lrtest(smaller_fit, larger_fit)."
        )
    missing = [label for key, label in small_terms.items() if key not in big_terms]
    if missing == ["Intercept"]:
        raise InvalidParameterError(
            f"the models are not nested: {small.spec.formula!r} has an intercept but {big.spec.formula!r} "
            "has none. Add the intercept to the big model, or remove it from the small one."
        )
    raise InvalidParameterError(
        f"the models are not nested: term {missing[0]!r} of the small model {small.spec.formula!r} is not in "
        f"the big model {big.spec.formula!r}. lrtest compares a model with a larger one containing all of its "
        "terms; for non-nested models compare AIC or BIC with gg.compare([...])."
    )


def lrtest(small: GLMResult, big: GLMResult) -> LRTestResult:
    """Likelihood-ratio test of ``small`` against ``big``, which must contain it.

    As R's ``anova(small, big, test="Chisq")`` for binomial and poisson
    fits, and ``anova(small, big, test="F")`` where the dispersion is
    estimated (gaussian); see :class:`LRTestResult`.

    Raises
    ------
    ValueError
        If the fits have different families or links, were fitted to
        different rows (``nobs``, response values or weights differ), are
        penalized, are not nested (a term of ``small`` is not in ``big``), or
        come in the wrong order.
    """
    for name, fit in (("small", small), ("big", big)):
        if not isinstance(fit, GLMResult):
            raise InvalidParameterError(f"lrtest: {name} must be a fitted model (GLMResult), got {type(fit).__name__}.")
        if fit.penalty.is_penalized:
            raise InvalidParameterError(
                f"lrtest: the {name} model is penalized (alpha={fit.penalty.alpha:g}); the likelihood-ratio "
                "test needs maximum-likelihood fits (alpha=0)."
            )
    if small.family.name != big.family.name:
        raise InvalidParameterError(
            f"lrtest needs both models from the same family, got family={small.family.name!r} (small) and "
            f"family={big.family.name!r} (big). Refit them with the same family."
        )
    if small.link.name != big.link.name:
        raise InvalidParameterError(
            f"lrtest needs both models with the same link, got link={small.link.name!r} (small) and "
            f"link={big.link.name!r} (big); models with different links are not nested."
        )
    _check_same_rows(small, big)
    _check_nested(small, big)
    df = small.df_resid - big.df_resid
    if df < 0:
        raise InvalidParameterError(
            f"lrtest(small, big): the small model {small.spec.formula!r} estimates more coefficients "
            f"({small.df_resid:g} residual df) than the big model {big.spec.formula!r} ({big.df_resid:g}). "
            "Swap the arguments: lrtest(smaller_fit, larger_fit)."
        )
    if df == 0:
        raise InvalidParameterError(
            f"lrtest: the big model {big.spec.formula!r} estimates no more coefficients than the small one "
            "(its extra columns are aliased or it has the same terms), so there is nothing to test."
        )
    change = small.deviance - big.deviance
    if big.family.estimates_dispersion:
        dispersion = big.pearson_chi2 / big.df_resid if big.df_resid > 0 else math.nan
        statistic = change / df / dispersion
        pvalue = float(stats.f.sf(statistic, df, big.df_resid))
        test, df_denominator = "F", big.df_resid
    else:
        dispersion, statistic = 1.0, change
        pvalue = float(stats.chi2.sf(statistic, df))
        test, df_denominator = "chi2", math.inf
    return LRTestResult(
        statistic=float(statistic), df=float(df), pvalue=pvalue, test=test,
        deviance_small=small.deviance, deviance_big=big.deviance,
        df_resid_small=small.df_resid, df_resid_big=big.df_resid,
        dispersion=float(dispersion), df_denominator=float(df_denominator),
        formula_small=small.spec.formula, formula_big=big.spec.formula,
    )
