"""From a built design to a :class:`GLMResult`: validation, solver call, null model, warnings."""

from __future__ import annotations

import warnings as warnings_module

import numpy as np

from .design import DesignMatrix, DesignSpec
from .errors import DataError, DroppedRowsWarning
from .families import Family
from .links import Link
from .results import GLMResult, PenaltySettings, build_result
from .solvers import GLMProblem, IRLSControl, Notice, irls


def check_design(design: DesignMatrix, family: Family, response: str) -> None:
    """Refuse responses outside the family's range and weights that leave nothing to fit."""
    assert design.y is not None
    family.check_y(design.y, design.row_labels, response)
    if not np.any(design.weights * design.freq_weights > 0):
        raise DataError(
            f"all {design.n_rows} rows have zero weight, so there is nothing to fit. Check the weights column."
        )


def problem_of(design: DesignMatrix, spec: DesignSpec, family: Family, link: Link) -> GLMProblem:
    assert design.y is not None
    return GLMProblem(
        X=design.X, y=design.y, weights=design.weights * design.freq_weights, offset=design.offset,
        family=family, link=link, fit_intercept=spec.fit_intercept,
    )


def null_model(problem: GLMProblem, control: IRLSControl) -> tuple[float, float | None]:
    """Null deviance and intercept as R computes them: intercept-only fit with the offset.

    Without an intercept the null model is ``mu = linkinv(offset)``.
    """
    if not problem.fit_intercept:
        return problem.deviance(problem.link.inverse(problem.offset)), None
    if not np.any(problem.offset):
        y_mean = float(np.dot(problem.weights, problem.y) / problem.weights.sum())
        mu = np.full_like(problem.y, y_mean)
        return problem.deviance(mu), float(problem.link.link(np.array([y_mean]))[0])
    empty = GLMProblem(
        X=np.empty((problem.X.shape[0], 0)), y=problem.y, weights=problem.weights, offset=problem.offset,
        family=problem.family, link=problem.link, fit_intercept=True,
    )
    output = irls(empty, control=control)
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
) -> GLMResult:
    """Fit by IRLS and build the result; warnings are raised and recorded."""
    from .errors import AliasedColumnsWarning

    check_design(design, family, spec.response.label)
    problem = problem_of(design, spec, family, link)
    notices: list[Notice] = []
    if design.dropped_message:
        notices.append(Notice(DroppedRowsWarning, f"dropped {design.dropped_message}."))
    output = irls(problem, control=control)
    if output.aliased.any():
        names = [n for n, a in zip(spec.column_names, output.aliased) if a]
        notices.append(Notice(
            AliasedColumnsWarning,
            f"{len(names)} column{'s are' if len(names) > 1 else ' is'} a linear combination of earlier columns "
            f"and got NaN coefficients (R's NA): {', '.join(repr(n) for n in names)}. Remove "
            f"{'them' if len(names) > 1 else 'it'} from the formula to silence this warning.",
        ))
    notices.extend(output.notices)
    null_deviance, null_intercept = null_model(problem, control)
    messages = emit(notices, stacklevel + 1)
    return build_result(
        spec, design, family, link, output, penalty=PenaltySettings(), null_deviance=null_deviance,
        null_intercept=null_intercept, warnings=messages,
    )
