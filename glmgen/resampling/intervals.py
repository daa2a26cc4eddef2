"""Bootstrap interval maths: quantiles, percentile / basic / normal / BCa endpoints, and the no-information error.

Interval conventions follow R's ``boot.ci`` (Davison and Hinkley 1997, ch. 5),
with ``t`` the successful replicates of a coefficient, ``R`` their number and
``t0`` the original estimate:

- quantiles of ``t`` are taken with boot's ``norm.inter``: the ``(R+1) a``-th
  order statistic, interpolated on the normal-quantile scale between
  neighbours when ``(R+1) a`` is not an integer (D&H eq. 5.8), the extreme
  order statistic beyond the ends; ``interpolation="linear"`` uses
  ``numpy.quantile`` (type 7) instead;
- ``percentile``: ``[q(a/2), q(1-a/2)]``;
- ``basic``: ``[2 t0 - q(1-a/2), 2 t0 - q(a/2)]``;
- ``normal``: ``t0 - bias -+ z_{1-a/2} sd(t)`` with ``bias = mean(t) - t0``
  and ``sd`` the ``R - 1`` standard deviation;
- ``bca``: bias correction ``z0 = qnorm(#(t < t0) / R)``, acceleration
  ``a = sum L^3 / (6 (sum L^2)^1.5)`` from empirical influence values ``L``,
  endpoints ``q(pnorm(z0 + (z0 + z) / (1 - a (z0 + z))))`` for ``z = qnorm(a/2),
  qnorm(1-a/2)``. ``L`` comes from the jackknife, boot's ``usual.jack``:
  ``L_i = (n_s - 1) (t0 - t_{-i})`` with ``t_{-i}`` the procedure refitted
  without row ``i`` (without group ``i`` for a cluster bootstrap) and ``n_s``
  the number of units in its stratum. See :meth:`BootstrapResult.conf_int`
  for the large-n approximations.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

from ..model import Family

FloatArray = npt.NDArray[np.float64]


# --- quantiles and intervals -------------------------------------------------------------------------

def norm_inter(t: FloatArray, alpha: FloatArray) -> FloatArray:
    """R boot's ``norm.inter``: order statistics of ``t`` at ``(R+1) alpha``, interpolated on the normal scale."""
    return sorted_norm_inter(np.sort(t[np.isfinite(t)])[:, None], alpha)[:, 0]


def sorted_norm_inter(t: FloatArray, alpha: FloatArray) -> FloatArray:
    """:func:`norm_inter` of each column of ``t`` ``(R, m)``, sorted along its rows: ``(len(alpha), m)``."""
    R = t.shape[0]
    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    out = np.full((alpha.size, t.shape[1]), np.nan)
    if R == 0:
        return out
    rk = (R + 1) * alpha
    k = np.trunc(rk).astype(np.int64)
    for i, (a, r, j) in enumerate(zip(alpha, rk, k)):
        if not np.isfinite(r):
            continue
        if j <= 0:
            out[i] = t[0]
        elif j >= R:
            out[i] = t[R - 1]
        elif j == r:
            out[i] = t[j - 1]
        else:
            low, high = stats.norm.ppf(j / (R + 1)), stats.norm.ppf((j + 1) / (R + 1))
            out[i] = t[j - 1] + (stats.norm.ppf(a) - low) / (high - low) * (t[j] - t[j - 1])
    return out


def quantiles(t: FloatArray, alpha: FloatArray, interpolation: str) -> FloatArray:
    """Quantiles of the finite ``t`` at ``alpha``: :func:`norm_inter` (``"normal"``) or numpy's type 7 (``"linear"``)."""
    if interpolation == "linear":
        t = t[np.isfinite(t)]
        return np.quantile(t, alpha) if t.size else np.full(len(alpha), np.nan)
    return norm_inter(t, alpha)


def column_quantiles(values: FloatArray, alpha: FloatArray, interpolation: str) -> FloatArray:
    """Quantiles of each column of ``values`` ``(R, m)`` at ``alpha``, ``(m, len(alpha))``, by the rules of
    :func:`quantiles` over all ``R`` values (infinite ones sort to the ends; no NaN expected)."""
    if interpolation == "linear":
        return np.asarray(np.quantile(values, alpha, axis=0).T, dtype=float)
    return sorted_norm_inter(np.sort(values, axis=0), alpha).T


