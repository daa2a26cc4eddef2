"""Passive records of fits and their file format: no solver calls, no data frames, no second copy of X."""

from . import display
from .cv import CVResult
from .glm import GLMResult, PenaltySettings, build_result, load
from .held_out import GeneralizationResult, HeldOutResult
from .path import SELECTION_CRITERIA, PathRefits, PathResult

__all__ = [
    "CVResult", "GLMResult", "GeneralizationResult", "HeldOutResult", "PathRefits", "PathResult", "PenaltySettings", "SELECTION_CRITERIA", "build_result",
    "display", "load",
]
