"""Unpenalized GLMs compared with R's ``glm()``, Stata's ``glm`` and statsmodels' ``GLM``.

Where the expected numbers come from
------------------------------------
* ``tests/reference/glm_r_stata.json``: R and Stata results that statsmodels
  ships in ``statsmodels/genmod/tests/results/`` (``results_glm.py``,
  ``res_R_var_weight.py``, ``results_glm_poisson_weights.py``), copied
  programmatically; each case records its source, the R/Stata call and the
  data file (``tests/reference/README.md``).
* statsmodels' ``GLM`` fitted live (``pytest.importorskip``) with a tight
  tolerance, for weights, links and methods that the shipped results do not
  cover. statsmodels agrees with R on everything compared here (checked case
  by case); where it does not (binomial counts' response residuals,
  gaussian log-likelihood with a non-identity link, null deviance without an
  intercept) the expected value is computed from R's definition instead.
* Values derived from R output with R's own definitions (e.g. BIC =
  ``-2*logLik + k*log(nobs)`` from R's ``logLik``) say so in a comment.

Tolerances: coefficients rtol 1e-6; deviance / log-likelihood / AIC / BIC
rtol 1e-8 where the reference prints at least 10 digits; standard errors
rtol 5e-5, because R computes ``vcov`` from the working weights of the last
IRLS iteration, i.e. at the last-but-one coefficients (measured: up to 1.6e-5
relative on Lbw). Stata's ``ml`` stops earlier than R's IRLS: its
coefficients agree with the exact MLE only to about 1.3e-6 relative, so
Stata comparisons use rtol 5e-6 for coefficients and 1e-6 for deviances.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmgen as gg

from conftest import load_cpunish, load_lbw, load_longley, load_reference

PARAMS_RTOL = 1e-6
BSE_RTOL = 5e-5
STAT_RTOL = 1e-8


# --------------------------------------------------------------------------- helpers
def assert_series_close(actual: object, expected: pd.Series, *, rtol: float, atol: float = 0.0, what: str = "") -> None:
    """Compare a labelled result (Series indexed by design column names) with expected values by label."""
    assert isinstance(actual, pd.Series), f"{what}: expected a pandas Series, got {type(actual).__name__}"
    assert set(actual.index) == set(expected.index), (
        f"{what}: labels differ.\n  got:      {list(actual.index)}\n  expected: {list(expected.index)}"
    )
    np.testing.assert_allclose(
        actual[expected.index].to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=rtol, atol=atol, err_msg=what
    )


def assert_close(actual: object, expected: object, *, rtol: float, atol: float = 0.0, what: str = "") -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol, err_msg=what
    )


def r_bic(loglik: float, k: int, n: float) -> float:
    """R's ``BIC()``: ``-2*logLik + k*log(nobs)``."""
    return -2.0 * loglik + k * math.log(n)


def r_aic(loglik: float, k: int) -> float:
    """R's ``AIC()``: ``-2*logLik + 2*k``."""
    return -2.0 * loglik + 2.0 * k


def cov_frame(fit: object, names: list[str]) -> np.ndarray:
    """``fit.cov_params()`` as an array ordered like ``names`` (works for a DataFrame or an array)."""
    cov = fit.cov_params()
    if isinstance(cov, pd.DataFrame):
        assert set(cov.index) == set(names) and set(cov.columns) == set(names), list(cov.index)
        return cov.loc[names, names].to_numpy(dtype=float)
    order = [list(fit.params.index).index(name) for name in names]
    cov = np.asarray(cov, dtype=float)
    return cov[np.ix_(order, order)]


