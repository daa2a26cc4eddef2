"""The issue-13 families compared with R (unpenalized fits), scikit-learn and glum (penalized fits and paths).

Where the expected numbers come from
------------------------------------
Unpenalized: ``tests/reference/data/r_families.json``, written by ``tests/reference/r/families.R`` (R 4.2.2, MASS 7.3-58.2,
statmod 1.5.0, ``glm.control(epsilon = 1e-14, maxit = 100)``) on the CSVs next to it; README.md there, section
"Families (issue 13)", records the provenance of each data set. Per case: R's ``coef``, the standard errors of
``summary()`` (the dispersion estimated as Pearson chi2 / df.residual for Gamma, inverse Gaussian, quasi and
Tweedie; 1 for the negative binomial, as ``summary.negbin``), ``deviance``, ``null.deviance``, ``df.residual``,
``logLik``, ``AIC``, ``BIC`` (NA in R, NaN here, for the quasi families and the Tweedie with p = 1.5, whose
density has no closed form: ``statmod::tweedie()$aic`` is NA), and for ``MASS::glm.nb`` ``theta`` and
``SE.theta``. R's ``AIC`` counts the dispersion of Gamma and inverse Gaussian and an estimated theta.

Penalized: the objective ``mean d(y, mu) / 2 + penalty`` (unit deviances written here from their textbook
definitions) at scikit-learn's ``GammaRegressor`` / ``TweedieRegressor`` and glum's solutions, fitted tightly;
the lasso's optimality (KKT) conditions from the gradient written here.

Tolerances (issue 13): params 1e-6 relative, standard errors 1e-4, theta 1e-3, the scalar statistics 1e-6,
penalized objectives 1e-7.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import glmgen as gg

DATA_DIR = Path(__file__).resolve().parent.parent / "reference" / "data"
PARAMS_RTOL = 1e-6
BSE_RTOL = 1e-4
THETA_RTOL = 1e-3
STAT_RTOL = 1e-6
#: the solver tolerance of these comparisons (R ran with epsilon = 1e-14)
FIT_TOL = 1e-12
SCALARS = ("deviance", "null_deviance", "df_resid", "scale", "pearson_chi2", "loglik", "aic", "bic", "nobs")


@cache
def reference() -> dict[str, Any]:
    return json.loads((DATA_DIR / "r_families.json").read_text())


CASES = sorted(reference()["cases"])


def family_argument(case: dict[str, Any]) -> Any:
    """The ``family=`` of ``gg.glm`` for a case: a name, or a factory's family object."""
    if case["family"] == "tweedie":
        return gg.tweedie(case["var_power"], link=case["link"])
    if case["family"] == "negative_binomial":
        return gg.negative_binomial(theta=case.get("theta"))  # None: estimated, as MASS::glm.nb
    return case["family"]


@cache
def fitted(name: str) -> Any:
    case = reference()["cases"][name]
    data = pd.read_csv(DATA_DIR / case["data"])
    link = None if case["family"] in ("tweedie", "negative_binomial") else case.get("link")
    return gg.glm(case["formula"], data, family_argument(case), link=link, weights=case.get("weights"),
                  tol=FIT_TOL)


def expected(value: float | None) -> float:
    """R's NA is stored as null: NaN here."""
    return math.nan if value is None else float(value)


def mismatches(got: Any, want: Any, rtol: float, label: str) -> list[str]:
    """``label: expected .., got ..`` for each element of ``got`` outside ``rtol`` of ``want`` (NaN equals NaN)."""
    got_array = np.atleast_1d(np.asarray(got, dtype=float))
    want_array = np.atleast_1d(np.asarray(want, dtype=float))
    close = np.isclose(got_array, want_array, rtol=rtol, atol=0.0, equal_nan=True)
    return [f"{label}: expected {float(w)!r}, got {float(g)!r}" for g, w, ok in zip(got_array, want_array, close)
            if not ok]


def labelled_mismatches(got: pd.Series, want: dict[str, float], rtol: float, label: str) -> list[str]:
    if set(got.index) != set(want):
        return [f"{label}: expected names {sorted(want)}, got {sorted(got.index)}"]
    return [line for name, value in want.items()
            for line in mismatches(got[name], value, rtol, f"{label}[{name}]")]


