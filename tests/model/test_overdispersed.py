"""The negative binomial's theta estimate and the family objects with parameters (glmgen/model/overdispersed.py,
glmgen/model/registry.py). Reference numbers are R's (``MASS::theta.ml``, R 4.2.2, MASS 7.3-58), printed with
17 digits by the R calls quoted in each test (quine from MASS, shipped as tests/reference/data/quine.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import glmgen as gg
from glmgen.errors import InvalidParameterError
from glmgen.model import NegativeBinomial, resolve_family, theta_ml

QUINE = Path(__file__).resolve().parents[1] / "reference" / "data" / "quine.csv"


def quine_days() -> np.ndarray:
    return pd.read_csv(QUINE)["Days"].to_numpy(dtype=float)


def test_theta_ml_matches_mass_at_a_poisson_fit() -> None:
    """R: ``m <- glm(Days ~ Eth + Sex + Age + Lrn, poisson, quine, control = glm.control(epsilon = 1e-14));
    theta.ml(quine$Days, fitted(m), limit = 50)`` = 1.26625388830830854, SE 0.15988208711242075."""
    frame = pd.read_csv(QUINE)
    poisson = gg.glm("Days ~ Eth + Sex + Age + Lrn", frame, "poisson", tol=1e-14)
    estimate = theta_ml(quine_days(), poisson.fitted.to_numpy(), np.ones(len(frame)), limit=50)
    assert estimate.warning is None
    np.testing.assert_allclose([estimate.theta, estimate.se], [1.26625388830830854, 0.15988208711242075], rtol=1e-9)


def test_theta_ml_with_weights_matches_mass() -> None:
    """R: ``theta.ml(quine$Days, seq(1, 20, length = 146), weights = rep(c(1, 2), 73), limit = 50)``
    = 0.406560847027765460, SE 0.034949352136821016 (``n = sum(weights)``)."""
    estimate = theta_ml(quine_days(), np.linspace(1.0, 20.0, 146), np.tile([1.0, 2.0], 73), limit=50)
    np.testing.assert_allclose([estimate.theta, estimate.se], [0.406560847027765460, 0.034949352136821016],
                               rtol=1e-9)


def test_families_with_parameters_compare_by_them() -> None:
    assert gg.tweedie(1.5) == gg.tweedie(1.5) != gg.tweedie(1.6)
    assert len({gg.tweedie(1.5), gg.tweedie(1.5), gg.negative_binomial(2.0)}) == 2
    assert gg.negative_binomial(2.0) != gg.negative_binomial()
    assert repr(gg.tweedie(1.5)) == "Tweedie(var_power=1.5)"


@pytest.mark.parametrize("power", [0.5, -1.0, float("nan")])
def test_tweedie_refuses_powers_without_a_distribution(power: float) -> None:
    with pytest.raises(InvalidParameterError, match="var_power"):
        gg.tweedie(power)


@pytest.mark.parametrize("theta", [0.0, -1.0, float("inf")])
def test_negative_binomial_refuses_a_non_positive_theta(theta: float) -> None:
    with pytest.raises(InvalidParameterError, match="theta"):
        gg.negative_binomial(theta)


def test_factory_link_becomes_the_default_and_is_checked() -> None:
    family, link = resolve_family(gg.negative_binomial(2.0, link="sqrt"))
    assert link.name == "sqrt" and isinstance(family, NegativeBinomial)
    assert family.with_theta(3.0, None).check_link(None).name == "sqrt"  # an estimated theta keeps the link
    with pytest.raises(InvalidParameterError, match="allowed"):
        gg.tweedie(1.5, link="logit")


def test_statsmodels_families_bring_their_parameters() -> None:
    """statsmodels' ``Tweedie(var_power=p)`` and ``NegativeBinomial(alpha=a)`` (variance mu + a mu^2, so theta = 1/a)."""
    family, link = resolve_family(sm.families.Tweedie(var_power=1.7, link=sm.families.links.Log()))
    assert family == gg.tweedie(1.7) and link.name == "log"
    family, link = resolve_family(sm.families.NegativeBinomial(alpha=0.5))
    assert family == gg.negative_binomial(2.0) and link.name == "log"
    family, link = resolve_family(sm.families.InverseGaussian())
    assert family.name == "inverse_gaussian" and link.name == "1/mu^2"


def test_negative_binomial_without_theta_says_how_to_get_one() -> None:
    with pytest.raises(InvalidParameterError, match="theta"):
        gg.negative_binomial().variance(np.ones(3))


def test_theta_of_data_without_overdispersion_warns() -> None:
    """Counts less dispersed than Poisson have no finite maximum-likelihood theta (the likelihood rises towards
    the Poisson model): the estimate says so, and stops at THETA_MAX instead of overflowing."""
    from glmgen.model.overdispersed import THETA_MAX
    y = np.array([3.0, 4.0, 3.0, 4.0, 3.0, 4.0])
    rising = theta_ml(y, np.full(6, 3.5), np.ones(6))  # Newton creeps upwards: MASS's "iteration limit reached"
    assert rising.theta > 1e4 and rising.warning is not None and "family='poisson'" in rising.warning
    perfect = theta_ml(y, y, np.ones(6))  # y = mu: the moment estimate is already infinite
    assert perfect.theta == THETA_MAX and perfect.warning is not None
