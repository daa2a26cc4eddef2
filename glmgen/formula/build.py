"""``build_design(formula, data, ...)``: learn a :class:`DesignSpec` from training rows and build its matrix.

Everything the formula needs is learned from the rows that will be fitted
(categorical levels, contrasts, stateful transforms), after the checks on the
formula text, the columns it uses and the rows with missing values. R's
``offset()`` terms join the offset, and ``cr()`` / ``cc()`` / ``te()`` next to
an intercept are centred (see :mod:`glmgen.formula.transforms`).
:func:`data_warnings` lists valid but suspicious categorical columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
import patsy.builtins

from .._validation import check_choice
from ..errors import DataError, FormulaError, GlmgenError, InvalidParameterError
from .context import FormulaContext
from .frame import (
    check_column_types,
    check_frame,
    check_no_intercept_column,
    declare_levels,
    formula_env,
    model_frame,
    patsy_error,
    rows_to_keep,
    used_columns,
)
from .frame import (
    is_number as is_number_dtype,
)
from .impute import Imputation, imputed_columns
from .matrix import DesignMatrix, numeric_design_info, plain_numeric_columns
from .parse import (
    ResponseSpec,
    _quote_column,
    check_keyword_columns,
    check_response_not_predictor,
    check_safe_keywords,
    expand_dot,
    is_plain_name,
    parse_response,
    referenced_names,
    rhs_terms,
    split_formula,
)
from .response import factor_response
from .safety import (
    check_expression_is_safe,
    check_expressions_fit_data,
    check_formula_size,
    restricted_namespace,
)
from .spec import DesignSpec
from .state import VARIABLE_ROLES
from .transforms import center_splines, check_called_names, split_offset_terms
from .variables import VariableSpec, read_variable

VariableInput: TypeAlias = str | Sequence[float] | npt.NDArray[Any] | pd.Series | None
_NA_ACTIONS = ("drop", "raise", "impute")
#: a factor code calling patsy's ``C()``: the columns it reads are categorical whatever their type
_FACTOR_CALL = re.compile(r"(?<![A-Za-z0-9_.])C\(")
#: a categorical with more levels than this share of the rows, and more than _MANY_LEVELS, is suspicious
_LEVELS_PER_ROW, _MANY_LEVELS = 0.5, 20
#: a text column is suspicious when at least this share of its values are numbers
_NUMERIC_TEXT_SHARE = 0.8


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


def _offset_with_terms(offset: VariableInput, codes: list[str], data: pd.DataFrame) -> VariableInput:
    """``offset=`` with the formula's ``offset()`` terms added, as one expression: R's ``model.offset`` adds
    the terms to the offset argument, in that order (one term alone is its expression as written)."""
    if not codes:
        return offset
    if offset is not None and not isinstance(offset, str):
        raise FormulaError(
            f"the formula has offset({codes[0]}) and offset= was given as an array; glmgen adds the two only when "
            "both can be read from the data. Put the array in a column of the data and pass offset='that column', "
            "or move the formula's offset into the array."
        )
    parts = [] if offset is None else [_quote_column(offset) if offset in data.columns else offset]
    parts += codes
    return parts[0] if len(parts) == 1 else " + ".join(f"({part})" for part in parts)


def _centred_splines(rhs: str, terms: list[patsy.Term], namespace: Mapping[str, Any]) -> tuple[str, list[patsy.Term]]:
    """``rhs`` and its terms with ``cr()``/``cc()``/``te()`` centred (:func:`center_splines`) when the model
    has an intercept; a function of the caller's named ``cr`` is not patsy's spline and is left alone."""
    if all(term.factors for term in terms) or all(is_plain_name(f.code) for term in terms for f in term.factors):
        return rhs, terms  # no intercept, or no call at all
    patsy_names = vars(patsy.builtins)
    shadowed = {name for name in ("cr", "cc", "te") if namespace.get(name, patsy_names[name]) is not patsy_names[name]}
    centred = center_splines(rhs, shadowed)
    return (rhs, terms) if centred == rhs else (centred, rhs_terms(centred))


def as_fitted(rhs: str, context: FormulaContext | None) -> str:
    """``rhs`` as :func:`build_design` fits it: ``cr()``/``cc()``/``te()`` centred next to an intercept
    (so that a stepwise scope written like the formula names the same terms)."""
    return _centred_splines(rhs, rhs_terms(rhs), context.namespace if context is not None else {})[0]


@dataclass(frozen=True)
class _Parsed:
    """A formula read against the columns of the data (no values read yet)."""

    lhs: str
    rhs: str
    response: ResponseSpec
    variables: list[VariableSpec]
    arrays: dict[str, Any]
    terms: list[patsy.Term]
    rhs_codes: list[str]
    codes: list[str]
    columns: list[Any]
    env: patsy.EvalEnvironment
    offset_codes: list[str]


def _parse(formula: str, data: pd.DataFrame, values: Sequence[VariableInput], context: FormulaContext | None,
           safe: bool) -> _Parsed:
    """The checks on the formula text and the columns it uses, in order, and what :func:`build_design` builds
    from: terms, the codes patsy and the variables evaluate, and the data columns they read."""
    lhs, rhs = split_formula(formula)
    check_keyword_columns(formula, data.columns)
    if safe:
        check_safe_keywords(formula)
        check_formula_size(formula)  # before patsy expands (a + ... + v)**22 into millions of terms
    response = parse_response(lhs)
    rhs, offset_codes = split_offset_terms(rhs)
    offset = _offset_with_terms(values[2], offset_codes, data)
    arrays: dict[str, Any] = {}
    variables = []
    for role, value in zip(VARIABLE_ROLES, (values[0], values[1], offset, values[3])):
        variable, array = _variable_spec(role, value, data)
        if variable is not None:
            variables.append(variable)
        if array is not None:
            arrays[role] = array
    excluded = set().union(*(referenced_names(code) for code in response.expressions))
    excluded |= {str(v.source) for v in variables if v.kind == "column"}
    expressions = [str(v.source) for v in variables if v.kind == "expression"]
    excluded |= set().union(*(referenced_names(code) for code in expressions))
    rhs = expand_dot(rhs, [str(c) for c in data.columns], excluded)
    env = formula_env(context)
    terms = rhs_terms(rhs)
    namespace = context.namespace if context is not None else {}
    rhs, terms = _centred_splines(rhs, terms, namespace)
    rhs_codes = [f.code for term in terms for f in term.factors]
    check_called_names(rhs_codes + list(response.expressions) + expressions,
                       set(namespace) | set(restricted_namespace()) | set(patsy.builtins.__all__))
    if safe:
        for code in rhs_codes + list(response.expressions) + expressions:
            check_expression_is_safe(code)
    check_response_not_predictor(response, rhs_codes)
    codes = rhs_codes + [str(v.source) for v in variables if v.kind != "array"] + list(response.expressions)
    columns = used_columns(data, codes)
    check_column_types(data, columns)
    check_no_intercept_column(used_columns(data, rhs_codes))
    return _Parsed(lhs, rhs, response, variables, arrays, terms, rhs_codes, codes, columns, env, offset_codes)


def model_columns(
    formula: str,
    data: pd.DataFrame,
    *,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    context: FormulaContext | None = None,
    safe: bool = False,
) -> tuple[list[Any], list[str]]:
    """The columns of ``data`` that :func:`build_design` would read, and the categorical ones among them
    (text, categorical or boolean, or read inside ``C()``: those whose values make design state), after the
    same checks on the formula. Reads column names and types only, so ``data`` may be a frame's empty schema."""
    parsed = _parse(formula, data, (weights, freq_weights, offset, exposure), context, safe)
    in_factor = set().union(*(referenced_names(code) for code in parsed.rhs_codes if _FACTOR_CALL.search(code)))
    categorical = [c for c in parsed.columns if not is_number_dtype(data[c].dtype) or str(c) in in_factor]
    return parsed.columns, categorical