def describe(name: str) -> str:
    case = reference()["cases"][name]
    return f"{name} (family={case['family']!r}, link={case.get('link', 'default')!r}; R: {case['r_call']})"


@pytest.mark.parametrize("name", CASES)
def test_coefficients_match_r(name: str) -> None:
    """Coefficients to 1e-6 and standard errors to 1e-4 relative of R's."""
    case = reference()["cases"][name]
    fit = fitted(name)
    problems = (labelled_mismatches(fit.params, case["params"], PARAMS_RTOL, "params")
                + labelled_mismatches(fit.bse, case["bse"], BSE_RTOL, "bse"))
    assert not problems, describe(name) + "\n" + "\n".join(problems)


@pytest.mark.parametrize("name", CASES)
def test_statistics_match_r(name: str) -> None:
    """Deviance, null deviance, df, dispersion, Pearson chi2, logLik, AIC, BIC and nobs as R's (NaN where R
    gives NA)."""
    case = reference()["cases"][name]
    fit = fitted(name)
    problems = [line for key in SCALARS
                for line in mismatches(getattr(fit, key), expected(case[key]), STAT_RTOL, key)]
    assert not problems, describe(name) + "\n" + "\n".join(problems)


def test_negative_binomial_theta_matches_glm_nb() -> None:
    """``MASS::glm.nb``'s theta and SE.theta on quine (to 1e-3), theta counted by AIC as R's ``AIC(nb)``."""
    case = reference()["cases"]["quine_negative_binomial"]
    fit = fitted("quine_negative_binomial")
    problems = (mismatches(fit.theta, case["estimated_theta"], THETA_RTOL, "theta")
                + mismatches(fit.theta_se, case["estimated_theta_se"], THETA_RTOL, "theta_se")
                + mismatches(2.0 * fit.loglik, case["twologlik"], STAT_RTOL, "2 loglik (glm.nb's twologlik)"))
    assert not problems, describe("quine_negative_binomial") + "\n" + "\n".join(problems)
    # AIC = -2 logLik + 2 (rank + 1): R's logLik.negbin counts theta
    assert fit.aic == pytest.approx(-2.0 * fit.loglik + 2.0 * (len(fit.params) + 1), rel=1e-12)


def test_fixed_theta_is_not_counted() -> None:
    """With theta given (R's ``negative.binomial(2)``), AIC counts the coefficients only."""
    fit = fitted("quine_negative_binomial_theta2")
    assert fit.family.theta == 2.0
    assert fit.aic == pytest.approx(-2.0 * fit.loglik + 2.0 * len(fit.params), rel=1e-12)


def test_quasipoisson_is_poisson_with_scaled_errors() -> None:
    """quasi-Poisson: Poisson's coefficients and deviance, standard errors times sqrt(Pearson chi2 / df)."""
    fit_quasi, fit_classic = fitted("quine_quasipoisson"), fitted("quine_poisson")
    np.testing.assert_allclose(fit_quasi.params, fit_classic.params, rtol=1e-10, atol=0.0)
    np.testing.assert_allclose(fit_quasi.deviance, fit_classic.deviance, rtol=1e-10, atol=0.0)
    dispersion = fit_classic.pearson_chi2 / fit_classic.df_resid
    np.testing.assert_allclose(fit_quasi.bse, fit_classic.bse * math.sqrt(dispersion), rtol=1e-8, atol=0.0)
    assert math.isnan(fit_quasi.aic) and math.isnan(fit_quasi.loglik)


def test_quasibinomial_equals_binomial_coefficients() -> None:
    """quasi-binomial on star98 counts: binomial's coefficients (fitted here), R's dispersion scaling."""
    case = reference()["cases"]["star98_quasibinomial"]
    data = pd.read_csv(DATA_DIR / case["data"])
    binomial = gg.glm(case["formula"], data, "binomial", tol=FIT_TOL)
    quasi = fitted("star98_quasibinomial")
    np.testing.assert_allclose(quasi.params, binomial.params, rtol=1e-10, atol=0.0)
    np.testing.assert_allclose(quasi.bse, binomial.bse * math.sqrt(case["scale"]), rtol=BSE_RTOL, atol=0.0)


