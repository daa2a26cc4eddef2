"""How a per-row variable (weights, frequency weights, offset, exposure) is read from a data frame:
:class:`VariableSpec` and :func:`read_variable`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import patsy

from .._validation import check_finite, first_bad, quoted
from ..errors import DataError, InvalidParameterError
from .frame import FloatArray, evaluate, to_float_vector, unknown_name_error
from .state import VARIABLE_KINDS, VARIABLE_ROLES


@dataclass(frozen=True)
class VariableSpec:
    """How a per-row variable (weights, offset, ...) is obtained from a data frame.

    ``kind`` is ``"column"`` (``source`` names a column), ``"expression"``
    (``source`` is evaluated against the data, like a formula term) or
    ``"array"`` (given as values at fit time: new data cannot supply it).
    """

    role: str
    kind: str
    source: str | None = None

    def __post_init__(self) -> None:
        for name, value, choices in (("role", self.role, VARIABLE_ROLES), ("kind", self.kind, VARIABLE_KINDS)):
            if value not in choices:
                raise InvalidParameterError(f"{name}={value!r} is not one of {quoted(choices)}.")
        if (self.kind == "array") != (self.source is None) or not isinstance(self.source, (str, type(None))):
            raise InvalidParameterError(f"a {self.kind!r} {self.role} variable needs "
                                        f"{'no source' if self.kind == 'array' else 'its source as text'}, "
                                        f"got {self.source!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "kind": self.kind, "source": self.source}


def read_variable(spec: VariableSpec, data: pd.DataFrame, arrays: dict[str, FloatArray],
                  env: patsy.EvalEnvironment) -> FloatArray:
    """The values of a per-row variable on ``data`` (``arrays``: those given as arrays, by role), checked: finite,
    and weights >= 0, exposures > 0."""
    role = spec.role
    if spec.kind == "array":
        if role not in arrays:
            raise DataError(
                f"{role} were given as an array when the model was fitted, so they cannot be read from new "
                f"data. Pass {role}=... for the new rows, or fit with {role}='column name' instead."
            )
        values = arrays[role]
    elif spec.kind == "column":
        if spec.source not in data.columns:
            missing = NameError(spec.source, name=spec.source)
            raise unknown_name_error(missing, data, f"{role} column", str(spec.source))
        values = to_float_vector(data[spec.source], str(spec.source), role, len(data))
    else:
        values = evaluate(str(spec.source), data, env, role)
    label = spec.source if spec.kind != "array" else f"{role} array"
    check_finite(f"{role} {label!r}", values, data.index, f"Give finite {role} for every row.")
    if role in ("weights", "freq_weights", "exposure"):
        negative = values < 0 if role != "exposure" else values <= 0
        if negative.any():
            count, row = first_bad(negative, data.index)
            bound = "> 0" if role == "exposure" else ">= 0"
            raise DataError(
                f"{role} {label!r} must be {bound}, but {count} value{'s are' if count > 1 else ' is'} not "
                f"(first: row {row}, value {values[np.flatnonzero(negative)[0]]:g})."
            )
    return values
