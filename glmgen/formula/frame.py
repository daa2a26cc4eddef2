"""The data frame side of a design: checking the frame and its columns, the rows kept, evaluating expressions.

:func:`model_frame` gives the used columns the types the formula should see,
:func:`declare_levels` fixes the level set of the factor columns from all rows
of a frame (schema, not a statistic of the rows a model is fitted on),
:func:`rows_to_keep` finds the rows without missing values, and
:func:`evaluate` computes a response, weight or offset expression on the rows,
with messages that name the column, the row and the fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
import patsy.builtins
from patsy.util import SortAnythingKey

from .._frames import ACCEPTED
from .._validation import first_bad, quoted, suggestion
from ..errors import DataError, FormulaError, InvalidParameterError
from .context import FormulaContext
from .parse import is_plain_name, numeric_names, q_name, referenced_names
from .safety import restricted_namespace

FloatArray = npt.NDArray[np.float64]
#: rows x columns of the frame read at once by the whole-block operations (missing values, the numeric matrix):
#: 16 MiB of float64, so that a tall frame is never copied whole
CHUNK_CELLS = 2**21


# --- the data frame -------------------------------------------------------------------------------

def check_frame(data: Any) -> pd.DataFrame:
    """``data`` as a data frame (a dict is converted) with at least one row and distinct column names."""
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, dict):
            data = pd.DataFrame(data)
        else:
            raise InvalidParameterError(
                f"data must be a pandas DataFrame or a dict of columns here, got {type(data).__name__}. glmgen's "
                f"public functions accept {ACCEPTED} (converted to pandas once); wrap arrays with pd.DataFrame(...)."
            )
    if len(data) == 0:
        raise DataError("data has no rows: there is nothing to fit or evaluate.")
    duplicated = data.columns[data.columns.duplicated()].unique()
    if len(duplicated):
        raise DataError(
            f"data has duplicate column names ({quoted(duplicated)}); each column needs its own name to be used "
            "in a formula. Rename the copies, or keep the first: df.loc[:, ~df.columns.duplicated()]."
        )
    return data


def used_columns(data: pd.DataFrame, codes: Sequence[str]) -> list[Any]:
    """The columns of ``data`` that ``codes`` (expressions, or column names) read, in the data's order."""
    labels = data.columns.tolist()  # a list and a set: an Index lookup per code is slow for thousands of codes
    present = set(labels)
    names: set[str] = set()
    for code in codes:
        if code in present:
            names.add(code)
        else:
            names |= referenced_names(code)
    return [c for c in labels if str(c) in names]


def column_dtypes(data: pd.DataFrame) -> dict[Any, Any]:
    """Each column's dtype, read once for the frame (``data[column]`` makes a Series per call)."""
    return dict(zip(data.columns.tolist(), data.dtypes.tolist()))


def declares(dtype: Any, levels: Sequence[Any]) -> bool:
    """Whether ``dtype`` is a pandas Categorical's whose categories are ``levels``, in order and of the same types
    (``1`` and ``1.0`` differ): its codes are then the positions in ``levels``, with nothing to recode."""
    if not isinstance(dtype, pd.CategoricalDtype) or len(dtype.categories) != len(levels):
        return False
    categories = dtype.categories.tolist()
    return categories == list(levels) and list(map(type, categories)) == list(map(type, levels))


def is_boolean(dtype: Any) -> bool:
    """pandas' ``is_bool_dtype``, answered without pandas for a NumPy dtype."""
    return dtype.kind == "b" if isinstance(dtype, np.dtype) else bool(pd.api.types.is_bool_dtype(dtype))


def is_number(dtype: Any) -> bool:
    """Whether ``dtype`` holds numbers, not booleans (pandas' ``is_numeric_dtype`` and not ``is_bool_dtype``),
    NumPy's integers and floats answered without pandas."""
    return (isinstance(dtype, np.dtype) and dtype.kind in "iuf") or (
        not is_boolean(dtype) and bool(pd.api.types.is_numeric_dtype(dtype)))


def is_number_or_boolean(dtype: Any) -> bool:
    """Whether ``dtype`` holds numbers or booleans (pandas' ``is_numeric_dtype`` or ``is_bool_dtype``), NumPy's
    integers, floats and booleans answered without pandas."""
    return (isinstance(dtype, np.dtype) and dtype.kind in "biuf") or bool(
        pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))


