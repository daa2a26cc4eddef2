"""Regularization paths (``gg.glm_path``) and invariances of penalized fits.

Expected values are computed here with NumPy from the definitions in
``API.md`` (the objective, its gradient and KKT conditions, ``alpha_max``,
the closed-form ridge solution, deviances), never taken from glmgen. The
objective, for prior weights ``w`` with ``W = sum(w)``:

    deviance(b0, b) / (2 W) + alpha * sum_j f_j ( l1_ratio s_j |b_j| + (1 - l1_ratio)/2 s_j^2 b_j^2 ),

``s_j`` the weighted 1/n standard deviation of column ``j`` (``standardize=True``)
or 1.

Tolerances. Both sides of a self-comparison (``fit_at``, user grids,
invariances) go through glmgen's solver along different iterate paths, so
they must reach the same *objective value* (rtol 1e-8) and coefficients equal
to ``SELF_RTOL``/``SELF_ATOL`` (the solver stops on objective changes, so
coefficients are less determined than the objective, most in flat
directions such as ridge on duplicated columns). KKT residuals must be
<= 1e-6 times the size of the gradient at the null model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import unit_deviance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import expit, gammaln, xlogy

import glmgen as gg

COLUMNS = ["x0", "x1", "x2", "x3", "x4", "x5"]
FORMULA = "y ~ " + " + ".join(COLUMNS)
FAMILIES = ["gaussian", "binomial", "poisson"]
# glmgen against itself along different iterate paths (see the module notes)
SELF_RTOL, SELF_ATOL = 1e-5, 1e-6
OBJECTIVE_RTOL = 1e-8
KKT_TOL = 1e-6

#: reference comparisons solve to the rounding floor; at the default ``tol`` a penalized fit stops at a relative
#: objective gap of about 1e-8 (tests/solvers/test_optimality.py checks that bound)
TIGHT_TOL = 1e-14



# --------------------------------------------------------------------------- data and NumPy references
def make_data(seed: int, family: str, n: int = 100, p: int = 6) -> pd.DataFrame:
    """Columns on different scales and centres, two of them irrelevant; prior weights ``w``."""
    rng = np.random.default_rng([seed, 4242, n, p])
    scales = np.resize([1.0, 2.5, 0.4, 1.5, 1.0, 3.0], p)
    X = rng.standard_normal((n, p)) * scales + np.resize([0.0, 1.0, -1.0, 0.0, 2.0, 0.0], p)
    beta = np.resize([0.6, -0.2, 1.0, 0.0, 0.3, 0.0], p)
    eta = (X - X.mean(axis=0)) @ beta
    if family == "gaussian":
        y = 1.0 + eta + rng.standard_normal(n)
    elif family == "binomial":
        y = (rng.uniform(size=n) < expit(eta)).astype(float)
    else:
        y = rng.poisson(np.exp(0.2 + 0.5 * eta)).astype(float)
    data = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    data["y"] = y
    data["w"] = rng.uniform(0.3, 2.5, n)
    return data


def inverse_link(family: str, eta: np.ndarray) -> np.ndarray:
    return {"gaussian": lambda e: e, "binomial": expit, "poisson": np.exp}[family](eta)


def column_scales(X: np.ndarray, w: np.ndarray, standardize: bool) -> np.ndarray:
    if not standardize:
        return np.ones(X.shape[1])
    p = w / w.sum()
    return np.sqrt(p @ np.square(X - p @ X))


def smooth_gradient(family: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, intercept: float,
                    coef: np.ndarray) -> tuple[float, np.ndarray]:
    """Gradient of ``deviance / (2 W)``: ``-(1/W) sum_i w_i (y_i - mu_i) / V(mu_i) dmu/deta_i x_ij``.

    For the canonical links used here ``dmu/deta = V(mu)``, so the summand is
    ``w_i (y_i - mu_i) x_ij``. Returns (intercept component, coefficient components).
    """
    mu = inverse_link(family, intercept + X @ coef)
    score = w * (y - mu)
    return float(-score.sum() / w.sum()), -(X.T @ score) / w.sum()


def null_gradient(family: str, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gradient at the intercept-only fit (canonical link, no offset: mu = weighted mean of y)."""
    ybar = float(w @ y / w.sum())
    return -(X.T @ (w * (y - ybar))) / w.sum()


