"""glmgen: generalized linear models that measure how well they generalize."""

from ._version import __version__
from .api import generalization, glm, glm_path, split
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
from .path_result import PathResult
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
    "PathResult",
    "SeparationWarning",
    "UnsafeFormulaError",
    "UnseenLevelError",
    "__version__",
    "generalization",
    "glm",
    "glm_path",
    "load",
    "split",
]
