"""Silent wrong answers found by probing the public API (issue 9 follow-up).

Each test names its reference: glmnet's core (``glmstar``), statsmodels,
scikit-learn's documented behaviour, R's documented behaviour or a closed form.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen import cli
from glmgen.errors import DataError, DataWarning, FormulaError, GLMGenWarning


# --------------------------------------------------------------------------- penalized fits
@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_constant_column_stays_zero_in_a_standardized_penalized_fit(l1_ratio: float) -> None:
    """glmnet drops a constant column (coefficient 0); its rounded weighted sd (~1e-16) used to leave it
    almost unpenalized, aliased with the intercept (ridge: k=0.15 and a shifted intercept)."""
    glmnet = pytest.importorskip("glmnet")
    from glmnet.paths.fastnet import FastNetControl

    rng = np.random.default_rng(0)
    n = 80
    data = pd.DataFrame({"x": rng.normal(size=n), "z": 3.0 * rng.normal(size=n), "k": 2.0})
    data["y"] = (rng.random(n) < 1.0 / (1.0 + np.exp(-data["x"]))).astype(float)
    reference = glmnet.LogNet(alpha=l1_ratio, lambda_values=np.array([0.05]),
                              control=FastNetControl(thresh=1e-16)).fit(data[["x", "z", "k"]].to_numpy(), data["y"])
    fit = gg.glm("y ~ x + z + k", data, "binomial", alpha=0.05, l1_ratio=l1_ratio)
    expected = np.r_[reference.intercepts_, reference.coefs_[0]]
    np.testing.assert_allclose(fit.params.to_numpy(), expected, rtol=1e-5, atol=1e-8)
    assert fit.params["k"] == 0.0


# --------------------------------------------------------------------------- split
def test_split_refuses_a_continuous_stratify_column() -> None:
    """One class per value: round(0.25 * 1) = 0 test rows per class gave an empty test set.
    scikit-learn's train_test_split refuses classes with fewer than 2 members."""
    data = pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40.0)})
    with pytest.raises(DataError, match="at least 2 rows per class.*pd.qcut"):
        gg.split(data, stratify="x")
    train, test = gg.split(data, stratify=pd.qcut(data["x"], 4))
    assert (len(train), len(test)) == (32, 8)  # round(0.25 * 10) = 2 test rows from each of 4 bins


def test_split_refuses_a_stratified_test_set_that_rounds_to_nothing() -> None:
    data = pd.DataFrame({"y": np.arange(40.0), "b": np.arange(40) % 2})
    with pytest.raises(DataError, match="0 test rows"):
        gg.split(data, test_size=0.01, stratify="b")


# --------------------------------------------------------------------------- CLI input files
CSV_ROWS = [(1.2, 0.5, "a"), (2.3, None, "b"), (3.1, 1.5, "a"), (4.0, 2.2, "b"), (5.2, 2.9, "a")]


def expected_frame() -> pd.DataFrame:
    return pd.DataFrame(CSV_ROWS, columns=["y", "x", "g"]).astype({"x": float})


def write(tmp_path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding=encoding)
    return str(path)


@pytest.mark.parametrize("sep, decimal", [(",", "."), (";", ","), (";", "."), ("\t", ".")])
def test_cli_reads_bom_question_mark_na_and_semicolon_csv(tmp_path, sep: str, decimal: str) -> None:
    """A UTF-8 BOM, "?" for missing (UCI files), Excel's European CSV (";" and decimal commas) and tabs:
    "?" used to turn 'x' into a categorical column, and ';' gave one column."""
    lines = [sep.join(["y", "x", "g"])] + [
        sep.join(["?" if v is None else str(v).replace(".", decimal) for v in row]) for row in CSV_ROWS
    ]
    frame = cli.read_table(write(tmp_path, "\n".join(lines) + "\n", encoding="utf-8-sig"))
    pd.testing.assert_frame_equal(frame.astype({"g": object}), expected_frame().astype({"g": object}))


# --------------------------------------------------------------------------- formulas and data
def small_frame(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    data["y"] = 1.0 + data["x"] + rng.normal(size=n)
    return data


@pytest.mark.parametrize("formula", ["y ~ y + x", "y ~ x + y", "np.log(y + 5) ~ x + np.log(y+5)"])
def test_response_on_the_right_side_is_refused(formula: str) -> None:
    """R drops the response from the right side ("the response appeared on the right-hand side and was
    dropped"); glmgen gave the perfect fit y = 1 * y silently."""
    with pytest.raises(FormulaError, match="also a predictor"):
        gg.glm(formula, small_frame())


def test_single_level_factor_warns_and_matches_the_fit_without_it() -> None:
    """R refuses a one-level factor ("contrasts can be applied only to factors with 2 or more levels");
    glmgen dropped it without a word. Reference: statsmodels without the column."""
    sm = pytest.importorskip("statsmodels.formula.api")
    data = small_frame().assign(site="north")
    with pytest.warns(DataWarning, match="'site' has a single level"):
        fit = gg.glm("y ~ x + site", data)
    reference = sm.glm("y ~ x", data).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params.to_numpy(), rtol=1e-10)
    assert any("single level" in message for message in fit.warnings)


