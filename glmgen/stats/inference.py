"""Wald tests and intervals for unpenalized fits (the covariances are in :mod:`.covariance`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def wald_table(
    params: pd.Series, std_errors: pd.Series, df_resid: float | None, level: float = 0.95
) -> pd.DataFrame:
    """Estimate, std_err, statistic, p_value, ci_lower, ci_upper, as R reports them for a glm.

    With ``df_resid`` (dispersion estimated, as for the gaussian family, with the
    model-based covariance) the p-value refers the statistic to Student's t, as
    R's ``summary.glm``; otherwise (a fixed dispersion, or a sandwich covariance,
    as statsmodels and ``lmtest::coeftest`` for a glm) to the standard normal.
    Intervals are R's ``confint.default``: ``estimate +- z_(1+level)/2 * std_err``
    for every family.
    """
    statistic = params / std_errors
    reference = stats.t(df_resid) if df_resid is not None else stats.norm()
    p_values = 2.0 * reference.sf(np.abs(statistic))
    quantile = stats.norm.ppf(0.5 + level / 2.0)
    return pd.DataFrame({
        "estimate": params,
        "std_err": std_errors,
        "statistic": statistic,
        "p_value": p_values,
        "ci_lower": params - quantile * std_errors,
        "ci_upper": params + quantile * std_errors,
    })
