"""No silent wrong answers from the solvers at the edges of floating point (glmgen issue 9, part 3).

Reference values come from numpy / statsmodels / scikit-learn, closed forms, R's documented rules and
exact arithmetic (:mod:`decimal`, 60 digits) -- never from glmgen itself, except the invariance tests,
whose docstrings say which identity they check.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, getcontext

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.model._numerics import bd0
from glmgen.errors import ConvergenceWarning, DataError, GLMGenWarning, SolverError

sm = pytest.importorskip("statsmodels.api")

getcontext().prec = 60
PI = Decimal("3.14159265358979323846264338327950288419716939937510")


def frame(X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    data = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    data["y"] = y
    return data


def formula(p: int) -> str:
    return "y ~ " + " + ".join(f"x{j}" for j in range(p))


# --------------------------------------------------------------------------- 1. rank never exceeds n
def test_p_greater_than_n_keeps_r_rank(seed: int) -> None:
    """30 rows x 60 columns: R's glm (dqrdc2, columns in order) keeps the intercept and x0..x28 (rank 30 =
    numpy's rank of [1, X]), reports NA for the rest and df.residual 0; the kept fit interpolates y."""
    rng = np.random.default_rng(seed)
    n, p = 30, 60
    X, y = rng.normal(size=(n, p)), rng.normal(size=n)
    with pytest.warns(gg.AliasedColumnsWarning):
        fit = gg.glm(formula(p), frame(X, y))
    design = np.column_stack([np.ones(n), X])
    assert np.linalg.matrix_rank(design) == 30
    finite = np.isfinite(fit.params.to_numpy())
    np.testing.assert_array_equal(finite, np.arange(p + 1) < 30)
    assert fit.df_resid == 0 and fit.df_model == 29
    expected = np.linalg.solve(design[:, :30], y)
    np.testing.assert_allclose(fit.params.to_numpy()[:30], expected, rtol=1e-6, atol=1e-9)


def test_p_greater_than_n_skips_a_dependent_column_as_r(seed: int) -> None:
    """R's pivoting moves a column equal to an earlier one to the end and goes on in order: with x5 = x2
    the kept columns are x0..x4 and x6..x29 (rank 30 again)."""
    rng = np.random.default_rng(seed)
    n, p = 30, 40
    X, y = rng.normal(size=(n, p)), rng.normal(size=n)
    X[:, 5] = X[:, 2]
    with pytest.warns(gg.AliasedColumnsWarning):
        fit = gg.glm(formula(p), frame(X, y))
    kept = np.flatnonzero(np.isfinite(fit.params.to_numpy()[1:]))
    np.testing.assert_array_equal(kept, [*range(5), *range(6, 30)])
    assert np.linalg.matrix_rank(np.column_stack([np.ones(n), X[:, kept]])) == n
    assert fit.df_resid == 0


# --------------------------------------------------------------------------- 2. extreme column scales
@pytest.mark.parametrize("family", ["gaussian", "poisson", "binomial"])
@pytest.mark.parametrize("scale", [1e160, 1e-160, 1e-200])
def test_extreme_column_scale_matches_statsmodels_unscaled(family: str, scale: float, seed: int) -> None:
    """R's QR is scale-invariant: coef(x c) = coef(x) / c. Reference: statsmodels on the unscaled data."""
    rng = np.random.default_rng(seed)
    n = 60
    X = rng.normal(size=(n, 2))
    eta = 0.3 + 0.5 * X[:, 0] - 0.4 * X[:, 1]
    y = {"gaussian": eta + rng.normal(size=n), "poisson": rng.poisson(np.exp(eta)).astype(float),
         "binomial": rng.binomial(1, 1 / (1 + np.exp(-eta))).astype(float)}[family]
    sm_family = {"gaussian": sm.families.Gaussian(), "poisson": sm.families.Poisson(),
                 "binomial": sm.families.Binomial()}[family]
    reference = sm.GLM(y, sm.add_constant(X), family=sm_family).fit(tol=1e-13)
    scaled = X.copy()
    scaled[:, 0] *= scale
    with warnings.catch_warnings():
        warnings.simplefilter("error", GLMGenWarning)
        fit = gg.glm(formula(2), frame(scaled, y), family=family)
    factor = np.array([1.0, scale, 1.0])
    np.testing.assert_allclose(fit.params.to_numpy() * factor, reference.params, rtol=1e-8)
    # (no std-error check: a variance of 1e+-320 is beyond float64, R's vcov() gives Inf / subnormals too)
    np.testing.assert_allclose(fit.deviance, reference.deviance, rtol=1e-8)


