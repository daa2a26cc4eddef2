"""``na_action="impute"`` with ``lump()``: the level ``"NA"`` keeps its place after the column's levels (never the
reference), a pandas Categorical's declared level order is lump's order, and a loaded model with ``lump()`` saves
again.

Reference values are statsmodels' least squares on a design made by hand with pandas.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

import glmgen as gg


def _frame(seed: int, n: int = 300) -> pd.DataFrame:
    """g: four levels, e rare; NA in 10% of g."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"z": rng.normal(size=n), "g": rng.choice(list("bcde"), n, p=[0.4, 0.35, 0.2, 0.05])})
    df["y"] = 0.5 * df["z"] + (df["g"] == "c") - 0.5 * (df["g"] == "d") + rng.normal(scale=0.5, size=n)
    df.loc[rng.random(n) < 0.1, "g"] = None
    return df


def test_lump_keeps_the_na_level_last(seed: int) -> None:
    """lump(g) of a column with NA: levels b, c, d, NA, then Other (e merged); b is the reference, as least squares
    on those dummies made by hand."""
    df = _frame(seed)
    fit = gg.glm("y ~ lump(g, min_count=25) + z", df, na_action="impute")
    label = df["g"].fillna("NA").replace({"e": "Other"})
    dummies = pd.get_dummies(label).astype(float)[["c", "d", "NA", "Other"]]
    reference = sm.OLS(df["y"], sm.add_constant(pd.concat([dummies, df["z"]], axis=1))).fit()
    names = [f"lump(g, min_count=25)[T.{level}]" for level in ("c", "d", "NA", "Other")]
    assert list(fit.params.index) == ["Intercept", *names, "z"]
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params.to_numpy(), rtol=1e-9, atol=1e-12)


def test_lump_follows_a_categoricals_declared_order(seed: int) -> None:
    """A Categorical declared with levels d, b, c, e keeps that order through lump(): d is the reference (R's
    forcats::fct_lump keeps a factor's level order)."""
    df = _frame(seed).dropna()
    df["g"] = pd.Categorical(df["g"], categories=["d", "b", "c", "e"])
    fit = gg.glm("y ~ lump(g, min_count=25) + z", df)
    assert [name.split("[T.")[1][:-1] for name in fit.params.index if "[T." in name] == ["b", "c", "Other"]


def test_a_loaded_model_with_lump_saves_again(tmp_path, seed: int) -> None:
    """A model with lump() (whose learning counts are not saved) saves after loading; the second file predicts as
    the fit."""
    df = _frame(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.DroppedRowsWarning)
        for na_action in ("drop", "impute"):
            fit = gg.glm("y ~ lump(g, min_count=25) + z", df, na_action=na_action)
            fit.save(tmp_path / "first.json")
            gg.load(tmp_path / "first.json").save(tmp_path / "second.json")
            again = gg.load(tmp_path / "second.json")
            np.testing.assert_allclose(again.predict(df).to_numpy(), fit.predict(df).to_numpy(), rtol=1e-14,
                                       equal_nan=True)
