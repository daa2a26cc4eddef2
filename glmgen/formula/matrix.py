"""The numeric design: :class:`DesignMatrix`, and filling ``X`` from patsy's learned ``DesignInfo``.

Plain numeric columns are copied straight from the frame
(:func:`column_matrix`). A term that is one factor coded by indicators
(treatment contrasts, or one column per level without an intercept) becomes a
:class:`~glmgen.matrices.CategoricalBlock`: one code per row instead of a
dense column per level (:func:`design_matrix`), with patsy's column names,
reference level and levels; so does its product with one numeric column
(``g:x``, the codes and the column's values). Everything else goes through
``patsy.build_design_matrices`` chunk by chunk (:func:`patsy_matrix`), so
that besides ``X`` only one chunk of rows is alive at a time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
import patsy.builtins
from patsy.design_info import FactorInfo, SubtermInfo

from ..errors import UnsafeFormulaError
from ..matrices import Block, CategoricalBlock, Matrix, ModelMatrix
from .frame import (
    FloatArray,
    column_blocks,
    column_dtypes,
    declares,
    is_number,
    patsy_error,
)
from .parse import is_plain_name, referenced_names
from .safety import GLMGEN_FUNCTIONS, PATSY_FUNCTIONS, check_expression_is_safe

#: rows x columns per patsy call when a design matrix is filled chunk by chunk (16 MiB of float64)
DESIGN_CHUNK_CELLS = 2**21
#: patsy transforms whose values on a chunk of rows may differ in rounding from those on all rows
_ROW_COUNT_DEPENDENT = frozenset({"cr", "cc", "te"})


@dataclass(frozen=True)
class DesignMatrix:
    """Numeric model inputs for the rows kept.

    ``X`` is ``(n, p)`` without an intercept column. ``weights`` are the prior
    weights times the binomial trials (R's working prior weights);
    ``trials`` is 1 except for ``cbind`` responses. ``raw``: for a training design with ``na_action="impute"``,
    the columns the formula's terms read on the rows kept, before imputation (what a bootstrap replicate
    re-learns its medians from, :meth:`~glmgen.formula.DesignSpec.relearned_matrix`); ``None`` otherwise.
    """

    X: Matrix
    y: FloatArray | None
    weights: FloatArray
    trials: FloatArray
    freq_weights: FloatArray
    offset: FloatArray
    row_labels: pd.Index
    kept: npt.NDArray[np.bool_]
    n_dropped: int = 0
    dropped_message: str | None = None
    raw: pd.DataFrame | None = None

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
            raw=None if self.raw is None else self.raw.iloc[rows],
        )


def numeric_design_info(terms: Sequence[patsy.Term], env: patsy.EvalEnvironment) -> patsy.DesignInfo:
    """patsy's ``DesignInfo`` for terms that are each one plain numeric column (nothing to learn).

    Equal to what ``patsy.dmatrix`` would learn, built directly: patsy's own
    builder is superlinear in the number of terms (over a second for 200).
    """
    factor_infos = {}
    codings: OrderedDict[patsy.Term, list[SubtermInfo]] = OrderedDict()
    names = []
    states = FactorStates(env)
    for term in sorted(terms, key=lambda t: len(t.factors)):  # patsy puts the intercept first
        for factor in term.factors:
            factor_infos[factor] = FactorInfo(factor, "numerical", states.state(factor), num_columns=1)
        codings[term] = [SubtermInfo(list(term.factors), {}, 1)]
        names.append(term.name())
    return _one_column_design_info(names, factor_infos, codings)


def _one_column_design_info(names: list[str], factor_infos: dict[patsy.EvalFactor, FactorInfo],
                            codings: OrderedDict[patsy.Term, list[SubtermInfo]]) -> patsy.DesignInfo:
    """``patsy.DesignInfo(names, factor_infos=..., term_codings=...)`` for terms of one column each, named
    ``names`` (consistent by construction), without patsy's consistency checks, which hash every term a
    dozen times (most of the cost of a 5,000-term design). The same attributes as patsy's object."""
    design_info = object.__new__(patsy.DesignInfo)
    design_info.column_name_indexes = OrderedDict(zip(names, range(len(names))))
    design_info.factor_infos = factor_infos
    design_info.term_codings = codings
    design_info.term_slices = OrderedDict((term, slice(i, i + 1)) for i, term in enumerate(codings))
    design_info.term_name_slices = OrderedDict(zip(names, design_info.term_slices.values()))
    return design_info


