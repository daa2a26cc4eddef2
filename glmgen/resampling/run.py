"""Running replicates: fixed chunks through a deterministic parallel map, and what each chunk sends back.

Replicate ``r`` uses the generator
``np.random.default_rng(np.random.SeedSequence(seed).spawn(n)[r])``. Chunks
depend only on the number of replicates, never on ``n_jobs``, and run
through :func:`glmgen._parallel.deterministic_map` (one BLAS thread per
task), so results depend only on the seed. Each chunk computes its
replicates' deviances and out-of-bag sums itself and drops the n-length
arrays before returning.
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._parallel import deterministic_map
from .._progress import progress_bar
from .refit import Refit
from .resampler import Resampler, resample_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class ChunkOutput:
    """What one task returns: per-replicate results and the out-of-bag sums over its replicates."""

    refits: list[Refit | None]
    errors: list[str | None]
    deviance_resample: list[float]
    weight_resample: list[float]
    deviance_original: list[float]
    oob_sum: FloatArray | None
    oob_count: IntArray | None
    warnings: dict[str, list[Any]]


def refit_safely(engine: Any, counts: IntArray, rng: np.random.Generator, y: FloatArray | None,
                 caught: dict[str, list[Any]]) -> tuple[Refit | None, str | None]:
    """``engine.refit``, with an exception recorded as a message and warnings counted by class in ``caught``."""
    with warnings_module.catch_warnings(record=True) as records:
        warnings_module.simplefilter("always")
        try:
            refit = engine.refit(counts, rng, y)
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed replicate is recorded, never raised
            refit, error = None, f"{type(exc).__name__}: {exc}"
    for record in records:
        entry = caught.setdefault(record.category.__name__, [0, str(record.message)])
        entry[0] += 1
    return refit, error


def run_chunk(engine: Any, resampler: Resampler, method: str, seeds: Sequence[np.random.SeedSequence]) -> ChunkOutput:
    """Refit the replicates whose seeds are given (one task of :func:`deterministic_map`).

    Per replicate: the deviance of the refit on its resample (counts as
    weights) and on the original rows, and, for case resampling, the unit
    deviances of its out-of-bag rows added to the chunk's sums. A refit
    whose fitted means are on the boundary (:meth:`Family.at_boundary`) on
    its resample rows, or that its engine found diverging, is separated and
    counts as not converged.
    """
    rows = engine.rows
    n = rows.n_rows
    caught: dict[str, list[Any]] = {}
    out = ChunkOutput([], [], [], [], [], None if method == "parametric" else np.zeros(n),
                      None if method == "parametric" else np.zeros(n, dtype=np.int64), caught)
    used = rows.weights > 0
    weights = np.where(used, rows.weights, 0.0)
    total = float(weights.sum())
    for child in seeds:
        rng = np.random.default_rng(child)
        y_star = engine.simulate(rng) if method == "parametric" else None
        counts = np.ones(n, dtype=np.int64) if method == "parametric" else resampler.draw(rng)
        refit, error = refit_safely(engine, counts, rng, y_star, caught)
        out.refits.append(refit)
        out.errors.append(error)
        deviances = (math.nan, math.nan, math.nan)
        if refit is not None and refit.eta is not None:
            with np.errstate(all="ignore"):
                mu = rows.link.inverse(refit.eta) if refit.mu is None else refit.mu
                # unit deviances on every original row; rows without weight contribute nothing
                unit = np.where(used, rows.family.unit_deviance(rows.y, mu), 0.0)
                original = float(weights @ unit)
                if y_star is not None:
                    star = np.where(used, rows.family.unit_deviance(y_star, mu), 0.0)
                    deviances = (float(weights @ star), total, original)
                else:
                    resampled = resample_weights(weights, counts)
                    deviances = (float(resampled @ unit), float(resampled.sum()), original)
                    oob = used & (counts == 0)
                    assert out.oob_sum is not None and out.oob_count is not None
                    np.add(out.oob_sum, unit, out=out.oob_sum, where=oob)
                    np.add(out.oob_count, 1, out=out.oob_count, where=oob)
                fitted = used & (counts > 0)
                refit.separated = refit.separated or bool(np.any(fitted & rows.family.at_boundary(mu)))
        if refit is not None and refit.separated:
            refit.converged = False
        if refit is not None:
            refit.eta = refit.y = refit.mu = None  # n-length arrays: not kept, not sent back to the main process
        out.deviance_resample.append(deviances[0])
        out.weight_resample.append(deviances[1])
        out.deviance_original.append(deviances[2])
    return out


def run_jackknife_chunk(engine: Any, left_out: Sequence[IntArray], seeds: Sequence[np.random.SeedSequence]
                        ) -> list[Refit | None]:
    """Refits without the rows of each entry of ``left_out`` (the jackknife behind BCa's acceleration)."""
    caught: dict[str, list[Any]] = {}
    refits = []
    for rows, child in zip(left_out, seeds):
        counts = np.ones(engine.rows.n_rows, dtype=np.int64)
        counts[rows] = 0
        refit = refit_safely(engine, counts, np.random.default_rng(child), None, caught)[0]
        if refit is not None:
            refit.eta = refit.mu = None
        refits.append(refit)
    return refits


def chunks(n_tasks: int) -> list[range]:
    """Fixed chunks of replicate indices (they depend only on the number of replicates, never on n_jobs)."""
    size = min(100, max(1, math.ceil(n_tasks / 20)))
    return [range(start, min(start + size, n_tasks)) for start in range(0, n_tasks, size)]


def map_chunks(function: Callable[..., Any], tasks: list[tuple[Any, ...]], sizes: list[int], n_jobs: int,
               progress: bool | None, description: str) -> list[Any]:
    """:func:`deterministic_map` over the tasks, with a bar of ``sum(sizes)`` refits (:mod:`glmgen._progress`)."""
    with progress_bar(progress, sum(sizes), description, unit="refit") as bar:
        return deterministic_map(function, tasks, n_jobs, bar=bar, sizes=sizes)


def coefficient_matrix(refits: Sequence[Refit | None], columns: list[str]) -> FloatArray:
    """Refit coefficients as rows aligned to ``columns`` (0.0 for names a refit lacks; NaN for failed refits)."""
    matrix = np.full((len(refits), len(columns)), np.nan)
    position = {name: j for j, name in enumerate(columns)}
    for i, refit in enumerate(refits):
        if refit is None:
            continue
        if isinstance(refit.coef, dict):
            matrix[i] = 0.0
            for name, value in refit.coef.items():
                if name in position:
                    matrix[i, position[name]] = value
        else:
            matrix[i] = refit.coef
    return matrix