# ------------------------------------------------------------------ penalized fits vs scikit-learn and glum
def gamma_unit_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``2 (y/mu - 1 - log(y/mu))`` (McCullagh and Nelder, table 2.1)."""
    return 2.0 * (y / mu - 1.0 - np.log(y / mu))


def tweedie_unit_deviance(y: np.ndarray, mu: np.ndarray, p: float) -> np.ndarray:
    """``2 (y^(2-p)/((1-p)(2-p)) - y mu^(1-p)/(1-p) + mu^(2-p)/(2-p))`` for p outside {1, 2} (Jorgensen 1997)."""
    return 2.0 * (np.power(y, 2.0 - p) / ((1.0 - p) * (2.0 - p)) - y * np.power(mu, 1.0 - p) / (1.0 - p)
                  + np.power(mu, 2.0 - p) / (2.0 - p))


def penalized_frame(seed: int, kind: str, n: int = 300) -> pd.DataFrame:
    """Four predictors, log mean ``0.3 + 0.4 x0 - 0.3 x1 + 0.2 x2``: gamma responses (shape 2), or compound
    Poisson-gamma ones (p = 1.5, phi = 1: Poisson(lambda) gamma jumps, about 30% exact zeros)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    mu = np.exp(0.3 + X @ np.array([0.4, -0.3, 0.2, 0.0]))
    if kind == "gamma":
        y = rng.gamma(2.0, mu / 2.0)
    else:
        p, phi = 1.5, 1.0
        jumps = rng.poisson(mu ** (2 - p) / (phi * (2 - p)))
        y = np.where(jumps > 0, rng.gamma(np.maximum(jumps, 1) * (2 - p) / (p - 1), phi * (p - 1) * mu ** (p - 1)), 0.0)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(4)])
    frame["y"] = y
    return frame


FORMULA = "y ~ x0 + x1 + x2 + x3"
FAMILIES = {"gamma": ("gamma", lambda y, mu: gamma_unit_deviance(y, mu)),
            "tweedie": (gg.tweedie(1.5), lambda y, mu: tweedie_unit_deviance(y, mu, 1.5))}


def sklearn_objective(kind: str, frame: pd.DataFrame, intercept: float, coef: np.ndarray, alpha: float,
                      l1_ratio: float = 0.0) -> float:
    """``mean d(y, mu) / 2 + alpha (l1_ratio |b|_1 + (1 - l1_ratio) |b|^2 / 2)``, log link (scikit-learn's and
    glum's objective without weights)."""
    X = frame[[f"x{j}" for j in range(4)]].to_numpy()
    mu = np.exp(intercept + X @ coef)
    deviance = FAMILIES[kind][1](frame["y"].to_numpy(), mu)
    return float(deviance.mean() / 2.0 + alpha * (l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) * coef @ coef / 2))


def sklearn_regressor(kind: str, alpha: float) -> Any:
    linear_model = pytest.importorskip("sklearn.linear_model")
    options = {"alpha": alpha, "tol": 1e-12, "max_iter": 10000, "solver": "newton-cholesky"}
    if kind == "gamma":
        return linear_model.GammaRegressor(**options)
    return linear_model.TweedieRegressor(power=1.5, link="log", **options)


@pytest.mark.parametrize("kind", ["gamma", "tweedie"])
@pytest.mark.parametrize("alpha", [0.003, 0.05])
def test_ridge_reaches_sklearn_objective(kind: str, alpha: float, seed: int) -> None:
    """``gg.glm(..., alpha, l1_ratio=0, standardize=False)`` with the log link reaches the objective of
    ``GammaRegressor`` / ``TweedieRegressor(power=1.5)`` fitted tightly, to 1e-7 relative."""
    frame = penalized_frame(seed, kind)
    fit = gg.glm(FORMULA, frame, FAMILIES[kind][0], link="log", alpha=alpha, l1_ratio=0.0, standardize=False,
                 tol=1e-12)
    reference = sklearn_regressor(kind, alpha).fit(frame[[f"x{j}" for j in range(4)]].to_numpy(), frame["y"])
    ours = sklearn_objective(kind, frame, fit.params["Intercept"], fit.params.drop("Intercept").to_numpy(), alpha)
    theirs = sklearn_objective(kind, frame, reference.intercept_, reference.coef_, alpha)
    assert ours == pytest.approx(theirs, rel=1e-7), (ours, theirs)


