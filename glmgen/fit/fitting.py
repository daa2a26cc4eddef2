"""From a built design to a :class:`GLMResult`: validation, solver call, null model, warnings."""

from __future__ import annotations

import warnings as warnings_module
from dataclasses import replace

import numpy as np

from .._validation import quoted, suggestion
from ..errors import (
    AliasedColumnsWarning,
    DataError,
    DroppedRowsWarning,
    InvalidParameterError,
)
from ..formula import DesignMatrix, DesignSpec
from ..matrices import ModelMatrix, column_moments
from ..model import Family, Link, Penalty
from ..results import GLMResult, PenaltySettings, build_result
from ..solvers import (
    CDControl,
    GLMProblem,
    IRLSControl,
    Notice,
    equilibrated,
    fit_path,
    fit_theta,
    irls,
)
from ..stats import effective_df
from .problems import problem_of
from .profile import ProfileRefits


def check_design(design: DesignMatrix, spec: DesignSpec, family: Family) -> None:
    """Refuse responses outside the family's range and weights that leave nothing to fit."""
    assert design.y is not None
    check_response_kind(spec, family)
    family.check_y(design.y, design.row_labels, spec.response.label)
    if not np.any(design.weights * design.freq_weights > 0):
        raise DataError(zero_weight_message(spec, design.n_rows))


def zero_weight_message(spec: DesignSpec, n_rows: int) -> str:
    """Why a fit whose ``n_rows`` rows all have zero weight is refused, naming the weight sources."""
    sources = [f"{v.role} {v.source if v.kind != 'array' else '(array)'!r}" for v in spec.variables
               if v.role in ("weights", "freq_weights")]
    if spec.response.is_cbind:
        sources.append(f"trials of {spec.response.label!r}")
    return (f"all {n_rows} rows have zero weight ({', '.join(sources)}), so there is nothing to fit. "
            "Give at least one row a positive weight.")


def check_response_kind(spec: DesignSpec, family: Family) -> None:
    """Refuse a two-column or categorical response with a family that cannot read it."""
    if spec.response.is_cbind and not family.accepts_trials:
        raise InvalidParameterError(
            f"the response {spec.response.label!r} gives successes and failures, which only a binomial model "
            f"can use; family={family.name!r} needs one response column. Use family='binomial', or model the "
            f"successes as counts with the trials as exposure (e.g. 'successes ~ ...', exposure='trials')."
        )
    levels = spec.response.levels
    if levels is not None and not family.accepts_trials:
        raise InvalidParameterError(
            f"the response {spec.response.label!r} is categorical (levels {levels[0]!r} and {levels[1]!r}), which "
            f"only a binomial model reads (y = 1 at {levels[1]!r}, as R); family={family.name!r} needs a numeric "
            f"response. Use family='binomial', or write the response as a number, e.g. "
            f"\"I({spec.response.label} == {levels[1]!r}) ~ ...\"."
        )


def dropped_rows_notices(design: DesignMatrix) -> list[Notice]:
    """The :class:`DroppedRowsWarning` of a design whose NA rows were dropped (none otherwise)."""
    return [Notice(DroppedRowsWarning, f"dropped {design.dropped_message}.")] if design.dropped_message else []


def null_model(problem: GLMProblem, control: IRLSControl) -> tuple[float, float | None]:
    """Null deviance and intercept as R computes them: intercept-only fit with the offset.

    Without an intercept the null model is ``mu = linkinv(offset)``.
    """
    if not problem.fit_intercept:
        return problem.deviance(problem.link.inverse(problem.offset)), None
    y_mean = problem.intercept_only_mean()
    if y_mean is not None:
        return problem.deviance(np.full_like(problem.y, y_mean)), float(problem.link.link(np.array([y_mean]))[0])
    empty = GLMProblem(
        X=np.empty((problem.X.shape[0], 0)), y=problem.y, weights=problem.weights, offset=problem.offset,
        family=problem.family, link=problem.link, fit_intercept=True,
    )
    output = irls(empty, control=control, covariance=False)
    return output.deviance, output.intercept


def emit(notices: list[Notice], stacklevel: int) -> list[str]:
    """Raise each notice as a warning and return the messages for ``result.warnings``."""
    for notice in notices:
        warnings_module.warn(notice.message, notice.category, stacklevel=stacklevel + 1)
    return [notice.message for notice in notices]


