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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
import patsy.builtins

from ._design_state import (
    check_expression_is_safe,
    design_info_from_dict,
    design_info_to_dict,
    restricted_namespace,
)
from ._validation import check_choice, check_finite, first_bad, quoted, suggestion
from .errors import DataError, FormulaError, InvalidParameterError, UnseenLevelError

FloatArray = npt.NDArray[np.float64]
VariableInput = str | Sequence[float] | npt.NDArray[Any] | pd.Series | None

_DOT = re.compile(r"(?<![\w.\)\]'\"])\.(?![\w.])")
_NA_ACTIONS = ("drop", "raise")
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
    split_at = tilde_position(formula)
    if split_at < 0 or not formula[:split_at].strip():
        raise FormulaError(
            f"formula {formula!r} has no response: write it as 'response ~ predictors', e.g. 'y ~ x1 + x2' or 'y ~ .'."
        )
    return formula[:split_at].strip(), formula[split_at + 1 :].strip()


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
    return name if name.isidentifier() else f'Q({name!r})'


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
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Q"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value))
    return names


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
    return FormulaError(
        f"{role} {code!r} refers to {name!r}, which is not a column of the data "
        f"(columns: {shown}).{suggestion(str(name), columns)}"
    )


def _patsy_error(exc: patsy.PatsyError, data: pd.DataFrame) -> FormulaError:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, NameError):
        return _unknown_name_error(cause, data, "formula term", getattr(exc.origin, "code", "") or str(exc))
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
        data = _check_frame(data)
        arrays = {role: values for role, values in (arrays or {}).items() if values is not None}
        roles = _ROLES if need_offset else ("weights", "freq_weights")
        codes = [factor.code for factor in self.design_info.factor_infos]
        codes += [str(v.source) for v in self.variables if v.kind != "array" and v.role in roles]
        codes += list(self.response.expressions) if need_response else []
        arrays = {role: values for role, values in arrays.items() if role in roles}
        keep, n_dropped, message = _rows_to_keep(data, codes, arrays, na_action)
        kept = data[keep] if n_dropped else data
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
        try:
            (matrix,) = patsy.build_design_matrices([self.design_info], data, NA_action="raise")
        except patsy.PatsyError as exc:
            raise _patsy_error(exc, data) from None
        return self._finish_matrix(np.asarray(matrix, dtype=float), data)

    def _finish_matrix(self, X: FloatArray, data: pd.DataFrame) -> FloatArray:
        """Drop patsy's intercept column, then :meth:`_checked`."""
        if self.fit_intercept:
            X = np.delete(X, self.design_info.column_names.index("Intercept"), axis=1)
        return self._checked(np.asfortranarray(X), data)

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
        return self._design_matrix(_check_frame(data))

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
        """Rebuild a spec from :meth:`to_dict` output, refusing any expression outside the allow-list."""
        env = patsy.EvalEnvironment([restricted_namespace()])
        response = ResponseSpec(tuple(saved["response"]["expressions"]), bool(saved["response"]["is_cbind"]))
        for code in response.expressions:
            check_expression_is_safe(code)
        variables = tuple(VariableSpec(**v) for v in saved["variables"])
        for variable in variables:
            if variable.kind == "expression":
                check_expression_is_safe(str(variable.source))
        return cls(
            formula=str(saved["formula"]),
            response=response,
            rhs=str(saved["rhs"]),
            design_info=design_info_from_dict(saved["design_info"], env),
            variables=variables,
            eval_env=env,
        )

    def check_savable(self) -> None:
        """Raise before writing a file that :meth:`from_dict` would refuse to load."""
        codes = [f.code for f in self.design_info.factor_infos] + list(self.response.expressions)
        codes += [str(v.source) for v in self.variables if v.kind == "expression"]
        for code in codes:
            check_expression_is_safe(code)


def _rows_to_keep(
    data: pd.DataFrame, codes: Sequence[str], arrays: dict[str, Any], na_action: str
) -> tuple[npt.NDArray[np.bool_], int, str | None]:
    """Rows without NA in any column that ``codes`` (or an array variable) reads.

    Returns the mask, the number of rows dropped and a message naming the
    columns; with ``na_action="raise"`` any NA raises instead.
    """
    names: set[str] = set()
    for code in codes:
        names |= {code} if code in data.columns else _expression_names(code)
    columns = [c for c in data.columns if str(c) in names]
    missing = data[columns].isna() if columns else pd.DataFrame(index=data.index)
    for role, values in arrays.items():
        missing[f"{role} array"] = pd.isna(np.asarray(values, dtype=float))
    if missing.shape[1] == 0:
        return np.ones(len(data), dtype=bool), 0, None
    any_missing = missing.any(axis=1).to_numpy()
    if not any_missing.any():
        return ~any_missing, 0, None
    counts = missing.sum()
    per_column = ", ".join(f"{c!r} ({n})" for c, n in counts[counts > 0].items())
    n_dropped, first_row = first_bad(any_missing, data.index)
    message = f"{n_dropped} of {len(data)} rows have missing values in {per_column} (first: row {first_row})"
    if na_action == "raise":
        raise DataError(f"{message}. Remove or impute them, or pass na_action='drop' to drop those rows.")
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
    """
    na_action = check_choice("na_action", na_action, _NA_ACTIONS)
    data = _check_frame(data)
    lhs, rhs = _split_formula(formula)
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
    codes = [f.code for term in _rhs_terms(rhs) for f in term.factors]
    codes += [str(v.source) for v in variables if v.kind != "array"] + list(response.expressions)
    keep, n_dropped, message = _rows_to_keep(data, codes, arrays, na_action)
    kept = data[keep] if n_dropped else data
    # Learn the design on the rows that will be fitted, so NA rows cannot shape levels or transforms.
    # Plain numeric columns carry no learned state: patsy learns their names from one row, and the
    # matrix is taken straight from the frame (the same values patsy would produce, much faster).
    terms = _rhs_terms(rhs)
    if _plain_numeric_columns(terms, kept) is not None:
        spec = DesignSpec(formula=f"{lhs} ~ {rhs}", response=response, rhs=rhs,
                          design_info=_numeric_design_info(terms, env), variables=tuple(variables), eval_env=env)
        return spec, spec._assemble(kept, spec._design_matrix(kept), arrays, keep, True, _ROLES, n_dropped, message)
    try:
        matrix = patsy.dmatrix(rhs, kept, eval_env=env, NA_action="raise", return_type="matrix")
    except patsy.PatsyError as exc:
        raise _patsy_error(exc, kept) from None
    spec = DesignSpec(
        formula=f"{lhs} ~ {rhs}", response=response, rhs=rhs, design_info=matrix.design_info,
        variables=tuple(variables), eval_env=env,
    )
    X = spec._finish_matrix(np.asarray(matrix, dtype=float), kept)
    return spec, spec._assemble(kept, X, arrays, keep, True, _ROLES, n_dropped, message)


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
    """Terms of ``a + b + ...`` (optionally parenthesised, with ``0``/``1`` for the intercept) without
    patsy's parser, which recurses once per ``+`` and overflows the stack on thousands of columns
    (``y ~ .`` on wide data); ``None`` for anything else."""
    tokens = [t.strip() for t in rhs.replace("(", " ").replace(")", " ").split("+")]
    if not tokens or not all(t.isidentifier() or t in ("0", "1") for t in tokens):
        return None
    names = list(dict.fromkeys(t for t in tokens if t not in ("0", "1")))
    intercept = [] if "0" in tokens else [patsy.Term([])]
    return intercept + [patsy.Term([patsy.EvalFactor(name)]) for name in names]