# --------------------------------------------------------------------------- R: gaussian
def test_longley_gaussian_identity_matches_r() -> None:
    ref = load_reference("longley_gaussian")
    fit = gg.glm("TOTEMP ~ .", ref.data, family="gaussian")

    assert fit.converged
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    # R printed the null deviance as the integer 185008826: abs error <= 0.5, rel 2.7e-9.
    assert_close(fit.null_deviance, ref.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    # R's logLik for gaussian uses the ML dispersion deviance / n.
    assert_close(fit.loglik, ref.loglik, rtol=STAT_RTOL, what="loglik")
    # k = 7 coefficients + 1 dispersion = 8, as R's AIC() counts it.
    assert_close(fit.aic, ref.aic, rtol=STAT_RTOL, what="aic")
    assert_close(fit.aic, r_aic(ref.loglik, 8), rtol=STAT_RTOL, what="aic definition")
    # No BIC in the results file: R's BIC() from R's logLik, k = 8, n = 16.
    assert_close(fit.bic, r_bic(ref.loglik, 8, 16), rtol=STAT_RTOL, what="bic")
    # R's summary() dispersion = Pearson chi2 / df.residual; for gaussian Pearson chi2 = deviance.
    assert_close(fit.scale, ref.scale, rtol=STAT_RTOL, what="scale")
    assert_close(fit.pearson_chi2, ref.deviance, rtol=STAT_RTOL, what="pearson_chi2")
    assert fit.df_resid == ref.df_resid == 9
    assert fit.df_model == ref.df_model == 6
    assert fit.nobs == 16
    assert_close(fit.fitted, ref.fitted, rtol=1e-8, what="fitted")
    # residuals from Stata, printed to 8 decimals
    assert_close(fit.resid(kind="response"), ref.resid_response, rtol=1e-6, atol=1e-6, what="resid response")


def test_longley_aicc_is_aic_plus_small_sample_term() -> None:
    """AICc = AIC + 2k(k+1)/(n-k-1) (Hurvich & Tsai; MuMIn::AICc), k = 8, n = 16."""
    ref = load_reference("longley_gaussian")
    fit = gg.glm("TOTEMP ~ .", ref.data, family="gaussian")
    k, n = 8, 16
    assert_close(fit.aicc, ref.aic + 2 * k * (k + 1) / (n - k - 1), rtol=STAT_RTOL, what="aicc")


def test_gaussian_log_link_matches_r() -> None:
    ref = load_reference("gaussian_log")
    fit = gg.glm("y ~ x + x2", ref.data, family="gaussian", link="log")

    assert fit.converged
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    # R: logLik = -n/2 * (log(2*pi*deviance/n) + 1) (ML dispersion), whatever the link.
    # statsmodels uses deviance/df_resid for non-identity links and differs here.
    assert_close(fit.loglik, ref.loglik, rtol=STAT_RTOL, what="loglik")
    assert_close(fit.aic, ref.aic, rtol=STAT_RTOL, what="aic")  # k = 3 + 1
    assert_close(fit.bic, r_bic(ref.loglik, 4, 100), rtol=STAT_RTOL, what="bic")
    assert_close(fit.scale, ref.scale, rtol=STAT_RTOL, what="scale")
    # R's dispersion is Pearson chi2 / df.residual, so Pearson chi2 = scale * 97.
    assert_close(fit.pearson_chi2, ref.scale * ref.df_resid, rtol=STAT_RTOL, what="pearson_chi2")
    # With an intercept R's glm.fit uses the weighted mean of y as the null mean for every link.
    y = ref.data["y"].to_numpy()
    assert_close(fit.null_deviance, np.sum((y - y.mean()) ** 2), rtol=1e-10, what="null_deviance")
    assert fit.df_resid == 97
    assert fit.df_model == 2
    assert fit.nobs == 100
    assert_close(fit.fitted, ref.fitted, rtol=1e-7, what="fitted")
    # R/Stata residuals printed to 4 significant digits (values ~1e-3)
    for kind in ("pearson", "deviance", "response"):
        assert_close(fit.resid(kind=kind), getattr(ref, f"resid_{kind}"), rtol=0, atol=5e-7, what=f"resid {kind}")


def test_null_deviance_without_intercept_uses_linkinv_of_offset_as_r() -> None:
    """R fitted GaussianLog with the constant as an ordinary column (no formula intercept).

    R's glm.fit then takes the null mean as linkinv(offset) = exp(0) = 1 instead of
    the mean of y, which is why results_glm.py's null deviance (56.6916...) is
    sum((y - 1)^2) and not sum((y - ybar)^2) = 56.6757....
    """
    ref = load_reference("gaussian_log")
    fit = gg.glm("y ~ const + x + x2 - 1", ref.data, family="gaussian", link="log")
    expected = ref.params.rename({"Intercept": "const"})
    assert_series_close(fit.params, expected, rtol=PARAMS_RTOL, what="params")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, ref.null_deviance_no_intercept, rtol=STAT_RTOL, what="null_deviance")


