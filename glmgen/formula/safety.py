"""Checked formulas: what an expression may do before it is evaluated, proven from its syntax tree.

A formula is code. Under ``safe=True`` (and for the CLI and every loaded
model), :func:`check_expression_is_safe` proves that an expression only reads
data columns and calls functions on an allow-list (numpy's elementwise maths,
patsy's transforms and contrasts) with the arguments of their signatures,
within bounds on size and constant arithmetic; :func:`check_formula_size`
bounds how many terms a formula expands to; :func:`check_expressions_fit_data`
makes sure the names it reads are data columns, and :func:`restricted_namespace`
is the only other namespace a checked expression sees.
"""

from __future__ import annotations

import ast
import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import patsy

from .._validation import suggestion
from ..errors import FormulaError, UnsafeFormulaError
from .parse import is_plain_name
from .transforms import R_MATHS, lump

#: patsy's formula functions a checked formula (safe=True, the CLI, a saved model) may call
PATSY_FUNCTIONS = frozenset(
    {"C", "I", "Q", "center", "standardize", "scale", "bs", "cr", "cc", "te",
     "Treatment", "Sum", "Helmert", "Poly", "Diff", "cbind"}
)
#: glmgen's own formula functions (bare names): ``lump()`` and R's spelling of NumPy's maths (``log(x)``)
GLMGEN_FUNCTIONS = frozenset({"lump", *R_MATHS})
#: numpy functions a checked formula may call, as ``np.<name>`` or ``numpy.<name>``
NUMPY_FUNCTIONS = frozenset(
    {"log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "cbrt", "square", "abs", "absolute",
     "power", "sign", "floor", "ceil", "round", "rint", "trunc", "clip", "where", "maximum", "minimum",
     "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
     "arctanh", "isnan", "isfinite", "logical_and", "logical_or", "logical_not", "pi", "e"}
)
_NUMPY_NAMES = frozenset({"np", "numpy"})
_ALLOWED_NODES = (
    ast.Expression, ast.Call, ast.Name, ast.Load, ast.Attribute, ast.Constant, ast.keyword,
    ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Tuple, ast.List,
    ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
)
#: bounds on one expression: characters, syntax-tree nodes and nesting depth
MAX_EXPRESSION_CHARS = 20_000
MAX_EXPRESSION_NODES = 5_000
MAX_EXPRESSION_DEPTH = 100
#: a constant sub-expression (no data in it) may not fold to an integer larger than this in magnitude
MAX_CONSTANT = 10**18
#: a constant exponent or shift may not exceed this in magnitude
_MAX_EXPONENT = 64
#: constant ``df=``/``degree=`` of a spline, and the columns of a ``te()`` product, may not exceed this
MAX_BASIS = 1_000
#: how many times longer than a data value an expression's result may be: ``g * 10**8`` repeats text;
#: at most ``MAX_TEXT_GROWTH`` when the expression reads a text column
MAX_GROWTH = 10_000
MAX_TEXT_GROWTH = 64
#: how many terms a formula's right-hand side may expand to before patsy removes duplicates
MAX_FORMULA_TERMS = 100_000
#: the characters of a whole formula
MAX_FORMULA_CHARS = 200_000
#: contrast classes ``C(x, <contrast>)`` may name
CONTRASTS = frozenset({"Treatment", "Sum", "Helmert", "Poly", "Diff"})
#: positional arguments each allowed function takes at most (patsy's and numpy's signatures); numpy
#: ufuncs not listed take one (a second positional argument of a ufunc is its output array)
_POSITIONAL = {
    "C": 2, "I": 1, "Q": 1, "center": 1, "standardize": 4, "scale": 4, "bs": 7, "cr": 6, "cc": 6, "te": 8,
    "Treatment": 1, "Sum": 1, "Helmert": 0, "Poly": 1, "Diff": 0, "cbind": 2,
    "np.power": 2, "np.maximum": 2, "np.minimum": 2, "np.logical_and": 2, "np.logical_or": 2,
    "np.round": 2, "np.clip": 3, "np.where": 3, "np.pi": 0, "np.e": 0, "lump": 4,
}
#: keyword arguments each allowed function accepts
_KEYWORDS: dict[str, frozenset[str]] = {
    "C": frozenset({"contrast", "levels"}),
    "standardize": frozenset({"center", "rescale", "ddof"}),
    "scale": frozenset({"center", "rescale", "ddof"}),
    "bs": frozenset({"df", "knots", "degree", "include_intercept", "lower_bound", "upper_bound"}),
    "cr": frozenset({"df", "knots", "lower_bound", "upper_bound", "constraints"}),
    "cc": frozenset({"df", "knots", "lower_bound", "upper_bound", "constraints"}),
    "te": frozenset({"constraints"}),
    "Treatment": frozenset({"reference"}),
    "Sum": frozenset({"omit"}),
    "Poly": frozenset({"scores"}),
    "np.round": frozenset({"decimals"}),
    "np.clip": frozenset({"a_min", "a_max", "min", "max"}),
    "lump": frozenset({"min_count", "min_share", "other"}),
}