def numpy_alpha_max(family: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, l1_ratio: float,
                    standardize: bool) -> float:
    """Smallest alpha with every coefficient zero: ``max_j |g_j(null)| / (l1_ratio s_j)`` (KKT at b = 0)."""
    s = column_scales(X, w, standardize)
    return float(np.max(np.abs(null_gradient(family, X, y, w)) / (l1_ratio * s)))


def deviance(family: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, intercept: float, coef: np.ndarray) -> float:
    return float(np.sum(w * unit_deviance(family, y, inverse_link(family, intercept + X @ coef))))


def objective(family: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, intercept: float, coef: np.ndarray, *,
              alpha: float, l1_ratio: float, standardize: bool) -> float:
    """The penalized objective of API.md (penalty factors 1)."""
    s = column_scales(X, w, standardize)
    penalty = l1_ratio * np.sum(s * np.abs(coef)) + 0.5 * (1 - l1_ratio) * np.sum(s**2 * coef**2)
    return deviance(family, X, y, w, intercept, coef) / (2 * w.sum()) + alpha * float(penalty)


def arrays(data: pd.DataFrame, weighted: bool, columns: list[str] = COLUMNS) -> tuple[np.ndarray, ...]:
    w = data["w"].to_numpy() if weighted else np.ones(len(data))
    return data[columns].to_numpy(), data["y"].to_numpy(), w


def path_of(data: pd.DataFrame, family: str, **kwargs: object) -> gg.PathResult:
    return gg.glm_path(FORMULA, data, family, **{"tol": TIGHT_TOL, **kwargs})


