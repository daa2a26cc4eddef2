"""Formula -> design matrices, with a learned, frozen, serialisable :class:`DesignSpec`.

``build_design(formula, data, ...)`` learns everything the formula needs from
the training rows (categorical levels, contrasts, stateful transforms such as
``center()`` or ``bs()``) and returns the spec plus the numeric
:class:`DesignMatrix`. ``spec.build(new_data)`` applies the same learned state
to new rows, which is how prediction, held-out evaluation and per-fold
cross-validation stay leakage-free.

Two R conveniences are added on top of patsy: ``y ~ .`` (every other column)
and ``cbind(successes, failures) ~ ...`` for binomial counts.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
import patsy.builtins

from ._design_state import (
    PATSY_FUNCTIONS,
    VARIABLE_KINDS,
    VARIABLE_ROLES,
    check_expression_is_safe,
    check_expressions_fit_data,
    check_formula_size,
    design_info_from_dict,
    design_info_to_dict,
    restricted_namespace,
)
from ._validation import check_choice, check_finite, first_bad, quoted, suggestion
from .errors import (
    DataError,
    FormulaError,
    GlmgenError,
    InvalidParameterError,
    ModelFileError,
    UnsafeFormulaError,
    UnseenLevelError,
)
from .model_file import check_design

FloatArray = npt.NDArray[np.float64]
VariableInput = str | Sequence[float] | npt.NDArray[Any] | pd.Series | None

_DOT = re.compile(r"(?<![\w.\)\]'\"])\.(?![\w.])")
_CLOSING = {"(": ")", "[": "]", "{": "}"}
#: the Python keywords an allowed expression can hold (operators and constants)
_SAFE_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "True", "False", "None"})
_NA_ACTIONS = ("drop", "raise")
#: rows x columns per patsy call when a design matrix is filled chunk by chunk (16 MiB of float64)
DESIGN_CHUNK_CELLS = 2**21
#: patsy transforms whose values on a chunk of rows may differ in rounding from those on all rows
_ROW_COUNT_DEPENDENT = frozenset({"cr", "cc", "te"})
#: a categorical with more levels than this share of the rows, and more than _MANY_LEVELS, is suspicious
_LEVELS_PER_ROW, _MANY_LEVELS = 0.5, 20
#: a text column is suspicious when at least this share of its values are numbers
_NUMERIC_TEXT_SHARE = 0.8
_ROLES = ("weights", "freq_weights", "offset", "exposure")


# --- small records ---------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class ResponseSpec:
    """The left-hand side: one expression, or ``cbind(successes, failures)``."""

    expressions: tuple[str, ...]
    is_cbind: bool

    @property
    def label(self) -> str:
        return f"cbind({', '.join(self.expressions)})" if self.is_cbind else self.expressions[0]


@dataclass(frozen=True)
class DesignMatrix:
    """Numeric model inputs for the rows kept.

    ``X`` is ``(n, p)`` without an intercept column. ``weights`` are the prior
    weights times the binomial trials (R's working prior weights);
    ``trials`` is 1 except for ``cbind`` responses.
    """

    X: FloatArray
    y: FloatArray | None
    weights: FloatArray
    trials: FloatArray
    freq_weights: FloatArray
    offset: FloatArray
    row_labels: pd.Index
    kept: npt.NDArray[np.bool_]
    n_dropped: int = 0
    dropped_message: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    def subset(self, rows: npt.NDArray[np.intp]) -> DesignMatrix:
        """The same design restricted to positions ``rows``."""
        return replace(
            self,
            X=self.X[rows],
            y=None if self.y is None else self.y[rows],
            weights=self.weights[rows],
            trials=self.trials[rows],
            freq_weights=self.freq_weights[rows],
            offset=self.offset[rows],
            row_labels=self.row_labels[rows],
            kept=np.ones(len(rows), dtype=bool),
            n_dropped=0,
            dropped_message=None,
        )


# --- formula text ----------------------------------------------------------------------------------

def tilde_position(formula: str) -> int:
    """Index of the first ``~`` outside brackets, or -1."""
    depth = 0
    for i, char in enumerate(formula):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "~" and depth == 0:
            return i
    return -1


def _split_formula(formula: str) -> tuple[str, str]:
    if not isinstance(formula, str):
        raise InvalidParameterError(f"formula must be a string like 'y ~ x1 + x2', got {type(formula).__name__}.")
    _check_brackets(formula)
    split_at = tilde_position(formula)
    if split_at < 0 or not formula[:split_at].strip():
        raise FormulaError(
            f"formula {formula!r} has no response: write it as 'response ~ predictors', e.g. 'y ~ x1 + x2' or 'y ~ .'."
        )
    return formula[:split_at].strip(), formula[split_at + 1 :].strip()


def _caret(formula: str, position: int) -> str:
    """The formula on one line and a ``^`` under character ``position`` on the next (patsy's style)."""
    return "" if "\n" in formula else f"\n    {formula}\n    {' ' * position}^"


def _check_brackets(formula: str) -> None:
    """Refuse unbalanced ``()``, ``[]`` and ``{}`` (outside quoted strings), pointing at the offending bracket."""
    opened: list[int] = []
    quote = None
    escaped = False
    for i, char in enumerate(formula):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in _CLOSING:
            opened.append(i)
        elif char in ")]}":
            if not opened or _CLOSING[formula[opened[-1]]] != char:
                found = (f"where {_CLOSING[formula[opened[-1]]]!r} was expected" if opened
                         else "that closes nothing")
                raise FormulaError(
                    f"formula {formula!r} has a {char!r} at character {i + 1} {found}; check the brackets."
                    + _caret(formula, i)
                )
            opened.pop()
    if opened:
        i = opened[-1]
        raise FormulaError(
            f"formula {formula!r} has a {formula[i]!r} at character {i + 1} that is never closed; add the "
            f"matching {_CLOSING[formula[i]]!r}." + _caret(formula, i)
        )


def _keyword_tokens(formula: str) -> list[tokenize.TokenInfo]:
    """The Python keywords (``class``, ``lambda``, ``and``, ...) written bare in ``formula``, as tokens."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(formula).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [t for t in tokens if t.type == tokenize.NAME and keyword.iskeyword(t.string)]


def _check_keyword_columns(formula: str, columns: Sequence[object]) -> None:
    """Refuse a data column named by a Python keyword (``class``, ``lambda``) written bare in ``formula``."""
    names = {str(c) for c in columns}
    for token in _keyword_tokens(formula):
        if token.string in names:
            name = token.string
            raise FormulaError(
                f"column {name!r} is a Python keyword, so a formula cannot name it bare: write Q({name!r}) "
                f"instead, e.g. \"y ~ Q({name!r}) + x\" ('y ~ .' quotes such columns itself)."
                + _caret(formula, token.start[1])
            )


def _check_safe_keywords(formula: str) -> None:
    """Under ``safe=True``, refuse keywords no allowed expression uses (``lambda``, ``import``, ...) before
    patsy's parser reads them as formula operators (``lambda v: v`` holds patsy's ``:``)."""
    for token in _keyword_tokens(formula):
        if token.string not in _SAFE_KEYWORDS:
            raise UnsafeFormulaError(
                f"formula {formula!r} uses the Python keyword {token.string!r}, which a checked formula may not "
                "contain (allowed: column names, numbers, operators, patsy's functions and NumPy's elementwise "
                "maths). Pass safe=False only for a formula you trust." + _caret(formula, token.start[1])
            )


def _parse_response(lhs: str) -> ResponseSpec:
    try:
        tree = ast.parse(lhs, mode="eval").body
    except SyntaxError:
        raise FormulaError(f"the response {lhs!r} is not a valid expression.") from None
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "cbind":
        if len(tree.args) != 2 or tree.keywords:
            raise FormulaError(
                f"{lhs!r}: cbind() takes exactly two arguments, cbind(successes, failures)."
            )
        return ResponseSpec(tuple(ast.unparse(arg) for arg in tree.args), True)
    return ResponseSpec((lhs,), False)


def _quote_column(name: str) -> str:
    return name if name.isidentifier() and not keyword.iskeyword(name) else f'Q({name!r})'


def _expression_names(code: str) -> set[str]:
    """Bare names and ``Q("...")`` strings referenced by ``code``."""
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif (quoted_name := _q_name(node)) is not None:
            names.add(quoted_name)
    return names


def _numeric_names(code: str) -> set[str]:
    """Names ``code`` uses as numbers: every name except the bare first argument of ``C(...)``."""
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return set()
    names: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        quoted_name = _q_name(node)
        if quoted_name is not None:
            names.add(quoted_name)
            continue
        if isinstance(node, ast.Name):
            names.add(node.id)
        children = list(ast.iter_child_nodes(node))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "C" and node.args
                and (isinstance(node.args[0], ast.Name) or _q_name(node.args[0]) is not None)):
            children.remove(node.args[0])
        pending.extend(children)
    return names


def _q_name(node: ast.AST) -> str | None:
    """The column name of ``Q("name")``, else ``None``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Q" and node.args
            and isinstance(node.args[0], ast.Constant)):
        return str(node.args[0].value)
    return None


