"""The level set of a factor is schema: declared from all rows of the data, never learned from held-out rows.

Reference values: statsmodels' ``GLM`` on patsy's design of the same rows (the columns and coefficients a
model had before level sets were declared), and closed forms (a prediction at a level without training
rows is the reference level's prediction).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import patsy
import pytest

import glmgen as gg
from glmgen.errors import AliasedColumnsWarning, DataWarning, UnseenLevelError

sm = pytest.importorskip("statsmodels.api")

LEVELS = ["ash", "beech", "birch", "elm", "oak"]


def forest(seed: int, n: int = 240) -> pd.DataFrame:
    """Counts by tree (text, sorted levels ash < ... < oak), soil (an integer used as C(soil)) and x."""
    rng = np.random.default_rng([seed, 3])
    tree = rng.choice(LEVELS, n)
    soil = rng.choice([3, 1, 2], n)
    x = rng.normal(size=n)
    effect = dict(zip(LEVELS, [0.0, 0.4, -0.3, 0.2, 0.6]))
    mu = np.exp(0.5 + np.array([effect[t] for t in tree]) + 0.2 * (soil == 2) + 0.3 * x)
    return pd.DataFrame({"y": rng.poisson(mu).astype(float), "tree": tree, "soil": soil, "x": x})


def statsmodels_fit(formula: str, data: pd.DataFrame) -> pd.Series:
    """statsmodels' Poisson GLM on patsy's design of ``data`` (the design learned from those rows alone)."""
    y, X = patsy.dmatrices(formula, data, return_type="dataframe")
    return sm.GLM(y, X, family=sm.families.Poisson()).fit().params


def quiet_fit(formula: str, data: pd.DataFrame, **kwargs: object) -> gg.GLMResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        return gg.glm(formula, data, family="poisson", **kwargs)


FORMULA = "y ~ tree + C(soil) + x"


# --- every level has rows: nothing changes -----------------------------------------------------------

def test_declared_levels_change_nothing_when_every_level_has_rows(seed: int) -> None:
    """Declaring the level sets gives the columns and coefficients of patsy's design (as statsmodels), and
    bitwise the fit of the undeclared frame."""
    data = forest(seed)
    plain = gg.glm(FORMULA, data, family="poisson")
    declared_data = plain.spec.declare_levels(data)
    assert isinstance(declared_data["tree"].dtype, pd.CategoricalDtype)
    assert isinstance(declared_data["soil"].dtype, pd.CategoricalDtype)
    assert data["tree"].dtype != "category"  # the caller's frame is not modified
    declared = gg.glm(FORMULA, declared_data, family="poisson")
    reference = statsmodels_fit(FORMULA, data)
    assert list(declared.params.index) == list(reference.index) == list(plain.params.index)
    np.testing.assert_allclose(declared.params, reference, rtol=1e-10, atol=1e-12)
    assert np.array_equal(declared.params.to_numpy(), plain.params.to_numpy())
    assert np.array_equal(declared.bse.to_numpy(), plain.bse.to_numpy())


# --- a level without training rows ---------------------------------------------------------------------

def split_without(data: pd.DataFrame, absent: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows without the ``absent`` trees, and held-out rows holding all of them."""
    at_absent = data["tree"].isin(absent).to_numpy()
    return data[~at_absent], data[at_absent]


def test_absent_levels_get_nan_columns_and_the_rest_is_the_fit_without_them(seed: int) -> None:
    """'ash' (the first level) and 'elm' have no training rows: the reference becomes 'beech', the first
    level with rows, the present columns are statsmodels' fit of the training rows, 'ash' and 'elm' are NaN."""
    data = forest(seed)
    declared = quiet_fit(FORMULA, data).spec.declare_levels(data)
    train, _ = split_without(declared, ["ash", "elm"])
    with pytest.warns(AliasedColumnsWarning, match=r"tree\[T.ash\].*tree\[T.elm\]"):
        fit = gg.glm(FORMULA, train, family="poisson")
    reference = statsmodels_fit(FORMULA, split_without(data, ["ash", "elm"])[0])
    assert "tree[T.beech]" not in fit.params.index  # the reference level
    assert fit.params[["tree[T.ash]", "tree[T.elm]"]].isna().all()
    np.testing.assert_allclose(fit.params[reference.index], reference, rtol=1e-9, atol=1e-12)


