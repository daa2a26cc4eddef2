"""``GLMRegressor`` / ``GLMRegressorCV`` with the issue-13 families, against scikit-learn and R.

- penalized: ``GLMRegressor(family="gamma" | "tweedie", alpha)`` has the coefficients of scikit-learn's
  ``GammaRegressor`` / ``TweedieRegressor(power, link="log")`` at the same ``alpha`` (both fitted tightly),
  with and without sample weights, and the same D^2 ``score``;
- unpenalized: the coefficients of R's ``glm`` (``tests/reference/data/r_families.json``).

scikit-learn's estimator checks on these families run in ``test_sklearn_compat.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import GammaRegressor, TweedieRegressor

from glmgen.sklearn import GLMRegressor, GLMRegressorCV

DATA_DIR = Path(__file__).resolve().parent.parent / "reference" / "data"
COEF_RTOL = 1e-5


def regression_data(seed: int, kind: str, n: int = 250) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three predictors, log mean ``0.2 + 0.5 x0 - 0.4 x1``; gamma (shape 3) or compound Poisson-gamma (p = 1.5,
    phi = 1) responses; integer sample weights 1..3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    mu = np.exp(0.2 + X @ np.array([0.5, -0.4, 0.0]))
    if kind == "gamma":
        y = rng.gamma(3.0, mu / 3.0)
    else:
        jumps = rng.poisson(mu**0.5 / 0.5)
        y = np.where(jumps > 0, rng.gamma(np.maximum(jumps, 1) * 1.0, 0.5 * mu**0.5), 0.0)
    return X, y, rng.integers(1, 4, size=n).astype(float)


def pair(kind: str, alpha: float) -> tuple[GLMRegressor, BaseEstimator]:
    """glmgen's estimator and scikit-learn's, both fitted to their tightest tolerance."""
    reference_options = {"alpha": alpha, "tol": 1e-12, "max_iter": 10000, "solver": "newton-cholesky"}
    if kind == "gamma":
        return GLMRegressor(family="gamma", alpha=alpha, tol=1e-14), GammaRegressor(**reference_options)
    return (GLMRegressor(family="tweedie", var_power=1.5, alpha=alpha, tol=1e-14),
            TweedieRegressor(power=1.5, link="log", **reference_options))


@pytest.mark.parametrize("kind", ["gamma", "tweedie"])
@pytest.mark.parametrize("alpha", [0.002, 0.05])
@pytest.mark.parametrize("weighted", [False, True])
def test_coefficients_equal_sklearn(kind: str, alpha: float, weighted: bool, seed: int) -> None:
    X, y, sample_weight = regression_data(seed, kind)
    weights = sample_weight if weighted else None
    ours, theirs = pair(kind, alpha)
    ours.fit(X, y, sample_weight=weights)
    theirs.fit(X, y, sample_weight=weights)
    assert ours.link_.name == "log"
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=COEF_RTOL, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=COEF_RTOL, atol=1e-8)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=COEF_RTOL, atol=0.0)
    np.testing.assert_allclose(ours.score(X, y, sample_weight=weights), theirs.score(X, y, sample_weight=weights),
                               rtol=1e-6, atol=0.0)


def r_case(name: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / "r_families.json").read_text())["cases"][name]


@pytest.mark.parametrize(("name", "estimator"), [
    ("scotland_gamma_inverse", GLMRegressor(family="gamma", link="inverse", tol=1e-12)),
    ("tweedie_sim", GLMRegressor(family="tweedie", var_power=1.5, tol=1e-12)),
])
def test_unpenalized_coefficients_equal_r(name: str, estimator: GLMRegressor) -> None:
    """``alpha=0`` is R's ``glm`` (Gamma inverse link; ``statmod::tweedie(1.5, link.power = 0)``)."""
    case = r_case(name)
    data = pd.read_csv(DATA_DIR / case["data"])
    columns = [name for name in case["params"] if name != "Intercept"]
    estimator.fit(data[columns], data[case["formula"].split("~")[0].strip()])
    np.testing.assert_allclose(estimator.coef_, [case["params"][c] for c in columns], rtol=1e-6, atol=0.0)
    np.testing.assert_allclose(estimator.intercept_, case["params"]["Intercept"], rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("family", ["gamma", "tweedie"])
def test_regressor_cv_chooses_an_alpha_on_its_grid(family: str, seed: int) -> None:
    X, y, _ = regression_data(seed, family)
    model = GLMRegressorCV(family=family, cv=3, n_alphas=15).fit(X, y)
    assert model.alpha_ in set(model.alphas_) and np.all(np.isfinite(model.coef_))


@pytest.mark.parametrize("family", ["gamma", "inverse_gaussian"])
def test_negative_response_is_refused(family: str) -> None:
    X, y, _ = regression_data(0, "gamma")
    y[4] = -1.0
    with pytest.raises(ValueError, match="y"):
        GLMRegressor(family=family).fit(X, y)
