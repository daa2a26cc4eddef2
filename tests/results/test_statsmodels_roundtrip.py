"""glmgen <-> statsmodels: ``GLMResult.to_statsmodels()`` and ``gg.from_statsmodels()``.

The reference is statsmodels itself, fitted independently through its formula API (``smf.glm``) on the same
data and model, tightly (``tol=1e-12``); glmgen fits with ``tol=1e-10``. Where statsmodels counts a quantity
differently from R (its AIC leaves out the dispersion and theta; its log-likelihood of the Gamma and inverse
Gaussian families uses ``scale`` where R uses deviance / sum(weights)), the test compares the quantity
converted to the other convention by the documented formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import special

import glmgen as gg

F, L = sm.families, sm.families.links


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """Rows with every kind of response the families need (fixed seed: the references are fitted live)."""
    rng = np.random.default_rng(20261204)
    n = 160
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(-1, 1, n), "g": rng.choice(["a", "b", "c"], n),
                          "w": rng.uniform(0.5, 2.0, n), "e": rng.uniform(1.0, 3.0, n),
                          "fw": rng.integers(1, 4, n).astype(float), "cl": rng.integers(0, 12, n)})
    eta = 0.3 + 0.4 * frame.x - 0.3 * frame.z + 0.2 * (frame.g == "b")
    frame["count"] = rng.poisson(np.exp(eta) * frame.e)
    frame["nbcount"] = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(eta) * frame.e))
    frame["amount"] = rng.gamma(2.0, np.exp(eta) / 2.0)
    frame["claims"] = np.where(rng.random(n) < 0.3, 0.0, frame.amount)
    frame["s"] = rng.binomial(8, 1.0 / (1.0 + np.exp(-eta)))
    frame["f"] = 8 - frame.s
    frame["prop"], frame["trials"] = frame.s / 8.0, 8.0
    return frame


# (glmgen's arguments, statsmodels' formula-API arguments, statsmodels' fit arguments) of the same model
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "gaussian_weights": (dict(formula="amount ~ x + C(g)", family="gaussian", weights="w"),
                         dict(formula="amount ~ x + C(g)", family=F.Gaussian(), var_weights="w"), dict(use_t=True)),
    "binomial_cbind": (dict(formula="cbind(s, f) ~ x + C(g)", family="binomial"),
                       dict(formula="s + f ~ x + C(g)", family=F.Binomial()), {}),
    "binomial_cbind_weights": (dict(formula="cbind(s, f) ~ x", family="binomial", weights="fw"),
                               dict(formula="s + f ~ x", family=F.Binomial(), var_weights="fw"), {}),
    "quasibinomial": (dict(formula="prop ~ x + z", family="quasibinomial", weights="trials"),
                      dict(formula="prop ~ x + z", family=F.Binomial(), var_weights="trials"),
                      dict(scale="X2", use_t=True)),
    "binomial_proportions": (dict(formula="prop ~ x + z", family="binomial", weights="trials"),
                             dict(formula="prop ~ x + z", family=F.Binomial(), var_weights="trials"), {}),
    "binomial_probit_freq": (dict(formula="cbind(s, f) ~ x", family="binomial", link="probit", freq_weights="fw"),
                             dict(formula="s + f ~ x", family=F.Binomial(L.Probit()), freq_weights="fw"), {}),
    "poisson_exposure": (dict(formula="count ~ x + z + C(g)", family="poisson", exposure="e"),
                         dict(formula="count ~ x + z + C(g)", family=F.Poisson(), exposure="e"), {}),
    "poisson_offset_weights": (dict(formula="count ~ x", family="poisson", offset="np.log(e)", weights="w"),
                               dict(formula="count ~ x", family=F.Poisson(), offset="log_e", var_weights="w"), {}),
    "quasipoisson": (dict(formula="count ~ x + z", family="quasipoisson", exposure="e"),
                     dict(formula="count ~ x + z", family=F.Poisson(), exposure="e"), dict(scale="X2", use_t=True)),
    "gamma_log": (dict(formula="amount ~ x + C(g)", family="gamma", link="log"),
                  dict(formula="amount ~ x + C(g)", family=F.Gamma(L.Log())), dict(use_t=True)),
    "inverse_gaussian_log": (dict(formula="amount ~ x", family="inverse_gaussian", link="log"),
                             dict(formula="amount ~ x", family=F.InverseGaussian(L.Log())), dict(use_t=True)),
    "negative_binomial": (dict(formula="nbcount ~ x + C(g)", family=gg.negative_binomial(theta=2.5), exposure="e"),
                          dict(formula="nbcount ~ x + C(g)", family=F.NegativeBinomial(alpha=0.4), exposure="e"), {}),
    "tweedie": (dict(formula="claims ~ x + z", family=gg.tweedie(1.6)),
                dict(formula="claims ~ x + z", family=F.Tweedie(var_power=1.6)), dict(use_t=True)),
}


def glmgen_fit(data: pd.DataFrame, case: str, **extra: Any) -> gg.GLMResult:
    arguments = dict(CASES[case][0])
    return gg.glm(arguments.pop("formula"), data, arguments.pop("family"), tol=1e-10, **arguments, **extra)


def statsmodels_model(data: pd.DataFrame, case: str) -> Any:
    """``smf.glm`` of the case; ``offset``/``exposure``/weights named by column are passed as those columns."""
    arguments = dict(CASES[case][1])
    frame = data.assign(log_e=np.log(data.e))
    arrays = {key: frame[value] for key, value in arguments.items()
              if key in ("offset", "exposure", "var_weights", "freq_weights")}
    return smf.glm(arguments["formula"], frame, family=arguments["family"], **arrays)


def statsmodels_fit(data: pd.DataFrame, case: str, **fit_arguments: Any) -> Any:
    return statsmodels_model(data, case).fit(tol=1e-12, **(CASES[case][2] | fit_arguments))


def assert_same_inference(ours: Any, reference: Any) -> None:
    """Coefficients, standard errors, p-values (same names, same order), deviance and df_resid."""
    assert list(ours.params.index) == list(reference.params.index)
    np.testing.assert_allclose(ours.params, reference.params, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(ours.bse, reference.bse, rtol=1e-5, atol=0)
    np.testing.assert_allclose(ours.pvalues, reference.pvalues, rtol=1e-5, atol=1e-14)
    np.testing.assert_allclose(ours.deviance, reference.deviance, rtol=1e-8, atol=0)
    assert float(ours.df_resid) == float(reference.df_resid)


@pytest.mark.parametrize("case", list(CASES))
def test_to_statsmodels_is_the_statsmodels_fit_of_the_same_model(data: pd.DataFrame, case: str) -> None:
    fit = glmgen_fit(data, case)
    converted = fit.to_statsmodels()
    reference = statsmodels_fit(data, case)
    assert_same_inference(converted, reference)
    assert_same_inference(fit, reference)
    np.testing.assert_allclose(converted.scale, fit.scale, rtol=1e-8)
    assert converted.fit_history["iteration"] <= 2  # started at glmgen's coefficients


@pytest.mark.parametrize("case", list(CASES))
def test_from_statsmodels_is_the_glmgen_fit_of_the_same_model(data: pd.DataFrame, case: str) -> None:
    reference = statsmodels_fit(data, case)
    fit = gg.from_statsmodels(reference)
    assert_same_inference(fit, reference)
    assert fit.family == glmgen_fit(data, case).family
    assert gg.from_statsmodels(reference.model).params.index.equals(fit.params.index)  # an unfitted model too


@pytest.mark.parametrize("case", ["binomial_cbind", "binomial_cbind_weights", "poisson_exposure", "negative_binomial",
                                  "gaussian_weights"])
def test_log_likelihood_and_aic_in_each_convention(data: pd.DataFrame, case: str) -> None:
    """statsmodels' llf is R's for these; its AIC = -2 llf + 2 rank leaves out the gaussian dispersion (R counts
    it; theta given, as here, is counted by neither)."""
    fit, reference = glmgen_fit(data, case), statsmodels_fit(data, case)
    np.testing.assert_allclose(fit.loglik, reference.llf, rtol=1e-8)
    counted_by_r_only = int(fit.family.likelihood_parameters)
    np.testing.assert_allclose(fit.aic, reference.aic + 2 * counted_by_r_only, rtol=1e-8)


def test_binomial_proportions_log_likelihood(data: pd.DataFrame) -> None:
    """Given proportions y with the trials n as var_weights, statsmodels' log-likelihood is that of one trial,
    ``n (-log G(1 + y) - log G(2 - y) + y log mu + (1 - y) log(1 - mu))`` (statsmodels' ``Binomial.loglike_obs``
    with n = 1), where R's (and glmgen's) is ``log C(n, k) + k log mu + (n - k) log(1 - mu)``, k = n y.
    to_statsmodels passes (successes, failures) counts instead, whose llf is R's."""
    fit, reference = glmgen_fit(data, "binomial_proportions"), statsmodels_fit(data, "binomial_proportions")
    n, k, y = data.trials.to_numpy(), data.s.to_numpy(), data.prop.to_numpy()
    log_choose = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    one_trial = n * (special.gammaln(1 + y) + special.gammaln(2 - y))
    np.testing.assert_allclose(fit.loglik, reference.llf + log_choose.sum() + one_trial.sum(), rtol=1e-8)
    np.testing.assert_allclose(fit.to_statsmodels().llf, fit.loglik, rtol=1e-8)


