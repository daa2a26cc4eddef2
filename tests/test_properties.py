"""Invariance properties of unpenalized fits (after scikit-learn's
``sklearn/linear_model/_glm/tests/test_glm.py``, ``test_glm_sample_weight_consistency``).

Each test states the identity it checks and why it holds. Data are well
conditioned: x ~ N(0, 1), moderate coefficients, 30-60 rows, so every fit
converges and a binomial fit is not separated. Both sides of an identity go
through the same solver, but possibly along different iterate paths (starting
values depend on the weights), so coefficients are compared at rtol 1e-6 and
deviance-type statistics, which are flat at the optimum, at rtol 1e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glmgen as gg

FAMILIES = ["gaussian", "binomial", "poisson"]
PARAMS_RTOL, PARAMS_ATOL = 1e-6, 1e-8
STAT_RTOL = 1e-8

property_settings = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def make_data(rng: np.random.Generator, family: str, n: int) -> pd.DataFrame:
    """x1, x2, x3 ~ N(0, 1), g a balanced 3-level factor, y from ``family`` with a moderate linear predictor.

    Binomial data get twice the rows: with 30 rows (10 per level of g) a level
    whose ten outcomes are all 1 (about 2% of draws) already separates the data.
    """
    if family == "binomial":
        n = 2 * n
    x = rng.standard_normal((n, 3))
    g = np.array(["a", "b", "c"])[rng.permutation(np.arange(n) % 3)]
    eta = 0.3 + 0.5 * x[:, 0] - 0.4 * x[:, 1] + 0.2 * x[:, 2] + np.where(g == "b", 0.3, 0.0)
    if family == "gaussian":
        y = eta + rng.standard_normal(n)
    elif family == "binomial":
        y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    else:
        y = rng.poisson(np.exp(eta)).astype(float)
    return pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "g": g})


FORMULA = "y ~ x1 + x2 + x3"


def assert_same_params(a: pd.Series, b: pd.Series) -> None:
    assert set(a.index) == set(b.index), (list(a.index), list(b.index))
    np.testing.assert_allclose(
        a[b.index].to_numpy(float), b.to_numpy(float), rtol=PARAMS_RTOL, atol=PARAMS_ATOL
    )


def assert_same_stat(a: float, b: float, what: str) -> None:
    np.testing.assert_allclose(a, b, rtol=STAT_RTOL, atol=1e-10, err_msg=what)


common = dict(
    data_seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 60),
    family=st.sampled_from(FAMILIES),
)


@property_settings
@given(**common, n_dup=st.integers(1, 5))
def test_freq_weight_two_equals_duplicated_row(seed: int, data_seed: int, n: int, family: str, n_dup: int) -> None:
    """freq weight 2 on a row ≡ that row twice (params, bse, deviance, loglik, AIC/BIC, nobs, df_resid).

    Why: every GLM statistic is a sum over rows of a per-row term (score,
    information, unit deviance, log-density), and a frequency weight multiplies
    that term, so the two data sets define the same likelihood; nobs and the
    residual degrees of freedom count the copies (Stata's fweight).
    """
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, family, n)
    n = len(data)
    rows = rng.choice(n, size=n_dup, replace=False)
    fw = np.ones(n)
    fw[rows] = 2.0
    data["fw"] = fw
    duplicated = pd.concat([data, data.iloc[rows]], ignore_index=True)

    a = gg.glm(FORMULA, data, family=family, freq_weights="fw")
    b = gg.glm(FORMULA, duplicated, family=family)
    assert_same_params(a.params, b.params)
    assert_same_params(a.bse, b.bse)
    for stat in ("deviance", "null_deviance", "loglik", "aic", "bic", "pearson_chi2", "scale"):
        assert_same_stat(getattr(a, stat), getattr(b, stat), stat)
    assert a.nobs == b.nobs == n + n_dup
    assert a.df_resid == b.df_resid


@property_settings
@given(**common, factor=st.sampled_from([2.0, 10.0, 0.25, 1000.0]))
def test_scaling_prior_weights_leaves_params_unchanged(
    seed: int, data_seed: int, n: int, family: str, factor: float
) -> None:
    """weights c*w give the same coefficients as weights w (any c > 0).

    Why: the estimating equations sum_i w_i x_i (y_i - mu_i) / (V(mu_i) g'(mu_i)) = 0
    are homogeneous in w. (For gaussian the dispersion absorbs c as well, so
    the standard errors are unchanged too.)
    """
    if family == "binomial" and factor < 1:
        factor = 1.0 / factor  # keep binomial prior weights integer (R warns on non-integer successes)
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, family, n)
    data["w"] = rng.integers(1, 5, size=len(data)).astype(float)
    data["cw"] = factor * data["w"]

    a = gg.glm(FORMULA, data, family=family, weights="w")
    b = gg.glm(FORMULA, data, family=family, weights="cw")
    assert_same_params(a.params, b.params)
    if family == "gaussian":
        assert_same_params(a.bse, b.bse)


@property_settings
@given(**common)
def test_permuting_rows_leaves_fit_unchanged(seed: int, data_seed: int, n: int, family: str) -> None:
    """Shuffling the rows changes neither params, bse nor deviance / loglik; fitted values follow the rows.

    Why: the likelihood is a sum over rows, and sums do not depend on order.
    """
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, family, n)
    perm = rng.permutation(len(data))

    a = gg.glm(FORMULA, data, family=family)
    b = gg.glm(FORMULA, data.iloc[perm], family=family)
    assert_same_params(a.params, b.params)
    assert_same_params(a.bse, b.bse)
    for stat in ("deviance", "null_deviance", "loglik", "aic", "bic"):
        assert_same_stat(getattr(a, stat), getattr(b, stat), stat)
    np.testing.assert_allclose(
        np.asarray(b.fitted, dtype=float), np.asarray(a.fitted, dtype=float)[perm], rtol=1e-7, atol=1e-10
    )


@property_settings
@given(**common, order=st.permutations(["x1", "x2", "x3", "C(g)"]))
def test_permuting_formula_terms_permutes_params_only(
    seed: int, data_seed: int, n: int, family: str, order: list[str]
) -> None:
    """``y ~ x1 + x2 + x3 + C(g)`` and any reordering of its terms give the same labelled params.

    Why: reordering terms permutes the columns of X, i.e. X -> X P; the fit
    is then b -> P^T b with the same fitted values, so each coefficient keeps
    its value and label.
    """
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, family, n)
    a = gg.glm("y ~ x1 + x2 + x3 + C(g)", data, family=family)
    b = gg.glm("y ~ " + " + ".join(order), data, family=family)
    assert_same_params(a.params, b.params)
    assert_same_params(a.bse, b.bse)
    assert_same_stat(a.deviance, b.deviance, "deviance")


@property_settings
@given(data_seed=st.integers(0, 2**32 - 1), n=st.integers(30, 60))
def test_poisson_offset_log_exposure_equals_exposure(seed: int, data_seed: int, n: int) -> None:
    """Poisson ``offset=np.log(e)`` ≡ ``exposure=e``, whichever way each is spelled.

    Why: the contract defines exposure=e as offset=log(e); a column name, an
    array and a formula expression must all give the same offset, also when a
    column-based offset is re-evaluated on new rows at predict time.
    """
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, "poisson", n)
    data["e"] = rng.uniform(0.5, 3.0, size=n)
    data["y"] = rng.poisson(data["e"] * np.exp(0.2 + 0.4 * data["x1"] - 0.3 * data["x2"])).astype(float)

    ref = gg.glm(FORMULA, data, family="poisson", exposure="e")
    variants = {
        "offset=expression": gg.glm(FORMULA, data, family="poisson", offset="np.log(e)"),
        "offset=array": gg.glm(FORMULA, data, family="poisson", offset=np.log(data["e"].to_numpy())),
        "exposure=array": gg.glm(FORMULA, data, family="poisson", exposure=data["e"].to_numpy()),
    }
    for name, fit in variants.items():
        assert_same_params(ref.params, fit.params)
        assert_same_params(ref.bse, fit.bse)
        for stat in ("deviance", "null_deviance", "loglik"):
            assert_same_stat(getattr(ref, stat), getattr(fit, stat), f"{name}: {stat}")

    new = make_data(rng, "poisson", 7)
    new["e"] = rng.uniform(0.5, 3.0, size=7)
    np.testing.assert_allclose(
        np.asarray(variants["offset=expression"].predict(new), dtype=float),
        np.asarray(ref.predict(new), dtype=float),
        rtol=1e-7,
    )


@property_settings
@given(**common, kind=st.sampled_from(["weights", "freq_weights"]))
def test_unit_weights_equal_no_weights(seed: int, data_seed: int, n: int, family: str, kind: str) -> None:
    """weights (or freq_weights) of all ones ≡ no weights.

    Why: a weight of one multiplies every per-row term by one; nobs is n either way.
    """
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, family, n)
    data["one"] = 1.0
    a = gg.glm(FORMULA, data, family=family)
    b = gg.glm(FORMULA, data, family=family, **{kind: "one"})
    assert_same_params(a.params, b.params)
    assert_same_params(a.bse, b.bse)
    for stat in ("deviance", "null_deviance", "loglik", "aic", "bic", "pearson_chi2", "scale"):
        assert_same_stat(getattr(a, stat), getattr(b, stat), stat)
    assert a.nobs == b.nobs == len(data)
    assert a.df_resid == b.df_resid


@property_settings
@given(**common, n_zero=st.integers(1, 3))
def test_zero_prior_weight_equals_dropped_row(seed: int, data_seed: int, n: int, family: str, n_zero: int) -> None:
    """A row with prior weight 0 ≡ the row removed (params and deviance).

    Why: every per-row term of the estimating equations and of the deviance
    is multiplied by the row's weight, so a zero-weight row contributes nothing.
    """
    rng = np.random.default_rng([seed, data_seed])
    data = make_data(rng, family, n)
    n = len(data)
    data["w"] = rng.integers(1, 4, size=n).astype(float)
    rows = rng.choice(n, size=n_zero, replace=False)
    data.loc[data.index[rows], "w"] = 0.0
    kept = data.drop(index=data.index[rows])

    a = gg.glm(FORMULA, data, family=family, weights="w")
    b = gg.glm(FORMULA, kept, family=family, weights="w")
    assert_same_params(a.params, b.params)
    assert_same_stat(a.deviance, b.deviance, "deviance")
