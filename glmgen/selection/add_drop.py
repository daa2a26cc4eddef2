"""Single-term additions and deletions: :func:`add1` and :func:`drop1`, as R's ``add1.glm`` / ``drop1.glm``.

Both work as R does, on model matrices: ``drop1`` refits the fit's own
training design without each droppable term's columns (it needs no data);
``add1`` builds the design of the model plus every scope term on the data
given, and refits the model's columns plus each addable term's columns on
those rows. Marginality follows R's ``drop.scope`` / ``add.scope``
(:func:`glmgen.formula.droppable`, :func:`glmgen.formula.addable`).

Conventions
-----------
As R, every row is measured by ``L = -2 log-likelihood`` up to a constant:
``n log(deviance / n)`` (the dispersion profiled out) for the gaussian
family, ``deviance / dispersion`` for every other family, the dispersion
being the fit's ``scale`` (1 for binomial, poisson and negative binomial
fits; Pearson chi2 / df_resid where it is estimated). Then ``aic = A + (L -
L_none) + k (r - r_none)``, ``A`` the fit's own ``extractAIC``
(:func:`~glmgen.selection.criterion.criterion_value`; NaN for quasi families) and
``r`` the coefficients estimated (intercept included); the chi-squared
statistic is ``|L - L_none|`` (R's ``LRT``, or "scaled dev." where the
dispersion is estimated). R's F statistics use deviance-based mean squares:
``drop1``: ``((dev - dev_none) / df) / (dev_none / rdf)`` on ``(df,
rdf)``; ``add1``: ``((dev_none - dev) / df) / (dev / (rdf - df))`` on
``(df, rdf - df)``, ``rdf`` the fit's residual df.
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._frames import AnyFrame, as_pandas
from .._validation import check_non_negative
from ..errors import DataError, DroppedRowsWarning, GLMGenWarning, InvalidParameterError
from ..fit import problem_of
from ..formula import (
    DesignMatrix,
    DesignSpec,
    FormulaContext,
    Term,
    addable,
    as_fitted,
    build_design,
    by_degree,
    check_frame,
    droppable,
    model_label,
    rhs_terms,
    split_formula,
    term_key,
    term_label,
)
from ..matrices import take_columns
from ..model import get_link
from ..results import GLMResult
from ..solvers import IRLSControl, irls, solver_controls
from .compare import _check_test
from .criterion import criterion_value
from .stepwise import _scope_terms, r_powers

BoolArray = npt.NDArray[np.bool_]

_IDENTITY = get_link("identity")


@dataclass(frozen=True)
class _Refit:
    """What the table needs from a refit on a subset of columns."""

    deviance: float
    rank: float  # estimated coefficients, intercept included
    loglik: float


def _refit_columns(
    design: DesignMatrix, fit: GLMResult, columns: BoolArray, control: IRLSControl, label: str, what: str
) -> _Refit:
    """R's ``glm.fit(x[, columns], y, weights, offset)``; solver notices are raised as warnings naming the refit."""
    assert design.y is not None
    problem = replace(problem_of(design, fit.spec, fit.family, fit.link), X=take_columns(design.X, columns))
    output = irls(problem, control=control, covariance=False)
    for notice in output.notices:
        warnings_module.warn(f"{what} ({label}): {notice.message}", notice.category, stacklevel=4)
    loglik = fit.family.log_likelihood(design.y, output.mu, design.weights, design.trials, design.freq_weights)
    rank = float(np.count_nonzero(~output.aliased)) + float(fit.spec.fit_intercept)
    return _Refit(float(output.deviance), rank, float(loglik))


def _minus_two_loglik(refit: _Refit, fit: GLMResult) -> float:
    """R's ``loglik`` in ``add1.glm`` / ``drop1.glm``: ``-2 log-likelihood`` up to a constant, the gaussian
    family's (constant variance) with its dispersion profiled out, every other family's at the fit's dispersion."""
    if fit.family.is_least_squares(_IDENTITY):
        return -2.0 * refit.loglik
    return refit.deviance / fit.scale


