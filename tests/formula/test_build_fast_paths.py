"""The shortcuts of ``DesignSpec.build`` on new data give what the general path gives: missing values found per
column whatever the column types and block sizes (reference: NumPy's isnan / pandas' isna per column), a factor
column declared with exactly the trained levels coded as the same values given as text or plain numbers, and
the terms found once per spec left out of its saved and pickled forms."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import glmgen.formula.frame as frame
from glmgen.errors import DataError, UnseenLevelError
from glmgen.formula import build_design


def _dense(X: object) -> np.ndarray:
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X)


def _mixed_frame() -> pd.DataFrame:
    n = 12
    a = np.arange(n, dtype=float)
    a[[1, 4]] = np.nan
    b = np.full(n, 1e308)  # finite values whose sum overflows
    b[2] = np.nan
    c = np.ones(n)
    c[0] = np.inf  # infinite but not missing
    c[3] = np.nan
    f = np.array(["u"] * n, dtype=object)
    f[7] = None
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": np.zeros(n), "e": np.arange(n), "f": f,
                         "h": np.ones(n, dtype=np.float32)})


@pytest.mark.parametrize("cells", [frame.CHUNK_CELLS, 12, 24])  # one block; one column; two columns per block
def test_rows_to_keep_counts_missing_values_per_column(cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frame, "CHUNK_CELLS", cells)
    df = _mixed_frame()
    columns = list(df.columns)
    keep, n_dropped, message = frame.rows_to_keep(df, columns, {}, "drop")
    missing = {c: df[c].isna().to_numpy() for c in columns}
    expected_keep = ~np.logical_or.reduce(list(missing.values()))
    np.testing.assert_array_equal(keep, expected_keep)
    assert n_dropped == 5 == int((~expected_keep).sum())
    assert message == "5 of 12 rows with missing values in 'a' (2), 'b' (1), 'c' (1), 'f' (1) (first: row 1)"
    with pytest.raises(DataError, match=r"'a' \(2\), 'b' \(1\), 'c' \(1\), 'f' \(1\)"):
        frame.rows_to_keep(df, columns, {}, "raise")
    clean = df[["c", "d", "e", "h"]].drop(index=[3])  # an infinite value alone is not missing
    keep, n_dropped, message = frame.rows_to_keep(clean, list(clean.columns), {}, "raise")
    assert keep.tolist() == [True] * 11 and n_dropped == 0 and message is None


def _training(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n),
                         "k": rng.choice([1, 2, 3], n), "y": rng.poisson(2.0, n).astype(float)})


def test_factor_declared_with_the_trained_levels_is_coded_as_text() -> None:
    spec, _ = build_design("y ~ x + g + g:x", _training(0))
    new = _training(1, n=40)
    new.loc[[3, 9], "g"] = None
    declared = new.assign(g=pd.Categorical(new["g"], categories=["a", "b", "c"]))
    text, built = spec.build(new), spec.build(declared)
    np.testing.assert_array_equal(_dense(built.X), _dense(text.X))
    assert built.n_dropped == text.n_dropped == 2
    with pytest.raises(UnseenLevelError, match="has level nan"):  # not dropped by transform: refused as text is
        spec.transform(declared)
    with pytest.raises(UnseenLevelError, match="has level nan"):
        spec.transform(new)


def test_numbers_declared_as_other_types_are_coded_as_the_numbers() -> None:
    """Levels 1, 2, 3 learned from integers; new data declaring 1.0, 2.0, 3.0 is recoded, not read by its codes."""
    spec, _ = build_design("y ~ x + C(k)", _training(0))
    new = _training(2, n=40)
    for categories in ([1.0, 2.0, 3.0], [1, 2, 3], [3, 2, 1]):
        declared = new.assign(k=pd.Categorical(new["k"].astype(type(categories[0])), categories=categories))
        np.testing.assert_array_equal(_dense(spec.build(declared).X), _dense(spec.build(new).X))


def test_terms_found_once_stay_out_of_the_saved_and_pickled_spec() -> None:
    spec, _ = build_design("y ~ x + g", _training(0))
    saved = spec.to_dict()
    new = _training(3, n=30)
    X = _dense(spec.build(new).X)
    assert spec.to_dict() == saved
    restored = pickle.loads(pickle.dumps(spec))
    assert "_categorical_terms" not in vars(restored)
    np.testing.assert_array_equal(_dense(restored.build(new).X), X)
    g = new["g"].to_numpy()  # independent reference: treatment indicators of b and c (patsy puts factors first), x
    np.testing.assert_array_equal(X, np.column_stack([g == "b", g == "c", new["x"]]).astype(float))