@pytest.mark.parametrize("case", ["gamma_log", "inverse_gaussian_log"])
def test_log_likelihood_at_r_dispersion(data: pd.DataFrame, case: str) -> None:
    """R's Gamma and inverse Gaussian log-likelihoods use the dispersion deviance / sum(weights)."""
    fit = glmgen_fit(data, case)
    converted = fit.to_statsmodels()
    np.testing.assert_allclose(fit.loglik, converted.llf_scaled(scale=fit.deviance / len(data)), rtol=1e-8)
    np.testing.assert_allclose(fit.aic, -2 * converted.llf_scaled(scale=fit.deviance / len(data))
                               + 2 * (converted.df_model + 2), rtol=1e-8)


def test_estimated_theta_becomes_a_fixed_alpha(data: pd.DataFrame) -> None:
    """A negative binomial with theta estimated (MASS::glm.nb) converts with alpha = 1 / theta held fixed; its
    standard errors, like glm.nb's, are conditional on theta."""
    fit = gg.glm("nbcount ~ x + C(g)", data, gg.negative_binomial(), exposure="e", tol=1e-10)
    converted = fit.to_statsmodels()
    assert converted.model.family.alpha == pytest.approx(1 / fit.theta, rel=1e-12)
    reference = smf.glm("nbcount ~ x + C(g)", data, family=F.NegativeBinomial(alpha=1 / fit.theta),
                        exposure=data.e).fit(tol=1e-12)
    assert_same_inference(converted, reference)
    assert_same_inference(fit, reference)


