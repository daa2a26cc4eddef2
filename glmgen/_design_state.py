"""Serialise patsy's learned design state to JSON-able dicts, and restore it safely.

patsy's ``DesignInfo`` refuses to pickle. What it learned from the training
data is plain data, though: categorical levels, contrast matrices, and the
attributes of stateful transforms (``center``, ``standardize``, splines).
:func:`design_info_to_dict` writes exactly that; :func:`design_info_from_dict`
rebuilds an equivalent ``DesignInfo``.

A formula is code. Before any restored expression is evaluated,
:func:`check_expression_is_safe` proves from its syntax tree that it only
reads data columns and calls functions on an allow-list (numpy's elementwise
maths, patsy's transforms and contrasts). Stateful-transform objects are
rebuilt by patsy from the checked code; the file only supplies their numbers.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from typing import Any

import numpy as np
import patsy
from patsy.design_info import FactorInfo, SubtermInfo

from .errors import UnsafeFormulaError

#: patsy's formula functions a saved model may call
PATSY_FUNCTIONS = frozenset(
    {"C", "I", "Q", "center", "standardize", "scale", "bs", "cr", "cc", "te",
     "Treatment", "Sum", "Helmert", "Poly", "Diff", "cbind"}
)
#: numpy functions a saved model may call, as ``np.<name>`` or ``numpy.<name>``
NUMPY_FUNCTIONS = frozenset(
    {"log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "cbrt", "square", "abs", "absolute",
     "power", "sign", "floor", "ceil", "round", "rint", "trunc", "clip", "where", "maximum", "minimum",
     "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
     "arctanh", "isnan", "isfinite", "logical_and", "logical_or", "logical_not", "pi", "e"}
)
_NUMPY_NAMES = frozenset({"np", "numpy"})
#: the stateful transforms whose learned attributes may be restored
_TRANSFORM_CLASSES: dict[str, type] = {
    cls.__module__ + "." + cls.__qualname__: cls
    for cls in (patsy.state.Center, patsy.state.Standardize, patsy.splines.BS,
                patsy.mgcv_cubic_splines.CR, patsy.mgcv_cubic_splines.CC, patsy.mgcv_cubic_splines.TE)
}
_ALLOWED_NODES = (
    ast.Expression, ast.Call, ast.Name, ast.Load, ast.Attribute, ast.Constant, ast.keyword,
    ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Tuple, ast.List,
    ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
)


def restricted_namespace() -> dict[str, Any]:
    """The only names (besides data columns) a restored expression can see."""
    return {"np": np, "numpy": np}


def check_expression_is_safe(code: str) -> None:
    """Raise :class:`UnsafeFormulaError` unless ``code`` only reads columns and calls allowed functions."""
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError as exc:
        raise UnsafeFormulaError(f"formula expression {code!r} is not valid Python: {exc.msg}.") from None
    allowed = (
        f"allowed: patsy's {', '.join(sorted(PATSY_FUNCTIONS - {'cbind'}))} and numpy's "
        f"np.{', np.'.join(sorted(NUMPY_FUNCTIONS))}"
    )
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeFormulaError(
                f"formula expression {code!r} uses {type(node).__name__} syntax, which a saved model may "
                f"not contain; {allowed}."
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeFormulaError(f"formula expression {code!r} refers to {node.id!r}; names may not start with '_'.")
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id in _NUMPY_NAMES and node.attr in NUMPY_FUNCTIONS):
                raise UnsafeFormulaError(
                    f"formula expression {code!r} uses the attribute {ast.unparse(node)!r}; {allowed}."
                )
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in PATSY_FUNCTIONS:
                continue
            if isinstance(func, ast.Attribute):
                continue  # checked as an Attribute above
            raise UnsafeFormulaError(
                f"formula expression {code!r} calls {ast.unparse(func)!r}, which a saved model may not call; {allowed}."
            )


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
    if isinstance(value, dict) and "__ndarray__" in value:
        if value["dtype"] == "longdouble":
            flat = np.array([np.longdouble(v) for v in value["__ndarray__"]], dtype=np.longdouble)
        else:
            flat = np.array(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
        return flat.reshape(value["shape"])
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
    factors = []
    for factor, info in design_info.factor_infos.items():
        transforms = {}
        for obj_name, obj in info.state.get("transforms", {}).items():
            class_name = _transform_class_name(obj)
            if class_name not in _TRANSFORM_CLASSES:
                raise TypeError(
                    f"the term {factor.name()!r} uses the stateful transform {class_name}, which glmgen cannot save; "
                    f"savable transforms: {', '.join(sorted(_TRANSFORM_CLASSES))}."
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
                    "contrasts": {
                        factor.code: {"matrix": _encode(np.asarray(contrast.matrix, dtype=float)),
                                      "suffixes": list(contrast.column_suffixes)}
                        for factor, contrast in subterm.contrast_matrices.items()
                    },
                    "num_columns": subterm.num_columns,
                }
                for subterm in subterms
            ],
        })
    return {"column_names": list(design_info.column_names), "factors": factors, "terms": terms}


def _restore_factor(entry: dict[str, Any], eval_env: patsy.EvalEnvironment) -> tuple[patsy.EvalFactor, FactorInfo]:
    check_expression_is_safe(entry["code"])
    factor = patsy.EvalFactor(entry["code"])
    state: dict[str, Any] = {}
    factor.memorize_passes_needed(state, eval_env)
    saved = entry["transforms"]
    if set(saved) != set(state["transforms"]):
        raise UnsafeFormulaError(
            f"the saved state of {entry['code']!r} does not match its formula (transforms {sorted(saved)} "
            f"vs {sorted(state['transforms'])}); the file was edited or is corrupt."
        )
    for obj_name, obj in state["transforms"].items():
        if saved[obj_name]["class"] != _transform_class_name(obj):
            raise UnsafeFormulaError(
                f"the saved state of {entry['code']!r} names transform class {saved[obj_name]['class']!r} "
                f"where the formula builds {_transform_class_name(obj)!r}; the file was edited or is corrupt."
            )
        for attr, value in saved[obj_name]["attrs"].items():
            if attr.startswith("__"):
                raise UnsafeFormulaError(f"the saved state of {entry['code']!r} sets the reserved attribute {attr!r}.")
            setattr(obj, attr, _decode(value))
    categories = None if entry["categories"] is None else tuple(_decode(level) for level in entry["categories"])
    return factor, FactorInfo(factor, entry["type"], state, num_columns=entry["num_columns"], categories=categories)


def design_info_from_dict(saved: dict[str, Any], eval_env: patsy.EvalEnvironment) -> patsy.DesignInfo:
    """Rebuild a ``DesignInfo`` from :func:`design_info_to_dict` output, checking every expression first."""
    factors: dict[str, patsy.EvalFactor] = {}
    factor_infos = {}
    for entry in saved["factors"]:
        factor, info = _restore_factor(entry, eval_env)
        factors[entry["code"]] = factor
        factor_infos[factor] = info
    term_codings: OrderedDict[patsy.Term, list[SubtermInfo]] = OrderedDict()
    for term_entry in saved["terms"]:
        term = patsy.Term([factors[code] for code in term_entry["factors"]])
        term_codings[term] = [
            SubtermInfo(
                [factors[code] for code in subterm["factors"]],
                {
                    factors[code]: patsy.ContrastMatrix(_decode(contrast["matrix"]), contrast["suffixes"])
                    for code, contrast in subterm["contrasts"].items()
                },
                subterm["num_columns"],
            )
            for subterm in term_entry["subterms"]
        ]
    return patsy.DesignInfo(saved["column_names"], factor_infos=factor_infos, term_codings=term_codings)