def column_blocks(data: pd.DataFrame, columns: Sequence[Any]) -> Iterator[pd.DataFrame]:
    """``data[columns]`` in consecutive blocks of about :data:`CHUNK_CELLS` cells, for whole-block work that
    never copies all the columns of a tall frame at once."""
    positions = data.columns.get_indexer(columns)
    step = max(1, CHUNK_CELLS // max(1, len(data)))
    for start in range(0, len(positions), step):
        chunk = positions[start:start + step]
        contiguous = bool(np.all(np.diff(chunk) == 1))  # a slice of the frame is a view, not a copy
        yield data.iloc[:, slice(chunk[0], chunk[-1] + 1) if contiguous else chunk]


def check_column_types(data: pd.DataFrame, columns: Sequence[Any]) -> None:
    """Refuse column types a model cannot use as they are: complex numbers, dates, durations, and object
    columns whose mixed value types make levels ambiguous (:func:`_check_mixed_levels`)."""
    dtypes = column_dtypes(data)
    for column in columns:
        name, dtype = str(column), dtypes[column]
        if isinstance(dtype, np.dtype) and dtype.kind in "biuf":  # NumPy's numbers and booleans are all usable
            continue
        if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(data[column], skipna=True) in (
                "mixed", "mixed-integer"):
            _check_mixed_levels(name, data[column])
        if pd.api.types.is_complex_dtype(dtype):
            raise DataError(
                f"column {name!r} holds complex numbers ({dtype}), which a GLM cannot use. Use the real part, the "
                f"imaginary part or the modulus as numeric columns, e.g. np.abs(df[{name!r}])."
            )
        if pd.api.types.is_timedelta64_dtype(dtype):
            raise DataError(
                f"column {name!r} holds durations ({dtype}), which glmgen does not turn into model columns "
                f"silently. Convert it to a number, e.g. days: df[{name!r}] = df[{name!r}].dt.days, or hours: "
                f"df[{name!r}].dt.total_seconds() / 3600."
            )
        if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
            raise DataError(
                f"column {name!r} holds dates ({dtype}), which glmgen does not turn into model columns silently "
                "(as a categorical it would get one level per distinct date). Convert it to a number such as days "
                f"since a date: df[{name!r}] = (df[{name!r}] - df[{name!r}].min()).dt.days, or to a category "
                f"such as its year: df[{name!r}].dt.year.astype('category')."
            )


def _check_mixed_levels(name: str, values: pd.Series) -> None:
    """Refuse an object column mixing booleans with other values (patsy merges True with 1 and adds a level
    ``False`` that no row may have, aliasing the coefficients) or values of different types written the
    same (1 and '1': two levels with one label). Numbers with text markers such as 'n/a' only warn
    (:func:`data_warnings`)."""
    pairs = {(type(v), str(v)): v for v in values.dropna()}  # not pd.unique: it merges True, 1 and 1.0
    is_bool = [issubclass(kind, (bool, np.bool_)) for kind, _ in pairs]
    labels = [label for _, label in pairs]
    if not (any(is_bool) and not all(is_bool)) and len(set(labels)) == len(labels):
        return
    kinds = sorted({kind.__name__ for kind, _ in pairs})
    examples = ", ".join(repr(v) for v in list(pairs.values())[:4])
    raise DataError(
        f"column {name!r} mixes value types ({', '.join(kinds)}; e.g. {examples}), "
        "so its levels are ambiguous (True equals 1; 1 and '1' print the same). Give it one type: text labels with "
        f"df[{name!r}] = df[{name!r}].astype(str), or numbers with pd.to_numeric(df[{name!r}], errors='coerce') "
        "(text becomes missing)."
    )


def model_frame(data: pd.DataFrame, columns: Sequence[Any], codes: Sequence[str], *,
                learn_reference: bool = True) -> pd.DataFrame:
    """``data`` with its model ``columns`` as the formula should see them (other columns untouched, not copied).

    Integer and nullable-number columns used as numbers become float64, as R computes in doubles
    (``I(x**2)`` of a large int64 ``x`` would otherwise overflow silently); integers used only as
    ``C(x)`` keep their values (level names ``2``, not ``2.0``). Nullable ``boolean`` columns become
    numpy booleans once their NA rows are gone. A pandas Categorical used as a treatment-coded factor
    gets as its reference level the first of its levels that has rows in ``data`` (:func:`with_levels`), when
    the design is learned (``learn_reference``); new data keeps the learned level order.
    """
    dtypes = column_dtypes(data)
    has_categorical = learn_reference and any(isinstance(dtypes[column], pd.CategoricalDtype) for column in columns)
    factors = factor_columns(data, codes, ()) if has_categorical else {}
    categorical = {column: list(dtypes[column].categories) for column in factors
                   if isinstance(dtypes[column], pd.CategoricalDtype)}
    numeric = set().union(*(numeric_names(code) if code not in dtypes else {code} for code in codes))
    converted: dict[Any, npt.NDArray[Any]] = {}
    for column in columns:
        dtype = dtypes[column]
        if isinstance(dtype, np.dtype) and dtype.kind in "fb":  # NumPy's floats and booleans stay as they are
            continue
        series = data[column]
        masked = isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "biuf"
        if pd.api.types.is_bool_dtype(dtype):
            if masked and not series.isna().any():
                converted[column] = series.to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(dtype) or (masked and dtype.kind == "f"):
            if str(column) in numeric or series.isna().any():
                converted[column] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            elif masked:
                converted[column] = series.to_numpy(dtype=np.int64)
    data = with_columns(data, converted)
    return with_levels(data, categorical) if learn_reference else data


# --- level sets ------------------------------------------------------------------------------------

def _treatment_factor(code: str) -> tuple[str, bool] | None:
    """``(column, wrapped)`` when ``code`` is a column used as a treatment-coded factor as it is: ``col``,
    ``Q("col")``, ``C(col)`` or ``C(col, Treatment(...))`` (``wrapped``: inside ``C``); else ``None``
    (other contrasts, ``levels=``, expressions: their levels stay learned from the rows fitted)."""
    if is_plain_name(code):
        return code, False
    try:
        node = ast.parse(code, mode="eval").body
    except SyntaxError:
        return None
    column = node.id if isinstance(node, ast.Name) else q_name(node)
    if column is not None:
        return column, False
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "C" and node.args):
        return None
    inner = node.args[0]
    column = inner.id if isinstance(inner, ast.Name) else q_name(inner)
    contrasts = node.args[1:] + [kw.value for kw in node.keywords if kw.arg == "contrast"]
    if column is None or len(contrasts) > 1 or len(node.args) + len(node.keywords) - 1 != len(contrasts):
        return None
    contrast = contrasts[0] if contrasts else None
    if isinstance(contrast, ast.Call):
        contrast = contrast.func
    if contrast is not None and not (isinstance(contrast, ast.Name) and contrast.id == "Treatment"):
        return None
    return column, True