# --------------------------------------------------------------------------- 4. KKT conditions along the path
def kkt_residuals(family: str, data: pd.DataFrame, path: gg.PathResult, *, l1_ratio: float, standardize: bool,
                  weighted: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """Per path point: the worst KKT residual of the coefficients, |g_0| of the intercept, and the scale.

    With ``l1_j = alpha l1_ratio s_j`` and ``l2_j = alpha (1 - l1_ratio) s_j^2``
    the conditions are ``g_j + l2_j b_j + l1_j sign(b_j) = 0`` where ``b_j != 0``,
    ``|g_j| <= l1_j`` where ``b_j = 0``, and ``g_0 = 0``. The scale is the size
    of the gradient at the null model (at least 1).
    """
    X, y, w = arrays(data, weighted)
    s = column_scales(X, w, standardize)
    scale = max(1.0, float(np.max(np.abs(null_gradient(family, X, y, w)))))
    worst, intercept_gradient = [], []
    for alpha, (_, row) in zip(path.alphas, path.coefs.iterrows()):
        b = row[COLUMNS].to_numpy()
        g0, g = smooth_gradient(family, X, y, w, float(row["Intercept"]), b)
        l1, l2 = alpha * l1_ratio * s, alpha * (1.0 - l1_ratio) * s**2
        residual = np.where(b != 0, np.abs(g + l2 * b + l1 * np.sign(b)), np.maximum(np.abs(g) - l1, 0.0))
        worst.append(residual.max())
        intercept_gradient.append(abs(g0))
    return np.array(worst), np.array(intercept_gradient), scale


KKT_SETTINGS = [(family, standardize, l1_ratio, weighted) for family in FAMILIES for standardize in (True, False)
                for l1_ratio in (1.0, 0.5) for weighted in (False, True)]


@pytest.mark.parametrize(("family", "standardize", "l1_ratio", "weighted"), KKT_SETTINGS)
def test_kkt_conditions_along_path(seed: int, family: str, standardize: bool, l1_ratio: float,
                                   weighted: bool) -> None:
    """At every alpha of a 40-point path the KKT conditions hold to 1e-6 times the gradient scale."""
    data = make_data(seed, family)
    path = path_of(data, family, l1_ratio=l1_ratio, standardize=standardize, n_alphas=40,
                   weights="w" if weighted else None)
    assert len(path.alphas) >= 10
    worst, intercept_gradient, scale = kkt_residuals(family, data, path, l1_ratio=l1_ratio,
                                                     standardize=standardize, weighted=weighted)
    assert np.all(worst <= KKT_TOL * scale), (worst.max(), path.alphas[np.argmax(worst)], scale)
    assert np.all(intercept_gradient <= KKT_TOL * scale), intercept_gradient.max()


# --------------------------------------------------------------------------- 5. path properties
@pytest.mark.parametrize(("family", "standardize", "l1_ratio", "weighted"), KKT_SETTINGS)
def test_path_start_and_monotone_deviance(seed: int, family: str, standardize: bool, l1_ratio: float,
                                          weighted: bool) -> None:
    """The path starts at alpha_max with all coefficients zero, alphas decrease, deviance never rises.

    ``alpha_max = max_j |g_j(null)| / (l1_ratio s_j)`` from the KKT condition at
    ``b = 0``; just below it (``alpha_max (1 - 1e-6)``) a single fit has at
    least one non-zero coefficient, just above it none. The deviance of each
    path row, the null deviance, ``dev_ratio``, ``df`` and (lasso) ``edf`` are
    checked against their definitions. Zero coefficients are exactly 0.0,
    never round-off (at ``alpha_max`` the KKT condition of the column attaining
    the maximum is tight, so a soft-threshold computed there can leave ~1e-16).
    """
    data = make_data(seed, family)
    X, y, w = arrays(data, weighted)
    weights = "w" if weighted else None
    path = path_of(data, family, l1_ratio=l1_ratio, standardize=standardize, n_alphas=30, weights=weights)
    alphas = np.asarray(path.alphas)
    assert np.all(np.diff(alphas) < 0)
    np.testing.assert_allclose(alphas[0], numpy_alpha_max(family, X, y, w, l1_ratio, standardize),
                               rtol=1e-8, atol=0)

    coefs = path.coefs[COLUMNS].to_numpy()
    intercepts = path.coefs["Intercept"].to_numpy()
    assert list(path.coefs.columns) == ["Intercept"] + COLUMNS
    assert np.all(coefs[0] == 0.0), coefs[0]
    assert path.df[0] == 0
    ybar = float(w @ y / w.sum())
    if family == "gaussian":
        null_intercept = ybar
    else:
        null_intercept = math.log(ybar / (1 - ybar)) if family == "binomial" else math.log(ybar)
    np.testing.assert_allclose(intercepts[0], null_intercept, rtol=1e-8, atol=1e-10)

    below = gg.glm(FORMULA, data, family, alpha=alphas[0] * (1 - 1e-6), l1_ratio=l1_ratio,
                   standardize=standardize, weights=weights, tol=TIGHT_TOL)
    assert np.count_nonzero(below.params[COLUMNS].to_numpy()) >= 1
    above = gg.glm(FORMULA, data, family, alpha=alphas[0] * (1 + 1e-6), l1_ratio=l1_ratio,
                   standardize=standardize, weights=weights, tol=TIGHT_TOL)
    assert np.all(above.params[COLUMNS].to_numpy() == 0.0)

    expected_deviance = np.array([deviance(family, X, y, w, b0, b) for b0, b in zip(intercepts, coefs)])
    null_deviance = deviance(family, X, y, w, null_intercept, np.zeros(len(COLUMNS)))
    np.testing.assert_allclose(path.deviance, expected_deviance, rtol=1e-9, atol=0)
    np.testing.assert_allclose(path.null_deviance, null_deviance, rtol=1e-9, atol=0)
    np.testing.assert_allclose(path.dev_ratio, 1 - expected_deviance / null_deviance, rtol=1e-8, atol=1e-12)
    assert np.all(np.diff(expected_deviance) <= 1e-9 * expected_deviance[:-1])

    np.testing.assert_array_equal(path.df, np.count_nonzero(coefs, axis=1))
    if l1_ratio == 1.0:
        np.testing.assert_array_equal(path.edf, path.df)
    # zero coefficients are exactly 0.0, never round-off; past the first row some are zero, some not
    assert np.all((coefs == 0.0) | (np.abs(coefs) > 1e-12))
    assert np.any(coefs[1:] == 0.0)
    assert np.any(coefs[1:] != 0.0)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_path_information_criteria(seed: int, family: str) -> None:
    """AIC/BIC/AICc per alpha from R's definitions with k = df + 1 (lasso, no dispersion), loglik by NumPy."""
    data = make_data(seed, family)
    X, y, w = arrays(data, False)
    path = path_of(data, family, n_alphas=20)
    coefs = path.coefs[COLUMNS].to_numpy()
    intercepts = path.coefs["Intercept"].to_numpy()
    loglik = []
    for b0, b in zip(intercepts, coefs):
        mu = inverse_link(family, b0 + X @ b)
        if family == "binomial":
            loglik.append(float(np.sum(xlogy(y, mu) + xlogy(1 - y, 1 - mu))))
        else:
            loglik.append(float(np.sum(xlogy(y, mu) - mu - gammaln(y + 1))))
    loglik = np.array(loglik)
    k = np.count_nonzero(coefs, axis=1) + 1.0
    n = len(y)
    np.testing.assert_allclose(path.aic, -2 * loglik + 2 * k, rtol=1e-9, atol=0)
    np.testing.assert_allclose(path.bic, -2 * loglik + k * math.log(n), rtol=1e-9, atol=0)
    np.testing.assert_allclose(path.aicc, -2 * loglik + 2 * k + 2 * k * (k + 1) / (n - k - 1), rtol=1e-9, atol=0)
    frame = path.to_frame()
    assert len(frame) == len(path.alphas)
    np.testing.assert_allclose(frame["aic"], path.aic, rtol=0, atol=0)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("standardize", [False, True])
def test_ridge_path_is_closed_form(seed: int, standardize: bool, weighted: bool) -> None:
    """Gaussian ridge (l1_ratio=0) solves ``(Xc' W Xc / W + alpha diag(s^2)) b = Xc' W (y - ybar) / W``.

    ``Xc`` is X centred at its weighted means and ``b0 = ybar - xbar' b``;
    with ``standardize=False``, ``s = 1`` (the textbook form).
    """
    data = make_data(seed, "gaussian")
    X, y, w = arrays(data, weighted)
    grid = [2.0, 0.5, 0.1, 0.01, 0.001]
    path = path_of(data, "gaussian", l1_ratio=0.0, alphas=grid, standardize=standardize,
                   weights="w" if weighted else None)
    np.testing.assert_array_equal(path.alphas, grid)
    p = w / w.sum()
    xbar, ybar = p @ X, float(p @ y)
    Xc = X - xbar
    gram = Xc.T @ (Xc * p[:, None])
    rhs = Xc.T @ (p * (y - ybar))
    s2 = np.square(column_scales(X, w, standardize))
    for alpha, (_, row) in zip(grid, path.coefs.iterrows()):
        b = np.linalg.solve(gram + alpha * np.diag(s2), rhs)
        np.testing.assert_allclose(row[COLUMNS].to_numpy(), b, rtol=SELF_RTOL, atol=1e-6)
        np.testing.assert_allclose(row["Intercept"], ybar - xbar @ b, rtol=SELF_RTOL, atol=1e-6)
        fit = gg.glm(FORMULA, data, "gaussian", alpha=alpha, l1_ratio=0.0, standardize=standardize,
                     weights="w" if weighted else None, tol=TIGHT_TOL)
        np.testing.assert_allclose(fit.params[COLUMNS].to_numpy(), b, rtol=SELF_RTOL, atol=1e-6)


def assert_same_solution(family: str, data: pd.DataFrame, ours: pd.Series, other: pd.Series, *, alpha: float,
                         l1_ratio: float, standardize: bool, weighted: bool, columns: list[str] = COLUMNS) -> None:
    """Two glmgen solutions of one problem: equal objective values (rtol 1e-8), coefficients
    (``SELF_RTOL``/``SELF_ATOL``) and the same exact zeros."""
    assert list(ours.index) == list(other.index)
    np.testing.assert_allclose(ours.to_numpy(), other.to_numpy(), rtol=SELF_RTOL, atol=SELF_ATOL)
    # zeros of the penalized coefficients (an unpenalized intercept may be round-off from 0)
    np.testing.assert_array_equal(ours[columns].to_numpy() == 0.0, other[columns].to_numpy() == 0.0)
    X, y, w = arrays(data, weighted, columns)
    values = [objective(family, X, y, w, float(b["Intercept"]), b[columns].to_numpy(), alpha=alpha,
                        l1_ratio=l1_ratio, standardize=standardize) for b in (ours, other)]
    np.testing.assert_allclose(values[0], values[1], rtol=OBJECTIVE_RTOL, atol=0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("family", FAMILIES)
def test_fit_at(seed: int, family: str, l1_ratio: float) -> None:
    """``fit_at`` at a grid alpha reproduces the path row; off the grid it equals ``gg.glm`` at that alpha."""
    data = make_data(seed, family)
    path = path_of(data, family, l1_ratio=l1_ratio, n_alphas=20, weights="w")
    options = dict(l1_ratio=l1_ratio, standardize=True, weighted=True)
    for index in (0, 5, len(path.alphas) - 1):
        alpha = float(path.alphas[index])
        at = path.fit_at(alpha)
        np.testing.assert_allclose(at.params.to_numpy(), path.coefs.iloc[index].to_numpy(), rtol=1e-6, atol=1e-6)
        assert_same_solution(family, data, at.params, path.coefs.iloc[index], alpha=alpha, **options)
    for alpha in (float(np.sqrt(path.alphas[3] * path.alphas[4])), float(path.alphas[-1]) * 0.7):
        single = gg.glm(FORMULA, data, family, alpha=alpha, l1_ratio=l1_ratio, weights="w", tol=TIGHT_TOL)
        assert_same_solution(family, data, path.fit_at(alpha).params, single.params, alpha=alpha, **options)


@pytest.mark.parametrize(("n", "p", "ratio"), [(100, 6, 1e-4), (12, 15, 1e-2), (10, 10, 1e-2)])
def test_default_alpha_min_ratio(n: int, p: int, ratio: float) -> None:
    """Default ``alpha_min_ratio``: 1e-4 when n > p, else 1e-2 (API.md).

    With ``n_alphas=4`` the dev-ratio changes between grid points are large,
    so early stopping cannot end the grid before its last point. (glmnet uses
    1e-2 only when n < p; API.md's "else" also covers n == p.)
    """
    data = make_data(0, "gaussian", n=n, p=p)
    data["y"] = data["y"] + np.random.default_rng(1).standard_normal(n) * 3.0  # noisy: no near-perfect fit
    formula = "y ~ " + " + ".join(f"x{j}" for j in range(p))
    path = gg.glm_path(formula, data, "gaussian", n_alphas=4, tol=TIGHT_TOL)
    assert len(path.alphas) == 4
    np.testing.assert_allclose(path.alphas[-1] / path.alphas[0], ratio, rtol=1e-10)
    np.testing.assert_allclose(path.alphas, path.alphas[0] * np.geomspace(1, ratio, 4), rtol=1e-10)


@pytest.mark.parametrize("family", FAMILIES)
def test_user_grid_fitted_in_full_and_decreasing(family: str) -> None:
    """A user grid is sorted decreasing and every alpha is fitted, including ones past alpha_max and
    tiny ones where a computed grid would stop early; each row equals a single fit at that alpha."""
    data = make_data(0, family)
    X, y, w = arrays(data, False)
    alpha_max = numpy_alpha_max(family, X, y, w, 1.0, True)
    grid = np.array([1e-6, 0.3, 2.0, 1e-5, 0.05]) * alpha_max
    path = path_of(data, family, alphas=grid)
    np.testing.assert_array_equal(path.alphas, np.sort(grid)[::-1])
    np.testing.assert_array_equal(path.coefs.index.to_numpy(), np.sort(grid)[::-1])
    assert np.all(path.coefs.iloc[0][COLUMNS].to_numpy() == 0.0)
    for alpha, (_, row) in zip(path.alphas, path.coefs.iterrows()):
        single = gg.glm(FORMULA, data, family, alpha=float(alpha), l1_ratio=1.0, tol=TIGHT_TOL)
        assert_same_solution(family, data, row, single.params, alpha=float(alpha), l1_ratio=1.0, standardize=True,
                             weighted=False)


def test_penalty_factor_by_term_name(seed: int) -> None:
    """``penalty_factor={"C(g)": 0}`` leaves every column of the factor unpenalized.

    It equals naming each column; at the start of the path only the C(g)
    columns are non-zero and equal the unpenalized least-squares fit of
    ``y ~ C(g)``: intercept = mean of level a, column k = mean of level k
    minus mean of level a.
    """
    data = make_data(seed, "gaussian")
    rng = np.random.default_rng([seed, 5])
    data["g"] = np.array(["a", "b", "c", "d"])[rng.permutation(np.arange(len(data)) % 4)]
    data["y"] = data["y"] + data["g"].map({"a": 0.0, "b": 1.0, "c": -0.5, "d": 0.25})
    formula = FORMULA + " + C(g)"
    level_columns = ["C(g)[T.b]", "C(g)[T.c]", "C(g)[T.d]"]
    by_term = gg.glm_path(formula, data, "gaussian", n_alphas=15, penalty_factor={"C(g)": 0.0, "x1": 2.0}, tol=TIGHT_TOL)
    by_column = gg.glm_path(formula, data, "gaussian", n_alphas=15,
                            penalty_factor={**{c: 0.0 for c in level_columns}, "x1": 2.0}, tol=TIGHT_TOL)
    assert sorted(by_term.coefs.columns) == sorted(["Intercept"] + COLUMNS + level_columns)
    np.testing.assert_allclose(by_term.alphas, by_column.alphas, rtol=1e-12)
    np.testing.assert_allclose(by_term.coefs.to_numpy(), by_column.coefs[by_term.coefs.columns].to_numpy(),
                               rtol=1e-10, atol=1e-12)
    first = by_term.coefs.iloc[0]
    means = data.groupby("g")["y"].mean()
    assert np.all(first[COLUMNS].to_numpy() == 0.0)
    np.testing.assert_allclose(first["Intercept"], means["a"], rtol=1e-9)
    np.testing.assert_allclose(first[level_columns].to_numpy(), (means - means["a"])[["b", "c", "d"]].to_numpy(),
                               rtol=1e-8, atol=1e-10)
    assert np.all(by_term.coefs[level_columns].to_numpy() != 0.0)
    # the unpenalized x1-free start: alpha_max comes from the other columns, x1's factor 2 included
    X = data[COLUMNS].to_numpy()
    resid = data["y"].to_numpy() - (first["Intercept"] + data["g"].map(
        {"a": 0.0, "b": first["C(g)[T.b]"], "c": first["C(g)[T.c]"], "d": first["C(g)[T.d]"]}).to_numpy())
    gradient = -(X - X.mean(axis=0)).T @ resid / len(resid)
    factors = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(by_term.alphas[0], np.max(np.abs(gradient) / (factors * X.std(axis=0))), rtol=1e-8)


@pytest.mark.parametrize("entry", ["nope", "C(h)", "x9"])
def test_penalty_factor_unknown_name(entry: str) -> None:
    """An unknown column / term in ``penalty_factor`` raises ValueError naming it (path and single fit)."""
    data = make_data(0, "gaussian")
    pattern = entry.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=pattern):
        gg.glm_path(FORMULA, data, "gaussian", penalty_factor={entry: 0.0}, tol=TIGHT_TOL)
    with pytest.raises(ValueError, match=pattern):
        gg.glm(FORMULA, data, "gaussian", alpha=0.1, l1_ratio=1.0, penalty_factor={entry: 0.0}, tol=TIGHT_TOL)


# --------------------------------------------------------------------------- 6. invariances (hypothesis)
property_settings = settings(max_examples=20, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow])
SMALL = ["x0", "x1", "x2", "x3"]


