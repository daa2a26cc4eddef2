"""Passive records of fits and their file format: no solver calls, no data frames, no second copy of X."""

from . import display
from .assemble import FitTotals, build_result, result_from_totals, row_sums
from .cv import CVResult
from .glm import GLMRefits, GLMResult, PenaltySettings, load
from .held_out import GeneralizationResult, HeldOutResult
from .path import SELECTION_CRITERIA, PathRefits, PathResult
from .shift import SHIFT_COLUMNS, ShiftResult
from .to_statsmodels import STATSMODELS_COV_TYPES, unless_ones

__all__ = [
    "SELECTION_CRITERIA",
    "CVResult",
    "GLMRefits",
    "GLMResult",
    "GeneralizationResult",
    "HeldOutResult",
    "PathRefits",
    "PathResult",
    "PenaltySettings",
    "SHIFT_COLUMNS",
    "STATSMODELS_COV_TYPES",
    "ShiftResult",
    "FitTotals", "build_result", "result_from_totals", "row_sums",
    "display",
    "load",
    "unless_ones",
]
