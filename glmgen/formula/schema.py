"""The closed schema of a saved design spec (``DesignSpec.to_dict`` output), and its consistency.

:func:`check_design` proves, before anything is built from a saved design,
that it has exactly the fields :meth:`DesignSpec.to_dict` writes (each of its
type and range), that every expression in it passes
:func:`~glmgen.formula.safety.check_expression_is_safe`, that every encoded
array lists as many values as its shape claims, and that its parts agree:
factors, terms and column names, contrasts with their levels (a matrix, or
an indicator list from schema version 4 on), transform state with what patsy
can learn. Any failure is one :class:`ModelFileError` naming
the field as a JSON path, e.g. ``design.variables[2].kind``.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

import numpy as np
import patsy

from .._schema import (
    INDEX,
    Check,
    anything,
    constant,
    fail,
    flag,
    join,
    kind,
    listing,
    mapping,
    nullable,
    number,
    record,
    short,
    text,
)
from ..errors import UnsafeFormulaError, UnsafeModelFileError
from .impute import Imputation
from .matrix import indicator_columns
from .parse import referenced_names
from .safety import CONTRASTS, MAX_BASIS, check_expression_is_safe
from .state import (
    ARRAY_DTYPES,
    MAX_ARRAY_RANK,
    MAX_CONTRAST_CELLS,
    TRANSFORM_CLASSES,
    VARIABLE_KINDS,
    VARIABLE_ROLES,
    expected_column_names,
)

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: levels per patsy call when the treatment suffixes of many levels are computed (patsy codes them densely)
_SUFFIX_BLOCK = 256


# --- encoded values --------------------------------------------------------------------------------

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
            fail(join(path, "shape"), f"claims {claimed} values but the array lists {len(flat)}.")
        element: Check = {"|b1": flag, "<i8": number(integer=True, low=-2**63, high=2**63 - 1)}.get(
            dtype, number() if dtype == "<f8" else _long_double)
        for i, entry in enumerate(flat):
            element(entry, f"{join(path, '__ndarray__')}[{i}]")
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
        fail(path, f"expected a level (text, number or true/false), got {kind(value)}.")


# --- the design ------------------------------------------------------------------------------------

_VARIABLE = record({"role": text(VARIABLE_ROLES), "kind": text(VARIABLE_KINDS), "source": nullable(text())})
_TRANSFORM_ATTRS: dict[str, Check] = {
    "patsy.state.Center": record({"_sum": array(), "_count": INDEX}),
    "patsy.state.Standardize": record({"current_n": INDEX, "current_mean": array(), "current_M2": array()}),
    "patsy.splines.BS": record({"_degree": number(integer=True, low=0, high=30), "_all_knots": array(rank=1)}),
    "patsy.mgcv_cubic_splines.CR": record({"_name": text(("cr",)), "_cyclic": constant(False),
                                           "_all_knots": array(rank=1), "_constraints": nullable(array())}),
    "patsy.mgcv_cubic_splines.CC": record({"_name": text(("cc",)), "_cyclic": constant(True),
                                           "_all_knots": array(rank=1), "_constraints": nullable(array())}),
    "patsy.mgcv_cubic_splines.TE": record({"_constraints": nullable(array())}),
    "glmgen.formula.transforms.Lump": record({"_levels": listing(level, min_len=1), "_other": nullable(text())}),
}
assert set(_TRANSFORM_ATTRS) == set(TRANSFORM_CLASSES)


def _transform(value: Any, path: str) -> None:
    record({"class": text(frozenset(_TRANSFORM_ATTRS)), "attrs": anything})(value, path)
    _TRANSFORM_ATTRS[value["class"]](value["attrs"], join(path, "attrs"))


_FACTOR = record({"code": expression, "type": text(("numerical", "categorical")),
                  "num_columns": nullable(number(integer=True, low=1, high=2**31)),
                  "categories": nullable(listing(level, min_len=1)), "transforms": mapping(_transform)})
_MATRIX_CONTRAST = record({"matrix": array(rank=2, dtypes=frozenset({"<f8"})), "suffixes": listing(text())})
_INDICATOR_CONTRAST = record({"indicator": listing(number(integer=True, low=-1, high=2**31)),
                              "suffixes": listing(text())})


def _any_contrast(value: Any, path: str) -> None:
    """A saved contrast in either form: ``{"indicator": [...], "suffixes": [...]}`` or ``{"matrix": ..., ...}``."""
    (_INDICATOR_CONTRAST if isinstance(value, dict) and "indicator" in value else _MATRIX_CONTRAST)(value, path)


def _design_schema(contrast: Check) -> Check:
    """The schema of a saved design whose contrasts ``contrast`` checks."""
    subterm = record({"factors": listing(text()), "num_columns": INDEX, "contrasts": mapping(contrast)})
    return record({
        "formula": text(), "rhs": text(),
        "response": record({"expressions": listing(expression, min_len=1, max_len=2), "is_cbind": flag}),
        "design_info": record({"column_names": listing(text()), "factors": listing(_FACTOR),
                               "terms": listing(record({"factors": listing(text()), "subterms": listing(subterm)}))}),
        "variables": listing(_VARIABLE, max_len=len(VARIABLE_ROLES)),
    })


_DESIGNS = {True: _design_schema(_any_contrast), False: _design_schema(_MATRIX_CONTRAST)}
_IMPUTATION = record({"medians": mapping(number()), "indicators": mapping(number(integer=True, low=0, high=2**31)),
                      "levels": listing(text())})


def check_design(design: Any, path: str = "design", *, indicators: bool = True) -> None:
    """Raise :class:`ModelFileError` unless ``design`` is an intact design spec (``DesignSpec.to_dict`` output);
    ``indicators=False`` refuses contrasts saved as indicator lists (files before schema version 4), and an
    ``imputation`` (``na_action="impute"``, written only by releases that also write indicator lists)."""
    imputation = design.get("imputation") if indicators and isinstance(design, dict) else None
    _DESIGNS[indicators](design if imputation is None else {k: v for k, v in design.items() if k != "imputation"},
                         path)
    _check_variables(design, path)
    names = _check_design_info(design["design_info"], f"{path}.design_info")
    if imputation is not None:
        _check_imputation(imputation, design["design_info"], names, f"{path}.imputation")


def _check_imputation(imputation: Any, info: dict[str, Any], names: list[str], path: str) -> None:
    """The imputation's columns are read by the design's terms, each numeric or categorical, an indicator for
    numeric columns only, placed in order between the design's columns."""
    _IMPUTATION(imputation, path)
    read = set().union(*(referenced_names(factor["code"]) for factor in info["factors"]))
    medians, placed, levels = imputation["medians"], imputation["indicators"], imputation["levels"]
    for field, columns in (("medians", list(medians)), ("levels", levels)):
        unread = [c for c in columns if c not in read]
        if unread:
            fail(f"{path}.{field}", f"names the column {short(unread[0])}, which no term of the design reads.")
    if len(set(levels)) != len(levels) or set(levels) & set(medians):
        fail(f"{path}.levels", "lists a column twice, or one that also has a median.")
    width = len([name for name in names if name != "Intercept"])
    positions = list(placed.values())
    if not set(placed) <= set(medians) or positions != sorted(positions) or any(p > width for p in positions):
        fail(f"{path}.indicators", f"expected numeric columns with a median, each with a number of design columns "
                                   f"from 0 to {width} in increasing order, got {short(placed)}.")


