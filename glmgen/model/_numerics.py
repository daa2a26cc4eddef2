"""Compiled family maths: Poisson's ``bd0`` and the fused working-response and
deviance loops of the canonical binomial and Poisson families.

Every function is ``@numba.njit(cache=True)`` on float64 arrays and plain
scalars, so it also runs as plain Python under ``NUMBA_DISABLE_JIT=1``.
Families (:mod:`glmgen.model.families`) choose which of these serve them.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

_EPS = float(np.finfo(np.float64).eps)
_LOGIT_BOUND = float(np.log(1.0 / np.finfo(np.float64).eps))


@numba.njit(cache=True)
def working_binomial_logit(
    eta: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    offset: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
) -> None:
    r"""Fused IRLS working weights and response for binomial / logit.

    Same values as the generic formulas ``v = w (dmu/deta)^2 / V(mu)``,
    ``z = eta - offset + (y - mu) / (dmu/deta)`` with ``mu = expit(eta)``
    (``eta`` clipped to ``+-log(1/eps)``) and ``dmu/deta = max(mu (1 - mu), eps)``.
    """
    for i in range(eta.shape[0]):
        e = min(max(eta[i], -_LOGIT_BOUND), _LOGIT_BOUND)
        mu = 1.0 / (1.0 + np.exp(-e))
        variance = mu * (1.0 - mu)
        d = max(variance, _EPS)
        v[i] = weights[i] * d * d / variance
        z[i] = eta[i] - offset[i] + (y[i] - mu) / d


@numba.njit(cache=True)
def working_poisson_log(
    eta: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    offset: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
) -> None:
    r"""Fused IRLS working weights and response for poisson / log: ``mu = exp(eta)``,
    ``dmu/deta = max(mu, eps)``, ``v = w d (d / mu)``, ``z = eta - offset + (y - mu) / d``."""
    for i in range(eta.shape[0]):
        mu = np.exp(eta[i])
        d = max(mu, _EPS)
        v[i] = weights[i] * d * (d / mu)  # not d * d / mu: d * d overflows for mu > 1e154
        z[i] = eta[i] - offset[i] + (y[i] - mu) / d


@numba.njit(cache=True, fastmath={"reassoc"})
def deviance_binomial(
    y: npt.NDArray[np.float64], mu: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> float:
    r"""``2 sum_i w_i [y_i log(y_i/mu_i) + (1-y_i) log((1-y_i)/(1-mu_i))]`` with ``0 log 0 = 0``."""
    total = 0.0
    for i in range(y.shape[0]):
        term = 0.0
        if y[i] > 0.0:
            term += y[i] * np.log(y[i] / mu[i])
        if y[i] < 1.0:
            term += (1.0 - y[i]) * np.log((1.0 - y[i]) / (1.0 - mu[i]))
        total += weights[i] * term
    return 2.0 * total


@numba.njit(cache=True)
def bd0(x: float, m: float) -> float:
    r"""Half the Poisson unit deviance, ``x log(x/m) + m - x`` (``m`` at ``x = 0``, ``inf`` at ``m = 0 < x``),
    without cancellation.

    When ``x`` and ``m`` are close (``|x - m| < 0.1 (x + m)``) the direct form
    loses all its digits for large counts (at ``x = 1e15``, ``x log(x/m)`` is
    ~1e15 while the result is ~1). With ``v = (x - m)/(x + m)``,
    ``log(x/m) = 2 atanh(v)``, so

    .. math:: \mathrm{bd0} = (x - m) v + 2x \sum_{j \ge 1} v^{2j+1} / (2j+1),

    a sum of positive terms (Loader 2000; R's ``bd0`` in ``dpois``).

    References
    ----------
    C. Loader (2000). Fast and accurate computation of binomial probabilities.
    """
    if x == 0.0:
        return m
    if m == 0.0:
        return np.inf
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        total = (x - m) * v
        term = 2.0 * x * v
        v2 = v * v
        for j in range(1, 1000):
            term *= v2
            updated = total + term / (2 * j + 1)
            if updated == total:
                break
            total = updated
        return total
    return float(x * np.log(x / m) + m - x)


@numba.njit(cache=True)
def poisson_bd0(x: npt.NDArray[np.float64], m: npt.NDArray[np.float64], out: npt.NDArray[np.float64]) -> None:
    r"""``out_i = bd0(x_i, m_i)`` (:func:`bd0`), elementwise."""
    for i in range(x.shape[0]):
        out[i] = bd0(x[i], m[i])


@numba.njit(cache=True, fastmath={"reassoc"})
def deviance_poisson(
    y: npt.NDArray[np.float64], mu: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> float:
    r"""``2 sum_i w_i [y_i log(y_i/mu_i) - (y_i - mu_i)]`` with ``0 log 0 = 0``, each term by :func:`bd0`."""
    total = 0.0
    for i in range(y.shape[0]):
        total += weights[i] * bd0(y[i], mu[i])
    return 2.0 * total


@numba.njit(cache=True)
def working_log_power(
    eta: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    offset: npt.NDArray[np.float64],
    power: float,
    v: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
) -> None:
    r"""Fused IRLS working weights and response for a log link and variance ``mu^power`` (Gamma: 2, inverse
    Gaussian: 3, Tweedie: p): ``mu = exp(eta)``, ``d = max(mu, eps)``, ``v = w d (d / mu^power)``,
    ``z = eta - offset + (y - mu) / d``."""
    for i in range(eta.shape[0]):
        mu = np.exp(eta[i])
        d = max(mu, _EPS)
        v[i] = weights[i] * d * (d / mu**power)
        z[i] = eta[i] - offset[i] + (y[i] - mu) / d
