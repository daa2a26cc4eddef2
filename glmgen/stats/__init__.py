"""Statistics computed from fits: one implementation of each (criteria, deviance and D^2, Wald, sandwich
covariances and prediction standard errors, CV summaries)."""

from .covariance import (
    COV_TYPE_LABELS,
    COV_TYPES,
    prediction_table,
    row_quadratic_forms,
    sandwich_covariance,
    score_factors,
)
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
from .cross_validation import (
    cv_summary,
    held_out_mean_deviance,
    index_1se,
    index_min,
    relaxed_choice,
)
from .inference import wald_table
from .metrics import d_squared

__all__ = [
    "COV_TYPES", "COV_TYPE_LABELS", "CRITERIA", "EBIC_GAMMA", "aic", "aicc", "bic", "criterion", "cv_summary", "d_squared", "ebic",
    "effective_df", "effective_df_along", "extract_aic", "held_out_mean_deviance", "index_1se", "index_min", "relaxed_choice",
    "parameter_count", "prediction_table", "row_quadratic_forms", "sandwich_covariance", "score_factors",
    "wald_table",
]