def test_predict_at_a_level_without_training_rows_is_the_reference_prediction_and_warns(seed: int) -> None:
    data = forest(seed)
    declared = quiet_fit(FORMULA, data).spec.declare_levels(data)
    train, held_out = split_without(declared, ["elm"])
    fit = quiet_fit(FORMULA, train)
    raw_held_out = data[data["tree"] == "elm"]
    with pytest.warns(DataWarning, match=rf"{len(raw_held_out)} rows .*'tree\[T.elm\]' \({len(raw_held_out)} rows\)"):
        predicted = fit.predict(raw_held_out)
    # closed form: the reference level's prediction, exp(b0 + b_soil + b_x x)
    params = fit.params
    eta = params["Intercept"] + raw_held_out["x"].to_numpy() * params["x"]
    eta = eta + np.array([params.get(f"C(soil)[T.{s}]", 0.0) for s in raw_held_out["soil"]])
    np.testing.assert_allclose(predicted.to_numpy(), np.exp(eta), rtol=1e-12)
    as_reference = raw_held_out.assign(tree="ash")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every column used here has a coefficient: no warning
        np.testing.assert_allclose(predicted.to_numpy(), fit.predict(as_reference).to_numpy(), rtol=1e-12)
    with pytest.warns(DataWarning, match=r"tree\[T.elm\]"):
        held = fit.evaluate(held_out)
    mu = np.exp(eta)
    y = raw_held_out["y"].to_numpy()
    unit = 2 * (np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0) - (y - mu))
    assert held.mean_deviance == pytest.approx(unit.mean(), rel=1e-12)


def test_penalized_fit_keeps_an_absent_level_at_zero_without_warning(seed: int) -> None:
    data = forest(seed)
    declared = quiet_fit(FORMULA, data).spec.declare_levels(data)
    train, held_out = split_without(declared, ["elm"])
    fit = gg.glm(FORMULA, train, family="poisson", alpha=0.01, l1_ratio=0.5)
    assert fit.params["tree[T.elm]"] == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predicted = fit.predict(held_out)
        np.testing.assert_allclose(predicted, fit.predict(held_out.assign(tree="ash")), rtol=1e-12)


def test_a_level_outside_the_level_set_is_refused_with_how_to_declare_it(seed: int) -> None:
    data = forest(seed)
    train, _ = split_without(data, ["elm"])  # undeclared: the model's levels are those of train
    fit = quiet_fit(FORMULA, train)
    with pytest.raises(UnseenLevelError, match=r"'elm'.*pd\.Categorical\(df\['tree'\], categories="):
        fit.predict(data)


def test_declared_categories_of_a_pandas_categorical_count(seed: int) -> None:
    """A Categorical's unused first category does not alias a level with rows: the reference is 'beech', as
    statsmodels on the rows without 'ash'; the unused categories get NaN."""
    data = forest(seed)
    data = data[data["tree"] != "ash"].assign(
        tree=lambda d: pd.Categorical(d["tree"], categories=LEVELS + ["pine"]))
    with pytest.warns(AliasedColumnsWarning):
        fit = gg.glm(FORMULA, data, family="poisson")
    reference = statsmodels_fit(FORMULA, data.assign(tree=data["tree"].astype(str)))
    assert fit.params[["tree[T.ash]", "tree[T.pine]"]].isna().all()
    np.testing.assert_allclose(fit.params[reference.index], reference, rtol=1e-9, atol=1e-12)


def test_model_file_keeps_the_level_set(tmp_path: object, seed: int) -> None:
    data = forest(seed)
    declared = quiet_fit(FORMULA, data).spec.declare_levels(data)
    train, held_out = split_without(declared, ["elm"])
    fit = quiet_fit(FORMULA, train)
    path = f"{tmp_path}/model.json"
    fit.save(path)
    loaded = gg.load(path)
    assert loaded.spec.column_names == fit.spec.column_names
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        np.testing.assert_array_equal(loaded.predict(held_out), fit.predict(held_out))


# --- which columns get a declared level set --------------------------------------------------------------

def test_only_treatment_coded_factor_columns_are_declared() -> None:
    rng = np.random.default_rng(0)
    n = 40
    data = pd.DataFrame({
        "y": rng.poisson(2, n).astype(float), "a": rng.choice(["p", "q"], n), "b": rng.choice(["p", "q"], n),
        "c": rng.choice(["p", "q"], n), "d": rng.choice(["p", "q"], n), "e": rng.choice([True, False], n),
        "k": rng.choice([1, 2, 3], n), "w": rng.uniform(1, 2, n), "z": rng.choice(["p", "q"], n),
    })
    formula = ("y ~ a + C(b, Treatment('q')) + C(c, Sum) + C(d, levels=['q', 'p']) + e + C(k) + w"
               " + I(z == 'p')")
    declared = quiet_fit(formula, data, weights="w").spec.declare_levels(data)
    categorical = {c for c in declared.columns if isinstance(declared[c].dtype, pd.CategoricalDtype)}
    assert categorical == {"a", "b", "k"}
    assert list(declared["k"].cat.categories) == [1, 2, 3]
