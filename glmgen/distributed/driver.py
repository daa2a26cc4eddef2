"""Run many iterative fits in shared passes over the data.

Each fit is a generator (:mod:`.irls`, :mod:`.penalized`) that yields the :class:`~.probes.Probe` it needs next
and receives its :class:`~.probes.Outcome`. A pass evaluates the pending probe of every unfinished fit at
once (one read of every partition), so the null model, K cross-validation folds or B bootstrap replicates
take as many passes as the slowest of them, not their sum.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from .._progress import progress_bar
from .partitions import map_reduce
from .probes import Job, Outcome, Probe, RowCount, merge_results, probe_partition


@dataclass
class Passes:
    """How many passes over the data a computation took, and the row count of the data."""

    count: int = 0
    rows: RowCount | None = None


def run(frame: Any, job: Job, fits: list[Generator[Probe, Outcome, Any]], passes: Passes | None = None,
        progress: bool | None = None) -> list[Any]:
    """Drive ``fits`` to completion, sharing passes over the model's columns of ``frame``; their return values.
    ``progress``: a bar ``glmgen dask`` ticking once per pass (:mod:`glmgen._progress`)."""
    passes = passes if passes is not None else Passes()
    frame = frame[list(job.columns)]  # read only the columns the model uses (Parquet reads no others)
    pending: dict[int, Probe] = {}
    results: dict[int, Any] = {}
    for index, fit in enumerate(fits):
        _advance(fit, index, None, pending, results)
    with progress_bar(progress, None, "dask", unit="pass") as bar:
        while pending:
            order = sorted(pending)
            rows, outcomes = map_reduce(frame, probe_partition, merge_results, job, [pending[i] for i in order])
            passes.count += 1
            passes.rows = rows
            for index, outcome in zip(order, outcomes):
                _advance(fits[index], index, outcome, pending, results)
            bar.update(1)
    return [results[i] for i in range(len(fits))]


def _advance(fit: Generator[Probe, Outcome, Any], index: int, outcome: Outcome | None, pending: dict[int, Probe],
             results: dict[int, Any]) -> None:
    """The fit's next probe, or its result. Its linear algebra (a p x p solve) runs on one BLAS thread: small
    problems gain nothing from more, and busy cores make threaded BLAS spin (measured 100x slower)."""
    with threadpool_limits(limits=1, user_api="blas"):
        _step(fit, index, outcome, pending, results)


def _step(fit: Generator[Probe, Outcome, Any], index: int, outcome: Outcome | None, pending: dict[int, Probe],
          results: dict[int, Any]) -> None:
    try:
        pending[index] = next(fit) if outcome is None else fit.send(outcome)
    except StopIteration as stop:
        pending.pop(index, None)
        results[index] = stop.value
