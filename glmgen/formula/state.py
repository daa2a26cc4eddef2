"""Serialise patsy's learned design state to JSON-able dicts, and restore it safely.

patsy's ``DesignInfo`` refuses to pickle. What it learned from the training
data is plain data, though: categorical levels, contrast matrices, and the
attributes of stateful transforms (``center``, ``standardize``, splines, ``lump``).
:func:`design_info_to_dict` writes exactly that (a contrast that codes levels by
indicators as the column of each level's 1, so that a 5,000-level factor costs
5,000 numbers, not 25 million); :func:`design_info_from_dict`
rebuilds an equivalent ``DesignInfo`` from a document that
:func:`glmgen.formula.check_design` has checked (schema, dtypes, shapes,
consistency). Every restored expression passes
:func:`~glmgen.formula.safety.check_expression_is_safe` again first;
stateful-transform objects are rebuilt by patsy from the checked code, and the
file only supplies their numbers.
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from typing import Any

import numpy as np
import patsy
from patsy.design_info import FactorInfo, SubtermInfo

from ..errors import ModelFileError
from .matrix import FactorStates, indicator_columns
from .parse import is_plain_name, name_factor
from .safety import check_expression_is_safe
from .transforms import Lump

#: how a per-row variable is given (``VariableSpec.kind``) and what it is (``VariableSpec.role``)
VARIABLE_KINDS = ("column", "expression", "array")
VARIABLE_ROLES = ("weights", "freq_weights", "offset", "exposure")
#: the dtypes :func:`_encode` writes, and the most dimensions an array may have
ARRAY_DTYPES = frozenset({"<f8", "<i8", "|b1", "longdouble"})
MAX_ARRAY_RANK = 2
#: the most contrast-matrix entries (levels x columns, summed over a design's contrasts) a model file may make
#: glmgen build: 512 MiB of float64, one factor of about 8,000 levels (patsy holds each contrast as a dense matrix)
MAX_CONTRAST_CELLS = 2**26
#: the stateful transforms whose learned attributes may be restored
TRANSFORM_CLASSES: dict[str, type] = {
    cls.__module__ + "." + cls.__qualname__: cls
    for cls in (patsy.state.Center, patsy.state.Standardize, patsy.splines.BS,
                patsy.mgcv_cubic_splines.CR, patsy.mgcv_cubic_splines.CC, patsy.mgcv_cubic_splines.TE, Lump)
}


# --- values ----------------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    """JSON-able form of a transform attribute or a categorical level."""
    if isinstance(value, np.ndarray):
        if value.dtype == np.longdouble:  # patsy accumulates sums in long double: keep every digit
            digits = [np.format_float_scientific(v, unique=True) for v in value.ravel()]
            return {"__ndarray__": digits, "dtype": "longdouble", "shape": list(value.shape)}
        return {"__ndarray__": value.ravel().tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return {"__tuple__": [_encode(v) for v in value]} if isinstance(value, tuple) else [_encode(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot save a value of type {type(value).__name__} ({value!r}) in a model file")


def _decode(value: Any) -> Any:
    """Inverse of :func:`_encode` for a value :func:`glmgen.formula.check_design` has checked (dtype, shape, values)."""
    if isinstance(value, dict) and "__ndarray__" in value:
        dtype, shape, flat = value["dtype"], [int(n) for n in value["shape"]], value["__ndarray__"]
        if dtype not in ARRAY_DTYPES or len(shape) > MAX_ARRAY_RANK or math.prod(shape) != len(flat):
            raise ModelFileError(f"an array in the model file has dtype {dtype!r} and shape {shape} for {len(flat)} "
                                 f"values; expected one of {sorted(ARRAY_DTYPES)} listing every value.")
        if dtype == "longdouble":
            return np.array([np.longdouble(v) for v in flat], dtype=np.longdouble).reshape(shape)
        return np.array(flat, dtype=np.dtype(dtype)).reshape(shape)
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


# --- design info -----------------------------------------------------------------------------------

def _transform_class_name(obj: object) -> str:
    return type(obj).__module__ + "." + type(obj).__qualname__


def design_info_to_dict(design_info: patsy.DesignInfo) -> dict[str, Any]:
    """Everything patsy learned from the training data, as JSON-able data."""
    _check_contrast_cells(design_info)
    factors = []
    for factor, info in design_info.factor_infos.items():
        transforms = {}
        for obj_name, obj in info.state.get("transforms", {}).items():
            class_name = _transform_class_name(obj)
            if class_name not in TRANSFORM_CLASSES:
                raise TypeError(
                    f"the term {factor.name()!r} uses the stateful transform {class_name}, which glmgen cannot save; "
                    f"savable transforms: {', '.join(sorted(TRANSFORM_CLASSES))}."
                )
            transforms[obj_name] = {"class": class_name, "attrs": {k: _encode(v) for k, v in vars(obj).items()}}
        factors.append({
            "code": factor.code,
            "type": info.type,
            "num_columns": info.num_columns,
            "categories": None if info.categories is None else [_encode(level) for level in info.categories],
            "transforms": transforms,
        })
    terms = []
    for term, subterms in design_info.term_codings.items():
        terms.append({
            "factors": [factor.code for factor in term.factors],
            "subterms": [
                {
                    "factors": [factor.code for factor in subterm.factors],
                    "contrasts": {factor.code: _contrast_to_dict(contrast)
                                  for factor, contrast in subterm.contrast_matrices.items()},
                    "num_columns": subterm.num_columns,
                }
                for subterm in subterms
            ],
        })
    return {"column_names": list(design_info.column_names), "factors": factors, "terms": terms}


def _check_contrast_cells(design_info: patsy.DesignInfo) -> None:
    """Refuse to save a design whose contrast matrices a model file may not make glmgen build on loading
    (more than ``MAX_CONTRAST_CELLS`` entries in all): a model that ``load`` would refuse is not written."""
    cells = sum(np.asarray(contrast.matrix).size for subterms in design_info.term_codings.values()
                for subterm in subterms for contrast in subterm.contrast_matrices.values())
    if cells > MAX_CONTRAST_CELLS:
        raise ModelFileError(
            f"this model cannot be saved: its contrast matrices have {cells:,} entries (levels x columns), more than "
            f"the {MAX_CONTRAST_CELLS:,} a model file may make glmgen build when it is loaded (one factor of about "
            "8,000 levels). Merge rare levels into one (lump()) and fit again."
        )


def _contrast_to_dict(contrast: patsy.ContrastMatrix) -> dict[str, Any]:
    """A contrast as saved: ``indicator``, the column of each level's 1 (``-1``: none), when it codes levels by
    indicators (:func:`~glmgen.formula.matrix.indicator_columns`: treatment, full-rank dummies), else its
    ``matrix``; with its column ``suffixes``."""
    columns = indicator_columns(contrast)
    coding = {"matrix": _encode(np.asarray(contrast.matrix, dtype=float))} if columns is None else {
        "indicator": columns.tolist()}
    return coding | {"suffixes": list(contrast.column_suffixes)}


def _contrast_from_dict(saved: dict[str, Any]) -> patsy.ContrastMatrix:
    """The ``ContrastMatrix`` of a checked :func:`_contrast_to_dict` entry (an indicator list becomes the 0/1
    matrix it stands for)."""
    if "matrix" in saved:
        return patsy.ContrastMatrix(_decode(saved["matrix"]), saved["suffixes"])
    columns = np.asarray(saved["indicator"], dtype=np.intp)
    matrix = np.zeros((len(columns), len(saved["suffixes"])))
    levels = np.flatnonzero(columns >= 0)
    matrix[levels, columns[levels]] = 1.0
    return patsy.ContrastMatrix(matrix, saved["suffixes"])


def expected_column_names(saved: dict[str, Any]) -> list[str]:
    """The column names patsy gives the terms of a saved ``design_info`` (checked: factors exist, shapes agree).

    As patsy: a numerical factor with k > 1 columns gives ``code[0]`` ... ``code[k-1]``, a categorical one
    ``code`` + suffix, interactions join the pieces with ``:`` (the left-most factor varying fastest).
    """
    factors = {entry["code"]: entry for entry in saved["factors"]}
    names = []
    for term in saved["terms"]:
        for subterm in term["subterms"]:
            pieces = []
            for code in subterm["factors"]:
                if factors[code]["type"] == "categorical":
                    pieces.append([code + suffix for suffix in subterm["contrasts"][code]["suffixes"]])
                else:
                    k = int(factors[code]["num_columns"])
                    pieces.append([code] if k == 1 else [f"{code}[{i}]" for i in range(k)])
            names += [":".join(combo[::-1]) or "Intercept" for combo in itertools.product(*pieces[::-1])]
    return names


def _restore_factor(entry: dict[str, Any], states: FactorStates,
                    path: str) -> tuple[patsy.EvalFactor, FactorInfo]:
    """The factor of a checked file entry, its transforms rebuilt by patsy from the (re-checked) code."""
    check_expression_is_safe(entry["code"])
    factor = name_factor(entry["code"]) if is_plain_name(entry["code"]) else patsy.EvalFactor(entry["code"])
    try:
        state = states.state(factor)
    except patsy.PatsyError as exc:
        raise ModelFileError(f"model file field '{path}.code': patsy cannot read {entry['code']!r} ({exc}).") from None
    saved = entry["transforms"]
    if set(saved) != set(state["transforms"]):
        raise ModelFileError(
            f"model file field '{path}.transforms': the saved state of {entry['code']!r} does not match its formula "
            f"(transforms {sorted(saved)} vs {sorted(state['transforms'])}); the file was edited or is corrupt."
        )
    for obj_name, obj in state["transforms"].items():
        if saved[obj_name]["class"] != _transform_class_name(obj):
            raise ModelFileError(
                f"model file field '{path}.transforms.{obj_name}.class': the saved state of {entry['code']!r} names "
                f"transform class {saved[obj_name]['class']!r} where the formula builds "
                f"{_transform_class_name(obj)!r}; the file was edited or is corrupt."
            )
        for attr, value in saved[obj_name]["attrs"].items():
            if attr not in vars(obj):
                raise ModelFileError(f"model file field '{path}.transforms.{obj_name}.attrs.{attr}': "
                                     f"{_transform_class_name(obj)} has no attribute {attr!r}.")
            setattr(obj, attr, _decode(value))
        for attr in set(vars(obj)) - set(saved[obj_name]["attrs"]):  # what only learning uses (lump's counts)
            delattr(obj, attr)
    categories = None if entry["categories"] is None else tuple(_decode(level) for level in entry["categories"])
    return factor, FactorInfo(factor, entry["type"], state, num_columns=entry["num_columns"], categories=categories)


def design_info_from_dict(saved: dict[str, Any], eval_env: patsy.EvalEnvironment,
                          path: str = "design.design_info") -> patsy.DesignInfo:
    """Rebuild a ``DesignInfo`` from :func:`design_info_to_dict` output checked by :func:`glmgen.formula.check_design`,
    checking every expression again first."""
    factors: dict[str, patsy.EvalFactor] = {}
    factor_infos = {}
    states = FactorStates(eval_env)
    for i, entry in enumerate(saved["factors"]):
        factor, info = _restore_factor(entry, states, f"{path}.factors[{i}]")
        factors[entry["code"]] = factor
        factor_infos[factor] = info
    term_codings: OrderedDict[patsy.Term, list[SubtermInfo]] = OrderedDict()
    for term_entry in saved["terms"]:
        term = patsy.Term([factors[code] for code in term_entry["factors"]])
        term_codings[term] = [
            SubtermInfo(
                [factors[code] for code in subterm["factors"]],
                {factors[code]: _contrast_from_dict(contrast) for code, contrast in subterm["contrasts"].items()},
                int(subterm["num_columns"]),
            )
            for subterm in term_entry["subterms"]
        ]
    try:
        return patsy.DesignInfo(saved["column_names"], factor_infos=factor_infos, term_codings=term_codings)
    except ValueError as exc:
        raise ModelFileError(f"model file field '{path}': its terms do not fit together ({exc}).") from None
