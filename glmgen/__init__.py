"""glmgen: generalized linear models that measure how well they generalize."""

from ._version import __version__
from .api import generalization, glm, split
from .errors import (
    AliasedColumnsWarning,
    ConvergenceWarning,
    DataError,
    DomainWarning,
    DroppedRowsWarning,
    FormulaError,
    GlmgenError,
    GLMGenWarning,
    InvalidParameterError,
    SeparationWarning,
    UnsafeFormulaError,
    UnseenLevelError,
)
from .metrics import GeneralizationResult, HeldOutResult
from .results import GLMResult, load

__all__ = [
    "AliasedColumnsWarning",
    "ConvergenceWarning",
    "DataError",
    "DomainWarning",
    "DroppedRowsWarning",
    "FormulaError",
    "GLMGenWarning",
    "GLMResult",
    "GeneralizationResult",
    "GlmgenError",
    "HeldOutResult",
    "InvalidParameterError",
    "SeparationWarning",
    "UnsafeFormulaError",
    "UnseenLevelError",
    "__version__",
    "generalization",
    "glm",
    "load",
    "split",
]
