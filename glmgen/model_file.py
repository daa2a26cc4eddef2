"""The model file: reading it within bounds, its closed schema, and the consistency of its parts.

:func:`read_model_file` parses at most ``MAX_FILE_BYTES`` of strict JSON;
:func:`check_model_file` then proves, before anything is built from it, that
the document has exactly the fields :meth:`GLMResult.to_dict` writes (no
field missing, none added, each of its type and range), that every expression
in it passes :func:`check_expression_is_safe`, that every array lists as many
values as its shape claims, that the parts agree with each other (coefficient
names with design columns, matrix shapes, contrasts with their levels,
missing coefficients with the aliased list, transform state with what patsy
can learn, statistics with the family) and that the checksum matches.
Any failure is one :class:`ModelFileError` naming the field as a JSON path,
e.g. ``design.variables[2].kind``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import re
import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import patsy

from ._design_state import (
    ARRAY_DTYPES,
    CONTRASTS,
    MAX_ARRAY_RANK,
    MAX_BASIS,
    TRANSFORM_CLASSES,
    VARIABLE_KINDS,
    VARIABLE_ROLES,
    check_expression_is_safe,
    expected_column_names,
)
from .errors import ModelFileError, UnsafeFormulaError, UnsafeModelFileError
from .families import FAMILIES
from .links import LINKS

FORMAT = "glmgen-model"
SCHEMA_VERSION = 2
#: files larger than this are refused before they are read
MAX_FILE_BYTES = 256 * 2**20

Check = Callable[[Any, str], None]


def fail(path: str, message: str) -> NoReturn:
    """Raise the :class:`ModelFileError` for field ``path``."""
    raise ModelFileError(f"model file field '{path}': {message} The file is damaged or was edited; save the model "
                         "again from the fit, or ask its author for an intact copy.")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 40, 40


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


# --- reading ---------------------------------------------------------------------------------------

def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not strict JSON")


def read_model_file(path: str | Path) -> dict[str, Any]:
    """The JSON object in ``path``; refuses files over ``MAX_FILE_BYTES``, invalid or non-strict JSON
    (``NaN``), deep nesting and documents that are not glmgen model files."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file {str(path)!r}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(f"{str(path)!r} is larger than {MAX_FILE_BYTES // 2**20} MiB, the most a glmgen model "
                             "file may hold; it is not a model file glmgen wrote.")
    try:
        saved = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"
        raise ModelFileError(f"{str(path)!r} is not a glmgen model file: it is not valid JSON ({reason}). "
                             "A truncated or damaged file cannot be loaded; save the model again.") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is not a glmgen model file: expected a JSON object whose 'format' is "
                             f"{FORMAT!r}, got {_kind(saved)}{' without it' if isinstance(saved, dict) else ''}. "
                             "gg.load reads files written by GLMResult.save().")
    return saved


