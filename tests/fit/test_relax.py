"""Relaxed lasso (``gg.glm_path(..., relax=True)``): the relaxed fits against statsmodels GLM on each active set
(glmstar has no ``relax``), the gamma blend, the relaxed CV and its choice rule (glmnet's ``getOptcv.relaxed``)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import glmgen as gg
from glmgen.errors import InvalidParameterError
from glmgen.stats import relaxed_choice

FORMULA = "aff ~ rate_marriage + age + yrs_married + children + religious + educ"
COLUMNS = ["rate_marriage", "age", "yrs_married", "children", "religious", "educ"]


@pytest.fixture(scope="module")
def fair():
    data = sm.datasets.fair.load_pandas().data.sample(600, random_state=0).reset_index(drop=True)
    data["aff"] = (data.affairs > 0).astype(float)
    return data


@pytest.fixture(scope="module")
def path(fair):
    return gg.glm_path(FORMULA, fair, "binomial", relax=True, n_alphas=12)


def _statsmodels_fit(data, columns, family, response="aff", **kwargs):
    exog = sm.add_constant(data[columns], has_constant="add")
    return sm.GLM(data[response], exog, family=family, **kwargs).fit(tol=1e-12)


def test_relaxed_coefficients_are_the_glm_on_each_active_set(path, fair):
    assert path.relaxed_coefs is not None and path.relaxed_coefs.shape == path.coefs.shape
    for k in range(len(path.alphas)):
        active = [c for c in COLUMNS if path.coefs.iloc[k][c] != 0]
        reference = _statsmodels_fit(fair, active, sm.families.Binomial())
        relaxed = path.relaxed_coefs.iloc[k]
        np.testing.assert_allclose(relaxed[["Intercept"] + active].to_numpy(), reference.params.to_numpy(),
                                   rtol=1e-6, atol=1e-7)
        assert np.all(relaxed[[c for c in COLUMNS if c not in active]] == 0.0)
        np.testing.assert_allclose(path.relaxed_deviance[k], reference.deviance, rtol=1e-8)


def test_empty_active_set_is_the_null_model(path, fair):
    assert np.all(path.coefs.iloc[0][COLUMNS] == 0)
    mean = fair["aff"].mean()
    assert path.relaxed_coefs.iloc[0]["Intercept"] == pytest.approx(np.log(mean / (1 - mean)), rel=1e-8)
    assert path.relaxed_deviance[0] == pytest.approx(path.null_deviance, rel=1e-10)


def test_relaxed_fit_keeps_offset_and_weights(fair):
    data = fair.assign(y=fair["children"].round(), exposure=fair["yrs_married"] + 1.0, w=1.0 + (fair.index % 3))
    path = gg.glm_path("y ~ rate_marriage + age + religious + educ + occupation", data, "poisson",
                       exposure="exposure", weights="w", relax=True, n_alphas=6)
    k = len(path.alphas) // 2
    active = [c for c in ["rate_marriage", "age", "religious", "educ", "occupation"] if path.coefs.iloc[k][c] != 0]
    reference = _statsmodels_fit(data, active, sm.families.Poisson(), "y", exposure=data["exposure"],
                                 var_weights=data["w"])
    np.testing.assert_allclose(path.relaxed_coefs.iloc[k][["Intercept"] + active], reference.params,
                               rtol=1e-6, atol=1e-7)


def test_fit_at_gamma_blends_lasso_and_relaxed_fits(path, fair):
    alpha = float(path.alphas[4])
    lasso = path.fit_at(alpha)
    active = [c for c in COLUMNS if lasso.params[c] != 0]
    reference = _statsmodels_fit(fair, active, sm.families.Binomial()).params.rename({"const": "Intercept"})
    relaxed = reference.reindex(lasso.params.index, fill_value=0.0)
    blended = path.fit_at(alpha, gamma=0.25)
    np.testing.assert_allclose(blended.params, 0.25 * lasso.params + 0.75 * relaxed, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(path.fit_at(alpha, gamma=1.0).params, lasso.params, rtol=0, atol=1e-12)
    eta = blended.params["Intercept"] + fair[COLUMNS].to_numpy() @ blended.params[COLUMNS].to_numpy()
    mu = 1 / (1 + np.exp(-eta))
    deviance = -2 * np.sum(fair["aff"] * np.log(mu) + (1 - fair["aff"]) * np.log(1 - mu))
    assert blended.deviance == pytest.approx(deviance, rel=1e-9)


def test_relaxed_cv_table_and_selection(path, fair):
    folds = np.arange(len(fair)) % 4
    cv = path.cv(folds=folds)
    table = cv.gamma_table()
    assert list(table.index) == [0.0, 0.25, 0.5, 0.75, 1.0] and table.shape == (5, len(path.alphas))
    plain = gg.glm_path(FORMULA, fair, "binomial", n_alphas=12).cv(folds=folds)
    np.testing.assert_allclose(table.loc[1.0], plain.mean_deviance, rtol=1e-8)  # gamma = 1 is the lasso
    g, k = relaxed_choice(cv.relaxed_mean, cv.relaxed_se, cv.gammas, "min")
    assert (cv.gamma_min, cv.alpha_min) == (cv.gammas[g], path.alphas[k])
    assert table.to_numpy().min() == pytest.approx(table.loc[cv.gamma_min, cv.alpha_min])
    chosen = path.select("cv")
    np.testing.assert_allclose(chosen.params, path.fit_at(cv.alpha_min, gamma=cv.gamma_min).params, atol=1e-12)
    at_half = path.select("cv", gamma=0.5)
    k_half = int(np.argmin(table.loc[0.5].to_numpy()))
    np.testing.assert_allclose(at_half.params, path.fit_at(path.alphas[k_half], gamma=0.5).params, atol=1e-12)


def test_relaxed_choice_follows_glmnet_rule():
    gammas = np.array([0.0, 0.5, 1.0])
    mean = np.array([[3.0, 2.0, 1.0, 1.5], [3.0, 1.4, 1.2, 1.6], [3.0, 1.3, 1.0, 1.7]])
    se = np.full_like(mean, 0.35)
    assert relaxed_choice(mean, se, gammas, "min") == (2, 2)  # tie at 1.0: larger gamma
    assert relaxed_choice(mean, se, gammas, "1se") == (2, 1)  # largest alpha within 1.35, then largest gamma


def test_refusals(fair, path):
    plain = gg.glm_path(FORMULA, fair, "binomial", n_alphas=5)
    with pytest.raises(InvalidParameterError, match="relax=True"):
        plain.fit_at(plain.alphas[2], gamma=0.5)
    with pytest.raises(InvalidParameterError, match="gamma"):
        path.fit_at(path.alphas[2], gamma=1.5)
    with pytest.raises(InvalidParameterError, match="relax"):
        gg.glm_path(FORMULA, fair, "binomial", relax="yes")


def test_dask_frame_is_refused(fair):
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(InvalidParameterError, match="Dask"):
        gg.glm_path(FORMULA, dd.from_pandas(fair, npartitions=2), "binomial", relax=True)


def test_aliased_active_column_is_zero_in_the_relaxed_fit():
    """A column that duplicates another (up to scale) and is active at small alpha is aliased in the refit: 0, as
    R's NA, so the relaxed and blended coefficients and their CV stay finite; the rest is statsmodels' GLM on the
    non-aliased active columns."""
    rng = np.random.default_rng(0)
    n = 30
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    df["x2"] = 2.0 * df["x"]
    df["y"] = df["x"] + rng.normal(size=n)
    path = gg.glm_path("y ~ x + x2 + z", df, relax=True, n_alphas=10)
    relaxed = path.relaxed_coefs
    assert np.isfinite(relaxed.to_numpy()).all()
    last = relaxed.iloc[-1]
    assert last["x2"] == 0.0
    reference = sm.GLM(df["y"], sm.add_constant(df[["x", "z"]])).fit()
    np.testing.assert_allclose(last[["Intercept", "x", "z"]].to_numpy(), reference.params.to_numpy(), rtol=1e-6)
    assert np.isfinite(path.cv(folds=3, seed=0).relaxed_mean).all()
