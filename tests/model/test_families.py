"""The family methods the solvers dispatch through (glmgen/model/families.py).

References are closed forms and R's rules (``binomial()``, ``poisson()``, ``gaussian()``
and ``glm.fit``), quoted next to each check; nothing is compared with glmgen itself except
where a test states an identity between two of a family's own methods.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest
from scipy import special

from glmgen.errors import InvalidParameterError
from glmgen.model import FAMILIES, Family, get_link
from glmgen.model.families import Binomial, Gaussian, Poisson

FloatArray = npt.NDArray[np.float64]

EPS = float(np.finfo(float).eps)
#: R's glm.fit: eps <- 10 * .Machine$double.eps for "fitted probabilities numerically 0 or 1"
R_BOUNDARY = 10 * EPS


def pairs() -> list[tuple[str, str]]:
    """Every (family, link) combination a family allows."""
    return [(name, link) for name, cls in FAMILIES.items() for link in cls.allowed_links]


def eta_for(link: str, rng: np.random.Generator, n: int) -> FloatArray:
    """Linear predictors inside the link's valid range, including some far out in the tails."""
    if link in ("identity", "inverse", "sqrt"):
        return rng.uniform(0.2, 5.0, n)
    eta = rng.normal(scale=3.0, size=n)
    eta[:4] = [-40.0, 40.0, 0.0, -30.0] if link != "log" else [-30.0, 5.0, 0.0, 10.0]
    return eta


def response_for(family: str, rng: np.random.Generator, n: int) -> FloatArray:
    if family in ("binomial", "quasibinomial"):
        return np.concatenate([rng.integers(0, 2, n - 10).astype(float), rng.uniform(size=10)])
    if family in ("poisson", "quasipoisson", "negative_binomial", "tweedie"):
        return np.concatenate([rng.poisson(3.0, n - 10).astype(float), np.zeros(10)])
    if family in ("gamma", "inverse_gaussian"):
        return rng.gamma(2.0, 1.0, n)
    return rng.normal(2.0, 1.0, n)


# --------------------------------------------------------------------------- canonical links and least squares
@pytest.mark.parametrize(("name", "canonical"), [("gaussian", "identity"), ("binomial", "logit"), ("poisson", "log")])
def test_canonical_link_is_rs_and_the_default(name: str, canonical: str) -> None:
    """R's ``family()$link`` defaults are the canonical links (``eta`` = natural parameter)."""
    family = FAMILIES[name]()
    assert family.canonical_link == canonical == family.default_link
    assert canonical in family.allowed_links
    assert family.is_canonical(get_link(canonical))
    assert not any(family.is_canonical(get_link(link)) for link in family.allowed_links if link != canonical)


def test_only_gaussian_identity_is_least_squares() -> None:
    least_squares = [(name, link) for name, link in pairs() if FAMILIES[name]().is_least_squares(get_link(link))]
    assert least_squares == [("gaussian", "identity")]


@pytest.mark.parametrize(("name", "kind"), [("gaussian", "continuous"), ("binomial", "proportion"), ("poisson", "count")])
def test_response_kind(name: str, kind: str) -> None:
    assert FAMILIES[name]().response_kind == kind


# --------------------------------------------------------------------------- variance and unit deviance
@pytest.mark.parametrize(
    ("family", "variance", "unit_deviance"),
    [
        (Gaussian(), lambda mu: np.ones_like(mu), lambda y, mu: (y - mu) ** 2),
        (Binomial(), lambda mu: mu * (1 - mu),
         lambda y, mu: 2 * (special.xlogy(y, y / mu) + special.xlogy(1 - y, (1 - y) / (1 - mu)))),
        (Poisson(), lambda mu: mu, lambda y, mu: 2 * (special.xlogy(y, y / mu) - (y - mu))),
    ],
)
def test_variance_and_unit_deviance_closed_forms(
    family: Family, variance: Callable[[FloatArray], FloatArray],
    unit_deviance: Callable[[FloatArray, FloatArray], FloatArray], seed: int,
) -> None:
    """McCullagh and Nelder (1989), table 2.1: V(mu) and d(y, mu) of each family."""
    rng = np.random.default_rng(seed)
    y = response_for(family.name, rng, 200)
    mu = rng.uniform(0.05, 0.95, 200) if family.name == "binomial" else rng.uniform(0.2, 6.0, 200)
    np.testing.assert_allclose(family.variance(mu), variance(mu), rtol=1e-15, atol=0)
    np.testing.assert_allclose(family.unit_deviance(y, mu), unit_deviance(y, mu), rtol=1e-10, atol=1e-13)
    weights = rng.uniform(0.0, 2.0, 200)
    np.testing.assert_allclose(family.deviance(y, mu, weights), weights @ unit_deviance(y, mu), rtol=1e-12, atol=0)


