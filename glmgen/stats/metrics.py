"""Deviance-based measures of fit."""

from __future__ import annotations


def d_squared(model_deviance: float, null_deviance: float) -> float:
    """Fraction of deviance explained, ``D^2 = 1 - deviance / null deviance`` (NaN when the null deviance is 0)."""
    return 1.0 - model_deviance / null_deviance if null_deviance > 0 else float("nan")
