"""A factor response: a two-level text, boolean-as-text or categorical column modelled as R's ``glm`` does.

R codes a binomial factor response as ``y = 1`` at its second level and ``0``
at its first. :func:`factor_response` learns the two levels from the whole
data frame and writes them into the response, ``C(surv, levels=['no', 'yes'])``
(so a saved spec keeps them); :func:`factor_y` turns the column of any rows
into 0/1 with those levels, refusing a value that is neither.
"""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd

from .._validation import first_bad
from ..errors import DataError, UnseenLevelError
from .frame import FloatArray, check_column_types, unknown_name_error
from .parse import ResponseSpec, q_name


def response_column(code: str) -> str:
    """The data column a response names: ``surv``, or ``odd name`` for ``Q('odd name')``."""
    return q_name(ast.parse(code, mode="eval").body) or code


def factor_response(response: ResponseSpec, data: pd.DataFrame) -> ResponseSpec:
    """``response`` with the two levels of a factor response learned from the whole of ``data``.

    A factor response is a text or pandas Categorical column, or any column written ``C(column)``. Its
    levels are the Categorical's categories in their order, else its distinct values sorted as patsy sorts
    a predictor's levels (R's ``factor()`` sorts by the locale, which can differ in letter case); the
    second is the event, ``y = 1``. A boolean column is returned unchanged (0/1 already, ``True`` the
    event), as are numbers, expressions, ``cbind`` and levels already given.

    Raises
    ------
    DataError
        Unless the column has exactly two levels (the message lists them and the fixes).
    """
    factor = response.factor
    if response.is_cbind or (factor is not None and factor[1] is not None):
        return response
    name = response_column(response.label)
    if name not in data.columns:
        if factor is None:
            return response  # an expression, evaluated as numbers
        raise unknown_name_error(NameError(name, name=name), data, "response", response.label)
    values = data[name]
    if factor is None and (pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
        return response
    check_column_types(data, [name])
    levels = _levels(name, values)
    if len(levels) != 2:
        raise DataError(_levels_message(response.label, name, values, levels))
    return response.with_levels(levels)


def factor_y(response: ResponseSpec, data: pd.DataFrame) -> FloatArray:
    """``(n_rows,)``: 1 where the factor ``response``'s column is its event level, 0 at its failure level.

    Raises
    ------
    UnseenLevelError
        For any other value (a level that new data brings), naming the row and the value.
    """
    levels = response.levels
    assert levels is not None, "factor_y needs a factor response with its levels"
    name = response_column(response.label)
    if name not in data.columns:
        raise unknown_name_error(NameError(name, name=name), data, "response", response.label)
    values = data[name]
    known = values.isin(levels).to_numpy()
    if not known.all():
        count, row = first_bad(~known, data.index)
        raise UnseenLevelError(
            f"the response column {name!r} must hold one of its two levels {levels[0]!r} (failure) and "
            f"{levels[1]!r} (event), as in training, but {count} value{'s are' if count > 1 else ' is'} neither "
            f"(first: row {row}, value {values.to_numpy()[~known][0]!r}); the model gives {response.modelled}. "
            "Map those values to one of the two levels, or leave those rows out."
        )
    y: FloatArray = values.isin(levels[1:]).to_numpy(dtype=np.float64)
    return y


def _levels(name: str, values: pd.Series) -> list[object]:
    """The levels of a factor response as plain Python values: the categories of a Categorical, else the
    sorted distinct values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = list(values.cat.categories)
    else:
        try:
            levels = sorted(pd.unique(values.dropna()))
        except TypeError:
            raise DataError(
                f"the response column {name!r} mixes value types that have no common order (e.g. numbers and "
                f"text), so its levels cannot be ordered into failure and event. Give it one type, e.g. "
                f"df[{name!r}] = df[{name!r}].astype(str)."
            ) from None
    levels = [v.item() if isinstance(v, np.generic) else v for v in levels]
    for level in levels:
        if not isinstance(level, (str, bool, int, float)):
            raise DataError(
                f"the response column {name!r} has the level {level!r} ({type(level).__name__}); the levels of a "
                f"factor response must be text, numbers or True/False. Convert the column, e.g. "
                f"df[{name!r}] = df[{name!r}].astype(str)."
            )
    return levels


def _levels_message(label: str, name: str, values: pd.Series, levels: list[object]) -> str:
    """Why a factor response with other than two levels cannot be modelled, and how to fix it."""
    shown = ", ".join(repr(v) for v in levels[:6]) + (f", ... {len(levels)} in total" if len(levels) > 6 else "")
    found = f"{len(levels)} level{'' if len(levels) == 1 else 's'}" + (f" ({shown})" if levels else "")
    if len(levels) < 2:
        fix = (f"Name both levels, the failure first: 'C({label}, levels=[\"no\", \"yes\"]) ~ ...' models "
               f"P({label} == 'yes').")
    else:
        fix = (f"Model one level against the others with a comparison, e.g. 'I({label} == {levels[-1]!r}) ~ ...', "
               f"or keep the rows of two levels: df[df[{name!r}].isin([...])].")
        used = [v for v in levels if values.isin([v]).any()]
        if len(used) == 2:
            fix += (f" Only {used[0]!r} and {used[1]!r} occur: drop the unused categories with "
                    f"df[{name!r}] = df[{name!r}].cat.remove_unused_categories().")
    return (f"a categorical response is modelled as R models a binomial factor: y = 1 at the second of two levels "
            f"and 0 at the first. The response column {name!r} has {found}. {fix}")