def acceleration(influence: FloatArray) -> float:
    """BCa acceleration ``sum L^3 / (6 (sum L^2)^1.5)`` over the finite influence values ``L``."""
    values = influence[np.isfinite(influence)]
    denominator = 6.0 * float(np.sum(values**2)) ** 1.5
    return float(np.sum(values**3)) / denominator if denominator > 0 else math.nan


def bca_interval(t: FloatArray, t0: float, level: float, accel: float, interpolation: str = "normal") -> FloatArray:
    """R's ``bca.ci`` endpoints for one statistic (NaN when ``z0`` or ``a`` is not finite)."""
    t = t[np.isfinite(t)]
    if t.size == 0 or not np.isfinite(accel):
        return np.array([np.nan, np.nan])
    z0 = stats.norm.ppf(np.sum(t < t0) / t.size)
    if not np.isfinite(z0):
        return np.array([np.nan, np.nan])
    z = stats.norm.ppf((1.0 + np.array([-level, level])) / 2.0)
    adjusted = stats.norm.cdf(z0 + (z0 + z) / (1.0 - accel * (z0 + z)))
    return quantiles(t, adjusted, interpolation)


def normal_interval(t: FloatArray, t0: float, level: float) -> FloatArray:
    """boot's ``norm.ci``: ``t0 - bias -+ z_{1-a/2} sd(t)`` over the finite ``t`` (``R - 1`` denominator)."""
    finite = t[np.isfinite(t)]
    spread = np.std(finite, ddof=1) * stats.norm.ppf((1.0 + level) / 2.0) if finite.size > 1 else np.nan
    centre = t0 - (np.mean(finite) - t0) if finite.size else np.nan
    return np.array([centre - spread, centre + spread])


# --- the no-information error ------------------------------------------------------------------------

def no_information_deviance(family: Family, y: FloatArray, mu: FloatArray, weights: FloatArray,
                            *, max_pairs_rows: int = 5000, seed: int = 0) -> float:
    """Efron and Tibshirani's no-information error for the deviance, weighted:

        gamma = sum_i sum_j w_i w_j d(y_i, mu_j) / (sum_i w_i)^2

    (every response paired with every fitted mean). Where the family's unit
    deviance splits as ``d(y, mu) = a(y) + b(mu) + y c(mu)``
    (:meth:`Family.deviance_split`: gaussian, binomial, poisson), gamma is
    computed exactly in O(n):
    ``gamma = sum w a / W + sum w b / W + (sum w y)(sum w c) / W^2``.
    Other families use all pairs for ``n <= max_pairs_rows`` and otherwise
    ``max_pairs_rows`` responses and means drawn at random (with probability
    proportional to the weights, seeded).
    """
    w = np.asarray(weights, dtype=float)
    split = family.deviance_split(y, mu)
    if split is None:
        return _no_information_pairs(family, y, mu, w, max_pairs_rows, seed)
    a, b, c = split
    used = w > 0
    return no_information_from_sums(w[used] @ a[used], w[used] @ b[used], w[used] @ y[used], w[used] @ c[used],
                                    float(w.sum()))


def no_information_from_sums(a: float, b: float, wy: float, c: float, total: float) -> float:
    """``gamma = sum w a / W + sum w b / W + (sum w y)(sum w c) / W^2`` from the sums of a split deviance
    (:meth:`Family.deviance_split`) over rows, whatever computed them (rows in memory, partitions)."""
    return float(a / total + b / total + wy * c / total**2)


def _no_information_pairs(family: Family, y: FloatArray, mu: FloatArray, w: FloatArray, limit: int, seed: int) -> float:
    """gamma over all pairs of rows, or over ``limit`` sampled responses and means."""
    if y.size > limit:
        rng = np.random.default_rng(seed)
        p = w / w.sum()
        rows, cols = rng.choice(y.size, limit, p=p), rng.choice(y.size, limit, p=p)
        y_pairs, w_rows, mu_pairs, w_cols = y[rows], np.ones(limit), mu[cols], np.ones(limit)
    else:
        y_pairs, w_rows, mu_pairs, w_cols = y, w, mu, w
    total = 0.0
    for start in range(0, y_pairs.size, 256):
        block = slice(start, start + 256)
        unit = family.unit_deviance(y_pairs[block, None], mu_pairs[None, :])
        total += float(w_rows[block] @ unit @ w_cols)
    return total / (w_rows.sum() * w_cols.sum())
