"""Two-sample statistics of one column (training rows against new rows) and the AUC of a score.

Conventions (``x``: the training values, ``z``: the new values, missing values left out of all but the NA
shares):

- **smd**, standardized mean difference: ``(mean(z) - mean(x)) / sqrt((var(x) + var(z)) / 2)``, sample
  variances (``ddof=1``); NaN when both variances are 0.
- **ks**, the Kolmogorov-Smirnov statistic: ``D = max_t |F_x(t) - F_z(t)|`` over the two empirical CDFs
  (``scipy.stats.ks_2samp(x, z).statistic``).
- **tvd**, total variation distance of the level shares: ``(1/2) sum_l |q_z(l) - q_x(l)|``.
- **psi**, population stability index: ``sum_b (q_z(b) - q_x(b)) log(q_z(b) / q_x(b))`` over bins ``b``: for a
  numeric column the ten bins cut at the training deciles (``(-inf, d_1], (d_1, d_2], ..., (d_9, inf)``;
  tied deciles merge bins), for a categorical one its levels (training and new). A bin's count is floored
  at :data:`PSI_FLOOR_COUNT` = half a row (an empty bin would make the index infinite), so its share is
  ``max(count, 0.5) / n``. The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a
  large one (with a few hundred rows or fewer, sampling noise alone gives values near 0.1).
- **unseen_share**: the share of all new rows whose (non-missing) level does not occur in the training rows;
  0 for numeric columns.
- **auc**: the Mann-Whitney statistic ``P(s_new > s_train) + P(s_new = s_train) / 2`` from mid-ranks (ties
  count one half), with Hanley and McNeil's (1982) standard error.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

FloatArray = npt.NDArray[np.float64]

#: the smallest bin count the population stability index uses (an empty bin counts as half a row)
PSI_FLOOR_COUNT = 0.5
#: quantiles of the training values that cut a numeric column's PSI bins (the deciles)
PSI_QUANTILES = np.linspace(0.1, 0.9, 9)


def is_numeric_column(values: pd.Series) -> bool:
    """Numbers (not booleans) are compared as numeric columns; text, categoricals and booleans as categorical."""
    return bool(pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype))


def standardized_mean_difference(x: FloatArray, z: FloatArray) -> float:
    """``(mean(z) - mean(x)) / sqrt((var(x) + var(z)) / 2)`` (sample variances); NaN without spread."""
    if len(x) < 2 or len(z) < 2:
        return math.nan
    pooled = math.sqrt((np.var(x, ddof=1) + np.var(z, ddof=1)) / 2.0)
    return float((np.mean(z) - np.mean(x)) / pooled) if pooled > 0 else math.nan


def ks_statistic(x: FloatArray, z: FloatArray) -> float:
    """The largest distance between the empirical CDFs of ``x`` and ``z``, over every observed value."""
    if not len(x) or not len(z):
        return math.nan
    x, z = np.sort(x), np.sort(z)
    points = np.concatenate([x, z])
    return float(np.max(np.abs(np.searchsorted(x, points, side="right") / len(x)
                               - np.searchsorted(z, points, side="right") / len(z))))


def psi(train_counts: FloatArray, new_counts: FloatArray) -> float:
    """Population stability index of two vectors of bin counts, each count floored at :data:`PSI_FLOOR_COUNT`
    and divided by its sample's rows."""
    p = np.maximum(train_counts, PSI_FLOOR_COUNT) / train_counts.sum()
    q = np.maximum(new_counts, PSI_FLOOR_COUNT) / new_counts.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def numeric_psi(x: FloatArray, z: FloatArray) -> float:
    """PSI over the bins cut at the training deciles (tied deciles merge bins)."""
    if not len(x) or not len(z):
        return math.nan
    edges = np.unique(np.quantile(x, PSI_QUANTILES))
    bins = len(edges) + 1
    train_counts = np.bincount(np.searchsorted(edges, x, side="left"), minlength=bins).astype(float)
    new_counts = np.bincount(np.searchsorted(edges, z, side="left"), minlength=bins).astype(float)
    return psi(train_counts, new_counts)


def column_statistics(train: pd.Series, new: pd.Series) -> dict[str, Any]:
    """The shift statistics of one column (module notes): its row of :attr:`~glmgen.results.ShiftResult.table`
    without ``column`` and ``used``."""
    na_train = float(train.isna().mean()) if len(train) else math.nan
    na_new = float(new.isna().mean()) if len(new) else math.nan
    row: dict[str, Any] = {"na_train": na_train, "na_new": na_new, "na_change": na_new - na_train}
    if is_numeric_column(train) and is_numeric_column(new):
        x = train.dropna().to_numpy(dtype=float)
        z = new.dropna().to_numpy(dtype=float)
        ks = ks_statistic(x, z)
        return {"kind": "numeric", "statistic_name": "ks", "statistic": ks,
                "smd": standardized_mean_difference(x, z), "ks": ks, "psi": numeric_psi(x, z),
                "unseen_share": 0.0} | row
    x_levels = train.dropna().astype(str)
    z_levels = new.dropna().astype(str)
    levels = pd.Index(pd.unique(np.concatenate([x_levels.to_numpy(), z_levels.to_numpy()])))
    x_counts = x_levels.value_counts().reindex(levels, fill_value=0).to_numpy(dtype=float)
    z_counts = z_levels.value_counts().reindex(levels, fill_value=0).to_numpy(dtype=float)
    empty = not len(x_levels) or not len(z_levels)
    tvd = math.nan if empty else float(0.5 * np.abs(z_counts / len(z_levels) - x_counts / len(x_levels)).sum())
    unseen = float((~z_levels.isin(set(x_levels))).sum() / len(new)) if len(new) else math.nan
    return {"kind": "categorical", "statistic_name": "tvd", "statistic": tvd, "smd": math.nan, "ks": math.nan,
            "psi": math.nan if empty else psi(x_counts, z_counts), "unseen_share": unseen} | row


def mann_whitney_auc(score: FloatArray, label: npt.NDArray[np.bool_]) -> float:
    """``P(score of a label-1 row > score of a label-0 row)``, ties counted one half (mid-ranks)."""
    n1 = int(label.sum())
    n0 = len(label) - n1
    if not n1 or not n0:
        return math.nan
    ranks = stats.rankdata(score)
    return float((ranks[label].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def auc_standard_error(auc: float, n1: int, n0: int) -> float:
    """Hanley and McNeil's (1982) standard error of an AUC from ``n1`` positive and ``n0`` negative rows."""
    q1 = auc / (2.0 - auc)
    q2 = 2.0 * auc**2 / (1.0 + auc)
    variance = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
    return math.sqrt(max(variance, 0.0))
