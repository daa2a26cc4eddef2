"""The same information criterion on the same data picks the same alpha everywhere.

- ``gg.glm_path(...)`` (``path.aic`` etc. and ``path.select``) and the scikit-learn
  estimators ``GLMRegressorCV`` / ``GLMClassifierCV(criterion=...)`` on the same rows and grid:
  the same criterion values and the same alpha, for the gaussian, poisson and binomial
  families, the lasso and the elastic net, with and without standardization, with and
  without prior weights (R's ``glm(weights=)`` convention on both sides);
- ``path.aic[i]`` is the AIC of ``path.fit_at(path.alphas[i])``;
- :mod:`glmgen.stats.criteria` against R's definitions: unpenalized fits against
  statsmodels' ``GLM`` (``aic``, ``llf``), the formulas in closed form, and the estimators'
  weighted criteria against log-likelihoods written out with ``scipy.stats``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special, stats

import glmgen as gg
from glmgen.sklearn import GLMClassifierCV, GLMRegressorCV
from glmgen.stats import aic, aicc, bic, criterion, ebic, parameter_count

N_ROWS, N_COLUMNS = 80, 6
COLUMNS = [f"x{j}" for j in range(N_COLUMNS)]
FORMULA = "y ~ " + " + ".join(COLUMNS)
CRITERIA = ("aic", "bic", "aicc", "ebic")
FAMILIES = ("gaussian", "poisson", "binomial")
N_SEEDS = 4


def _data(family: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (80 x 6, columns of unequal scale) and a response drawn from ``family`` with 3 real effects."""
    rng = np.random.default_rng(seed)
    scales = np.linspace(0.5, 2.0, N_COLUMNS)
    X = rng.normal(size=(N_ROWS, N_COLUMNS)) * scales
    eta = X @ (np.array([0.6, -0.4, 0.25, 0.0, 0.0, 0.0]) / scales)
    if family == "gaussian":
        y = 1.0 + eta + rng.normal(size=N_ROWS)
    elif family == "poisson":
        y = rng.poisson(np.exp(0.5 + eta)).astype(float)
    else:
        y = (rng.uniform(size=N_ROWS) < special.expit(eta)).astype(float)
    return X, y


def _frame(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=COLUMNS).assign(y=y)
    return frame if weights is None else frame.assign(w=weights)


def _estimator(family: str, **params: Any) -> Any:
    params = {"tol": 1e-14, **params}  # compared with paths solved as tightly
    if family == "binomial":
        return GLMClassifierCV(**params)
    return GLMRegressorCV(family=family, **params)


def _path_and_grid(family: str, frame: pd.DataFrame, l1_ratio: float, standardize: bool,
                   weights: str | None = None) -> tuple[gg.PathResult, np.ndarray]:
    """A 20-point grid from glmgen's own alpha_max down by 1e-3, and the path fitted on exactly that grid."""
    first = gg.glm_path(FORMULA, frame, family, l1_ratio=l1_ratio, standardize=standardize, weights=weights,
                        n_alphas=2, tol=1e-14)
    grid = np.geomspace(first.alphas[0], first.alphas[0] * 1e-3, 20)
    path = gg.glm_path(FORMULA, frame, family, l1_ratio=l1_ratio, standardize=standardize, weights=weights,
                       alphas=grid, tol=1e-14)
    return path, grid


# --------------------------------------------------------------------------- path vs estimators


