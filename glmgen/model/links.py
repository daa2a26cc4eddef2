"""Link functions: ``eta = g(mu)`` with inverse, derivative and valid domains.

Each link is a small stateless object. ``inverse_derivative`` is
``dmu/deta``; the IRLS working weights ``w (dmu/deta)^2 / V(mu)`` and the
working response ``eta + (y - mu) / (dmu/deta)`` are built from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
from scipy import special

from .._validation import check_choice

FloatArray = npt.NDArray[np.float64]

_EPS = float(np.finfo(float).eps)
# Bound on |eta| for the logit: mu stays within [eps, 1 - eps], as R's C code clamps it.
_LOGIT_BOUND = math.log(1.0 / _EPS)
# Bound on |eta| for probit and cloglog, beyond which mu is 0 or 1 in double precision.
_PROBIT_BOUND = -float(special.ndtri(_EPS))
_CLOGLOG_LOW, _CLOGLOG_HIGH = math.log(-math.log1p(-_EPS)), math.log(-math.log(_EPS))
# Below this eta the cloglog mean's log is taken from its series, eta - exp(eta) / 2 (error below 1e-27).
_CLOGLOG_SERIES = -30.0


@dataclass(frozen=True)
class Interval:
    """An interval of the real line, used for the valid ranges of ``y``, ``mu`` and ``eta``."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    def contains(self, x: FloatArray) -> npt.NDArray[np.bool_]:
        above = x >= self.low if self.low_closed else x > self.low
        below = x <= self.high if self.high_closed else x < self.high
        return np.asarray(above & below)

    def contains_all(self, x: FloatArray) -> bool:
        """Whether every value of ``x`` lies in the interval (NaN never does), from its smallest and largest
        value: no temporary arrays."""
        if x.size == 0:
            return True
        return bool(np.all(self.contains(np.array([np.min(x), np.max(x)]))))  # NaN propagates, and fails

    def __str__(self) -> str:
        return f"{'[' if self.low_closed else '('}{self.low:g}, {self.high:g}{']' if self.high_closed else ')'}"


REAL_LINE = Interval(-math.inf, math.inf, False, False)


class Stateless:
    """Objects without state: equal when of the same class (families and links)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class Link(Stateless):
    """Base class. Subclasses set ``name`` and implement the three maps; arrays are ``(n,)``.

    ``link`` is ``eta = g(mu)``, ``inverse`` is ``mu = g^{-1}(eta)`` and
    ``inverse_derivative`` is ``dmu/deta``. Links onto a bounded range clip
    ``eta`` (or floor ``dmu/deta`` at machine epsilon) so that IRLS never sees
    a mean exactly on the boundary, as R's C code does.
    """

    name: str = ""
    #: values of eta the inverse link maps into a finite mean
    eta_interval: Interval = REAL_LINE

    def link(self, mu: FloatArray) -> FloatArray:
        """``eta = g(mu)``."""
        raise NotImplementedError

    def inverse(self, eta: FloatArray) -> FloatArray:
        """``mu = g^{-1}(eta)``."""
        raise NotImplementedError

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        """``dmu/deta`` evaluated at ``eta``."""
        raise NotImplementedError

    def log_inverse(self, eta: FloatArray) -> FloatArray:
        """``log g^{-1}(eta)``, the log of the mean (e.g. for ``predict_log_proba``).

        Here ``log(inverse(eta))``; links whose mean underflows or rounds to 1 override it with a form
        accurate over the whole real line, without the clipping of :meth:`inverse`.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.inverse(eta))


class IdentityLink(Link):
    """``eta = mu``."""

    name = "identity"

    def link(self, mu: FloatArray) -> FloatArray:
        return np.asarray(mu, dtype=float)

    def inverse(self, eta: FloatArray) -> FloatArray:
        return np.asarray(eta, dtype=float)

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        return np.ones_like(eta, dtype=float)


class LogLink(Link):
    """``eta = log(mu)``; ``dmu/deta = exp(eta)``, floored at machine epsilon."""

    name = "log"

    def link(self, mu: FloatArray) -> FloatArray:
        return np.log(mu)

    def inverse(self, eta: FloatArray) -> FloatArray:
        with np.errstate(over="ignore"):
            return np.exp(eta)

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        with np.errstate(over="ignore"):
            return np.maximum(np.exp(eta), _EPS)

    def log_inverse(self, eta: FloatArray) -> FloatArray:
        """``log(exp(eta)) = eta``, exactly (also where ``exp(eta)`` overflows or underflows)."""
        return np.array(eta, dtype=float)


class LogitLink(Link):
    """``eta = log(mu / (1 - mu))``; ``mu = 1 / (1 + exp(-eta))`` with ``|eta|`` clipped to ``log(1/eps)``."""

    name = "logit"

    def link(self, mu: FloatArray) -> FloatArray:
        return cast(FloatArray, special.logit(mu))

    def inverse(self, eta: FloatArray) -> FloatArray:
        return cast(FloatArray, special.expit(np.clip(eta, -_LOGIT_BOUND, _LOGIT_BOUND)))

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        mu: FloatArray = special.expit(np.clip(eta, -_LOGIT_BOUND, _LOGIT_BOUND))
        return np.maximum(mu * (1.0 - mu), _EPS)

    def log_inverse(self, eta: FloatArray) -> FloatArray:
        """``log(expit(eta)) = -log(1 + exp(-eta))``: ``eta - log1p(exp(eta))`` for ``eta < 0``, else
        ``-log1p(exp(-eta))`` (:func:`scipy.special.log_expit`), so neither form overflows."""
        return cast(FloatArray, special.log_expit(np.asarray(eta, dtype=float)))