def saved_column_names(design: dict[str, Any]) -> list[str]:
    """The column names of a saved design checked by :func:`check_design`: patsy's (``Intercept`` first when
    fitted) with the imputation's indicator columns in their places."""
    names = list(design["design_info"]["column_names"])
    if "imputation" not in design:
        return names
    intercept = ["Intercept"] if "Intercept" in names else []
    return intercept + Imputation.from_dict(design["imputation"]).column_names([n for n in names if n != "Intercept"])


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
    _check_contrast_cells(info, factors, path)
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


def _check_contrast_cells(info: dict[str, Any], factors: dict[str, dict[str, Any]], path: str) -> None:
    """The contrasts, as patsy holds them (dense levels x columns matrices), have at most ``MAX_CONTRAST_CELLS``
    entries in all: checked before any is coded or built, so that a small file (an indicator list) cannot make
    glmgen allocate a large matrix."""
    cells = sum(len(factors[code]["categories"] or ()) * len(contrast["suffixes"]) for term in info["terms"]
                for subterm in term["subterms"] for code, contrast in subterm["contrasts"].items() if code in factors)
    if cells > MAX_CONTRAST_CELLS:
        fail(f"{path}.terms", f"have contrasts of {cells:,} entries in all (levels x columns); at most "
                              f"{MAX_CONTRAST_CELLS:,} are allowed.")


def _values(encoded: dict[str, Any]) -> np.ndarray:
    """The numbers of an encoded array (checked by :func:`array`), as float64."""
    return np.array([float(v) for v in encoded["__ndarray__"]], dtype=float).reshape(encoded["shape"])