@pytest.mark.parametrize("standardize", [True, False], ids=["standardized", "raw"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5], ids=["lasso", "enet"])
@pytest.mark.parametrize("family", FAMILIES)
def test_path_and_estimators_choose_the_same_alpha(seed: int, family: str, l1_ratio: float,
                                                   standardize: bool) -> None:
    for data_seed in range(seed, seed + N_SEEDS):
        X, y = _data(family, data_seed)
        path, grid = _path_and_grid(family, _frame(X, y), l1_ratio, standardize)
        np.testing.assert_array_equal(path.alphas, grid)
        for name in CRITERIA:
            model = _estimator(family, criterion=name, l1_ratio=l1_ratio, standardize=standardize,
                               alphas=grid).fit(X, y)
            np.testing.assert_array_equal(model.alphas_, grid)
            np.testing.assert_allclose(model.information_criterion_, getattr(path, name), rtol=1e-8)
            chosen = path.selected_index(name)
            assert model.alpha_ == grid[chosen], (data_seed, name)
            np.testing.assert_allclose(model.coef_, path.coefs.iloc[chosen, 1:].to_numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("family", FAMILIES)
def test_prior_weights_agree_between_path_and_estimators(seed: int, family: str) -> None:
    """``glm_path(weights=)`` and ``fit(sample_weight=)`` are the same prior weights (some rows weigh 0)."""
    X, y = _data(family, seed)
    weights = np.random.default_rng(seed + 100).integers(0, 4, size=N_ROWS).astype(float)
    path, grid = _path_and_grid(family, _frame(X, y, weights), 0.5, True, weights="w")
    assert path.nobs == np.count_nonzero(weights)
    for name in CRITERIA:
        model = _estimator(family, criterion=name, l1_ratio=0.5, standardize=True, alphas=grid)
        model.fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(model.information_criterion_, getattr(path, name), rtol=1e-8)
        assert model.alpha_ == grid[path.selected_index(name)]


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5], ids=["lasso", "enet"])
@pytest.mark.parametrize("family", FAMILIES)
def test_path_criteria_equal_the_criteria_of_fits_at_its_alphas(seed: int, family: str, l1_ratio: float) -> None:
    X, y = _data(family, seed)
    path, grid = _path_and_grid(family, _frame(X, y), l1_ratio, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes of refits far down the grid do not matter here
        for i in (1, 5, 10, 19):
            fit = path.fit_at(float(grid[i]))
            np.testing.assert_allclose(path.aic[i], fit.aic, rtol=1e-6)
            np.testing.assert_allclose(path.bic[i], fit.bic, rtol=1e-6)
            np.testing.assert_allclose(path.aicc[i], fit.aicc, rtol=1e-6)


# --------------------------------------------------------------------------- the formulas against R's definitions


def _statsmodels_fit(family: str, X: np.ndarray, y: np.ndarray) -> Any:
    families = {"gaussian": sm.families.Gaussian(), "poisson": sm.families.Poisson(),
                "binomial": sm.families.Binomial()}
    return sm.GLM(y, sm.add_constant(X), family=families[family]).fit(tol=1e-12)


@pytest.mark.parametrize("family", FAMILIES)
def test_unpenalized_criteria_are_r_definitions(seed: int, family: str) -> None:
    """AIC = -2 llf + 2 k and BIC = -2 llf + k log(n), k counting the gaussian dispersion (R's ``AIC``)."""
    X, y = _data(family, seed)
    reference = _statsmodels_fit(family, X, y)
    fit = gg.glm(FORMULA, _frame(X, y), family, tol=1e-12)
    k = N_COLUMNS + 1 + (family == "gaussian")
    np.testing.assert_allclose(fit.loglik, reference.llf, rtol=1e-8)
    np.testing.assert_allclose(fit.aic, -2.0 * reference.llf + 2.0 * k, rtol=1e-8)
    np.testing.assert_allclose(fit.bic, -2.0 * reference.llf + k * math.log(N_ROWS), rtol=1e-8)
    if family != "gaussian":  # statsmodels' GLM aic leaves the gaussian scale out of k; R's counts it
        np.testing.assert_allclose(fit.aic, reference.aic, rtol=1e-8)
    # the stats functions on statsmodels' own log-likelihood
    np.testing.assert_allclose(aic(reference.llf, k), -2.0 * reference.llf + 2.0 * k, rtol=1e-12)
    np.testing.assert_allclose(bic(reference.llf, k, N_ROWS), -2.0 * reference.llf + k * math.log(N_ROWS),
                               rtol=1e-12)


def test_criteria_closed_forms() -> None:
    loglik, k, n = -123.4, 5.0, 40.0
    assert parameter_count(3.0, True, True) == 5.0
    assert parameter_count(np.array([0.0, 2.5]), False, False).tolist() == [0.0, 2.5]
    assert aic(loglik, k) == pytest.approx(246.8 + 10.0, rel=1e-14)
    assert bic(loglik, k, n) == pytest.approx(246.8 + 5.0 * math.log(40.0), rel=1e-14)
    # Hurvich and Tsai (1989): AIC + 2 k (k + 1) / (n - k - 1)
    assert aicc(loglik, k, n) == pytest.approx(256.8 + 60.0 / 34.0, rel=1e-14)
    assert aicc(loglik, 39.0, n) == math.inf  # n <= k + 1
    # Chen and Chen (2008): BIC + 2 gamma log C(p, s), gamma = 0.5
    expected = 246.8 + 5.0 * math.log(40.0) + math.log(math.comb(20, 3))
    assert ebic(loglik, k, n, 20, 3) == pytest.approx(expected, rel=1e-14)
    assert ebic(loglik, k, n, 20, 3, gamma=1.0) == pytest.approx(expected + math.log(math.comb(20, 3)), rel=1e-14)
    for name, function in (("aic", aic(loglik, k)), ("bic", bic(loglik, k, n)), ("aicc", aicc(loglik, k, n)),
                           ("ebic", ebic(loglik, k, n, 20, 3))):
        assert criterion(name, loglik, k, n, n_candidates=20, n_selected=3) == function


def test_estimator_criteria_with_prior_weights_are_r_definitions(seed: int) -> None:
    """R: ``poisson()$aic`` is ``-2 sum w log dpois(y, mu)``; gaussian ``logLik`` is the normal density with
    variance ``sigma^2 / w`` at the ML ``sigma^2 = sum w (y - mu)^2 / n``, ``n`` = rows with ``w > 0``."""
    weights = np.random.default_rng(seed + 7).uniform(0.5, 2.0, size=N_ROWS)
    weights[:5] = 0.0
    used = weights > 0
    n_used = int(used.sum())
    X, y = _data("poisson", seed)
    model = GLMRegressorCV(family="poisson", criterion="bic", n_alphas=15).fit(X, y, sample_weight=weights)
    mu = np.exp(model.intercept_path_ + X @ model.coef_path_.T)
    loglik = (weights[:, None] * stats.poisson.logpmf(y[:, None], mu)).sum(axis=0)
    k = np.count_nonzero(model.coef_path_, axis=1) + 1
    np.testing.assert_allclose(model.information_criterion_, -2.0 * loglik + k * math.log(n_used), rtol=1e-9)

    X, y = _data("gaussian", seed)
    model = GLMRegressorCV(criterion="aic", n_alphas=15).fit(X, y, sample_weight=weights)
    mu = model.intercept_path_ + X @ model.coef_path_.T
    sigma2 = (weights[:, None] * (y[:, None] - mu) ** 2).sum(axis=0) / n_used
    scale = np.sqrt(sigma2[None, :] / weights[used, None])
    loglik = stats.norm.logpdf(y[used, None], mu[used], scale).sum(axis=0)
    k = np.count_nonzero(model.coef_path_, axis=1) + 2  # + intercept + dispersion
    np.testing.assert_allclose(model.information_criterion_, -2.0 * loglik + 2.0 * k, rtol=1e-9)