def test_gaussian_log_prior_weights_no_intercept_matches_r() -> None:
    ref = load_reference("gaussian_log_weights")
    data = ref.data.drop(columns="INCOME").rename(columns={"INCOME_K": "INCOME"})  # INCOME / 1000 as in the R script
    fit = gg.glm("EXECUTIONS ~ INCOME + SOUTH - 1", data, family="gaussian", link="log", weights="weight")

    assert fit.converged
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    # R ran with epsilon=1e-25, so its vcov is at the converged coefficients.
    assert_series_close(fit.bse, ref.bse, rtol=1e-6, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")  # printed %f
    # R: logLik = -n/2*(log(2*pi*dev/n) + 1) + sum(log(w))/2; printed %f -> rel 1e-8
    assert_close(fit.loglik, ref.loglik, rtol=1e-7, what="loglik")
    assert_close(fit.aic, r_aic(ref.loglik, 3), rtol=1e-7, what="aic")  # 2 coefficients + dispersion
    assert_close(fit.bic, r_bic(ref.loglik, 3, 17), rtol=1e-7, what="bic")  # prior weights do not change n
    assert fit.nobs == 17
    assert fit.df_resid == 15
    assert fit.df_model == 2  # no intercept: every coefficient counts
    pearson = np.sum(ref.resid_pearson**2)
    assert_close(fit.pearson_chi2, pearson, rtol=1e-6, what="pearson_chi2")
    assert_close(fit.scale, pearson / 15, rtol=1e-6, what="scale")
    # R's glm.fit without intercept or offset: null mean = linkinv(0) = exp(0) = 1.
    y = data["EXECUTIONS"].to_numpy()
    w = data["weight"].to_numpy()
    assert_close(fit.null_deviance, np.sum(w * (y - 1.0) ** 2), rtol=1e-10, what="null_deviance")
    for kind in ("response", "pearson", "deviance", "working"):
        assert_close(fit.resid(kind=kind), getattr(ref, f"resid_{kind}"), rtol=1e-6, atol=1e-8, what=f"resid {kind}")
    assert_close(fit.fitted, y - ref.resid_response, rtol=1e-8, what="fitted")


# --------------------------------------------------------------------------- R: binomial
def test_lbw_binomial_bernoulli_matches_r() -> None:
    ref = load_reference("lbw_binomial")
    fit = gg.glm(ref.formula, ref.data, family="binomial")

    assert fit.converged
    assert fit.warnings == []
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, ref.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    assert_close(fit.loglik, ref.loglik, rtol=STAT_RTOL, what="loglik")
    assert_close(fit.aic, ref.aic, rtol=STAT_RTOL, what="aic")  # k = 9: no dispersion for binomial
    assert_close(fit.bic, r_bic(ref.loglik, 9, 189), rtol=STAT_RTOL, what="bic")
    assert_close(fit.pearson_chi2, ref.pearson_chi2, rtol=STAT_RTOL, what="pearson_chi2")
    assert fit.scale == 1.0
    assert fit.df_resid == 180
    assert fit.df_model == 8
    assert fit.nobs == 189
    assert_close(fit.fitted, ref.fitted, rtol=1e-6, what="fitted")
    for kind in ("pearson", "deviance", "response"):  # Stata, 8 decimals
        assert_close(fit.resid(kind=kind), getattr(ref, f"resid_{kind}"), rtol=1e-6, atol=1e-6, what=f"resid {kind}")


def test_lbw_binomial_with_categorical_race_matches_r() -> None:
    """Same model with the race dummies built by the formula: C(race, Treatment('white'))."""
    ref = load_reference("lbw_binomial")
    fit = gg.glm(
        "low ~ age + lwt + C(race, Treatment('white')) + smoke + ptl + ht + ui", ref.data, family="binomial"
    )
    rename = {
        "race_black": "C(race, Treatment('white'))[T.black]",
        "race_other": "C(race, Treatment('white'))[T.other]",
    }
    assert_series_close(fit.params, ref.params.rename(rename), rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse.rename(rename), rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")


def test_star98_binomial_cbind_matches_r() -> None:
    ref = load_reference("star98_binomial")
    fit = gg.glm("cbind(NABOVE, NBELOW) ~ .", ref.data, family="binomial")

    assert fit.converged
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, ref.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    # R's binomial logLik includes log(choose(n, y)): -2998.61..., not the Bernoulli-expanded value.
    assert_close(fit.loglik, ref.loglik, rtol=STAT_RTOL, what="loglik")
    assert_close(fit.aic, ref.aic, rtol=STAT_RTOL, what="aic")  # k = 21
    # R's nobs for a cbind response is the number of rows (303), not the number of trials.
    assert_close(fit.bic, r_bic(ref.loglik, 21, 303), rtol=STAT_RTOL, what="bic")
    assert_close(fit.pearson_chi2, ref.pearson_chi2, rtol=1e-6, what="pearson_chi2")  # printed to 10 digits
    assert fit.scale == 1.0
    assert fit.df_resid == 282
    assert fit.df_model == 20
    assert fit.nobs == 303
    # fitted values are probabilities, as R's fitted()
    assert_close(fit.fitted, ref.fitted, rtol=1e-6, what="fitted")
    for kind in ("pearson", "deviance"):  # Stata; same definition as R's (trials enter as weights)
        assert_close(fit.resid(kind=kind), getattr(ref, f"resid_{kind}"), rtol=1e-6, atol=1e-6, what=f"resid {kind}")
    # R's response and working residuals are on the proportion scale (Stata's and
    # statsmodels' are on the count scale): y/n - mu and (y/n - mu) / (mu (1 - mu)).
    data = ref.data
    prop = (data["NABOVE"] / (data["NABOVE"] + data["NBELOW"])).to_numpy()
    mu = ref.fitted
    assert_close(fit.resid(kind="response"), prop - mu, rtol=0, atol=1e-7, what="resid response (R)")
    assert_close(fit.resid(kind="working"), (prop - mu) / (mu * (1 - mu)), rtol=1e-5, atol=1e-6, what="resid working (R)")


def test_star98_proportion_with_trial_weights_matches_r_cbind() -> None:
    """glm(prop ~ ., binomial, weights = n) is R's other spelling of the cbind model.

    R's binomial()$aic treats prior weights as the numbers of trials when the
    response is a proportion, so logLik and AIC equal those of the cbind fit.
    """
    ref = load_reference("star98_binomial")
    data = ref.data.copy()
    data["trials"] = data["NABOVE"] + data["NBELOW"]
    data["prop"] = data["NABOVE"] / data["trials"]
    terms = " + ".join(name for name in ref.params.index if name != "Intercept")
    fit = gg.glm(f"prop ~ {terms}", data, family="binomial", weights="trials")

    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, ref.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    assert_close(fit.pearson_chi2, ref.pearson_chi2, rtol=1e-6, what="pearson_chi2")
    assert fit.nobs == 303
    assert_close(fit.loglik, ref.loglik, rtol=STAT_RTOL, what="loglik")
    assert_close(fit.aic, ref.aic, rtol=STAT_RTOL, what="aic")


# --------------------------------------------------------------------------- R: poisson
def test_cpunish_poisson_matches_r() -> None:
    ref = load_reference("cpunish_poisson")
    fit = gg.glm(ref.formula, ref.data, family="poisson")

    assert fit.converged
    assert fit.n_iter >= 1
    assert fit.warnings == []  # nothing suspicious in a clean fit
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, ref.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    assert_close(fit.loglik, ref.loglik, rtol=STAT_RTOL, what="loglik")
    assert_close(fit.aic, ref.aic, rtol=STAT_RTOL, what="aic")  # k = 7
    assert_close(fit.bic, r_bic(ref.loglik, 7, 17), rtol=STAT_RTOL, what="bic")
    assert_close(fit.aicc, ref.aic + 2 * 7 * 8 / (17 - 7 - 1), rtol=STAT_RTOL, what="aicc")
    assert_close(fit.pearson_chi2, ref.pearson_chi2, rtol=1e-7, what="pearson_chi2")  # printed to 10 digits
    assert fit.scale == 1.0
    assert fit.df_resid == 10
    assert fit.df_model == 6
    assert fit.nobs == 17
    assert_close(fit.fitted, ref.fitted, rtol=1e-6, what="fitted")
    for kind in ("pearson", "deviance", "response"):  # Stata, 8 significant digits
        assert_close(fit.resid(kind=kind), getattr(ref, f"resid_{kind}"), rtol=1e-6, atol=1e-6, what=f"resid {kind}")
    # R's working residuals: (y - mu) * g'(mu) = (y - mu) / mu for the log link
    y = ref.data["EXECUTIONS"].to_numpy()
    assert_close(fit.resid(kind="working"), (y - ref.fitted) / ref.fitted, rtol=1e-6, atol=1e-7, what="resid working")


EXPOSURE_SPELLINGS = {
    "exposure=column": dict(exposure="pop"),
    "exposure=array": dict(exposure=np.full(17, 100.0)),
    "offset=expression": dict(offset="np.log(pop)"),
    "offset=array": dict(offset=np.full(17, math.log(100.0))),
}


@pytest.mark.parametrize("spelling", list(EXPOSURE_SPELLINGS))
def test_cpunish_poisson_exposure_matches_r(spelling: str) -> None:
    """R_cpunish.s model m2: offset=rep(log(100), 17). Only the intercept moves, by -log(100)."""
    plain = load_reference("cpunish_poisson")
    ref = load_reference("cpunish_poisson_exposure")
    fit = gg.glm(plain.formula, plain.data, family="poisson", **EXPOSURE_SPELLINGS[spelling])

    # printed Cpunish_offset values (7 significant digits)
    assert_series_close(fit.params, ref.params, rtol=PARAMS_RTOL, what="params vs Cpunish_offset")
    # the same model written as cpunish_poisson with the intercept shifted (exact)
    shifted = plain.params.copy()
    shifted["Intercept"] -= math.log(100.0)
    assert_series_close(fit.params, shifted, rtol=PARAMS_RTOL, what="params vs shifted Cpunish")
    # Cpunish_offset bse are printed to 4 digits only; the unshifted fit's are the same numbers.
    assert_series_close(fit.bse, plain.bse, rtol=BSE_RTOL, what="bse")
    assert_series_close(fit.bse, ref.bse, rtol=2e-4, what="bse vs Cpunish_offset (4 digits)")
    # A constant offset changes neither the fitted means nor the intercept-only null model.
    assert_close(fit.deviance, plain.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, plain.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    assert_close(fit.loglik, plain.loglik, rtol=STAT_RTOL, what="loglik")
    assert_close(fit.aic, plain.aic, rtol=STAT_RTOL, what="aic")
    assert_close(fit.pearson_chi2, plain.pearson_chi2, rtol=1e-7, what="pearson_chi2")
    assert_close(fit.fitted, plain.fitted, rtol=1e-6, what="fitted")
    assert fit.df_resid == 10 and fit.df_model == 6 and fit.nobs == 17


def test_dot_formula_excludes_exposure_column() -> None:
    """``y ~ .`` does not use the column named as exposure (R_cpunish.s m2 with LN_VC100k96 as a column)."""
    ref = load_reference("cpunish_poisson_exposure")
    cp = load_cpunish()
    data = cp[["EXECUTIONS", "INCOME", "PERPOVERTY", "PERBLACK", "SOUTH", "DEGREE", "pop"]].copy()
    data.insert(4, "LN_VC100k96", np.log(cp["VC100k96"]))
    fit = gg.glm("EXECUTIONS ~ .", data, family="poisson", exposure="pop")
    expected = ref.params.rename({"np.log(VC100k96)": "LN_VC100k96"})
    assert "pop" not in fit.params.index
    assert_series_close(fit.params, expected, rtol=PARAMS_RTOL, what="params")


def test_dot_formula_excludes_weight_columns() -> None:
    """``y ~ .`` does not use the columns named as weights / freq_weights."""
    data = load_cpunish()[["EXECUTIONS", "INCOME_K", "SOUTH", "fweight", "aweight"]]
    fit = gg.glm("EXECUTIONS ~ .", data, family="poisson", weights="aweight", freq_weights="fweight")
    assert set(fit.params.index) == {"Intercept", "INCOME_K", "SOUTH"}
    res = sm_glm(data, "EXECUTIONS", ["INCOME_K", "SOUTH"], "poisson",
                 var_weights=data["aweight"].to_numpy(), freq_weights=data["fweight"].to_numpy())
    assert_series_close(fit.params, res.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, res.bse, rtol=1e-6, what="bse")


def test_weights_given_as_expression() -> None:
    """``weights="np.sqrt(weight)"`` is evaluated on the data like a formula term."""
    data = load_cpunish()
    res = sm_glm(data, "EXECUTIONS", ["INCOME_K", "SOUTH"], "poisson", var_weights=np.sqrt(data["weight"].to_numpy()))
    fit = gg.glm("EXECUTIONS ~ INCOME_K + SOUTH", data, family="poisson", weights="np.sqrt(weight)")
    check_against_statsmodels(fit, res, "poisson", nobs=17)


# --------------------------------------------------------------------------- Stata: weights
@pytest.mark.parametrize("as_array", [False, True], ids=["column", "array"])
def test_poisson_freq_weights_match_stata_fweight(as_array: bool) -> None:
    ref = load_reference("poisson_fweight_stata")
    data = ref.data
    freq_weights = data["fweight"].to_numpy() if as_array else "fweight"
    fit = gg.glm(ref.formula, data, family="poisson", freq_weights=freq_weights)

    assert_series_close(fit.params, ref.params, rtol=5e-6, what="params")  # Stata ml tolerance, see module doc
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=1e-6, what="deviance")
    assert_close(fit.pearson_chi2, ref.pearson_chi2, rtol=1e-6, what="pearson_chi2")
    assert_close(fit.loglik, ref.loglik, rtol=1e-7, what="loglik")
    # Stata's estat ic: AIC = -2 ll + 2k, BIC = -2 ll + k ln(N) with N = sum of fweights = 33
    assert_close(fit.aic, ref.aic, rtol=1e-7, what="aic")
    assert_close(fit.bic, ref.bic, rtol=1e-7, what="bic")
    assert fit.nobs == 33
    assert fit.df_resid == 26  # N - rank
    assert fit.df_model == 6
    # residuals are per row (those of each copy of the row), not multiplied by sqrt(fweight)
    for kind in ("response", "pearson", "deviance", "working"):
        assert_close(fit.resid(kind=kind), getattr(ref, f"resid_{kind}"), rtol=1e-5, atol=1e-6, what=f"resid {kind}")


def test_poisson_prior_weights_match_stata_aweight() -> None:
    """Stata's aweight normalises the weights to sum to N; glm(weights=) with those weights is the same model."""
    ref = load_reference("poisson_aweight_stata")
    fit = gg.glm(ref.formula, ref.data, family="poisson", weights="aweight")

    assert_series_close(fit.params, ref.params, rtol=5e-6, what="params")
    assert_series_close(fit.bse, ref.bse, rtol=BSE_RTOL, what="bse")
    assert_close(fit.deviance, ref.deviance, rtol=1e-6, what="deviance")
    assert_close(fit.pearson_chi2, ref.pearson_chi2, rtol=1e-6, what="pearson_chi2")
    # sum(w * log dpois(y, mu)): the same in R (poisson()$aic) and Stata
    assert_close(fit.loglik, ref.loglik, rtol=1e-7, what="loglik")
    assert_close(fit.aic, ref.aic, rtol=1e-7, what="aic")
    assert_close(fit.bic, ref.bic, rtol=1e-7, what="bic")  # n = 17 rows
    assert fit.nobs == 17
    assert fit.df_resid == 10
    assert fit.df_model == 6


# --------------------------------------------------------------------------- statsmodels live
def _sm():
    return pytest.importorskip("statsmodels.api")


def _sm_family(name: str, link: str | None = None):
    sm = _sm()
    links = {
        "identity": sm.families.links.Identity,
        "log": sm.families.links.Log,
        "logit": sm.families.links.Logit,
        "probit": sm.families.links.Probit,
        "cloglog": sm.families.links.CLogLog,
    }
    family = {"gaussian": sm.families.Gaussian, "binomial": sm.families.Binomial, "poisson": sm.families.Poisson}[name]
    return family() if link is None else family(link=links[link]())


def sm_glm(data: pd.DataFrame, y: str, columns: list[str], family: str, link: str | None = None, **kwargs):
    """statsmodels GLM on ``Intercept + columns`` (design built by hand), fitted tightly."""
    sm = _sm()
    exog = data[columns].astype(float).copy()
    exog.insert(0, "Intercept", 1.0)
    model = sm.GLM(data[y].astype(float), exog, family=_sm_family(family, link), **kwargs)
    return model.fit(tol=1e-13, maxiter=200)


def r_k(family: str, n_coef: int) -> int:
    """Number of parameters R's logLik counts: the coefficients, plus the dispersion for gaussian."""
    return n_coef + (1 if family == "gaussian" else 0)


def check_against_statsmodels(fit, res, family: str, nobs: float, *, loglik: bool = True) -> None:
    names = list(res.params.index)
    assert_series_close(fit.params, res.params, rtol=PARAMS_RTOL, what="params")
    assert_series_close(fit.bse, res.bse, rtol=1e-6, what="bse")  # both at the converged estimate
    np.testing.assert_allclose(cov_frame(fit, names), np.asarray(res.cov_params()), rtol=1e-6, atol=1e-14)
    assert_close(fit.deviance, res.deviance, rtol=STAT_RTOL, what="deviance")
    assert_close(fit.null_deviance, res.null_deviance, rtol=STAT_RTOL, what="null_deviance")
    assert_close(fit.pearson_chi2, res.pearson_chi2, rtol=1e-7, what="pearson_chi2")
    assert_close(fit.scale, res.scale, rtol=1e-7, what="scale")
    assert fit.df_resid == pytest.approx(res.df_resid)
    assert fit.df_model == len(names) - 1
    assert fit.nobs == pytest.approx(nobs)
    if loglik:
        k = r_k(family, len(names))
        assert_close(fit.loglik, res.llf, rtol=STAT_RTOL, what="loglik")
        assert_close(fit.aic, r_aic(res.llf, k), rtol=STAT_RTOL, what="aic")
        # statsmodels' own .bic is deviance based; R's BIC is computed from the log-likelihood.
        assert_close(fit.bic, r_bic(res.llf, k, nobs), rtol=STAT_RTOL, what="bic")


WEIGHT_CASES = {
    # family, data loader, response, columns
    "gaussian": ("gaussian", load_cpunish, "EXECUTIONS", ["INCOME_K", "PERBLACK", "SOUTH"]),
    "binomial": ("binomial", load_lbw, "low", ["age", "lwt", "smoke", "ht"]),
    "poisson": ("poisson", load_cpunish, "EXECUTIONS", ["INCOME_K", "PERBLACK", "SOUTH"]),
}


def _integer_weights(n: int) -> np.ndarray:
    return (np.arange(n) % 3 + 1).astype(float)  # 1, 2, 3, 1, 2, 3, ...


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_prior_weights_match_statsmodels_var_weights(case: str) -> None:
    """``weights=`` are R's prior weights = statsmodels' ``var_weights``; nobs stays the number of rows.

    For 0/1 binomial data with integer weights R's logLik (weights as trials,
    y*w successes of w) equals statsmodels' var_weights log-likelihood.
    """
    family, loader, y, columns = WEIGHT_CASES[case]
    data = loader()
    data["w"] = _integer_weights(len(data))
    res = sm_glm(data, y, columns, family, var_weights=data["w"].to_numpy())
    fit = gg.glm(f"{y} ~ {' + '.join(columns)}", data, family=family, weights="w")
    check_against_statsmodels(fit, res, family, nobs=len(data))
    for kind, attr in [("response", "resid_response"), ("pearson", "resid_pearson"),
                       ("deviance", "resid_deviance"), ("working", "resid_working")]:
        assert_close(fit.resid(kind=kind), getattr(res, attr), rtol=1e-6, atol=1e-9, what=f"resid {kind}")


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_freq_weights_match_statsmodels_freq_weights(case: str) -> None:
    """``freq_weights=`` are Stata fweights = statsmodels' ``freq_weights``: nobs and BIC's n are their sum."""
    family, loader, y, columns = WEIGHT_CASES[case]
    data = loader()
    data["fw"] = _integer_weights(len(data))
    res = sm_glm(data, y, columns, family, freq_weights=data["fw"].to_numpy())
    fit = gg.glm(f"{y} ~ {' + '.join(columns)}", data, family=family, freq_weights="fw")
    check_against_statsmodels(fit, res, family, nobs=data["fw"].sum())
    assert fit.df_resid == data["fw"].sum() - len(columns) - 1


@pytest.mark.parametrize("link", ["probit", "cloglog"])
def test_binomial_noncanonical_links_match_statsmodels(link: str) -> None:
    """Non-canonical links: IRLS (Fisher scoring) standard errors from the expected information, as R and statsmodels."""
    data = load_lbw()
    columns = ["age", "lwt", "race_black", "race_other", "smoke", "ptl", "ht", "ui"]
    res = sm_glm(data, "low", columns, "binomial", link)
    fit = gg.glm(f"low ~ {' + '.join(columns)}", data, family="binomial", link=link)
    check_against_statsmodels(fit, res, "binomial", nobs=189)


@pytest.mark.filterwarnings("ignore:The Identity link function does not respect the domain")
def test_poisson_identity_link_matches_statsmodels() -> None:
    data = load_cpunish()  # one binary predictor: mu = b0 + b1 * SOUTH stays positive
    res = sm_glm(data, "EXECUTIONS", ["SOUTH"], "poisson", "identity")
    fit = gg.glm("EXECUTIONS ~ SOUTH", data, family="poisson", link="identity")
    check_against_statsmodels(fit, res, "poisson", nobs=17)


# --------------------------------------------------------------------------- results API vs statsmodels
def _live_cases() -> list[str]:
    """Models used by the results-API tests: gaussian (Longley), binomial (Lbw), poisson with a varying exposure."""
    return ["gaussian", "binomial", "poisson_exposure"]


def _make_live(case: str):
    """Fit one model with glmgen and statsmodels; return (fit, res, data, columns, y, extra)."""
    if case == "gaussian":
        data = load_longley()
        columns = ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]
        res = sm_glm(data, "TOTEMP", columns, "gaussian")
        fit = gg.glm("TOTEMP ~ " + " + ".join(columns), data, family="gaussian")
        return fit, res, data, columns, "TOTEMP", {}
    if case == "binomial":
        data = load_lbw()
        columns = ["age", "lwt", "race_black", "race_other", "smoke", "ptl", "ht", "ui"]
        res = sm_glm(data, "low", columns, "binomial")
        fit = gg.glm("low ~ " + " + ".join(columns), data, family="binomial")
        return fit, res, data, columns, "low", {}
    if case == "poisson_exposure":
        data = load_cpunish()
        data["years"] = np.linspace(1.0, 4.0, len(data))  # a varying exposure
        columns = ["INCOME_K", "PERBLACK", "SOUTH"]
        res = sm_glm(data, "EXECUTIONS", columns, "poisson", exposure=data["years"].to_numpy())
        fit = gg.glm("EXECUTIONS ~ " + " + ".join(columns), data, family="poisson", exposure="years")
        return fit, res, data, columns, "EXECUTIONS", {"exposure": "years"}
    raise AssertionError(case)


@pytest.mark.parametrize("case", _live_cases())
def test_fit_statistics_match_statsmodels(case: str) -> None:
    fit, res, data, columns, y, extra = _make_live(case)
    family = {"gaussian": "gaussian", "binomial": "binomial", "poisson_exposure": "poisson"}[case]
    check_against_statsmodels(fit, res, family, nobs=len(data))


@pytest.mark.parametrize("case", _live_cases())
def test_residuals_and_fitted_match_statsmodels(case: str) -> None:
    fit, res, *_ = _make_live(case)
    assert_close(fit.fitted, res.fittedvalues, rtol=1e-7, what="fitted")
    for kind, attr in [("deviance", "resid_deviance"), ("pearson", "resid_pearson"),
                       ("response", "resid_response"), ("working", "resid_working")]:
        assert_close(fit.resid(kind=kind), getattr(res, attr), rtol=1e-6, atol=1e-9, what=f"resid {kind}")
    # R's residuals.glm defaults to deviance residuals
    assert_close(fit.resid(), res.resid_deviance, rtol=1e-6, atol=1e-9, what="default resid kind")


def test_null_deviance_with_varying_exposure_refits_intercept_with_offset() -> None:
    """R's glm() refits y ~ 1 with the offset to get the null deviance (as statsmodels does)."""
    sm = _sm()
    fit, res, data, *_ = _make_live("poisson_exposure")
    y = data["EXECUTIONS"].to_numpy()
    null = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Poisson(), exposure=data["years"].to_numpy()).fit(tol=1e-13)
    assert_close(fit.null_deviance, null.deviance, rtol=STAT_RTOL, what="null_deviance")
    # ... which is not the deviance of the offset-free mean
    naive = 2 * np.sum(np.where(y > 0, y * np.log(y / y.mean()), 0.0) - (y - y.mean()))
    assert not np.isclose(fit.null_deviance, naive, rtol=1e-3)


