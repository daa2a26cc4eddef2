"""A worker process killed in the middle of a fit: Dask recomputes what it held, and the fit completes with the
answer of an undisturbed run (issue 14: "fault test: a worker killed mid-fit, the fit completes (Dask
recomputes lost partitions) with the same answer").

The cluster is the shared 2-process ``LocalCluster`` of :mod:`dask_fixtures` (its nannies restart a killed
worker; the test waits until both workers are back; the file name sorts it after the other test_dask
modules, which so run on warm workers). The data are generated inside the partitions from a seed per
partition (60,000 rows in 12 partitions), so every pass over the data recomputes them and a lost partition
can be recomputed anywhere. A thread kills one worker (SIGKILL to its process, as an out-of-memory killer
would) once the fit has submitted half of the graphs an undisturbed fit submits and that worker is running
tasks of the current graph; a scheduler plugin counts the graphs. The reference for the answer is the
undisturbed Dask fit, and glmgen's in-memory fit of the same rows.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dask.dataframe as dd
import distributed
import numpy as np
import pandas as pd
from dask_support import UNPENALIZED_RTOL, assert_same_fit
from distributed.diagnostics.plugin import SchedulerPlugin

import glmgen as gg

pytest_plugins = ["dask_fixtures"]

N_PARTITIONS, ROWS_PER_PARTITION = 12, 5_000
FORMULA = "y ~ x1 + x2 + x3 + g"
#: a rerun of the same graph on the same cluster merges the same partial sums in the same order
RERUN_RTOL = 1e-12


def make_partition(number: int) -> pd.DataFrame:
    """Partition ``number``: Poisson rows drawn from the seed ``[2026, number]``."""
    rng = np.random.default_rng([2026, number])
    X = rng.normal(size=(ROWS_PER_PARTITION, 3))
    g = rng.integers(0, 4, ROWS_PER_PARTITION)
    eta = 0.2 + X @ np.array([0.3, -0.2, 0.1]) + np.array([0.0, 0.3, -0.2, 0.1])[g]
    frame = pd.DataFrame(X, columns=["x1", "x2", "x3"])
    frame["g"] = np.array(["a", "b", "c", "d"])[g]
    frame["y"] = rng.poisson(np.exp(eta)).astype(float)
    frame.index = pd.RangeIndex(number * ROWS_PER_PARTITION, (number + 1) * ROWS_PER_PARTITION)
    return frame


def dask_frame() -> dd.DataFrame:
    return dd.from_map(make_partition, range(N_PARTITIONS))


class GraphCounter(SchedulerPlugin):
    """Counts the graphs submitted to the scheduler (one per ``dask.compute``)."""

    name = "glmgen-test-graph-counter"

    def __init__(self) -> None:
        self.count = 0

    def update_graph(self, scheduler: Any, **kwargs: Any) -> None:
        self.count += 1


@dataclass
class Kill:
    """What the killer thread did: the worker and process it killed, when, and how many tasks it was running."""

    worker: str = ""
    pid: int = 0
    at: float = float("inf")
    processing: int = 0
    error: Exception | None = None


def graphs_submitted(client: distributed.Client) -> int:
    """Read from the scheduler object of the ``LocalCluster`` (it runs in this process): no round trip, so
    polling it does not slow the computation down."""
    return int(client.cluster.scheduler.plugins[GraphCounter.name].count)


def kill_when(client: distributed.Client, after_graphs: int) -> tuple[threading.Thread, Kill]:
    """A started thread that SIGKILLs one worker process once ``after_graphs`` graphs were submitted and that
    worker is running tasks."""
    pids = client.run(os.getpid)
    worker = min(pids)
    kill = Kill(worker=worker, pid=pids[worker])

    def watch() -> None:
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if graphs_submitted(client) >= after_graphs:
                    running = client.processing(workers=[worker]).get(worker, ())
                    if running:
                        os.kill(kill.pid, signal.SIGKILL)
                        kill.at, kill.processing = time.monotonic(), len(running)
                        return
                time.sleep(0.005)
        except Exception as error:  # noqa: BLE001 - any failure of the watcher thread is re-raised by the test
            kill.error = error

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread, kill


def run_with_a_worker_killed(client: distributed.Client, compute: Callable[[], Any]) -> tuple[Any, Any, Kill]:
    """``compute()`` undisturbed, then again with a worker killed half way through its graphs; both results
    and the kill. Checks that the worker was killed while running tasks of the second run, and that its
    nanny brought the cluster back to 2 workers, neither of them the killed process."""
    client.register_plugin(GraphCounter())
    start = graphs_submitted(client)
    undisturbed = compute()
    graphs = graphs_submitted(client) - start
    assert graphs >= 3, f"the computation submitted {graphs} graphs: too few passes to be killed in the middle"
    thread, kill = kill_when(client, graphs_submitted(client) + graphs // 2 + 1)
    disturbed = compute()
    finished = time.monotonic()
    thread.join(timeout=5)
    assert kill.error is None, kill.error
    assert kill.at < finished, "the worker was not killed before the computation finished"
    assert kill.processing > 0
    client.wait_for_workers(2, timeout=30)
    assert kill.pid not in client.run(os.getpid).values()
    return undisturbed, disturbed, kill


def test_a_fit_survives_a_worker_killed_mid_fit(dask_client: distributed.Client) -> None:
    """The fit completes with the undisturbed run's answer, which is the in-memory fit's."""
    ddf = dask_frame()
    undisturbed, disturbed, _ = run_with_a_worker_killed(dask_client, lambda: gg.glm(FORMULA, ddf, "poisson"))
    assert_same_fit(disturbed, undisturbed, rtol=RERUN_RTOL)
    frame = pd.concat([make_partition(number) for number in range(N_PARTITIONS)])
    assert_same_fit(disturbed, gg.glm(FORMULA, frame, "poisson"), rtol=UNPENALIZED_RTOL)
