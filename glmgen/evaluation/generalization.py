"""Training versus held-out fit of one model: the generalization gap and D^2."""

from __future__ import annotations

from .._frames import AnyFrame
from ..errors import InvalidParameterError
from ..results import GeneralizationResult, GLMResult, PathResult


def generalization(fit: GLMResult, train: AnyFrame, test: AnyFrame) -> GeneralizationResult:
    """Training versus held-out mean deviance of ``fit``, their gap, and D^2 on both (``train``, ``test``: pandas,
    polars or pyarrow frames, as :func:`glmgen.glm`)."""
    if not isinstance(fit, GLMResult):
        hint = " Pick one fit first, e.g. path.select('cv_1se')." if isinstance(fit, PathResult) else ""
        raise InvalidParameterError(f"generalization needs a fitted model (GLMResult), got {type(fit).__name__}.{hint}")
    return GeneralizationResult(train=fit.evaluate(train), test=fit.evaluate(test))