def _table(
    labels: list[str], refits: list[_Refit], fit: GLMResult, *, k: float, test: str | None, adding: bool
) -> pd.DataFrame:
    """R's ``add1``/``drop1`` table; ``refits[0]`` is ``<none>`` (see the module notes)."""
    none = refits[0]
    deviance = np.array([r.deviance for r in refits])
    rank = np.array([r.rank for r in refits])
    scaled = np.array([_minus_two_loglik(r, fit) for r in refits])
    df = np.abs(rank - none.rank)
    df[0] = math.nan
    table = pd.DataFrame({
        "df": df,
        "deviance": deviance,
        "aic": criterion_value(fit, k) + (scaled - scaled[0]) + k * (rank - none.rank),
    }, index=pd.Index(["<none>", *labels], name="term"))
    if test is None:
        return table
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "chi2":
            statistic = np.maximum(0.0, (scaled[0] - scaled) if adding else (scaled - scaled[0]))
            pvalue = stats.chi2.sf(statistic, df)
        else:
            if not fit.family.estimates_dispersion:
                warnings_module.warn(
                    f"the F test assumes a quasi{fit.family.name} family (dispersion estimated from the "
                    "deviance); with a known dispersion use test='Chisq'.", GLMGenWarning, stacklevel=3,
                )
            rdf = fit.df_resid
            if adding:
                statistic = np.maximum(0.0, (none.deviance - deviance) / df) / (deviance / (rdf - df))
                denominator = rdf - df
            else:
                statistic = np.maximum(0.0, (deviance - none.deviance) / df) / (none.deviance / rdf)
                denominator = np.full(len(df), rdf)
            pvalue = stats.f.sf(statistic, df, denominator)
    valid = df > 1e-4  # R: no test for a term whose columns are all aliased (its chi-squared statistic, 0, is kept)
    statistic = np.where(valid | (test == "chi2"), statistic, math.nan)
    statistic[0] = math.nan
    table["statistic"] = statistic
    table["pvalue"] = np.where(valid, pvalue, math.nan)
    return table


def _check_fit(fit: GLMResult, what: str) -> None:
    if not isinstance(fit, GLMResult):
        raise InvalidParameterError(f"{what} takes a fitted model (GLMResult from gg.glm), got {type(fit).__name__}.")
    if fit.penalty.is_penalized:
        raise InvalidParameterError(
            f"{what}: the model is penalized (alpha={fit.penalty.alpha:g}); single-term tests need "
            "maximum-likelihood fits (alpha=0). Refit without alpha, or compare penalized models by CV."
        )


def _model_terms(fit: GLMResult) -> list[Term]:
    """The fit's terms in R's order (by degree, then as written), the intercept left out."""
    return by_degree([term for term in rhs_terms(fit.spec.rhs) if term.factors])


def _term_columns(spec: DesignSpec) -> dict[frozenset[str], slice]:
    """Each term's columns in ``X``, by :func:`glmgen.formula.term_key`."""
    return {term_key(term): spec.term_slices[term.name()] for term in spec.design_info.terms if term.factors}


def drop1(
    fit: GLMResult, *, test: str | None = None, k: float = 2.0, tol: float = 1e-10, max_iter: int = 100
) -> pd.DataFrame:
    """Refit without each droppable term, as R's ``drop1(fit, test=)`` for a ``glm``.

    Parameters
    ----------
    fit : GLMResult
        An unpenalized fit that keeps its training rows (not a loaded model).
    test : {None, "Chisq", "F"}
        ``"Chisq"`` (also ``"LRT"``) adds the likelihood-ratio statistic and
        its p-value; ``"F"`` R's F test (see the module notes; for binomial
        and poisson fits it assumes the quasi family, with a warning).
    k : float
        Penalty per coefficient in ``aic`` (2: AIC; ``log(nobs)``: BIC's ranking).
    tol, max_iter
        IRLS settings of the refits.

    Returns
    -------
    DataFrame
        Indexed by ``"<none>"`` then each droppable term (a term that no
        interaction in the model contains), columns ``df`` (coefficients
        removed), ``deviance`` (of the model without the term), ``aic`` and,
        with a test, ``statistic`` and ``pvalue``.
    """
    _check_fit(fit, "drop1")
    test, k = _check_test(test), check_non_negative("k", k)
    if fit.training is None:
        raise DataError(
            "drop1 refits the model's training rows, but this result holds none (it was loaded from a file, or fitted on a Dask DataFrame). "
            "Refit the model with gg.glm on its data, then call drop1."
        )
    control, _ = solver_controls(tol, max_iter)
    design = fit.training.design
    slices = _term_columns(fit.spec)
    terms = droppable(_model_terms(fit), [])
    refits = [_Refit(fit.deviance, fit.edf + float(fit.spec.fit_intercept), fit.loglik)]
    for term in terms:
        columns = np.ones(design.X.shape[1], dtype=bool)
        columns[slices[term_key(term)]] = False
        refits.append(_refit_columns(design, fit, columns, control, f"- {term_label(term)}", "drop1"))
    return _table([term_label(t) for t in terms], refits, fit, k=k, test=test, adding=False)