def small_data(seed: int, family: str, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 99])
    X = rng.standard_normal((n, 4)) * np.array([1.0, 2.0, 0.5, 1.0])
    eta = X @ np.array([0.5, -0.25, 0.8, 0.0])
    if family == "gaussian":
        y = eta + rng.standard_normal(n)
    elif family == "binomial":
        y = (rng.uniform(size=n) < expit(eta)).astype(float)
    else:
        y = rng.poisson(np.exp(0.2 + 0.5 * eta)).astype(float)
    data = pd.DataFrame(X, columns=SMALL)
    data["y"] = y
    data["w"] = rng.uniform(0.5, 2.0, n)
    return data


penalized_case = dict(
    seed=st.integers(0, 2**16),
    family=st.sampled_from(FAMILIES),
    l1_ratio=st.sampled_from([1.0, 0.5, 0.0]),
    alpha=st.floats(0.005, 0.2),
    standardize=st.booleans(),
)
SMALL_FORMULA = "y ~ " + " + ".join(SMALL)


@property_settings
@given(order=st.permutations(SMALL), **penalized_case)
def test_permuting_columns_permutes_solution(order: list[str], seed: int, family: str, l1_ratio: float,
                                             alpha: float, standardize: bool) -> None:
    """The objective is a sum over columns, so reordering the formula's terms reorders the solution."""
    data = small_data(seed, family)
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, standardize=standardize, weights="w")
    base = gg.glm(SMALL_FORMULA, data, family, tol=TIGHT_TOL, **kwargs)
    permuted = gg.glm("y ~ " + " + ".join(order), data, family, tol=TIGHT_TOL, **kwargs)
    assert list(permuted.params.index) == ["Intercept"] + list(order)
    assert_same_solution(family, data, permuted.params[base.params.index], base.params, alpha=alpha,
                         l1_ratio=l1_ratio, standardize=standardize, weighted=True, columns=SMALL)


