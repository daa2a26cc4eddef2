"""``GLMResult.get_prediction`` against R's ``predict.glm(se.fit=TRUE)`` and statsmodels'
``get_prediction().summary_frame()``, and ``conf_int(method=...)``.

R numbers: ``tests/reference/r/covariance.R`` -> ``tests/reference/data/r_covariance.json`` (predictions of the
first 6 rows of each case's data).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.errors import DataError, InvalidParameterError

sm = pytest.importorskip("statsmodels.api")

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
R_CASES = json.loads((REFERENCE / "data" / "r_covariance.json").read_text())["cases"]
COLUMNS = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "link", "link_se"]
TIGHT = 1e-12


def case_data(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / R_CASES[name]["data"])


def fit_case(name: str, cov_type: str = "nonrobust") -> gg.GLMResult:
    spec = dict(R_CASES[name]["glmgen"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gg.glm(spec.pop("formula"), case_data(name), spec.pop("family"), **spec, tol=TIGHT, cov_type=cov_type)


@pytest.mark.parametrize("name", list(R_CASES))
def test_standard_errors_equal_rs_predict(name):
    """predict(fit, newdata, se.fit=TRUE, type="link" | "response"): the link-scale and delta-method errors."""
    case, fit = R_CASES[name], fit_case(name)
    table = fit.get_prediction(case_data(name).iloc[:6])
    assert list(table.columns) == COLUMNS
    np.testing.assert_allclose(table["link"], case["predict_link"], rtol=1e-8)
    np.testing.assert_allclose(table["link_se"], case["predict_link_se"], rtol=1e-6)
    np.testing.assert_allclose(table["mean"], case["predict_response"], rtol=1e-8)
    np.testing.assert_allclose(table["mean_se"], case["predict_response_se"], rtol=1e-6)


STATSMODELS = {
    "binomial_lbw": ("low ~ age + lwt + race + smoke", sm.families.Binomial()),
    "gaussian_scotland": ("YES ~ COUTAX + UNEMPF + MOR + ACT", sm.families.Gaussian()),
    "gamma_scotland": ("YES ~ COUTAX + UNEMPF + MOR + ACT", sm.families.Gamma()),
    "poisson_insurance": ("Claims ~ C(District) + C(Group) + C(Age)", sm.families.Poisson()),
}


def statsmodels_frame(name: str, cov_type: str, rows: pd.DataFrame, level: float) -> pd.DataFrame:
    """statsmodels' summary_frame (its default: the link-scale interval through the inverse link), with the
    offset of the insurance case, ends sorted (statsmodels leaves them reversed for a decreasing link)."""
    formula, family = STATSMODELS[name]
    data = case_data(name)
    offset = np.log(data["Holders"]) if name == "poisson_insurance" else None
    new_offset = np.log(rows["Holders"]) if name == "poisson_insurance" else None
    with warnings.catch_warnings():  # the Gamma family's inverse link (R's default): statsmodels' DomainWarning
        warnings.simplefilter("ignore")  # and a RuntimeWarning of its own inside get_prediction
        model = sm.GLM.from_formula(formula, data, family=family, offset=offset)
        fit = model.fit(cov_type=cov_type, tol=TIGHT)
        frame = fit.get_prediction(rows, offset=new_offset).summary_frame(alpha=1 - level)
    ends = frame[["mean_ci_lower", "mean_ci_upper"]].to_numpy()
    return frame.assign(mean_ci_lower=ends.min(axis=1), mean_ci_upper=ends.max(axis=1))


@pytest.mark.parametrize("name", list(STATSMODELS))
@pytest.mark.parametrize("cov_type, level", [("nonrobust", 0.95), ("HC0", 0.9)])
def test_predictions_and_intervals_equal_statsmodels(name, cov_type, level):
    rows = case_data(name).iloc[[0, 3, 7, 12, 20]]
    table = fit_case(name, cov_type).get_prediction(rows, level)
    expected = statsmodels_frame(name, cov_type, rows, level)
    for column in ("mean", "mean_se", "mean_ci_lower", "mean_ci_upper"):
        np.testing.assert_allclose(table[column].to_numpy(), expected[column].to_numpy(), rtol=1e-6, err_msg=column)
    assert list(table.index) == list(rows.index)


def test_without_data_the_training_rows_are_predicted():
    fit = fit_case("poisson_insurance")
    data = case_data("poisson_insurance")
    pd.testing.assert_frame_equal(fit.get_prediction(), fit.get_prediction(data), rtol=1e-12)
    np.testing.assert_allclose(fit.get_prediction()["mean"], fit.fitted, rtol=1e-12)


def test_rows_with_missing_inputs_get_nan_and_keep_their_labels():
    fit = fit_case("gaussian_scotland")
    rows = case_data("gaussian_scotland").iloc[:5].set_index(pd.Index(list("abcde")))
    rows.loc["c", "MOR"] = np.nan
    table = fit.get_prediction(rows)
    assert list(table.index) == list("abcde")
    assert table.loc["c"].isna().all() and table.drop(index="c").notna().all().all()
    full = fit.get_prediction(case_data("gaussian_scotland").iloc[[0, 1, 3, 4]])
    np.testing.assert_allclose(table.drop(index="c").to_numpy(), full.to_numpy(), rtol=1e-14)


def test_an_offset_given_per_row_replaces_the_exposure():
    """As predict(offset=): doubling the holders adds log 2 to the linear predictor."""
    fit = fit_case("poisson_insurance")
    rows = case_data("poisson_insurance").iloc[:4]
    given = fit.get_prediction(rows, offset=np.log(2 * rows["Holders"].to_numpy()))
    doubled = fit.get_prediction(rows.assign(Holders=2 * rows["Holders"]))
    pd.testing.assert_frame_equal(given, doubled, rtol=1e-12)


def test_aliased_columns_count_as_zero():
    """A duplicated column is aliased (NaN coefficient): the prediction equals the fit without it."""
    data = case_data("gaussian_scotland").assign(COPY=lambda d: 2.0 * d["COUTAX"])
    with pytest.warns(gg.AliasedColumnsWarning):
        aliased = gg.glm("YES ~ COUTAX + COPY + UNEMPF", data, tol=TIGHT)
    plain = gg.glm("YES ~ COUTAX + UNEMPF", data, tol=TIGHT)
    with pytest.warns(gg.DataWarning):  # the new rows use the aliased column
        table = aliased.get_prediction(data.iloc[:5])
    np.testing.assert_allclose(table.to_numpy(), plain.get_prediction(data.iloc[:5]).to_numpy(), rtol=1e-10)


def test_a_loaded_model_predicts_with_its_saved_covariance(tmp_path):
    fit = fit_case("binomial_lbw", "HC3")
    fit.save(tmp_path / "m.json")
    rows = case_data("binomial_lbw").iloc[:5]
    pd.testing.assert_frame_equal(gg.load(tmp_path / "m.json").get_prediction(rows), fit.get_prediction(rows),
                                  rtol=1e-14)


def test_a_penalized_fit_has_no_prediction_errors():
    fit = gg.glm("YES ~ COUTAX + UNEMPF", case_data("gaussian_scotland"), alpha=0.1)
    with pytest.raises(InvalidParameterError, match="penalized fit"):
        fit.get_prediction()


@pytest.mark.parametrize("level", [0, 1.5, "95%"])
def test_a_level_outside_0_1_is_refused(level):
    with pytest.raises(InvalidParameterError, match="level="):
        fit_case("gaussian_scotland").get_prediction(level=level)


# --------------------------------------------------------------------------- conf_int(method=...)
def test_wald_is_the_default_method():
    fit = fit_case("binomial_lbw")
    pd.testing.assert_frame_equal(fit.conf_int(), fit.conf_int(method="wald"))


def test_an_unknown_method_is_refused():
    with pytest.raises(InvalidParameterError, match="method='likelihood' is not one of 'wald', 'profile'"):
        fit_case("binomial_lbw").conf_int(method="likelihood")


def test_profile_intervals_of_a_loaded_model_need_the_training_rows(tmp_path):
    fit_case("binomial_lbw").save(tmp_path / "m.json")
    with pytest.raises(DataError, match="profile-likelihood intervals refit the model on its training rows"):
        gg.load(tmp_path / "m.json").conf_int(method="profile")


def test_profile_intervals_go_to_the_refits_object():
    """The record only dispatches: the fit layer's refits object computes the intervals."""
    calls = []

    class Recorder:
        def profile_intervals(self, fit, level):
            calls.append((fit, level))
            return pd.DataFrame({"lower": [1.0], "upper": [2.0]})

    fit = replace(fit_case("binomial_lbw"), refits=Recorder())
    assert fit.conf_int(0.9, method="profile")["upper"].tolist() == [2.0]
    assert calls == [(fit, 0.9)]


# --------------------------------------------------------------------------- the report
def test_the_report_shows_predictions_for_the_first_held_out_rows():
    data = case_data("binomial_lbw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gg.report("low ~ age + lwt + race + smoke", data, "binomial", select=None, n_boot=0,
                           learning_curve=False, figures=False, level=0.9)
    analysis = report.analysis
    test_rows = data.drop(index=analysis.fit.training.row_labels).iloc[:5]
    expected = analysis.fit.get_prediction(test_rows, 0.9)
    pd.testing.assert_frame_equal(analysis.predictions, expected)
    text = report.to_markdown()
    assert "Predictions for the first 5 held-out rows" in text and "90% lower" in text