def factor_columns(data: pd.DataFrame, factor_codes: Sequence[str], other_codes: Sequence[str]) -> dict[Any, bool]:
    """The non-boolean columns of ``data`` used only as treatment-coded factors, each with whether every use
    is inside ``C()``: every formula term reading the column (``factor_codes``) is the column itself or
    ``C(column[, Treatment])`` (:func:`_treatment_factor`), and no response, weight or offset expression
    (``other_codes``) reads it. Boolean columns are left out: patsy always gives them both levels."""
    by_name = {str(c): c for c in data.columns}
    dtypes = column_dtypes(data)
    excluded = set().union(*(referenced_names(code) for code in other_codes))
    uses: dict[str, list[bool | None]] = {}  # per column and term reading it: inside C(), bare, or other (None)
    for code in factor_codes:
        factor = _treatment_factor(code)
        for name in referenced_names(code) & by_name.keys():
            uses.setdefault(name, []).append(factor[1] if factor is not None and factor[0] == name else None)
    return {by_name[name]: all(wrapped) for name, wrapped in uses.items()
            if name not in excluded and None not in wrapped and not is_boolean(dtypes[by_name[name]])}


def factor_levels(
    data: pd.DataFrame, factor_codes: Sequence[str], other_codes: Sequence[str]
) -> dict[Any, list[Any]]:
    """The level set, over all rows of ``data``, of each column :func:`factor_columns` finds: a pandas
    Categorical's declared categories, or the distinct values of a text column (or of a number column
    used only inside ``C()``) sorted as patsy sorts them (text that is all True/False is left to patsy)."""
    levels: dict[Any, list[Any]] = {}
    for column, wrapped in factor_columns(data, factor_codes, other_codes).items():
        values = data[column]
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            levels[column] = list(dtype.categories)
        elif ((pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
               or (pd.api.types.is_numeric_dtype(dtype) and wrapped))
              and pd.api.types.infer_dtype(values, skipna=True) != "boolean"):
            levels[column] = sorted(pd.unique(values.dropna()).tolist(), key=SortAnythingKey)
    return levels


