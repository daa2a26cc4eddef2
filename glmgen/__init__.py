"""glmgen: generalized linear models that measure how well they generalize."""

from ._version import __version__
from .api import generalization, glm, glm_path, split
from .bootstrap import bootstrap
from .bootstrap_bias_variance import bias_variance
from .bootstrap_intervals import BiasVarianceResult, BootstrapResult
from .cv import CVResult
from .curves import LearningCurveResult, ValidationCurveResult, learning_curve, validation_curve
from .errors import (
    AliasedColumnsWarning,
    ConvergenceWarning,
    DataError,
    DataWarning,
    DomainWarning,
    DroppedRowsWarning,
    FormulaError,
    GlmgenError,
    GLMGenWarning,
    InvalidParameterError,
    ModelFileError,
    SeparationWarning,
    SolverError,
    UnsafeFormulaError,
    UnsafeModelFileError,
    UnseenLevelError,
)
from .metrics import GeneralizationResult, HeldOutResult
from .path_result import PathResult
from .report.document import Report
from .reporting import report
from .results import GLMResult, load
from .selection import BestSubsetResult, LRTestResult, StepwiseResult, compare, lrtest
from .stepwise import best_subset, stepwise

__all__ = [
    "AliasedColumnsWarning",
    "BestSubsetResult",
    "BiasVarianceResult",
    "BootstrapResult",
    "CVResult",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "DomainWarning",
    "DroppedRowsWarning",
    "FormulaError",
    "GLMGenWarning",
    "GLMResult",
    "GeneralizationResult",
    "GlmgenError",
    "HeldOutResult",
    "InvalidParameterError",
    "ModelFileError",
    "LRTestResult",
    "LearningCurveResult",
    "PathResult",
    "Report",
    "SeparationWarning",
    "SolverError",
    "StepwiseResult",
    "UnsafeFormulaError",
    "UnsafeModelFileError",
    "UnseenLevelError",
    "ValidationCurveResult",
    "__version__",
    "best_subset",
    "bias_variance",
    "bootstrap",
    "compare",
    "generalization",
    "glm",
    "glm_path",
    "learning_curve",
    "load",
    "lrtest",
    "report",
    "split",
    "stepwise",
    "validation_curve",
]
