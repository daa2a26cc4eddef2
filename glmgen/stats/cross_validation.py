"""Held-out scoring and the ``cv.glmnet`` summary: one implementation for paths, estimators and the bootstrap.

Each fold ``k`` gives the weighted mean held-out unit deviance ``cv_k`` at
every alpha and its total held-out weight ``W_k``. Folds without weight say
nothing about held-out fit and are left out. Then, over the ``K`` remaining
folds (``cv.glmnet``'s ``cvm`` and ``cvsd``):

    mean_deviance = sum_k W_k cv_k / sum_k W_k
    se            = sqrt( sum_k W_k (cv_k - mean_deviance)^2 / sum_k W_k / (K - 1) )   (NaN when K < 2)

``alpha_min`` minimises ``mean_deviance``; ``alpha_1se`` is the largest alpha
whose mean deviance is within one ``se`` of that minimum.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..model import Family, Link

FloatArray = npt.NDArray[np.float64]


def held_out_mean_deviance(
    family: Family, link: Link, y: FloatArray, eta: FloatArray, weights: FloatArray
) -> tuple[FloatArray, float]:
    """Weighted mean unit deviance of held-out rows at each column of ``eta`` ``(n, n_alphas)``, and their
    total weight (``NaN`` means when it is 0)."""
    total = float(weights.sum())
    if total <= 0:
        return np.full(eta.shape[1], np.nan), 0.0
    mu = link.inverse(eta)
    deviances = np.array([family.deviance(y, mu[:, j], weights) for j in range(eta.shape[1])])
    return deviances / total, total


def cv_summary(fold_means: FloatArray, fold_weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``cv.glmnet``'s weighted mean over folds ``(K, n_alphas)`` and its standard error (module notes)."""
    used = fold_weights > 0
    fold_means, fold_weights = fold_means[used], fold_weights[used]
    total = fold_weights.sum()
    mean = fold_weights @ fold_means / total
    if fold_means.shape[0] < 2:
        return mean, np.full_like(mean, np.nan)
    spread = fold_weights @ np.square(fold_means - mean) / total
    return mean, np.sqrt(spread / (fold_means.shape[0] - 1))


def index_min(mean_deviance: FloatArray) -> int:
    """Position of the smallest mean held-out deviance."""
    return int(np.nanargmin(mean_deviance))


def index_1se(mean_deviance: FloatArray, se: FloatArray) -> int:
    """Position of the largest alpha (first on a decreasing grid) within one ``se`` of the minimum;
    the minimum itself when its ``se`` is not known."""
    best = index_min(mean_deviance)
    if not np.isfinite(se[best]):
        return best
    return int(np.flatnonzero(mean_deviance <= mean_deviance[best] + se[best])[0])


def relaxed_choice(mean_deviance: FloatArray, se: FloatArray, gammas: FloatArray, rule: str) -> tuple[int, int]:
    """``cv.glmnet(relax=TRUE)``'s joint choice over ``(n_gammas, n_alphas)`` tables: ``(gamma row, alpha
    column)``. "min": among the entries at the smallest mean deviance, the largest alpha, then the largest
    gamma; "1se": the same among the entries within the minimum's ``se`` of it (glmnet's ``getOptcv.relaxed``)."""
    best = np.nanmin(mean_deviance)
    chosen = mean_deviance <= best
    if rule == "1se":
        row, col = _most_regular(chosen, gammas)
        if np.isfinite(se[row, col]):
            chosen = mean_deviance <= mean_deviance[row, col] + se[row, col]
    return _most_regular(chosen, gammas)


def _most_regular(chosen: npt.NDArray[np.bool_], gammas: FloatArray) -> tuple[int, int]:
    """The chosen entry of the largest alpha (first column of a decreasing grid), then of the largest gamma."""
    col = int(np.flatnonzero(chosen.any(axis=0))[0])
    rows = np.flatnonzero(chosen[:, col])
    return int(rows[np.argmax(gammas[rows])]), col