def test_summary_wald_and_t_tests_and_influence_work(data: pd.DataFrame) -> None:
    fit = glmgen_fit(data, "poisson_exposure")
    converted = fit.to_statsmodels()
    text = converted.summary().as_text()
    assert "C(g)[T.b]" in text and "Poisson" in text
    wald = converted.wald_test("C(g)[T.b] = 0, C(g)[T.c] = 0", scalar=True)
    b = fit.params[["C(g)[T.b]", "C(g)[T.c]"]].to_numpy()
    cov = fit.cov_params().loc[["C(g)[T.b]", "C(g)[T.c]"], ["C(g)[T.b]", "C(g)[T.c]"]].to_numpy()
    np.testing.assert_allclose(wald.statistic, b @ np.linalg.solve(cov, b), rtol=1e-6)  # chi2 with 2 df
    t = converted.t_test("x - z = 0")
    contrast = np.array([0, 0, 0, 1, -1])
    np.testing.assert_allclose(t.sd.item(), np.sqrt(contrast @ fit.cov_params().to_numpy() @ contrast), rtol=1e-6)
    influence = converted.get_influence()
    np.testing.assert_allclose(influence.hat_matrix_diag.sum(), len(fit.params), rtol=1e-8)
    assert influence.summary_frame()["cooks_d"].notna().all()  # needs statsmodels' own scale (not a number)