def _check_transform_state(transform: dict[str, Any], factor: dict[str, Any], path: str) -> None:
    """The learned numbers of a stateful transform are ones patsy can have learned from data: counts of rows
    at least 1, variances at least 0, spline knots in order, at most ``MAX_BASIS`` spline columns (a
    cubic spline's cost grows with the cube of its knots) and constraints that fit the basis; when the factor
    is the transform alone (``bs(x, df=4)``), its ``num_columns`` is what the state gives."""
    attrs, name = transform["attrs"], transform["class"].rsplit(".", 1)[-1]
    columns: int | None
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
    elif name == "Lump":
        _check_lump(attrs, factor, path)
        return
    else:
        knots = _values(attrs["_all_knots"])
        order = attrs["_degree"] + 1 if name == "BS" else 1
        if knots.size < 2 * order + (name != "BS") or (np.diff(knots) < 0).any() or knots[0] >= knots[-1] or (
                name != "BS" and (np.diff(knots) <= 0).any()):
            fail(f"{path}._all_knots", f"are not the knots of a {name} spline: expected at least "
                 f"{2 * order + (name != 'BS')} knots in {'non-decreasing' if name == 'BS' else 'increasing'} "
                 f"order, got {knots.size}: {short(knots.tolist())}.")
        bases = knots.size - order if name == "BS" else knots.size - attrs["_cyclic"]
        if bases > MAX_BASIS + 1:
            fail(f"{path}._all_knots", f"give {bases} spline columns; at most {MAX_BASIS} are allowed.")
        columns = bases if name == "BS" else _constrained(attrs["_constraints"], bases, path)
    _check_transform_columns(factor, name, columns, path)


def _check_lump(attrs: dict[str, Any], factor: dict[str, Any], path: str) -> None:
    """``lump()``'s levels are distinct, its merged level (if any) is the last one, and a factor that is one
    ``lump()`` call has exactly those levels."""
    levels = [json.dumps(level, sort_keys=True) for level in attrs["_levels"]]
    if len(set(levels)) != len(levels):
        fail(f"{path}._levels", "lists a level twice.")
    if attrs["_other"] is not None and attrs["_levels"][-1] != attrs["_other"]:
        fail(f"{path}._other", f"is {short(attrs['_other'])} but the last level is {short(attrs['_levels'][-1])}; "
                               "the merged level comes last.")
    node = ast.parse(factor["code"], mode="eval").body
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "lump"
            and factor["categories"] != attrs["_levels"]):
        fail(path, f"lists the levels {short(attrs['_levels'])} but the factor {factor['code'][:80]!r} has the "
                   f"categories {short(factor['categories'])}.")


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
        _check_contrast_shape(contrast, len(factor["categories"]), f"{path}.contrasts.{code}")
        _check_contrast(code, factor["categories"], contrast, f"{path}.contrasts.{code}")
        columns *= len(contrast["suffixes"])
    extra = set(subterm["contrasts"]) - {c for c in subterm["factors"] if factors[c]["type"] == "categorical"}
    if extra:
        fail(f"{path}.contrasts", f"has a contrast for {min(extra)[:80]!r}, not a categorical factor here.")
    if subterm["num_columns"] != columns:
        fail(f"{path}.num_columns", f"is {subterm['num_columns']}; its factors give {columns} columns.")


def _check_contrast_shape(contrast: dict[str, Any], n_levels: int, path: str) -> None:
    """A contrast matrix has one row per level and one column per suffix; an indicator list has one entry per
    level, each a column (one per suffix) or -1 (a level without a column), and gives each column to exactly one
    level."""
    width = len(contrast["suffixes"])
    if "matrix" in contrast:
        shape = [int(n) for n in contrast["matrix"]["shape"]]
        if len(shape) != 2 or shape[0] != n_levels or shape[1] != width:
            fail(f"{path}.matrix.shape", f"is {shape}; expected {n_levels} rows (one per level) and {width} columns "
                                         "(one per suffix).")
        return
    indicator = contrast["indicator"]
    if len(indicator) != n_levels:
        fail(f"{path}.indicator", f"has {len(indicator)} entries for {n_levels} levels; expected one per level (the "
                                  "column of its 1, or -1).")
    columns = np.asarray(indicator, dtype=np.int64)
    outside = np.flatnonzero((columns < -1) | (columns >= width))
    if outside.size:
        fail(f"{path}.indicator[{outside[0]}]", f"is {indicator[outside[0]]}; expected -1 (a level without a column) "
                                                f"or a column from 0 to {width - 1} (one per suffix).")
    uses = np.bincount(columns[columns >= 0], minlength=width)
    wrong = np.flatnonzero(uses != 1)
    if wrong.size:
        fail(f"{path}.indicator", f"gives column {wrong[0]} to {uses[wrong[0]]} levels; each of the {width} columns "
                                  "(one per suffix) belongs to exactly one level.")


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
        kwargs: dict[Any, Any] = {kw.arg: ast.literal_eval(kw.value) for kw in (call.keywords if call else [])}
    except ValueError:
        return None
    return getattr(patsy, name.id)(*args, **kwargs)


