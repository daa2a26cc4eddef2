"""The design of a Dask DataFrame: learned once from all partitions, then applied partition by partition.

Factor levels are schema: the rows holding the first occurrence of every value of every categorical column
the model reads (and the first complete row of each partition) are gathered in one pass, and the design is
learned on them as in memory (:func:`~glmgen.formula.build_design`), so the level sets, their order and the
reference levels are those of the in-memory fit on all rows. That pass is skipped when the first partition
stands for all rows: every categorical column is a pandas Categorical with categories Dask knows (declared
with ``astype``), and the first partition's complete rows hold every category of each. A formula with
learned transforms (``standardize(x)``, ``center(x)``, spline knots from quantiles) then has patsy learn them
in its streaming passes over the partitions, read one at a time on this process (its memory bounded by a
partition; a spline's quantile knots keep that column's values, 8 bytes a row). Each partition's rows are then
coded by :meth:`~glmgen.formula.DesignSpec.build`, exactly as new data is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._validation import refuse_dask_arrays
from ..errors import DataError
from ..formula import DesignSpec, FormulaContext, build_design, model_columns
from ..model import Family, Link
from .partitions import map_reduce, partition_frames
from .probes import Job


def learn_design(formula: str, frame: Any, family: Family, link: Link, *, variables: dict[str, Any],
                 na_action: str, context: FormulaContext, safe: bool) -> Job:
    """The :class:`~.probes.Job` of a model of ``frame``: its design learned from all partitions."""
    refuse_dask_arrays(variables, names=True)
    context = context.restricted_to([formula] + [v for v in variables.values() if isinstance(v, str)])
    exemplar, ordered = _exemplar(formula, frame, variables, context, safe)
    spec, _ = build_design(formula, exemplar, **variables, na_action="drop", context=context, safe=safe)
    if _learns_transforms(spec):
        spec, _ = build_design(formula, exemplar, **variables, na_action="drop", context=context, safe=safe,
                               chunks=lambda: partition_frames(frame[ordered]))
    return Job(spec, family, link, na_action, tuple(ordered))


def with_declared_levels(formula: str, frame: Any, *, variables: dict[str, Any], context: FormulaContext,
                         safe: bool) -> Any:
    """``frame`` with the level set of every factor column the model reads declared from all its rows (pandas
    categorical dtypes): parts of it (a train/test split) then keep every level, as
    :meth:`~glmgen.formula.DesignSpec.declare_levels` does in memory."""
    refuse_dask_arrays(variables, names=True)
    context = context.restricted_to([formula] + [v for v in variables.values() if isinstance(v, str)])
    exemplar, _ = _exemplar(formula, frame, variables, context, safe)
    spec, _ = build_design(formula, exemplar, **variables, na_action="drop", context=context, safe=safe)
    declared = spec.declare_levels(exemplar)
    dtypes = {c: pd.CategoricalDtype(list(declared[c].cat.categories)) for c in declared.columns
              if isinstance(declared[c].dtype, pd.CategoricalDtype)}
    return frame.astype(dtypes) if dtypes else frame


def _exemplar(formula: str, frame: Any, variables: dict[str, Any], context: FormulaContext,
              safe: bool) -> tuple[pd.DataFrame, list[Any]]:
    """Rows of ``frame`` holding every value of every categorical column the model reads (one pass), and the
    columns it reads in the frame's order."""
    schema = frame._meta
    columns, categorical = model_columns(formula, schema, **variables, context=context, safe=safe)
    ordered = [c for c in schema.columns if c in set(columns)]
    exemplar = _declared_exemplar(frame[ordered], categorical)
    if exemplar is None:
        exemplar = map_reduce(frame[ordered], _exemplar_partition,
                              partial(_exemplar_merge, categorical=tuple(categorical)), tuple(categorical))
    if not len(exemplar):
        raise DataError("the Dask DataFrame has no rows; there is nothing to fit.")
    return exemplar.reset_index(drop=True), ordered


def _declared_exemplar(frame: Any, categorical: Sequence[Any]) -> pd.DataFrame | None:
    """The first partition's exemplar rows when they stand for all rows, so the pass over all partitions is
    not needed; ``None`` otherwise. They do when every categorical column the model reads is a pandas
    Categorical whose categories Dask knows (the same dtype in every partition) and the first partition's
    rows without missing values hold every category of each: then no other partition adds a value, and the
    level sets, their order and the reference levels learned from these rows are those of all rows."""
    if not all(isinstance(frame._meta[c].dtype, pd.CategoricalDtype) and frame[c].cat.known for c in categorical):
        return None
    first = next(partition_frames(frame.partitions[0]))
    complete = first[~first.isna().to_numpy().any(axis=1)]
    if not len(complete) or not all(_holds_every_category(complete[c]) for c in categorical):
        return None
    return _exemplar_rows(first, categorical)


def _holds_every_category(column: pd.Series) -> bool:
    count = len(column.cat.categories)
    return bool(np.all(np.bincount(column.cat.codes.to_numpy(), minlength=count)[:count] > 0))


def _learns_transforms(spec: DesignSpec) -> bool:
    """Whether the design has stateful transforms, learned from all rows (not just the levels)."""
    return any(info.state.get("transforms") for info in spec.design_info.factor_infos.values())


def _exemplar_partition(part: pd.DataFrame, number: int, categorical: Sequence[Any]) -> pd.DataFrame:
    return _exemplar_rows(part, categorical)


def _exemplar_merge(a: pd.DataFrame, b: pd.DataFrame, categorical: Sequence[Any]) -> pd.DataFrame:
    return _exemplar_rows(pd.concat([a, b]), categorical)


def _exemplar_rows(part: pd.DataFrame, categorical: Sequence[Any]) -> pd.DataFrame:
    """The first row of ``part``, its first row without missing values, and the first row with each value
    (missing included) of each categorical column."""
    if not len(part):
        return part
    chosen = np.zeros(len(part), dtype=bool)
    chosen[0] = True
    complete = np.flatnonzero(~part.isna().to_numpy().any(axis=1))
    if complete.size:
        chosen[complete[0]] = True
    for column in categorical:
        chosen |= ~part[column].duplicated().to_numpy()
    return part[chosen]
