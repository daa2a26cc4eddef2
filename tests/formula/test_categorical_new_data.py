"""New data whose factor column is a pandas Categorical (as Parquet and Dask give it) is coded as the same values
given as text: whatever the order of its categories, with unused categories, and with unknown levels refused.
Reference: the design built from the column as plain strings, and least squares by NumPy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.errors import UnseenLevelError


def _frame(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c", "d"], n)})
    df["y"] = df["x"] + df["g"].map({"a": 0.0, "b": 1.0, "c": -1.0, "d": 0.5}) + rng.normal(scale=0.3, size=n)
    return df


@pytest.mark.parametrize("categories", [["d", "c", "b", "a"], ["a", "b", "c", "d", "zz"], ["b", "a", "d", "c"]])
def test_categorical_new_data_is_coded_as_text(categories: list[str]) -> None:
    df = _frame(0)
    fit = gg.glm("y ~ g + C(g):x", df)
    new = _frame(1, n=50)
    as_categorical = new.assign(g=pd.Categorical(new["g"], categories=categories))
    X_text = fit.spec.build(new).X
    X_cat = fit.spec.build(as_categorical).X
    def dense(X: object) -> np.ndarray:  # the design's columns after its intercept
        return X.toarray() if hasattr(X, "toarray") else np.asarray(X)

    def with_intercept(X: object) -> np.ndarray:
        columns = dense(X)
        return np.column_stack([np.ones(len(columns)), columns])

    np.testing.assert_array_equal(dense(X_cat), dense(X_text))
    # the coefficients of the same model, least squares on the text design
    beta, *_ = np.linalg.lstsq(with_intercept(fit.spec.build(df).X), df["y"].to_numpy(), rcond=None)
    np.testing.assert_allclose(fit.predict(as_categorical).to_numpy(), with_intercept(X_text) @ beta, rtol=1e-8)


def test_categorical_with_an_unknown_level_in_use_is_refused() -> None:
    fit = gg.glm("y ~ x + g", _frame(0))
    new = _frame(1, n=5)
    new["g"] = pd.Categorical(["zz"] + list(new["g"][1:]), categories=["a", "b", "c", "d", "zz"])
    with pytest.raises(UnseenLevelError, match="zz"):
        fit.predict(new)


def test_categorical_new_data_without_rows_of_the_reference_level() -> None:
    """New rows with no row of the reference level keep the learned level order (the reference is learned once,
    from the training rows, not again from the new rows)."""
    df = _frame(0)
    df["h"] = np.where(df["x"] > 0, "p", "q")
    fit = gg.glm("y ~ g * h", df)  # g:h is built by patsy, which checks a Categorical's level order
    new = _frame(1, n=60)
    new["h"] = np.where(new["x"] > 0, "p", "q")
    new = new[new["g"] != "a"]
    as_categorical = new.assign(g=pd.Categorical(new["g"], categories=["a", "b", "c", "d"]))
    np.testing.assert_allclose(fit.predict(as_categorical).to_numpy(), fit.predict(new).to_numpy(), rtol=1e-12)
