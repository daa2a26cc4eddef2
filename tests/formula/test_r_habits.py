"""R formula habits (issue 17, items 4 and 7): offset() terms, bare maths names, identifiable splines.

References: statsmodels' GLM with an offset array (R's ``glm(..., offset=)``
gives the same numbers), closed-form natural and B-spline bases fitted by
least squares (R's ``ns(x, 4)`` and ``bs(x, 4)`` span the same functions),
and patsy's bases with the constraints written out.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.errors import FormulaError, UnsafeFormulaError

sm = pytest.importorskip("statsmodels.api")
patsy = pytest.importorskip("patsy")


@pytest.fixture(scope="module")
def insurance() -> pd.DataFrame:
    """Shaped like MASS::Insurance: 4 districts x 4 car groups x 4 age bands, claims ~ Poisson(rate * holders)."""
    rng = np.random.default_rng(17)
    grid = pd.MultiIndex.from_product([["1", "2", "3", "4"], ["<1l", "1-1.5l", "1.5-2l", ">2l"],
                                       ["<25", "25-29", "30-35", ">35"]], names=["District", "Group", "Age"])
    data = grid.to_frame(index=False)
    data["Holders"] = rng.integers(5, 3000, len(data)).astype(float)
    data["km"] = rng.uniform(0.5, 2.0, len(data))
    age_effect = data["Age"].map({"<25": 0.3, "25-29": 0.1, "30-35": 0.0, ">35": -0.1})
    rate = 0.1 * np.exp(0.2 * data["District"].astype(int) + age_effect)
    data["Claims"] = rng.poisson(rate * data["Holders"]).astype(float)
    return data


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        yield


def _statsmodels_poisson(data: pd.DataFrame, rhs: str, offset: np.ndarray):
    X = patsy.dmatrix(rhs, data, return_type="dataframe")
    return sm.GLM(data["Claims"], X, family=sm.families.Poisson(), offset=offset).fit(tol=1e-12)


# --- offset() terms --------------------------------------------------------------------------------

def test_offset_term_equals_the_offset_argument_bitwise(insurance):
    term = gg.glm("Claims ~ District + Group + Age + offset(np.log(Holders))", insurance, family="poisson")
    argument = gg.glm("Claims ~ District + Group + Age", insurance, family="poisson", offset="np.log(Holders)")
    np.testing.assert_array_equal(term.params.to_numpy(), argument.params.to_numpy())
    np.testing.assert_array_equal(term.bse.to_numpy(), argument.bse.to_numpy())
    assert (term.deviance, term.aic) == (argument.deviance, argument.aic)
    new = insurance.assign(Holders=insurance["Holders"] * 3.0)
    np.testing.assert_array_equal(term.predict(new).to_numpy(), argument.predict(new).to_numpy())


def test_offset_term_matches_statsmodels_glm_with_offset(insurance):
    """statsmodels' GLM(offset=log(Holders)) is R's glm(Claims ~ District + Group + Age + offset(log(Holders)))."""
    fit = gg.glm("Claims ~ District + Group + Age + offset(np.log(Holders))", insurance, family="poisson")
    ref = _statsmodels_poisson(insurance, "District + Group + Age", np.log(insurance["Holders"].to_numpy()))
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.deviance, ref.deviance, rtol=1e-10)
    np.testing.assert_allclose(fit.null_deviance, ref.null_deviance, rtol=1e-10)


def test_offset_term_adds_to_offset_and_exposure_arguments(insurance):
    """R adds offset() terms to the offset= argument; exposure=e adds log(e)."""
    expected = np.log(insurance["Holders"].to_numpy()) + insurance["km"].to_numpy()
    ref = _statsmodels_poisson(insurance, "District + Age", expected)
    for kwargs in ({"offset": "km"}, {"offset": "I(km)"}):
        fit = gg.glm("Claims ~ District + Age + offset(np.log(Holders))", insurance, family="poisson", **kwargs)
        np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9, atol=1e-12)
    both = gg.glm("Claims ~ District + Age + offset(km)", insurance, family="poisson", exposure="Holders")
    np.testing.assert_allclose(both.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9, atol=1e-12)
    two_terms = gg.glm("Claims ~ offset(km) + District + Age + offset(log(Holders))", insurance, family="poisson")
    np.testing.assert_allclose(two_terms.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9, atol=1e-12)


def test_offset_term_alone_is_the_intercept_only_model(insurance):
    fit = gg.glm("Claims ~ offset(np.log(Holders))", insurance, family="poisson")
    rate = insurance["Claims"].sum() / insurance["Holders"].sum()  # closed form: the pooled rate
    assert list(fit.params.index) == ["Intercept"]
    assert fit.params["Intercept"] == pytest.approx(np.log(rate), rel=1e-10)


def test_dot_leaves_out_the_columns_of_offset_terms(insurance):
    data = insurance[["Claims", "District", "Age", "Holders"]]
    dot = gg.glm("Claims ~ . + offset(np.log(Holders))", data, family="poisson")
    explicit = gg.glm("Claims ~ District + Age + offset(np.log(Holders))", data, family="poisson")
    assert list(dot.params.index) == list(explicit.params.index)
    np.testing.assert_array_equal(dot.params.to_numpy(), explicit.params.to_numpy())


def test_offset_term_survives_cv_model_files_and_safe_mode(insurance, tmp_path):
    formula = "Claims ~ District + Group + Age + offset(log(Holders))"
    term = gg.glm_path(formula, insurance, family="poisson", n_alphas=5, safe=True)
    argument = gg.glm_path("Claims ~ District + Group + Age", insurance, family="poisson", n_alphas=5,
                           offset="np.log(Holders)")
    folds = np.arange(len(insurance)) % 4
    np.testing.assert_allclose(term.cv(folds=folds).mean_deviance, argument.cv(folds=folds).mean_deviance, rtol=1e-10)
    fit = gg.glm(formula, insurance, family="poisson", safe=True)
    fit.save(tmp_path / "offset.json")
    loaded = gg.load(tmp_path / "offset.json")
    new = insurance.assign(Holders=insurance["Holders"] * 2.0)
    np.testing.assert_allclose(loaded.predict(new).to_numpy(), 2.0 * fit.predict(insurance).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("formula", "needle"), [
    ("Claims ~ District:offset(np.log(Holders))", "term of its own"),
    ("Claims ~ District + I(offset(Holders) + 1)", "term of its own"),
    ("Claims ~ District - offset(Holders)", "term of its own"),
    ("Claims ~ District + offset(Holders, km)", "one expression"),
])
def test_misplaced_offset_terms_are_refused(insurance, formula, needle):
    with pytest.raises(FormulaError, match=needle):
        gg.glm(formula, insurance, family="poisson")


def test_offset_term_with_an_array_offset_asks_for_a_column(insurance):
    with pytest.raises(FormulaError, match="offset='that column'"):
        gg.glm("Claims ~ District + offset(np.log(Holders))", insurance, family="poisson",
               offset=insurance["km"].to_numpy())


def test_safe_mode_checks_offset_terms(insurance):
    with pytest.raises(UnsafeFormulaError):
        gg.glm("Claims ~ District + offset(np.log(Holders).sum())", insurance, family="poisson", safe=True)


# --- bare maths names --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs"])
def test_bare_maths_names_are_numpy_functions(insurance, name):
    data = insurance.assign(x=insurance["km"] - 1.2)
    argument = "x" if name in ("exp", "expm1", "abs") else "km"
    bare = gg.glm(f"Claims ~ {name}({argument})", data, family="poisson", safe=True)
    numpy = gg.glm(f"Claims ~ np.{name}({argument})", data, family="poisson")
    np.testing.assert_array_equal(bare.params.to_numpy(), numpy.params.to_numpy())


def test_bare_log_in_the_response_offset_and_weights(insurance):
    bare = gg.glm("log(Claims + 1) ~ Age", insurance, offset="log(km)", weights="sqrt(Holders)")
    numpy = gg.glm("np.log(Claims + 1) ~ Age", insurance, offset="np.log(km)", weights="np.sqrt(Holders)")
    np.testing.assert_array_equal(bare.params.to_numpy(), numpy.params.to_numpy())


def test_the_callers_own_name_wins_over_the_bare_maths_name(insurance):
    def log(values):  # noqa: ANN001, ANN202 - a user's helper shadows R's name
        return np.log(values) * 2.0

    mine = gg.glm("Claims ~ log(km)", insurance, family="poisson")
    ref = gg.glm("Claims ~ I(2 * np.log(km))", insurance, family="poisson")
    np.testing.assert_allclose(mine.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("formula", "needle"), [
    ("Claims ~ ln(km)", "log(x)"),
    ("Claims ~ sin(km)", "np.sin"),
    ("Claims ~ factor(District)", "C(x)"),
    ("Claims ~ ns(km, 4)", "cr(x, df=4)"),
    ("Claims ~ lgo(km)", "Did you mean 'log'"),
    ("Claims ~ District + np.log(offset(km))", "term of its own"),
])
def test_unknown_functions_say_what_to_write(insurance, formula, needle):
    with pytest.raises(FormulaError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        gg.glm(formula, insurance, family="poisson")


# --- splines next to an intercept ------------------------------------------------------------------

@pytest.fixture(scope="module")
def curve() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    x = rng.uniform(0.0, 10.0, 300)
    return pd.DataFrame({"x": x, "z": rng.uniform(0.0, 1.0, 300), "y": np.sin(x) + rng.normal(0.0, 0.3, 300)})


def _least_squares_fit(basis: np.ndarray, y: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return basis @ coef


def test_cr_next_to_an_intercept_matches_r_ns(curve):
    """R's lm(y ~ ns(x, df=4)): natural cubic splines with knots at the range and the quartiles of x, whose
    closed-form basis (Hastie, Tibshirani & Friedman, eq. 5.4) spans the same functions as Intercept +
    cr(x, df=4) centred."""
    x, y = curve["x"].to_numpy(), curve["y"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", gg.GLMGenWarning)  # no aliased column
        fit = gg.glm("y ~ cr(x, df=4)", curve)
    assert not fit.params.isna().any() and len(fit.params) == 5
    assert "constraints='center'" in fit.spec.formula
    knots = np.percentile(x, [0, 25, 50, 75, 100])

    def d(k: int) -> np.ndarray:
        return (np.clip(x - knots[k], 0, None) ** 3 - np.clip(x - knots[-1], 0, None) ** 3) / (knots[-1] - knots[k])

    natural = np.column_stack([np.ones_like(x), x] + [d(k) - d(len(knots) - 2) for k in range(len(knots) - 2)])
    np.testing.assert_allclose(fit.fitted.to_numpy(), _least_squares_fit(natural, y), rtol=1e-8, atol=1e-10)


def test_bs_next_to_an_intercept_matches_r_bs(curve):
    """R's lm(y ~ bs(x, df=4)): cubic splines with one knot at the median, the truncated-power basis."""
    x, y = curve["x"].to_numpy(), curve["y"].to_numpy()
    fit = gg.glm("y ~ bs(x, df=4)", curve)
    assert not fit.params.isna().any() and len(fit.params) == 5
    power = np.column_stack([x ** 0, x, x ** 2, x ** 3, np.clip(x - np.median(x), 0, None) ** 3])
    np.testing.assert_allclose(fit.fitted.to_numpy(), _least_squares_fit(power, y), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("term", ["cc(x, df=5)", "te(cr(x, df=3), cc(z, df=4))"])
def test_cc_and_te_are_centred_like_statsmodels_with_the_constraints_written(curve, term):
    fit = gg.glm(f"y ~ {term}", curve)
    assert not fit.params.isna().any()
    written = term[:-1] + ", constraints='center')"
    X = patsy.dmatrix(written, curve, return_type="dataframe")
    ref = sm.GLM(curve["y"], X, family=sm.families.Gaussian()).fit()
    np.testing.assert_allclose(fit.fitted.to_numpy(), ref.fittedvalues.to_numpy(), rtol=1e-8, atol=1e-10)
    assert fit.spec.formula == f"y ~ {written}"


@pytest.mark.parametrize("formula", ["y ~ cr(x, df=4, constraints=None)", "y ~ 0 + cr(x, df=4)",
                                     "y ~ cr(x, df=4, constraints='center')"])
def test_splines_that_name_constraints_or_have_no_intercept_are_left_as_written(curve, formula):
    fit = gg.glm(formula, curve)
    assert fit.spec.formula == formula
    X = patsy.dmatrix(formula.split("~")[1], curve, return_type="dataframe")
    assert list(fit.params.index) == list(X.columns)


def test_a_model_file_keeps_the_centred_spline(curve, tmp_path):
    fit = gg.glm("y ~ cr(x, df=4)", curve)
    fit.save(tmp_path / "spline.json")
    loaded = gg.load(tmp_path / "spline.json")
    np.testing.assert_array_equal(loaded.predict(curve).to_numpy(), fit.predict(curve).to_numpy())


def test_only_patsys_splines_are_centred(curve):
    """A caller's own function named cr is not rewritten; patsy's cr imported by name still is."""
    def cr(values, df):  # noqa: ANN001, ANN202 - a user's helper with patsy's name
        return np.column_stack([np.asarray(values) ** k for k in range(1, df + 1)])

    mine = gg.glm("y ~ cr(x, df=2)", curve)
    assert mine.spec.formula == "y ~ cr(x, df=2)"
    np.testing.assert_allclose(mine.fitted.to_numpy(), gg.glm("y ~ x + I(x**2)", curve).fitted.to_numpy(),
                               rtol=1e-10)
    cr = patsy.cr  # noqa: F841 - patsy's own spline, visible to the formula under its usual name
    assert gg.glm("y ~ cr(x, df=4)", curve).spec.formula == "y ~ cr(x, df=4, constraints='center')"