class FactorStates:
    """What ``EvalFactor.memorize_passes_needed`` learns about a factor's code in ``env``, without re-reading
    a bare column name (thousands of them in ``y ~ .`` on wide data)."""

    def __init__(self, env: patsy.EvalEnvironment) -> None:
        self._env = env
        # patsy evaluates a factor in the caller's names and its builtins, keeping only the names the code reads
        builtins = {name: getattr(patsy.builtins, name) for name in patsy.builtins.__all__}
        self._visible = env.with_outer_namespace(builtins)
        self._namespace = self._visible.namespace
        self._nothing = self._visible.subset([])

    def state(self, factor: patsy.EvalFactor) -> dict[str, Any]:
        """The state of a bare name that is not one of the visible names (it reads a data column, calls
        nothing, so it has no transforms and its code is evaluated as it is) as patsy leaves it; patsy's own
        for any other factor."""
        state: dict[str, Any] = {}
        if is_plain_name(factor.code) and factor.code not in self._namespace:
            state.update(transforms={}, eval_env=self._nothing, eval_code=factor.code, memorize_code={}, pass_bins=[])
        else:
            factor.memorize_passes_needed(state, self._env)
        return state


def plain_numeric_columns(terms: Sequence[patsy.Term], data: pd.DataFrame) -> list[str] | None:
    """Column names when every term is one numeric (non-boolean) data column used as is, else ``None``."""
    dtypes = column_dtypes(data)
    columns = []
    for term in terms:
        if not term.factors:
            continue
        if len(term.factors) != 1:
            return None
        code = term.factors[0].code
        if code not in dtypes or not is_number(dtypes[code]):
            return None
        columns.append(code)
    return columns


def column_matrix(data: pd.DataFrame, columns: list[str]) -> FloatArray:
    """``data[columns]`` as a column-major float matrix, filled a block of columns at a time."""
    X = np.empty((len(data), len(columns)), order="F")
    start = 0
    for block in column_blocks(data, columns):
        X[:, start:start + block.shape[1]] = block.to_numpy(dtype=np.float64)
        start += block.shape[1]
    return X


def patsy_matrix(design_info: patsy.DesignInfo, data: pd.DataFrame) -> FloatArray:
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
            raise patsy_error(exc, data) from None
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
    allowed = ({str(c) for c in data.columns} | (PATSY_FUNCTIONS - _ROW_COUNT_DEPENDENT) | GLMGEN_FUNCTIONS
               | {"np", "numpy"})
    for factor in design_info.factor_infos:
        try:
            check_expression_is_safe(factor.code)
        except UnsafeFormulaError:
            return False
        if not referenced_names(factor.code) <= allowed:
            return False
    return True



def indicator_columns(contrast: patsy.ContrastMatrix) -> npt.NDArray[np.int32] | None:
    """For a contrast that codes levels by indicators, the column holding each level's 1 (``-1``: the level has no
    column, e.g. treatment's reference); ``None`` for any other coding (sum, Helmert, polynomial, ...)."""
    matrix = np.asarray(contrast.matrix, dtype=float)
    if not np.all((matrix == 0) | (matrix == 1)) or np.any(matrix.sum(axis=1) > 1) or np.any(matrix.sum(axis=0) != 1):
        return None
    columns = np.full(matrix.shape[0], -1, dtype=np.int32)
    levels, which = np.nonzero(matrix)
    columns[levels] = which
    return columns


#: a term stored as a categorical block: the factor, its level-to-column map, and the numeric factor whose
#: values the columns carry (``g:x``) or ``None`` (indicators)
CategoricalTerm = tuple[patsy.EvalFactor, npt.NDArray[np.int32], "patsy.EvalFactor | None"]


def categorical_terms(design_info: patsy.DesignInfo) -> dict[patsy.Term, CategoricalTerm]:
    """The terms stored as a :class:`~glmgen.matrices.CategoricalBlock`: one categorical factor coded by
    indicators (:func:`indicator_columns`), alone (``g``) or times one numeric column (``g:x``, one slope
    per level)."""
    found = {}
    for term, subterms in design_info.term_codings.items():
        if len(subterms) != 1 or not 1 <= len(term.factors) <= 2:
            continue
        kinds = {factor: design_info.factor_infos[factor] for factor in term.factors}
        categorical = [f for f, info in kinds.items() if info.type == "categorical"]
        numeric = [f for f, info in kinds.items() if info.type == "numerical" and info.num_columns == 1]
        if len(categorical) != 1 or len(categorical) + len(numeric) != len(term.factors):
            continue
        columns = indicator_columns(subterms[0].contrast_matrices[categorical[0]])
        if columns is not None:
            found[term] = (categorical[0], columns, numeric[0] if numeric else None)
    return found


