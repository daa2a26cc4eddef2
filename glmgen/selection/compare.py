"""Comparing fitted models: the comparison table (AIC, BIC, AICc, Akaike weights) and likelihood-ratio tests.

:func:`compare` reports each fit's own ``aic``, ``bic`` and ``aicc``
(:mod:`glmgen.stats.criteria`: ``k`` counts the dispersion where it is
estimated, R's ``AIC()``/``BIC()``).
"""

from __future__ import annotations

import itertools
import math
import warnings as warnings_module
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._frames import AnyFrame, as_pandas
from .._validation import quoted
from ..errors import DataError, GLMGenWarning, InvalidParameterError
from ..formula import term_key, term_label
from ..results import GLMResult, display

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
    fits: Sequence[GLMResult], *, names: Sequence[str] | None = None, test: AnyFrame | None = None
) -> pd.DataFrame:
    """Information criteria of several fits side by side, with Akaike weights.

    Parameters
    ----------
    fits : list of GLMResult
    names : list of str, optional
        Row labels; default the formulas (repeated formulas get ``" [2]"``, ...).
    test : DataFrame, optional
        Held-out rows (pandas, polars or pyarrow, as :func:`glmgen.glm`): adds ``test_mean_deviance`` (``fit.evaluate(test).mean_deviance``).

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
        test = as_pandas(test, "test")
        table["test_mean_deviance"] = [fit.evaluate(test).mean_deviance for fit in fits]
    return table


# --- likelihood-ratio test -------------------------------------------------------------------------

@dataclass(frozen=True)
class LRTestResult:
    """Likelihood-ratio (analysis of deviance) test of a model against a larger one that nests it.

    ``test`` is ``"chi2"`` (the default when the dispersion is known:
    binomial, poisson): ``statistic = (deviance_small - deviance_big) /
    dispersion`` on ``df`` degrees of freedom, as R's ``anova(small, big,
    test="Chisq")``. It is ``"F"`` (the default when the dispersion is
    estimated: gaussian), as R's ``anova(small, big, test="F")``:
    ``statistic = (deviance_small - deviance_big) / df / dispersion`` on
    ``(df, df_denominator)`` degrees of freedom. ``dispersion`` is 1 when
    known, else the largest model's Pearson chi2 / residual df
    (``df_denominator``).
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

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


@dataclass(frozen=True)
class LRTestTable:
    """Analysis of deviance of a sequence of nested models, as R's ``anova(m1, m2, m3, test=...)``.

    ``steps[i]`` is the :class:`LRTestResult` of model ``i + 1`` against
    model ``i + 2`` (each with the dispersion of the largest model);
    :meth:`to_frame` is R's table: one row per model with ``resid_df`` and
    ``resid_deviance``, and from the second row on ``df``, ``deviance`` (the
    change from the previous model), the statistic (``chi2`` or ``F``) and
    ``pvalue``.
    """

    steps: tuple[LRTestResult, ...]
    formulas: tuple[str, ...]
    resid_df: tuple[float, ...]
    resid_deviance: tuple[float, ...]

    @property
    def test(self) -> str:
        return self.steps[0].test

    @property
    def statistic(self) -> np.ndarray:
        return np.array([step.statistic for step in self.steps])

    @property
    def pvalue(self) -> np.ndarray:
        return np.array([step.pvalue for step in self.steps])

    def to_frame(self) -> pd.DataFrame:
        """R's analysis-of-deviance table, indexed by the models' formulas (repeated ones get ``" [2]"``)."""
        statistic = "F" if self.test == "F" else "chi2"
        labels = [f if self.formulas[:i].count(f) == 0 else f"{f} [{self.formulas[:i].count(f) + 1}]"
                  for i, f in enumerate(self.formulas)]
        return pd.DataFrame({
            "resid_df": self.resid_df,
            "resid_deviance": self.resid_deviance,
            "df": [math.nan] + [step.df for step in self.steps],
            "deviance": [math.nan] + [step.deviance_small - step.deviance_big for step in self.steps],
            statistic: [math.nan] + [step.statistic for step in self.steps],
            "pvalue": [math.nan] + [step.pvalue for step in self.steps],
        }, index=pd.Index(labels, name="model"))

    def __str__(self) -> str:
        table = self.to_frame().to_string(na_rep="", float_format=lambda v: f"{v:.6g}")
        return f"Analysis of deviance ({self.test} test)\n{table}"

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


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


#: spellings of ``test=`` (R's ``anova(test=)``) -> the test
_TESTS = {"chisq": "chi2", "chi2": "chi2", "lrt": "chi2", "f": "F"}