def fit_unpenalized(
    spec: DesignSpec,
    design: DesignMatrix,
    family: Family,
    link: Link,
    *,
    control: IRLSControl = IRLSControl(),
    stacklevel: int = 2,
    cov_type: str = "nonrobust",
    groups: np.ndarray | None = None,
) -> GLMResult:
    """Fit by IRLS and build the result, with the covariance ``cov_type`` (``groups``: cluster codes ``0..G-1``,
    one per design row, for ``"cluster"``); warnings are raised and recorded."""
    check_design(design, spec, family)
    problem = problem_of(design, spec, family, link)
    notices = dropped_rows_notices(design)
    if family.unknown_shape():  # a negative binomial's theta, estimated with the coefficients (MASS::glm.nb)
        output, family = fit_theta(problem, control)
        problem = replace(problem, family=family)
    else:
        output = irls(problem, control=control)
    if output.aliased.any():
        notices.append(aliased_notice(spec, output.aliased, _zero_columns(problem, output.aliased)))
    notices.extend(output.notices)
    null_deviance, null_intercept = null_model(problem, control)
    messages = emit(notices, stacklevel + 1)
    return build_result(
        spec, design, family, link, output, penalty=PenaltySettings(), null_deviance=null_deviance,
        null_intercept=null_intercept, warnings=messages, cov_type=cov_type, groups=groups, refits=ProfileRefits(),
    )


def _zero_columns(problem: GLMProblem, aliased: np.ndarray) -> np.ndarray:
    """Which of the ``aliased`` columns are zero on every row with positive weight (mask over all columns)."""
    used = problem.weights > 0
    fitted_rows = problem.X[:, aliased][used]
    largest = fitted_rows.max_abs() if isinstance(fitted_rows, ModelMatrix) else np.max(np.abs(fitted_rows), axis=0,
                                                                                          initial=0.0)
    zero = np.zeros(aliased.size, dtype=bool)
    zero[np.flatnonzero(aliased)] = largest == 0
    return zero


def aliased_notice(spec: DesignSpec, aliased: np.ndarray, zero_columns: np.ndarray) -> Notice:
    """R's NA coefficients, saying which columns are all zero on the fitted rows (a level with no training
    rows; ``zero_columns``) and which are linear combinations of earlier columns."""
    zero = [spec.column_names[j] for j in np.flatnonzero(aliased & zero_columns)]
    combined = [spec.column_names[j] for j in np.flatnonzero(aliased & ~zero_columns)]
    parts = []
    if zero:
        parts.append(f"{len(zero)} column{'s are' if len(zero) > 1 else ' is'} zero on every fitted row (e.g. a "
                     f"level with no training rows): {_listed(zero)}")
    if combined:
        parts.append(f"{len(combined)} column{'s are' if len(combined) > 1 else ' is'} a linear combination of "
                     f"earlier columns: {_listed(combined)}")
    return Notice(
        AliasedColumnsWarning,
        f"{'; '.join(parts)}. {'They get' if int(aliased.sum()) > 1 else 'It gets'} NaN coefficients (R's NA) and "
        f"contribute{'' if int(aliased.sum()) > 1 else 's'} nothing to predictions. Remove such terms from the formula (or merge rare levels, e.g. "
        "lump(x, min_count=5)) to silence this warning.",
    )


def _listed(names: list[str], shown: int = 10) -> str:
    """``names`` quoted and joined, the first ``shown`` of them when there are more (a factor can have thousands)."""
    head = ", ".join(repr(n) for n in names[:shown])
    return head if len(names) <= shown else f"{head} and {len(names) - shown} more (result.params shows them as NaN)"


def penalty_factors(spec: DesignSpec, penalty_factor: dict[str, float] | None) -> np.ndarray:
    """Per-column factors from ``{column or term: factor}`` (a term sets all its columns); default 1."""
    names = spec.column_names
    factors = np.ones(len(names))
    slices = spec.term_slices
    for key, value in (penalty_factor or {}).items():
        if not (isinstance(value, (int, float, np.floating)) and np.isfinite(value) and value >= 0):
            raise InvalidParameterError(f"penalty_factor[{key!r}]={value!r} must be a finite number >= 0.")
        if key in names:
            factors[names.index(key)] = value
        elif key in slices:
            factors[slices[key]] = value
        else:
            choices = list(dict.fromkeys(names + list(slices)))
            raise InvalidParameterError(
                f"penalty_factor names {key!r}, which is neither a design column nor a formula term "
                f"(columns and terms: {quoted(choices)}).{suggestion(str(key), choices)}"
            )
    return factors


