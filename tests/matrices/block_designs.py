"""Random designs made of blocks, and their dense twins, for the tests of ``glmgen.matrices`` (a helper module,
not a conftest: ``tests/conftest.py`` is imported as ``conftest`` by other test modules).

``build_matrix(rng, kinds, n)`` returns a :class:`~glmgen.matrices.ModelMatrix` whose blocks follow
``kinds`` (``"dense"``, ``"cat"``: every row has a column, ``"cat_ref"``: some rows have code -1,
``"cat_values"``: codes with a value per row, ``"sparse"``) and the same matrix assembled densely from the raw block data: the tests check
``X.toarray()`` against it, then take ``X.toarray()`` as the reference for every operation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse

from glmgen.matrices import CategoricalBlock, ModelMatrix, SparseBlock

#: the block kinds build_matrix knows
KINDS = ("dense", "cat", "cat_ref", "cat_values", "sparse")


def random_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Positive weights, about a third exactly zero, at least one positive."""
    v = rng.uniform(0.1, 3.0, n) * (rng.uniform(size=n) > 0.33)
    v[int(rng.integers(0, n))] = 1.5
    return v


def one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    """The ``(n, k)`` indicator matrix of ``codes`` (code -1: a row of zeros), built with ``np.eye``."""
    padded = np.vstack([np.eye(k), np.zeros((1, k))])
    return padded[np.where(codes < 0, k, codes)]


def build_matrix(rng: np.random.Generator, kinds: Sequence[str], n: int) -> tuple[ModelMatrix, np.ndarray]:
    """A ModelMatrix with blocks of ``kinds`` and the same matrix assembled densely from the raw data."""
    blocks, dense = [], []
    for kind in kinds:
        width = int(rng.integers(1, 5))
        if kind == "dense":
            block = rng.standard_normal((n, width)) * rng.uniform(0.5, 3.0, width) + rng.uniform(-2, 2, width)
            blocks.append(block)
            dense.append(block)
        elif kind in ("cat", "cat_ref"):
            low = -1 if kind == "cat_ref" else 0
            codes = rng.integers(low, width, n).astype(np.int32)
            blocks.append(CategoricalBlock(codes, width))
            dense.append(one_hot(codes, width))
        elif kind == "cat_values":  # a factor's interaction with a numeric column: one slope per level
            codes = rng.integers(-1, width, n).astype(np.int32)
            values = rng.standard_normal(n) * 2.0 + 1.0
            blocks.append(CategoricalBlock(codes, width, values))
            dense.append(one_hot(codes, width) * values[:, None])
        elif kind == "sparse":
            values = scipy.sparse.random_array((n, width), density=0.3, format="csc", rng=rng,
                                               data_sampler=rng.standard_normal)
            blocks.append(SparseBlock(values))
            dense.append(values.toarray())
        else:
            raise AssertionError(kind)
    return ModelMatrix(blocks), np.hstack(dense)
