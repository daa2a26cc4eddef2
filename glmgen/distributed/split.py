"""Train/test split of a Dask DataFrame: a seeded draw per row, partition by partition (no shuffle)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .partitions import map_partitions
from .rows import partition_test_rows


def split_frame(frame: Any, test_size: float, seed: int) -> tuple[Any, Any]:
    """``(train, test)`` lazy Dask DataFrames: each row is a test row with probability ``test_size``, drawn from a
    seed stream per partition (:func:`~.rows.partition_test_rows`), so the test share is about ``test_size``
    and the parts keep the partitioning and the row order."""
    return (map_partitions(frame, _part, frame._meta, test_size, seed, False),
            map_partitions(frame, _part, frame._meta, test_size, seed, True))


def _part(part: pd.DataFrame, number: int, test_size: float, seed: int, test: bool) -> pd.DataFrame:
    flags = partition_test_rows(number, len(part), test_size, seed)
    return part[flags if test else ~flags]
