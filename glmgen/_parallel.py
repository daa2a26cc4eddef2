"""A deterministic parallel map: the same results for any ``n_jobs``.

Floating-point sums inside BLAS depend on its thread count, so every task
runs with one BLAS thread, whether in this process (``n_jobs=1``) or in a
joblib worker. Tasks are independent and results come back in task order.
Each task runs with automatic progress bars hidden (:func:`glmgen._progress.quiet`);
the caller's bar, if any, advances as tasks finish.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from ._progress import HIDDEN, Bar, quiet

T = TypeVar("T")


def _single_threaded(function: Callable[..., T], args: Sequence[Any]) -> T:
    with threadpool_limits(limits=1, user_api="blas"), quiet():
        return function(*args)


def deterministic_map(function: Callable[..., T], tasks: Sequence[Sequence[Any]], n_jobs: int = 1, *,
                      bar: Bar = HIDDEN, sizes: Sequence[int] | None = None) -> list[T]:
    """``[function(*task) for task in tasks]``, over ``n_jobs`` processes (-1 = all cores); ``bar`` advances by
    ``sizes[i]`` (default 1) when task ``i`` is done."""
    done: list[T] = []
    if n_jobs == 1 or len(tasks) <= 1:
        with threadpool_limits(limits=1, user_api="blas"), quiet():
            for i, task in enumerate(tasks):
                done.append(function(*task))
                bar.update(1 if sizes is None else sizes[i])
        return done
    results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(_single_threaded)(function, task)
                                                             for task in tasks)
    for i, result in enumerate(results):
        done.append(result)
        bar.update(1 if sizes is None else sizes[i])
    return done
