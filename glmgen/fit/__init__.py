"""From formulas and designs to fitted records; the refits and cross-validation every caller shares."""

from .cv import FoldProblem, cross_validate, make_fold_ids
from .fitting import (
    aliased_notice,
    check_response_kind,
    column_scales,
    emit,
    null_model,
    penalty_factors,
    prepare_penalized,
    zero_weight_message,
)
from .from_statsmodels import fit_statsmodels
from .groups import penalized_path
from .models import (
    FitSettings,
    check_cov_type,
    check_path_grid,
    data_notices,
    fit_glm,
    fit_glm_path,
    fit_settings,
)
from .paths import PathRefitter, build_path_result
from .problems import problem_of
from .profile import ProfileRefits, profile_intervals

__all__ = [
    "FitSettings", "check_path_grid", "fit_settings",
    "aliased_notice", "check_cov_type", "check_response_kind", "zero_weight_message",
    "FoldProblem", "PathRefitter", "ProfileRefits", "cross_validate", "build_path_result", "column_scales", "data_notices", "emit", "fit_glm", "fit_glm_path", "fit_statsmodels",
    "make_fold_ids", "null_model", "penalized_path", "penalty_factors", "prepare_penalized", "problem_of",
    "profile_intervals",
]