def design_matrix(design_info: patsy.DesignInfo, data: pd.DataFrame,
                  categorical: dict[patsy.Term, CategoricalTerm] | None = None) -> Matrix:
    """``X`` for ``data``: a :class:`~glmgen.matrices.ModelMatrix` with a categorical block for each term of
    :func:`categorical_terms` (``categorical``: those terms, found once for the design by the caller; found
    here when ``None``) and dense blocks for the others, built by :func:`patsy_matrix`, or a plain dense array
    when there is no such term."""
    if categorical is None:
        categorical = categorical_terms(design_info)
    if not categorical:
        return patsy_matrix(design_info, data)
    dense_terms = [t for t in design_info.terms if t not in categorical and t.factors]
    dense = _dense_matrix(design_info, dense_terms, data) if dense_terms else np.empty((len(data), 0))
    blocks: list[Block] = []
    start = stop = 0  # the dense columns not yet placed: dense[:, start:stop], a view
    for term in design_info.terms:
        if not term.factors:
            continue
        if term in categorical:
            if stop > start:
                blocks.append(dense[:, start:stop])
                start = stop
            factor, columns, numeric = categorical[term]
            values = None if numeric is None else _numeric_values(design_info, numeric, data)
            blocks.append(CategoricalBlock(columns[_level_codes(design_info, factor, data)],
                                           int(columns.max(initial=-1)) + 1, values))
        else:
            stop += design_info.term_slices[term].stop - design_info.term_slices[term].start
    if stop > start:
        blocks.append(dense[:, start:stop])
    if all(block.shape[1] == 0 for block in blocks):  # e.g. one factor of a single level next to an intercept
        return np.empty((len(data), 0), order="F")
    return ModelMatrix(blocks)


def _dense_matrix(design_info: patsy.DesignInfo, terms: list[patsy.Term], data: pd.DataFrame) -> FloatArray:
    """The columns of ``terms``: copied from the frame when each is a plain numeric column (the values patsy
    gives, without its per-row work), else built by patsy."""
    columns = plain_numeric_columns(terms, data)
    return column_matrix(data, columns) if columns is not None else patsy_matrix(design_info.subset(terms), data)


def _numeric_values(design_info: patsy.DesignInfo, factor: patsy.EvalFactor, data: pd.DataFrame) -> FloatArray:
    """The values of a one-column numeric factor on ``data``, through its learned state (e.g. ``center(x)``)."""
    try:
        values = factor.eval(design_info.factor_infos[factor].state, data)
    except patsy.PatsyError as exc:
        raise patsy_error(exc, data) from None
    return np.asarray(values, dtype=float).reshape(len(data))


def _level_codes(design_info: patsy.DesignInfo, factor: patsy.EvalFactor, data: pd.DataFrame) -> npt.NDArray[np.intp]:
    """Each row's level of a categorical factor, as its position in the learned levels."""
    info = design_info.factor_infos[factor]
    try:
        values = factor.eval(info.state, data)
        codes = _hashed_codes(values, info.categories)
        if codes is None:
            codes = patsy.categorical.categorical_to_int(values, info.categories, patsy.NAAction(NA_types=[]),
                                                         origin=factor)
    except patsy.PatsyError as exc:
        raise patsy_error(exc, data) from None
    return np.asarray(codes, dtype=np.intp)


def _hashed_codes(values: Any, categories: Sequence[Any]) -> npt.NDArray[np.intp] | None:
    """The level positions of a factor's values (a column, or patsy's ``C()`` box of one) by hashing, as patsy's
    ``categorical_to_int`` gives them row by row; ``None`` when some value is not a level (patsy then raises
    its own message) or the values are not a column."""
    values = getattr(values, "data", values)
    if not isinstance(values, pd.Series):
        return None
    if declares(values.dtype, categories):
        codes = values.cat.codes.to_numpy()
    else:
        codes = pd.Categorical(values, categories=list(categories)).codes
    return codes.astype(np.intp) if codes.size == 0 or codes.min() >= 0 else None