def expand_dot(rhs: str, columns: Sequence[str], exclude: set[str]) -> str:
    """Replace R's ``.`` in a right-hand side with every column not in ``exclude``."""
    if not _DOT.search(rhs):
        return rhs
    others = [c for c in columns if c not in exclude]
    if not others:
        raise FormulaError("'~ .' found no columns besides the response, weights and offsets.")
    return _DOT.sub("(" + " + ".join(_quote_column(str(c)) for c in others) + ")", rhs)


# --- evaluation ------------------------------------------------------------------------------------

def _eval_env(captured: patsy.EvalEnvironment | None) -> patsy.EvalEnvironment:
    base = captured if captured is not None else patsy.EvalEnvironment([])
    return base.with_outer_namespace(restricted_namespace())


def _evaluate(code: str, data: pd.DataFrame, env: patsy.EvalEnvironment, role: str) -> FloatArray:
    """Evaluate an R-style expression on ``data`` to a float vector, with a message naming ``role``."""
    # patsy's Q() looks columns up through the calling frame; here the columns are a plain mapping.
    namespace = {"I": patsy.builtins.I, "Q": data.__getitem__}
    try:
        value = env.with_outer_namespace(namespace).eval(code, inner_namespace=data)
    except NameError as exc:
        raise _unknown_name_error(exc, data, role, code) from None
    except Exception as exc:  # noqa: BLE001 - any failure of the user's expression is reported as such
        raise FormulaError(f"could not evaluate {role} {code!r}: {type(exc).__name__}: {exc}") from None
    return _to_float_vector(value, code, role, len(data))


def _to_float_vector(value: Any, code: str, role: str, n_rows: int) -> FloatArray:
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


