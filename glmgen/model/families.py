"""Exponential-family distributions: variance, unit deviance, log-likelihood, domains.

A :class:`Family` knows nothing about links beyond which ones it allows;
the solver combines the two. Log-likelihoods follow R's ``family()$aic``
exactly, so that ``aic``/``bic`` agree with R's ``AIC()``/``BIC()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from .._validation import first_bad, quoted
from ..errors import DataError, InvalidParameterError
from . import _numerics
from .links import Interval, Link, Stateless, get_link

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
WorkingKernel = Callable[[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray], None]
DevianceKernel = Callable[[FloatArray, FloatArray, FloatArray], float]


class CountDistribution(Protocol):
    """A distribution over 0, 1, 2, ... per row (a frozen ``scipy.stats`` discrete distribution)."""

    def pmf(self, k: Any) -> FloatArray: ...

    def sf(self, k: Any) -> FloatArray: ...

_EPS = float(np.finfo(float).eps)
#: a fitted mean this close to the edge of its range is "numerically 0 or 1" (R's glm.fit uses 10 eps)
_BOUNDARY = 10 * _EPS


class Family(Stateless):
    """Base class of the exponential-family distributions.

    A subclass sets the class attributes and implements :meth:`variance`, :meth:`unit_deviance`,
    :meth:`log_likelihood_parts` and :meth:`log_likelihood_from_parts`. The other methods (:meth:`starting_mu` among them) carry family-specific
    behaviour the solvers and resampling dispatch through (never on ``name``); their defaults
    take the generic path. ``y ~ f(y; mu, phi)`` with ``E y = mu`` and
    ``Var y = phi V(mu) / w`` for prior weight ``w`` and dispersion ``phi``; arrays are ``(n,)``.
    """

    name: str = ""
    y_interval: Interval
    mu_interval: Interval
    allowed_links: tuple[str, ...] = ()
    default_link: str = ""
    #: whether the dispersion is estimated (counted as a parameter in AIC/BIC)
    estimates_dispersion: bool = False
    #: a hint for messages about out-of-range responses
    y_hint: str = ""
    #: whether a response may be given as ``cbind(successes, failures)`` (counts out of trials)
    accepts_trials: bool = False
    #: the canonical link (``eta`` is the natural parameter): IRLS is then Newton's method
    canonical_link: str = ""
    #: what ``y`` measures: ``"continuous"``, ``"count"`` (whole numbers) or ``"proportion"`` (of trials)
    response_kind: str = "continuous"
    #: parameters of the likelihood besides the coefficients, counted by AIC/BIC (R's ``logLik``): the dispersion
    #: of the gaussian, Gamma and inverse Gaussian families, an estimated negative binomial theta
    likelihood_parameters: int = 0

    def as_specified(self) -> Family:
        """The family as the user gave it, before the fit estimated any of its parameters (what a refit on other
        rows starts from: a negative binomial whose theta was estimated comes back with ``theta=None``)."""
        return self

    def criterion_parameters(self) -> int:
        """Of :attr:`likelihood_parameters`, those R's ``extractAIC`` counts (what ``step``, ``drop1`` and
        ``add1`` print); all of them, except for the negative binomial."""
        return self.likelihood_parameters

    def unknown_shape(self) -> bool:
        """Whether a parameter of the family is still to be estimated with the coefficients (a negative binomial's
        theta given as ``None``): the fit then alternates IRLS with its maximum-likelihood estimate."""
        return False

    def parameters(self) -> dict[str, float]:
        """The family's own parameters (a Tweedie power, a negative binomial theta): what makes two families equal."""
        return {}

    def saved_parameters(self) -> dict[str, float | None]:
        """What a model file records of the family besides its name (:func:`~glmgen.model.family_from_saved`
        reads it back)."""
        return dict(self.parameters())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Family) and type(self) is type(other) and self.parameters() == other.parameters()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.parameters().items()))))

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.parameters().items())
        return f"{type(self).__name__}({arguments})"

    def is_canonical(self, link: Link) -> bool:
        """Whether ``link`` is this family's canonical link (observed and expected information agree)."""
        return link.name == self.canonical_link

    def is_least_squares(self, link: Link) -> bool:
        """Whether the model is linear least squares (constant variance, identity link): one WLS step is exact."""
        return False

    def fused_working(self, link: Link) -> WorkingKernel | None:
        """A compiled kernel ``(eta, y, weights, offset, v_out, z_out)`` writing IRLS's working weights
        ``v = w (dmu/deta)^2 / V(mu)`` and response ``z = eta - offset + (y - mu) / (dmu/deta)`` for
        ``link``, or ``None`` to use those generic formulas (same values either way)."""
        return None

    def fused_deviance(self) -> DevianceKernel | None:
        """A compiled kernel ``(y, mu, weights) -> sum_i w_i d(y_i, mu_i)``, or ``None`` for :meth:`deviance`."""
        return None

    def at_boundary(self, mu: FloatArray) -> BoolArray:
        """Rows whose fitted mean is numerically on the boundary of its range (R's "fitted probabilities
        numerically 0 or 1" / "fitted rates numerically 0"): there the maximum-likelihood estimate does not
        exist ((quasi-)separation)."""
        return np.zeros(np.shape(mu), dtype=bool)

    def boundary_warning(self, rows: int) -> str:
        """The :class:`SeparationWarning` message when ``rows`` fitted means are :meth:`at_boundary`."""
        return f"fitted means on the boundary of their range occurred for {rows} rows: some coefficients diverge."

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """A response drawn from the fitted model (the parametric bootstrap), for rows with ``weights > 0``.

        ``weights`` are prior weights, ``trials`` the binomial sizes, ``scale`` the dispersion.
        """
        raise InvalidParameterError(
            f"method='parametric' is not available for family={self.name!r}; use method='case'."
        )

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        """``(a(y), b(mu), c(mu))`` with ``d(y, mu) = a(y) + b(mu) + y c(mu)``, or ``None`` when the unit
        deviance does not split so. With the split, the no-information deviance of .632+,
        ``sum_i sum_k d(y_i, mu_k)``, costs O(n) instead of O(n^2)."""
        return None

    def count_distribution(self, mu: FloatArray) -> CountDistribution | None:
        """The distribution of a whole-number response with mean ``mu`` (unit prior weight), with ``pmf(k)``
        and ``sf(k)`` per row, for observed-versus-expected count tables; ``None`` for non-count families."""
        return None

    def variance(self, mu: FloatArray) -> FloatArray:
        """The variance function ``V(mu)``: ``Var y = phi V(mu) / w``."""
        raise NotImplementedError

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        """``d(y, mu)`` with ``deviance = sum_i w_i d(y_i, mu_i)``."""
        raise NotImplementedError

    def log_likelihood(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> float:
        """Maximised log-likelihood as R's ``logLik.glm`` reports it: :meth:`log_likelihood_from_parts` of
        :meth:`log_likelihood_parts`."""
        return self.log_likelihood_from_parts(self.log_likelihood_parts(y, mu, weights, trials, freq_weights))

    def log_likelihood_parts(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> FloatArray:
        """Sums over the rows from which :meth:`log_likelihood_from_parts` gives the log-likelihood: a 1-d vector
        of the same length for any rows (zeros for none), so the parts of a row split add up to those of the
        whole (what a backend that sees the rows one partition at a time reduces)."""
        raise NotImplementedError

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        """The log-likelihood from the (summed) :meth:`log_likelihood_parts`."""
        raise NotImplementedError

    def log_likelihood_follows_deviance(self, y: FloatArray, weights: FloatArray, trials: FloatArray) -> bool:
        """Whether ``log_likelihood(mu) + deviance(mu) / 2`` is the same for every ``mu`` (no dispersion, and
        the likelihood sees the response the deviance sees): then a path's log-likelihoods follow from its
        deviances and one exact evaluation."""
        return False

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        """R's ``mustart``: ``y`` itself (the gaussian, Gamma and inverse Gaussian families'); families whose
        ``y`` may sit on the boundary of the mean's range move it inside."""
        return np.asarray(y, dtype=float).copy()

    def degenerate_response(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        """Why the maximum-likelihood mean lies on the boundary of its range for every row, or ``None``.

        Then the intercept diverges (``mu`` tends to 0 or 1) and a penalized path
        cannot start from a null fit; the message, naming the ``response``, is for a :class:`DataError`.
        """
        return None

    def response_warning(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        """Why a valid response is suspicious for this family (a :class:`DataWarning` message), or ``None``."""
        return None

    def deviance(self, y: FloatArray, mu: FloatArray, weights: FloatArray) -> float:
        """``sum_i w_i d(y_i, mu_i)`` (:meth:`unit_deviance`)."""
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
    """Normal responses: ``V(mu) = 1``, ``d(y, mu) = (y - mu)^2``, dispersion ``sigma^2`` estimated."""

    name = "gaussian"
    y_interval = Interval(-math.inf, math.inf, False, False)
    mu_interval = Interval(-math.inf, math.inf, False, False)
    allowed_links = ("identity", "log", "inverse")
    default_link = "identity"
    canonical_link = "identity"
    estimates_dispersion = True
    likelihood_parameters = 1

    def is_least_squares(self, link: Link) -> bool:
        return link.name == "identity"

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """``mu + N(0, scale / weight)``."""
        noise = rng.standard_normal(size=mu.shape[0])
        with np.errstate(divide="ignore"):
            return np.asarray(mu + noise * np.sqrt(scale / weights), dtype=float)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        return np.square(y), np.square(mu), -2.0 * mu

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.ones_like(mu, dtype=float)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        return np.square(y - mu)

    def log_likelihood_parts(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> FloatArray:
        """``(n, deviance, sum log w)``: ``n`` and ``sum log w`` count the rows with ``w > 0``, all with their
        frequency weights."""
        used = weights > 0
        return np.array([freq_weights[used].sum(), np.dot(freq_weights * weights, np.square(y - mu)),
                         np.dot(freq_weights[used], np.log(weights[used]))], dtype=float)

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        # R: aic = n (log(2 pi dev / n) + 1) + 2 - sum(log w); logLik = -(aic - 2) / 2, n counting w > 0.
        n, deviance, log_weights = (float(part) for part in parts)
        if deviance <= 0.0:
            return math.inf  # a perfect fit: the maximum-likelihood dispersion is 0
        return -0.5 * (n * (math.log(2.0 * math.pi * deviance / n) + 1.0) - log_weights)


class Binomial(Family):
    """Binomial proportions ``y`` in [0, 1] with ``trials`` per row (1 for 0/1 data): ``V(mu) = mu (1 - mu)``,
    ``d(y, mu) = 2 (y log(y/mu) + (1 - y) log((1 - y)/(1 - mu)))``, dispersion 1."""

    name = "binomial"
    y_interval = Interval(0.0, 1.0, True, True)
    mu_interval = Interval(0.0, 1.0, False, False)
    allowed_links = ("logit", "probit", "cloglog", "log")
    default_link = "logit"
    canonical_link = "logit"
    response_kind = "proportion"
    y_hint = "Code the response as 0/1 (or a proportion), or give counts as cbind(successes, failures)."
    accepts_trials = True

    def variance(self, mu: FloatArray) -> FloatArray:
        return mu * (1.0 - mu)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return cast(FloatArray, 2.0 * (special.xlogy(y, y / mu) + special.xlogy(1.0 - y, (1.0 - y) / (1.0 - mu))))

    def log_likelihood_parts(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> FloatArray:
        """``(loglik with m = trials, loglik with m = weights, #rows with trials > 1)``: R chooses
        ``m <- if (any(n > 1)) n else wt`` over all rows, so both candidates are summed and the count decides."""
        return np.array([self._log_likelihood_given(m, y, mu, weights, freq_weights) for m in (trials, weights)]
                        + [np.count_nonzero(trials > 1)], dtype=float)

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        return float(parts[0] if parts[2] > 0 else parts[1])

    @staticmethod
    def _log_likelihood_given(m: FloatArray, y: FloatArray, mu: FloatArray, weights: FloatArray,
                              freq_weights: FloatArray) -> float:
        """R: ``sum(ifelse(m > 0, wt/m, 0) dbinom(round(m y), round(m), mu, log=TRUE))`` for the sizes ``m``."""
        used = m > 0
        m_used, y_used, mu_used = m[used], y[used], mu[used]
        successes, size = np.round(m_used * y_used), np.round(m_used)
        log_pmf = special.xlogy(successes, mu_used) + special.xlog1py(size - successes, -mu_used)
        if np.any(size != 1):  # log C(size, successes), zero for single trials
            log_pmf += (special.gammaln(size + 1.0) - special.gammaln(successes + 1.0)
                        - special.gammaln(size - successes + 1.0))
        return float(np.dot(freq_weights[used] * weights[used] / m_used, log_pmf))

    def log_likelihood_follows_deviance(self, y: FloatArray, weights: FloatArray, trials: FloatArray) -> bool:
        # R's likelihood rounds the successes m y: it follows the deviance when they are whole numbers.
        m = trials if np.any(trials > 1) else weights
        return bool(np.all(np.round(m * y) == m * y))

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        return (weights * y + 0.5) / (weights + 1.0)

    def fused_working(self, link: Link) -> WorkingKernel | None:
        return _numerics.working_binomial_logit if link.name == "logit" else None

    def fused_deviance(self) -> DevianceKernel | None:
        return _numerics.deviance_binomial

    def at_boundary(self, mu: FloatArray) -> BoolArray:
        return np.asarray((mu < _BOUNDARY) | (mu > 1.0 - _BOUNDARY))

    def boundary_warning(self, rows: int) -> str:
        return (f"fitted probabilities numerically 0 or 1 occurred for {rows} rows: the data are (quasi-)completely "
                "separated and some coefficients diverge. Consider a penalized fit (alpha > 0) or removing the "
                "separating predictor.")

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """``Binomial(trials, mu) / trials`` (0 where there are no trials)."""
        whole = np.round(trials).astype(np.int64)
        draws = rng.binomial(np.maximum(whole, 0), np.clip(mu, 0.0, 1.0))
        return np.where(whole > 0, draws / np.maximum(whole, 1), 0.0)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = 2.0 * (special.xlogy(y, y) + special.xlogy(1.0 - y, 1.0 - y))
            return a, -2.0 * np.log1p(-mu), -2.0 * (np.log(mu) - np.log1p(-mu))

    def response_warning(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        """R's "non-integer #successes in a binomial glm!": ``weights * y`` (trials times prior weights
        times proportions) more than 1e-3 from a whole number; the log-likelihood (AIC, BIC) then uses
        the rounded counts, as R's."""
        successes = weights * y
        bad = np.abs(successes - np.round(successes)) > 1e-3
        if not bad.any():
            return None
        return (
            f"{int(bad.sum())} rows of {response!r} give a non-integer number of successes (first: "
            f"{successes[np.flatnonzero(bad)[0]]:g} = weight x proportion), as R warns: the coefficients are "
            "R's, but the log-likelihood, AIC and BIC use the rounded counts (R's rule). For proportions "
            "give the number of trials as weights=..., or use cbind(successes, failures)."
        )

    def degenerate_response(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        used = y[weights > 0]
        for value in (0.0, 1.0):
            if used.size and np.all(used == value):
                return (
                    f"every response value ({response!r}) is {value:g} in the {used.size} rows with positive "
                    f"weight: the maximum-likelihood probability is {value:g}, the intercept diverges and no path "
                    "exists. Check the response column (both outcomes must occur), e.g. the coding of the events."
                )
        return None


class Poisson(Family):
    """Counts: ``V(mu) = mu``, ``d(y, mu) = 2 (y log(y/mu) - (y - mu))``, dispersion 1."""

    name = "poisson"
    y_interval = Interval(0.0, math.inf, True, False)
    mu_interval = Interval(0.0, math.inf, False, False)
    allowed_links = ("log", "identity", "sqrt")
    default_link = "log"
    canonical_link = "log"
    response_kind = "count"
    y_hint = "Counts cannot be negative: check the response column, or use family='gaussian' for signed outcomes."

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.asarray(mu, dtype=float)

    def unit_deviance(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        """``2 (y log(y/mu) - (y - mu))``, accurate for large counts (:func:`glmgen.model._numerics.bd0`)."""
        return 2.0 * _bd0(y, mu)

    def log_likelihood_parts(
        self, y: FloatArray, mu: FloatArray, weights: FloatArray, trials: FloatArray, freq_weights: FloatArray
    ) -> FloatArray:
        """``(sum w log p(y; mu),)`` with :meth:`log_pmf` (R's ``poisson()$aic``)."""
        return np.array([np.dot(freq_weights * weights, self.log_pmf(np.asarray(y, dtype=float),
                                                                      np.asarray(mu, dtype=float)))], dtype=float)

    def log_likelihood_from_parts(self, parts: FloatArray) -> float:
        return float(parts[0])

    def log_pmf(self, y: FloatArray, mu: FloatArray) -> FloatArray:
        """``log p(y; mu)`` per row, by Loader's saddle-point form as R's ``dpois``:

        ``log p(y; mu) = -stirlerr(y) - bd0(y, mu) - log(2 pi y) / 2`` for ``y > 0`` and ``-mu`` at 0.
        The textbook ``y log(mu) - mu - lgamma(y + 1)`` cancels terms of size ``y log y``
        (an error of ~1 per row at ``y = 1e15``); this form does not. Non-integer ``y``
        get the same continuous extension (through the gamma function).
        """
        positive = y > 0
        log_pmf = -mu.copy()
        y_positive = y[positive]
        log_pmf[positive] = (-_stirling_error(y_positive) - _bd0(y_positive, mu[positive])
                             - 0.5 * np.log(2.0 * math.pi * y_positive))
        return log_pmf

    def log_likelihood_follows_deviance(self, y: FloatArray, weights: FloatArray, trials: FloatArray) -> bool:
        return True  # log p(y; mu) = -stirlerr(y) - log(2 pi y) / 2 - d(y, mu) / 2

    def starting_mu(self, y: FloatArray, weights: FloatArray) -> FloatArray:
        return np.asarray(y, dtype=float) + 0.1

    def fused_working(self, link: Link) -> WorkingKernel | None:
        return _numerics.working_poisson_log if link.name == "log" else None

    def fused_deviance(self) -> DevianceKernel | None:
        return _numerics.deviance_poisson

    def at_boundary(self, mu: FloatArray) -> BoolArray:
        return np.asarray(mu < _BOUNDARY)

    def boundary_warning(self, rows: int) -> str:
        return (f"fitted rates numerically 0 occurred for {rows} rows: some coefficients diverge (rows with y = 0 "
                "separated from the rest). Consider a penalized fit (alpha > 0).")

    def sample(self, rng: np.random.Generator, mu: FloatArray, scale: float, weights: FloatArray,
               trials: FloatArray) -> FloatArray:
        """``Poisson(mu)``."""
        return rng.poisson(mu).astype(float)

    def deviance_split(self, y: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2.0 * (special.xlogy(y, y) - y), 2.0 * mu, -2.0 * np.log(mu)

    def count_distribution(self, mu: FloatArray) -> CountDistribution | None:
        """``Poisson(mu)``."""
        distribution: CountDistribution = stats.poisson(mu)
        return distribution

    def degenerate_response(self, y: FloatArray, weights: FloatArray, response: str) -> str | None:
        used = y[weights > 0]
        if used.size and np.all(used == 0):
            return (
                f"every response value ({response!r}) is 0 in the {used.size} rows with positive weight: the "
                "Poisson rate's maximum-likelihood estimate is 0 (the intercept diverges to -inf) and no path "
                "exists. Check the response column: the counts may be in another column or filtered out."
            )
        return None


def _bd0(x: FloatArray, m: FloatArray) -> FloatArray:
    """Elementwise :func:`glmgen.model._numerics.bd0`."""
    x, m = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(m, dtype=float))
    out = np.empty(x.shape)
    _numerics.poisson_bd0(np.ascontiguousarray(x).ravel(), np.ascontiguousarray(m).ravel(), out.reshape(-1))
    return out


#: coefficients of the Stirling series 1/12, 1/360, 1/1260, 1/1680, 1/1188
_STIRLING = (1.0 / 12.0, 1.0 / 360.0, 1.0 / 1260.0, 1.0 / 1680.0, 1.0 / 1188.0)


def _stirling_error(x: FloatArray) -> FloatArray:
    """``lgamma(x + 1) - (x + 1/2) log(x) + x - log(2 pi) / 2`` for ``x > 0`` (R's ``stirlerr``).

    Directly for ``x <= 15``; above, the asymptotic series
    ``1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7) + 1/(1188x^9)`` (truncation error
    below 3e-16 there), which avoids the cancellation of the direct form for large ``x``.
    """
    x = np.asarray(x, dtype=float)
    small = x <= 15.0
    out = np.empty_like(x)
    xs = x[small]
    out[small] = special.gammaln(xs + 1.0) - (xs + 0.5) * np.log(xs) + xs - 0.5 * math.log(2.0 * math.pi)
    inverse_square = np.square(1.0 / x[~small])
    series = np.zeros_like(inverse_square)
    for coefficient in _STIRLING[:0:-1]:
        series = coefficient - series * inverse_square
    out[~small] = (_STIRLING[0] - series * inverse_square) / x[~small]
    return out
