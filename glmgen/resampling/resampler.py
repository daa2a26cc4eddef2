"""Resampling schemes: row counts for case, stratified and cluster resampling, and the weights they give.

A resample is a vector of counts ``c`` over the original rows, never a copy
of the data: case resampling draws ``n`` rows with replacement; stratified
resampling draws within each stratum (every stratum keeps its size); cluster
resampling draws whole groups, each row getting its group's count. The
refit's total weight of row ``i`` is :func:`resample_weights`
``w_i * c_i`` with ``w_i`` its fitting weight (prior weight x binomial trials
x frequency weight); rows with ``c_i = 0`` are out-of-bag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import column_of, first_bad
from ..errors import DataError, InvalidParameterError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def resample_weights(weights: FloatArray, counts: IntArray) -> FloatArray:
    """Total weight of each original row in a resample, ``weights_i * counts_i`` ``(n,)``.

    ``weights`` are the rows' fitting weights (or any per-row frequency such
    as the frequency weights alone); ``counts`` the resample counts.
    """
    return weights * counts


@dataclass(frozen=True, eq=False)
class Resampler:
    """Draws resample counts for ``n_rows`` rows: case, stratified, cluster, or clusters within strata.

    ``strata`` and ``groups`` are integer codes per row (or ``None``); with
    both, every group must lie in one stratum and groups are resampled within
    their stratum.
    """

    n_rows: int
    strata: IntArray | None = None
    groups: IntArray | None = None
    _units: tuple[IntArray, ...] = field(default=(), repr=False)

    @classmethod
    def build(cls, n_rows: int, strata: IntArray | None, groups: IntArray | None) -> Resampler:
        if groups is not None and strata is not None:
            per_group = pd.Series(strata).groupby(groups).nunique()
            if (per_group > 1).any():
                raise DataError(
                    f"group {per_group.index[int(np.argmax(per_group.to_numpy() > 1))]!r} spans several strata; "
                    "with both "
                    "strata= and groups=, every group must lie within one stratum (groups are resampled within strata)."
                )
        # resampling units (rows or groups) per stratum
        unit_stratum = (np.zeros(n_rows if groups is None else int(groups.max()) + 1, dtype=np.int64)
                        if strata is None else
                        (strata if groups is None else pd.Series(strata).groupby(groups).first().to_numpy()))
        units = tuple(u for u in (np.flatnonzero(unit_stratum == s) for s in range(int(unit_stratum.max()) + 1))
                      if u.size)
        if all(u.size < 2 for u in units):
            unit = "row" if groups is None else "group"
            where = "the data has" if strata is None else f"each of the {len(units)} strata has"
            raise DataError(
                f"{where} a single {unit} to resample, so every bootstrap resample would equal the data (standard "
                f"errors 0). Give at least 2 {unit}s per stratum: fewer or coarser strata=, or groups= with "
                "several groups."
            )
        return cls(n_rows, strata, groups, units)

    def draw(self, rng: np.random.Generator) -> IntArray:
        """Counts per row; each stratum's units are drawn ``len(units)`` times with replacement."""
        n_units = self.n_rows if self.groups is None else int(self.groups.max()) + 1
        unit_counts = np.zeros(n_units, dtype=np.int64)
        for members in self._units:
            unit_counts[members] = np.bincount(rng.integers(0, members.size, members.size), minlength=members.size)
        return unit_counts if self.groups is None else unit_counts[self.groups]

    def jackknife_units(self, blocks: int | None, seed: int) -> tuple[list[IntArray], FloatArray]:
        """Rows left out by each jackknife refit and the multiplier ``n_s - 1`` of boot's ``usual.jack``.

        ``blocks=None``: one unit (row or group) at a time; an int: that many
        random blocks of units (multiplier ``G - 1``).
        """
        rows_of = self._unit_rows()
        if blocks is None:
            left_out, multipliers = [], []
            for members in self._units:
                for unit in members:
                    left_out.append(rows_of(unit))
                    multipliers.append(members.size - 1.0)
            return left_out, np.array(multipliers)
        all_units = np.concatenate(self._units)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31,)))
        block_of = rng.permutation(np.arange(all_units.size) % blocks)
        left_out = [np.concatenate([rows_of(u) for u in all_units[block_of == g]]) for g in range(blocks)]
        return left_out, np.full(blocks, blocks - 1.0)

    def _unit_rows(self) -> Callable[[int], IntArray]:
        """A function giving the rows of one resampling unit (the row itself, or the rows of a group)."""
        groups = self.groups
        if groups is None:
            return lambda unit: np.array([unit])
        order = np.argsort(groups, kind="stable")
        bounds = np.searchsorted(groups[order], np.arange(int(groups.max()) + 2))
        return lambda unit: order[bounds[unit]:bounds[unit + 1]]

    @property
    def n_units(self) -> int:
        return int(sum(u.size for u in self._units))


def resample_labels(value: Any, name: str, n_rows: int, kept: npt.NDArray[np.bool_],
                    data: pd.DataFrame | None) -> IntArray:
    """Integer codes of strata/group labels given as a column name (of ``data``) or one label per row.

    Labels given for every row of the caller's data (``len(kept)``) are
    restricted to the rows the fit kept.
    """
    if isinstance(value, str):
        if data is None:
            raise InvalidParameterError(
                f"{name}={value!r} names a column, but this result holds no data frame: pass data=... (the training "
                f"data) or give {name} as one label per training row."
            )
        labels = column_of(data, value, name)
    else:
        labels = np.asarray(value)
    if labels.ndim != 1:
        raise DataError(f"{name} must be one label per row, got an array of shape {labels.shape}.")
    if len(labels) == len(kept) and len(labels) != n_rows:
        labels = labels[kept]
    if len(labels) != n_rows:
        raise DataError(f"{name} has {len(labels)} labels but the fit used {n_rows} rows; give one label per row.")
    missing = np.asarray(pd.isna(labels))
    if missing.any():
        count, row = first_bad(missing, None)
        raise DataError(f"{name} has {count} missing labels (first: position {row}); fill them or drop those rows.")
    return pd.factorize(labels, sort=True)[0].astype(np.int64)