def test_binomial_non_integer_successes_warn_as_r_and_aic_uses_rounded_counts() -> None:
    """R's binomial()$initialize warns "non-integer #successes in a binomial glm!" and its aic uses
    dbinom(round(m y), round(m), mu); closed form below with scipy."""
    sm = pytest.importorskip("statsmodels.api")
    from scipy.stats import binom

    rng = np.random.default_rng(3)
    data = pd.DataFrame({"x": rng.normal(size=40), "p": rng.uniform(size=40)})
    with pytest.warns(DataWarning, match="non-integer number of successes"):
        fit = gg.glm("p ~ x", data, "binomial")
    reference = sm.GLM(data["p"], sm.add_constant(data["x"]), family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params.to_numpy(), rtol=1e-7)
    r_aic = -2.0 * binom.logpmf(np.round(data["p"]), 1, reference.fittedvalues).sum() + 2 * 2
    assert fit.aic == pytest.approx(r_aic, rel=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        gg.glm("p ~ x", data.assign(p=np.round(data["p"] * 4) / 4), "binomial", weights=np.full(40, 4.0))


# --------------------------------------------------------------------------- bootstrap
@pytest.mark.parametrize("option", ["one_group", "singleton_strata"])
def test_bootstrap_refuses_resampling_schemes_without_variation(option: str) -> None:
    """One cluster (or one row per stratum) makes every resample the data itself: the bootstrap standard
    error of any statistic is then 0 by construction, not an estimate."""
    data = small_frame()
    fit = gg.glm("y ~ x", data)
    kwargs = {"groups": np.zeros(len(data))} if option == "one_group" else {"strata": np.arange(len(data))}
    with pytest.raises(DataError, match="would equal the data"):
        gg.bootstrap(fit, n_boot=5, **kwargs)


# --------------------------------------------------------------------------- new data with other dtypes
def categorical_frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"x": rng.normal(size=40), "g": rng.choice(list("abc"), 40),
                         "flag": (rng.random(40) < 0.5).astype(int)})
    data["y"] = 1.0 + data["x"] + (data["g"] == "b") + 0.5 * data["flag"] + rng.normal(size=40)
    return data


@pytest.mark.parametrize("recode", ["reordered", "unused_dropped"])
def test_predict_accepts_a_categorical_whose_categories_differ_from_training(recode: str) -> None:
    """Every value is a known level; patsy refused with a raw "mismatching levels" error. Reference:
    statsmodels' predictions for the same rows given as plain strings."""
    sm = pytest.importorskip("statsmodels.formula.api")
    data = categorical_frame()
    new = data[data["g"] != "c"]
    expected = sm.glm("y ~ g + x", data).fit().predict(new).to_numpy()
    categories = ["c", "b", "a"] if recode == "reordered" else ["a", "b"]
    recoded = new.assign(g=pd.Categorical(new["g"], categories=categories))
    fit = gg.glm("y ~ g + x", data)
    np.testing.assert_allclose(fit.predict(recoded).to_numpy(), expected, rtol=1e-10)
    assert fit.evaluate(recoded).n == len(new)


def test_predict_accepts_booleans_for_a_numeric_0_1_column() -> None:
    """A 0/1 column read back as bool crashed with AttributeError inside patsy. Reference: statsmodels."""
    sm = pytest.importorskip("statsmodels.formula.api")
    data = categorical_frame()
    expected = sm.glm("y ~ flag + x", data).fit().predict(data).to_numpy()
    fit = gg.glm("y ~ flag + x", data)
    np.testing.assert_allclose(fit.predict(data.assign(flag=data["flag"].astype(bool))).to_numpy(), expected,
                               rtol=1e-10)


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_transform_giving_nan_names_the_term() -> None:
    """np.log of a negative value: patsy's bare "factor contains missing values" named nothing."""
    data = small_frame()
    with pytest.raises(FormulaError, match=r"term 'np.log\(x\)' gives missing values"):
        gg.glm("y ~ np.log(x)", data)


def test_r_offset_term_is_the_offset_argument() -> None:
    """R's ``offset(...)`` term was refused; it now means what it means in R: the same fit as ``offset=``."""
    data = small_frame().assign(e=np.linspace(1.0, 3.0, len(small_frame())))
    term = gg.glm("y ~ x + offset(np.log(e))", data)
    argument = gg.glm("y ~ x", data, offset="np.log(e)")
    pd.testing.assert_series_equal(term.params, argument.params)
    assert term.deviance == argument.deviance


# --------------------------------------------------------------------------- model comparison
def test_compare_warns_when_fits_with_equal_nobs_saw_different_rows() -> None:
    """Rows 0-29 versus rows 10-39: the same nobs, so compare ranked the two AICs without a word
    (lrtest already refuses this). AIC differences are only meaningful on the same data."""
    data = small_frame(40)
    first, second = gg.glm("y ~ x", data.iloc[:30]), gg.glm("y ~ x + z", data.iloc[10:])
    with pytest.warns(GLMGenWarning, match="response values differ"):
        gg.compare([first, second])
    with warnings.catch_warnings():
        warnings.simplefilter("error", GLMGenWarning)  # prior weights are part of the model: no warning
        gg.compare([gg.glm("y ~ x", data), gg.glm("y ~ x", data, weights=np.linspace(0.5, 2.0, 40))])


@pytest.mark.parametrize("values", [[1, 1.0, True, "a"], [1, "1", "a", "b"], [True, 0.5, 2.0, 3.0]])
def test_object_column_mixing_text_numbers_and_booleans_is_refused(values: list) -> None:
    """patsy merges 1, 1.0 and True into one level and added a phantom level False that no row has:
    'm[T.a]' came out aliased (NaN) for a column with two distinct groups of rows."""
    data = small_frame(24).assign(m=pd.Series(values * 6, dtype=object))
    with pytest.raises(DataError, match="'m' mixes value types"):
        gg.glm("y ~ x + m", data)


def test_path_without_penalized_columns_says_so() -> None:
    """penalty_factor 0 for every column used to be blamed on the response ("is it constant?")."""
    data = small_frame()
    with pytest.raises(DataError, match="no penalized column"):
        gg.glm_path("y ~ x + z", data, penalty_factor={"x": 0, "z": 0})