def _check_contrast(code: str, categories: list[Any], contrast: dict[str, Any], path: str) -> None:
    """The saved coding (matrix or indicator list) and suffixes are what the code's contrast gives for the saved
    levels, in their order (with or without the full-rank coding patsy picks per term): a reordered level list is
    caught here. Treatment coding in indicator form is compared without patsy's dense levels x levels matrix."""
    levels = [tuple(c["__tuple__"]) if isinstance(c, dict) else c for c in categories]
    try:
        declared = declared_contrast(code)
    except (patsy.PatsyError, ValueError, TypeError) as exc:
        fail(path, f"the contrast of {code[:80]!r} cannot be built ({type(exc).__name__}: {exc}).")
    if declared is None:
        return
    width = len(contrast["suffixes"])
    if width not in (len(levels), len(levels) - 1):  # before computing a levels x levels coding
        fail(f"{path}.{'matrix.shape' if 'matrix' in contrast else 'suffixes'}",
             f"has {width} columns for {len(levels)} levels; {code[:80]!r} codes {len(levels)} levels with "
             f"{len(levels) - 1} or {len(levels)} columns.")
    full_rank = width == len(levels)
    try:
        if "indicator" in contrast and isinstance(declared, patsy.Treatment):
            same = _treatment_coding(declared, levels, full_rank) == (contrast["indicator"], contrast["suffixes"])
        else:
            coding = declared.code_with_intercept(levels) if full_rank else declared.code_without_intercept(levels)
            same = _same_coding(coding, contrast)
    except (patsy.PatsyError, ValueError, TypeError, IndexError, KeyError) as exc:  # e.g. no such reference level
        fail(path, f"the contrast of {code[:80]!r} cannot code the saved levels ({type(exc).__name__}: {exc}).")
    if not same:
        fail(path, f"the {'matrix' if 'matrix' in contrast else 'indicator columns'} and suffixes are not the "
                   f"contrast {code[:80]!r} gives for the saved levels {levels[:6]!r} in that order.")


def _same_coding(coding: patsy.ContrastMatrix, contrast: dict[str, Any]) -> bool:
    """Whether a saved contrast (either form) is ``coding``."""
    if list(coding.column_suffixes) != contrast["suffixes"]:
        return False
    if "indicator" in contrast:
        columns = indicator_columns(coding)
        return columns is not None and columns.tolist() == contrast["indicator"]
    saved = np.asarray(contrast["matrix"]["__ndarray__"], dtype=float).reshape(coding.matrix.shape[0], -1)
    return coding.matrix.shape == saved.shape and bool(np.allclose(coding.matrix, saved, rtol=1e-9, atol=1e-12))


def _treatment_coding(contrast: patsy.Treatment, levels: list[Any], full_rank: bool) -> tuple[list[int], list[str]]:
    """Treatment coding of ``levels`` as an indicator list and suffixes: each level its own column with an
    intercept-free (full-rank) coding, otherwise every level but the reference, in order."""
    suffixes = []
    for start in range(0, len(levels), _SUFFIX_BLOCK):  # patsy's names, a block at a time: its coding is dense
        block = levels[start:start + _SUFFIX_BLOCK]
        # without an intercept patsy drops the first level (the default reference): here a copy of block[0]
        coding = (patsy.Treatment().code_with_intercept(block) if full_rank
                  else patsy.Treatment().code_without_intercept(block[:1] + block))
        suffixes += coding.column_suffixes
    if full_rank:
        return list(range(len(levels))), suffixes
    reference = _treatment_reference(contrast.reference, levels)
    return ([*range(reference), -1, *range(reference, len(levels) - 1)],
            suffixes[:reference] + suffixes[reference + 1:])


def _treatment_reference(reference: Any, levels: list[Any]) -> int:
    """The position of ``Treatment(reference)``'s reference level, resolved as patsy does: the first level by
    default, else the level equal to ``reference``, else ``reference`` as a position (negative: from the end)."""
    if reference is None:
        return 0
    if reference in levels:
        return levels.index(reference)
    if isinstance(reference, int) and -len(levels) <= reference < len(levels):
        return reference % len(levels)
    raise ValueError(f"the reference level {reference!r} is neither a level nor a position")