def _scope_of(scope: str | Sequence[str], fit: GLMResult, context: FormulaContext) -> list[Term]:
    if isinstance(scope, (list, tuple)) and all(isinstance(label, str) for label in scope) and scope:
        scope = "~ " + " + ".join(scope)
    if not isinstance(scope, str):
        raise InvalidParameterError(
            f"scope must be a formula such as '~ . + x3 + x1:x2' (or a list of term labels), got {scope!r}."
        )
    fitted: Callable[[str], str] = ((lambda rhs: as_fitted(rhs, context)) if fit.spec.fit_intercept
                                    else (lambda rhs: rhs))
    return _scope_terms(r_powers(scope), "scope", fit.spec.rhs, fitted)


def add1(
    fit: GLMResult,
    scope: str | Sequence[str],
    data: AnyFrame,
    *,
    test: str | None = None,
    k: float = 2.0,
    tol: float = 1e-10,
    max_iter: int = 100,
    context: FormulaContext | None = None,
) -> pd.DataFrame:
    """Refit with each addable term of ``scope``, as R's ``add1(fit, scope, test=)`` for a ``glm``.

    Parameters
    ----------
    fit : GLMResult
        An unpenalized fit.
    scope : str or list of str
        The upper model, ``"~ . + x3 + x1:x2"`` (``.``: the fit's right-hand
        side) or ``"~ x1 + x2 + x3"``, or a list of term labels to add. A
        term can be added only when its lower-order terms in the scope are in
        the model (R's ``add.scope``).
    data : DataFrame
        pandas, polars or pyarrow (as :func:`glmgen.glm`). The data the model was fitted to, with the scope's columns (a fitted
        model keeps its design, not the data frame).
    test, k, tol, max_iter
        As :func:`drop1`.
    context : FormulaContext, optional
        Names the formulas may use besides data columns; default the caller's namespace.

    Returns
    -------
    DataFrame
        Indexed by ``"<none>"`` then each addable term, as :func:`drop1`
        (``deviance`` of the model with the term). All rows are refitted on
        the rows complete for the model and every scope term (with a
        :class:`~glmgen.DroppedRowsWarning` when that is fewer than the fit's).
    """
    context = context if context is not None else FormulaContext.capture()
    _check_fit(fit, "add1")
    test, k = _check_test(test), check_non_negative("k", k)
    data = check_frame(as_pandas(data))
    current = _model_terms(fit)
    terms = addable(current, _scope_of(scope, fit, context))
    if not terms:
        raise InvalidParameterError(
            f"add1: the scope {scope!r} has no term that can be added to {fit.spec.formula!r} (every term is in "
            "the model, or an interaction lacks one of its main effects). Name new terms, e.g. '~ . + x3'."
        )
    arrays = [v.role for v in fit.spec.variables if v.kind == "array"]
    if arrays:
        raise InvalidParameterError(
            f"add1 re-reads the model's {arrays[0]} from data, but the fit got it as an array. Refit with "
            f"{arrays[0]}= a column name or expression of data, then call add1."
        )
    variables = {v.role: v.source for v in fit.spec.variables}
    combined = f"{split_formula(fit.spec.formula)[0]} ~ {model_label(by_degree(current + terms), fit.spec.fit_intercept)}"
    context = context.restricted_to([combined, *[str(s) for s in variables.values()]])
    spec, design = build_design(combined, data, **variables, context=context, safe=fit.spec.safe)
    fit_rows = fit.training.design.n_rows if fit.training is not None else design.n_rows
    if design.n_rows != fit_rows:
        warnings_module.warn(
            f"add1: using {design.n_rows} rows complete for the model and the scope (dropped "
            f"{design.dropped_message}); the fit used {fit.nobs:g} rows.", DroppedRowsWarning, stacklevel=2,
        )
    slices = _term_columns(spec)
    base = np.zeros(design.X.shape[1], dtype=bool)
    for term in current:
        base[slices[term_key(term)]] = True
    control, _ = solver_controls(tol, max_iter)
    refits = [_refit_columns(design, fit, base, control, "<none>", "add1")]
    for term in terms:
        columns = base.copy()
        columns[slices[term_key(term)]] = True
        refits.append(_refit_columns(design, fit, columns, control, f"+ {term_label(term)}", "add1"))
    return _table([term_label(t) for t in terms], refits, fit, k=k, test=test, adding=True)