def with_levels(data: pd.DataFrame, levels: dict[Any, list[Any]]) -> pd.DataFrame:
    """``data`` with each column of ``levels`` a pandas Categorical of those levels, the first of them
    present in ``data`` moved to the front (other columns untouched, not copied; every value must be
    one of its column's levels).

    patsy's reference level is the first: with a level that has no rows here in front, a model with an
    intercept would alias the column of a level that has rows. So a model learned on these rows has the
    columns and coefficients patsy would give them alone, plus an all-zero column per absent level.
    """
    converted = {}
    for column, categories in levels.items():
        dtype = data[column].dtype
        declared = isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == categories
        values = data[column].array if declared else pd.Categorical(data[column], categories=categories)
        present = values.codes[values.codes >= 0]
        if present.size and not (present == 0).any():
            first = int(present.min())
            values = values.reorder_categories([categories[first]] + categories[:first] + categories[first + 1:])
        elif declared:
            continue
        converted[column] = values
    return with_columns(data, converted)


def with_columns(data: pd.DataFrame, columns: dict[Any, Any]) -> pd.DataFrame:
    """``data`` with ``columns`` replaced (a shallow copy; labels need not be text, unlike ``DataFrame.assign``),
    or ``data`` itself when there are none."""
    if not columns:
        return data
    frame = data.copy(deep=False)
    for column, values in columns.items():
        frame[column] = values
    return frame


def declare_levels(data: pd.DataFrame, factor_codes: Sequence[str], other_codes: Sequence[str]) -> pd.DataFrame:
    """``data`` with the factor columns' level sets (:func:`factor_levels`) declared as Categoricals
    (:func:`with_levels`), so that patsy learns them from all rows of ``data`` even when it sees only some
    (NA rows dropped, a training part, a cross-validation fold): a level without rows there gets an
    all-zero column, as glmnet gives a column of zeros, instead of being unknown to the model."""
    return with_levels(data, factor_levels(data, factor_codes, other_codes))


def rows_to_keep(
    data: pd.DataFrame, columns: Sequence[Any], arrays: dict[str, Any], na_action: str
) -> tuple[npt.NDArray[np.bool_], int, str | None]:
    """Rows without NA in any of ``columns`` (or an array variable).

    Returns the mask, the number of rows dropped and a message naming the
    columns; with ``na_action="raise"`` any NA raises instead.
    """
    any_missing = np.zeros(len(data), dtype=bool)
    counts: dict[str, int] = {}
    for block in column_blocks(data, columns):
        names = list(map(str, block.columns.tolist()))
        counts |= dict.fromkeys(names, 0)
        suspect = _may_have_missing(block)
        if suspect.all():
            missing = block.isna().to_numpy()
        elif suspect.any():
            missing = block.iloc[:, np.flatnonzero(suspect)].isna().to_numpy()
        else:
            continue
        any_missing |= missing.any(axis=1)
        counts |= dict(zip([name for name, maybe in zip(names, suspect) if maybe], missing.sum(axis=0).tolist()))
    for role, values in arrays.items():
        missing = pd.isna(np.asarray(values, dtype=float))
        any_missing |= missing
        counts[f"{role} array"] = int(missing.sum())
    if not any_missing.any():
        return ~any_missing, 0, None
    per_column = ", ".join(f"{c!r} ({n})" for c, n in counts.items() if n > 0)
    n_dropped, first_row = first_bad(any_missing, data.index)
    message = f"{n_dropped} of {len(data)} rows with missing values in {per_column} (first: row {first_row})"
    if na_action == "raise":
        raise DataError(f"found {message}. Remove or impute them, or pass na_action='drop' to drop those rows.")
    if n_dropped == len(data):
        raise DataError(f"no rows are left to fit: {message}.")
    return ~any_missing, n_dropped, message