def _new_rows(case: str, data: pd.DataFrame) -> pd.DataFrame:
    new = data.iloc[[0, 3, 5, 8, 11]].copy().reset_index(drop=True)
    if case == "gaussian":
        new["GNP"] = new["GNP"] * 1.05
    elif case == "binomial":
        new["age"] = new["age"] + 3
    else:
        new["INCOME_K"] = new["INCOME_K"] * 1.1
        new["years"] = [0.5, 1.0, 2.0, 3.0, 7.5]
    return new


@pytest.mark.parametrize("case", _live_cases())
def test_predict_new_data_matches_statsmodels(case: str) -> None:
    fit, res, data, columns, y, extra = _make_live(case)
    new = _new_rows(case, data)
    exog = new[columns].astype(float).copy()
    exog.insert(0, "Intercept", 1.0)
    sm_kwargs = {"exposure": new["years"].to_numpy()} if case == "poisson_exposure" else {}
    expected_mu = np.asarray(res.predict(exog, **sm_kwargs))
    expected_eta = np.asarray(res.predict(exog, which="linear", **sm_kwargs))  # includes log(exposure), as R

    assert_close(fit.predict(new), expected_mu, rtol=1e-7, what="predict default (response)")
    assert_close(fit.predict(new, kind="response"), expected_mu, rtol=1e-7, what="predict response")
    assert_close(fit.predict(new, kind="link"), expected_eta, rtol=1e-7, atol=1e-9, what="predict link")
    # no data: the training rows
    assert_close(fit.predict(), res.fittedvalues, rtol=1e-7, what="predict() on training rows")
    assert_close(fit.predict(kind="link"), res.predict(which="linear"), rtol=1e-7, atol=1e-9, what="predict(kind='link')")