@pytest.mark.parametrize("family", [Gaussian(), Binomial(), Poisson()], ids=lambda f: f.name)
def test_deviance_split_reproduces_unit_deviance(family: Family, seed: int) -> None:
    """``d(y, mu) = a(y) + b(mu) + y c(mu)`` for every (y, mu) pair, not only matched ones."""
    rng = np.random.default_rng(seed)
    y = response_for(family.name, rng, 60)
    mu = rng.uniform(0.02, 0.98, 60) if family.name == "binomial" else rng.uniform(0.1, 8.0, 60)
    split = family.deviance_split(y, mu)
    assert split is not None
    a, b, c = split
    assert a.shape == b.shape == c.shape == (60,)
    cross = a[:, None] + b[None, :] + y[:, None] * c[None, :]
    expected = family.unit_deviance(y[:, None], mu[None, :])
    np.testing.assert_allclose(cross, expected, rtol=1e-10, atol=1e-11)


# --------------------------------------------------------------------------- fused kernels
@pytest.mark.parametrize(("name", "link"), pairs())
def test_fused_working_equals_generic_formulas(name: str, link: str, seed: int) -> None:
    """STYLE example 2: a fused kernel gives ``v = w (dmu/deta)^2 / V(mu)`` and
    ``z = eta - offset + (y - mu) / (dmu/deta)``; exactly the canonical binomial and poisson pairs (and their
    quasi twins, which share mean and variance), and the power-variance families with the log link have one."""
    family, resolved = FAMILIES[name](), get_link(link)
    kernel = family.fused_working(resolved)
    fused = {("binomial", "logit"), ("poisson", "log"), ("quasibinomial", "logit"), ("quasipoisson", "log"),
             ("gamma", "log"), ("inverse_gaussian", "log"), ("tweedie", "log")}
    assert (kernel is not None) == ((name, link) in fused)
    if kernel is None:
        return
    rng = np.random.default_rng(seed)
    n = 300
    eta, y = eta_for(link, rng, n), response_for(name, rng, n)
    weights, offset = rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    v, z = np.empty(n), np.empty(n)
    kernel(eta, y, weights, offset, v, z)
    mu = resolved.inverse(eta)
    dmu = resolved.inverse_derivative(eta)
    np.testing.assert_allclose(v, weights * dmu * (dmu / family.variance(mu)), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(z, eta - offset + (y - mu) / dmu, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "link", "closed_form_v"),
    [
        ("binomial", "logit", lambda eta: special.expit(eta) * special.expit(-eta)),  # mu (1 - mu)
        ("poisson", "log", np.exp),  # mu
    ],
)
def test_fused_working_weights_closed_form(name: str, link: str, closed_form_v: Callable[[FloatArray], FloatArray],
                                           seed: int) -> None:
    """For canonical links ``dmu/deta = V(mu)``, so the working weight is ``w V(mu)`` (away from the clamps)."""
    family, resolved = FAMILIES[name](), get_link(link)
    kernel = family.fused_working(resolved)
    assert kernel is not None
    rng = np.random.default_rng(seed)
    eta = rng.uniform(-5.0, 5.0, 100)
    y, weights, offset = response_for(name, rng, 100), rng.uniform(0.5, 2.0, 100), np.zeros(100)
    v, z = np.empty(100), np.empty(100)
    kernel(eta, y, weights, offset, v, z)
    np.testing.assert_allclose(v, weights * closed_form_v(eta), rtol=1e-12, atol=0)


