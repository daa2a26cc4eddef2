"""Bad input raises a ValueError (subclass) that names the offending column / value;
suspicious but valid input warns with a subclass of ``glmgen.GLMGenWarning`` and is
recorded on ``result.warnings``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg


def make_data(seed: int = 0, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal(n)
    x2 = rng.standard_normal(n)
    eta = 0.5 + 0.4 * x1 - 0.3 * x2
    return pd.DataFrame(
        {
            "claims": rng.poisson(np.exp(eta)).astype(float),
            "low": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float),
            "x1": x1,
            "x2": x2,
            "region": np.array(["east", "north", "south"])[np.arange(n) % 3],
            "years": rng.uniform(1.0, 3.0, size=n),
            "prior_w": rng.integers(1, 4, size=n).astype(float),
        }
    )


# --------------------------------------------------------------------------- missing values
def test_nan_rows_are_dropped_with_a_warning(seed: int) -> None:
    data = make_data(seed)
    data.loc[[3, 7], "x1"] = np.nan
    data.loc[10, "claims"] = np.nan
    with pytest.warns(gg.DroppedRowsWarning):
        fit = gg.glm("claims ~ x1 + x2", data, family="poisson")
    assert fit.nobs == len(data) - 3
    assert len(fit.warnings) >= 1
    assert all(isinstance(message, str) for message in fit.warnings)
    complete = gg.glm("claims ~ x1 + x2", data.dropna(subset=["claims", "x1"]), family="poisson")
    np.testing.assert_allclose(fit.params[complete.params.index], complete.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fit.deviance, complete.deviance, rtol=1e-10)
    assert len(np.asarray(fit.fitted)) == len(data) - 3


def test_nan_in_weights_column_drops_the_row() -> None:
    """The weights column is a column the model uses."""
    data = make_data()
    data.loc[5, "prior_w"] = np.nan
    with pytest.warns(gg.DroppedRowsWarning):
        fit = gg.glm("claims ~ x1 + x2", data, family="poisson", weights="prior_w")
    assert fit.nobs == len(data) - 1


def test_na_action_raise_names_the_column() -> None:
    data = make_data()
    data.loc[[3, 7], "x2"] = np.nan
    with pytest.raises(ValueError, match="x2"):
        gg.glm("claims ~ x1 + x2", data, family="poisson", na_action="raise")


def test_na_action_unknown_value_is_refused() -> None:
    with pytest.raises(ValueError, match="omit"):
        gg.glm("claims ~ x1 + x2", make_data(), family="poisson", na_action="omit")


def test_na_in_unused_column_drops_nothing() -> None:
    data = make_data()
    data["notes"] = np.nan
    data.loc[:5, "x2"] = np.nan  # x2 is not in the formula either
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gg.glm("claims ~ x1", data, family="poisson")
    assert not [w for w in caught if issubclass(w.category, gg.DroppedRowsWarning)]
    assert fit.nobs == len(data)


# --------------------------------------------------------------------------- values out of range
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_predictor_is_refused(value: float) -> None:
    data = make_data()
    data.loc[4, "x1"] = value
    with pytest.raises(ValueError, match="x1") as excinfo:
        gg.glm("claims ~ x1 + x2", data, family="poisson")
    assert "inf" in str(excinfo.value).lower()


def test_negative_poisson_count_is_refused() -> None:
    data = make_data()
    data.loc[17, "claims"] = -2.0
    with pytest.raises(ValueError, match="claims") as excinfo:
        gg.glm("claims ~ x1 + x2", data, family="poisson")
    assert re.search(r"-2\b", str(excinfo.value)), str(excinfo.value)


@pytest.mark.parametrize("value", [2.0, -1.0, 1.5])
def test_binomial_response_outside_unit_interval_is_refused(value: float) -> None:
    data = make_data()
    data.loc[6, "low"] = value
    with pytest.raises(ValueError, match="low"):
        gg.glm("low ~ x1 + x2", data, family="binomial")


def test_cbind_negative_successes_are_refused() -> None:
    data = make_data()
    data["succ"] = data["claims"]
    data["fail"] = 5.0
    data.loc[8, "succ"] = -1.0
    with pytest.raises(ValueError, match="succ"):
        gg.glm("cbind(succ, fail) ~ x1 + x2", data, family="binomial")


def test_non_numeric_response_is_refused() -> None:
    data = make_data()
    data["outcome"] = np.where(data["low"] > 0, "yes", "no")
    with pytest.raises(ValueError, match="outcome"):
        gg.glm("outcome ~ x1 + x2", data, family="gaussian")


def test_non_positive_exposure_is_refused() -> None:
    data = make_data()
    data.loc[2, "years"] = 0.0
    with pytest.raises(ValueError, match="years"):
        gg.glm("claims ~ x1 + x2", data, family="poisson", exposure="years")


# --------------------------------------------------------------------------- formula / data shape
def test_unknown_column_in_formula_is_named() -> None:
    with pytest.raises(ValueError, match="nosuchcol"):
        gg.glm("claims ~ x1 + nosuchcol", make_data(), family="poisson")


def test_unknown_exposure_column_is_named() -> None:
    with pytest.raises(ValueError, match="nosuchcol"):
        gg.glm("claims ~ x1", make_data(), family="poisson", exposure="nosuchcol")


def test_empty_data_frame_is_refused() -> None:
    with pytest.raises(ValueError, match=r"(?i)empty|no rows|0 rows|zero rows|no observations"):
        gg.glm("claims ~ x1 + x2", make_data().iloc[:0], family="poisson")


# --------------------------------------------------------------------------- weights
def test_all_weights_zero_is_refused() -> None:
    data = make_data()
    data["prior_w"] = 0.0
    with pytest.raises(ValueError, match="prior_w"):
        gg.glm("claims ~ x1 + x2", data, family="poisson", weights="prior_w")


@pytest.mark.parametrize("argument", ["weights", "freq_weights"])
def test_negative_weights_are_refused(argument: str) -> None:
    data = make_data()
    data.loc[9, "prior_w"] = -1.0
    with pytest.raises(ValueError, match="prior_w"):
        gg.glm("claims ~ x1 + x2", data, family="poisson", **{argument: "prior_w"})


# --------------------------------------------------------------------------- family / link
def test_misspelled_family_suggests_the_right_one() -> None:
    with pytest.raises(ValueError, match=r"poison\b") as excinfo:
        gg.glm("claims ~ x1", make_data(), family="poison")
    assert "poisson" in str(excinfo.value)


def test_misspelled_link_suggests_the_right_one() -> None:
    with pytest.raises(ValueError, match="logti") as excinfo:
        gg.glm("low ~ x1", make_data(), family="binomial", link="logti")
    assert "logit" in str(excinfo.value).replace("logti", "")


def test_link_not_allowed_for_family_is_refused() -> None:
    with pytest.raises(ValueError, match="logit") as excinfo:
        gg.glm("claims ~ x1", make_data(), family="poisson", link="logit")
    assert "poisson" in str(excinfo.value)


# --------------------------------------------------------------------------- predict
def test_unseen_level_at_predict_names_column_and_level() -> None:
    data = make_data()
    fit = gg.glm("claims ~ x1 + C(region)", data, family="poisson")
    new = data.iloc[:4].copy()
    new.loc[new.index[2], "region"] = "north-east"
    with pytest.raises(ValueError, match="region") as excinfo:
        fit.predict(new)
    assert "north-east" in str(excinfo.value)


# --------------------------------------------------------------------------- warnings
@pytest.mark.parametrize(
    "name", ["ConvergenceWarning", "SeparationWarning", "AliasedColumnsWarning", "DroppedRowsWarning"]
)
def test_warning_classes_derive_from_glmgen_warning(name: str) -> None:
    assert issubclass(getattr(gg, name), gg.GLMGenWarning)
    assert issubclass(gg.GLMGenWarning, Warning)


@pytest.mark.parametrize("alias", ["2 * x1", "x1 - x2"])
def test_aliased_column_gets_nan_coefficient_and_warning(alias: str) -> None:
    """As R: the later column of a linearly dependent set is dropped (coefficient NA).

    The remaining coefficients are those of the model without it (checked
    against statsmodels).
    """
    sm = pytest.importorskip("statsmodels.api")
    data = make_data()
    data["x3"] = data.eval(alias)
    with pytest.warns(gg.AliasedColumnsWarning, match="x3"):
        fit = gg.glm("claims ~ x1 + x2 + x3", data, family="poisson")
    assert np.isnan(fit.params["x3"])
    assert np.isfinite(fit.params[["Intercept", "x1", "x2"]]).all()
    assert fit.df_model == 2  # rank 3 minus the intercept
    assert fit.df_resid == len(data) - 3
    assert any("x3" in message for message in fit.warnings)

    exog = sm.add_constant(data[["x1", "x2"]]).rename(columns={"const": "Intercept"})
    res = sm.GLM(data["claims"], exog, family=sm.families.Poisson()).fit(tol=1e-13)
    np.testing.assert_allclose(fit.params[res.params.index], res.params, rtol=1e-6)
    np.testing.assert_allclose(fit.bse[res.params.index], res.bse, rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, res.deviance, rtol=1e-8)


def test_duplicated_column_is_aliased() -> None:
    data = make_data()
    data["x1_copy"] = data["x1"]
    with pytest.warns(gg.AliasedColumnsWarning, match="x1_copy"):
        fit = gg.glm("claims ~ x1 + x2 + x1_copy", data, family="poisson")
    assert np.isnan(fit.params["x1_copy"])
    assert np.isfinite(fit.params["x1"])


@pytest.mark.filterwarnings("ignore::glmgen.ConvergenceWarning")  # IRLS may also stop at max_iter
def test_complete_separation_warns() -> None:
    x = np.linspace(-2.0, 2.0, 30)
    data = pd.DataFrame({"y": (x > 0.1).astype(float), "x": x})
    with pytest.warns(gg.SeparationWarning):
        fit = gg.glm("y ~ x", data, family="binomial")
    assert fit.warnings
