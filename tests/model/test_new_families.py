"""The issue-13 families through the public API: closed forms, identities, response domains, sampling, and every
tool of the package (bootstrap, stepwise, CV, report, command line).

References are never glmgen itself: statsmodels' family objects (unit deviance, variance), the closed-form moments
of the distributions, the classic families a Tweedie power reduces to, R's ``MASS::stepAIC``
(``tests/reference/data/r_families.json``, written by ``tests/reference/r/families.R``).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import glmgen as gg

DATA_DIR = Path(__file__).resolve().parent.parent / "reference" / "data"
CANCER_FORMULA = "studytime ~ age + C(drug)"
FIT_TOL = 1e-12


@cache
def read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name)


def cancer() -> pd.DataFrame:
    """Stata's cancer data (48 patients, positive whole-number study times): fits every family here."""
    return read("cancer.csv").astype({"studytime": float})


@cache
def r_reference() -> dict[str, Any]:
    return json.loads((DATA_DIR / "r_families.json").read_text())


FAMILY_ARGUMENTS: dict[str, Any] = {
    "gamma": "gamma",
    "inverse_gaussian": "inverse_gaussian",
    "quasipoisson": "quasipoisson",
    "tweedie(1.5)": gg.tweedie(1.5),
    "negative_binomial(theta=2)": gg.negative_binomial(theta=2.0),
    "negative_binomial()": gg.negative_binomial(),
}


@cache
def cancer_fit(key: str, link: str | None = None) -> Any:
    return gg.glm(CANCER_FORMULA, cancer(), FAMILY_ARGUMENTS[key], link=link, tol=FIT_TOL)


# ------------------------------------------------------------------ unit deviance and variance vs statsmodels
Y = np.array([0.5, 1.0, 3.0, 7.0, 12.0])
MU = np.array([1.0, 2.0, 2.5, 7.5, 4.0])


def statsmodels_family(key: str) -> Any:
    sm = pytest.importorskip("statsmodels.api")
    return {
        "gamma": sm.families.Gamma(),
        "inverse_gaussian": sm.families.InverseGaussian(),
        "quasipoisson": sm.families.Poisson(),
        "tweedie(1.5)": sm.families.Tweedie(var_power=1.5),
        "negative_binomial(theta=2)": sm.families.NegativeBinomial(alpha=0.5),  # statsmodels' alpha = 1 / theta
    }[key]


@pytest.mark.parametrize("key", ["gamma", "inverse_gaussian", "quasipoisson", "tweedie(1.5)",
                                 "negative_binomial(theta=2)"])
