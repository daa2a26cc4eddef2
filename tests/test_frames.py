"""glmgen._frames.as_pandas: which frames pass through, and what a polars or Arrow frame becomes in pandas."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import glmgen as gg
from glmgen._frames import as_pandas


@pytest.fixture
def frame() -> pd.DataFrame:
    """A Categorical in a non-lexical order with an unused level, nullable integers and booleans with NA, text."""
    return pd.DataFrame({
        "g": pd.Categorical(["lo", "hi", "lo", "mid"], categories=["mid", "lo", "hi", "unused"]),
        "k": pd.array([3, None, 2**53 + 1, 0], dtype="Int64"),
        "b": pd.array([True, None, False, True], dtype="boolean"),
        "s": ["x", "y", None, "x"],
        "x": [0.5, np.nan, 1.5, 2.0],
    }, index=[10, 11, 12, 13])


def test_pandas_dask_and_none_pass_through_untouched(frame: pd.DataFrame) -> None:
    lazy = dd.from_pandas(frame, npartitions=2)
    assert as_pandas(frame) is frame
    assert as_pandas(lazy) is lazy
    assert as_pandas(None) is None


@pytest.mark.parametrize("make", [pa.Table.from_pandas, pa.RecordBatch.from_pandas], ids=["Table", "RecordBatch"])
def test_arrow_from_pandas_keeps_levels_na_exact_integers_and_the_index(frame: pd.DataFrame, make) -> None:
    converted = as_pandas(make(frame))
    assert list(converted.index) == [10, 11, 12, 13]
    assert list(converted["g"].cat.categories) == ["mid", "lo", "hi", "unused"]
    assert not converted["g"].cat.ordered
    assert converted["k"].dtype == "Int64" and converted["k"].isna().tolist() == [False, True, False, False]
    assert converted["k"].iloc[2] == 2**53 + 1  # a float64 column would have rounded it
    assert converted["b"].dtype == "boolean" and converted["b"].isna().sum() == 1
    assert pd.api.types.is_string_dtype(converted["s"]) and converted["s"].isna().tolist() == [False, False, True, False]
    pd.testing.assert_series_equal(converted["x"], frame["x"])


def test_polars_enum_keeps_its_declared_order_and_unused_levels(frame: pd.DataFrame) -> None:
    enum = pl.Enum(["mid", "lo", "hi", "unused"])
    converted = as_pandas(pl.from_pandas(frame).with_columns(pl.col("g").cast(enum)))
    assert list(converted["g"].cat.categories) == ["mid", "lo", "hi", "unused"]
    assert converted["k"].dtype == "Int64" and converted["k"].iloc[2] == 2**53 + 1
    assert converted["b"].dtype == "boolean" and converted["b"].isna().sum() == 1


def test_integers_and_booleans_without_nulls_stay_numpy() -> None:
    converted = as_pandas(pl.DataFrame({"i": [1, 2, 3], "b": [True, False, True]}))
    assert converted["i"].dtype == np.int64 and converted["b"].dtype == np.bool_


def test_polars_categorical_levels_are_sorted_as_for_text() -> None:
    # polars' own order is that of its string cache (here "zeta" first, met first); text columns sort their levels
    pl.DataFrame({"g": ["zeta", "omega"]}, schema={"g": pl.Categorical})
    categorical = pl.DataFrame({"g": ["beta", "zeta", "alpha", "beta"]}, schema={"g": pl.Categorical})
    for source in (categorical, categorical.lazy(), categorical.to_arrow()):
        converted = as_pandas(source)
        assert list(converted["g"].cat.categories) == ["alpha", "beta", "zeta"]
        assert converted["g"].tolist() == ["beta", "zeta", "alpha", "beta"]


def test_a_lazy_frame_is_collected_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    collect = pl.LazyFrame.collect

    def counted(self, *args, **kwargs):
        calls.append(1)
        return collect(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect", counted)
    lazy = pl.DataFrame({"x": [1.0, 2.0, 3.0]}).lazy().with_columns(y=pl.col("x") * 2)
    converted = as_pandas(lazy)
    assert len(calls) == 1
    assert converted["y"].tolist() == [2.0, 4.0, 6.0]


def test_dates_become_datetimes_which_a_model_refuses_as_with_pandas() -> None:
    days = [datetime.date(2024, 1, d) for d in range(1, 7)]
    source = pl.DataFrame({"y": [1.0, 2.0, 1.5, 3.0, 2.5, 4.0], "day": days})
    converted = as_pandas(source)
    assert pd.api.types.is_datetime64_dtype(converted["day"])
    with pytest.raises(gg.DataError, match="'day' holds dates"):
        gg.glm("y ~ day", source)


def test_pandas_arrow_text_columns_are_converted_and_the_others_not_copied() -> None:
    text = pd.Series(["b", None, "a", "b"], dtype=pd.ArrowDtype(pa.string()))
    codes = pd.Series(pa.array(["q", "p", "q", "q"]).dictionary_encode(),
                      dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())))
    source = pd.DataFrame({"s": text, "d": codes, "x": np.arange(4.0)})
    converted = as_pandas(source)
    assert pd.api.types.is_string_dtype(converted["s"]) and not isinstance(converted["s"].dtype, pd.ArrowDtype)
    assert converted["s"].isna().tolist() == [False, True, False, False]
    assert list(converted["d"].cat.categories) == ["q", "p"]  # the dictionary's order
    assert np.shares_memory(converted["x"].to_numpy(), source["x"].to_numpy())
    assert isinstance(source["s"].dtype, pd.ArrowDtype)  # the caller's frame is not changed


def test_a_dict_of_columns_is_a_frame() -> None:
    pd.testing.assert_frame_equal(as_pandas({"x": [1.0, 2.0]}), pd.DataFrame({"x": [1.0, 2.0]}))


@pytest.mark.parametrize("value", [np.zeros((3, 2)), [[1.0, 2.0]], pl.Series("x", [1.0])],
                         ids=["ndarray", "list", "polars Series"])
def test_other_types_are_refused_naming_the_type_and_the_accepted_ones(value) -> None:
    with pytest.raises(gg.InvalidParameterError, match=r"new must be a pandas DataFrame, a polars DataFrame or LazyFrame, a "
                                           r"pyarrow Table or RecordBatch.*; got (numpy\.ndarray|builtins\.list|"
                                           r"polars\.series\.series\.Series).*pd\.DataFrame\(new\)"):
        as_pandas(value, "new")


def test_glmgen_imports_and_fits_without_polars_and_pyarrow() -> None:
    code = ("import sys; sys.modules.update(polars=None, pyarrow=None, narwhals=None)\n"
            "import pandas as pd, glmgen as gg\n"
            "fit = gg.glm('y ~ x', pd.DataFrame({'x': [0.0, 1.0, 2.0, 3.0], 'y': [0.1, 0.9, 2.2, 2.8]}))\n"
            "print(round(fit.params['x'], 2))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=Path(gg.__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.94"  # least squares slope: sum((x - 1.5) * y) / sum((x - 1.5)^2) = 4.7 / 5