def _unknown_name_error(exc: NameError, data: pd.DataFrame, role: str, code: str) -> FormulaError:
    name = getattr(exc, "name", None) or str(exc)
    columns = [str(c) for c in data.columns]
    shown = quoted(columns[:12]) + (f", ... {len(columns)} in total" if len(columns) > 12 else "")
    hint = (" R's offset(...) term is not part of a patsy formula: pass the offset as an argument instead, "
            "e.g. offset='np.log(e)' or exposure='e'." if name == "offset" else suggestion(str(name), columns))
    return FormulaError(
        f"{role} {code!r} refers to {name!r}, which is not a column of the data (columns: {shown}).{hint}"
    )


def _patsy_error(exc: patsy.PatsyError, data: pd.DataFrame) -> FormulaError:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, NameError):
        return _unknown_name_error(cause, data, "formula term", getattr(exc.origin, "code", "") or str(exc))
    if "factor contains missing values" in str(exc):
        origin = exc.origin
        term = origin.code[origin.start:origin.end] if origin is not None else "?"
        return FormulaError(
            f"formula term {term!r} gives missing values (NaN) for some rows although the columns it uses have "
            "none: a transform outside its domain, such as np.log or np.sqrt of a negative number, or 0/0. Check "
            "the range of the column, or change the transform (e.g. np.log1p, or drop those rows first)."
        )
    return FormulaError(str(exc))