def test_unit_deviance_and_variance_match_statsmodels(key: str) -> None:
    family, reference = cancer_fit(key).family, statsmodels_family(key)
    np.testing.assert_allclose(family.unit_deviance(Y, MU), reference._resid_dev(Y, MU), rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(family.variance(MU), reference.variance(MU), rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("power", [1.2, 1.5, 1.8, 2.5, 4.0])
def test_tweedie_unit_deviance_matches_statsmodels_at_other_powers(power: float) -> None:
    sm = pytest.importorskip("statsmodels.api")
    y = Y if power >= 2 else np.concatenate([[0.0], Y])
    mu = MU if power >= 2 else np.concatenate([[0.7], MU])
    reference = sm.families.Tweedie(var_power=power)
    np.testing.assert_allclose(gg.tweedie(power).unit_deviance(y, mu), reference._resid_dev(y, mu), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(gg.tweedie(power).variance(mu), mu**power, rtol=1e-14, atol=0.0)


def test_quasibinomial_unit_deviance_and_variance_are_binomial() -> None:
    sm = pytest.importorskip("statsmodels.api")
    case = r_reference()["cases"]["star98_quasibinomial"]
    family = gg.glm(case["formula"], read(case["data"]), "quasibinomial").family
    y, mu = np.array([0.0, 0.2, 0.5, 1.0]), np.array([0.3, 0.25, 0.6, 0.9])
    np.testing.assert_allclose(family.unit_deviance(y, mu), sm.families.Binomial()._resid_dev(y, mu), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(family.variance(mu), mu * (1 - mu), rtol=1e-14, atol=0.0)


# ------------------------------------------------------------------ Tweedie special cases
@pytest.mark.parametrize(("power", "family"), [(0.0, "gaussian"), (1.0, "poisson"), (2.0, "gamma"),
                                               (3.0, "inverse_gaussian")])
def test_tweedie_power_reduces_to_the_classic_family(power: float, family: str) -> None:
    """p = 0, 1, 2, 3 are the gaussian, Poisson, gamma and inverse Gaussian fits (log link): the same
    coefficients and deviance (1e-8); p = 0, 2, 3 the same log-likelihood, p = 1 the quasi-Poisson standard
    errors (the Tweedie dispersion is estimated)."""
    data = cancer()
    tweedie = gg.glm(CANCER_FORMULA, data, gg.tweedie(power, link="log"), tol=FIT_TOL)
    classic = gg.glm(CANCER_FORMULA, data, family, link="log", tol=FIT_TOL)
    np.testing.assert_allclose(tweedie.params, classic.params, rtol=1e-8, atol=0.0)
    np.testing.assert_allclose(tweedie.deviance, classic.deviance, rtol=1e-8, atol=0.0)
    np.testing.assert_allclose(tweedie.scale, classic.pearson_chi2 / classic.df_resid, rtol=1e-8, atol=0.0)
    if power == 1.0:
        quasi = gg.glm(CANCER_FORMULA, data, "quasipoisson", tol=FIT_TOL)
        np.testing.assert_allclose(tweedie.bse, quasi.bse, rtol=1e-8, atol=0.0)
    else:
        np.testing.assert_allclose(tweedie.bse, classic.bse, rtol=1e-8, atol=0.0)
        np.testing.assert_allclose(tweedie.loglik, classic.loglik, rtol=1e-8, atol=0.0)


# ------------------------------------------------------------------ response domains
@pytest.mark.parametrize(("key", "bad_value"), [("gamma", 0.0), ("gamma", -1.0), ("inverse_gaussian", 0.0),
                                                ("negative_binomial(theta=2)", -1.0), ("tweedie(1.5)", -0.5)])
def test_out_of_range_response_names_column_and_first_row(key: str, bad_value: float) -> None:
    data = cancer()
    data.loc[[7, 30], "studytime"] = bad_value
    with pytest.raises(gg.DataError) as raised:
        gg.glm(CANCER_FORMULA, data, FAMILY_ARGUMENTS[key])
    message = str(raised.value)
    assert "studytime" in message and "row 7" in message and "2 values" in message, message


def test_tweedie_above_two_refuses_zero_but_between_one_and_two_accepts_it() -> None:
    data = cancer()
    data.loc[3, "studytime"] = 0.0
    with pytest.raises(gg.DataError, match=r"row 3"):
        gg.glm(CANCER_FORMULA, data, gg.tweedie(2.5))
    assert gg.glm(CANCER_FORMULA, data, gg.tweedie(1.5)).converged


@pytest.mark.parametrize("power", [0.5, -1.0, math.nan])
def test_tweedie_power_without_a_distribution_is_refused(power: float) -> None:
    with pytest.raises(ValueError, match="var_power"):
        gg.tweedie(power)


@pytest.mark.parametrize("theta", [0.0, -1.0, math.inf])
def test_negative_binomial_theta_must_be_positive(theta: float) -> None:
    with pytest.raises(ValueError, match="theta"):
        gg.negative_binomial(theta=theta)


@pytest.mark.parametrize(("family", "link"), [("gamma", "logit"), ("inverse_gaussian", "probit")])
def test_links_outside_the_family_are_refused(family: str, link: str) -> None:
    with pytest.raises(ValueError, match=link):
        gg.glm(CANCER_FORMULA, cancer(), family, link=link)


# ------------------------------------------------------------------ sampling (parametric bootstrap)
N_DRAWS = 200_000


def moments_agree(draws: np.ndarray, mean: float, variance: float) -> None:
    """Sample mean and variance within 5 standard errors of the closed forms (standard errors from the draws)."""
    n = draws.size
    centred = draws - draws.mean()
    mean_se = math.sqrt(variance / n)
    variance_se = float(np.std(centred**2)) / math.sqrt(n)
    assert abs(draws.mean() - mean) < 5 * mean_se, (draws.mean(), mean, mean_se)
    assert abs(centred.var() - variance) < 5 * variance_se, (centred.var(), variance, variance_se)


@pytest.mark.parametrize(("key", "mu", "scale", "weight", "variance"), [
    ("gamma", 3.0, 0.4, 2.0, 0.4 * 9.0 / 2.0),
    ("inverse_gaussian", 2.0, 0.3, 1.0, 0.3 * 8.0),
    ("tweedie(1.5)", 2.0, 1.7, 1.0, 1.7 * 2.0**1.5),
    ("tweedie(1.5)", 0.5, 0.8, 4.0, 0.8 * 0.5**1.5 / 4.0),
    ("negative_binomial(theta=2)", 3.0, 1.0, 1.0, 3.0 + 9.0 / 2.0),
])
def test_family_samples_have_the_family_mean_and_variance(key: str, mu: float, scale: float, weight: float,
                                                          variance: float, seed: int) -> None:
    """``E y = mu`` and ``Var y = scale V(mu) / w`` for the draws of the parametric bootstrap."""
    family = cancer_fit(key).family
    rng = np.random.default_rng(seed)
    draws = family.sample(rng, np.full(N_DRAWS, mu), scale, np.full(N_DRAWS, weight), np.ones(N_DRAWS))
    moments_agree(np.asarray(draws, dtype=float), mu, variance)


def test_tweedie_samples_have_the_compound_poisson_zero_mass(seed: int) -> None:
    """P(y = 0) = exp(-lambda), lambda = mu^(2-p) / (phi (2-p)) (Jorgensen 1997, section 6.2)."""
    p, mu, phi = 1.5, 1.2, 2.0
    draws = gg.tweedie(p).sample(np.random.default_rng(seed), np.full(N_DRAWS, mu), phi, np.ones(N_DRAWS),
                                 np.ones(N_DRAWS))
    zero_probability = math.exp(-(mu ** (2 - p)) / (phi * (2 - p)))
    se = math.sqrt(zero_probability * (1 - zero_probability) / N_DRAWS)
    assert abs(np.mean(draws == 0) - zero_probability) < 5 * se
    assert np.all(np.asarray(draws) >= 0)


@pytest.mark.parametrize("key", ["gamma", "inverse_gaussian", "tweedie(1.5)", "negative_binomial(theta=2)"])
def test_parametric_bootstrap_standard_errors_agree_with_wald(key: str) -> None:
    """Replicates drawn from the fitted model, refitted: their spread is the model's standard error (within the
    Monte-Carlo error of 300 replicates plus the small-sample difference, 25%)."""
    fit = cancer_fit(key, "log" if key in ("gamma", "inverse_gaussian") else None)
    boot = gg.bootstrap(fit, n_boot=300, seed=1, method="parametric")
    assert boot.replicates.shape == (300, len(fit.params))
    np.testing.assert_allclose(boot.se[fit.params.index], fit.bse, rtol=0.25, atol=0.0)


@pytest.mark.parametrize("key", ["quasipoisson"])
def test_parametric_bootstrap_of_a_quasi_family_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="method='case'"):
        gg.bootstrap(cancer_fit(key), n_boot=5, method="parametric")


def test_case_bootstrap_of_an_estimated_theta_runs() -> None:
    fit = cancer_fit("negative_binomial()")
    boot = gg.bootstrap(fit, n_boot=20, seed=2)
    assert boot.replicates.shape == (20, len(fit.params)) and np.all(np.isfinite(boot.se))


# ------------------------------------------------------------------ stepwise vs MASS::stepAIC
@pytest.mark.parametrize("name", ["scotland_gamma", "quine_negative_binomial"])
def test_stepwise_matches_step_aic(name: str) -> None:
    """Same final terms and AIC as ``MASS::stepAIC`` (the negative binomial re-estimating theta per model)."""
    case = r_reference()["stepwise"][name]
    family = gg.negative_binomial() if case["family"] == "negative_binomial" else case["family"]
    step = gg.stepwise(case["formula"], read(case["data"]), family)
    best = step.best
    terms = [name for name in best.params.index if name != "Intercept"]
    kept = {term for term in case["terms"] if any(column == term or column.startswith(term + "[")
                                                   for column in terms)}
    assert kept == set(case["terms"]) and len(terms) >= len(case["terms"]), (terms, case["terms"])
    np.testing.assert_allclose(best.aic, case["aic"], rtol=1e-6, atol=0.0)
    np.testing.assert_allclose(best.deviance, case["deviance"], rtol=1e-6, atol=0.0)
    if "theta" in case:
        np.testing.assert_allclose(best.theta, case["theta"], rtol=1e-3, atol=0.0)


# ------------------------------------------------------------------ paths and CV
@pytest.mark.parametrize("key", ["gamma", "inverse_gaussian", "tweedie(1.5)", "negative_binomial(theta=2)"])
def test_path_and_cv_run_for_each_family(key: str) -> None:
    """A lasso path starts at all-zero coefficients, its training deviance never increases, and ``cv`` gives
    finite held-out deviances with ``alpha_min`` on the grid."""
    link = "log" if key in ("gamma", "inverse_gaussian") else None
    path = gg.glm_path(CANCER_FORMULA, cancer(), FAMILY_ARGUMENTS[key], link=link, n_alphas=20)
    penalized = path.coefs.drop(columns="Intercept")
    assert np.all(penalized.iloc[0] == 0.0) and np.any(penalized.iloc[-1] != 0.0)
    assert np.all(np.diff(path.deviance) <= 1e-9 * path.deviance[0])
    cv = path.cv(folds=4, seed=0)
    assert np.all(np.isfinite(cv.mean_deviance)) and cv.alpha_min in set(path.alphas)


# ------------------------------------------------------------------ report and command line
def test_report_renders_for_a_gamma_fit() -> None:
    report = gg.report("YES ~ COUTAX + UNEMPF + AGE", read("scotland.csv"), "gamma", link="log", select=None,
                       n_boot=10, learning_curve=False, figures=False, progress=False)
    html = report.to_html()
    fit = report.analysis.fit
    assert fit.family.name == "gamma" and fit.link.name == "log"
    for name in fit.params.index:
        assert name in html
    assert "gamma" in html.lower()


@pytest.mark.parametrize(("name", "family"), [("tweedie_sim", gg.tweedie(1.5)),
                                            ("quine_negative_binomial", gg.negative_binomial()),
                                            ("quine_quasipoisson", "quasipoisson")])
def test_report_with_a_cross_validated_path_renders(name: str, family: Any) -> None:
    """The whole report (lasso path chosen by CV, bootstrap of the procedure) for a Tweedie, an estimated-theta
    negative binomial and a quasi-Poisson model."""
    case = r_reference()["cases"][name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        report = gg.report(case["formula"], read(case["data"]), family, select="cv_1se", n_alphas=15, folds=3,
                           n_boot=4, learning_curve=False, figures=False, progress=False)
    fit = report.analysis.fit
    assert fit.family.name == case["family"]
    html = report.to_html()
    assert all(column in html for column in fit.params.index[fit.params != 0])


def test_cli_fit_gamma_prints_r_coefficients_and_dispersion(run_cli: Any, tmp_path: Path) -> None:
    """``glmgen fit --family gamma`` on the Scotland data shows R's coefficients and dispersion (4 digits)."""
    case = r_reference()["cases"]["scotland_gamma_inverse"]
    path = tmp_path / "scotland.csv"
    read("scotland.csv").to_csv(path, index=False)
    code, out, err = run_cli("fit", str(path), "--formula", case["formula"], "--family", "gamma")
    assert code == 0, err
    for name, value in case["params"].items():
        shown = re.search(rf"^{re.escape(name)}\s+(-?[\d.]+e[+-]\d+|-?[\d.]+)", out, flags=re.MULTILINE)
        assert shown is not None, (name, out)
        assert float(shown.group(1)) == pytest.approx(value, rel=5e-4), name
    dispersion = re.search(r"Dispersion parameter for \w+ family taken to be ([\d.e+-]+)", out)
    assert dispersion is not None, out
    assert float(dispersion.group(1)) == pytest.approx(case["scale"], rel=1e-5)


def test_cli_fit_tweedie_and_negative_binomial(run_cli: Any, tmp_path: Path) -> None:
    """``--family tweedie --var-power 1.5`` and ``--family negative_binomial`` reproduce R's coefficients."""
    for name, extra in [("tweedie_sim", ["--family", "tweedie", "--var-power", "1.5"]),
                        ("quine_negative_binomial", ["--family", "negative_binomial"])]:
        case = r_reference()["cases"][name]
        path = tmp_path / case["data"]
        read(case["data"]).to_csv(path, index=False)
        code, out, err = run_cli("fit", str(path), "--formula", case["formula"], *extra)
        assert code == 0, err
        for column, value in case["params"].items():
            shown = re.search(rf"^{re.escape(column)}\s+(-?[\d.]+e[+-]\d+|-?[\d.]+)", out, flags=re.MULTILINE)
            assert shown is not None, (column, out)
            assert float(shown.group(1)) == pytest.approx(value, rel=5e-4, abs=5e-4), (name, column)