class _Data(NamedTuple):
    """What :func:`_fold` returns for a sub-expression that depends on data: how many times longer than
    a data value its value can be (text is repeated by ``*`` an integer and concatenated by ``+``)."""

    growth: int


_DATA = _Data(1)


def restricted_namespace() -> dict[str, Any]:
    """The only names (besides data columns and patsy's functions) a restored expression can see: NumPy,
    ``lump`` and R's bare maths names; every formula sees them, behind the caller's own names."""
    return {"np": np, "numpy": np, "lump": lump, **R_MATHS}


def check_expression_is_safe(code: str) -> None:
    """Raise :class:`UnsafeFormulaError` unless ``code`` only reads columns and calls allowed functions.

    Works on one formula factor as patsy writes it (``C(g, Treatment('b'))``, ``np.log(x)``) and
    on response, weight and offset expressions. From the syntax tree, before anything runs, it checks:

    - the size: at most ``MAX_EXPRESSION_CHARS`` characters, ``MAX_EXPRESSION_NODES`` nodes and
      ``MAX_EXPRESSION_DEPTH`` levels of nesting;
    - the syntax: names (not starting with ``_``), constants, tuples, lists, arithmetic, comparison
      and boolean operators, and calls of patsy's formula functions and ``np.<elementwise function>``
      with the positional and keyword arguments of their signatures; ``Q()`` takes one string,
      ``C()``'s contrast is one of patsy's contrast classes with literal arguments or a literal matrix;
    - constant arithmetic: text, bytes and lists are not operands of arithmetic, a constant
      exponent or shift is at most 64, a constant sub-expression folds to an integer of at most
      ``MAX_CONSTANT`` in magnitude, a spline's constant ``df``/``degree`` is at most 1000
      (so ``10 ** 10 ** 8`` or ``'a' * 10 ** 10`` are refused instead of evaluated), and the columns
      of a ``te()`` product at most 1000;
    - growth: the value can be at most ``MAX_GROWTH`` times longer than a data value, counting ``*`` an
      integer constant as repetition and ``+`` as concatenation (``g * 10**8`` on a text column ``g``
      would build 10^8-character strings per row).
    """
    if not isinstance(code, str):
        raise UnsafeFormulaError(f"a formula expression must be text, got {type(code).__name__} ({code!r}).")
    if len(code) > MAX_EXPRESSION_CHARS:
        raise UnsafeFormulaError(
            f"formula expression {code[:60]!r}... has {len(code)} characters; at most {MAX_EXPRESSION_CHARS} are "
            "allowed. Compute long expressions as data columns before fitting."
        )
    if is_plain_name(code) and not code.startswith("_"):
        return  # a name alone: it reads one value and runs nothing
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError as exc:
        raise UnsafeFormulaError(f"formula expression {code!r} is not valid Python: {exc.msg}.") from None
    except (RecursionError, MemoryError):
        raise UnsafeFormulaError(f"formula expression {code[:60]!r}... is nested too deeply to parse.") from None
    _check_size(tree, code)
    for node in ast.walk(tree):
        _check_node(node, code)
    if _growth(tree, code) > MAX_GROWTH:
        raise UnsafeFormulaError(
            f"formula expression {code[:80]!r} can make a value up to {_growth(tree, code):,} times longer than a data "
            f"value (text is repeated by '*' an integer and joined by '+'); at most {MAX_GROWTH} is allowed. "
            "Write large numeric factors as floats (1e6 instead of 1000000)."
        )