def _check_test(test: str | None) -> str | None:
    if test is None:
        return None
    key = test.lower() if isinstance(test, str) else None
    if key not in _TESTS:
        raise InvalidParameterError(
            f"test={test!r} is not one of 'Chisq' (or 'LRT', 'chi2') and 'F'; leave it None for R's default "
            "(chi-squared where the dispersion is known, F where it is estimated)."
        )
    return _TESTS[key]


def _check_pair(small: GLMResult, big: GLMResult, names: tuple[str, str]) -> None:
    """Refuse a pair of fits that the likelihood-ratio test cannot compare (see :func:`lrtest`)."""
    for name, fit in zip(names, (small, big)):
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


def _lrtest_step(small: GLMResult, big: GLMResult, largest: GLMResult, test: str | None) -> LRTestResult:
    """``small`` against ``big`` with the dispersion of ``largest`` (R's ``anova.glmlist``: the model with
    the fewest residual df): Pearson chi2 / residual df where it is estimated, else 1."""
    df = small.df_resid - big.df_resid
    change = small.deviance - big.deviance
    estimated = largest.family.estimates_dispersion
    if estimated:
        dispersion = largest.pearson_chi2 / largest.df_resid if largest.df_resid > 0 else math.nan
        df_dispersion = largest.df_resid
    else:
        dispersion, df_dispersion = 1.0, math.inf
    test = test if test is not None else ("F" if estimated else "chi2")
    if test == "F":
        statistic = change / df / dispersion
        pvalue = float(stats.f.sf(statistic, df, df_dispersion) if math.isfinite(df_dispersion)
                       else stats.chi2.sf(statistic * df, df))  # F(df, inf) is chi2(df) / df
    else:
        statistic = change / dispersion
        pvalue = float(stats.chi2.sf(statistic, df))
    return LRTestResult(
        statistic=float(statistic), df=float(df), pvalue=pvalue, test=test,
        deviance_small=small.deviance, deviance_big=big.deviance,
        df_resid_small=small.df_resid, df_resid_big=big.df_resid,
        dispersion=float(dispersion), df_denominator=float(df_dispersion) if test == "F" else math.inf,
        formula_small=small.spec.formula, formula_big=big.spec.formula,
    )


def lrtest(
    small: GLMResult, big: GLMResult, *more: GLMResult, test: str | None = None
) -> LRTestResult | LRTestTable:
    """Likelihood-ratio (analysis-of-deviance) tests of nested models, as R's ``anova(m1, m2, ..., test=)``.

    ``lrtest(small, big)`` tests ``small`` against ``big``, which must contain
    it, and returns an :class:`LRTestResult`. With more models,
    ``lrtest(m1, m2, m3, ...)`` tests each model against the next (each must
    contain the one before) and returns an :class:`LRTestTable`, one row per
    model as R prints ``anova(m1, m2, m3, test=...)``.

    Parameters
    ----------
    small, big, *more : GLMResult
        Unpenalized fits of the same family and link to the same rows, smallest first.
    test : {None, "Chisq", "F"}
        ``None`` (default): chi-squared for binomial and poisson fits
        (dispersion 1), F where the dispersion is estimated (gaussian), as
        R's ``test="Chisq"`` / ``test="F"`` choices. ``"Chisq"`` (also
        ``"LRT"``) for an estimated dispersion is the scaled deviance change
        ``change / dispersion`` on ``df``; ``"F"`` for a known dispersion is
        ``change / df`` on ``(df, inf)``.

    Notes
    -----
    Every row uses one dispersion, that of the largest model (the one with
    the fewest residual df): its Pearson chi2 / residual df where the
    dispersion is estimated, as R's ``anova.glmlist``.

    Raises
    ------
    ValueError
        If two consecutive fits have different families or links, were
        fitted to different rows (``nobs``, response values or weights
        differ), are penalized, are not nested (a term of the smaller model
        is not in the next one), or come in the wrong order; or ``test`` is
        unknown.
    """
    test = _check_test(test)
    fits = (small, big, *more)
    names = ("small", "big") if not more else tuple(f"model {i + 1}" for i in range(len(fits)))
    for i in range(len(fits) - 1):
        _check_pair(fits[i], fits[i + 1], (names[i], names[i + 1]))
    largest = fits[-1]
    steps = tuple(_lrtest_step(a, b, largest, test) for a, b in itertools.pairwise(fits))
    if not more:
        return steps[0]
    return LRTestTable(steps=steps, formulas=tuple(fit.spec.formula for fit in fits),
                       resid_df=tuple(fit.df_resid for fit in fits), resid_deviance=tuple(fit.deviance for fit in fits))
