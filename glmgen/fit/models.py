"""Formula in, fitted record out: what :func:`glmgen.glm` and :func:`glmgen.glm_path` do after checking
their arguments, callable by every layer that refits a formula (stepwise, curves, reports, the bootstrap)
with the caller's :class:`~glmgen.formula.FormulaContext`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._progress import progress_bar
from .._validation import (
    check_alpha_grid,
    check_count,
    check_flag,
    check_l1_ratio,
    check_non_negative,
    check_number,
    check_penalty_factor,
    check_positive,
    quoted,
    suggestion,
)
from ..errors import DataError, DataWarning, InvalidParameterError
from ..formula import (
    DesignMatrix,
    DesignSpec,
    FormulaContext,
    VariableInput,
    build_design,
    check_frame,
    data_warnings,
)
from ..model import Family, Link, resolve_family
from ..results import GLMResult, PathResult
from ..solvers import CDControl, IRLSControl, Notice, solver_controls
from ..stats import COV_TYPES
from .fitting import (
    dropped_rows_notices,
    emit,
    fit_penalized_at,
    fit_unpenalized,
    prepare_penalized,
)
from .groups import check_penalty_kind, penalized_path, penalty_of
from .paths import build_path_result


def fit_glm(
    formula: str,
    data: pd.DataFrame,
    family: str | Family | Any = "gaussian",
    *,
    context: FormulaContext,
    link: str | Link | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    alpha: float = 0.0,
    l1_ratio: float = 0.0,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    tol: float = 1e-8,
    max_iter: int = 100,
    safe: bool = False,
    cov_type: str = "nonrobust",
    cluster: Any = None,
    stacklevel: int = 2,
) -> GLMResult:
    """One fit of ``formula`` on ``data``: :func:`glmgen.glm` with the caller's ``context``. Arguments are
    checked here; warnings are raised ``stacklevel`` frames up and recorded on the result."""
    settings = fit_settings(family, link, alpha=alpha, l1_ratio=l1_ratio, penalty_factor=penalty_factor,
                            standardize=standardize, tol=tol, max_iter=max_iter, safe=safe, cov_type=cov_type,
                            cluster=cluster)
    family, link = settings.family, settings.link
    spec, design = build_design(
        formula, data, weights=weights, freq_weights=freq_weights, offset=offset, exposure=exposure,
        na_action=na_action, context=context, safe=settings.safe,
    )
    notices = data_notices(spec, design, data, family, penalized=settings.alpha > 0)
    if settings.alpha > 0:
        result = fit_penalized_at(spec, design, family, link, alpha=settings.alpha, l1_ratio=settings.l1_ratio,
                                  penalty_factor=settings.penalty_factor, standardize=settings.standardize,
                                  control=settings.cd_control, stacklevel=stacklevel + 1)
    else:
        groups = None if cluster is None else cluster_codes(cluster, data, design)
        result = fit_unpenalized(spec, design, family, link, control=settings.irls_control,
                                 stacklevel=stacklevel + 1, cov_type=settings.cov_type, groups=groups)
    return replace(result, warnings=emit(notices, stacklevel + 1) + result.warnings) if notices else result


@dataclass(frozen=True)
class FitSettings:
    """The checked settings of one fit (:func:`fit_settings`)."""

    family: Family
    link: Link
    alpha: float
    l1_ratio: float
    penalty_factor: dict[str, float] | None
    standardize: bool
    irls_control: IRLSControl
    cd_control: CDControl
    safe: bool
    cov_type: str


def fit_settings(family: Any, link: Any, *, alpha: Any, l1_ratio: Any, penalty_factor: Any, standardize: Any,
                 tol: Any, max_iter: Any, safe: Any, cov_type: Any = "nonrobust", cluster: Any = None) -> FitSettings:
    """The arguments of :func:`glmgen.glm` checked, as every backend uses them."""
    family, link = resolve_family(family, link)
    alpha, l1_ratio = check_non_negative("alpha", alpha), check_l1_ratio(l1_ratio)
    cov_type = check_cov_type(cov_type, cluster, alpha)
    irls_control, cd_control = solver_controls(check_positive("tol", tol), check_count("max_iter", max_iter, 1))
    return FitSettings(family, link, alpha, l1_ratio, check_penalty_factor(penalty_factor),
                       check_flag("standardize", standardize), irls_control, cd_control, check_flag("safe", safe),
                       cov_type)


def check_cov_type(cov_type: Any, cluster: Any, alpha: float) -> str:
    """``cov_type`` spelled as in :data:`glmgen.stats.COV_TYPES` (any case), after checking that ``cluster`` is
    given exactly with ``"cluster"`` and that a robust covariance goes with an unpenalized fit."""
    spelled = {name.lower(): name for name in COV_TYPES}
    if not isinstance(cov_type, str) or cov_type.lower() not in spelled:
        raise InvalidParameterError(f"cov_type={cov_type!r} is not one of {quoted(COV_TYPES)}."
                                    f"{suggestion(str(cov_type), COV_TYPES)}")
    cov_type = spelled[cov_type.lower()]
    if (cluster is None) != (cov_type != "cluster"):
        raise InvalidParameterError(
            "cluster= gives the groups of a cluster-robust covariance, so it goes with cov_type='cluster' and "
            f"cov_type='cluster' needs it; got cov_type={cov_type!r} and cluster="
            f"{'None' if cluster is None else 'given'}. Pass both (e.g. cov_type='cluster', cluster='firm'), or neither."
        )
    if cov_type != "nonrobust" and alpha > 0:
        raise InvalidParameterError(
            f"cov_type={cov_type!r} needs an unpenalized fit, but alpha={alpha:g}: a penalized estimate is not the "
            "root of the score equations, so the sandwich covariance does not apply. Use alpha=0, or the bootstrap "
            "(gg.bootstrap) for the uncertainty of a penalized fit."
        )
    return cov_type


def cluster_codes(cluster: Any, data: Any, design: DesignMatrix) -> npt.NDArray[np.int64]:
    """Codes ``0..G-1`` of the cluster labels of the rows fitted (rows dropped for NA in model columns are
    dropped from the labels too): ``cluster`` is a column name of ``data`` or an array of one label per row."""
    frame = check_frame(data)
    if isinstance(cluster, str):
        columns = [str(c) for c in frame.columns]
        if cluster not in columns:
            raise InvalidParameterError(
                f"cluster={cluster!r} is not a column of the data (columns: {quoted(columns)})."
                f"{suggestion(cluster, columns)} cluster= takes a column name or an array of group labels (one "
                "per row); for an expression, compute it into a column first."
            )
        labels = np.asarray(frame[cluster])
    else:
        labels = np.asarray(cluster)
        if labels.shape != (len(frame),):
            raise InvalidParameterError(f"cluster has {labels.shape} values but data has {len(frame)} rows; give "
                                        "one group label per row of data, or a column name.")
    codes, _ = pd.factorize(labels[design.kept])
    if np.any(codes < 0):
        first = design.row_labels[np.flatnonzero(codes < 0)[0]]
        raise DataError(f"cluster has {int(np.sum(codes < 0))} missing labels among the rows fitted (first: row "
                        f"{first!r}). Give every row a group, or drop those rows from the data.")
    if codes.max(initial=-1) < 1:
        raise DataError(f"cluster gives {codes.max(initial=-1) + 1} group for the rows fitted; a cluster-robust "
                        "covariance needs at least 2 (and is unreliable with fewer than about 30).")
    return codes.astype(np.int64)


def fit_glm_path(
    formula: str,
    data: pd.DataFrame,
    family: str | Family | Any = "gaussian",
    *,
    context: FormulaContext,
    link: str | Link | None = None,
    l1_ratio: float = 1.0,
    alphas: Any = None,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    tol: float = 1e-8,
    max_iter: int = 100,
    safe: bool = False,
    relax: bool = False,
    penalty: str = "elastic_net",
    progress: bool | None = False,
    stacklevel: int = 2,
) -> PathResult:
    """A regularization path of ``formula`` on ``data``: :func:`glmgen.glm_path` with the caller's ``context``.
    Arguments are checked here; ``progress``: a bar ``glmgen path`` over the alphas (:mod:`glmgen._progress`)."""
    family, link = resolve_family(family, link)
    l1_ratio = check_l1_ratio(l1_ratio)
    alphas, n_alphas, alpha_min_ratio = check_path_grid(alphas, n_alphas, alpha_min_ratio)
    penalty_factor, standardize = check_penalty_factor(penalty_factor), check_flag("standardize", standardize)
    tol, max_iter = check_positive("tol", tol), check_count("max_iter", max_iter, 1)
    relax, kind = check_flag("relax", relax), check_penalty_kind(penalty)
    _, control = solver_controls(tol, max_iter)
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    spec, design = build_design(formula, data, **variables, na_action=na_action, context=context,
                                safe=check_flag("safe", safe))
    problem, columns = prepare_penalized(spec, design, family, link, l1_ratio=l1_ratio,
                                         penalty_factor=penalty_factor, standardize=standardize)
    penalized = penalty_of(spec, columns, kind)
    notices = data_notices(spec, design, data, family, penalized=True) + dropped_rows_notices(design)
    with progress_bar(progress, n_alphas if alphas is None else len(alphas), "path", unit="alpha") as bar:
        path, path_notices = penalized_path(problem, penalized, alphas=alphas, n_alphas=n_alphas,
                                            alpha_min_ratio=alpha_min_ratio, control=control, bar=bar)
    fit_kwargs = dict(family=family, link=link, l1_ratio=l1_ratio, penalty_factor=penalty_factor,
                      standardize=standardize, na_action=na_action, safe=spec.safe, tol=tol, max_iter=max_iter,
                      penalty=kind, **variables)
    return build_path_result(spec, design, problem, penalized, path, data=data, fit_kwargs=fit_kwargs,
                             context=context, control=control, standardize=standardize,
                             penalty_factor=penalty_factor, warnings=emit(notices + path_notices, stacklevel + 1),
                             relax=relax)


def check_path_grid(alphas: Any, n_alphas: Any, alpha_min_ratio: Any) -> tuple[Any, int, float | None]:
    """``alphas`` (decreasing, positive), ``n_alphas`` and ``alpha_min_ratio`` of a path, checked."""
    alphas = None if alphas is None else check_alpha_grid(alphas)
    n_alphas = check_count("n_alphas", n_alphas, 1)
    if alpha_min_ratio is not None:
        alpha_min_ratio = check_number("alpha_min_ratio", alpha_min_ratio)
        if not 0 < alpha_min_ratio < 1:
            raise InvalidParameterError(f"alpha_min_ratio={alpha_min_ratio!r} must be in (0, 1).")
    return alphas, n_alphas, alpha_min_ratio


def data_notices(
    spec: DesignSpec, design: DesignMatrix, data: Any, family: Family, *, penalized: bool
) -> list[Notice]:
    """DataWarnings about suspicious model columns and responses (``data`` as given: a dict is read as a
    DataFrame). The response check is R's ``glm``'s: penalized fits (glmnet's objective, weights
    normalised to sum to n) do not read prior weights as counts, so they skip it."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    messages = data_warnings(spec, design, frame)
    response = (family.response_warning(design.y, design.weights, spec.response.label)
                if design.y is not None and not penalized else None)
    return [Notice(DataWarning, message) for message in messages + ([response] if response else [])]