@property_settings
@given(**penalized_case)
def test_duplicated_rows_equal_freq_weights_two(seed: int, family: str, l1_ratio: float, alpha: float,
                                                standardize: bool) -> None:
    """Every row twice ≡ ``freq_weights=2``: the same deviance sum, W and weighted moments (hence s_j)."""
    data = small_data(seed, family)
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, standardize=standardize)
    doubled = gg.glm(SMALL_FORMULA, pd.concat([data, data], ignore_index=True), family, tol=TIGHT_TOL, **kwargs)
    data["fw"] = 2.0
    counted = gg.glm(SMALL_FORMULA, data, family, freq_weights="fw", tol=TIGHT_TOL, **kwargs)
    assert_same_solution(family, data, counted.params, doubled.params, alpha=alpha, l1_ratio=l1_ratio,
                         standardize=standardize, weighted=False, columns=SMALL)


@property_settings
@given(scale=st.floats(1e-3, 1e3), **penalized_case)
def test_scaling_prior_weights_leaves_fit_unchanged(scale: float, seed: int, family: str, l1_ratio: float,
                                                    alpha: float, standardize: bool) -> None:
    """Weights enter as ``w / sum(w)`` (deviance / (2W), weighted s_j), so ``c w`` gives the same fit."""
    data = small_data(seed, family)
    data["cw"] = data["w"] * scale
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, standardize=standardize)
    base = gg.glm(SMALL_FORMULA, data, family, weights="w", **kwargs)
    scaled = gg.glm(SMALL_FORMULA, data, family, weights="cw", **kwargs)
    assert_same_solution(family, data, scaled.params, base.params, alpha=alpha, l1_ratio=l1_ratio,
                         standardize=standardize, weighted=True, columns=SMALL)


