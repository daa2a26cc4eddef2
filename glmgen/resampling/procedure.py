"""The procedure being bootstrapped: a refit engine with its resampling scheme, kept on the result.

A :class:`~.records.BootstrapResult` asks it for a replicate's resample
counts (regenerated from the seed) and for the jackknife influence values
behind BCa's acceleration (exact leave-one-unit-out refits, blocks of
units, or the infinitesimal jackknife of an unpenalized GLM).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import check_choice
from ..errors import InvalidParameterError
from .engines_glm import GLMEngine
from .resampler import Resampler
from .run import chunks, coefficient_matrix, map_chunks, run_jackknife_chunk

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: units up to which BCa uses exact leave-one-out refits; beyond, blocks of units
EXACT_JACKKNIFE_UNITS = 2000
JACKKNIFE_BLOCKS = 200


@dataclass(frozen=True, eq=False)
class Procedure:
    """A refit engine with its resampling scheme and settings; kept on the result for BCa and ``resample_counts``."""

    engine: Any
    resampler: Resampler
    method: str
    seed: int
    n_boot: int
    columns: list[str]
    n_jobs: int
    progress: bool | None

    def counts(self, replicate: int) -> IntArray:
        """The resample counts of ``replicate``, regenerated from the seed."""
        whole = isinstance(replicate, (int, np.integer)) and not isinstance(replicate, bool)
        if not (whole and 0 <= replicate < self.n_boot):
            raise InvalidParameterError(
                f"replicate={replicate!r} must be a whole number in [0, {self.n_boot}) (one of the n_boot replicates)."
            )
        if self.method == "parametric":
            return np.ones(self.resampler.n_rows, dtype=np.int64)
        child = np.random.SeedSequence(self.seed).spawn(self.n_boot)[replicate]
        return self.resampler.draw(np.random.default_rng(child))

    def influence(self, jackknife: str | int | None, estimate: pd.Series) -> FloatArray:
        """Empirical influence values ``(units, coefficients)`` for the BCa acceleration."""
        if self.method == "parametric":
            raise InvalidParameterError("BCa intervals need a nonparametric (case) bootstrap; use method='normal', "
                                        "'basic' or 'percentile' for a parametric bootstrap.")
        jackknife = self._jackknife_kind(jackknife)
        if jackknife == "infinitesimal":
            return self.engine.influence()  # type: ignore[no-any-return]
        left_out, multipliers = self.resampler.jackknife_units(None if jackknife == "exact" else int(jackknife),
                                                               self.seed)
        seeds = np.random.SeedSequence(self.seed).spawn(self.n_boot + len(left_out))[self.n_boot:]
        pieces = chunks(len(left_out))
        tasks = [(self.engine, [left_out[i] for i in c], [seeds[i] for i in c]) for c in pieces]
        parts = map_chunks(run_jackknife_chunk, tasks, [len(c) for c in pieces], self.n_jobs, self.progress,
                           "jackknife")
        values = coefficient_matrix([r for part in parts for r in part], self.columns)
        return multipliers[:, None] * (estimate.reindex(self.columns).to_numpy()[None, :] - values)

    def _jackknife_kind(self, jackknife: str | int | None) -> str | int:
        """``"exact"``, ``"infinitesimal"`` or a number of blocks: the choice checked, or the default for the data.

        By default exact up to :data:`EXACT_JACKKNIFE_UNITS` units; beyond, infinitesimal for an unpenalized GLM
        without groups, else :data:`JACKKNIFE_BLOCKS` blocks.
        """
        if isinstance(jackknife, str):
            jackknife = check_choice("jackknife", jackknife, ("exact", "infinitesimal"))
        elif jackknife is not None and not (isinstance(jackknife, (int, np.integer)) and jackknife >= 2):
            raise InvalidParameterError(
                f"jackknife={jackknife!r} must be None, 'exact', 'infinitesimal' or an int >= 2.")
        infinitesimal_ok = isinstance(self.engine, GLMEngine) and self.resampler.groups is None
        if jackknife is None:
            units = self.resampler.n_units
            if units <= EXACT_JACKKNIFE_UNITS:
                return "exact"
            return "infinitesimal" if infinitesimal_ok else min(JACKKNIFE_BLOCKS, units)
        if jackknife == "infinitesimal" and not infinitesimal_ok:
            raise InvalidParameterError("jackknife='infinitesimal' is available for unpenalized GLM fits with "
                                        "case or stratified resampling only; use 'exact' or a number of blocks.")
        return jackknife
