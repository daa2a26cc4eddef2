"""How well fitted models generalize: held-out fit, curves, diagnostics and the analysis behind the report."""

from .curves import (
    LearningCurveResult,
    ValidationCurveResult,
    learning_curve,
    validation_curve,
)
from .diagnostics import calibration_table, count_table, residual_bins
from .generalization import generalization
from .reporting import GeneralizationAnalysis, ReportSettings, analyse
from .shift import shift, shift_of_fit

__all__ = [
    "GeneralizationAnalysis", "LearningCurveResult", "ReportSettings", "ValidationCurveResult", "analyse",
    "calibration_table", "count_table", "generalization", "learning_curve", "residual_bins",
    "shift", "shift_of_fit", "validation_curve",
]