def _may_have_missing(block: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Per column of ``block``, whether it may hold missing values, found without reading values row by row where
    the type allows: not a NumPy integer or boolean column (they have none), nor a NumPy float column whose sum
    is finite (a NaN makes the sum NaN; an infinite or overflowing sum only makes the column a suspect)."""
    dtypes = block.dtypes.tolist()
    if all(isinstance(dtype, np.dtype) and dtype.kind == "f" for dtype in dtypes):
        with np.errstate(over="ignore", invalid="ignore"):
            sums: FloatArray = np.add.reduce(block.to_numpy(), axis=0)
        return ~np.isfinite(sums)
    return np.array([not (isinstance(dtype, np.dtype) and dtype.kind in "biu") for dtype in dtypes])


def check_no_intercept_column(predictors: Sequence[Any]) -> None:
    """Refuse a predictor column named ``Intercept``: its coefficient would share the intercept's name."""
    if "Intercept" in {str(c) for c in predictors}:
        raise DataError(
            "the data column 'Intercept' is used as a predictor, but 'Intercept' names the model's intercept, so "
            "the two coefficients would collide. Rename the column, e.g. df.rename(columns={'Intercept': "
            "'intercept_col'}), or leave it out of the formula (y ~ . - Intercept); the intercept is added "
            "automatically (remove it with '- 1')."
        )


# --- evaluation -----------------------------------------------------------------------------------

def formula_env(context: FormulaContext | None) -> patsy.EvalEnvironment:
    """patsy's evaluation environment: the caller's ``context`` over the restricted namespace (NumPy)."""
    base = context.eval_env() if context is not None else patsy.EvalEnvironment([])
    return base.with_outer_namespace(restricted_namespace())


def evaluate(code: str, data: pd.DataFrame, env: patsy.EvalEnvironment, role: str) -> FloatArray:
    """Evaluate an R-style expression on ``data`` to a float vector, with a message naming ``role``."""
    # patsy's Q() looks columns up through the calling frame; here the columns are a plain mapping.
    namespace = {"I": patsy.builtins.I, "Q": data.__getitem__}
    try:
        value = env.with_outer_namespace(namespace).eval(code, inner_namespace=data)
    except NameError as exc:
        raise unknown_name_error(exc, data, role, code) from None
    except Exception as exc:  # noqa: BLE001 - any failure of the user's expression is reported as such
        raise FormulaError(f"could not evaluate {role} {code!r}: {type(exc).__name__}: {exc}") from None
    return to_float_vector(value, code, role, len(data))


def to_float_vector(value: Any, code: str, role: str, n_rows: int) -> FloatArray:
    """``value`` as ``(n_rows,)`` floats (a scalar is repeated, booleans become 0/1); text is refused."""
    array = np.asarray(value)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 0:
        array = np.full(n_rows, array)
    if array.ndim != 1 or array.shape[0] != n_rows:
        raise DataError(f"{role} {code!r} has shape {array.shape}; expected one value per row ({n_rows}).")
    if array.dtype == bool:
        return array.astype(float)
    if not np.issubdtype(array.dtype, np.number):
        examples = ", ".join(repr(v) for v in pd.unique(pd.Series(array)).tolist()[:3])
        raise DataError(
            f"{role} {code!r} must be numeric, but it holds {array.dtype} values such as {examples}. "
            "Recode it as numbers (e.g. 0/1 for a binary outcome: 'I(outcome == \"yes\") ~ ...')."
        )
    return array.astype(float)


def unknown_name_error(exc: NameError, data: pd.DataFrame, role: str, code: str) -> FormulaError:
    """The error for a name in ``code`` that is not a column, listing the columns and the closest match."""
    name = getattr(exc, "name", None) or str(exc)
    columns = [str(c) for c in data.columns]
    shown = quoted(columns[:12]) + (f", ... {len(columns)} in total" if len(columns) > 12 else "")
    hint = (" An offset(...) term must be a term of its own (y ~ x + offset(np.log(e))), not inside another "
            "expression; or pass offset='np.log(e)' / exposure='e'." if name == "offset"
            else suggestion(str(name), columns))
    return FormulaError(
        f"{role} {code!r} refers to {name!r}, which is not a column of the data (columns: {shown}).{hint}"
    )


def patsy_error(exc: patsy.PatsyError, data: pd.DataFrame) -> FormulaError:
    """patsy's error as a :class:`FormulaError`: an unknown name or NaN from a transform explained, else as is."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, NameError):
        return unknown_name_error(cause, data, "formula term", getattr(exc.origin, "code", "") or str(exc))
    if "factor contains missing values" in str(exc):
        origin = exc.origin
        term = origin.code[origin.start:origin.end] if origin is not None else "?"
        return FormulaError(
            f"formula term {term!r} gives missing values (NaN) for some rows although the columns it uses have "
            "none: a transform outside its domain, such as np.log or np.sqrt of a negative number, or 0/0. Check "
            "the range of the column, or change the transform (e.g. np.log1p, or drop those rows first)."
        )
    return FormulaError(str(exc))
