"""The elastic-net penalty (and the group elastic net, :class:`GroupPenalty`) as value objects.

For coefficients ``b`` (the intercept is never penalized) the penalty is

    alpha * sum_j f_j * ( l1_ratio * s_j |b_j| + (1 - l1_ratio)/2 * s_j^2 b_j^2 )

with per-column penalty factors ``f_j`` (0 = unpenalized, glmnet's
``penalty.factor``, used as given) and scales ``s_j``: the weighted 1/n
standard deviation of column ``j`` under ``standardize=True`` (so the penalty
acts on standardized coefficients, glmnet's convention) and 1 otherwise
(scikit-learn's objective). The smooth part is ``deviance / (2 sum(w))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: glmnet computes the start of a ridge path as if l1_ratio were this small
RIDGE_L1_RATIO_FOR_ALPHA_MAX = 1e-3


@dataclass(frozen=True)
class Penalty:
    """``alpha``, ``l1_ratio`` and per-column ``factors * scales``; arrays have shape ``(p,)``."""

    alpha: float
    l1_ratio: float
    factors: FloatArray
    scales: FloatArray

    @property
    def l1(self) -> FloatArray:
        """Per-coordinate L1 weights ``alpha * l1_ratio * f_j * s_j``."""
        return self.alpha * self.l1_ratio * self.factors * self.scales

    @property
    def l2(self) -> FloatArray:
        """Per-coordinate L2 weights ``alpha * (1 - l1_ratio) * f_j * s_j^2``."""
        return self.alpha * (1.0 - self.l1_ratio) * self.factors * np.square(self.scales)

    def at(self, alpha: float) -> Penalty:
        """The same penalty at another ``alpha``."""
        return Penalty(alpha, self.l1_ratio, self.factors, self.scales)

    def value(self, coef: FloatArray) -> float:
        """``sum_j l1_j |b_j| + 1/2 sum_j l2_j b_j^2`` for ``coef`` ``(p,)``."""
        return float(np.dot(self.l1, np.abs(coef)) + 0.5 * np.dot(self.l2, np.square(coef)))

    def alpha_max(self, gradient: FloatArray) -> float:
        """Smallest alpha at which every penalized coefficient is zero.

        ``gradient`` is the gradient of the smooth part with respect to each
        coefficient at the null model (all penalized coefficients zero); at
        ``b_j = 0`` the KKT condition is ``|gradient_j| <= alpha l1_ratio f_j s_j``.
        A ridge path (``l1_ratio=0``) starts where an ``l1_ratio=1e-3`` path would
        (glmnet's convention): there the null fit is *not* optimal, see
        :meth:`null_optimal_alpha`.
        """
        weight = max(self.l1_ratio, RIDGE_L1_RATIO_FOR_ALPHA_MAX) * self.factors * self.scales
        penalized = weight > 0
        if not penalized.any():
            return 0.0
        return float(np.max(np.abs(gradient[penalized]) / weight[penalized]))

    def null_optimal_alpha(self, gradient: FloatArray) -> float:
        """Smallest alpha at which the null fit satisfies the KKT conditions exactly.

        ``max_j |gradient_j| / (l1_ratio f_j s_j)`` over penalized columns: the
        same as :meth:`alpha_max` for ``l1_ratio >= 1e-3``, but infinite for a
        pure ridge penalty (``l1_ratio = 0``) unless every penalized gradient is
        0, since only an L1 part can hold a coefficient at exactly zero.
        """
        weight = self.l1_ratio * self.factors * self.scales
        penalized = self.factors * self.scales > 0
        gradient = np.abs(gradient[penalized])
        weight = weight[penalized]
        if np.any((weight == 0) & (gradient > 0)):
            return math.inf
        moving = weight > 0
        return float(np.max(gradient[moving] / weight[moving], initial=0.0))

    def kkt_violation(self, coef: FloatArray, gradient: FloatArray) -> FloatArray:
        """Per-coordinate violation of the KKT conditions (0 where they hold).

        ``gradient`` is the smooth part's gradient. At ``b_j != 0``:
        ``gradient_j + l2_j b_j + l1_j sign(b_j) = 0``; at ``b_j = 0``:
        ``|gradient_j| <= l1_j``.
        """
        l1, l2 = self.l1, self.l2
        stationarity = np.abs(gradient + l2 * coef + l1 * np.sign(coef))
        at_zero = np.maximum(np.abs(gradient) - l1, 0.0)
        return np.where(coef != 0, stationarity, at_zero)


@dataclass(frozen=True)
class GroupPenalty:
    """The group elastic net: ``alpha * sum_g f_g * (l1_ratio ||s_g b_g||_2 + (1 - l1_ratio)/2 ||s_g b_g||_2^2)``.

    ``groups`` are column indices into the design (intercept excluded; every column in exactly one group),
    ``factors`` ``(len(groups),)`` the group weights (usually ``sqrt(|g|)`` times a user factor; 0 leaves the
    group unpenalized). ``scales`` ``(p,)`` (optional, default 1) act as :class:`Penalty`'s: the penalty is
    on ``s_j b_j``, the standardized coefficients under ``standardize=True``.
    """

    alpha: float
    l1_ratio: float
    groups: tuple[IntArray, ...]
    factors: FloatArray
    scales: FloatArray | None = None

    def at(self, alpha: float) -> GroupPenalty:
        """The same penalty at another ``alpha``."""
        return GroupPenalty(alpha, self.l1_ratio, self.groups, self.factors, self.scales)

    def norms(self, coef: FloatArray) -> FloatArray:
        """``||s_g b_g||_2`` per group."""
        scaled = coef if self.scales is None else coef * self.scales
        return np.array([math.sqrt(float(np.dot(scaled[g], scaled[g]))) for g in self.groups])

    def value(self, coef: FloatArray) -> float:
        """The penalty term at ``coef`` ``(p,)``."""
        norms = self.norms(coef)
        per_group = self.l1_ratio * norms + 0.5 * (1.0 - self.l1_ratio) * np.square(norms)
        return float(self.alpha * np.dot(self.factors, per_group))
