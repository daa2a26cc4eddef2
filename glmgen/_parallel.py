"""A deterministic parallel map: the same results for any ``n_jobs``.

Floating-point sums inside BLAS depend on its thread count, so every task
runs with one BLAS thread, whether in this process (``n_jobs=1``) or in a
joblib worker. Tasks are independent and results come back in task order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

T = TypeVar("T")


def _single_threaded(function: Callable[..., T], args: Sequence[Any]) -> T:
    with threadpool_limits(limits=1, user_api="blas"):
        return function(*args)


def deterministic_map(function: Callable[..., T], tasks: Sequence[Sequence[Any]], n_jobs: int = 1) -> list[T]:
    """``[function(*task) for task in tasks]``, over ``n_jobs`` processes (-1 = all cores)."""
    if n_jobs == 1 or len(tasks) <= 1:
        with threadpool_limits(limits=1, user_api="blas"):
            return [function(*task) for task in tasks]
    return list(Parallel(n_jobs=n_jobs)(delayed(_single_threaded)(function, task) for task in tasks))
