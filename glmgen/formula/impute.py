"""``na_action="impute"``: missing values of the formula's predictors filled with state learned from the training rows.

:class:`Imputation` is part of a :class:`~glmgen.formula.DesignSpec` (``spec.imputation``), learned with the rest
of the design and applied to every frame the spec builds:

- a **numeric** data column the formula's terms read has its missing values replaced by its median over the
  training rows (before any transform: ``np.log(x)``, ``standardize(x)``, ``bs(x)`` see the filled column). The
  median is frequency-weighted (a row with ``freq_weights`` 2 counts twice, so a bootstrap resample's median is
  its multiset's) but not weighted by prior ``weights`` (precisions of ``y``, not row counts); without
  ``freq_weights`` it is the plain median of R's ``median()``, pandas' and scikit-learn's ``SimpleImputer``.
  Every numeric column gets a median, so NA in new data is filled even where the training rows had none;
- a numeric column with NA in the training rows also gets an **indicator column** ``<name>[NA]`` (1.0 where the
  value was missing), placed right after the columns of the first formula term that reads the column and part of
  that term (a term's columns enter, leave and are penalized together). A column without NA in training has no
  indicator: its missing values in new data are predicted at the median;
- a **categorical** column (text, categorical or boolean, or a number read only inside ``C()``/``lump()``) with NA
  in the training rows gets the level ``"NA"``, after its other levels (never treatment coding's reference). NA in
  a categorical column that had none in training stays missing (the row is dropped, or gets a NaN prediction).

Missing values of the response, weights, offset or exposure are never imputed: those rows are dropped, with the
usual :class:`~glmgen.DroppedRowsWarning`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
from patsy.util import SortAnythingKey

from ..errors import DataError
from ..matrices import Block, Matrix, ModelMatrix
from .frame import FloatArray, is_number, with_columns
from .parse import numeric_names, referenced_names

BoolArray = npt.NDArray[np.bool_]
#: the level a categorical column's missing values become
NA_LEVEL = "NA"
#: the name of a numeric column's missingness indicator: the column's name and this suffix
INDICATOR_SUFFIX = "[NA]"


def weighted_median(values: FloatArray, weights: FloatArray) -> float:
    """The median of ``values`` counted ``weights`` times: the middle of the sorted values where the cumulative
    weight reaches half the total, the mean of the two middle values when it is exactly half (so with unit weights
    the usual median, and with whole weights the median of the rows repeated). ``NaN`` when no weight is positive."""
    positive = weights > 0
    values, weights = values[positive], weights[positive]
    if values.size == 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    values, cumulative = values[order], np.cumsum(weights[order])
    half = cumulative[-1] / 2.0
    i = int(np.searchsorted(cumulative, half * (1 - 1e-12), side="left"))
    if abs(cumulative[i] - half) <= 1e-12 * cumulative[-1] and i + 1 < values.size:
        return float((values[i] + values[i + 1]) / 2.0)
    return float(values[i])


def imputed_columns(data: pd.DataFrame, rhs_codes: Sequence[str], other_codes: Sequence[str]
                    ) -> tuple[list[Any], list[Any]]:
    """The numeric and the categorical columns of ``data`` that ``na_action="impute"`` fills: those the formula's
    terms (``rhs_codes``) read and no response, weight or offset expression (``other_codes``) reads. A column is
    numeric when it holds numbers and some term uses it as a number (not only inside ``C()``/``lump()``)."""
    by_name = {str(c): c for c in data.columns}
    other = set().union(*(referenced_names(code) for code in other_codes)) if other_codes else set()
    read = set().union(*(referenced_names(code) for code in rhs_codes)) if rhs_codes else set()
    as_number = set().union(*(numeric_names(code) for code in rhs_codes)) if rhs_codes else set()
    numeric, categorical = [], []
    for name in (c for c in by_name if c in read and c not in other):
        column = by_name[name]
        if is_number(data[column].dtype) and name in as_number:
            numeric.append(column)
        else:
            categorical.append(column)
    return numeric, categorical


@dataclass(frozen=True)
class Imputation:
    """What ``na_action="impute"`` learned from the training rows (see the module notes).

    ``medians``: each numeric column's training median; ``indicators``: the numeric columns with NA in the
    training rows, each with the number of design columns (intercept excluded) before its indicator column;
    ``levels``: the categorical columns with NA in the training rows, whose NA is the level ``"NA"``.
    """

    medians: Mapping[str, float]
    indicators: Mapping[str, int]
    levels: tuple[str, ...]

    @classmethod
    def learn(cls, data: pd.DataFrame, numeric: Sequence[Any], categorical: Sequence[Any],
              weights: FloatArray | None) -> Imputation:
        """Medians (frequency-``weights``-weighted) and the columns with NA in ``data``, the training rows; the
        indicator positions are set by :meth:`placed`."""
        weights = np.ones(len(data)) if weights is None else weights
        medians: dict[str, float] = {}
        for column in numeric:
            values = data[column].to_numpy(dtype=np.float64, na_value=np.nan)
            present = ~np.isnan(values)
            median = weighted_median(values[present], weights[present])
            if math.isnan(median):
                raise DataError(
                    f"column {str(column)!r} has no value on the {len(data)} training rows (all missing, or with "
                    "zero frequency weight), so na_action='impute' has no median to fill it with. Leave it out of "
                    "the formula, or fill it yourself."
                )
            medians[str(column)] = median
        with_na = [str(c) for c in numeric if data[c].isna().any()]
        levels = tuple(str(c) for c in categorical if data[c].isna().any())
        for column in levels:
            if NA_LEVEL in set(data[column].dropna().astype(str)):
                raise DataError(
                    f"column {column!r} has missing values and also the level {NA_LEVEL!r}, which na_action='impute' "
                    f"gives to the missing values; the two would merge. Rename that level, e.g. "
                    f"df[{column!r}] = df[{column!r}].replace({{'NA': 'NA (recorded)'}})."
                )
        return cls(medians, dict.fromkeys(with_na, 0), levels)

    def placed(self, design_info: patsy.DesignInfo) -> Imputation:
        """The imputation with each indicator placed after the first term of ``design_info`` (in order) that
        reads its column, as that term's last column."""
        shift = int("Intercept" in design_info.column_names)
        ends = [([factor.code for factor in term.factors], s.stop - shift)
                for term, s in design_info.term_slices.items() if term.factors]
        positions = {column: next((stop for codes, stop in ends
                                   if any(column in referenced_names(code) for code in codes)), 0)
                     for column in self.indicators}
        ordered = sorted(positions, key=lambda c: positions[c])  # stable: ties keep the data's column order
        return replace(self, indicators={column: positions[column] for column in ordered})

    def relearned(self, data: pd.DataFrame, weights: FloatArray) -> Imputation:
        """The medians learned again on ``data`` (the training rows, before imputation) with frequency ``weights``
        (a bootstrap resample's); indicator columns and NA levels stay those of the training rows, so the design's
        columns do not change."""
        numeric = [_label(data, column) for column in self.medians]
        return replace(self, medians=Imputation.learn(data, numeric, [], weights).medians)

    # -- applying --------------------------------------------------------------------------------------

    def fill(self, data: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, BoolArray]]:
        """``data`` with the missing values of the columns it has filled (medians, the ``"NA"`` level), and each
        indicator column's values (where the column was missing) as booleans, by column (other columns untouched,
        not copied)."""
        masks: dict[str, BoolArray] = {}
        filled = self._level_values(data)
        for name, median in self.medians.items():
            column = _label(data, name, missing_ok=True)
            if column is None:
                continue
            missing = data[column].isna().to_numpy()
            if name in self.indicators:
                masks[name] = missing
            if missing.any():
                filled[column] = np.where(missing, median, data[column].to_numpy(dtype=np.float64, na_value=np.nan))
        return with_columns(data, filled), masks

    def with_levels(self, data: pd.DataFrame) -> pd.DataFrame:
        """``data`` with the missing values of the columns whose NA is a level as that level (medians not
        filled), other columns untouched, not copied."""
        return with_columns(data, self._level_values(data))

    def _level_values(self, data: pd.DataFrame) -> dict[Any, Any]:
        filled = {}
        for name in self.levels:
            column = _label(data, name, missing_ok=True)
            if column is not None and data[column].isna().any():
                filled[column] = with_na_level(data[column])
        return filled

    def column_names(self, names: Sequence[str]) -> list[str]:
        """The design's column names (intercept excluded) with the indicator columns' names in their places."""
        out = list(names)
        for k, (column, position) in enumerate(self.indicators.items()):
            out.insert(position + k, column + INDICATOR_SUFFIX)
        return out

    def shifted(self, start: int, stop: int) -> slice:
        """The columns ``start:stop`` of the design without indicators (a term's), in the design with them; a term
        ending where an indicator is placed holds it."""
        before = sum(position <= start for position in self.indicators.values())
        through = sum(position <= stop for position in self.indicators.values())
        return slice(start + before, stop + through)

    def with_indicators(self, X: Matrix, masks: Mapping[str, BoolArray]) -> Matrix:
        """``X`` (the design without indicators) with the indicator columns (``masks`` as 0/1) in their places."""
        if not self.indicators:
            return X
        inserts = [(position, masks[column].astype(np.float64)) for column, position in self.indicators.items()]
        return _insert_columns(X, inserts)

    # -- saving ----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"medians": dict(self.medians), "indicators": dict(self.indicators), "levels": list(self.levels)}

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Imputation:
        """The imputation of a :meth:`to_dict` entry checked by :func:`~glmgen.formula.check_design`."""
        return cls({str(k): float(v) for k, v in saved["medians"].items()},
                   {str(k): int(v) for k, v in saved["indicators"].items()}, tuple(saved["levels"]))


