"""Checkers for a closed JSON schema: the building blocks of the model-file schema.

A check is a function ``check(value, path)`` that returns nothing when
``value`` has the expected form and otherwise raises :class:`ModelFileError`
through :func:`fail`, naming the field as a JSON path (``design.variables[2].kind``).
Checks compose: :func:`record` (an object with exactly these keys),
:func:`listing`, :func:`mapping`, :func:`nullable`; the leaves are :func:`text`,
:func:`number`, :func:`flag`, :func:`constant` and :func:`anything`.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Callable
from typing import Any, NoReturn

from .errors import ModelFileError

Check = Callable[[Any, str], None]

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 40, 40


def fail(path: str, message: str) -> NoReturn:
    """Raise the :class:`ModelFileError` for field ``path``."""
    raise ModelFileError(f"model file field '{path}': {message} The file is damaged or was edited; save the model "
                         "again from the fit, or ask its author for an intact copy.")


def join(path: str, key: str) -> str:
    """The JSON path of field ``key`` inside ``path`` (``key`` alone at the top)."""
    return f"{path}.{key}" if path else key


def short(value: Any) -> str:
    """A ``repr`` of ``value`` cut to a few dozen characters, for messages."""
    return _SHORT.repr(value)


def kind(value: Any) -> str:
    """What a JSON value is, in words (``"an object"``, ``"a list"``, ``"text"``, ...)."""
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def record(fields: dict[str, Check]) -> Check:
    """An object with exactly the keys of ``fields``, each checked by its check."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            fail(path, f"expected an object, got {kind(value)}.")
        missing = [key for key in fields if key not in value]
        unknown = [key for key in value if key not in fields]
        if missing:
            fail(join(path, missing[0]), "is missing.")
        if unknown:
            key = str(unknown[0])[:80]
            fail(join(path, key), f"the key {key!r} is not a field of a glmgen model file here (expected only "
                                  f"{', '.join(fields)}).")
        for key, sub in fields.items():
            sub(value[key], join(path, key))
    return check


def listing(item: Check, *, min_len: int = 0, max_len: int | None = None) -> Check:
    """A list of ``min_len`` to ``max_len`` entries, each checked by ``item``."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            fail(path, f"expected a list, got {kind(value)}.")
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            fail(path, f"expected {min_len} to {max_len if max_len is not None else 'any number of'} entries, "
                       f"got {len(value)}.")
        for i, entry in enumerate(value):
            item(entry, f"{path}[{i}]")
    return check


def mapping(item: Check) -> Check:
    """An object with any keys, each value checked by ``item``."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            fail(path, f"expected an object, got {kind(value)}.")
        for key, entry in value.items():
            item(entry, join(path, key))
    return check


def text(choices: tuple[str, ...] | frozenset[str] | None = None) -> Check:
    """Text, one of ``choices`` when they are given."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            fail(path, f"expected text, got {kind(value)}.")
        if choices is not None and value not in choices:
            fail(path, f"expected one of {', '.join(repr(c) for c in sorted(choices))}, got {value[:80]!r}.")
    return check


def number(*, nullable: bool = False, integer: bool = False, low: float = -math.inf, high: float = math.inf) -> Check:
    """A finite JSON number in ``[low, high]`` (``null`` allowed if ``nullable``; true/false are not numbers)."""
    def check(value: Any, path: str) -> None:
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail(path, f"expected a finite number{' or null' if nullable else ''}, got {kind(value)} "
                       f"({short(value)}).")
        if integer and not isinstance(value, int):
            fail(path, f"expected a whole number, got {short(value)}.")
        if not low <= value <= high:
            fail(path, f"expected a number from {low:g} to {high:g}, got {short(value)}.")
    return check


#: a count or a position: a whole number from 0 to 2**31
INDEX = number(integer=True, low=0, high=2**31)


def flag(value: Any, path: str) -> None:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        fail(path, f"expected true or false, got {kind(value)}.")


def constant(expected: Any) -> Check:
    """Exactly the JSON constant ``expected`` (``true``, ``false`` or ``null``)."""
    def check(value: Any, path: str) -> None:
        if value is not expected:
            fail(path, f"expected {json.dumps(expected)}, got {short(value)}.")
    return check


def anything(value: Any, path: str) -> None:
    """No check here: the field is checked where its meaning is known."""


def nullable(sub: Check) -> Check:
    """``null``, or a value ``sub`` accepts."""
    def check(value: Any, path: str) -> None:
        if value is not None:
            sub(value, path)
    return check
