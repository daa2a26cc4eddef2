"""Factor, string and boolean responses of binomial models (issue 17, item 5).

R's ``glm`` codes a binomial factor response as y = 1 at its second level (``factor()`` sorts text;
a declared level order is kept) and a logical response as TRUE = 1. The reference values are R's
``glm(low ~ ..., family=binomial)`` on the low birth weight data (shipped with statsmodels, in
``tests/reference/glm_r_stata.json``) and statsmodels' ``GLM`` on the 0/1 coding of the same column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import load_reference

import glmgen as gg
from glmgen.errors import DataError, FormulaError, UnseenLevelError

RHS = "age + lwt + race_black + race_other + smoke + ptl + ht + ui"
R_LBW = load_reference("lbw_binomial")


def _lbw(response: pd.Series | np.ndarray) -> pd.DataFrame:
    """The low birth weight data with the response column ``low`` replaced by ``response``."""
    return R_LBW.data.assign(low=response)


def _yes_no() -> np.ndarray:
    return np.where(R_LBW.data["low"] == 1, "yes", "no")


def _statsmodels(data: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """statsmodels' binomial GLM coefficients with the 0/1 response ``y`` (glmgen's column order)."""
    X = sm.add_constant(data[RHS.split(" + ")].astype(float)).rename(columns={"const": "Intercept"})
    return sm.GLM(y.astype(float), X, family=sm.families.Binomial()).fit(tol=1e-14).params


# --- the level that is modelled ---------------------------------------------------------------------

def test_text_response_models_the_second_sorted_level_as_r():
    """'no' < 'yes' as R's factor() sorts them: y = 1 at 'yes' (low == 1), so R's coefficients."""
    data = _lbw(_yes_no())
    fit = gg.glm(f"low ~ {RHS}", data, family="binomial")
    np.testing.assert_allclose(fit.params[R_LBW.params.index], R_LBW.params, rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, R_LBW.deviance, rtol=1e-10)
    reference = _statsmodels(data, (data["low"] == "yes").to_numpy())
    np.testing.assert_allclose(fit.params[reference.index], reference, rtol=0, atol=1e-10)
    assert fit.spec.response.levels == ("no", "yes")


def test_text_response_sorted_order_decides_the_event():
    """'alive' < 'dead': the event is 'dead', whatever the order of the rows."""
    data = _lbw(np.where(R_LBW.data["low"] == 1, "alive", "dead"))
    fit = gg.glm(f"low ~ {RHS}", data, family="binomial")
    reference = _statsmodels(data, (data["low"] == "dead").to_numpy())
    np.testing.assert_allclose(fit.params[reference.index], reference, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.params[R_LBW.params.index], -R_LBW.params, rtol=1e-6)  # logit(1-p) = -logit(p)


def test_categorical_response_keeps_the_declared_category_order():
    """pandas Categorical ['yes', 'no']: 'no' is the second level, so the event (R's factor(levels=))."""
    response = pd.Categorical(_yes_no(), categories=["yes", "no"])
    fit = gg.glm(f"low ~ {RHS}", _lbw(response), family="binomial")
    reference = _statsmodels(R_LBW.data, R_LBW.data["low"].to_numpy() == 0)
    np.testing.assert_allclose(fit.params[reference.index], reference, rtol=0, atol=1e-10)
    assert fit.spec.response.modelled == "P(low == 'no')"


def test_declared_levels_in_the_formula_choose_the_event():
    fit = gg.glm(f"C(low, levels=['yes', 'no']) ~ {RHS}", _lbw(_yes_no()), family="binomial")
    np.testing.assert_allclose(fit.params[R_LBW.params.index], -R_LBW.params, rtol=1e-6)
    assert fit.spec.response.label == "low"


@pytest.mark.filterwarnings("ignore::glmgen.DroppedRowsWarning")
@pytest.mark.parametrize("missing", [False, True])
def test_boolean_response_true_is_the_event(missing):
    """A bool column is R's logical: TRUE = 1. With missing values it is an object column of True/False
    (levels sorted False < True); those rows are dropped as for any column."""
    values = pd.Series(R_LBW.data["low"] == 1, dtype=object if missing else bool)
    if missing:
        values.iloc[[3, 50]] = None
    fit = gg.glm(f"low ~ {RHS}", _lbw(values), family="binomial")
    kept = values.notna().to_numpy()
    reference = _statsmodels(R_LBW.data[kept], R_LBW.data["low"].to_numpy()[kept])
    np.testing.assert_allclose(fit.params[reference.index], reference, rtol=0, atol=1e-10)
    assert fit.nobs == kept.sum()


def test_quoted_column_name_with_declared_levels():
    """Q('...') names a column that is not an identifier, with or without C(..., levels=...)."""
    data = _lbw(_yes_no()).rename(columns={"low": "low weight"})
    learned = gg.glm(f"Q('low weight') ~ {RHS}", data, family="binomial", safe=True)
    declared = gg.glm(f"C(Q('low weight'), levels=['yes', 'no']) ~ {RHS}", data, family="binomial")
    np.testing.assert_allclose(learned.params[R_LBW.params.index], R_LBW.params, rtol=1e-6)
    np.testing.assert_allclose(declared.params[R_LBW.params.index], -R_LBW.params, rtol=1e-6)
    assert declared.spec.response.modelled == "P(Q('low weight') == 'no')"


def test_integer_column_as_factor_response():
    """C(status) of a 1/2 column: R's factor(status) response, y = 1 at 2."""
    fit = gg.glm(f"C(low) ~ {RHS}", _lbw(R_LBW.data["low"] + 1), family="binomial")
    np.testing.assert_allclose(fit.params[R_LBW.params.index], R_LBW.params, rtol=1e-6)
    assert fit.spec.response.levels == (1, 2)


def test_summary_names_the_modelled_level():
    fit = gg.glm("low ~ age + smoke", _lbw(_yes_no()), family="binomial")
    text = str(fit.summary())
    assert "Modelled" in text and "P(low == 'yes')" in text
    assert "Modelled" not in str(gg.glm("low ~ age + smoke", R_LBW.data, family="binomial").summary())


# --- new data, model files, resampling --------------------------------------------------------------

@pytest.fixture(scope="module")
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = _lbw(_yes_no())
    return data.iloc[:140], data.iloc[140:]


def test_predict_and_evaluate_on_new_data_match_the_01_coding(split):
    train, test = split
    fit = gg.glm(f"low ~ {RHS}", train, family="binomial")
    coded = gg.glm(f"I(low == 'yes') ~ {RHS}", train, family="binomial")
    np.testing.assert_allclose(fit.predict(test.drop(columns="low")), coded.predict(test), rtol=1e-12)
    held_out, reference = fit.evaluate(test), coded.evaluate(test)
    np.testing.assert_allclose([held_out.deviance, held_out.d2], [reference.deviance, reference.d2], rtol=1e-12)
    only_yes = test[test["low"] == "yes"]  # one level in the new rows: still y = 1 there
    np.testing.assert_allclose(fit.evaluate(only_yes).deviance, coded.evaluate(only_yes).deviance, rtol=1e-12)


def test_new_level_in_new_data_is_refused(split):
    train, test = split
    fit = gg.glm("low ~ age", train, family="binomial")
    bad = test.assign(low=test["low"].where(test.index != test.index[4], "maybe"))
    with pytest.raises(UnseenLevelError, match=r"'no' \(failure\) and 'yes' \(event\).*row 144, value 'maybe'"):
        fit.evaluate(bad)


def test_model_file_round_trip(split, tmp_path):
    train, test = split
    fit = gg.glm(f"low ~ {RHS}", train.assign(low=pd.Categorical(train["low"], ["yes", "no"])), family="binomial")
    fit.save(tmp_path / "model.json")
    loaded = gg.load(tmp_path / "model.json")
    assert loaded.spec.response.levels == ("yes", "no")
    assert "P(low == 'no')" in str(loaded.summary())
    np.testing.assert_array_equal(loaded.predict(test), fit.predict(test))
    assert loaded.evaluate(test).deviance == fit.evaluate(test).deviance


def test_cv_and_bootstrap_equal_the_01_coding():
    """The factor coding is the 0/1 coding: the same CV curve on the same folds, the same bootstrap."""
    data = _lbw(_yes_no())
    folds = np.arange(len(data)) % 5
    paths = [gg.glm_path(f"{lhs} ~ {RHS}", data, family="binomial", n_alphas=8)
             for lhs in ("low", "I(low == 'yes')")]
    curves = [path.cv(folds=folds) for path in paths]
    np.testing.assert_allclose(curves[0].mean_deviance, curves[1].mean_deviance, rtol=1e-10)
    fits = [gg.glm(f"{lhs} ~ age + smoke", data, family="binomial") for lhs in ("low", "I(low == 'yes')")]
    boots = [gg.bootstrap(fit, n_boot=20, seed=1) for fit in fits]
    np.testing.assert_allclose(boots[0].replicates.to_numpy(), boots[1].replicates.to_numpy(), rtol=1e-10)


def test_safe_mode_reads_a_factor_response():
    fit = gg.glm("low ~ age + smoke", _lbw(_yes_no()), family="binomial", safe=True)
    assert fit.spec.response.levels == ("no", "yes")


# --- refusals ---------------------------------------------------------------------------------------

def test_three_levels_are_refused_naming_them_and_the_fix():
    data = _lbw(np.where(R_LBW.data["low"] == 1, "yes", np.where(R_LBW.data["age"] > 25, "no", "unsure")))
    with pytest.raises(DataError, match=r"3 levels \('no', 'unsure', 'yes'\).*I\(low == 'yes'\)"):
        gg.glm("low ~ age", data, family="binomial")


def test_unused_category_is_named_in_the_fix():
    response = pd.Categorical(_yes_no(), categories=["no", "maybe", "yes"])
    with pytest.raises(DataError, match=r"Only 'no' and 'yes' occur.*remove_unused_categories"):
        gg.glm("low ~ age", _lbw(response), family="binomial")


def test_one_level_asks_for_both_levels():
    with pytest.raises(DataError, match=r"1 level \('yes'\).*levels="):
        gg.glm("low ~ age", _lbw(np.full(len(R_LBW.data), "yes")), family="binomial")


@pytest.mark.parametrize("family", ["gaussian", "poisson"])
def test_other_families_refuse_a_factor_response(family):
    """R's glm refuses a factor response outside the binomial family (y - mu of a factor)."""
    with pytest.raises(ValueError, match=r"'low' is categorical .*only a binomial model.*I\(low == 'yes'\)"):
        gg.glm("low ~ age", _lbw(_yes_no()), family=family)


@pytest.mark.parametrize("lhs", ["C(low, Sum)", "C(low, levels=['a', 'b', 'c'])", "C(np.log(age))"])
def test_malformed_factor_response_is_refused(lhs):
    with pytest.raises(FormulaError, match="response"):
        gg.glm(f"{lhs} ~ age", _lbw(_yes_no()), family="binomial")


# --- scikit-learn -----------------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_classifier_with_text_classes_agrees_with_glm(alpha):
    from glmgen.sklearn import GLMClassifier

    data = _lbw(_yes_no())
    columns = RHS.split(" + ")
    clf = GLMClassifier(alpha=alpha, standardize=True, tol=1e-12).fit(data[columns].astype(float), data["low"])
    fit = gg.glm(f"low ~ {RHS}", data, family="binomial", alpha=alpha, tol=1e-12)
    assert list(clf.classes_) == ["no", "yes"]
    np.testing.assert_allclose(clf.coef_, fit.params[columns], rtol=0, atol=1e-10)
    np.testing.assert_allclose(clf.intercept_, fit.params["Intercept"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(clf.predict_proba(data[columns].astype(float))[:, 1], fit.fitted, rtol=1e-10)