# --- the spec --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DesignSpec:
    """Learned, immutable recipe that turns a data frame into a :class:`DesignMatrix`.

    Holds the formula, the patsy ``DesignInfo`` (levels, contrasts, transform
    state), and how the response, weights and offsets are read. It is
    reproduced exactly by ``DesignSpec.from_dict(spec.to_dict())``.
    """

    formula: str
    response: ResponseSpec
    rhs: str
    design_info: patsy.DesignInfo = field(repr=False, compare=False)
    variables: tuple[VariableSpec, ...]
    eval_env: patsy.EvalEnvironment = field(repr=False, compare=False)
    #: built with ``safe=True``: refits from this spec's formula should check it again
    safe: bool = field(default=False, compare=False)

    @property
    def fit_intercept(self) -> bool:
        return "Intercept" in self.design_info.column_names

    @property
    def column_names(self) -> list[str]:
        return [c for c in self.design_info.column_names if c != "Intercept"]

    @property
    def term_slices(self) -> dict[str, slice]:
        """Formula term name -> slice of columns in ``X`` (the intercept excluded)."""
        shift = 1 if self.fit_intercept else 0
        return {
            term.name(): slice(s.start - shift, s.stop - shift)
            for term, s in self.design_info.term_slices.items()
            if term.name() != "Intercept"
        }

    def variable(self, role: str) -> VariableSpec | None:
        return next((v for v in self.variables if v.role == role), None)

    # -- building -----------------------------------------------------------------------------------

    def build(
        self,
        data: pd.DataFrame,
        *,
        need_response: bool = True,
        need_offset: bool = True,
        na_action: str = "drop",
        arrays: dict[str, Any] | None = None,
    ) -> DesignMatrix:
        """Apply the learned design to ``data``.

        ``arrays`` supplies per-row variables that were given as arrays at fit
        time (by role: ``"offset"``, ``"weights"``, ...), for the rows of ``data``.
        With ``need_offset=False`` offsets and exposures are not read (zeros).
        """
        if self.safe:  # e.g. a loaded model: check every expression again right before evaluating any
            self.check_savable()
        data = _check_frame(data)
        arrays = {role: values for role, values in (arrays or {}).items() if values is not None}
        roles = _ROLES if need_offset else ("weights", "freq_weights")
        codes = [factor.code for factor in self.design_info.factor_infos]
        codes += [str(v.source) for v in self.variables if v.kind != "array" and v.role in roles]
        codes += list(self.response.expressions) if need_response else []
        if self.safe:  # names resolve to data columns only, never to Python's builtins
            check_expressions_fit_data(codes, data)
        arrays = {role: values for role, values in arrays.items() if role in roles}
        for role, values in arrays.items():
            if np.ndim(values) != 1 or len(values) != len(data):
                raise DataError(f"{role} has {np.shape(values)} values but data has {len(data)} rows; give one value "
                                "per row of the new data.")
        columns = _used_columns(data, codes)
        self._check_new_columns(data, columns)
        data = self._as_trained_types(data)
        keep, n_dropped, message = _rows_to_keep(data, columns, arrays, na_action)
        kept = _model_frame(data.loc[keep, columns] if n_dropped else data, columns, codes)  # used columns only
        return self._assemble(kept, self._design_matrix(kept), arrays, keep, need_response, roles, n_dropped, message)

    def _assemble(
        self,
        kept: pd.DataFrame,
        X: FloatArray,
        arrays: dict[str, Any],
        keep: npt.NDArray[np.bool_],
        need_response: bool,
        roles: Sequence[str],
        n_dropped: int,
        message: str | None,
    ) -> DesignMatrix:
        kept_arrays = {role: np.asarray(values, dtype=float)[keep] for role, values in arrays.items()}
        values = {role: self._variable_values(role, kept, kept_arrays) if role in roles else None
                  for role in _ROLES}
        y, trials = self._response(kept) if need_response else (None, np.ones(len(kept)))
        ones = np.ones(len(kept))
        offset = np.zeros(len(kept)) if values["offset"] is None else values["offset"]
        if values["exposure"] is not None:
            offset = offset + np.log(values["exposure"])
        weights = ones if values["weights"] is None else values["weights"]
        return DesignMatrix(
            X=X,
            y=y,
            weights=weights * trials,
            trials=trials,
            freq_weights=ones if values["freq_weights"] is None else values["freq_weights"],
            offset=offset,
            row_labels=kept.index,
            kept=keep,
            n_dropped=n_dropped,
            dropped_message=message,
        )

    def _design_matrix(self, data: pd.DataFrame) -> FloatArray:
        columns = _plain_numeric_columns([t for t in self.design_info.terms], data)
        if columns is not None:
            return self._checked(_column_matrix(data, columns), data)
        self._check_levels(data)
        return self._finish_matrix(data)

    def _finish_matrix(self, data: pd.DataFrame) -> FloatArray:
        """patsy's matrix for ``data`` without the intercept column (:func:`_patsy_matrix`), then :meth:`_checked`."""
        return self._checked(_patsy_matrix(self.design_info, data), data)

    def _checked(self, X: FloatArray, data: pd.DataFrame) -> FloatArray:
        """``X`` after checking every column is finite (the message names the column and row)."""
        for j, name in enumerate(self.column_names):
            check_finite(f"design column {name!r}", X[:, j], data.index,
                         "Check the data column and any transform in the formula (e.g. log of 0).")
        return X

    def _check_levels(self, data: pd.DataFrame) -> None:
        """Refuse categorical levels not seen in training, naming the column and the level."""
        for factor, info in self.design_info.factor_infos.items():
            if info.type != "categorical":
                continue
            try:
                values = factor.eval(info.state, data)
            except Exception:  # noqa: BLE001 - patsy reports evaluation errors itself just below
                continue
            values = getattr(values, "data", values)
            seen = set(info.categories)
            unseen = [v for v in pd.unique(pd.Series(np.asarray(values, dtype=object))) if v not in seen]
            if unseen:
                known = quoted(info.categories[:6]) + (f", ... {len(info.categories)} in total"
                                                       if len(info.categories) > 6 else "")
                column = next(iter(_expression_names(factor.code) & {str(c) for c in data.columns}), factor.code)
                raise UnseenLevelError(
                    f"column {column!r} (term {factor.name()!r}) has level {unseen[0]!r} in new data that was not "
                    f"seen in training (known levels: {known}). Map it to a known level, or refit with "
                    "C(column, levels=[...]) listing every level."
                )

    def _variable_values(self, role: str, data: pd.DataFrame, arrays: dict[str, FloatArray]) -> FloatArray | None:
        spec = self.variable(role)
        if spec is None:
            return None
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
                raise _unknown_name_error(missing, data, f"{role} column", str(spec.source))
            values = _to_float_vector(data[spec.source], spec.source, role, len(data))
        else:
            values = _evaluate(str(spec.source), data, self.eval_env, role)
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

    def _response(self, data: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
        if not self.response.is_cbind:
            y = _evaluate(self.response.expressions[0], data, self.eval_env, "response")
            check_finite(f"response {self.response.label!r}", y, data.index, "Remove or correct those rows.")
            return y, np.ones(len(data))
        successes, failures = (
            _evaluate(code, data, self.eval_env, "cbind() count") for code in self.response.expressions
        )
        for code, counts in zip(self.response.expressions, (successes, failures)):
            check_finite(f"cbind() count {code!r}", counts, data.index, "Remove or correct those rows.")
            negative = counts < 0
            if negative.any():
                count, row = first_bad(negative, data.index)
                raise DataError(
                    f"cbind(successes, failures) needs counts >= 0, but {count} value"
                    f"{'s' if count > 1 else ''} of {code!r} {'are' if count > 1 else 'is'} negative (first: row "
                    f"{row}, value {counts[np.flatnonzero(negative)[0]]:g}). If you have successes and trials, "
                    "write cbind(successes, trials - successes); successes cannot exceed trials."
                )
        trials = successes + failures
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(trials > 0, successes / np.where(trials > 0, trials, 1.0), 0.0)
        return y, trials

    def transform(self, data: pd.DataFrame) -> FloatArray:
        """Only the design matrix ``X`` for ``data`` (no response needed)."""
        if self.safe:
            self.check_savable()
        data = _check_frame(data)
        codes = [factor.code for factor in self.design_info.factor_infos]
        if self.safe:
            check_expressions_fit_data(codes, data)
        columns = _used_columns(data, codes)
        self._check_new_columns(data, columns)
        return self._design_matrix(_model_frame(self._as_trained_types(data), columns, codes))

    def _as_trained_types(self, data: pd.DataFrame) -> pd.DataFrame:
        """New ``data`` with column types patsy can match to what it learned: a boolean column where training
        had a number becomes 0.0/1.0, and a pandas Categorical used as a factor becomes plain values (patsy
        refuses a Categorical whose categories differ in order or number from training's, even when every
        value is a known level; unknown levels are still refused by :meth:`_check_levels`)."""
        converted: dict[str, Any] = {}
        for factor, info in self.design_info.factor_infos.items():
            if info.type == "numerical":
                code = factor.code
                if code in data.columns and pd.api.types.is_bool_dtype(data[code].dtype) and not data[code].isna().any():
                    converted[code] = data[code].to_numpy(dtype=float)
                continue
            for name in _expression_names(factor.code) & {c for c in data.columns if isinstance(c, str)}:
                if isinstance(data[name].dtype, pd.CategoricalDtype):
                    converted[name] = data[name].to_numpy(dtype=object)
        return data.assign(**converted) if converted else data

    def _check_new_columns(self, data: pd.DataFrame, columns: Sequence[Any]) -> None:
        """Refuse unusable column types, and text where the model was fitted on a numeric column."""
        _check_column_types(data, columns)
        for factor, info in self.design_info.factor_infos.items():
            if info.type != "numerical":
                continue
            name = factor.code if factor.code in data.columns else _q_name(ast.parse(factor.code, mode="eval").body)
            if name not in data.columns:
                continue
            values = data[name]
            if not (pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
                example = next(iter(values.dropna()), None)
                raise DataError(
                    f"column {name!r} was numeric when the model was fitted, but the new data holds "
                    f"{values.dtype} values (e.g. {example!r}). Convert it: df[{name!r}] = "
                    f"pd.to_numeric(df[{name!r}], errors='coerce') (values that are not numbers become missing)."
                )

    # -- persistence --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "response": {"expressions": list(self.response.expressions), "is_cbind": self.response.is_cbind},
            "rhs": self.rhs,
            "design_info": design_info_to_dict(self.design_info),
            "variables": [v.to_dict() for v in self.variables],
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> DesignSpec:
        """Rebuild a spec from :meth:`to_dict` output, refusing (with :class:`ModelFileError` naming the field)
        anything outside the closed schema of :func:`glmgen.model_file.check_design`, which includes every
        expression outside the allow-list. The spec is ``safe``: it checks its expressions again before
        each evaluation."""
        check_design(saved)
        env = patsy.EvalEnvironment([restricted_namespace()])
        design_info = design_info_from_dict(saved["design_info"], env)
        try:
            check_formula_size(saved["rhs"])
            rhs_terms = {term.name() for term in _rhs_terms(saved["rhs"])}
        except (FormulaError, RecursionError):
            rhs_terms = set()
        if rhs_terms != set(design_info.term_names):
            raise ModelFileError("model file field 'design.rhs': its terms are not the terms of design.design_info; "
                                 "the file is damaged or was edited.")
        return cls(
            formula=saved["formula"],
            response=ResponseSpec(tuple(saved["response"]["expressions"]), saved["response"]["is_cbind"]),
            rhs=saved["rhs"],
            design_info=design_info,
            variables=tuple(VariableSpec(**v) for v in saved["variables"]),
            eval_env=env,
            safe=True,
        )

    def check_savable(self) -> None:
        """Raise :class:`UnsafeFormulaError` unless every expression the spec evaluates passes
        :func:`check_expression_is_safe` (what :meth:`from_dict` requires of a file)."""
        codes = [f.code for f in self.design_info.factor_infos] + list(self.response.expressions)
        codes += [str(v.source) for v in self.variables if v.kind not in ("column", "array")]
        for code in codes:
            check_expression_is_safe(code)


def _used_columns(data: pd.DataFrame, codes: Sequence[str]) -> list[Any]:
    """The columns of ``data`` that ``codes`` (expressions, or column names) read, in the data's order."""
    names: set[str] = set()
    for code in codes:
        names |= {code} if code in data.columns else _expression_names(code)
    return [c for c in data.columns if str(c) in names]


def _check_column_types(data: pd.DataFrame, columns: Sequence[Any]) -> None:
    """Refuse column types a model cannot use as they are: complex numbers, dates, durations, and object
    columns whose mixed value types make levels ambiguous (:func:`_check_mixed_levels`)."""
    for column in columns:
        name, dtype = str(column), data[column].dtype
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


def _model_frame(data: pd.DataFrame, columns: Sequence[Any], codes: Sequence[str]) -> pd.DataFrame:
    """``data`` with its model ``columns`` as the formula should see them (other columns untouched, not copied).

    Integer and nullable-number columns used as numbers become float64, as R computes in doubles
    (``I(x**2)`` of a large int64 ``x`` would otherwise overflow silently); integers used only as
    ``C(x)`` keep their values (level names ``2``, not ``2.0``). Nullable ``boolean`` columns become
    numpy booleans once their NA rows are gone.
    """
    numeric = set().union(*(_numeric_names(code) if code not in data.columns else {code} for code in codes))
    converted: dict[Any, npt.NDArray[Any]] = {}
    for column in columns:
        series = data[column]
        dtype = series.dtype
        masked = isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "biuf"
        if pd.api.types.is_bool_dtype(dtype):
            if masked and not series.isna().any():
                converted[column] = series.to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(dtype) or (masked and dtype.kind == "f"):
            if str(column) in numeric or series.isna().any():
                converted[column] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            elif masked:
                converted[column] = series.to_numpy(dtype=np.int64)
    if not converted:
        return data
    frame = data.copy(deep=False)
    for column, values in converted.items():
        frame[column] = values
    return frame


def _rows_to_keep(
    data: pd.DataFrame, columns: Sequence[Any], arrays: dict[str, Any], na_action: str
) -> tuple[npt.NDArray[np.bool_], int, str | None]:
    """Rows without NA in any of ``columns`` (or an array variable).

    Returns the mask, the number of rows dropped and a message naming the
    columns; with ``na_action="raise"`` any NA raises instead.
    """
    # Column by column: one n-vector at a time, never a copy of the used columns.
    masks = {str(c): data[c].isna().to_numpy() for c in columns}
    masks |= {f"{role} array": pd.isna(np.asarray(values, dtype=float)) for role, values in arrays.items()}
    any_missing = np.zeros(len(data), dtype=bool)
    for mask in masks.values():
        any_missing |= mask
    if not any_missing.any():
        return ~any_missing, 0, None
    counts = {name: int(mask.sum()) for name, mask in masks.items()}
    per_column = ", ".join(f"{c!r} ({n})" for c, n in counts.items() if n > 0)
    n_dropped, first_row = first_bad(any_missing, data.index)
    message = f"{n_dropped} of {len(data)} rows with missing values in {per_column} (first: row {first_row})"
    if na_action == "raise":
        raise DataError(f"found {message}. Remove or impute them, or pass na_action='drop' to drop those rows.")
    if n_dropped == len(data):
        raise DataError(f"no rows are left to fit: {message}.")
    return ~any_missing, n_dropped, message


def _check_frame(data: Any) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, dict):
            data = pd.DataFrame(data)
        else:
            raise InvalidParameterError(
                f"data must be a pandas DataFrame, got {type(data).__name__}. Wrap arrays with pd.DataFrame(...)."
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


def _variable_spec(role: str, value: VariableInput, data: pd.DataFrame) -> tuple[VariableSpec | None, Any]:
    """The spec for a per-row variable and, for arrays, the values."""
    if value is None:
        return None, None
    if isinstance(value, str):
        if value in data.columns:
            return VariableSpec(role, "column", value), None
        return VariableSpec(role, "expression", value), None
    values = np.asarray(value)
    if values.ndim != 1 or len(values) != len(data):
        raise DataError(
            f"{role} has {values.shape} values but data has {len(data)} rows; give one value per row, "
            "or a column name."
        )
    if not np.issubdtype(values.dtype, np.number) and values.dtype != bool:
        raise DataError(f"{role} must be numeric, got {values.dtype} values.")
    return VariableSpec(role, "array"), values.astype(float)


def build_design(
    formula: str,
    data: pd.DataFrame,
    *,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    na_action: str = "drop",
    eval_env: patsy.EvalEnvironment | None = None,
    safe: bool = False,
) -> tuple[DesignSpec, DesignMatrix]:
    """Learn a :class:`DesignSpec` from ``data`` and build its :class:`DesignMatrix`.

    Parameters
    ----------
    formula : str
        patsy formula, plus ``y ~ .`` and ``cbind(successes, failures) ~ ...``.
    data : DataFrame
        Training rows. Rows with NA in any column the model uses are dropped
        (``na_action="drop"``, recorded in the matrix) or refused (``"raise"``).
    weights, freq_weights, offset, exposure
        Column name, expression string, or array with one value per row.
        ``exposure=e`` adds ``log(e)`` to the offset.
    eval_env : patsy.EvalEnvironment
        Namespace for names in the formula besides data columns (the caller's).
    safe : bool
        Check every expression the design evaluates (formula terms, response, weight and offset
        expressions) against the allow-list of ``check_expression_is_safe`` before evaluating any,
        raising :class:`UnsafeFormulaError`. A formula is Python code run in the caller's session.
    """
    na_action = check_choice("na_action", na_action, _NA_ACTIONS)
    data = _check_frame(data)
    lhs, rhs = _split_formula(formula)
    _check_keyword_columns(formula, data.columns)
    if safe:
        _check_safe_keywords(formula)
        check_formula_size(formula)  # before patsy expands (a + ... + v)**22 into millions of terms
    response = _parse_response(lhs)
    arrays: dict[str, Any] = {}
    variables = []
    for role, value in zip(_ROLES, (weights, freq_weights, offset, exposure)):
        spec, values = _variable_spec(role, value, data)
        if spec is not None:
            variables.append(spec)
        if values is not None:
            arrays[role] = values
    excluded = set().union(*(_expression_names(code) for code in response.expressions))
    excluded |= {str(v.source) for v in variables if v.kind == "column"}
    rhs = expand_dot(rhs, [str(c) for c in data.columns], excluded)
    env = _eval_env(eval_env)
    terms = _rhs_terms(rhs)
    rhs_codes = [f.code for term in terms for f in term.factors]
    if safe:
        expressions = [str(v.source) for v in variables if v.kind == "expression"]
        for code in rhs_codes + list(response.expressions) + expressions:
            check_expression_is_safe(code)
    _check_response_not_predictor(response, rhs_codes)
    codes = rhs_codes + [str(v.source) for v in variables if v.kind != "array"] + list(response.expressions)
    columns = _used_columns(data, codes)
    _check_column_types(data, columns)
    _check_no_intercept_column(_used_columns(data, rhs_codes))
    keep, n_dropped, message = _rows_to_keep(data, columns, arrays, na_action)
    kept = _model_frame(data.loc[keep, columns] if n_dropped else data, columns, codes)  # used columns only
    if safe:  # checked expressions may read only data columns (not Python's builtins), with bounded growth
        check_expressions_fit_data(codes, kept)
    # Learn the design on the rows that will be fitted, so NA rows cannot shape levels or transforms.
    # Plain numeric columns carry no learned state: patsy learns their names from one row, and the
    # matrix is taken straight from the frame (the same values patsy would produce, much faster).
    if _plain_numeric_columns(terms, kept) is not None:
        spec = DesignSpec(formula=f"{lhs} ~ {rhs}", response=response, rhs=rhs,
                          design_info=_numeric_design_info(terms, env), variables=tuple(variables), eval_env=env,
                          safe=safe)
        return spec, spec._assemble(kept, spec._design_matrix(kept), arrays, keep, True, _ROLES, n_dropped, message)
    # What patsy.dmatrix learns (in one pass over all rows, as it does), without building its matrix.
    try:
        design_info = patsy.incr_dbuilder(rhs, lambda: iter([kept]), eval_env=env, NA_action="raise")
    except patsy.PatsyError as exc:
        raise _patsy_error(exc, kept) from None
    except GlmgenError:
        raise
    except (ValueError, TypeError, ArithmeticError) as exc:  # a transform refusing its arguments, e.g. bs(degree=500)
        raise FormulaError(f"the formula terms {rhs!r} could not be built: {type(exc).__name__}: {exc}") from None
    spec = DesignSpec(
        formula=f"{lhs} ~ {rhs}", response=response, rhs=rhs, design_info=design_info,
        variables=tuple(variables), eval_env=env, safe=safe,
    )
    return spec, spec._assemble(kept, spec._finish_matrix(kept), arrays, keep, True, _ROLES, n_dropped, message)


def data_warnings(spec: DesignSpec, design: DesignMatrix, data: pd.DataFrame) -> list[str]:
    """Messages (for :class:`DataWarning`) about valid but suspicious categorical columns of the model.

    A text column whose non-missing values are at least 80% numbers is probably a numeric column with
    missing-value markers (a CSV's ``"?"``); a categorical with more levels than half the rows (and
    more than 20) gives nearly one coefficient per row. ``data`` is the frame ``design`` was built from.
    """
    messages = []
    seen: set[str] = set()
    for factor, info in spec.design_info.factor_infos.items():
        columns = _used_columns(data, [factor.code]) if info.type == "categorical" else []
        if len(columns) != 1 or str(columns[0]) in seen:
            continue
        name = str(columns[0])
        seen.add(name)
        levels = len(info.categories)
        message = _numeric_text_message(name, data[columns[0]][design.kept], levels)
        if message is None and levels == 1:
            message = (
                f"column {name!r} has a single level ({str(info.categories[0])!r}) on the {design.n_rows} fitted "
                "rows, so it cannot explain anything (with an intercept it gives no column at all; R refuses "
                "such a factor). Leave it out of the formula, or check the rows kept."
            )
        if message is None and levels > max(_MANY_LEVELS, _LEVELS_PER_ROW * design.n_rows):
            message = (
                f"column {name!r} is categorical with {levels} levels for {design.n_rows} rows: nearly one "
                "coefficient per row, so the model can memorise the training rows instead of generalizing (is "
                f"it an identifier?). Leave it out of the formula (e.g. 'y ~ . - {name}'), or merge rare levels."
            )
        if message is not None:
            messages.append(message)
    return messages


def _numeric_text_message(name: str, values: pd.Series, levels: int) -> str | None:
    """The warning for a text column whose values are mostly numbers, else ``None``."""
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
        return None
    text = values.dropna().astype(str).str.strip()
    is_number = pd.to_numeric(text, errors="coerce").notna()
    if text.empty or is_number.mean() < _NUMERIC_TEXT_SHARE:
        return None
    others = text[~is_number].value_counts()
    if others.empty:
        found = "all of its values are numbers written as text"
    else:
        shown = ", ".join(f"{value!r} ({count} row{'s' if count > 1 else ''})"
                          for value, count in others.head(5).items())
        more = f" and {len(others) - 5} other values" if len(others) > 5 else ""
        found = f"{is_number.mean():.0%} of its {len(text)} values are numbers; the others are {shown}{more}"
    return (
        f"column {name!r} holds text, but {found}. It is used as a categorical with {levels} levels. If it is a "
        f"number, convert it before fitting: df[{name!r}] = pd.to_numeric(df[{name!r}], errors='coerce') (the "
        "other values become missing), or read the file with pd.read_csv(..., na_values=[...]) listing its "
        "missing-value markers."
    )


def _normalized_code(code: str) -> str:
    try:
        return ast.unparse(ast.parse(code.strip(), mode="eval"))
    except (SyntaxError, RecursionError):  # too deep to normalise: compare the text as written
        return code.strip()


def _check_response_not_predictor(response: ResponseSpec, rhs_codes: Sequence[str]) -> None:
    """Refuse ``y ~ y + x``: the response predicts itself exactly (R drops it from the right side with a
    warning; a silent perfect fit is never the intended model)."""
    if response.is_cbind:
        return
    target = _normalized_code(response.expressions[0])
    if any(_normalized_code(code) == target for code in rhs_codes):
        raise FormulaError(
            f"the response {response.label!r} is also a predictor on the right side of the formula, so it "
            f"would predict itself exactly. Remove {response.label!r} from the right side ('y ~ .' leaves the "
            "response out by itself)."
        )


def _check_no_intercept_column(predictors: Sequence[Any]) -> None:
    """Refuse a predictor column named ``Intercept``: its coefficient would share the intercept's name."""
    if "Intercept" in {str(c) for c in predictors}:
        raise DataError(
            "the data column 'Intercept' is used as a predictor, but 'Intercept' names the model's intercept, so "
            "the two coefficients would collide. Rename the column, e.g. df.rename(columns={'Intercept': "
            "'intercept_col'}), or leave it out of the formula (y ~ . - Intercept); the intercept is added "
            "automatically (remove it with '- 1')."
        )


def _numeric_design_info(terms: Sequence[patsy.Term], env: patsy.EvalEnvironment) -> patsy.DesignInfo:
    """patsy's ``DesignInfo`` for terms that are each one plain numeric column (nothing to learn).

    Equal to what ``patsy.dmatrix`` would learn, built directly: patsy's own
    builder is superlinear in the number of terms (over a second for 200).
    """
    from collections import OrderedDict

    from patsy.design_info import FactorInfo, SubtermInfo

    factor_infos = {}
    codings: OrderedDict[patsy.Term, list[SubtermInfo]] = OrderedDict()
    names = []
    for term in sorted(terms, key=lambda t: len(t.factors)):  # patsy puts the intercept first
        for factor in term.factors:
            state: dict[str, Any] = {}
            factor.memorize_passes_needed(state, env)
            factor_infos[factor] = FactorInfo(factor, "numerical", state, num_columns=1)
        codings[term] = [SubtermInfo(list(term.factors), {}, 1)]
        names.append(term.name())
    return patsy.DesignInfo(names, factor_infos=factor_infos, term_codings=codings)


def _plain_numeric_columns(terms: Sequence[patsy.Term], data: pd.DataFrame) -> list[str] | None:
    """Column names when every term is one numeric (non-boolean) data column used as is, else ``None``."""
    columns = []
    for term in terms:
        if not term.factors:
            continue
        if len(term.factors) != 1:
            return None
        code = term.factors[0].code
        if code not in data.columns:
            return None
        dtype = data[code].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            return None
        columns.append(code)
    return columns


def _column_matrix(data: pd.DataFrame, columns: list[str]) -> FloatArray:
    """``data[columns]`` as a column-major float matrix."""
    X = np.empty((len(data), len(columns)), order="F")
    for j, column in enumerate(columns):
        X[:, j] = data[column].to_numpy(dtype=float)
    return X


def _patsy_matrix(design_info: patsy.DesignInfo, data: pd.DataFrame) -> FloatArray:
    """patsy's design matrix for ``data`` without the intercept column, column-major.

    Built into one preallocated ``(n, p)`` array, ``DESIGN_CHUNK_CELLS / (p + 1)``
    rows per ``patsy.build_design_matrices`` call when every factor is row-wise
    (:func:`_is_rowwise`), so that besides the result only one chunk is alive;
    the values are those of one call on all rows. Otherwise in one call.
    """
    names = design_info.column_names
    intercept = names.index("Intercept") if "Intercept" in names else len(names)
    n_rows = len(data)
    step = max(1, DESIGN_CHUNK_CELLS // max(1, len(names))) if _is_rowwise(design_info, data) else n_rows
    X = np.empty((n_rows, len(names) - (intercept < len(names))), order="F")
    for start in range(0, n_rows, step):
        try:
            (matrix,) = patsy.build_design_matrices([design_info], data.iloc[start : start + step], NA_action="raise")
        except patsy.PatsyError as exc:
            raise _patsy_error(exc, data) from None
        X[start : start + step, :intercept] = matrix[:, :intercept]
        X[start : start + step, intercept:] = matrix[:, intercept + 1 :]
        del matrix  # before patsy builds the next chunk
    return X


def _is_rowwise(design_info: patsy.DesignInfo, data: pd.DataFrame) -> bool:
    """Whether each factor's value for a row depends only on that row (and learned state).

    True when every factor is an allow-listed expression (numpy's elementwise
    maths, patsy's transforms and contrasts, see ``check_expression_is_safe``)
    of data columns only, so it gives the same values chunk by chunk as on all
    rows at once. A name from the caller's namespace (maybe an array over all
    rows) or a method call such as ``x.mean()`` makes it False, as do the mgcv
    splines ``cr``/``cc``/``te``, whose constraint projection is a BLAS product
    that may round differently on fewer rows.
    """
    allowed = {str(c) for c in data.columns} | (PATSY_FUNCTIONS - _ROW_COUNT_DEPENDENT) | {"np", "numpy"}
    for factor in design_info.factor_infos:
        try:
            check_expression_is_safe(factor.code)
        except UnsafeFormulaError:
            return False
        if not _expression_names(factor.code) <= allowed:
            return False
    return True


def _rhs_terms(rhs: str) -> list[patsy.Term]:
    """The right-hand side's terms (intercept first), as patsy parses them."""
    simple = _sum_of_names(rhs)
    if simple is not None:
        return simple
    try:
        return patsy.ModelDesc.from_formula(rhs).rhs_termlist
    except patsy.PatsyError as exc:
        raise FormulaError(str(exc)) from None


def _sum_of_names(rhs: str) -> list[patsy.Term] | None:
    """Terms of ``a + b - c + ...`` without patsy's parser, which recurses once per ``+`` and overflows the
    stack on thousands of columns (``y ~ .`` on wide data); ``None`` for anything else.

    Follows patsy's (and R's) rules: ``+ 1`` / ``- 0`` add the intercept and ``+ 0`` / ``- 1`` remove it,
    the last one written wins; ``- name`` removes a term added before it. A bracketed group (what
    ``y ~ .`` expands to) may follow a ``+`` and hold names joined by ``+`` only.
    """
    tokens = re.findall(r"[()+-]|[^\s()+-]+", rhs)
    intercept = True
    names: dict[str, None] = {}
    sign, depth, position = "+", 0, 0
    for position, token in enumerate(tokens):
        expects_item = position == 0 or tokens[position - 1] in "+-("
        if token in "+-":
            if expects_item and not (position == 0 and token == "-"):
                return None
            sign = token
        elif token == "(":
            if depth or sign == "-" or not expects_item:
                return None
            depth = 1
        elif token == ")":
            if not depth or expects_item:
                return None
            depth = 0
        elif not expects_item:
            return None
        elif token in ("0", "1"):
            if depth:
                return None
            intercept = (token == "1") == (sign == "+")
        elif not token.isidentifier() or keyword.iskeyword(token) or (depth and sign == "-"):
            return None
        elif sign == "+":
            names.setdefault(token)
        elif position == 1:  # a leading "- name": patsy refuses it with its own message
            return None
        else:
            names.pop(token, None)
    if not tokens or depth or tokens[-1] in "+-":
        return None
    return ([patsy.Term([])] if intercept else []) + [patsy.Term([patsy.EvalFactor(name)]) for name in names]