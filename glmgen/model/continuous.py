"""Positive continuous responses: Gamma, inverse Gaussian and the Tweedie power-variance family.

Deviances, variances and log-likelihoods follow R (``Gamma()``, ``inverse.gaussian()`` and
``statmod::tweedie()``); the log-likelihoods are R's ``family()$aic`` read back as ``logLik``, with the
dispersion estimated as ``deviance / sum(w)`` there (R's rule), while the reported dispersion
(``scale``) is Pearson's chi2 / df_resid, as ``summary.glm``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from . import _numerics
from .families import Family, FloatArray, Gaussian, Poisson, WorkingKernel
from .links import REAL_LINE, Interval, Link

_POSITIVE = Interval(0.0, math.inf, False, False)
_NON_NEGATIVE = Interval(0.0, math.inf, True, False)


def _log_power_kernel(power: float) -> WorkingKernel:
    """The fused working kernel for the log link and variance ``mu^power``."""
    def kernel(eta: FloatArray, y: FloatArray, weights: FloatArray, offset: FloatArray, v: FloatArray,
               z: FloatArray) -> None:
        _numerics.working_log_power(eta, y, weights, offset, power, v, z)
    return kernel


def _weighted_sums(weights: FloatArray, freq_weights: FloatArray, *terms: FloatArray) -> FloatArray:
    """``(sum c, sum c t_1, sum c t_2, ...)`` over the rows of positive ``c = w fw`` (R's ``family()$aic`` sums
    over those rows only, the rest may hold any value)."""
    counted = weights * freq_weights
    used = counted > 0
    return np.array([counted[used].sum()] + [np.dot(counted[used], term[used]) for term in terms], dtype=float)


def _ml_dispersion(total: float, deviance: float) -> float | None:
    """R's dispersion inside ``family()$aic``, ``deviance / sum(w)`` over the rows of positive weight; ``None``
    for a perfect fit (a zero dispersion: the likelihood is unbounded)."""
    return deviance / total if deviance > 0.0 else None


class Gamma(Family):
    """Positive responses with constant coefficient of variation: ``V(mu) = mu^2``,
    ``d(y, mu) = 2 (-log(y/mu) + (y - mu)/mu)``, dispersion (the squared coefficient of variation) estimated."""

    name = "gamma"
    y_interval = _POSITIVE
    mu_interval = _POSITIVE
    allowed_links = ("inverse", "log", "identity")
    default_link = "inverse"
    canonical_link = "inverse"
    estimates_dispersion = True
    likelihood_parameters = 1
    y_hint = ("The Gamma family models positive amounts (claim sizes, durations): remove or recode zeros and "
              "negative values, or use family=gg.tweedie(1.5) for amounts with exact zeros.")

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.asarray(np.square(np.asarray(mu, dtype=float)), dtype=float)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        ratio = np.asarray(y, dtype=float) / mu
        return 2.0 * ((ratio - 1.0) - np.log(ratio))

    def log_likelihood_parts(self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray,
                             freq_weights: FloatArray) -> FloatArray:
        """``(sum c, sum c log mu, sum c log y, sum c y/mu, sum c d(y, mu))`` over the rows of positive
        ``c = w fw``."""
        with np.errstate(divide="ignore", invalid="ignore"):  # rows of zero weight may hold any value
            return _weighted_sums(weights, freq_weights, np.log(mu), np.log(y), y / mu, self.unit_deviance(y, mu))

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        """``sum c log dgamma(y; shape k = 1/phi, scale mu phi)`` with ``phi = deviance / sum(c)`` (R's
        ``Gamma()$aic``), summed term by term:
        ``-sum(c) lgamma(k) - k (sum c log mu + sum(c) log phi) + (k - 1) sum c log y - sum(c y/mu) / phi``;
        ``inf`` for a perfect fit, 0 for no rows."""
        total, log_mu, log_y, ratio, deviance = (float(part) for part in parts)
        if total <= 0.0:
            return 0.0
        phi = _ml_dispersion(total, deviance)
        if phi is None:
            return math.inf
        shape = 1.0 / phi
        return (-total * math.lgamma(shape) - shape * (log_mu + total * math.log(phi)) + (shape - 1.0) * log_y
                - ratio / phi)

    def fused_working(self, link: Link) -> WorkingKernel | None:
        return _log_power_kernel(2.0) if link.name == "log" else None

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """Gamma with mean ``mu`` and variance ``scale mu^2 / w``: shape ``w / scale``, scale ``mu scale / w``."""
        shape = weights / scale
        return np.asarray(rng.gamma(shape, mu / shape), dtype=float)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        return -2.0 * np.log(y) - 2.0, 2.0 * np.log(mu), 2.0 / mu


class InverseGaussian(Family):
    """Positive, right-skewed responses: ``V(mu) = mu^3``, ``d(y, mu) = (y - mu)^2 / (y mu^2)``, dispersion
    estimated."""

    name = "inverse_gaussian"
    y_interval = _POSITIVE
    mu_interval = _POSITIVE
    allowed_links = ("1/mu^2", "inverse", "log", "identity")
    default_link = "1/mu^2"
    canonical_link = "1/mu^2"
    estimates_dispersion = True
    likelihood_parameters = 1
    y_hint = "The inverse Gaussian family models positive amounts: remove or recode zeros and negative values."

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.asarray(mu, dtype=float) ** 3

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        return np.asarray(np.square(y - mu) / (np.asarray(y, dtype=float) * np.square(mu)), dtype=float)

    def log_likelihood_parts(self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray,
                             freq_weights: FloatArray) -> FloatArray:
        """``(sum c, sum c log y, sum c d(y, mu))`` over the rows of positive ``c = w fw``."""
        with np.errstate(divide="ignore", invalid="ignore"):  # rows of zero weight may hold any value
            return _weighted_sums(weights, freq_weights, np.log(y), self.unit_deviance(y, mu))

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        """R's ``inverse.gaussian()$aic`` read back: ``-(sum(c) (log(2 pi phi) + 1) + 3 sum c log y) / 2`` with
        ``phi = deviance / sum(c)``; ``inf`` for a perfect fit, 0 for no rows."""
        total, log_y, deviance = (float(part) for part in parts)
        if total <= 0.0:
            return 0.0
        phi = _ml_dispersion(total, deviance)
        if phi is None:
            return math.inf
        return -0.5 * (total * (math.log(2.0 * math.pi * phi) + 1.0) + 3.0 * log_y)

    def fused_working(self, link: Link) -> WorkingKernel | None:
        return _log_power_kernel(3.0) if link.name == "log" else None

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """Inverse Gaussian with mean ``mu`` and variance ``scale mu^3 / w`` (shape ``w / scale``)."""
        return np.asarray(rng.wald(mu, weights / scale), dtype=float)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        return 1.0 / np.asarray(y, dtype=float), -2.0 / mu, 1.0 / np.square(mu)


class Tweedie(Family):
    """The power-variance family ``V(mu) = mu^p`` (``var_power`` = p), dispersion estimated:

    p = 0 is the normal, p = 1 the (over-dispersed) Poisson, 1 < p < 2 the compound Poisson-gamma (amounts with
    exact zeros, e.g. pure premiums), p = 2 the gamma, p = 3 the inverse Gaussian. For p outside {0, 1, 2},
    ``d(y, mu) = 2 (y^(2-p)/((1-p)(2-p)) - y mu^(1-p)/(1-p) + mu^(2-p)/(2-p))``. p in (0, 1) has no distribution
    and is refused. The log-likelihood is that of the special cases at p = 0, 1, 2, 3 and NaN otherwise (no closed
    form; R's ``statmod::tweedie`` reports no AIC either).
    """

    name = "tweedie"
    estimates_dispersion = True
    allowed_links = ("log", "identity", "inverse", "sqrt")
    default_link = "log"

    def __init__(self, var_power: float = 1.5) -> None:
        power = float(var_power)
        if not math.isfinite(power) or power < 0 or 0 < power < 1:
            raise InvalidParameterError(
                f"var_power={var_power!r} is not a Tweedie power: use 0 (normal), 1 (Poisson), a value in (1, 2) "
                "(compound Poisson-gamma, e.g. 1.5), 2 (gamma), 3 (inverse Gaussian) or any value above 2."
            )
        self.var_power = power
        self.y_interval = REAL_LINE if power == 0 else (_NON_NEGATIVE if power < 2 else _POSITIVE)
        self.mu_interval = REAL_LINE if power == 0 else _POSITIVE
        self.likelihood_parameters = 1 if power in (0.0, 2.0, 3.0) else 0
        self.response_kind = "count" if power == 1 else "continuous"
        self.y_hint = ("With var_power >= 2 the response must be positive; use 1 < var_power < 2 for amounts with "
                       "exact zeros." if power >= 2 else "Tweedie responses with var_power >= 1 cannot be negative.")
        #: the classic family with this variance function (p = 0, 1, 2, 3), whose deviance, likelihood and sampler
        #: apply; ``None`` for other powers
        self._classic: Family | None = _CLASSIC_POWERS[power]() if power in _CLASSIC_POWERS else None

    def parameters(self) -> dict[str, float]:
        return {"var_power": self.var_power}

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.asarray(np.power(np.asarray(mu, dtype=float), self.var_power), dtype=float)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        if self._classic is not None:
            return self._classic.unit_deviance(y, mu)
        a, b, c = self._power_split(y, mu)
        return np.asarray(a + np.asarray(y, dtype=float) * c + b, dtype=float)

    def log_likelihood_parts(self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray,
                             freq_weights: FloatArray) -> FloatArray:
        """The classic family's parts; ``(nan,)`` for other powers."""
        if self._classic is None:
            return np.full(1, math.nan)
        return self._classic.log_likelihood_parts(y, mu, weights, trials, freq_weights)

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        if self._classic is None:
            return math.nan
        return self._classic.log_likelihood_from_parts(parts)

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        """``y``, moved to 0.1 where it is 0 (``statmod::tweedie``'s ``mustart``)."""
        y = np.asarray(y, dtype=float)
        return y if self.var_power == 0 else y + 0.1 * (y == 0)

    def fused_working(self, link: Link) -> WorkingKernel | None:
        return _log_power_kernel(self.var_power) if link.name == "log" else None

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """For 1 < p < 2 a compound Poisson-gamma: ``N ~ Poisson(lambda)`` gamma jumps of shape ``a`` and scale ``s``
        with ``lambda = mu^(2-p) / (phi (2-p))``, ``a = (2-p)/(p-1)``, ``s = phi (p-1) mu^(p-1)`` and
        ``phi = scale / w``; the special cases sample their own family (p = 1: ``phi Poisson(mu / phi)``)."""
        p, phi = self.var_power, scale / weights
        if p == 1.0:
            return np.asarray(phi * rng.poisson(mu / phi), dtype=float)
        if self._classic is not None:
            return self._classic.sample(rng, mu, scale, weights, trials)
        if not 1.0 < p < 2.0:
            raise InvalidParameterError(
                f"method='parametric' draws Tweedie responses for var_power in {{0, 1, 2, 3}} or (1, 2), not "
                f"{p:g}; use method='case'."
            )
        jumps = rng.poisson(np.power(mu, 2.0 - p) / (phi * (2.0 - p)))
        shape = (2.0 - p) / (p - 1.0)
        drawn = rng.gamma(np.maximum(jumps * shape, 1e-300), phi * (p - 1.0) * np.power(mu, p - 1.0))
        return np.where(jumps > 0, drawn, 0.0)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        if self._classic is not None:
            return self._classic.deviance_split(y, mu)
        return self._power_split(y, mu)

    def _power_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``d(y, mu) = a(y) + b(mu) + y c(mu)`` for a power outside {0, 1, 2}: ``a = 2 y^(2-p) / ((1-p)(2-p))``
        (0 at ``y = 0``), ``b = 2 mu^(2-p) / (2-p)``, ``c = -2 mu^(1-p) / (1-p)``."""
        p = self.var_power
        y = np.asarray(y, dtype=float)
        with np.errstate(divide="ignore"):
            y_term = np.where(y > 0, np.power(np.maximum(y, 0.0), 2.0 - p), 0.0)
        return (2.0 * y_term / ((1.0 - p) * (2.0 - p)), 2.0 * np.power(mu, 2.0 - p) / (2.0 - p),
                -2.0 * np.power(mu, 1.0 - p) / (1.0 - p))

    def degenerate_response(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        used = y[weights > 0]
        if self.var_power > 0 and used.size and np.all(used == 0):
            return (f"every response value ({response!r}) is 0 in the {used.size} rows with positive weight: the "
                    "maximum-likelihood mean is 0 (the intercept diverges) and no path exists. Check the response.")
        return None


#: the Tweedie powers whose family has its own class
_CLASSIC_POWERS: dict[float, type[Family]] = {0.0: Gaussian, 1.0: Poisson, 2.0: Gamma, 3.0: InverseGaussian}