def checksum(saved: dict[str, Any]) -> str:
    """SHA-256 of the document without its ``checksum`` field, in canonical JSON (sorted keys)."""
    body = {key: value for key, value in saved.items() if key != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- schema building blocks ------------------------------------------------------------------------

def record(fields: dict[str, Check]) -> Check:
    """An object with exactly the keys of ``fields``, each checked by its check."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            fail(path, f"expected an object, got {_kind(value)}.")
        missing = [key for key in fields if key not in value]
        unknown = [key for key in value if key not in fields]
        if missing:
            fail(_join(path, missing[0]), "is missing.")
        if unknown:
            key = str(unknown[0])[:80]
            fail(_join(path, key), f"the key {key!r} is not a field of a glmgen model file here (expected only "
                                   f"{', '.join(fields)}).")
        for key, sub in fields.items():
            sub(value[key], _join(path, key))
    return check


def listing(item: Check, *, min_len: int = 0, max_len: int | None = None) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            fail(path, f"expected a list, got {_kind(value)}.")
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            fail(path, f"expected {min_len} to {max_len if max_len is not None else 'any number of'} entries, "
                       f"got {len(value)}.")
        for i, entry in enumerate(value):
            item(entry, f"{path}[{i}]")
    return check


def mapping(item: Check) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            fail(path, f"expected an object, got {_kind(value)}.")
        for key, entry in value.items():
            item(entry, _join(path, key))
    return check


def text(choices: tuple[str, ...] | frozenset[str] | None = None) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            fail(path, f"expected text, got {_kind(value)}.")
        if choices is not None and value not in choices:
            fail(path, f"expected one of {', '.join(repr(c) for c in sorted(choices))}, got {value[:80]!r}.")
    return check


def number(*, nullable: bool = False, integer: bool = False, low: float = -math.inf, high: float = math.inf) -> Check:
    """A finite JSON number in ``[low, high]`` (``null`` allowed if ``nullable``; true/false are not numbers)."""
    def check(value: Any, path: str) -> None:
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail(path, f"expected a finite number{' or null' if nullable else ''}, got {_kind(value)} "
                       f"({_SHORT.repr(value)}).")
        if integer and not isinstance(value, int):
            fail(path, f"expected a whole number, got {_SHORT.repr(value)}.")
        if not low <= value <= high:
            fail(path, f"expected a number from {low:g} to {high:g}, got {_SHORT.repr(value)}.")
    return check


def flag(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        fail(path, f"expected true or false, got {_kind(value)}.")


def constant(expected: Any) -> Check:
    def check(value: Any, path: str) -> None:
        if value is not expected:
            fail(path, f"expected {json.dumps(expected)}, got {_SHORT.repr(value)}.")
    return check


def anything(value: Any, path: str) -> None:
    """No check here: the field is checked where its meaning is known."""


def nullable(sub: Check) -> Check:
    def check(value: Any, path: str) -> None:
        if value is not None:
            sub(value, path)
    return check


def expression(value: Any, path: str) -> None:
    """Text that :func:`check_expression_is_safe` accepts (the reason is chained)."""
    text()(value, path)
    try:
        check_expression_is_safe(value)
    except UnsafeFormulaError as exc:
        raise UnsafeModelFileError(f"model file field '{path}': refused without evaluating it: {exc}") from exc


def array(*, rank: int = MAX_ARRAY_RANK, dtypes: frozenset[str] = ARRAY_DTYPES) -> Check:
    """An encoded array ``{"__ndarray__": [...], "dtype": ..., "shape": [...]}`` listing every value."""
    def check(value: Any, path: str) -> None:
        record({"__ndarray__": listing(anything), "dtype": text(dtypes),
                "shape": listing(number(integer=True, low=0), max_len=rank)})(value, path)
        flat, dtype = value["__ndarray__"], value["dtype"]
        claimed = math.prod(int(n) for n in value["shape"])
        if claimed != len(flat):
            fail(_join(path, "shape"), f"claims {claimed} values but the array lists {len(flat)}.")
        element: Check = {"|b1": flag, "<i8": number(integer=True, low=-2**63, high=2**63 - 1)}.get(
            dtype, number() if dtype == "<f8" else _long_double)
        for i, entry in enumerate(flat):
            element(entry, f"{_join(path, '__ndarray__')}[{i}]")
    return check


def _long_double(value: Any, path: str) -> None:
    text()(value, path)
    if not (len(value) <= 64 and _DECIMAL.fullmatch(value) and math.isfinite(float(value))):
        fail(path, f"expected a finite decimal number as text, got {value[:40]!r}.")


def level(value: Any, path: str) -> None:
    """A categorical level: text, a number, true/false, or ``{"__tuple__": [...]}`` of those."""
    if isinstance(value, dict):
        record({"__tuple__": listing(_scalar_level)})(value, path)
    else:
        _scalar_level(value, path)


def _scalar_level(value: Any, path: str) -> None:
    if not isinstance(value, (str, bool, int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        fail(path, f"expected a level (text, number or true/false), got {_kind(value)}.")


# --- the schema ------------------------------------------------------------------------------------

_INDEX = number(integer=True, low=0, high=2**31)
#: the fit statistics a file records (``null`` for NaN)
STATISTICS: dict[str, Check] = {
    "scale": number(nullable=True, low=0), "deviance": number(low=0), "null_deviance": number(low=0),
    "loglik": number(nullable=True), "pearson_chi2": number(nullable=True, low=0), "df_model": number(low=0),
    "df_resid": number(), "nobs": number(low=0), "converged": flag, "n_iter": _INDEX,
    "null_intercept": number(nullable=True), "n_dropped": _INDEX,
}
_VARIABLE = record({"role": text(VARIABLE_ROLES), "kind": text(VARIABLE_KINDS), "source": nullable(text())})
_TRANSFORM_ATTRS: dict[str, Check] = {
    "patsy.state.Center": record({"_sum": array(), "_count": _INDEX}),
    "patsy.state.Standardize": record({"current_n": _INDEX, "current_mean": array(), "current_M2": array()}),
    "patsy.splines.BS": record({"_degree": number(integer=True, low=0, high=30), "_all_knots": array(rank=1)}),
    "patsy.mgcv_cubic_splines.CR": record({"_name": text(("cr",)), "_cyclic": constant(False),
                                           "_all_knots": array(rank=1), "_constraints": nullable(array())}),
    "patsy.mgcv_cubic_splines.CC": record({"_name": text(("cc",)), "_cyclic": constant(True),
                                           "_all_knots": array(rank=1), "_constraints": nullable(array())}),
    "patsy.mgcv_cubic_splines.TE": record({"_constraints": nullable(array())}),
}
assert set(_TRANSFORM_ATTRS) == set(TRANSFORM_CLASSES)


def _transform(value: Any, path: str) -> None:
    record({"class": text(frozenset(_TRANSFORM_ATTRS)), "attrs": anything})(value, path)
    _TRANSFORM_ATTRS[value["class"]](value["attrs"], _join(path, "attrs"))


_FACTOR = record({"code": expression, "type": text(("numerical", "categorical")),
                  "num_columns": nullable(number(integer=True, low=1, high=2**31)),
                  "categories": nullable(listing(level, min_len=1)), "transforms": mapping(_transform)})
_SUBTERM = record({"factors": listing(text()), "num_columns": _INDEX,
                   "contrasts": mapping(record({"matrix": array(rank=2, dtypes=frozenset({"<f8"})),
                                                "suffixes": listing(text())}))})
_DESIGN = record({
    "formula": text(), "rhs": text(),
    "response": record({"expressions": listing(expression, min_len=1, max_len=2), "is_cbind": flag}),
    "design_info": record({"column_names": listing(text()), "factors": listing(_FACTOR),
                           "terms": listing(record({"factors": listing(text()), "subterms": listing(_SUBTERM)}))}),
    "variables": listing(_VARIABLE, max_len=len(VARIABLE_ROLES)),
})


def check_design(design: Any, path: str = "design") -> None:
    """Raise :class:`ModelFileError` unless ``design`` is an intact design spec (``DesignSpec.to_dict`` output)."""
    _DESIGN(design, path)
    _check_variables(design, path)
    _check_design_info(design["design_info"], f"{path}.design_info")


_SCHEMA = record({
    "format": text((FORMAT,)), "schema_version": anything, "glmgen_version": text(),
    "checksum": text(), "design": check_design, "family": text(frozenset(FAMILIES)), "link": text(frozenset(LINKS)),
    "params": record({"names": listing(text()), "values": listing(number(nullable=True)),
                      "aliased": listing(text())}),
    "cov_unscaled": nullable(listing(listing(number(nullable=True)))),
    "statistics": record(STATISTICS),
    "penalty": record({"alpha": number(low=0), "l1_ratio": number(low=0, high=1), "standardize": flag,
                       "penalty_factor": mapping(number(low=0))}),
    "warnings": listing(text()),
})


# --- the whole file --------------------------------------------------------------------------------

def check_model_file(saved: Any) -> None:
    """Raise :class:`ModelFileError` (naming the field) unless ``saved`` is an intact, consistent model file."""
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        fail("format", f"expected \"{FORMAT}\": this is not a glmgen model file.")
    version = saved.get("schema_version")
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        fail("schema_version", f"expected {SCHEMA_VERSION}, got {version!r}; files of other versions (from another "
                               "glmgen release) cannot be read by this one: refit and save with this release.")
    _SCHEMA(saved, "")
    _check_params(saved, saved["design"]["design_info"]["column_names"])
    _check_family(saved)
    if saved["checksum"] != checksum(saved):
        fail("checksum", "does not match the file's content (a value was changed after the file was written).")


def _check_variables(design: dict[str, Any], path: str) -> None:
    response = design["response"]
    if len(response["expressions"]) != (2 if response["is_cbind"] else 1):
        fail(f"{path}.response.expressions", "expected 2 expressions for cbind() and 1 otherwise, got "
                                             f"{len(response['expressions'])}.")
    roles = set()
    for i, variable in enumerate(design["variables"]):
        where = f"{path}.variables[{i}]"
        if variable["role"] in roles:
            fail(f"{where}.role", f"{variable['role']!r} appears twice.")
        roles.add(variable["role"])
        if (variable["source"] is None) != (variable["kind"] == "array"):
            fail(f"{where}.source", f"a {variable['kind']!r} variable "
                                    f"{'has no' if variable['kind'] == 'array' else 'needs a'} source.")
        if variable["kind"] == "expression":
            expression(variable["source"], f"{where}.source")


def _check_design_info(info: dict[str, Any], path: str) -> list[str]:
    """Factors, terms and column names agree; returns the column names."""
    factors: dict[str, dict[str, Any]] = {}
    for i, factor in enumerate(info["factors"]):
        where = f"{path}.factors[{i}]"
        if factor["code"] in factors:
            fail(f"{where}.code", f"{factor['code']!r} appears twice.")
        factors[factor["code"]] = factor
        categorical = factor["type"] == "categorical"
        if categorical != (factor["categories"] is not None) or categorical == (factor["num_columns"] is not None):
            fail(where, "a categorical factor needs categories and no num_columns, a numerical one the opposite.")
        for name, transform in factor["transforms"].items():
            _check_transform_state(transform, factor, f"{where}.transforms.{name}.attrs")
        distinct = {json.dumps(c, sort_keys=True) for c in factor["categories"] or ()}
        if categorical and len(distinct) != len(factor["categories"]):
            fail(f"{where}.categories", "lists a level twice.")
    used: set[str] = set()
    for t, term in enumerate(info["terms"]):
        for s, subterm in enumerate(term["subterms"]):
            _check_subterm(subterm, term["factors"], factors, f"{path}.terms[{t}].subterms[{s}]")
        for code in term["factors"]:
            if code not in factors:
                fail(f"{path}.terms[{t}].factors", f"names the factor {code[:80]!r}, which is not in factors.")
        used.update(term["factors"])
    if used != set(factors):
        fail(f"{path}.factors", f"lists factors no term uses: {sorted(set(factors) - used)[:3]}.")
    if info["column_names"] != expected_column_names(info):
        fail(f"{path}.column_names", "do not match the terms, factors and contrast suffixes.")
    return list(info["column_names"])


def _values(encoded: dict[str, Any]) -> np.ndarray:
    """The numbers of an encoded array (checked by :func:`array`), as float64."""
    return np.array([float(v) for v in encoded["__ndarray__"]], dtype=float).reshape(encoded["shape"])


def _check_transform_state(transform: dict[str, Any], factor: dict[str, Any], path: str) -> None:
    """The learned numbers of a stateful transform are ones patsy can have learned from data: counts of rows
    at least 1, variances at least 0, spline knots in order, at most ``MAX_BASIS`` spline columns (a
    cubic spline's cost grows with the cube of its knots) and constraints that fit the basis; when the factor
    is the transform alone (``bs(x, df=4)``), its ``num_columns`` is what the state gives."""
    attrs, name = transform["attrs"], transform["class"].rsplit(".", 1)[-1]
    if name == "Center":
        if attrs["_count"] < 1:
            fail(f"{path}._count", "is 0; the centring mean is learned from at least one row.")
        columns = _values(attrs["_sum"]).size
    elif name == "Standardize":
        mean, m2 = _values(attrs["current_mean"]), _values(attrs["current_M2"])
        if attrs["current_n"] < 1 or mean.shape != m2.shape or (m2 < 0).any():
            fail(path, "expected current_n >= 1 and current_mean and current_M2 of one shape with current_M2 >= 0 "
                       f"(a sum of squares), got n={attrs['current_n']}, shapes {mean.shape} and {m2.shape}.")
        columns = mean.size
    elif name == "TE":
        columns = _constrained(attrs["_constraints"], None, path)
    else:
        knots = _values(attrs["_all_knots"])
        order = attrs["_degree"] + 1 if name == "BS" else 1
        if knots.size < 2 * order + (name != "BS") or (np.diff(knots) < 0).any() or knots[0] >= knots[-1] or (
                name != "BS" and (np.diff(knots) <= 0).any()):
            fail(f"{path}._all_knots", f"are not the knots of a {name} spline: expected at least "
                 f"{2 * order + (name != 'BS')} knots in {'non-decreasing' if name == 'BS' else 'increasing'} "
                 f"order, got {knots.size}: {_SHORT.repr(knots.tolist())}.")
        bases = knots.size - order if name == "BS" else knots.size - attrs["_cyclic"]
        if bases > MAX_BASIS + 1:
            fail(f"{path}._all_knots", f"give {bases} spline columns; at most {MAX_BASIS} are allowed.")
        columns = bases if name == "BS" else _constrained(attrs["_constraints"], bases, path)
    _check_transform_columns(factor, name, columns, path)


def _constrained(constraints: dict[str, Any] | None, bases: int | None, path: str) -> int | None:
    """Columns left after absorbing ``constraints`` (one row per constraint) into ``bases`` columns."""
    if constraints is None:
        return bases
    shape = [int(n) for n in constraints["shape"]]
    if len(shape) != 2 or shape[1] > MAX_BASIS + 1 or shape[0] >= shape[1] or (bases is not None and shape[1] != bases):
        fail(f"{path}._constraints.shape", f"is {shape}; expected fewer constraint rows than columns and "
             f"{bases if bases is not None else f'at most {MAX_BASIS}'} columns (one per spline basis function).")
    return shape[1] - shape[0] if bases is not None else None


def _check_transform_columns(factor: dict[str, Any], name: str, columns: int | None, path: str) -> None:
    """A factor that is one call of the transform has the columns its state gives (``bs`` without
    ``include_intercept`` drops one)."""
    node = ast.parse(factor["code"], mode="eval").body
    if columns is None or not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                               and node.func.id.lower() == name.lower() and len(factor["transforms"]) == 1):
        return
    expected = {columns, columns - 1} if name == "BS" else {columns}
    if factor["num_columns"] not in expected:
        fail(path, f"give {' or '.join(str(n) for n in sorted(expected))} columns but the factor "
                   f"{factor['code'][:80]!r} has num_columns {factor['num_columns']}.")


def _check_subterm(subterm: dict[str, Any], term_factors: list[str], factors: dict[str, Any], path: str) -> None:
    columns = 1
    for code in subterm["factors"]:
        if code not in term_factors or code not in factors:
            fail(f"{path}.factors", f"names {code[:80]!r}, which is not a factor of its term.")
        factor = factors[code]
        if factor["type"] == "numerical":
            columns *= int(factor["num_columns"])
            continue
        contrast = subterm["contrasts"].get(code)
        if contrast is None:
            fail(f"{path}.contrasts", f"has no contrast for the categorical factor {code[:80]!r}.")
        shape = [int(n) for n in contrast["matrix"]["shape"]]
        if len(shape) != 2 or shape[0] != len(factor["categories"]) or shape[1] != len(contrast["suffixes"]):
            fail(f"{path}.contrasts.{code}.matrix.shape", f"is {shape}; expected {len(factor['categories'])} rows "
                 f"(one per level) and {len(contrast['suffixes'])} columns (one per suffix).")
        _check_contrast(code, factor["categories"], contrast, f"{path}.contrasts.{code}")
        columns *= shape[1]
    extra = set(subterm["contrasts"]) - {c for c in subterm["factors"] if factors[c]["type"] == "categorical"}
    if extra:
        fail(f"{path}.contrasts", f"has a contrast for {sorted(extra)[0][:80]!r}, not a categorical factor here.")
    if subterm["num_columns"] != columns:
        fail(f"{path}.num_columns", f"is {subterm['num_columns']}; its factors give {columns} columns.")


def declared_contrast(code: str) -> Any:
    """The contrast object a factor's code asks for (``Treatment()`` when it names none), or ``None`` for a
    literal matrix or a name patsy would look up elsewhere."""
    node = ast.parse(code, mode="eval").body
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "C"):
        return patsy.Treatment()
    arguments = dict(enumerate(node.args)) | {kw.arg: kw.value for kw in node.keywords}
    contrast = arguments.get(1, arguments.get("contrast"))
    if contrast is None:
        return patsy.Treatment()
    call = contrast if isinstance(contrast, ast.Call) else None
    name = (call.func if call is not None else contrast)
    if not (isinstance(name, ast.Name) and name.id in CONTRASTS):
        return None
    try:
        args = [ast.literal_eval(a) for a in (call.args if call else [])]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in (call.keywords if call else [])}
    except ValueError:
        return None
    return getattr(patsy, name.id)(*args, **kwargs)


def _check_contrast(code: str, categories: list[Any], contrast: dict[str, Any], path: str) -> None:
    """The saved matrix and suffixes are what the code's contrast gives for the saved levels, in their order
    (with or without the full-rank coding patsy picks per term): a reordered level list is caught here."""
    levels = [tuple(c["__tuple__"]) if isinstance(c, dict) else c for c in categories]
    saved = np.asarray(contrast["matrix"]["__ndarray__"], dtype=float).reshape(len(levels), -1)
    try:
        declared = declared_contrast(code)
    except (patsy.PatsyError, ValueError, TypeError) as exc:
        fail(path, f"the contrast of {code[:80]!r} cannot be built ({type(exc).__name__}: {exc}).")
    if declared is None:
        return
    if saved.shape[1] not in (len(levels), len(levels) - 1):  # before computing a levels x levels coding
        fail(f"{path}.matrix.shape", f"has {saved.shape[1]} columns for {len(levels)} levels; {code[:80]!r} codes "
                                     f"{len(levels)} levels with {len(levels) - 1} or {len(levels)} columns.")
    try:
        codings = [declared.code_with_intercept(levels), declared.code_without_intercept(levels)]
    except (patsy.PatsyError, ValueError, TypeError, IndexError, KeyError) as exc:  # e.g. no such reference level
        fail(path, f"the contrast of {code[:80]!r} cannot code the saved levels ({type(exc).__name__}: {exc}).")
    for coding in codings:
        if (list(coding.column_suffixes) == contrast["suffixes"] and coding.matrix.shape == saved.shape
                and np.allclose(coding.matrix, saved, rtol=1e-9, atol=1e-12)):
            return
    fail(path, f"the matrix and suffixes are not the contrast {code[:80]!r} gives for the saved levels "
               f"{levels[:6]!r} in that order.")


def _check_params(saved: dict[str, Any], column_names: list[str]) -> None:
    params = saved["params"]
    expected = (["Intercept"] if "Intercept" in column_names else []) + [c for c in column_names if c != "Intercept"]
    if params["names"] != expected:
        given = params["names"]
        first = next((i for i, (a, b) in enumerate(zip(given, expected)) if a != b), min(len(given), len(expected)))
        fail("params.names", f"expected the design's {len(expected)} column names in order ({expected[:4]}...); "
                             f"entry {first} differs (or the counts, {len(given)} and {len(expected)}).")
    if len(params["values"]) != len(expected):
        fail("params.values", f"has {len(params['values'])} entries for {len(expected)} names.")
    aliased = params["aliased"]
    if len(set(aliased)) != len(aliased) or not set(aliased) <= set(expected):
        fail("params.aliased", "must list distinct coefficient names.")
    for i, (name, value) in enumerate(zip(expected, params["values"])):
        if (value is None) != (name in aliased):
            fail(f"params.values[{i}]", f"coefficient {name!r} is {'missing' if value is None else 'given'} but "
                                         f"{'not ' if value is None else ''}listed in params.aliased.")
    for name, _ in saved["penalty"]["penalty_factor"].items():
        if name not in expected:
            fail(f"penalty.penalty_factor.{name}", "is not a coefficient of the model.")
    _check_covariance(saved["cov_unscaled"], expected, set(aliased))


def _check_family(saved: dict[str, Any]) -> None:
    """The statistics and the response fit the family: a fixed dispersion is 1, only a family of counts out of
    trials reads ``cbind()``, and a fit has at least one row."""
    family = FAMILIES[saved["family"]]
    statistics = saved["statistics"]
    if not family.estimates_dispersion and statistics["scale"] != 1:
        fail("statistics.scale", f"is {_SHORT.repr(statistics['scale'])}; the {family.name} family has a fixed "
                                 "dispersion of 1.")
    if saved["design"]["response"]["is_cbind"] and not family.accepts_trials:
        fail("design.response.is_cbind", f"is true, but the {family.name} family does not read cbind(successes, "
                                         "failures).")
    if statistics["nobs"] <= 0:
        fail("statistics.nobs", f"is {_SHORT.repr(statistics['nobs'])}; a fitted model has at least one row.")


def _check_covariance(cov: list[list[float | None]] | None, names: list[str], aliased: set[str]) -> None:
    if cov is None:
        return
    if len(cov) != len(names) or any(len(row) != len(names) for row in cov):
        fail("cov_unscaled", f"expected a {len(names)} x {len(names)} matrix (one row and column per coefficient).")
    for i, row in enumerate(cov):
        for j, value in enumerate(row):
            if (value is None) != (names[i] in aliased or names[j] in aliased):
                fail(f"cov_unscaled[{i}][{j}]", "must be null exactly in the rows and columns of aliased coefficients.")
    matrix = np.array([[math.nan if v is None else v for v in row] for row in cov], dtype=float).reshape(len(names), -1)
    scale = float(np.nanmax(np.abs(matrix), initial=0.0))
    if (np.diag(matrix) < 0).any() or not np.allclose(matrix, matrix.T, rtol=1e-6, atol=1e-9 * scale, equal_nan=True):
        fail("cov_unscaled", "is not a covariance matrix (symmetric, with variances >= 0 on the diagonal).")