def test_aliased_columns_are_left_out(data: pd.DataFrame) -> None:
    frame = data.assign(x2=2.0 * data.x)
    with pytest.warns(gg.AliasedColumnsWarning, match="'x2'"):
        fit = gg.glm("count ~ x + x2 + z", frame, "poisson", exposure="e", tol=1e-10)
    assert np.isnan(fit.params["x2"])
    converted = fit.to_statsmodels()
    reference = smf.glm("count ~ x + z", frame, family=F.Poisson(), exposure=frame.e).fit(tol=1e-12)
    assert_same_inference(converted, reference)


def test_zero_weight_rows_are_left_out(data: pd.DataFrame) -> None:
    frame = data.assign(w0=np.where(np.arange(len(data)) < 10, 0.0, data.w))
    fit = gg.glm("amount ~ x", frame, "gamma", link="log", weights="w0", tol=1e-10)
    reference = smf.glm("amount ~ x", frame.iloc[10:], family=F.Gamma(L.Log()),
                        var_weights=frame.w0.iloc[10:]).fit(tol=1e-12, use_t=True)
    assert_same_inference(fit.to_statsmodels(), reference)


def test_robust_covariances_convert(data: pd.DataFrame) -> None:
    hc0 = glmgen_fit(data, "poisson_exposure", cov_type="HC0")
    converted = hc0.to_statsmodels()
    assert converted.cov_type == "HC0"
    assert_same_inference(converted, statsmodels_fit(data, "poisson_exposure", cov_type="HC0"))
    clustered = glmgen_fit(data, "poisson_exposure", cov_type="cluster", cluster="cl")
    reference = statsmodels_fit(data, "poisson_exposure", cov_type="cluster", cov_kwds={"groups": data.cl})
    assert_same_inference(clustered.to_statsmodels(cluster=data.cl), reference)
    assert_same_inference(gg.from_statsmodels(reference), reference)
    assert gg.from_statsmodels(reference).n_clusters == data.cl.nunique()


def test_to_statsmodels_refusals(data: pd.DataFrame, tmp_path: Any) -> None:
    with pytest.raises(gg.InvalidParameterError, match="unpenalized"):
        gg.glm("count ~ x", data, "poisson", alpha=0.1).to_statsmodels()
    with pytest.raises(gg.InvalidParameterError, match="#7798"):
        glmgen_fit(data, "poisson_exposure", cov_type="HC3").to_statsmodels()
    clustered = glmgen_fit(data, "poisson_exposure", cov_type="cluster", cluster="cl")
    with pytest.raises(gg.InvalidParameterError, match="cluster="):
        clustered.to_statsmodels()
    with pytest.raises(gg.InvalidParameterError, match="12 clusters"):
        clustered.to_statsmodels(cluster=data.cl % 5)
    with pytest.raises(gg.InvalidParameterError, match="one per row"):
        clustered.to_statsmodels(cluster=data.cl[:10])
    with pytest.raises(gg.InvalidParameterError, match="cluster="):
        glmgen_fit(data, "poisson_exposure").to_statsmodels(cluster=data.cl)
    glmgen_fit(data, "poisson_exposure").save(tmp_path / "model.json")
    with pytest.raises(gg.DataError, match="training rows"):
        gg.load(tmp_path / "model.json").to_statsmodels()


