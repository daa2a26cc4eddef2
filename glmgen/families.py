"""Exponential-family distributions: variance, unit deviance, log-likelihood, domains.

A :class:`Family` knows nothing about links beyond which ones it allows;
the solver combines the two. Log-likelihoods follow R's ``family()$aic``
exactly, so that ``aic``/``bic`` agree with R's ``AIC()``/``BIC()``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from ._validation import check_choice, first_bad, quoted
from .errors import DataError, InvalidParameterError
from .links import Interval, Link, Stateless, get_link

FloatArray = npt.NDArray[np.float64]

_EPS = float(np.finfo(float).eps)


class Family(Stateless):
    """Base class; subclasses fill in the class attributes and the three functions."""

    name: str = ""
    y_interval: Interval
    mu_interval: Interval
    allowed_links: tuple[str, ...] = ()
    default_link: str = ""
    #: whether the dispersion is estimated (counted as a parameter in AIC/BIC)
    estimates_dispersion: bool = False
    #: a hint for messages about out-of-range responses
    y_hint: str = ""

    def variance(self, mu: FloatArray) -> FloatArray:
        raise NotImplementedError

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        """``d(y, mu)`` with ``deviance = sum_i w_i d(y_i, mu_i)``."""
        raise NotImplementedError

    def log_likelihood(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> float:
        """Maximised log-likelihood as R's ``logLik.glm`` reports it."""
        raise NotImplementedError

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        """R's ``mustart``."""
        raise NotImplementedError

    def deviance(self, y: FloatArray, mu: FloatArray, weights: FloatArray) -> float:
        return float(np.dot(weights, self.unit_deviance(y, mu)))

    def check_link(self, link: str | Link | None) -> Link:
        """The link to use: the default when ``None``; refuses links the family does not allow."""
        resolved = get_link(self.default_link if link is None else link)
        if resolved.name not in self.allowed_links:
            raise InvalidParameterError(
                f"link={resolved.name!r} is not allowed for family={self.name!r}; "
                f"allowed: {quoted(self.allowed_links)}."
            )
        return resolved

    def check_y(self, y: FloatArray, index: Iterable[object] | None, response: str) -> None:
        """Raise :class:`DataError` naming the first response value outside ``y_interval``."""
        bad = ~self.y_interval.contains(y)
        if bad.any():
            count, row = first_bad(bad, index)
            value = y[np.flatnonzero(bad)[0]]
            raise DataError(
                f"family={self.name!r} needs y in {self.y_interval}, but {count} value"
                f"{'s' if count > 1 else ''} of {response!r} {'are' if count > 1 else 'is'} outside it "
                f"(first: row {row}, y={value:g}). {self.y_hint}"
            )