def test_predict_with_array_exposure_takes_offset_argument() -> None:
    """A model fitted with an array exposure needs ``offset=`` (log scale) at predict time."""
    _, res, data, columns, *_ = _make_live("poisson_exposure")
    fit = gg.glm("EXECUTIONS ~ " + " + ".join(columns), data, family="poisson", exposure=data["years"].to_numpy())
    new = _new_rows("poisson_exposure", data)
    exog = new[columns].astype(float).copy()
    exog.insert(0, "Intercept", 1.0)
    expected = np.asarray(res.predict(exog, exposure=new["years"].to_numpy()))
    assert_close(fit.predict(new, offset=np.log(new["years"].to_numpy())), expected, rtol=1e-7, what="predict")


@pytest.mark.parametrize("case", _live_cases())
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_conf_int_is_wald_normal_as_r_confint_default(case: str, level: float) -> None:
    """conf_int is the Wald interval with normal quantiles for every family.

    That is R's ``confint.default()`` (not MASS's profile ``confint()``) and
    statsmodels' GLM ``conf_int()`` (use_t=False), also for gaussian.
    """
    fit, res, *_ = _make_live(case)
    ci = fit.conf_int(level=level)
    assert isinstance(ci, pd.DataFrame)
    assert list(ci.columns) == ["lower", "upper"]
    expected = res.conf_int(alpha=1 - level)
    expected.columns = ["lower", "upper"]
    assert set(ci.index) == set(expected.index)
    np.testing.assert_allclose(ci.loc[expected.index].to_numpy(), expected.to_numpy(), rtol=1e-6, atol=1e-12)
    # and by hand from bse
    z = stats.norm.ppf(0.5 + level / 2)
    assert_close(ci["lower"], fit.params[ci.index] - z * fit.bse[ci.index], rtol=1e-12, atol=1e-12, what="lower")
    if level == 0.95:
        assert_close(fit.conf_int()["upper"], ci["upper"], rtol=0, what="default level is 0.95")