def check_formula_size(formula: str) -> None:
    """Raise :class:`UnsafeFormulaError` if ``formula`` is longer than ``MAX_FORMULA_CHARS`` or its
    right-hand side expands to more than ``MAX_FORMULA_TERMS`` terms: patsy expands ``(a + b + ... + v)**22``
    into millions of interactions before anything could check them."""
    if not isinstance(formula, str):
        raise UnsafeFormulaError(f"a formula must be text, got {type(formula).__name__}.")
    if len(formula) > MAX_FORMULA_CHARS:
        raise UnsafeFormulaError(f"formula {formula[:60]!r}... has {len(formula):,} characters; at most "
                                 f"{MAX_FORMULA_CHARS:,} are allowed.")
    if "*" not in formula and ":" not in formula:
        return  # no products: a term per name or number, at most one per two characters, within the bound
    try:
        tree = patsy.parse_formula.parse_formula(formula)
    except patsy.PatsyError:
        return  # patsy reports the syntax error itself when the formula is used
    except RecursionError:
        raise UnsafeFormulaError(f"formula {formula[:60]!r}... is nested too deeply to parse.") from None
    terms = _term_bound(tree)
    if terms > MAX_FORMULA_TERMS:
        raise UnsafeFormulaError(
            f"formula {formula[:80]!r} expands to more than {MAX_FORMULA_TERMS:,} terms (e.g. a power '**' of a "
            "long sum, or a chain of '*' or ':'); write the interactions you need explicitly."
        )


def _term_bound(node: Any) -> int:
    """An upper bound on the terms patsy builds for a parsed formula node, before it removes duplicates
    (``a*b`` is ``a + b + a:b``, ``a:b`` every pair, ``a**n`` every product of up to ``n`` terms),
    capped just above ``MAX_FORMULA_TERMS``; iterative, as a formula may be long."""
    cap = MAX_FORMULA_TERMS + 1
    bounds: dict[int, int] = {}
    stack = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if not expanded:
            stack.append((current, True))
            stack.extend((arg, False) for arg in current.args if current.type != "**")
            if current.type == "**":
                stack.append((current.args[0], False))
            continue
        args = [bounds[id(arg)] for arg in current.args[:1 if current.type == "**" else None]]
        if not args:
            value = 1
        elif current.type == ":":
            value = args[0] * args[1] + args[0] + args[1]
        elif current.type == "*":
            value = args[0] + args[1] + args[0] * args[1]
        elif current.type == "**":
            exponent = current.args[1].token.extra if current.args[1].type == "NUMBER" else "1"
            power = min(int(exponent) if exponent.isdigit() else 1, args[0], 64)
            value = sum(args[0] ** i for i in range(1, power + 1)) if args[0] <= cap else cap
        else:  # '~', '+', '-', '/', unary signs
            value = sum(args)
        bounds[id(current)] = min(value, cap)
    return bounds[id(node)]


