"""Fixtures of the Dask backend's tests: a 2-process ``distributed.LocalCluster`` and the schedulers a test runs on.

Test modules load them with ``pytest_plugins = ["dask_fixtures"]`` (and import helpers from
:mod:`dask_support`). This is not a ``conftest.py``: pytest imports every ``conftest.py`` without an
``__init__.py`` under the module name ``conftest``, so a second one would replace ``tests/conftest.py`` for
the ``from conftest import ...`` of the other test modules. A plugin is registered once, so the
session-scoped cluster starts once per test process.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import distributed
import pytest


# --------------------------------------------------------------------------- schedulers
@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[distributed.Client]:
    """A client of a ``LocalCluster`` with 2 worker processes (1 thread each, logs silenced), started once per
    test process and closed when the session ends (its workers import glmgen on first use, about 3 s).
    Created with ``set_as_default=False``: it computes only inside tests that activate it (``dask_client``)."""
    with warnings.catch_warnings():  # its HTTP server moves to a free port when another cluster holds 8787
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                           silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def dask_client(dask_cluster: distributed.Client) -> Iterator[distributed.Client]:
    """The shared cluster's client, active (Dask computes on it) for the duration of the test; the test must
    have run tasks on its workers."""
    with dask_cluster.as_current(), distributed.get_task_stream(dask_cluster) as tasks:
        yield dask_cluster
    assert tasks.data, "no task ran on the cluster's workers during the test"


@pytest.fixture
def local_scheduler() -> None:
    """Asserts that no ``distributed.Client`` is active: the test runs on Dask's default local scheduler."""
    with pytest.raises(ValueError):
        distributed.get_client()


@pytest.fixture(params=["local", "cluster"])
def scheduler(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test twice: on Dask's default local scheduler, and on the shared 2-process cluster."""
    if request.param == "local":
        request.getfixturevalue("local_scheduler")
        yield "local"
    else:
        request.getfixturevalue("dask_client")
        yield "cluster"