def build_design(
    formula: str,
    data: pd.DataFrame,
    *,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    na_action: str = "drop",
    context: FormulaContext | None = None,
    safe: bool = False,
    chunks: Callable[[], Iterable[pd.DataFrame]] | None = None,
) -> tuple[DesignSpec, DesignMatrix]:
    """Learn a :class:`DesignSpec` from ``data`` and build its :class:`DesignMatrix`.

    Parameters
    ----------
    formula : str
        patsy formula, plus ``y ~ .``, ``cbind(successes, failures) ~ ...``, ``offset(expr)`` terms (added to
        the offset), ``lump()`` and R's ``log``/``exp``/``sqrt``/``abs``. Without ``constraints=``,
        ``cr()``/``cc()``/``te()`` next to an intercept get ``constraints='center'``.
    data : DataFrame
        Training rows. Rows with NA in any column the model uses are dropped
        (``na_action="drop"``, recorded in the matrix) or refused (``"raise"``). With ``"impute"``, NA in the
        columns the formula's terms read is filled with what :class:`~glmgen.formula.impute.Imputation` learns
        from the training rows (``spec.imputation``), and rows with NA in the response, weights or offset are
        dropped.
    weights, freq_weights, offset, exposure
        Column name, expression string, or array with one value per row.
        ``exposure=e`` adds ``log(e)`` to the offset.
    context : FormulaContext
        Names in the formula besides data columns (the caller's, captured at the public entry point).
    safe : bool
        Check every expression the design evaluates (formula terms, response, weight and offset
        expressions) against the allow-list of ``check_expression_is_safe`` before evaluating any,
        raising :class:`UnsafeFormulaError`. A formula is Python code run in the caller's session.
    chunks : callable, optional
        For training rows too many for one frame (a Dask DataFrame's partitions): a function returning a fresh
        iterable of the row chunks, over which patsy learns the stateful transforms (``standardize``,
        spline knots) in its streaming passes. ``data`` then holds rows with every level of every categorical
        column (the level sets and types are taken from it), and the matrix returned is that of ``data``.
    """
    na_action = check_choice("na_action", na_action, _NA_ACTIONS)
    if na_action == "impute" and chunks is not None:
        raise InvalidParameterError(
            "na_action='impute' is not available for a frame read in chunks (a Dask DataFrame): the training "
            "medians are not a one-pass reduction. Fill the missing values first, or use na_action='drop'."
        )
    data = check_frame(data)
    parsed = _parse(formula, data, (weights, freq_weights, offset, exposure), context, safe)
    lhs, rhs, response, variables, arrays = parsed.lhs, parsed.rhs, parsed.response, parsed.variables, parsed.arrays
    terms, rhs_codes, codes, columns, env = parsed.terms, parsed.rhs_codes, parsed.codes, parsed.columns, parsed.env
    offset_codes = parsed.offset_codes
    response = factor_response(response, data)  # a text or categorical response: its two levels, from all rows
    imputed = imputed_columns(data, rhs_codes, codes[len(rhs_codes):]) if na_action == "impute" else None
    checked = columns if imputed is None else [c for c in columns if c not in set(imputed[0]) | set(imputed[1])]
    keep, n_dropped, message = rows_to_keep(data, checked, arrays, "drop" if imputed is not None else na_action)
    if n_dropped:  # the level set is schema: levels seen only in rows dropped for NA still get their columns
        data = declare_levels(data, rhs_codes, codes[len(rhs_codes):])
    kept = data.loc[keep, columns] if n_dropped else data
    imputation, raw = None, None
    if imputed is not None:  # learned on the rows that will be fitted, applied before any transform
        raw = kept[used_columns(kept, rhs_codes)]
        imputation = Imputation.learn(kept, *imputed, _frequency_weights(variables, kept, arrays, keep, env))
        kept = imputation.fill(kept)[0]
    kept = model_frame(kept, columns, codes)  # used columns only
    if safe:  # checked expressions may read only data columns (not Python's builtins), with bounded growth
        check_expressions_fit_data(codes, kept)
    written = f"{lhs} ~ {rhs}" + "".join(f" + offset({code})" for code in offset_codes)  # refits redo the same
    # Learn the design on the rows that will be fitted, so NA rows cannot shape transforms (the level set is
    # schema, declared from all rows above).
    # Plain numeric columns carry no learned state: patsy learns their names from one row, and the
    # matrix is taken straight from the frame (the same values patsy would produce, much faster).
    if plain_numeric_columns(terms, kept) is not None:
        design_info = numeric_design_info(terms, env)
        spec = DesignSpec(formula=written, response=response, rhs=rhs, design_info=design_info,
                          variables=tuple(variables), eval_env=env, safe=safe,
                          imputation=None if imputation is None else imputation.placed(design_info))
        return spec, spec.training_design(kept, arrays, keep, n_dropped, message, raw)
    # What patsy.dmatrix learns (in one pass over all rows, as it does), without building its matrix.
    row_chunks = (lambda: iter([kept])) if chunks is None else _prepared_chunks(chunks, data, columns, codes, rhs_codes,
                                                                                  na_action)
    try:
        design_info = patsy.incr_dbuilder(rhs, row_chunks, eval_env=env, NA_action="raise")
    except patsy.PatsyError as exc:
        raise patsy_error(exc, kept) from None
    except GlmgenError:
        raise
    except (ValueError, TypeError, ArithmeticError) as exc:  # a transform refusing its arguments, e.g. bs(degree=500)
        raise FormulaError(f"the formula terms {rhs!r} could not be built: {type(exc).__name__}: {exc}") from None
    spec = DesignSpec(
        formula=written, response=response, rhs=rhs, design_info=design_info,
        variables=tuple(variables), eval_env=env, safe=safe,
        imputation=None if imputation is None else imputation.placed(design_info),
    )
    return spec, spec.training_design(kept, arrays, keep, n_dropped, message, raw)