def expression_names(code: str) -> tuple[set[str], set[str]]:
    """The bare names an expression reads as values, and the names it quotes with ``Q('...')``: what must be
    data columns when only the data, NumPy and patsy's functions are meant to be visible."""
    if is_plain_name(code):
        return ({code} - _NUMPY_NAMES - CONTRASTS), set()
    tree = ast.parse(code, mode="eval")
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called
             and node.id not in _NUMPY_NAMES and node.id not in CONTRASTS}
    quoted = {node.args[0].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and _function_name(node.func) == "Q" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
    return names, quoted


def check_expressions_fit_data(codes: list[str], data: Any) -> None:
    """Raise :class:`FormulaError` unless every name the (checked) expressions read is a column of ``data``,
    so a loaded model's expressions see only the data, NumPy and patsy's functions (not Python's builtins
    such as ``open``, nor ``Q('__builtins__')``); and :class:`UnsafeFormulaError` if an expression reading a
    text column can make its values more than ``MAX_TEXT_GROWTH`` times longer (``g * 5000``)."""
    available = {str(c): c for c in data.columns.tolist()}
    columns = set(available)
    for code in codes:
        names, quoted = expression_names(code)
        missing = sorted((names | quoted) - columns)
        if missing:
            shown = ", ".join(repr(c) for c in sorted(available)[:8]) + (", ..." if len(available) > 8 else "")
            raise FormulaError(
                f"formula expression {code[:80]!r} refers to {missing[0]!r}, which is not a column of the data "
                f"(columns: {shown}).{suggestion(missing[0], list(available))} A checked formula (safe=True, the "
                "CLI, a loaded model) may only name data columns; add the column to the data, or write values into "
                "the formula (e.g. levels=['a', 'b'])."
            )
        growth = 1 if is_plain_name(code) else _growth(ast.parse(code, mode="eval"), code)
        if growth <= MAX_TEXT_GROWTH:
            continue
        text = [name for name in names | quoted if not (pd.api.types.is_numeric_dtype(data[available[name]])
                                                        or pd.api.types.is_bool_dtype(data[available[name]]))]
        if text:
            raise UnsafeFormulaError(
                f"formula expression {code[:80]!r} reads the text column {sorted(text)[0]!r} and can make its values "
                f"{growth:,} times longer ('*' an integer repeats text, '+' joins it); at most {MAX_TEXT_GROWTH} "
                "is allowed."
            )


def _allowed_message() -> str:
    return (f"allowed: patsy's {', '.join(sorted(PATSY_FUNCTIONS - {'cbind'}))}, glmgen's "
            f"{', '.join(sorted(GLMGEN_FUNCTIONS))} and numpy's np.{', np.'.join(sorted(NUMPY_FUNCTIONS))}")


def _check_size(tree: ast.AST, code: str) -> None:
    """Refuse a syntax tree with more than ``MAX_EXPRESSION_NODES`` nodes or deeper than ``MAX_EXPRESSION_DEPTH``."""
    stack, count = [(tree, 0)], 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_EXPRESSION_NODES or depth > MAX_EXPRESSION_DEPTH:
            raise UnsafeFormulaError(
                f"formula expression {code[:60]!r}... is too large (more than {MAX_EXPRESSION_NODES} syntax nodes "
                f"or {MAX_EXPRESSION_DEPTH} levels of nesting). Compute it as a data column before fitting."
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_node(node: ast.AST, code: str) -> None:
    """One node of :func:`check_expression_is_safe`'s walk."""
    if not isinstance(node, _ALLOWED_NODES):
        raise UnsafeFormulaError(
            f"formula expression {code!r} uses {type(node).__name__} syntax, which a checked formula (safe=True, the CLI, a saved model) may not contain; "
            f"{_allowed_message()}."
        )
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise UnsafeFormulaError(f"formula expression {code!r} refers to {node.id!r}; names may not start with '_'.")
    if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, type(...))):
        raise UnsafeFormulaError(f"formula expression {code!r} holds the constant {node.value!r}, which is not "
                                 "allowed (numbers, text, True, False and None are).")
    if isinstance(node, ast.Attribute) and _function_name(node) is None:
        raise UnsafeFormulaError(
            f"formula expression {code!r} uses the attribute {ast.unparse(node)!r}; {_allowed_message()}."
        )
    if isinstance(node, ast.BinOp):
        for operand in (node.left, node.right):
            if isinstance(operand, (ast.List, ast.Tuple)) or (
                    isinstance(operand, ast.Constant) and isinstance(operand.value, str)):
                raise UnsafeFormulaError(
                    f"formula expression {code!r} uses {ast.unparse(operand)[:40]!r} in arithmetic "
                    f"({ast.unparse(node)[:60]!r}); only numbers and data may be operands."
                )
    if isinstance(node, ast.Call):
        _check_call(node, code)


