"""The learned, frozen, serialisable :class:`DesignSpec`, and how it turns new rows into a :class:`DesignMatrix`.

``spec.build(new_data)`` applies the state learned from the training rows
(categorical levels, contrasts, stateful transforms such as ``center()`` or
``bs()``) to new rows, which is how prediction, held-out evaluation and
per-fold cross-validation stay leakage-free. ``DesignSpec.from_dict(spec.to_dict())``
reproduces a spec exactly, after checking the saved form.
"""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy

from .._validation import check_finite, first_bad, quoted
from ..errors import (
    DataError,
    FormulaError,
    ModelFileError,
    UnsafeFormulaError,
    UnseenLevelError,
)
from ..matrices import CategoricalBlock, Matrix
from .frame import (
    FloatArray,
    check_column_types,
    check_frame,
    column_dtypes,
    declare_levels,
    declares,
    evaluate,
    is_boolean,
    is_number_or_boolean,
    model_frame,
    rows_to_keep,
    used_columns,
)
from .impute import Imputation
from .matrix import (
    CategoricalTerm,
    DesignMatrix,
    categorical_terms,
    column_matrix,
    design_matrix,
    plain_numeric_columns,
)
from .parse import ResponseSpec, q_name, referenced_names, rhs_terms
from .response import factor_y
from .safety import (
    check_expression_is_safe,
    check_expressions_fit_data,
    check_formula_size,
    restricted_namespace,
)
from .schema import check_design
from .state import VARIABLE_ROLES, design_info_from_dict, design_info_to_dict
from .variables import VariableSpec, read_variable


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
    #: what ``na_action="impute"`` learned (medians, indicator columns, NA levels), applied to every frame built;
    #: ``None`` without imputation (:mod:`glmgen.formula.impute`)
    imputation: Imputation | None = None
    #: a name for this learned design, unique to it (Dask's task keys: patsy's state cannot be hashed)
    token: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False, repr=False)

    @property
    def fit_intercept(self) -> bool:
        return "Intercept" in self.design_info.column_names

    @property
    def column_names(self) -> list[str]:
        """The columns of ``X``: patsy's (intercept excluded), with the imputation's indicator columns."""
        names = self._patsy_names
        return names if self.imputation is None else self.imputation.column_names(names)

    @property
    def _patsy_names(self) -> list[str]:
        return [c for c in self.design_info.column_names if c != "Intercept"]

    @property
    def term_slices(self) -> dict[str, slice]:
        """Formula term name -> slice of columns in ``X`` (the intercept excluded; a term holds the indicator
        columns the imputation places after it)."""
        shift = 1 if self.fit_intercept else 0
        slices = {
            term.name(): slice(s.start - shift, s.stop - shift)
            for term, s in self.design_info.term_slices.items()
            if term.name() != "Intercept"
        }
        if self.imputation is None:
            return slices
        return {name: self.imputation.shifted(s.start, s.stop) for name, s in slices.items()}

    @property
    def is_stateless(self) -> bool:
        """Whether every design column is a numeric expression of its own row (no levels, no stateful
        transform, no imputation): then re-learning the design on any subset of rows gives exactly the same columns."""
        return self.imputation is None and all(info.type == "numerical" and not info.state.get("transforms")
                   for info in self.design_info.factor_infos.values())

    @cached_property
    def _categorical_terms(self) -> dict[patsy.Term, CategoricalTerm]:
        """The terms stored as categorical blocks (:func:`~glmgen.formula.matrix.categorical_terms`): they depend
        on the learned design only, so they are found once per spec, not on every :meth:`build` (kept in the
        instance's ``__dict__``: neither a field, nor pickled, nor saved)."""
        return categorical_terms(self.design_info)

    def __dask_tokenize__(self) -> str:
        return self.token

    def portable(self) -> DesignSpec:
        """The spec with its evaluation namespace reduced to the names its expressions use: small, and what
        travels to the processes of a cluster (a caller's globals hold modules, clients and locks)."""
        return replace(self, eval_env=patsy.EvalEnvironment([self._used_names()]))

    def _used_names(self) -> dict[str, Any]:
        codes = [self.formula] + [str(v.source) for v in self.variables if v.kind != "array"]
        names = {name for code in codes for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code)}
        namespace = self.eval_env.namespace
        return {name: namespace[name] for name in sorted(names) if name in namespace}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled through the design's saved form (patsy's objects refuse pickling) and the names its expressions
        use: how a spec travels to the processes of a Dask cluster. Its expressions must pass the allow-list of
        saved models (:meth:`check_savable`)."""
        try:
            self.check_savable()
        except UnsafeFormulaError as exc:
            raise UnsafeFormulaError(
                f"{exc} A design sent to the worker processes of a Dask cluster is rebuilt there from its saved form, "
                "which admits only these expressions: compute such a column into the data first, or use Dask's "
                "threaded scheduler (no processes)."
            ) from None
        return (_restored_spec, (self.formula, self.response, self.rhs, design_info_to_dict(self.design_info),
                                 self.variables, self._used_names(), self.safe, self.token, self.imputation))

    def variable(self, role: str) -> VariableSpec | None:
        return next((v for v in self.variables if v.role == role), None)

    def declare_levels(self, data: pd.DataFrame) -> pd.DataFrame:
        """``data`` with the level set of every column this spec uses as a treatment-coded factor fixed from
        all rows of ``data`` (pandas Categoricals, :func:`~glmgen.formula.frame.declare_levels`). A design
        learned on some of its rows keeps every level: one without rows there gets an all-zero column, as
        glmnet gives a column of zeros, and the reference level is the first one with rows there. With an
        imputation, a column whose NA is a level has its missing values as that level first (the level is schema
        too: a cross-validation fold without NA rows gets an all-zero column for it)."""
        if self.imputation is not None and self.imputation.levels:
            data = self.imputation.with_levels(data)
        codes = [str(v.source) for v in self.variables if v.kind != "array"] + list(self.response.expressions)
        return declare_levels(data, [factor.code for factor in self.design_info.factor_infos], codes)

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
        data = check_frame(data)
        arrays = {role: values for role, values in (arrays or {}).items() if values is not None}
        roles = VARIABLE_ROLES if need_offset else ("weights", "freq_weights")
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
        columns = used_columns(data, codes)
        self._check_new_columns(data, columns)
        masks: dict[str, npt.NDArray[np.bool_]] = {}
        if self.imputation is not None:  # before the trained types: a column with an NA level is a Categorical
            data, masks = self.imputation.fill(data)
        data = self._as_trained_types(data)
        keep, n_dropped, message = rows_to_keep(data, columns, arrays, na_action)
        kept = model_frame(data.loc[keep, columns] if n_dropped else data, columns, codes,  # used columns only
                           learn_reference=False)
        X = self._design_matrix(kept, masks={c: m[keep] for c, m in masks.items()} if n_dropped else masks)
        return self._assemble(kept, X, arrays, keep, need_response, roles, n_dropped, message)

    def training_design(
        self,
        kept: pd.DataFrame,
        arrays: dict[str, Any],
        keep: npt.NDArray[np.bool_],
        n_dropped: int,
        message: str | None,
        raw: pd.DataFrame | None = None,
    ) -> DesignMatrix:
        """The :class:`DesignMatrix` of the rows ``kept`` that the spec was just learned on (by
        :func:`~glmgen.formula.build_design`, after its checks): as :meth:`build` without re-checking the
        frame, and without looking for unseen levels, since the levels were learned from these rows. With an
        imputation, ``kept`` is filled already and ``raw`` holds the imputed columns of those rows before
        filling (kept on the matrix for :meth:`relearned_matrix`)."""
        masks = {} if self.imputation is None or raw is None else self.imputation.fill(raw)[1]
        X = self._design_matrix(kept, check_levels=False, masks=masks)
        design = self._assemble(kept, X, arrays, keep, True, VARIABLE_ROLES, n_dropped, message)
        return design if raw is None else replace(design, raw=raw)

    def relearned_matrix(self, design: DesignMatrix, counts: npt.NDArray[np.int64]) -> Matrix:
        """``X`` of the training rows of ``design`` (built by :func:`~glmgen.formula.build_design` with
        ``na_action="impute"``) with the medians learned again on a resample: each row weighted by its ``counts``
        times its frequency weight. Every other learned state is kept: the same columns, filled with the
        resample's medians on every row (rows out of the resample too)."""
        assert self.imputation is not None and design.raw is not None
        weights = counts * design.freq_weights
        relearned = replace(self, imputation=self.imputation.relearned(design.raw, weights))
        assert relearned.imputation is not None
        filled, masks = relearned.imputation.fill(design.raw)
        columns = list(filled.columns)
        codes = [factor.code for factor in self.design_info.factor_infos]
        return relearned._design_matrix(model_frame(filled, columns, codes), check_levels=False, masks=masks)

    def _assemble(
        self,
        kept: pd.DataFrame,
        X: Matrix,
        arrays: dict[str, Any],
        keep: npt.NDArray[np.bool_],
        need_response: bool,
        roles: Sequence[str],
        n_dropped: int,
        message: str | None,
    ) -> DesignMatrix:
        kept_arrays = {role: np.asarray(values, dtype=float)[keep] for role, values in arrays.items()}
        values = {role: self._variable_values(role, kept, kept_arrays) if role in roles else None
                  for role in VARIABLE_ROLES}
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

    def _design_matrix(self, data: pd.DataFrame, *, check_levels: bool = True,
                       masks: dict[str, npt.NDArray[np.bool_]] | None = None) -> Matrix:
        """``X`` for ``data``: plain numeric columns copied from the frame (:func:`column_matrix`), anything
        else built by :func:`design_matrix` (indicator-coded factors as categorical blocks, the rest by patsy,
        without the intercept column; after :meth:`_check_levels` unless ``check_levels=False``); then
        :meth:`_checked`; then the imputation's indicator columns (``masks``: where each column was missing)."""
        columns = plain_numeric_columns(list(self.design_info.terms), data)
        if columns is not None:
            X = self._checked(column_matrix(data, columns), data)
        else:
            if check_levels:
                self._check_levels(data)
            X = self._checked(design_matrix(self.design_info, data, self._categorical_terms), data)
        return X if self.imputation is None else self.imputation.with_indicators(X, masks or {})

    def _checked(self, X: Matrix, data: pd.DataFrame) -> Matrix:
        """``X`` after checking every dense column, and the values of a factor's product with a numeric
        column, are finite (the message names the column and row); indicators are 0 and 1 by construction."""
        names = self._patsy_names
        blocks = [(X, slice(0, X.shape[1]))] if isinstance(X, np.ndarray) else list(zip(X.blocks, X.slices()))
        hint = "Check the data column and any transform in the formula (e.g. log of 0)."
        for block, columns in blocks:
            if isinstance(block, np.ndarray):
                # A column whose sum is finite has only finite values: look closer at the others only.
                with np.errstate(over="ignore", invalid="ignore"):
                    sums = block.sum(axis=0)
                for j in np.flatnonzero(~np.isfinite(sums)):
                    check_finite(f"design column {names[columns][j]!r}", block[:, j], data.index, hint)
            elif isinstance(block, CategoricalBlock) and block.values is not None:  # g:x: x's values
                check_finite(f"design columns {names[columns][0]!r}...", block.values, data.index, hint)
        return X

    def _check_levels(self, data: pd.DataFrame) -> None:
        """Refuse categorical levels outside the model's level set, naming the column and the level."""
        for factor, info in self.design_info.factor_infos.items():
            if info.type != "categorical":
                continue
            try:
                values = factor.eval(info.state, data)
            except Exception:  # noqa: BLE001 - patsy reports evaluation errors itself just below
                continue
            values = getattr(values, "data", values)
            seen = set(info.categories)
            if _within_levels(values, seen):
                continue
            distinct = pd.unique(values) if isinstance(values, pd.Series) else pd.unique(
                pd.Series(np.asarray(values, dtype=object)))
            unseen = [v for v in distinct if v not in seen]
            if unseen:
                known = quoted(info.categories[:6]) + (f", ... {len(info.categories)} in total"
                                                       if len(info.categories) > 6 else "")
                column = next(iter(referenced_names(factor.code) & {str(c) for c in data.columns}), factor.code)
                raise UnseenLevelError(
                    f"column {column!r} (term {factor.name()!r}) has level {unseen[0]!r} in new data, which is not "
                    f"one of the model's levels (known levels: {known}). A model's levels are those of all the "
                    "rows it was fitted on (declared categories of a pandas Categorical included). Map the value "
                    "to a known level, or declare every level before splitting the data: "
                    f"df[{column!r}] = pd.Categorical(df[{column!r}], categories=[...every level...]); a declared "
                    "level without training rows is then predicted at the reference level, with a DataWarning."
                )

    def _variable_values(self, role: str, data: pd.DataFrame, arrays: dict[str, FloatArray]) -> FloatArray | None:
        spec = self.variable(role)
        return None if spec is None else read_variable(spec, data, arrays, self.eval_env)

    def _response(self, data: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
        """``y`` and the binomial trials per row: a factor response is 0/1 (:func:`factor_y`), ``cbind``
        gives proportions and trials, anything else is evaluated as numbers with one trial."""
        if self.response.levels is not None:
            return factor_y(self.response, data), np.ones(len(data))
        if not self.response.is_cbind:
            y = evaluate(self.response.expressions[0], data, self.eval_env, "response")
            check_finite(f"response {self.response.label!r}", y, data.index, "Remove or correct those rows.")
            return y, np.ones(len(data))
        successes, failures = (
            evaluate(code, data, self.eval_env, "cbind() count") for code in self.response.expressions
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

    def transform(self, data: pd.DataFrame) -> Matrix:
        """Only the design matrix ``X`` for ``data`` (no response needed)."""
        if self.safe:
            self.check_savable()
        data = check_frame(data)
        codes = [factor.code for factor in self.design_info.factor_infos]
        if self.safe:
            check_expressions_fit_data(codes, data)
        columns = used_columns(data, codes)
        self._check_new_columns(data, columns)
        masks: dict[str, npt.NDArray[np.bool_]] = {}
        if self.imputation is not None:
            data, masks = self.imputation.fill(data)
        return self._design_matrix(model_frame(self._as_trained_types(data), columns, codes, learn_reference=False),
                                   masks=masks)

    def _as_trained_types(self, data: pd.DataFrame) -> pd.DataFrame:
        """New ``data`` with column types patsy can match to what it learned: a boolean column where training
        had a number becomes 0.0/1.0, and a pandas Categorical used as a factor becomes plain values (patsy
        refuses a Categorical whose categories differ in order or number from training's, even when every
        value is a known level; unknown levels are still refused by :meth:`_check_levels`)."""
        converted: dict[str, Any] = {}
        dtypes = column_dtypes(data)
        for factor, info in self.design_info.factor_infos.items():
            if info.type == "numerical":
                code = factor.code
                if (code in dtypes and is_boolean(dtypes[code])
                        and not data[code].isna().any()):
                    converted[code] = data[code].to_numpy(dtype=float)
                continue
            for name in referenced_names(factor.code) & {c for c in data.columns if isinstance(c, str)}:
                if isinstance(data[name].dtype, pd.CategoricalDtype) and name not in converted:
                    converted[name] = _as_levels(data[name], info.categories if factor.code == name else None)
        return data.assign(**converted) if converted else data

    def _check_new_columns(self, data: pd.DataFrame, columns: Sequence[Any]) -> None:
        """Refuse unusable column types, and text where the model was fitted on a numeric column."""
        check_column_types(data, columns)
        dtypes = column_dtypes(data)
        for factor, info in self.design_info.factor_infos.items():
            if info.type != "numerical":
                continue
            name = factor.code if factor.code in dtypes else q_name(ast.parse(factor.code, mode="eval").body)
            if name not in dtypes:
                continue
            dtype = dtypes[name]
            if not is_number_or_boolean(dtype):
                example = next(iter(data[name].dropna()), None)
                raise DataError(
                    f"column {name!r} was numeric when the model was fitted, but the new data holds "
                    f"{dtype} values (e.g. {example!r}). Convert it: df[{name!r}] = "
                    f"pd.to_numeric(df[{name!r}], errors='coerce') (values that are not numbers become missing)."
                )

    # -- persistence --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The saved form; ``imputation`` only when the spec imputes (so other specs save as before)."""
        saved = {
            "formula": self.formula,
            "response": {"expressions": list(self.response.expressions), "is_cbind": self.response.is_cbind},
            "rhs": self.rhs,
            "design_info": design_info_to_dict(self.design_info),
            "variables": [v.to_dict() for v in self.variables],
        }
        return saved if self.imputation is None else saved | {"imputation": self.imputation.to_dict()}

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> DesignSpec:
        """Rebuild a spec from :meth:`to_dict` output, refusing (with :class:`ModelFileError` naming the field)
        anything outside the closed schema of :func:`~glmgen.formula.schema.check_design`, which includes every
        expression outside the allow-list. The spec is ``safe``: it checks its expressions again before
        each evaluation."""
        check_design(saved)
        env = patsy.EvalEnvironment([restricted_namespace()])
        design_info = design_info_from_dict(saved["design_info"], env)
        try:
            check_formula_size(saved["rhs"])
            saved_terms = {term.name() for term in rhs_terms(saved["rhs"])}
        except (FormulaError, RecursionError):
            saved_terms = set()
        if saved_terms != set(design_info.term_names):
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
            imputation=Imputation.from_dict(saved["imputation"]) if "imputation" in saved else None,
        )

    def check_savable(self) -> None:
        """Raise :class:`UnsafeFormulaError` unless every expression the spec evaluates passes
        :func:`check_expression_is_safe` (what :meth:`from_dict` requires of a file)."""
        codes = [f.code for f in self.design_info.factor_infos] + list(self.response.expressions)
        codes += [str(v.source) for v in self.variables if v.kind not in ("column", "array")]
        for code in codes:
            check_expression_is_safe(code)


def _restored_spec(formula: str, response: ResponseSpec, rhs: str, design: dict[str, Any],
                   variables: tuple[VariableSpec, ...], names: dict[str, Any], safe: bool, token: str,
                   imputation: Imputation | None = None) -> DesignSpec:
    """A :class:`DesignSpec` unpickled (:meth:`DesignSpec.__reduce__`)."""
    env = patsy.EvalEnvironment([names, restricted_namespace()])
    return DesignSpec(formula=formula, response=response, rhs=rhs, design_info=design_info_from_dict(design, env),
                      variables=variables, eval_env=env, safe=safe, token=token, imputation=imputation)


def _within_levels(values: Any, levels: set[Any]) -> bool:
    """Whether ``values`` is a Categorical column without missing values whose categories are all in ``levels``:
    then every value is a known level, found from the categories without reading the rows' values."""
    return (isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype)
            and all(category in levels for category in values.dtype.categories)
            and not (values.cat.codes.to_numpy() < 0).any())


def _as_levels(column: pd.Series, levels: Sequence[Any] | None) -> pd.Series:
    """A Categorical column as patsy can match it to training: recoded to the trained ``levels`` (the factor is
    the column itself), which maps the categories once instead of every row, when every value is a level;
    otherwise its plain values, in the categories' type (unknown values then reach the unseen-level check). A column
    whose categories are the trained levels already is returned as it is."""
    if levels is not None:
        if declares(column.dtype, levels):
            return column
        recoded = column.cat.set_categories(list(levels))
        if not (recoded.isna() & column.notna()).any():
            return recoded
    return column.astype(column.dtype.categories.dtype)
