"""Data frames of other libraries as pandas: the one conversion at the public entry points.

Every public function that takes rows calls :func:`as_pandas` on them first, so the rest of glmgen (and
every refit: CV folds, bootstrap replicates, stepwise moves) sees one pandas frame, converted once.

* pandas (and Dask) frames pass through untouched, except pandas columns backed by Arrow strings or
  dictionaries (``pd.ArrowDtype``), which patsy cannot read: those columns are converted as below
  (a shallow copy; the other columns are not copied).
* a polars ``LazyFrame`` is collected once; a polars ``DataFrame`` goes to Arrow (``to_arrow``, mostly
  without a copy) and from there to pandas like a pyarrow ``Table`` or ``RecordBatch``.
* Arrow to pandas (``to_pandas``) keeps every value and its meaning: integer and boolean columns
  with nulls become pandas' nullable ``Int64`` / ``boolean`` (a null stays NA, an integer stays
  exact: pandas' default float64 would turn ``C(n)``'s level ``2`` into ``2.0``; booleans would
  become objects), those without stay NumPy ``int64`` / ``bool``; dates become ``datetime64`` (as
  in pandas, which glmgen refuses with a fix rather than reading as text); strings become pandas'
  string dtype; numbers without nulls share Arrow's memory (no copy, read-only: glmgen never writes
  to the rows it is given);
  dictionaries become Categoricals with the dictionary's order as the level order (a pandas
  Categorical's declared order, a polars ``Enum``'s declared order, kept), except a polars
  ``Categorical``, whose order is only the order strings met polars' string cache: its levels are
  sorted, as a text column's are (R's ``factor()``). A pandas index saved in the table comes back.

polars and pyarrow are never imported here: a frame is told by its type's module, and converted by its
own methods, so glmgen imports without them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import is_dask_frame
from .errors import DataError, InvalidParameterError

#: the frames the public functions accept, for messages and docstrings
ACCEPTED = ("a pandas DataFrame, a polars DataFrame or LazyFrame, a pyarrow Table or RecordBatch, "
            "or a dict of equal-length columns")
#: the type of a public ``data`` argument: any of :data:`ACCEPTED` (or a Dask DataFrame where one is accepted)
AnyFrame = Any
#: pandas' nullable dtypes for Arrow's integer and boolean types (for columns with nulls), by the type's name
_NULLABLE: dict[str, Any] = {
    **{f"{sign}int{bits}": pd.api.types.pandas_dtype(f"{sign.upper()}Int{bits}")
       for sign in ("", "u") for bits in (8, 16, 32, 64)},
    "bool": pd.BooleanDtype(),
}
#: the Arrow field metadata polars writes for a ``Categorical`` column (an ``Enum`` writes another key)
_POLARS_CATEGORICAL = b"_PL_CATEGORICAL"
#: Arrow types of a ``pd.ArrowDtype`` column that patsy cannot read, by the start of the type's name
_ARROW_TEXT = ("string", "large_string", "string_view", "dictionary")


def as_pandas(data: AnyFrame, name: str = "data") -> Any:
    """``data`` as a pandas DataFrame (module notes); ``None`` and a Dask DataFrame are returned as they are.

    ``name`` is the argument's name, for the message that refuses any other type.
    """
    if data is None or is_dask_frame(data):
        return data
    if isinstance(data, pd.DataFrame):
        return _without_arrow_text(data)
    if isinstance(data, dict):
        return pd.DataFrame(data)
    data = collected(data)
    library, kind = type(data).__module__.split(".")[0], type(data).__name__
    if library == "polars" and kind == "DataFrame":
        return _arrow_to_pandas(_polars_to_arrow(data))
    if library == "pyarrow" and kind in ("Table", "RecordBatch"):
        return _arrow_to_pandas(data)
    raise InvalidParameterError(
        f"{name} must be {ACCEPTED}; got {type(data).__module__}.{kind}. Convert it to one of them, e.g. "
        f"pd.DataFrame({name})."
    )


def collected(data: Any) -> Any:
    """A polars ``LazyFrame`` collected (once) into a polars ``DataFrame``; anything else as it is."""
    kind = type(data)
    if kind.__name__ == "LazyFrame" and kind.__module__.split(".")[0] == "polars":
        return data.collect()
    return data


def _polars_to_arrow(frame: Any) -> Any:
    """A polars DataFrame as a pyarrow Table (polars needs pyarrow for this)."""
    try:
        return frame.to_arrow()
    except ModuleNotFoundError as exc:
        raise DataError(
            f"converting a polars frame to pandas needs pyarrow, which is not installed ({exc}). Install it "
            "(pip install pyarrow), or pass frame.to_pandas()."
        ) from None


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    """A pyarrow Table or RecordBatch as pandas, with the dtypes of the module notes."""
    # split_blocks: a pandas column per Arrow column, numbers without a copy where Arrow allows (no 2-D block)
    frame = table.to_pandas(date_as_object=False, split_blocks=True)
    if not frame.columns.is_unique:  # refused, with the names, when the rows are read (formula.check_frame)
        return frame
    for field, values in zip(table.schema, table.columns):
        if field.name not in frame.columns:  # an index pandas saved in the table: restored as it was
            continue
        nullable = _NULLABLE.get(str(field.type))
        if nullable is not None and values.null_count and frame[field.name].dtype != nullable:
            frame[field.name] = nullable.__from_arrow__(values)
        elif any(key.startswith(_POLARS_CATEGORICAL) for key in field.metadata or {}):
            frame[field.name] = _sorted_levels(frame[field.name].array)
    return frame


def _sorted_levels(values: pd.Categorical) -> pd.Categorical:
    """``values`` with its levels that have rows, sorted (``remove_unused_categories`` is 10 times slower)."""
    codes = values.codes
    present = np.bincount(codes[codes >= 0], minlength=len(values.categories)) > 0
    return values.set_categories(sorted(values.categories[present]))


def _without_arrow_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its Arrow-backed string and dictionary columns (``pd.ArrowDtype``) converted as Arrow
    columns are (module notes), or ``frame`` itself when it has none."""
    dtypes = dict(zip(frame.columns.tolist(), frame.dtypes.tolist()))
    text = [column for column, dtype in dtypes.items() if isinstance(dtype, pd.ArrowDtype)
            and str(dtype.pyarrow_dtype).startswith(_ARROW_TEXT)]
    if not text:
        return frame
    converted = frame.copy(deep=False)
    for column in text:
        chunks = frame[column].array.__arrow_array__()
        converted[column] = chunks.to_pandas(date_as_object=False).array
    return converted