def _function_name(node: ast.AST) -> str | None:
    """``"C"``, ``"np.log"``, ... for an allowed function (or numpy constant), else ``None``."""
    if isinstance(node, ast.Name) and (node.id in PATSY_FUNCTIONS or node.id in GLMGEN_FUNCTIONS):
        return node.id
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _NUMPY_NAMES
            and node.attr in NUMPY_FUNCTIONS):
        return "np." + node.attr
    return None


def _check_call(node: ast.Call, code: str) -> None:
    """The function is allowed and its arguments are ones its signature takes (``Q`` and ``C`` more strictly)."""
    name = _function_name(node.func)
    if name is None:
        raise UnsafeFormulaError(
            f"formula expression {code!r} calls {ast.unparse(node.func)!r}, which a checked formula (safe=True, the CLI, a saved model) may not call; "
            f"{_allowed_message()}."
        )
    call = ast.unparse(node)[:80]
    unknown = [kw.arg or "**" for kw in node.keywords if kw.arg not in _KEYWORDS.get(name, frozenset())]
    if unknown or len(node.args) > _POSITIONAL.get(name, 1):
        accepted = ", ".join(sorted(_KEYWORDS.get(name, ()))) or "none"
        raise UnsafeFormulaError(
            f"formula expression {code!r} calls {name}() with "
            + (f"the keyword argument {unknown[0]!r}" if unknown else f"{len(node.args)} positional arguments")
            + f" ({call!r}); {name}() takes at most {_POSITIONAL.get(name, 1)} positional arguments and the "
              f"keywords: {accepted}."
        )
    arguments = dict(enumerate(node.args)) | {kw.arg: kw.value for kw in node.keywords}
    if name == "Q" and not (len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
                            and isinstance(node.args[0].value, str)):
        raise UnsafeFormulaError(f"formula expression {code!r} calls Q() with {call!r}; Q() takes one column name "
                                 "in quotes, e.g. Q('my column').")
    if name == "C":
        contrast = arguments.get(1, arguments.get("contrast"))
        if contrast is not None and not _is_contrast(contrast):
            raise UnsafeFormulaError(
                f"formula expression {code!r} gives C() the contrast {ast.unparse(contrast)[:60]!r}; use one of "
                f"{', '.join(sorted(CONTRASTS))} with literal arguments (e.g. C(g, Treatment('b'))) or a literal "
                "matrix of numbers."
            )
        levels = arguments.get("levels")
        if levels is not None and not isinstance(levels, (ast.List, ast.Tuple, ast.Name)):
            raise UnsafeFormulaError(f"formula expression {code!r} gives C() levels={ast.unparse(levels)[:60]!r}; "
                                     "write the levels as a list, e.g. levels=['a', 'b'].")
    for key, position in (("df", 1), ("degree", 3)) if name in ("bs", "cr", "cc") else ():
        given = arguments.get(key, arguments.get(position))
        value = _fold(given, code) if given is not None else _DATA
        if not isinstance(value, _Data) and isinstance(value, (int, float)) and abs(value) > MAX_BASIS:
            raise UnsafeFormulaError(f"formula expression {code!r} asks {name}() for {key}={value!r}; at most "
                                     f"{MAX_BASIS} is allowed.")
    if name == "te" and math.prod(_basis_columns(arg, code) for arg in node.args) > MAX_BASIS:
        raise UnsafeFormulaError(f"formula expression {code[:80]!r} asks te() for a tensor product of more than "
                                 f"{MAX_BASIS} columns ({call!r}); use splines with fewer degrees of freedom.")


