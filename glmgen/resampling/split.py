"""A seeded train/test split of a DataFrame's rows, optionally stratified."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._validation import (
    check_count,
    check_number,
    first_bad,
    is_dask_frame,
    quoted,
    suggestion,
)
from ..distributed import split_frame
from ..errors import DataError, InvalidParameterError


def split(
    data: AnyFrame, test_size: float = 0.25, seed: int = 0, stratify: str | Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random train/test split of the rows of ``data``, each part in the original row order.

    ``test_size`` is a fraction in (0, 1) or a row count. ``stratify`` (a
    column name or one label per row) keeps each class's share in both parts:
    every class contributes ``round(test_size * class size)`` test rows. ``data``: pandas, polars or pyarrow
    (as :func:`glmgen.glm`; the parts are pandas), or a Dask DataFrame.
    """
    data = as_pandas(data)
    if is_dask_frame(data):
        return _split_dask(data, test_size, seed, stratify)
    if not isinstance(data, pd.DataFrame) or len(data) < 2:
        shape = f"a DataFrame with {len(data)} rows" if isinstance(data, pd.DataFrame) else type(data).__name__
        raise DataError(f"split needs a DataFrame with at least 2 rows, got {shape}.")
    n = len(data)
    size = check_number("test_size", test_size)
    fraction = size / n if isinstance(test_size, (int, np.integer)) and size >= 1 else size
    if not 0.0 < fraction < 1.0:
        raise InvalidParameterError(f"test_size={test_size!r} must be a fraction in (0, 1) or a count in [1, {n - 1}].")
    rng = np.random.default_rng(None if seed is None else check_count("seed", seed, 0))
    if stratify is None:
        n_test = min(max(math.ceil(fraction * n), 1), n - 1)
        test_positions = rng.permutation(n)[:n_test]
    else:
        if isinstance(stratify, str) and stratify not in data.columns:
            columns = [str(c) for c in data.columns]
            raise InvalidParameterError(
                f"stratify={stratify!r} is not a column of the data (columns: {quoted(columns[:12])}"
                f"{', ...' if len(columns) > 12 else ''}).{suggestion(stratify, columns)}"
            )
        labels = data[stratify].to_numpy() if isinstance(stratify, str) else np.asarray(stratify)
        if len(labels) != n:
            raise DataError(f"stratify has {len(labels)} labels but data has {n} rows.")
        missing = pd.isna(labels)
        if missing.any():
            count, row = first_bad(np.asarray(missing), data.index)
            raise DataError(f"stratify labels are missing for {count} rows (first: row {row}); fill them first.")
        codes, classes = pd.factorize(labels)
        sizes = np.bincount(codes)
        if sizes.min() < 2:
            raise DataError(
                f"stratify needs at least 2 rows per class, but {np.sum(sizes < 2)} of its {len(classes)} classes "
                f"have 1 row (first: {str(classes[int(np.argmin(sizes))])!r}), so they cannot be in both parts. A "
                "continuous column has one class per value: bin it first, e.g. stratify=pd.qcut(data['x'], 4)."
            )
        groups = pd.Series(np.arange(n)).groupby(codes)
        test_positions = np.concatenate([
            rng.permutation(members.to_numpy())[: round(fraction * len(members))] for _, members in groups
        ])
        if not 0 < len(test_positions) < n:
            raise DataError(
                f"stratify: test_size={test_size!r} rounds to {len(test_positions)} test rows of {n} over "
                f"{len(classes)} classes (round(test_size * class size) per class); use a larger test_size or "
                "fewer classes."
            )
    is_test = np.zeros(n, dtype=bool)
    is_test[test_positions] = True
    return data[~is_test], data[is_test]


def _split_dask(data: Any, test_size: float, seed: int, stratify: Any) -> tuple[Any, Any]:
    """The split of a Dask DataFrame (:func:`glmgen.distributed.split_frame`): a seeded draw per row."""
    if stratify is not None:
        raise InvalidParameterError("stratify= needs the rows in memory; a Dask DataFrame is split by a seeded draw "
                                    "per row (drop stratify=).")
    fraction = check_number("test_size", test_size)
    if not 0.0 < fraction < 1.0:
        raise InvalidParameterError(f"test_size={test_size!r} must be a fraction in (0, 1) for a Dask DataFrame "
                                    "(its rows are not counted before the split).")
    return split_frame(data, fraction, 0 if seed is None else check_count("seed", seed, 0))