def column_scales(problem: GLMProblem, standardize: bool) -> np.ndarray:
    """Weighted 1/n standard deviations of the columns (glmnet's), or ones without standardization.

    Computed on columns rescaled by powers of two (:func:`~glmgen.solvers.equilibrated`)
    and scaled back, so that columns near 1e160 or 1e-200 neither overflow nor underflow.
    With an intercept, a column constant on the rows of positive weight gets exactly 0
    (rounding in its weighted mean would leave ~1e-16), so it stays out of the fit as in glmnet.
    """
    if not standardize:
        return np.ones(problem.X.shape[1])
    rescaled, factors = equilibrated(problem)
    p = problem.weights / problem.weights.sum()
    if isinstance(rescaled.X, ModelMatrix):  # categorical and sparse columns: from sums, never densified
        variances = column_moments(rescaled.X, p, problem.fit_intercept)[1]
        scales = np.sqrt(variances)
        if problem.fit_intercept:
            scales[rescaled.X.is_constant(p > 0)] = 0.0
        return scales if factors is None else scales / factors
    centre = p @ rescaled.X if problem.fit_intercept else np.zeros(problem.X.shape[1])
    positive = slice(None) if np.all(p > 0) else p > 0
    scales = np.empty(rescaled.X.shape[1])
    for j in range(rescaled.X.shape[1]):  # one column at a time: no n x p temporary beside X
        column = rescaled.X[:, j]
        scales[j] = np.sqrt(max(float(p @ np.square(column - centre[j])), 0.0))
        if problem.fit_intercept and column[positive].min() == column[positive].max():
            scales[j] = 0.0
    return scales if factors is None else scales / factors


def prepare_penalized(
    spec: DesignSpec,
    design: DesignMatrix,
    family: Family,
    link: Link,
    *,
    l1_ratio: float,
    penalty_factor: dict[str, float] | None,
    standardize: bool,
) -> tuple[GLMProblem, Penalty]:
    """The arrays and the penalty (alpha still 0) of a penalized fit or path.

    Refuses a response that leaves no path (all-zero counts, an all-0 or all-1 binomial response). A family
    shape still to be estimated (``gg.negative_binomial()``) is estimated once from the unpenalized fit on these
    rows and held fixed: the problem's family carries it.
    """
    check_design(design, spec, family)
    problem = problem_of(design, spec, family, link)
    if family.unknown_shape():  # estimated once, unpenalized, then held fixed along the path (and in CV folds)
        problem = replace(problem, family=fit_theta(problem, IRLSControl())[1])
    degenerate = family.degenerate_response(problem.y, problem.weights, spec.response.label)
    if degenerate:
        raise DataError(degenerate)
    penalty = Penalty(alpha=0.0, l1_ratio=float(l1_ratio), factors=penalty_factors(spec, penalty_factor),
                      scales=column_scales(problem, standardize))
    return problem, penalty


def fit_penalized_at(
    spec: DesignSpec,
    design: DesignMatrix,
    family: Family,
    link: Link,
    *,
    alpha: float,
    l1_ratio: float,
    penalty_factor: dict[str, float] | None,
    standardize: bool,
    control: CDControl = CDControl(),
    stacklevel: int = 2,
) -> GLMResult:
    """A single penalized fit at ``alpha`` (solved from the null model with strong rules and KKT checks)."""
    problem, penalty = prepare_penalized(spec, design, family, link, l1_ratio=l1_ratio,
                                         penalty_factor=penalty_factor, standardize=standardize)
    notices = dropped_rows_notices(design)
    path, path_notices = fit_path(problem, penalty, alphas=np.array([alpha]), control=control)
    notices.extend(path_notices)
    null_deviance, null_intercept = null_model(problem, IRLSControl())
    settings = PenaltySettings(alpha=float(alpha), l1_ratio=float(l1_ratio), standardize=bool(standardize),
                               penalty_factor=dict(penalty_factor or {}))
    output = path.outputs[0]
    return build_result(spec, design, problem.family, link, output, penalty=settings,
                        null_deviance=null_deviance, null_intercept=null_intercept,
                        edf=effective_df(problem, penalty.at(alpha), output.coef, output.intercept),
                        warnings=emit(notices, stacklevel + 1), refits=ProfileRefits())