@pytest.mark.parametrize("scale", [1e160, 1e-160, 1e-200])
@pytest.mark.parametrize("family", ["gaussian", "poisson"])
def test_standardized_path_is_scale_equivariant(scale: float, family: str, seed: int) -> None:
    """With standardize=True the penalty acts on standardized coefficients, so multiplying a column by c
    leaves the alphas, deviances and criteria unchanged and divides that column's coefficients by c."""
    rng = np.random.default_rng(seed)
    n = 80
    X = rng.normal(size=(n, 3))
    eta = 0.2 + X @ np.array([0.5, -0.3, 0.0])
    y = eta + rng.normal(size=n) if family == "gaussian" else rng.poisson(np.exp(eta)).astype(float)
    plain = gg.glm_path(formula(3), frame(X, y), family=family, l1_ratio=0.5, n_alphas=20)
    scaled = X.copy()
    scaled[:, 1] *= scale
    path = gg.glm_path(formula(3), frame(scaled, y), family=family, l1_ratio=0.5, n_alphas=20)
    np.testing.assert_allclose(path.alphas, plain.alphas, rtol=1e-10)
    coefs = path.coefs.to_numpy() * np.array([1.0, 1.0, scale, 1.0])
    np.testing.assert_allclose(coefs, plain.coefs.to_numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(path.deviance, plain.deviance, rtol=1e-10)
    np.testing.assert_allclose(path.aic, plain.aic, rtol=1e-10)
    np.testing.assert_allclose(path.edf, plain.edf, rtol=1e-8, atol=1e-12)
    alpha = float(plain.alphas[8])
    np.testing.assert_allclose(path.fit_at(alpha).params.to_numpy() * np.array([1.0, 1.0, scale, 1.0]),
                               plain.fit_at(alpha).params.to_numpy(), rtol=1e-8, atol=1e-12)


# --------------------------------------------------------------------------- 3. aliasing tolerance
def _relative_residual(x: np.ndarray, earlier: np.ndarray) -> float:
    """Norm of x's part orthogonal to the columns of ``earlier``, relative to ``|x|`` (numpy lstsq)."""
    coef = np.linalg.lstsq(earlier, x, rcond=None)[0]
    return float(np.linalg.norm(x - earlier @ coef) / np.linalg.norm(x))


@pytest.mark.parametrize(("perturbation", "tol", "aliased"), [
    (1e-9, 1e-8, False),   # R's glm.fit tolerance min(1e-7, epsilon / 1000) = 1e-11 keeps it
    (1e-6, 1e-8, False),   # past the Gram screen (1e-5), decided by the QR
    (1e-13, 1e-8, True),
    (0.0, 1e-8, True),
    (1e-9, 1e-3, True),    # glm(control = glm.control(epsilon = 1e-3)): tolerance 1e-7 (lm's) drops it
])
def test_alias_tolerance_is_r_glm_fit(perturbation: float, tol: float, aliased: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 50
    x0 = rng.normal(size=n)
    base = np.column_stack([np.ones(n), x0])
    noise = rng.normal(size=n)
    noise -= base @ np.linalg.lstsq(base, noise, rcond=None)[0]
    noise *= np.linalg.norm(x0) / np.linalg.norm(noise)
    x1 = x0 + perturbation * noise
    y = 1.0 + x0 + rng.normal(size=n)
    ratio = _relative_residual(x1, base)
    assert (ratio < min(1e-7, tol / 1000)) == aliased  # R's rule decides as the case says
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GLMGenWarning)
        fit = gg.glm("y ~ x0 + x1", frame(np.column_stack([x0, x1]), y), tol=tol)
    assert np.isnan(fit.params["x1"]) == aliased
    design = np.column_stack([base, x1]) if not aliased else base
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    # the residual sum of squares is far better conditioned than the coefficients (cond ~ 1e9); keeping
    # or dropping x1 changes it by ~(noise'y)^2 / |noise|^2, about 2% here
    np.testing.assert_allclose(fit.deviance, residual @ residual, rtol=1e-7)


# --------------------------------------------------------------------------- 4. ridge at alpha >= alpha_max
def _gaussian_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3)) * np.array([1.0, 2.0, 0.5])
    return X, 1.0 + X @ np.array([0.5, -0.2, 0.3]) + rng.normal(size=60)


def _closed_form_ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """argmin |y - b0 - X b|^2 / (2n) + alpha |b|^2 / 2: b = (Xc'Xc/n + alpha I)^-1 Xc'yc/n."""
    n = X.shape[0]
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(X.shape[1]), Xc.T @ yc / n)
    return np.concatenate([[y.mean() - X.mean(axis=0) @ coef], coef])


