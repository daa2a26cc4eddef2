"""Counts and proportions that vary more than Poisson or binomial allow: the quasi families and the negative
binomial (``MASS::negative.binomial`` and ``MASS::glm.nb``'s ``theta.ml``)."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ..errors import InvalidParameterError
from .families import (
    Binomial,
    CountDistribution,
    DevianceKernel,
    Family,
    FloatArray,
    Poisson,
    WorkingKernel,
)
from .links import Link


class QuasiLikelihood(Family):
    """What a quasi family changes in the family it borrows its mean, variance and deviance from: the dispersion
    is estimated (Pearson chi2 / df_resid, as R's ``quasi*`` families) and there is no likelihood, so AIC and
    BIC are NaN and no response can be drawn (R's ``simulate()`` refuses too). Listed first among the bases."""

    estimates_dispersion = True
    likelihood_parameters = 0

    def log_likelihood_parts(self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray,
                             freq_weights: FloatArray) -> FloatArray:
        return np.full(1, math.nan)

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        return math.nan

    def log_likelihood_follows_deviance(self, y: FloatArray, weights: FloatArray, trials: FloatArray) -> bool:
        return False

    def count_distribution(self, mu: FloatArray) -> CountDistribution | None:
        return None  # a quasi-likelihood names no distribution

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        raise InvalidParameterError(
            f"method='parametric' needs a distribution to draw from, which a {self.name} model does not name; use "
            "method='case' (or, for counts, fit gg.negative_binomial() and draw from that)."
        )


class QuasiPoisson(QuasiLikelihood, Poisson):
    """Poisson's mean, variance function and deviance with the dispersion estimated (R's ``quasipoisson``): the
    same coefficients, standard errors scaled by ``sqrt(scale)``, t tests."""

    name = "quasipoisson"


class QuasiBinomial(QuasiLikelihood, Binomial):
    """Binomial's mean, variance function and deviance with the dispersion estimated (R's ``quasibinomial``):
    the same coefficients, standard errors scaled by ``sqrt(scale)``."""

    name = "quasibinomial"

    def response_warning(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        return None  # non-integer successes are what quasibinomial is for (R does not warn)


class NegativeBinomial(Poisson):
    """Over-dispersed counts: ``V(mu) = mu + mu^2 / theta``,
    ``d(y, mu) = 2 (y log(y/mu) - (y + theta) log((y + theta)/(mu + theta)))``, dispersion 1.

    ``theta=None`` asks the fit to estimate theta by maximum likelihood, alternating with IRLS as
    ``MASS::glm.nb``; the fitted model's family then holds the estimate and its standard error
    (``theta_se``), and theta counts as a parameter in AIC/BIC.
    """

    name = "negative_binomial"
    allowed_links = ("log", "sqrt", "identity")
    canonical_link = ""  # log(mu / (mu + theta)) is the natural parameter, not log(mu)
    y_hint = "Counts cannot be negative: check the response column."

    def __init__(self, theta: float | None = None, theta_se: float | None = None, estimated: bool | None = None):
        if theta is not None:
            value = float(theta)
            if not (math.isfinite(value) and value > 0):
                raise InvalidParameterError(
                    f"theta={theta!r} must be a positive number (the negative binomial's size: variance "
                    "mu + mu^2/theta), or None to estimate it."
                )
            theta = value
        self.theta = theta
        self.theta_se = theta_se
        self.estimated = theta is None if estimated is None else bool(estimated)
        self.likelihood_parameters = int(self.estimated)

    def parameters(self) -> dict[str, float]:
        return {} if self.theta is None else {"theta": self.theta}

    def saved_parameters(self) -> dict[str, float | None]:
        """``theta``, and ``theta_se`` (``None`` when not finite) when theta was estimated."""
        saved: dict[str, float | None] = dict(self.parameters())
        if self.estimated:
            saved["theta_se"] = self.theta_se if self.theta_se is not None and math.isfinite(self.theta_se) else None
        return saved

    def with_theta(self, theta: float, theta_se: float | None) -> NegativeBinomial:
        """The family at an estimated ``theta`` (what a fitted ``glm.nb`` model carries), same default link."""
        return self._sibling(theta, theta_se, estimated=True)

    def unknown_shape(self) -> bool:
        return self.theta is None

    def as_specified(self) -> NegativeBinomial:
        return self._sibling(None, None, estimated=True) if self.estimated else self

    def _sibling(self, theta: float | None, theta_se: float | None, estimated: bool) -> NegativeBinomial:
        """A negative binomial with these parameters and this one's default link (a factory's ``link=``)."""
        family = NegativeBinomial(theta, theta_se, estimated=estimated)
        family.default_link = self.default_link
        return family

    def criterion_parameters(self) -> int:
        return 0  # MASS's extractAIC.negbin counts the coefficients only, while its logLik counts theta

    def _theta(self) -> float:
        if self.theta is None:
            raise InvalidParameterError(
                "this negative binomial family has no theta yet: fit it (gg.glm estimates theta), or give one, "
                "e.g. gg.negative_binomial(theta=2.0)."
            )
        return self.theta

    def variance(self, mu: FloatArray) -> FloatArray:
        mu = np.asarray(mu, dtype=float)
        return mu + np.square(mu) / self._theta()

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        theta = self._theta()
        y = np.asarray(y, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(2.0 * (special.xlogy(y, y / mu) - (y + theta) * np.log((y + theta) / (mu + theta))),
                              dtype=float)

    def log_pmf(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        """``log p(y; mu, theta)`` (:func:`nb_log_pmf`; ``MASS::negative.binomial()$aic`` and ``glm.nb``'s
        ``loglik`` sum it with the weights)."""
        return nb_log_pmf(y, mu, self._theta())

    def log_likelihood_follows_deviance(self, y: FloatArray, weights: FloatArray, trials: FloatArray) -> bool:
        return False

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        """``y + (y == 0) / 6`` (``MASS::negative.binomial``'s ``mustart``)."""
        y = np.asarray(y, dtype=float)
        return np.asarray(y + (y == 0) / 6.0, dtype=float)

    def fused_working(self, link: Link) -> WorkingKernel | None:
        return None  # Poisson's kernels assume V(mu) = mu

    def fused_deviance(self) -> DevianceKernel | None:
        return None

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """Negative binomial counts with mean ``mu`` and size ``theta`` (``MASS::rnegbin``)."""
        theta = self._theta()
        return np.asarray(rng.negative_binomial(theta, theta / (theta + mu)), dtype=float)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        theta = self._theta()
        y = np.asarray(y, dtype=float)
        a = 2.0 * (special.xlogy(y, y) - (y + theta) * np.log(y + theta))
        return a, 2.0 * theta * np.log(mu + theta), 2.0 * (np.log(mu + theta) - np.log(mu))

    def count_distribution(self, mu: FloatArray) -> CountDistribution | None:
        theta = self._theta()
        distribution: CountDistribution = stats.nbinom(theta, theta / (theta + np.asarray(mu, dtype=float)))
        return distribution


def nb_log_pmf(y: FloatArray, mu: FloatArray, theta: float) -> FloatArray:
    """``log p(y; mu, theta) = lgamma(theta + y) - lgamma(theta) - lgamma(y + 1) + theta log(theta)
    + y log(mu) - (theta + y) log(theta + mu)`` (``y log(mu)`` is 0 at ``y = 0``)."""
    return np.asarray(special.gammaln(theta + y) - special.gammaln(theta) - special.gammaln(y + 1.0)
                      + theta * math.log(theta) + special.xlogy(y, mu) - (theta + y) * np.log(theta + mu), dtype=float)


#: bounds of an estimated theta: above THETA_MAX the negative binomial is the Poisson model to ~1e-8 relative
#: variance, and the log-likelihood's lgamma terms still cancel to ~1e-8 per row
THETA_MIN, THETA_MAX = 1e-8, 1e8


@dataclass(frozen=True)
class ThetaEstimate:
    """``MASS::theta.ml``'s result: the estimate, its standard error ``1/sqrt(information)`` and a warning, if any."""

    theta: float
    se: float
    warning: str | None


def theta_ml(y: FloatArray, mu: FloatArray, weights: FloatArray, limit: int = 25,
             eps: float = float(np.finfo(float).eps) ** 0.25) -> ThetaEstimate:
    """Maximum-likelihood theta of a negative binomial with means ``mu``, by Newton's method on the score with the
    observed information, from the moment estimate ``sum(w) / sum(w (y/mu - 1)^2)`` (``MASS::theta.ml``, same
    steps and stopping rule, so the same digits): :func:`theta_newton` driven by :func:`theta_sums` on these rows.
    """
    steps = theta_newton(*theta_moments(y, mu, weights), limit=limit, eps=eps)
    try:
        theta = next(steps)
        while True:
            theta = steps.send(theta_sums(y, mu, weights, theta))
    except StopIteration as stop:
        estimate: ThetaEstimate = stop.value
        return estimate


def theta_moments(y: FloatArray, mu: FloatArray, weights: FloatArray) -> tuple[float, float]:
    """``(sum w, sum w (y/mu - 1)^2)``: the moment estimate of theta is their ratio (sums over rows, so partitions
    of the rows add)."""
    return float(weights.sum()), float(np.dot(weights, np.square(y / mu - 1.0)))


def theta_sums(y: FloatArray, mu: FloatArray, weights: FloatArray, theta: float) -> tuple[float, float]:
    """Score and observed information of theta at ``mu`` (sums over rows):

    score ``sum w (psi(theta + y) - psi(theta) + log(theta) + 1 - log(theta + mu) - (y + theta)/(mu + theta))``,
    information ``sum w (-psi'(theta + y) + psi'(theta) - 1/theta + 2/(mu + theta) - (y + theta)/(mu + theta)^2)``.
    """
    score = float(np.dot(weights, special.digamma(theta + y) - special.digamma(theta) + math.log(theta) + 1.0
                         - np.log(theta + mu) - (y + theta) / (mu + theta)))
    information = float(np.dot(weights, -special.polygamma(1, theta + y) + special.polygamma(1, theta)
                               - 1.0 / theta + 2.0 / (mu + theta) - (y + theta) / np.square(mu + theta)))
    return score, information


def theta_newton(n: float, spread: float, limit: int = 25,
                 eps: float = float(np.finfo(float).eps) ** 0.25) -> Generator[float, tuple[float, float], ThetaEstimate]:
    """``MASS::theta.ml``'s Newton iteration from the moment estimate ``n / spread``: yields each theta at which it
    needs ``(score, information)`` (:func:`theta_sums`, over all rows) and returns the estimate."""
    theta = n / spread if spread > 0 else math.inf
    information = math.nan
    step, iteration = 1.0, 0
    while (iteration := iteration + 1) < limit and abs(step) > eps and math.isfinite(theta) and theta < THETA_MAX:
        theta = abs(theta)
        score, information = yield theta
        step = score / information
        theta += step
    warning = None
    if not theta < THETA_MAX:  # also NaN: the likelihood keeps rising towards the Poisson limit
        theta, warning = THETA_MAX, (f"the data show no over-dispersion: theta grows without bound (held at "
                                     f"{THETA_MAX:g}, where the negative binomial is the Poisson model); use "
                                     "family='poisson'")
    elif theta < THETA_MIN:
        theta, warning = THETA_MIN, f"the estimate of theta was truncated at {THETA_MIN:g} (MASS truncates at zero)"
    elif iteration == limit:
        warning = f"the estimate of theta did not converge in {limit} Newton steps"
        if step > 0:
            warning += (f" (still rising, at {theta:g}: the data may show no over-dispersion, where the negative "
                        "binomial tends to the Poisson model; consider family='poisson')")
    return ThetaEstimate(theta, math.sqrt(1.0 / information) if information > 0 else math.nan, warning)
