"""Dask plumbing: map a function over a Dask DataFrame's partitions and reduce the results by a tree of merges.

The only module that imports Dask. Work runs on whatever scheduler is active (a ``distributed.Client`` the
user made, else Dask's local one); a task lost with a worker is recomputed from its inputs by Dask, so every
function mapped here is pure: its result depends only on the partition, its number and the arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import dask
import pandas as pd
from dask import delayed

T = TypeVar("T")

#: partitions merged per node of the reduction tree
FAN_IN = 8


def map_reduce(frame: Any, function: Callable[..., T], merge: Callable[[T, T], T], *args: Any) -> T:
    """``merge`` over all partitions of ``function(partition, number, *args)``, computed in one pass.

    ``args`` are wrapped once (one node of the graph, shipped once per worker, not once per partition).
    Merges run in a tree of fan-in :data:`FAN_IN`, so no worker holds more than a few partial results.
    """
    shared = [delayed(arg, pure=True, traverse=False) for arg in args]
    mapped = [delayed(function, pure=True)(part, number, *shared)
              for number, part in enumerate(frame.to_delayed(optimize_graph=True))]
    merge_many = delayed(_merge_all, pure=True)
    while len(mapped) > 1:
        mapped = [merge_many(merge, *mapped[i:i + FAN_IN]) for i in range(0, len(mapped), FAN_IN)]
    (result,) = dask.compute(mapped[0])
    return result


def _merge_all(merge: Callable[[T, T], T], *parts: T) -> T:
    result = parts[0]
    for part in parts[1:]:
        result = merge(result, part)
    return result


def map_partitions(frame: Any, function: Callable[..., Any], meta: Any, *args: Any) -> Any:
    """The lazy collection of ``function(partition, number, *args)`` over the partitions of ``frame``."""
    return frame.map_partitions(_numbered, function, *args, meta=meta, align_dataframes=False)


def _numbered(part: pd.DataFrame, function: Callable[..., Any], *args: Any,
              partition_info: dict[str, Any] | None = None) -> Any:
    number = 0 if partition_info is None else int(partition_info["number"])
    return function(part, number, *args)


def partition_frames(frame: Any) -> Iterator[pd.DataFrame]:
    """The partitions of ``frame`` as pandas frames, one at a time (for a streaming pass on this process)."""
    for part in frame.to_delayed(optimize_graph=True):
        (computed,) = dask.compute(part)
        yield computed