def lasso_gradient(frame: pd.DataFrame, intercept: float, coef: np.ndarray, power: float) -> np.ndarray:
    """Gradient of ``mean d(y, mu) / 2`` in (intercept, coef) for the log link and ``V(mu) = mu^p``:
    ``X1' ((mu - y) mu^(1-p)) / n``."""
    X = frame[[f"x{j}" for j in range(4)]].to_numpy()
    mu = np.exp(intercept + X @ coef)
    y = frame["y"].to_numpy()
    X1 = np.column_stack([np.ones(len(y)), X])
    return np.asarray(X1.T @ ((mu - y) * mu ** (1.0 - power)) / len(y))


#: KKT slack: the solver stops at a relative objective gap ``tol``, so gradients are off by about
#: ``sqrt(2 tol objective curvature)``: 1e-7 here (objective ~0.3, curvature ~1 for these standard normal columns).
KKT_ATOL = 1e-6


@pytest.mark.parametrize("kind", ["gamma", "tweedie"])
def test_lasso_path_satisfies_kkt(kind: str, seed: int) -> None:
    """At every alpha of a gamma / Tweedie lasso path: zero intercept gradient, ``g_j = -alpha sign(b_j)`` for
    non-zero coefficients and ``|g_j| <= alpha`` for zero ones (to ``KKT_ATOL``)."""
    frame = penalized_frame(seed, kind)
    power = 2.0 if kind == "gamma" else 1.5
    path = gg.glm_path(FORMULA, frame, FAMILIES[kind][0], link="log", l1_ratio=1.0, standardize=False,
                       n_alphas=15, tol=1e-14)
    assert len(path.alphas) >= 5
    for alpha, (_, row) in zip(path.alphas, path.coefs.iterrows()):
        coef = row.drop("Intercept").to_numpy()
        gradient = lasso_gradient(frame, row["Intercept"], coef, power)
        assert abs(gradient[0]) <= KKT_ATOL, (alpha, gradient[0])
        active = coef != 0
        np.testing.assert_allclose(gradient[1:][active], -alpha * np.sign(coef[active]), rtol=0.0, atol=KKT_ATOL,
                                   err_msg=f"alpha={alpha}")
        assert np.all(np.abs(gradient[1:][~active]) <= alpha + KKT_ATOL), (alpha, gradient)


def test_gamma_lasso_path_matches_glum_objective(seed: int) -> None:
    """The gamma lasso path (log link, ``standardize=False``) reaches glum's objective at five of its alphas
    (glum: ``gradient_tol=1e-12``, ``scale_predictors=False``) to 1e-7 relative."""
    glum = pytest.importorskip("glum")
    frame = penalized_frame(seed, "gamma")
    path = gg.glm_path(FORMULA, frame, "gamma", link="log", l1_ratio=1.0, standardize=False, n_alphas=15, tol=1e-12)
    X = frame[[f"x{j}" for j in range(4)]].to_numpy()
    for position in np.linspace(1, len(path.alphas) - 1, 5).astype(int):
        alpha = float(path.alphas[position])
        reference = glum.GeneralizedLinearRegressor(alpha=alpha, l1_ratio=1.0, family="gamma", link="log",
                                                    gradient_tol=1e-12, scale_predictors=False,
                                                    max_iter=1000).fit(X, frame["y"])
        row = path.coefs.iloc[position]
        ours = sklearn_objective("gamma", frame, row["Intercept"], row.drop("Intercept").to_numpy(), alpha, 1.0)
        theirs = sklearn_objective("gamma", frame, reference.intercept_, reference.coef_, alpha, 1.0)
        assert ours == pytest.approx(theirs, rel=1e-7), (alpha, ours, theirs)
