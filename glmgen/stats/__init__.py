"""Statistics computed from fits: one implementation of each (criteria, deviance and D^2, Wald, CV summaries)."""

from .criteria import (
    CRITERIA,
    EBIC_GAMMA,
    aic,
    aicc,
    bic,
    criterion,
    ebic,
    effective_df,
    effective_df_along,
    extract_aic,
    parameter_count,
)
from .cross_validation import cv_summary, held_out_mean_deviance, index_1se, index_min
from .inference import wald_table
from .metrics import d_squared

__all__ = [
    "CRITERIA", "EBIC_GAMMA", "aic", "aicc", "bic", "criterion", "cv_summary", "d_squared", "ebic",
    "effective_df", "effective_df_along", "extract_aic", "held_out_mean_deviance", "index_1se", "index_min",
    "parameter_count", "wald_table",
]