@pytest.mark.parametrize("case", _live_cases())
def test_coef_table_columns_and_values(case: str) -> None:
    fit, res, *_ = _make_live(case)
    table = fit.coef_table()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["estimate", "std_err", "statistic", "p_value", "ci_lower", "ci_upper"]
    names = list(res.params.index)
    assert set(table.index) == set(names)
    table = table.loc[names]
    assert_close(table["estimate"], res.params, rtol=PARAMS_RTOL, what="estimate")
    assert_close(table["std_err"], res.bse, rtol=1e-6, what="std_err")
    assert_close(table["statistic"], res.params / res.bse, rtol=1e-6, what="statistic = estimate / std_err")
    ci = fit.conf_int().loc[names]
    assert_close(table["ci_lower"], ci["lower"], rtol=0, atol=0, what="ci_lower")
    assert_close(table["ci_upper"], ci["upper"], rtol=0, atol=0, what="ci_upper")
    assert_close(table["p_value"], fit.pvalues[names], rtol=0, atol=0, what="p_value = pvalues")
    if case != "gaussian":
        # known dispersion: z-test in R's summary.glm and statsmodels
        assert_close(table["p_value"], res.pvalues, rtol=1e-6, atol=1e-14, what="p_value")
    else:
        # R's summary.glm uses t(df.residual) when the dispersion is estimated, statsmodels
        # the normal; the contract only says "Wald", so check the range only.
        assert ((table["p_value"] > 0) & (table["p_value"] <= 1)).all()


def test_summary_is_printable_and_names_coefficients() -> None:
    ref = load_reference("cpunish_poisson")
    fit = gg.glm(ref.formula, ref.data, family="poisson")
    text = str(fit.summary())
    for name in ref.params.index:
        assert name in text
