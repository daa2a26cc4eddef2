"""Which rows of a partition a model uses, and with what multiplicity: seeded draws per partition.

Every draw is a function of (seed, stream, partition number, row position in the partition) only, so it is
the same on every pass, on any worker, and after Dask recomputes a lost partition; it changes with the
partitioning. Streams keep the draws of different tools independent:

- cross-validation folds: a random permutation of ``0, 1, ..., K-1, 0, 1, ...`` over the partition's rows
  (folds balanced within each partition);
- the Poisson bootstrap: replicate ``r`` gives each row a count drawn from Poisson(1), from its own stream, so a
  replicate does not depend on how many replicates are drawn (the standard distributed bootstrap: the counts
  are independent across rows, and their total is random, unlike the multinomial of the in-memory bootstrap);
- train/test split: each row is a test row with probability ``test_size``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FOLDS, _BOOTSTRAP, _SPLIT = 1, 2, 3


def _rng(seed: int, stream: int, number: int, *more: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream, number, *more]))


def partition_fold_ids(number: int, n_rows: int, folds: int, seed: int) -> IntArray:
    """Fold ids ``0..folds-1`` of the ``n_rows`` rows of partition ``number``."""
    return _rng(seed, _FOLDS, number).permutation(np.arange(n_rows) % folds).astype(np.int64)


def partition_counts(number: int, n_rows: int, replicate: int, seed: int) -> IntArray:
    """Poisson(1) counts of the rows of partition ``number`` in bootstrap replicate ``replicate``."""
    return _rng(seed, _BOOTSTRAP, number, replicate).poisson(1.0, n_rows).astype(np.int64)


def partition_test_rows(number: int, n_rows: int, test_size: float, seed: int) -> npt.NDArray[np.bool_]:
    """Whether each row of partition ``number`` is a test row (probability ``test_size``)."""
    return _rng(seed, _SPLIT, number).random(n_rows) < test_size


@dataclass(frozen=True)
class RowSet:
    """The rows a model is fitted or scored on: all rows (``kind="all"``), the training rows of fold ``fold`` of
    ``folds`` (``"train"``) or its held-out rows (``"test"``), or bootstrap replicate ``replicate`` (``"replicate"``,
    rows weighted by their Poisson counts)."""

    kind: str = "all"
    folds: int = 0
    fold: int = -1
    replicate: int = -1
    seed: int = 0

    def multiplier(self, number: int, n_rows: int) -> FloatArray | None:
        """Each row's multiplicity in partition ``number`` (``None``: every row once)."""
        if self.kind == "all":
            return None
        if self.kind == "replicate":
            return partition_counts(number, n_rows, self.replicate, self.seed).astype(float)
        ids = partition_fold_ids(number, n_rows, self.folds, self.seed)
        return ((ids != self.fold) if self.kind == "train" else (ids == self.fold)).astype(float)


ALL_ROWS = RowSet()
