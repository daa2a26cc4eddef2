"""Small checkers that build glmgen's standard error messages.

Shape of every message: what was expected; what we got (the value, or a
count plus the first offending position and value); how to fix it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import DataError, InvalidParameterError


def quoted(names: Iterable[object]) -> str:
    """``'a', 'b', 'c'`` for use in messages."""
    return ", ".join(repr(str(n)) for n in names)


def suggestion(value: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` when ``value`` is close to one of ``choices``."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` lower-cased if it is one of ``choices``, else raise naming the options."""
    choices = list(choices)
    if not isinstance(value, str) or value.lower() not in choices:
        raise InvalidParameterError(
            f"{name}={value!r} is not one of {quoted(choices)}.{suggestion(str(value).lower(), choices)}"
        )
    return value.lower()


def first_bad(mask: npt.NDArray[np.bool_], index: Iterable[object] | None = None) -> tuple[int, object]:
    """Count of True entries in ``mask`` and the row label of the first one."""
    positions = np.flatnonzero(mask)
    labels = list(index) if index is not None else None
    first = positions[0]
    return len(positions), (labels[first] if labels is not None else first)


def check_finite(name: str, values: npt.NDArray[np.float64], index: Iterable[object] | None, fix: str) -> None:
    """Raise :class:`DataError` naming the first non-finite entry of ``values``."""
    bad = ~np.isfinite(values)
    if bad.any():
        count, row = first_bad(bad, index)
        first_value = values[np.flatnonzero(bad)[0]]
        raise DataError(
            f"{name} must be finite, but {count} value{'s' if count > 1 else ''} "
            f"{'are' if count > 1 else 'is'} not (first: row {row}, value {first_value}). {fix}"
        )


def check_level(level: object) -> float:
    """A confidence level strictly between 0 and 1 (``0.95`` for 95% intervals)."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(level) < 1.0:
        raise InvalidParameterError(
            f"level={level!r} must be a number strictly between 0 and 1, e.g. 0.95 for 95% intervals."
        )
    return float(level)


def check_whole(name: str, value: Any, low: int) -> int:
    """``value`` as an int if it is a whole number (not a bool) ``>= low``, else raise naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InvalidParameterError(f"{name}={value!r} must be a whole number >= {low}.")
    return int(value)


def check_seed(seed: Any) -> int:
    """``seed`` as an int if ``np.random.SeedSequence`` can take it (a whole number >= 0), else raise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(f"seed={seed!r} must be a whole number >= 0, e.g. seed=0.")
    return int(seed)


def check_n_jobs(n_jobs: Any) -> int:
    """``n_jobs`` as an int if it is a non-zero whole number (-1 = all cores), else raise."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise InvalidParameterError(f"n_jobs={n_jobs!r} must be a non-zero whole number (-1 = all cores).")
    return int(n_jobs)


def column_of(data: pd.DataFrame, column: str, name: str) -> npt.NDArray[Any]:
    """The values of ``data[column]`` for the parameter ``name``; an unknown column raises with a suggestion."""
    if column not in data.columns:
        raise InvalidParameterError(
            f"{name}={column!r} is not a column of the data (columns: {quoted(data.columns)})."
            f"{suggestion(column, [str(c) for c in data.columns])}"
        )
    return data[column].to_numpy()


# --- numeric arguments of the public functions -----------------------------------------------------

def check_number(name: str, value: Any) -> float:
    """``value`` as a float if it is a real number (Python or NumPy scalar, not a bool), else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(
            f"{name}={value!r} must be a number, got {type(value).__name__}; pass a Python or NumPy int or "
            "float (not text or a bool)."
        )
    return float(value)


def check_count(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int if it is a whole number >= ``minimum`` (Python or NumPy scalar), else raise."""
    number = check_number(name, value)
    if not (number.is_integer() and number >= minimum):
        raise InvalidParameterError(f"{name}={value!r} must be a whole number >= {minimum}.")
    return int(number)


def check_l1_ratio(value: Any) -> float:
    l1_ratio = check_number("l1_ratio", value)
    if not 0.0 <= l1_ratio <= 1.0:
        raise InvalidParameterError(f"l1_ratio={value!r} must be in [0, 1] (0 = ridge, 1 = lasso).")
    return l1_ratio


def check_positive(name: str, value: Any) -> float:
    number = check_number(name, value)
    if not (math.isfinite(number) and number > 0):
        raise InvalidParameterError(f"{name}={value!r} must be a positive number.")
    return number


def check_non_negative(name: str, value: Any) -> float:
    number = check_number(name, value)
    if not (math.isfinite(number) and number >= 0):
        raise InvalidParameterError(f"{name}={value!r} must be a finite number >= 0.")
    return number


def check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name}={value!r} must be True or False, got {type(value).__name__}.")
    return bool(value)


def check_alpha_grid(alphas: Any) -> np.ndarray:
    """A user's alphas as a float array, refusing text, bools and non-positive values."""
    values = np.asarray(alphas)
    if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iuf":
        raise InvalidParameterError(
            f"alphas={alphas!r} must be a non-empty list of positive numbers, e.g. alphas=[1.0, 0.1, 0.01]."
        )
    values = values.astype(float)
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise InvalidParameterError(f"alphas={alphas!r} must all be positive and finite.")
    return values


def check_penalty_factor(penalty_factor: Any) -> dict[str, float] | None:
    """``penalty_factor`` with each value as a float (NumPy scalars accepted; text and bools refused)."""
    if penalty_factor is None:
        return None
    if not isinstance(penalty_factor, dict):
        raise InvalidParameterError(
            f"penalty_factor must be a dict of column or term name -> factor, got {type(penalty_factor).__name__}."
        )
    return {key: check_number(f"penalty_factor[{key!r}]", value) for key, value in penalty_factor.items()}


def is_dask_frame(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (told by its type, without importing Dask)."""
    kind = type(data)
    return kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] == "dask"


def refuse_dask_arrays(variables: dict[str, Any], *, names: bool) -> None:
    """Refuse per-row arrays given with a Dask DataFrame, whose rows an array cannot follow across partitions
    (``names``: column names and expressions are accepted, as at fit time)."""
    for role, value in variables.items():
        if value is not None and not (names and isinstance(value, str)):
            raise DataError(
                f"{role} was given as an array, but the data is a Dask DataFrame, whose rows an array cannot follow "
                f"across partitions. Put the values in a column of the frame and fit with {role}='that column' (or "
                "an expression of columns)."
            )