@property_settings
@given(seed=st.integers(0, 2**16), family=st.sampled_from(FAMILIES), alpha=st.floats(0.01, 0.5),
       standardize=st.booleans())
def test_ridge_on_duplicated_columns(seed: int, family: str, alpha: float, standardize: bool) -> None:
    """Ridge on ``[X, X]`` with ``alpha`` ≡ ridge on ``X`` with ``alpha / 2``, each copy half the coefficient.

    For copies ``c1, c2`` the data term depends on ``b = c1 + c2`` only, and
    ``min |c1|^2 + |c2|^2`` subject to ``c1 + c2 = b`` is ``|b|^2 / 2`` at
    ``c1 = c2 = b/2``; so the ``[X, X]`` objective at its optimum is
    ``L(b) + (alpha/2)/2 |b|^2``, the same value as ridge on ``X`` with
    ``alpha / 2`` at its optimum. Copies have equal ``s_j``, so this holds
    with standardization too. (Checked numerically with the closed-form
    gaussian ridge before writing this test.)

    The objective values must agree to rtol 1e-8. The direction ``c1 - c2`` has
    curvature only ``alpha s_j^2 / 2``, so an objective within ``eps`` of the
    optimum pins it only to ``sqrt(4 eps / (alpha s_j^2))``: each copy is
    checked against ``b/2`` with that bound for ``eps = 1e-8 * objective``,
    and ``c1 + c2`` against ``b`` at rtol/atol 1e-5.
    """
    data = small_data(seed, family)
    copies = [f"{c}_copy" for c in SMALL]
    for c, d in zip(SMALL, copies):
        data[d] = data[c]
    single = gg.glm(SMALL_FORMULA, data, family, alpha=alpha / 2, l1_ratio=0.0, standardize=standardize, tol=TIGHT_TOL)
    doubled = gg.glm("y ~ " + " + ".join(SMALL + copies), data, family, alpha=alpha, l1_ratio=0.0,
                     standardize=standardize, tol=TIGHT_TOL)
    X, y, w = arrays(data, False, SMALL)
    X2 = data[SMALL + copies].to_numpy()
    value_single = objective(family, X, y, w, float(single.params["Intercept"]), single.params[SMALL].to_numpy(),
                             alpha=alpha / 2, l1_ratio=0.0, standardize=standardize)
    value_doubled = objective(family, X2, y, w, float(doubled.params["Intercept"]),
                              doubled.params[SMALL + copies].to_numpy(), alpha=alpha, l1_ratio=0.0,
                              standardize=standardize)
    np.testing.assert_allclose(value_doubled, value_single, rtol=OBJECTIVE_RTOL, atol=0)

    b = single.params[SMALL].to_numpy()
    c1, c2 = doubled.params[SMALL].to_numpy(), doubled.params[copies].to_numpy()
    np.testing.assert_allclose(c1 + c2, b, rtol=1e-5, atol=1e-5)
    s = column_scales(X, w, standardize)
    flat = np.sqrt(4 * OBJECTIVE_RTOL * value_single / (alpha * s**2))
    np.testing.assert_array_less(np.abs(c1 - b / 2), flat)
    np.testing.assert_array_less(np.abs(c2 - b / 2), flat)
    np.testing.assert_allclose(doubled.params["Intercept"], single.params["Intercept"], rtol=1e-5, atol=1e-5)