class ProbitLink(Link):
    """``eta = Phi^{-1}(mu)`` (standard normal quantile), with ``|eta|`` clipped where ``mu`` would round to 0 or 1."""

    name = "probit"

    def link(self, mu: FloatArray) -> FloatArray:
        return cast(FloatArray, special.ndtri(mu))

    def inverse(self, eta: FloatArray) -> FloatArray:
        return cast(FloatArray, special.ndtr(np.clip(eta, -_PROBIT_BOUND, _PROBIT_BOUND)))

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        return np.maximum(np.exp(-0.5 * np.square(eta)) / math.sqrt(2.0 * math.pi), _EPS)

    def log_inverse(self, eta: FloatArray) -> FloatArray:
        """``log Phi(eta)`` by :func:`scipy.special.log_ndtr` (an asymptotic series in the lower tail)."""
        return cast(FloatArray, special.log_ndtr(np.asarray(eta, dtype=float)))


class CLogLogLink(Link):
    """Complementary log-log: ``eta = log(-log(1 - mu))``, ``mu = 1 - exp(-exp(eta))``."""

    name = "cloglog"

    def link(self, mu: FloatArray) -> FloatArray:
        return cast(FloatArray, np.log(-np.log1p(-np.asarray(mu, dtype=float))))

    def inverse(self, eta: FloatArray) -> FloatArray:
        eta = np.clip(eta, _CLOGLOG_LOW, _CLOGLOG_HIGH)
        return -np.expm1(-np.exp(eta))

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        eta = np.minimum(eta, 700.0)
        return np.maximum(np.exp(eta - np.exp(eta)), _EPS)

    def log_inverse(self, eta: FloatArray) -> FloatArray:
        """``log(1 - exp(-t))`` with ``t = exp(eta)``, by Maechler's ``log1mexp``: ``log(-expm1(-t))`` for
        ``t <= log 2`` and ``log1p(-exp(-t))`` above; below ``eta = -30`` (``t < 1e-13``) the series
        ``log t + log(1 - t/2 + ...) = eta - t/2 + O(t^2)``, which stays finite where ``t`` underflows.

        References
        ----------
        M. Maechler (2012). Accurately computing log(1 - exp(-|a|)). Rmpfr package vignette.
        """
        eta = np.asarray(eta, dtype=float)
        with np.errstate(over="ignore", divide="ignore"):
            t = np.exp(eta)
            near_zero = np.log(-np.expm1(-t))
            near_one = np.log1p(-np.exp(-t))
        return np.asarray(np.where(eta < _CLOGLOG_SERIES, eta - 0.5 * t,
                                   np.where(t <= math.log(2.0), near_zero, near_one)), dtype=float)


class InverseLink(Link):
    """``eta = 1 / mu``."""

    name = "inverse"

    def link(self, mu: FloatArray) -> FloatArray:
        return 1.0 / np.asarray(mu, dtype=float)

    def inverse(self, eta: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore"):
            return 1.0 / np.asarray(eta, dtype=float)

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore"):
            return -1.0 / np.square(eta)


class SqrtLink(Link):
    """``eta = sqrt(mu)``; valid for ``eta > 0``."""

    name = "sqrt"
    eta_interval = Interval(0.0, math.inf, False, False)

    def link(self, mu: FloatArray) -> FloatArray:
        return np.sqrt(mu)

    def inverse(self, eta: FloatArray) -> FloatArray:
        return np.square(eta)

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        return 2.0 * np.asarray(eta, dtype=float)


class InverseSquaredLink(Link):
    """``eta = 1 / mu^2`` (R's ``"1/mu^2"``, the inverse Gaussian's canonical link); valid for ``eta > 0``:
    ``mu = eta^(-1/2)``, ``dmu/deta = -eta^(-3/2) / 2``."""

    name = "1/mu^2"
    eta_interval = Interval(0.0, math.inf, False, False)

    def link(self, mu: FloatArray) -> FloatArray:
        return np.asarray(1.0 / np.square(np.asarray(mu, dtype=float)), dtype=float)

    def inverse(self, eta: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(1.0 / np.sqrt(np.asarray(eta, dtype=float)), dtype=float)

    def inverse_derivative(self, eta: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -0.5 / (np.asarray(eta, dtype=float) * np.sqrt(eta))


LINKS: dict[str, type[Link]] = {
    cls.name: cls
    for cls in (IdentityLink, LogLink, LogitLink, ProbitLink, CLogLogLink, InverseLink, SqrtLink, InverseSquaredLink)
}
#: other spellings of link names (statsmodels' and scikit-learn's)
LINK_ALIASES = {"inverse_squared": "1/mu^2", "inverse_power": "inverse"}


def get_link(link: str | Link) -> Link:
    """A :class:`Link` from its R name (``"logit"``, ``"log"``, ...) or a Link object."""
    if isinstance(link, Link):
        return link
    if isinstance(link, str) and link in LINK_ALIASES:
        link = LINK_ALIASES[link]
    return LINKS[check_choice("link", link, LINKS)]()