class Gaussian(Family):
    name = "gaussian"
    y_interval = Interval(-math.inf, math.inf, False, False)
    mu_interval = Interval(-math.inf, math.inf, False, False)
    allowed_links = ("identity", "log", "inverse")
    default_link = "identity"
    estimates_dispersion = True

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.ones_like(mu, dtype=float)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        return np.square(y - mu)

    def log_likelihood(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> float:
        # R: aic = n (log(2 pi dev / n) + 1) + 2 - sum(log w); logLik = -(aic - 2) / 2, n counting w > 0.
        used = weights > 0
        n = float(freq_weights[used].sum())
        deviance = float(np.dot(freq_weights * weights, np.square(y - mu)))
        log_weights = float(np.dot(freq_weights[used], np.log(weights[used])))
        if deviance <= 0.0:
            return math.inf  # a perfect fit: the maximum-likelihood dispersion is 0
        return -0.5 * (n * (math.log(2.0 * math.pi * deviance / n) + 1.0) - log_weights)

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        return np.asarray(y, dtype=float).copy()


class Binomial(Family):
    """Binomial proportions ``y`` in [0, 1] with ``trials`` per row (1 for 0/1 data)."""

    name = "binomial"
    y_interval = Interval(0.0, 1.0, True, True)
    mu_interval = Interval(0.0, 1.0, False, False)
    allowed_links = ("logit", "probit", "cloglog", "log")
    default_link = "logit"
    y_hint = "Code the response as 0/1 (or a proportion), or give counts as cbind(successes, failures)."

    def variance(self, mu: FloatArray) -> FloatArray:
        return mu * (1.0 - mu)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2.0 * (special.xlogy(y, y / mu) + special.xlogy(1.0 - y, (1.0 - y) / (1.0 - mu)))

    def log_likelihood(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> float:
        # R: m <- if (any(n > 1)) n else wt; -2 sum(ifelse(m > 0, wt/m, 0) dbinom(round(m y), round(m), mu, log=TRUE))
        m = trials if np.any(trials > 1) else weights
        used = m > 0
        m_used, y_used, mu_used = m[used], y[used], mu[used]
        successes, size = np.round(m_used * y_used), np.round(m_used)
        log_pmf = special.xlogy(successes, mu_used) + special.xlog1py(size - successes, -mu_used)
        if np.any(size != 1):  # log C(size, successes), zero for single trials
            log_pmf += (special.gammaln(size + 1.0) - special.gammaln(successes + 1.0)
                        - special.gammaln(size - successes + 1.0))
        return float(np.dot(freq_weights[used] * weights[used] / m_used, log_pmf))

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        return (weights * y + 0.5) / (weights + 1.0)


class Poisson(Family):
    name = "poisson"
    y_interval = Interval(0.0, math.inf, True, False)
    mu_interval = Interval(0.0, math.inf, False, False)
    allowed_links = ("log", "identity", "sqrt")
    default_link = "log"
    y_hint = "Counts cannot be negative: check the response column, or use family='gaussian' for signed outcomes."

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.asarray(mu, dtype=float)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2.0 * (special.xlogy(y, y / mu) - (y - mu))

    def log_likelihood(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> float:
        # R: -2 sum(dpois(y, mu, log=TRUE) * wt), with the gamma function for non-integer y.
        log_pmf = special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)
        return float(np.dot(freq_weights * weights, log_pmf))

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        return np.asarray(y, dtype=float) + 0.1


FAMILIES: dict[str, type[Family]] = {cls.name: cls for cls in (Gaussian, Binomial, Poisson)}

_STATSMODELS_LINKS = {
    "identity": "identity",
    "log": "log",
    "logit": "logit",
    "probit": "probit",
    "cloglog": "cloglog",
    "inversepower": "inverse",
    "sqrt": "sqrt",
}


def _from_statsmodels(family: Any) -> tuple[Family, Link]:
    family_name = type(family).__name__.lower()
    link_name = type(getattr(family, "link", None)).__name__.lower()
    if family_name not in FAMILIES:
        raise InvalidParameterError(
            f"statsmodels family {type(family).__name__} is not supported; glmgen fits {quoted(FAMILIES)}."
        )
    resolved = FAMILIES[family_name]()
    if link_name not in _STATSMODELS_LINKS:
        raise InvalidParameterError(
            f"statsmodels link {type(family.link).__name__} is not supported; "
            f"allowed for {family_name!r}: {quoted(resolved.allowed_links)}."
        )
    return resolved, resolved.check_link(_STATSMODELS_LINKS[link_name])


def resolve_family(family: str | Family | Any, link: str | Link | None = None) -> tuple[Family, Link]:
    """The (family, link) pair from a name, a :class:`Family`, or a statsmodels family object.

    ``link`` overrides the family's default (canonical) link; a statsmodels
    family carries its own link, which ``link`` may still override.
    """
    if isinstance(family, Family):
        return family, family.check_link(link)
    if isinstance(family, str):
        resolved = FAMILIES[check_choice("family", family, FAMILIES)]()
        return resolved, resolved.check_link(link)
    if type(family).__module__.startswith("statsmodels."):
        resolved, family_link = _from_statsmodels(family)
        return resolved, resolved.check_link(link) if link is not None else family_link
    raise InvalidParameterError(
        f"family={family!r} is neither a name ({quoted(FAMILIES)}) nor a family object."
    )