def _frequency_weights(variables: list[VariableSpec], kept: pd.DataFrame, arrays: dict[str, Any],
                       keep: npt.NDArray[np.bool_], env: patsy.EvalEnvironment) -> npt.NDArray[np.float64] | None:
    """The frequency weights of the rows ``kept`` (``None`` without ``freq_weights``), which weight the
    imputation's medians."""
    variable = next((v for v in variables if v.role == "freq_weights"), None)
    if variable is None:
        return None
    kept_arrays = {role: np.asarray(values, dtype=float)[keep] for role, values in arrays.items()}
    return read_variable(variable, kept, kept_arrays, env)


def _prepared_chunks(chunks: Callable[[], Iterable[pd.DataFrame]], data: pd.DataFrame, columns: list[Any],
                     codes: list[str], rhs_codes: list[str], na_action: str) -> Callable[[], Iterator[pd.DataFrame]]:
    """``chunks`` as :func:`build_design` prepares its rows: the level sets of ``data`` (rows with every level)
    declared with one category order for all chunks, rows with NA in a used column dropped (or refused), and
    the model frame of the used columns."""
    declared = declare_levels(data, rhs_codes, codes[len(rhs_codes):])
    dtypes = {c: declared[c].dtype for c in columns if isinstance(declared[c].dtype, pd.CategoricalDtype)}

    def prepared() -> Iterator[pd.DataFrame]:
        for chunk in chunks():
            chunk = chunk[columns].astype(dtypes) if dtypes else chunk[columns]
            missing = chunk.isna().to_numpy().any(axis=1)
            if missing.all():
                continue
            if missing.any():
                rows_to_keep(chunk, columns, {}, na_action)  # refuses them under na_action="raise"
            yield model_frame(chunk.loc[~missing] if missing.any() else chunk, columns, codes)
    return prepared


def data_warnings(spec: DesignSpec, design: DesignMatrix, data: pd.DataFrame) -> list[str]:
    """Messages (for :class:`DataWarning`) about valid but suspicious categorical columns of the model.

    A text column whose non-missing values are at least 80% numbers is probably a numeric column with
    missing-value markers (a CSV's ``"?"``); a categorical with more levels than half the rows (and
    more than 20) gives nearly one coefficient per row. ``data`` is the frame ``design`` was built from.
    """
    messages = []
    seen: set[str] = set()
    for factor, info in spec.design_info.factor_infos.items():
        columns = used_columns(data, [factor.code]) if info.type == "categorical" else []
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
                f"it an identifier?). Leave it out of the formula (e.g. 'y ~ . - {name}'), or merge rare levels with "
                f"lump({name}, min_count=10)."
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