def with_na_level(values: pd.Series) -> pd.Categorical:
    """A categorical column's values with missing values as the level ``"NA"``, last after the column's levels (a
    Categorical's declared order, else patsy's sorted order)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = list(values.dtype.categories)
    else:
        levels = sorted(pd.unique(values.dropna()).tolist(), key=SortAnythingKey)
    categories = levels + [NA_LEVEL] if NA_LEVEL not in levels else levels
    return pd.Categorical(values.astype(object).where(values.notna(), NA_LEVEL), categories=categories)


def _label(data: pd.DataFrame, name: str, missing_ok: bool = False) -> Any:
    """The label of ``data``'s column named ``name`` (labels may be other than text), ``None`` if absent."""
    if name in data.columns:
        return name
    found = next((c for c in data.columns if str(c) == name), None)
    if found is None and not missing_ok:
        raise DataError(f"the data has no column {name!r}, which the model imputes; pass the training columns.")
    return found


def _insert_columns(X: Matrix, inserts: list[tuple[int, FloatArray]]) -> Matrix:
    """``X`` with each ``(position, values)`` column inserted after its first ``position`` columns (positions in
    ``X``'s numbering, non-decreasing). Positions fall between formula terms, so only a dense block (which may hold
    several terms) is ever split."""
    if isinstance(X, np.ndarray):
        positions = [position for position, _ in inserts]
        values = np.column_stack([column for _, column in inserts])
        return np.asfortranarray(np.insert(X, positions, values, axis=1))
    blocks: list[Block] = []
    k = 0
    for block, columns in zip(X.blocks, X.slices()):
        cut = columns.start
        while k < len(inserts) and inserts[k][0] < columns.stop:
            position, column = inserts[k]
            if position > cut:
                assert isinstance(block, np.ndarray), "an indicator column inside a categorical block"
                blocks.append(block[:, cut - columns.start:position - columns.start])
                cut = position
            blocks.append(column[:, None])
            k += 1
        if cut > columns.start:
            assert isinstance(block, np.ndarray)
            block = block[:, cut - columns.start:]
        blocks.append(block)
    blocks += [column[:, None] for _, column in inserts[k:]]
    return ModelMatrix(blocks)