@pytest.mark.parametrize("multiple", [1.0, 1.5, 10.0])
def test_ridge_beyond_alpha_max_is_solved(multiple: float, seed: int) -> None:
    """alpha_max is where an l1_ratio=1e-3 path starts; a pure ridge solution is never exactly 0 there."""
    X, y = _gaussian_data(seed)
    data = frame(X, y)
    path = gg.glm_path(formula(3), data, l1_ratio=0.0, standardize=False)
    alpha = multiple * float(path.alphas[0])
    expected = _closed_form_ridge(X, y, alpha)
    fit = gg.glm(formula(3), data, alpha=alpha, l1_ratio=0.0, standardize=False, tol=1e-12)
    assert fit.n_iter > 0 and np.all(fit.params.to_numpy()[1:] != 0)
    np.testing.assert_allclose(fit.params.to_numpy(), expected, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(path.fit_at(alpha).params.to_numpy(), expected, rtol=1e-7, atol=1e-12)
    user = gg.glm_path(formula(3), data, l1_ratio=0.0, standardize=False, alphas=[alpha, 2 * alpha])
    np.testing.assert_allclose(user.alphas, [2 * alpha, alpha], rtol=1e-15)
    np.testing.assert_allclose(user.coefs.to_numpy()[0], _closed_form_ridge(X, y, 2 * alpha),
                               rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(user.coefs.to_numpy()[1], expected, rtol=1e-7, atol=1e-12)


def test_near_ridge_beyond_alpha_max_matches_sklearn(seed: int) -> None:
    """l1_ratio=1e-4: the null fit is optimal only from max|gradient| / 1e-4 = 10 alpha_max on; below,
    the solution is non-zero. Reference: scikit-learn's ElasticNet (the same objective)."""
    from sklearn.linear_model import ElasticNet

    X, y = _gaussian_data(seed)
    data = frame(X, y)
    alpha_max = float(gg.glm_path(formula(3), data, l1_ratio=1e-4, standardize=False).alphas[0])
    alphas = [2.0 * alpha_max, 20.0 * alpha_max]
    path = gg.glm_path(formula(3), data, l1_ratio=1e-4, standardize=False, alphas=alphas)
    for row, alpha in zip(path.coefs.to_numpy(), path.alphas):
        model = ElasticNet(alpha=alpha, l1_ratio=1e-4, tol=1e-14, max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(row, np.concatenate([[model.intercept_], model.coef_]), rtol=1e-7, atol=1e-12)
    assert np.all(path.coefs.to_numpy()[0, 1:] == 0.0)   # 20 alpha_max: KKT holds at zero, exactly 0.0
    assert np.any(path.coefs.to_numpy()[1, 1:] != 0.0)   # 2 alpha_max: not the null fit


@pytest.mark.parametrize("family", ["poisson", "binomial"])
def test_ridge_beyond_alpha_max_matches_sklearn_glm(family: str, seed: int) -> None:
    """PoissonRegressor minimises deviance/(2n) + alpha |b|^2/2 (our objective); LogisticRegression
    minimises C sum(log-loss) + |b|^2/2, ours times 1/alpha with C = 1/(n alpha)."""
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    rng = np.random.default_rng(seed)
    n = 200
    X = rng.normal(size=(n, 3))
    eta = 0.3 + X @ np.array([0.6, -0.4, 0.2])
    y = (rng.poisson(np.exp(eta)) if family == "poisson" else rng.binomial(1, 1 / (1 + np.exp(-eta))))
    data = frame(X, y.astype(float))
    alpha = 3.0 * float(gg.glm_path(formula(3), data, family=family, l1_ratio=0.0, standardize=False).alphas[0])
    fit = gg.glm(formula(3), data, family=family, alpha=alpha, l1_ratio=0.0, standardize=False, tol=1e-16)
    if family == "poisson":
        model = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    else:
        model = LogisticRegression(C=1.0 / (n * alpha), solver="newton-cholesky", tol=1e-12,
                                   max_iter=1000).fit(X, y)
    expected = np.concatenate([np.ravel(model.intercept_), np.ravel(model.coef_)])
    np.testing.assert_allclose(fit.params.to_numpy(), expected, rtol=1e-7, atol=1e-12)


# --------------------------------------------------------------------------- 5. huge Poisson counts
def _exact_bd0(x: float, m: float) -> Decimal:
    X, M = Decimal(x), Decimal(m)
    return M if x == 0 else X * (X / M).ln() + M - X


def _exact_log_factorial(y: float) -> Decimal:
    """log(y!) by Stirling's series to y^-5 (error below 1e-40 for y >= 1e6), in 60-digit decimals."""
    Y = Decimal(y)
    return ((Y + Decimal("0.5")) * Y.ln() - Y + (2 * PI).ln() / 2
            + 1 / (12 * Y) - 1 / (360 * Y**3) + 1 / (1260 * Y**5))


@pytest.mark.parametrize(("x", "m"), [
    (1e15, 1e15 + 3e7), (1e12, 1e12 - 1e6), (3.0, 3.0000001), (7.0, 2.0), (1e15, 2e15), (0.0, 4.5), (1e-3, 1e-3 * 1.05),
])
def test_bd0_is_exact(x: float, m: float) -> None:
    """x log(x/m) + m - x, the half unit deviance, to double precision, also where the direct form cancels."""
    exact = _exact_bd0(x, m)
    assert abs(Decimal(bd0(x, m)) - exact) <= Decimal(4e-16) * abs(exact)


def test_bd0_limits() -> None:
    """At m = 0 < x the deviance is infinite (the solvers then halve the step); 0 log 0 = 0 at x = m = 0."""
    assert bd0(1.0, 0.0) == np.inf and bd0(0.0, 0.0) == 0.0


@pytest.mark.parametrize("level", [1e12, 1e15])
def test_poisson_huge_counts(level: float, seed: int) -> None:
    """Deviance and AIC against the exact values at the fitted means (60-digit arithmetic, as R's dpois
    gets them via Loader's saddle-point form); coefficients against statsmodels; converged without warnings."""
    rng = np.random.default_rng(seed)
    n = 40
    x = rng.uniform(size=n)
    mu = level * np.exp(0.2 * x)
    y = np.round(mu + np.sqrt(mu) * rng.normal(size=n))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = gg.glm("y ~ x0", frame(x[:, None], y), family="poisson")
    assert fit.converged
    reference = sm.GLM(y, sm.add_constant(x), family=sm.families.Poisson()).fit(tol=1e-13)
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params, rtol=1e-9)
    fitted = fit.fitted.to_numpy()
    deviance = 2 * sum(_exact_bd0(a, b) for a, b in zip(y, fitted))
    log_likelihood = sum(Decimal(a) * Decimal(b).ln() - Decimal(b) - _exact_log_factorial(a)
                         for a, b in zip(y, fitted))
    np.testing.assert_allclose(fit.deviance, float(deviance), rtol=1e-10)
    np.testing.assert_allclose(fit.aic, float(-2 * log_likelihood + 4), rtol=1e-12)


# --------------------------------------------------------------------------- 6. overflow
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_gaussian_response_overflow_raises_solver_error(alpha: float) -> None:
    x = np.linspace(0.0, 1.0, 20)
    data = frame(x[:, None], 1e300 * (1.0 + x))
    with pytest.raises(SolverError, match=r"(?s)1e\+300.*rescale the response, e\.g\. y / 1e\+300") as caught:
        gg.glm("y ~ x0", data, alpha=alpha)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, FloatingPointError)
    with pytest.raises(SolverError, match="rescale the response"):
        gg.glm_path("y ~ x0", data)


def test_poisson_response_near_1e300_is_fitted(seed: int) -> None:
    """Working weights w mu stay finite (mu^2 / mu does not): with the log link, counts times c give the same
    slope and the intercept plus log(c) (the score equations X'(y - mu) = 0 are homogeneous in y, mu)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=30)
    y = np.exp(1.0 + 0.5 * x) * rng.uniform(0.5, 1.5, size=30)
    reference = sm.GLM(y, sm.add_constant(x), family=sm.families.Poisson()).fit(tol=1e-13)
    fit = gg.glm("y ~ x0", frame(x[:, None], y * 1e300), family="poisson")
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params + [np.log(1e300), 0.0], rtol=1e-9)


# --------------------------------------------------------------------------- 7. degenerate responses
@pytest.mark.parametrize(("family", "value", "message"), [
    ("poisson", 0.0, r"every response value \('y'\) is 0 .*: the Poisson rate's maximum-likelihood estimate is 0"),
    ("binomial", 0.0, r"every response value \('y'\) is 0 .*: the maximum-likelihood probability is 0"),
    ("binomial", 1.0, r"every response value \('y'\) is 1 .*: the maximum-likelihood probability is 1"),
])
def test_degenerate_response_refused_at_once(family: str, value: float, message: str) -> None:
    x = np.linspace(0.0, 1.0, 25)
    data = frame(x[:, None], np.full(25, value))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=message):
            gg.glm_path("y ~ x0", data, family=family)
        with pytest.raises(DataError, match="no path exists"):
            gg.glm("y ~ x0", data, family=family, alpha=0.1)