@pytest.mark.parametrize("family", [Gaussian(), Binomial(), Poisson()], ids=lambda f: f.name)
def test_fused_deviance_equals_weighted_unit_deviance(family: Family, seed: int) -> None:
    kernel = family.fused_deviance()
    assert (kernel is None) == (family.name == "gaussian")
    if kernel is None:
        return
    rng = np.random.default_rng(seed)
    y = response_for(family.name, rng, 400)
    mu = rng.uniform(0.01, 0.99, 400) if family.name == "binomial" else rng.uniform(0.1, 8.0, 400)
    weights = rng.uniform(0.0, 3.0, 400)
    np.testing.assert_allclose(kernel(y, mu, weights), weights @ family.unit_deviance(y, mu), rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- boundary of the mean's range
def test_binomial_at_boundary_uses_rs_threshold() -> None:
    """R's glm.fit: ``any(mu > 1 - eps) || any(mu < eps)`` with ``eps = 10 * .Machine$double.eps``."""
    low, high = R_BOUNDARY, 1.0 - R_BOUNDARY
    mu = np.array([0.0, np.nextafter(low, 0.0), low, np.nextafter(low, 1.0), 0.5,
                   np.nextafter(high, 0.0), high, np.nextafter(high, 1.0), 1.0])
    expected = np.array([True, True, False, False, False, False, False, True, True])
    np.testing.assert_array_equal(Binomial().at_boundary(mu), expected)


def test_poisson_at_boundary_uses_rs_threshold() -> None:
    """R's glm.fit: ``any(mu < eps)`` ("fitted rates numerically 0 occurred")."""
    mu = np.array([0.0, np.nextafter(R_BOUNDARY, 0.0), R_BOUNDARY, 1.0, 1e300])
    np.testing.assert_array_equal(Poisson().at_boundary(mu), [True, True, False, False, False])


def test_gaussian_is_never_at_boundary() -> None:
    assert not Gaussian().at_boundary(np.array([-1e300, 0.0, 1e-300, 1e300])).any()


@pytest.mark.parametrize(("family", "phrase"), [
    (Binomial(), "fitted probabilities numerically 0 or 1 occurred for 7 rows"),
    (Poisson(), "fitted rates numerically 0 occurred for 7 rows"),
    (Gaussian(), "for 7 rows"),
], ids=lambda x: getattr(x, "name", ""))
def test_boundary_warning_names_rs_message_and_count(family: Family, phrase: str) -> None:
    assert phrase in family.boundary_warning(7)


# --------------------------------------------------------------------------- sampling (parametric bootstrap)
N_DRAWS = 200_000


def standardized_moments(draws: FloatArray, mean: FloatArray, variance: FloatArray) -> tuple[float, float]:
    residual = (draws - mean) / np.sqrt(variance)
    return float(residual.mean()), float(residual.var())


def assert_standard(mean: float, variance: float, excess_kurtosis_bound: float) -> None:
    """The standardized draws have mean 0 (sd 1/sqrt(N)) and variance 1 (sd sqrt((kurtosis - 1)/N)): 6 sd."""
    assert abs(mean) < 6.0 / math.sqrt(N_DRAWS)
    assert abs(variance - 1.0) < 6.0 * math.sqrt((2.0 + excess_kurtosis_bound) / N_DRAWS)


def test_gaussian_sample_moments(seed: int) -> None:
    """``y = mu + N(0, scale / w)``: mean mu, variance scale / w."""
    rng = np.random.default_rng(seed)
    mu, weights = rng.normal(size=N_DRAWS) * 10, rng.uniform(0.5, 4.0, N_DRAWS)
    draws = Gaussian().sample(np.random.default_rng(seed + 1), mu, 2.5, weights, np.ones(N_DRAWS))
    assert_standard(*standardized_moments(draws, mu, 2.5 / weights), excess_kurtosis_bound=0.0)


def test_poisson_sample_moments(seed: int) -> None:
    """Poisson(mu): whole numbers with mean and variance mu (excess kurtosis 1/mu <= 1 here)."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(1.0, 20.0, N_DRAWS)
    draws = Poisson().sample(np.random.default_rng(seed + 1), mu, 1.0, np.ones(N_DRAWS), np.ones(N_DRAWS))
    assert np.all(draws == np.round(draws)) and np.all(draws >= 0)
    assert_standard(*standardized_moments(draws, mu, mu), excess_kurtosis_bound=1.0)


def test_binomial_sample_moments(seed: int) -> None:
    """Binomial(m, mu) / m: multiples of 1/m with mean mu and variance mu (1 - mu) / m; 0 for m = 0."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.2, 0.8, N_DRAWS)
    trials = rng.integers(1, 30, N_DRAWS).astype(float)
    trials[:5] = 0.0
    draws = Binomial().sample(np.random.default_rng(seed + 1), mu, 1.0, trials, trials)
    np.testing.assert_array_equal(draws[:5], 0.0)
    draws, mu, trials = draws[5:], mu[5:], trials[5:]
    np.testing.assert_allclose(draws * trials, np.round(draws * trials), rtol=0, atol=1e-9)
    assert np.all((draws >= 0) & (draws <= 1))
    # excess kurtosis (1 - 6 mu (1 - mu)) / (m mu (1 - mu)) <= 1 / (0.16) for mu in [0.2, 0.8]
    assert_standard(*standardized_moments(draws, mu, mu * (1 - mu) / trials), excess_kurtosis_bound=6.25)


def test_sample_is_refused_by_a_family_without_one() -> None:
    """A family that does not define ``sample`` refuses the parametric bootstrap, naming the alternative."""

    class Custom(Family):
        name = "custom"

    with pytest.raises(InvalidParameterError, match="method='case'"):
        Custom().sample(np.random.default_rng(0), np.ones(3), 1.0, np.ones(3), np.ones(3))


def test_base_family_defaults_take_the_generic_path() -> None:
    """The base class offers no fused kernel, no deviance split and no boundary: the generic formulas apply."""

    class Custom(Family):
        name = "custom"

    custom, link = Custom(), get_link("identity")
    assert custom.fused_working(link) is None and custom.fused_deviance() is None
    assert custom.deviance_split(np.ones(2), np.ones(2)) is None
    assert not custom.at_boundary(np.array([0.0, 1.0])).any()
    assert not custom.is_least_squares(link)


# --------------------------------------------------------------------------- starting values
@pytest.mark.parametrize(("family", "expected"), [
    (Gaussian(), lambda y, w: y),  # gaussian()$initialize: mustart <- y
    (Binomial(), lambda y, w: (w * y + 0.5) / (w + 1)),  # binomial()$initialize: (weights * y + 0.5)/(weights + 1)
    (Poisson(), lambda y, w: y + 0.1),  # poisson()$initialize: mustart <- y + 0.1
], ids=lambda x: getattr(x, "name", ""))
def test_starting_mu_is_rs_mustart(family: Family, expected: Callable[[FloatArray, FloatArray], FloatArray],
                                   seed: int) -> None:
    rng = np.random.default_rng(seed)
    y, weights = response_for(family.name, rng, 50), rng.uniform(0.5, 3.0, 50)
    np.testing.assert_allclose(family.starting_mu(y, weights), expected(y, weights), rtol=1e-15, atol=0)


def test_count_distribution_is_poissons_for_counts_only():
    """Observed-vs-expected count tables use the family's distribution: Poisson pmf exp(-mu) mu^k / k!."""
    mu = np.array([0.3, 2.0, 7.5])
    distribution = Poisson().count_distribution(mu)
    assert distribution is not None
    for k in range(5):
        np.testing.assert_allclose(distribution.pmf(k), np.exp(-mu) * mu**k / math.factorial(k), rtol=1e-13)
    np.testing.assert_allclose(distribution.sf(2), 1.0 - sum(np.exp(-mu) * mu**k / math.factorial(k)
                                                          for k in range(3)), rtol=1e-12)
    assert Gaussian().count_distribution(mu) is None
    assert Binomial().count_distribution(mu / 10) is None
