"""Formula in, result out, for a Dask DataFrame: :func:`glmgen.glm` and :func:`glmgen.glm_path` over partitions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .._validation import check_choice
from ..errors import DataError, DroppedRowsWarning, InvalidParameterError
from ..fit import (
    aliased_notice,
    check_path_grid,
    check_response_kind,
    emit,
    fit_settings,
    penalty_factors,
    zero_weight_message,
)
from ..formula import FormulaContext
from ..model import Family, Link, NegativeBinomial
from ..results import (
    GLMResult,
    PathResult,
    PenaltySettings,
    result_from_totals,
)
from ..solvers import CDControl, IRLSControl, Notice, boundary_notices
from .design import learn_design
from .driver import Passes, run
from .irls import IRLSFit, irls_steps, null_steps
from .paths import DaskFitRefits, PathSettings, path_result, point_result
from .penalized import DaskPath, path_steps
from .probes import Job, RowCount, check_rows_left
from .theta import theta_steps


def fit_glm_dask(formula: str, frame: Any, family: Family, link: Link, *, variables: dict[str, Any], na_action: str,
                 control: IRLSControl, context: FormulaContext, safe: bool, stacklevel: int,
                 progress: bool | None = None) -> GLMResult:
    """An unpenalized fit of ``formula`` on the Dask DataFrame ``frame`` (arguments already checked); ``progress``:
    a bar ticking once per pass."""
    job = learn_design(formula, frame, family, link, variables=variables, na_action=na_action, context=context,
                       safe=safe)
    spec = job.spec
    check_response_kind(spec, family)
    p = len(spec.column_names)
    canonical = family.is_canonical(link)
    passes = Passes()
    if isinstance(family, NegativeBinomial) and family.unknown_shape():  # MASS::glm.nb, then the null model
        ((main, family),) = run(frame, job, [theta_steps(p, spec.fit_intercept, family, link, control)], passes,
                                progress)
        job = replace(job, family=family)
        (null,) = run(frame, job, [null_steps(p, spec.fit_intercept, has_offset(job), canonical, link.link, control)],
                      passes, progress)
    else:
        main, null = run(frame, job, [
            irls_steps(p, spec.fit_intercept, canonical, control),
            null_steps(p, spec.fit_intercept, has_offset(job), canonical, link.link, control),
        ], passes, progress)
    rows = passes.rows
    assert rows is not None
    notices = row_notices(job, rows, main.outcome.weight)
    if main.aliased.any():
        notices.append(aliased_notice(spec, main.aliased, zero_columns(main)))
    notices.extend(main.notices)
    notices.extend(boundary_notices(family, int(main.outcome.boundary)))
    history = dict(main.history) | {"passes": [float(passes.count)]}
    return result_from_totals(
        spec, family, link, replace(main, history=history), main.outcome.fit_totals(family), penalty=PenaltySettings(),
        null_deviance=null[0], null_intercept=null[1], warnings=emit(notices, stacklevel + 1), edf=None,
        n_dropped=rows.n_dropped, refits=DaskFitRefits(frame, job),
    )


def zero_columns(fit: IRLSFit) -> np.ndarray:
    """Columns zero on every fitted row: weighted mean and spread exactly zero at the start."""
    moments = fit.outcome.moments
    if moments is None:
        return np.zeros(fit.aliased.size, dtype=bool)
    p = fit.aliased.size
    return (moments.mean[:p] == 0) & (np.diag(moments.cross)[:p] == 0)


def has_offset(job: Job) -> bool:
    """Whether the model reads an offset or exposure (then the null model is an intercept-only IRLS)."""
    return any(v.role in ("offset", "exposure") for v in job.spec.variables)


def row_notices(job: Job, rows: RowCount, weight: float) -> list[Notice]:
    """Refuse data with nothing to fit; the :class:`DroppedRowsWarning` for rows dropped for missing values."""
    check_rows_left(rows)
    if not weight > 0:
        raise DataError(zero_weight_message(job.spec, rows.n_rows - rows.n_dropped))
    message = rows.dropped_message
    return [Notice(DroppedRowsWarning, f"dropped {message}.")] if message else []


def path_dask(formula: str, frame: Any, family: Family, link: Link, *, variables: dict[str, Any], l1_ratio: float,
              alphas: Any, n_alphas: int, alpha_min_ratio: float | None, penalty_factor: dict[str, float] | None,
              standardize: bool, na_action: str, control: CDControl, context: FormulaContext, safe: bool,
              stacklevel: int, progress: bool | None = None) -> PathResult:
    """A regularization path of ``formula`` on the Dask DataFrame ``frame`` (arguments already checked)."""
    job, settings = _penalized_job(formula, frame, family, link, variables, l1_ratio, penalty_factor, standardize,
                                   na_action, control, context, safe)
    path, null, passes = _fit_path(frame, job, settings, alphas, n_alphas, alpha_min_ratio, progress)
    assert passes.rows is not None
    notices = row_notices(job, passes.rows, path.weight)
    notices.extend(notice for point in path.points for notice in point.notices)
    return path_result(job, path, settings, null, frame, warnings=emit(notices, stacklevel + 1),
                       n_dropped=passes.rows.n_dropped)


def penalized_dask(formula: str, frame: Any, family: Family, link: Link, *, variables: dict[str, Any], alpha: float,
                   l1_ratio: float, penalty_factor: dict[str, float] | None, standardize: bool, na_action: str,
                   control: CDControl, context: FormulaContext, safe: bool, stacklevel: int,
                   progress: bool | None = None) -> GLMResult:
    """A penalized fit at ``alpha`` on the Dask DataFrame ``frame``, solved from the null model as in memory;
    ``progress``: a bar ticking once per pass."""
    job, settings = _penalized_job(formula, frame, family, link, variables, l1_ratio, penalty_factor, standardize,
                                   na_action, control, context, safe)
    path, null, passes = _fit_path(frame, job, settings, np.array([alpha]), 1, None, progress)
    assert passes.rows is not None
    notices = row_notices(job, passes.rows, path.weight)
    point = path.points[0]
    notices.extend(point.notices)
    result = point_result(job, point, path.penalty.at(alpha), settings, null, warnings=emit(notices, stacklevel + 1),
                          weight=path.weight)
    return replace(result, n_dropped=passes.rows.n_dropped, refits=DaskFitRefits(frame, job, (settings, alpha)))


def _penalized_job(formula: str, frame: Any, family: Family, link: Link, variables: dict[str, Any], l1_ratio: float,
                   penalty_factor: dict[str, float] | None, standardize: bool, na_action: str, control: CDControl,
                   context: FormulaContext, safe: bool) -> tuple[Job, PathSettings]:
    """The design and the path settings; a negative binomial's unknown theta is estimated once, unpenalized,
    and held (as in memory)."""
    job = learn_design(formula, frame, family, link, variables=variables, na_action=na_action, context=context,
                       safe=safe)
    check_response_kind(job.spec, family)
    if isinstance(family, NegativeBinomial) and family.unknown_shape():
        ((_, fitted),) = run(frame, job, [theta_steps(len(job.spec.column_names), job.spec.fit_intercept, family,
                                                      link, IRLSControl())])
        job = replace(job, family=fitted)
    settings = PathSettings(penalty_factors(job.spec, penalty_factor), l1_ratio, standardize,
                            dict(penalty_factor or {}), control, has_offset(job))
    return job, settings


def _fit_path(frame: Any, job: Job, settings: PathSettings, alphas: Any, n_alphas: int,
              alpha_min_ratio: float | None, progress: bool | None = None
              ) -> tuple[DaskPath, tuple[float, float | None], Passes]:
    spec = job.spec
    p = len(spec.column_names)
    canonical = job.family.is_canonical(job.link)
    passes = Passes()
    path, null = run(frame, job, [
        path_steps(p, spec.fit_intercept, canonical, job.family, job.link, factors=settings.factors,
                   l1_ratio=settings.l1_ratio, standardize=settings.standardize, alphas=alphas, n_alphas=n_alphas,
                   alpha_min_ratio=alpha_min_ratio, control=settings.control, has_offset=settings.has_offset,
                   response=spec.response.label),
        null_steps(p, spec.fit_intercept, settings.has_offset, canonical, job.link.link, IRLSControl()),
    ], passes, progress)
    return path, null, passes


def glm_on_dask(formula: str, frame: Any, family: Any = "gaussian", *, context: FormulaContext, link: Any = None,
                weights: Any = None, freq_weights: Any = None, offset: Any = None, exposure: Any = None,
                alpha: Any = 0.0, l1_ratio: Any = 0.0, penalty_factor: Any = None, standardize: Any = True,
                na_action: Any = "drop", tol: Any = 1e-8, max_iter: Any = 100, safe: Any = False,
                cov_type: Any = "nonrobust", cluster: Any = None, stacklevel: int = 2,
                progress: bool | None = None) -> GLMResult:
    """:func:`glmgen.glm` on a Dask DataFrame (the same arguments and defaults as :func:`glmgen.fit.fit_glm`, and
    ``progress``: a bar ticking once per pass): the same checks, then the fit over partitions."""
    settings = fit_settings(family, link, alpha=alpha, l1_ratio=l1_ratio, penalty_factor=penalty_factor,
                            standardize=standardize, tol=tol, max_iter=max_iter, safe=safe, cov_type=cov_type,
                            cluster=cluster)
    if settings.cov_type != "nonrobust":
        raise InvalidParameterError(
            f"cov_type={settings.cov_type!r} is not available for a Dask DataFrame: a sandwich covariance needs the "
            "fit's hat values and per-row scores, which glmgen does not reduce over partitions. Use the model-based "
            "covariance (cov_type='nonrobust'), the bootstrap (gg.bootstrap), or fit a sample in memory."
        )
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    na_action = _checked_na_action(na_action)
    if settings.alpha > 0:
        return penalized_dask(formula, frame, settings.family, settings.link, variables=variables,
                              alpha=settings.alpha, l1_ratio=settings.l1_ratio, penalty_factor=settings.penalty_factor,
                              standardize=settings.standardize, na_action=na_action, control=settings.cd_control,
                              context=context, safe=settings.safe, stacklevel=stacklevel + 1, progress=progress)
    return fit_glm_dask(formula, frame, settings.family, settings.link, variables=variables, na_action=na_action,
                        control=settings.irls_control, context=context, safe=settings.safe,
                        stacklevel=stacklevel + 1, progress=progress)


def glm_path_on_dask(formula: str, frame: Any, family: Any = "gaussian", *, context: FormulaContext,
                     link: Any = None, l1_ratio: Any = 1.0, alphas: Any = None, n_alphas: Any = 100,
                     alpha_min_ratio: Any = None, weights: Any = None, freq_weights: Any = None, offset: Any = None,
                     exposure: Any = None, penalty_factor: Any = None, standardize: Any = True,
                     na_action: Any = "drop", tol: Any = 1e-8, max_iter: Any = 100, safe: Any = False,
                     relax: Any = False, penalty: Any = "elastic_net", progress: bool | None = False,
                     stacklevel: int = 2) -> PathResult:
    """:func:`glmgen.glm_path` on a Dask DataFrame (the same arguments and defaults as
    :func:`glmgen.fit.fit_glm_path`): the same checks, then the path over partitions. Only the elastic-net path
    runs there: ``relax=True`` and ``penalty="group"`` are refused."""
    if relax is not False or penalty != "elastic_net":
        raise InvalidParameterError(
            f"relax={relax!r} / penalty={penalty!r} is not available for a Dask DataFrame (only the elastic net "
            "path runs there): fit without them, or compute() a sample that fits in memory and fit that."
        )
    settings = fit_settings(family, link, alpha=0.0, l1_ratio=l1_ratio, penalty_factor=penalty_factor,
                            standardize=standardize, tol=tol, max_iter=max_iter, safe=safe)
    alphas, n_alphas, alpha_min_ratio = check_path_grid(alphas, n_alphas, alpha_min_ratio)
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    return path_dask(formula, frame, settings.family, settings.link, variables=variables, l1_ratio=settings.l1_ratio,
                     alphas=alphas, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio,
                     penalty_factor=settings.penalty_factor, standardize=settings.standardize,
                     na_action=_checked_na_action(na_action), control=settings.cd_control,
                     context=context, safe=settings.safe, stacklevel=stacklevel + 1, progress=progress)


def _checked_na_action(na_action: Any) -> str:
    """``na_action`` for a Dask DataFrame: ``"drop"`` or ``"raise"``; ``"impute"`` is refused with the reason."""
    if isinstance(na_action, str) and na_action.lower() == "impute":
        raise InvalidParameterError(
            "na_action='impute' is not available for a Dask DataFrame: the training medians are not a one-pass "
            "reduction over partitions (and every fold and resample would re-learn them). Fill the missing values "
            "first (e.g. frame.fillna({'x': frame['x'].median_approximate()}) plus an indicator column), or use "
            "na_action='drop'."
        )
    return check_choice("na_action", na_action, ("drop", "raise"))