def test_from_statsmodels_uses_the_rows_statsmodels_kept(data: pd.DataFrame) -> None:
    frame = data.copy()
    frame.loc[[3, 50], "x"] = np.nan
    reference = smf.glm("count ~ x + C(g)", frame, family=F.Poisson(), exposure=frame.e).fit(tol=1e-12)
    fit = gg.from_statsmodels(reference)
    assert fit.nobs == reference.nobs == len(data) - 2
    assert_same_inference(fit, reference)


def test_named_exposure_is_read_from_new_rows(data: pd.DataFrame) -> None:
    """With exposure named, evaluate(test) reads it from the test rows: the held-out deviance equals statsmodels'
    deviance of its own predictions there."""
    train, test = data.iloc[:120], data.iloc[120:]
    reference = smf.glm("count ~ x + z", train, family=F.Poisson(), exposure=train.e).fit(tol=1e-12)
    fit = gg.from_statsmodels(reference, exposure="e")
    mu = reference.predict(test, exposure=test.e)
    np.testing.assert_allclose(fit.evaluate(test).deviance, F.Poisson().deviance(test["count"], mu), rtol=1e-6)
    with pytest.raises(gg.InvalidParameterError, match="exposure='w'"):
        gg.from_statsmodels(reference, exposure="w")


def test_statsmodels_quasibinomial_of_counts_warns(data: pd.DataFrame) -> None:
    """statsmodels' scale="X2" on (successes, failures) counts leaves the trials out of Pearson chi2, so its
    dispersion is the quasibinomial's (R's, here from proportions with trials as var_weights) divided by 8."""
    counts = smf.glm("s + f ~ x + z", data, family=F.Binomial()).fit(scale="X2", tol=1e-12)
    proportions = statsmodels_fit(data, "quasibinomial")
    np.testing.assert_allclose(counts.scale * 8, proportions.scale, rtol=1e-8)
    with pytest.warns(gg.DataWarning, match="leaves the trials out"):
        fit = gg.from_statsmodels(counts)
    assert_same_inference(fit, proportions)
    assert any("leaves the trials out" in message for message in fit.warnings)


def test_round_trip_statsmodels_glmgen_statsmodels(data: pd.DataFrame) -> None:
    reference = statsmodels_fit(data, "binomial_cbind")
    assert_same_inference(gg.from_statsmodels(reference).to_statsmodels(), reference)


def test_from_statsmodels_refusals(data: pd.DataFrame) -> None:
    X = sm.add_constant(data[["x"]])
    with pytest.raises(gg.InvalidParameterError, match="formula API"):
        gg.from_statsmodels(sm.GLM(data["count"], X, family=F.Poisson()).fit())
    with pytest.raises(gg.InvalidParameterError, match="got OLS"):
        gg.from_statsmodels(smf.ols("amount ~ x", data))
    with pytest.raises(gg.InvalidParameterError, match="#7798"):
        gg.from_statsmodels(statsmodels_fit(data, "poisson_exposure", cov_type="HC1"))
    with pytest.raises(gg.InvalidParameterError, match="scale='dev'"):
        gg.from_statsmodels(statsmodels_fit(data, "gamma_log", scale="dev"))
    with pytest.raises(gg.InvalidParameterError, match="scale='x2'"):
        gg.from_statsmodels(statsmodels_fit(data, "negative_binomial", scale="X2"))
    with pytest.raises(gg.InvalidParameterError, match=r"the first level \('g\[a\]'\)"):
        gg.from_statsmodels(smf.glm("g ~ x", data.assign(g=data.g.where(data.g != "c", "b")), family=F.Binomial()))
    with pytest.raises(gg.InvalidParameterError, match="link Cauchy"):
        gg.from_statsmodels(smf.glm("prop ~ x", data, family=F.Binomial(L.Cauchy()), var_weights=data.trials))
