"""Formula in, fitted record out: what :func:`glmgen.glm` and :func:`glmgen.glm_path` do after checking
their arguments, callable by every layer that refits a formula (stepwise, curves, reports, the bootstrap)
with the caller's :class:`~glmgen.formula.FormulaContext`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from .._validation import (
    check_alpha_grid,
    check_count,
    check_flag,
    check_l1_ratio,
    check_non_negative,
    check_number,
    check_penalty_factor,
    check_positive,
)
from ..errors import DataWarning, InvalidParameterError
from ..formula import (
    DesignMatrix,
    DesignSpec,
    FormulaContext,
    VariableInput,
    build_design,
    data_warnings,
)
from ..model import Family, Link, resolve_family
from ..results import GLMResult, PathResult
from ..solvers import Notice, fit_path, solver_controls
from .fitting import (
    dropped_rows_notices,
    emit,
    fit_penalized_at,
    fit_unpenalized,
    prepare_penalized,
)
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
    stacklevel: int = 2,
) -> GLMResult:
    """One fit of ``formula`` on ``data``: :func:`glmgen.glm` with the caller's ``context``. Arguments are
    checked here; warnings are raised ``stacklevel`` frames up and recorded on the result."""
    family, link = resolve_family(family, link)
    alpha, l1_ratio = check_non_negative("alpha", alpha), check_l1_ratio(l1_ratio)
    penalty_factor, standardize = check_penalty_factor(penalty_factor), check_flag("standardize", standardize)
    irls_control, cd_control = solver_controls(check_positive("tol", tol), check_count("max_iter", max_iter, 1))
    spec, design = build_design(
        formula, data, weights=weights, freq_weights=freq_weights, offset=offset, exposure=exposure,
        na_action=na_action, context=context, safe=check_flag("safe", safe),
    )
    notices = data_notices(spec, design, data, family, penalized=alpha > 0)
    if alpha > 0:
        result = fit_penalized_at(spec, design, family, link, alpha=alpha, l1_ratio=l1_ratio,
                                  penalty_factor=penalty_factor, standardize=standardize, control=cd_control,
                                  stacklevel=stacklevel + 1)
    else:
        result = fit_unpenalized(spec, design, family, link, control=irls_control, stacklevel=stacklevel + 1)
    return replace(result, warnings=emit(notices, stacklevel + 1) + result.warnings) if notices else result


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
    stacklevel: int = 2,
) -> PathResult:
    """A regularization path of ``formula`` on ``data``: :func:`glmgen.glm_path` with the caller's ``context``.
    Arguments are checked here."""
    family, link = resolve_family(family, link)
    l1_ratio = check_l1_ratio(l1_ratio)
    alphas = None if alphas is None else check_alpha_grid(alphas)
    n_alphas = check_count("n_alphas", n_alphas, 1)
    penalty_factor, standardize = check_penalty_factor(penalty_factor), check_flag("standardize", standardize)
    if alpha_min_ratio is not None:
        alpha_min_ratio = check_number("alpha_min_ratio", alpha_min_ratio)
        if not 0 < alpha_min_ratio < 1:
            raise InvalidParameterError(f"alpha_min_ratio={alpha_min_ratio!r} must be in (0, 1).")
    tol, max_iter = check_positive("tol", tol), check_count("max_iter", max_iter, 1)
    _, control = solver_controls(tol, max_iter)
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    spec, design = build_design(formula, data, **variables, na_action=na_action, context=context,
                                safe=check_flag("safe", safe))
    problem, penalty = prepare_penalized(spec, design, family, link, l1_ratio=l1_ratio,
                                         penalty_factor=penalty_factor, standardize=standardize)
    notices = data_notices(spec, design, data, family, penalized=True) + dropped_rows_notices(design)
    path, path_notices = fit_path(problem, penalty, alphas=alphas, n_alphas=n_alphas,
                                  alpha_min_ratio=alpha_min_ratio, control=control)
    fit_kwargs = dict(family=family, link=link, l1_ratio=l1_ratio, penalty_factor=penalty_factor,
                      standardize=standardize, na_action=na_action, safe=spec.safe, tol=tol, max_iter=max_iter,
                      **variables)
    return build_path_result(spec, design, problem, penalty, path, data=data, fit_kwargs=fit_kwargs,
                             context=context, control=control, standardize=standardize,
                             penalty_factor=penalty_factor, warnings=emit(notices + path_notices, stacklevel + 1))


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
