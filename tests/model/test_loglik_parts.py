"""Log-likelihoods as sums of additive parts (``Family.log_likelihood_parts`` / ``log_likelihood_from_parts``,
glmgen/model/families.py, continuous.py, overdispersed.py): the parts of any row split add up to those of all
rows, so a backend that sees one partition at a time gets the exact log-likelihood. The whole-data values are
checked against closed forms from ``scipy.stats`` at R's maximum-likelihood dispersion (``deviance / sum(w)``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import glmgen as gg
from glmgen.model import FAMILIES as NAMED
from glmgen.model import Family, NegativeBinomial

N = 40


def named(name: str) -> Family:
    return NAMED[name]()

Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def rows(family: str, seed: int) -> Rows:
    """``(y, mu, weights, trials, freq_weights)`` in the family's domain; some rows have weight 0 (and then
    a response outside the domain, which the likelihood must ignore as R's does)."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.5, 4.0, N)
    weights = rng.integers(1, 4, N).astype(float)
    freq_weights = rng.integers(1, 3, N).astype(float)
    trials = np.ones(N)
    if family == "gaussian":
        y = mu + rng.normal(size=N)
    elif family in ("poisson", "negative_binomial", "quasipoisson"):
        y = rng.poisson(mu).astype(float)
    elif family in ("binomial", "quasibinomial"):
        mu = rng.uniform(0.1, 0.9, N)
        y = rng.binomial(1, mu).astype(float)
    elif family == "binomial_trials":
        mu = rng.uniform(0.1, 0.9, N)
        trials[N // 2:] = rng.integers(2, 6, N - N // 2)  # trials > 1 only in the last chunks
        y = rng.binomial(trials.astype(int), mu) / trials
    elif family == "inverse_gaussian":
        y = rng.wald(mu, 2.0)
    else:  # gamma, Tweedie
        y = rng.gamma(2.0, mu / 2.0)
        if family == "tweedie_zeros":
            y[rng.random(N) < 0.2] = 0.0
    weights[[3, 17]] = 0.0
    if family in ("gamma", "inverse_gaussian"):
        y[3] = -1.0  # outside the domain, but of zero weight
    return y, mu, weights, trials, freq_weights


FAMILIES: list[tuple[str, Callable[[], Family], str]] = [
    ("gaussian", lambda: named("gaussian"), "gaussian"),
    ("binomial 0/1", lambda: named("binomial"), "binomial"),
    ("binomial trials", lambda: named("binomial"), "binomial_trials"),
    ("poisson", lambda: named("poisson"), "poisson"),
    ("gamma", lambda: named("gamma"), "gamma"),
    ("inverse_gaussian", lambda: named("inverse_gaussian"), "inverse_gaussian"),
    ("tweedie 0", lambda: gg.tweedie(0), "gaussian"),
    ("tweedie 1", lambda: gg.tweedie(1), "poisson"),
    ("tweedie 1.5", lambda: gg.tweedie(1.5), "tweedie_zeros"),
    ("tweedie 2", lambda: gg.tweedie(2), "gamma"),
    ("tweedie 3", lambda: gg.tweedie(3), "inverse_gaussian"),
    ("negative_binomial", lambda: NegativeBinomial(theta=1.7), "negative_binomial"),
    ("quasipoisson", lambda: named("quasipoisson"), "quasipoisson"),
    ("quasibinomial", lambda: named("quasibinomial"), "quasibinomial"),
]


def chunk(data: Rows, start: int, stop: int) -> Rows:
    y, mu, weights, trials, freq_weights = data
    return y[start:stop], mu[start:stop], weights[start:stop], trials[start:stop], freq_weights[start:stop]


def summed_parts(family: Family, data: Rows, cuts: list[int]) -> np.ndarray:
    bounds = [0, *cuts, N]
    parts = [family.log_likelihood_parts(*chunk(data, a, b)) for a, b in pairwise(bounds)]
    assert len({p.shape for p in parts}) == 1 and parts[0].ndim == 1
    return np.sum(parts, axis=0)


@pytest.mark.parametrize(("label", "make", "kind"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_parts_of_three_uneven_chunks_give_the_whole_log_likelihood(
        label: str, make: Callable[[], Family], kind: str) -> None:
    family, data = make(), rows(kind, seed=len(label))
    whole = family.log_likelihood(*data)
    for cuts in ([5, 5], [0, 31], [12, 40]):  # an empty chunk first, in the middle, last
        combined = family.log_likelihood_from_parts(summed_parts(family, data, cuts))
        if label.startswith("quasi") or label == "tweedie 1.5":
            assert math.isnan(whole) and math.isnan(combined)
        else:
            assert math.isfinite(whole)
            assert combined == pytest.approx(whole, rel=1e-12, abs=0.0)


def test_binomial_chooses_the_trials_when_only_one_chunk_has_more_than_one() -> None:
    """R's ``m <- if (any(n > 1)) n else wt`` over all rows: chunks of single trials must not pick ``m = wt``
    (nor may their maxima add up to > 1); with ``m = n`` the terms are ``wt/n dbinom(n y, n, mu)``."""
    family, data = named("binomial"), rows("binomial_trials", seed=3)
    y, mu, weights, trials, freq_weights = data
    used = trials > 0
    expected = np.sum((freq_weights * weights / trials * stats.binom.logpmf(np.round(trials * y), trials, mu))[used])
    for cuts in ([10, 20], [N // 2, N // 2]):
        combined = family.log_likelihood_from_parts(summed_parts(family, data, cuts))
        assert combined == pytest.approx(expected, rel=1e-12)
    single = chunk(data, 0, N // 2)  # single trials only: m = wt
    y1, mu1, w1, _, fw1 = single
    expected_single = np.sum(fw1 * stats.binom.logpmf(np.round(w1 * y1), w1, mu1))
    assert family.log_likelihood(*single) == pytest.approx(expected_single, rel=1e-12)


def ml_dispersion(family: Family, data: Rows) -> float:
    y, mu, weights, _, freq_weights = data
    used = weights * freq_weights > 0
    counted = (weights * freq_weights)[used]
    return float(np.dot(counted, family.unit_deviance(y[used], mu[used])) / counted.sum())


def test_whole_log_likelihoods_equal_scipy_densities_at_the_ml_dispersion() -> None:
    """gaussian ``N(mu, phi/w)`` with ``phi = deviance / n``; Gamma shape ``1/phi`` scale ``mu phi``; inverse
    Gaussian shape ``1/phi`` (R's ``aic`` reads the density with weight ``w`` as its ``w``-th power); Poisson,
    negative binomial: weighted log-pmfs. Rows of zero weight are left out."""
    gaussian, gamma, inverse = (named(name) for name in ("gaussian", "gamma", "inverse_gaussian"))
    y, mu, w, _, fw = data = rows("gaussian", 1)
    u = w > 0
    phi = float(np.dot(fw * w, (y - mu) ** 2) / fw[u].sum())
    expected = np.sum(fw[u] * stats.norm.logpdf(y[u], mu[u], np.sqrt(phi / w[u])))
    assert gaussian.log_likelihood(*data) == pytest.approx(expected, rel=1e-12)
    y, mu, w, _, fw = data = rows("gamma", 2)
    phi, u, c = ml_dispersion(gamma, data), w > 0, w * fw
    expected = np.sum(c[u] * stats.gamma.logpdf(y[u], 1.0 / phi, scale=mu[u] * phi))
    assert gamma.log_likelihood(*data) == pytest.approx(expected, rel=1e-12)
    y, mu, w, _, fw = data = rows("inverse_gaussian", 3)
    phi, u, c = ml_dispersion(inverse, data), w > 0, w * fw
    expected = np.sum(c[u] * stats.invgauss.logpdf(y[u], mu[u] * phi, scale=1.0 / phi))  # mean mu, shape 1/phi
    assert inverse.log_likelihood(*data) == pytest.approx(expected, rel=1e-12)
    y, mu, w, _, fw = data = rows("poisson", 4)
    expected = np.sum(fw * w * stats.poisson.logpmf(y, mu))
    assert named("poisson").log_likelihood(*data) == pytest.approx(expected, rel=1e-12)
    expected = np.sum(fw * w * stats.nbinom.logpmf(y, 1.7, 1.7 / (1.7 + mu)))
    assert NegativeBinomial(theta=1.7).log_likelihood(*data) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", ["gaussian", "binomial", "poisson", "gamma", "inverse_gaussian"])
def test_no_rows_give_zero_parts(name: str) -> None:
    family, empty = named(name), np.empty(0)
    parts = family.log_likelihood_parts(empty, empty, empty, empty, empty)
    assert parts.ndim == 1 and parts.size > 0 and np.all(parts == 0.0)


@pytest.mark.parametrize("name", ["gaussian", "gamma", "inverse_gaussian"])
def test_a_perfect_fit_has_an_unbounded_likelihood(name: str) -> None:
    """The maximum-likelihood dispersion is 0: the log-likelihood is +inf (as R's gaussian ``aic`` gives -inf)."""
    y = np.array([1.0, 2.0, 3.0])
    ones = np.ones(3)
    assert named(name).log_likelihood(y, y, ones, ones, ones) == math.inf


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, N), min_size=0, max_size=6))
def test_gamma_parts_add_up_over_any_row_split(seed: int, cuts: list[int]) -> None:
    """The Gamma family's dispersion comes from all rows; any split into partitions gives the same value."""
    family, data = named("gamma"), rows("gamma", seed)
    combined = family.log_likelihood_from_parts(summed_parts(family, data, sorted(cuts)))
    assert combined == pytest.approx(family.log_likelihood(*data), rel=1e-12, abs=0.0)