def _basis_columns(node: ast.AST, code: str) -> int:
    """At least how many columns a spline call ``bs/cr/cc(x, df=...)`` or ``(x, knots=[...])`` makes (1 if unknown)."""
    if not (isinstance(node, ast.Call) and _function_name(node.func) in ("bs", "cr", "cc")):
        return 1
    arguments = dict(enumerate(node.args)) | {kw.arg: kw.value for kw in node.keywords}
    df, knots = _fold(arguments.get("df", arguments.get(1, ast.Constant(None))), code), arguments.get("knots")
    if isinstance(df, int) and not isinstance(df, bool):
        return max(abs(df), 1)
    return max(len(knots.elts), 1) if isinstance(knots, (ast.List, ast.Tuple)) else 1


def _is_contrast(node: ast.AST) -> bool:
    """A contrast class (``Sum``), a call of one with literal arguments (``Treatment('b')``,
    ``Poly(scores=[1, 2, 4])``) or a literal matrix of numbers."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return _literal(node, (int, float))
    if isinstance(node, ast.Call):
        arguments = list(node.args) + [kw.value for kw in node.keywords]
        types = (int, float) if isinstance(node.func, ast.Name) and node.func.id == "Poly" else (int, float, str)
        if not all(_literal(argument, types) for argument in arguments):
            return False
        node = node.func
    return isinstance(node, ast.Name) and node.id in CONTRASTS


def _literal(node: ast.AST, types: tuple[type, ...]) -> bool:
    """``node`` is a constant of ``types`` (or a list or tuple of such, nested), with no name or call in it."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif not isinstance(item, types) or isinstance(item, complex):
            return False
    return True


def _growth(tree: ast.Expression, code: str) -> int:
    """How many times longer than a data value the expression's value can be (1 for a constant)."""
    folded = _fold(tree.body, code)
    return folded.growth if isinstance(folded, _Data) else 1


def _fold(node: ast.AST, code: str) -> Any:
    """The value of a constant numeric sub-expression, or a :class:`_Data` bounding how long a value
    depending on data can grow, computed only within bounds: Python integers are exact and unbounded,
    so ``10 ** 10 ** 8`` would otherwise run for minutes and ``1 << 10 ** 10`` exhaust memory."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, (int, float, complex)) else _DATA
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _fold(node.operand, code)
        return value if isinstance(value, _Data) else (-value if isinstance(node.op, ast.USub) else +value)
    if isinstance(node, ast.BinOp):
        left, right = _fold(node.left, code), _fold(node.right, code)
        if not isinstance(left, _Data) and not isinstance(right, _Data):
            return _binary(node, left, right, code)
        if isinstance(node.op, ast.Mult) and not (isinstance(left, _Data) and isinstance(right, _Data)):
            data, factor = (left, right) if isinstance(left, _Data) else (right, left)
            repeat = abs(factor) if isinstance(factor, int) else 1
            return _Data(data.growth * max(repeat, 1))
        return _Data(sum(side.growth for side in (left, right) if isinstance(side, _Data)))
    folded = [_fold(child, code) for child in ast.iter_child_nodes(node)]
    return _Data(max((value.growth for value in folded if isinstance(value, _Data)), default=1))


def _binary(node: ast.BinOp, left: Any, right: Any, code: str) -> Any:
    """``left <op> right`` for constants, refusing huge exponents, shifts and integer results."""
    if isinstance(node.op, (ast.Pow, ast.LShift, ast.RShift)) and (
            isinstance(right, complex) or abs(right) > _MAX_EXPONENT):
        raise UnsafeFormulaError(f"formula expression {code!r} raises or shifts by the constant {right!r} "
                                 f"({ast.unparse(node)[:60]!r}); at most {_MAX_EXPONENT} is allowed.")
    try:
        value = eval(compile(ast.Expression(node), "<constant>", "eval"), {"__builtins__": {}}, {})  # noqa: S307
    except (ArithmeticError, TypeError, ValueError):
        return _DATA  # evaluation raises the same error later, reported as a formula error
    if isinstance(value, int) and abs(value) > MAX_CONSTANT:
        raise UnsafeFormulaError(f"formula expression {code!r} computes the constant {ast.unparse(node)[:60]!r}, "
                                 f"larger than {MAX_CONSTANT:.0e}; write it as a float (e.g. 1e20).")
    return value

