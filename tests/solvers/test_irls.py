"""Unpenalized IRLS (glmgen/solvers/irls.py) at the solver level: arrays in, a SolverOutput out.

References: the weighted normal equations (NumPy), statsmodels' ``GLM`` computed live, and R's
``glm.fit`` rules (convergence, step halving, "no valid set of coefficients", boundary warnings).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from glmgen.errors import ConvergenceWarning, SeparationWarning, SolverError
from glmgen.model import resolve_family
from glmgen.solvers import GLMProblem, IRLSControl, irls

FloatArray = npt.NDArray[np.float64]
TIGHT = IRLSControl(tol=1e-13, coef_tol=1e-13)


def problem(X: FloatArray, y: FloatArray, family: str, link: str | None = None,
            weights: FloatArray | None = None) -> GLMProblem:
    resolved, resolved_link = resolve_family(family, link)
    n = len(y)
    return GLMProblem(np.asfortranarray(X), y, np.ones(n) if weights is None else weights, np.zeros(n),
                      resolved, resolved_link, True)


def test_gaussian_identity_is_weighted_least_squares(seed: int) -> None:
    """One WLS step is exact: coefficients, deviance (weighted RSS) and ``(X1' W X1)^{-1}`` of the normal equations."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 3))
    y, w = X @ [1.0, -2.0, 0.5] + 3.0 + rng.normal(size=120), rng.uniform(0.5, 2.0, 120)
    output = irls(problem(X, y, "gaussian", weights=w), control=TIGHT)
    X1 = np.column_stack([np.ones(120), X])
    expected = np.linalg.solve(X1.T @ (X1 * w[:, None]), X1.T @ (w * y))
    assert output.converged
    np.testing.assert_allclose(np.append(output.intercept, output.coef), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(output.deviance, w @ np.square(y - X1 @ expected), rtol=1e-10, atol=0)
    assert output.cov_unscaled is not None
    np.testing.assert_allclose(output.cov_unscaled, np.linalg.inv(X1.T @ (X1 * w[:, None])), rtol=1e-9, atol=1e-15)
    assert len(output.history["deviance"]) == output.n_iter and not output.notices


@pytest.mark.filterwarnings("ignore:The Sqrt link function does not respect the domain")  # statsmodels' DomainWarning
def test_step_halving_keeps_a_sqrt_link_fit_valid_and_reaches_statsmodels() -> None:
    """Poisson / sqrt: the second full step leaves ``eta > 0``; halving it (R's rule) recovers, and the fit
    ends at statsmodels' maximum-likelihood estimate. Fixed data: a case where the halving happens."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(73)
    x = rng.uniform(-1.0, 2.0, size=(40, 1))
    y = rng.poisson((0.6 + 0.8 * x[:, 0]) ** 2).astype(float)
    output = irls(problem(x, y, "poisson", "sqrt"), control=TIGHT)
    assert output.converged and min(output.history["step"]) < 1.0
    reference = sm.GLM(y, sm.add_constant(x), family=sm.families.Poisson(sm.families.links.Sqrt())).fit(tol=1e-13)
    np.testing.assert_allclose(np.append(output.intercept, output.coef), reference.params, rtol=1e-6, atol=0)
    np.testing.assert_allclose(output.deviance, reference.deviance, rtol=1e-8, atol=0)


def test_no_valid_start_raises_as_r() -> None:
    """R: "no valid set of coefficients has been found" when the first step leaves the mean's range
    (Poisson / identity fitted to counts falling to 0, so the line goes negative)."""
    x = np.linspace(0.0, 10.0, 50)[:, None]
    y = np.where(x[:, 0] < 5.0, 0.0, 2.0 * x[:, 0] - 10.0)
    with pytest.raises(SolverError, match="no coefficients with a finite deviance.*family='poisson', link='identity'"):
        irls(problem(x, y, "poisson", "identity"))


def test_max_iter_reached_gives_a_convergence_notice(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 2))
    y = rng.binomial(1, 1.0 / (1.0 + np.exp(-X @ [1.0, -1.0]))).astype(float)
    output = irls(problem(X, y, "binomial"), control=IRLSControl(max_iter=1))
    assert not output.converged and output.n_iter == 1
    assert [notice.category for notice in output.notices] == [ConvergenceWarning]
    assert "IRLS stopped after 1 iterations" in output.notices[0].message


def test_separated_data_give_the_boundary_notice() -> None:
    """0/1 data separated by ``x > 0``: R's glm.fit warns "fitted probabilities numerically 0 or 1 occurred"."""
    x = np.linspace(-1.0, 1.0, 40)[:, None] + 0.0125
    output = irls(problem(x, (x[:, 0] > 0).astype(float), "binomial"))
    phrase = "fitted probabilities numerically 0 or 1 occurred"
    assert any(notice.category is SeparationWarning and phrase in notice.message for notice in output.notices)


def test_means_off_the_boundary_give_no_boundary_notice(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(100, 1))
    output = irls(problem(x, rng.binomial(1, 0.5, 100).astype(float), "binomial"))
    assert not any(notice.category is SeparationWarning for notice in output.notices)


def test_warm_start_reaches_the_cold_start_fit(seed: int) -> None:
    """The estimate does not depend on where IRLS starts (the log-likelihood is concave for canonical links)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(150, 3))
    y = rng.poisson(np.exp(0.5 + X @ [0.3, -0.2, 0.1])).astype(float)
    cold = irls(problem(X, y, "poisson"), control=TIGHT)
    warm = irls(problem(X, y, "poisson"), start_eta=np.full(150, np.log(y.mean()) + 0.5), control=TIGHT)
    np.testing.assert_allclose(warm.coef, cold.coef, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(warm.intercept, cold.intercept, rtol=1e-8, atol=1e-12)


def test_extreme_column_scales_give_exactly_rescaled_coefficients(seed: int) -> None:
    """Columns times 2**200 (exact in floating point) give coefficients times 2**-200, covariance times 2**-400."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, 2))
    y = rng.binomial(1, 1.0 / (1.0 + np.exp(-X @ [0.8, -0.5]))).astype(float)
    plain = irls(problem(X, y, "binomial"), control=TIGHT)
    scaled = irls(problem(X * 2.0**200, y, "binomial"), control=TIGHT)
    np.testing.assert_allclose(scaled.coef * 2.0**200, plain.coef, rtol=1e-10, atol=0)
    assert plain.cov_unscaled is not None and scaled.cov_unscaled is not None
    np.testing.assert_allclose(scaled.cov_unscaled[1:, 1:] * 2.0**400, plain.cov_unscaled[1:, 1:], rtol=1e-8, atol=0)
