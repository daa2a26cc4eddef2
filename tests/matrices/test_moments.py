"""One-pass weighted moments of ``[X, z]`` (``GroupedMoments``) against NumPy on the dense twin of ``X``.

The reference: ``total = sum v``, ``mean = [Xd, z]' v / total`` and ``cross = ((C - mean) * v)' (C - mean)``
with ``C = [X.toarray(), z]``. Designs mix dense blocks and at most one categorical block (indicators, with
a reference level, with values); weights include exact zeros; columns sit far from zero (means of 1e4), so a
cross-product formed from uncentred sums would lose digits.
"""

from __future__ import annotations

import numpy as np
import pytest
from block_designs import build_matrix, random_weights
from hypothesis import given, settings
from hypothesis import strategies as st

from glmgen.matrices import CategoricalBlock, GroupedMoments, ModelMatrix

RTOL, ATOL = 1e-10, 1e-9
PROPERTY = settings(max_examples=30, deadline=None)
LAYOUTS = (("dense",), ("cat",), ("dense", "cat"), ("cat_ref", "dense"), ("dense", "cat_values", "dense"))


def reference(X: np.ndarray, v: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    columns = np.column_stack([X, z])
    total = float(v.sum())
    mean = v @ columns / total
    centred = columns - mean
    return total, mean, (centred * v[:, None]).T @ centred


def shifted(rng: np.random.Generator, kinds: tuple[str, ...], n: int) -> tuple[ModelMatrix, np.ndarray]:
    """A design of ``kinds`` with its dense columns moved to a mean of 1e4, and its dense twin."""
    X, _ = build_matrix(rng, list(kinds), n)
    blocks = [block + 1e4 if isinstance(block, np.ndarray) else block for block in X.blocks]
    moved = ModelMatrix(blocks)
    return moved, moved.toarray()


def assert_moments(moments: GroupedMoments, X: np.ndarray, v: np.ndarray, z: np.ndarray) -> None:
    total, mean, cross = reference(X, v, z)
    assert moments.total == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(moments.mean, mean, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(moments.cross, cross, rtol=RTOL, atol=ATOL * max(1.0, np.abs(cross).max()))


@PROPERTY
@given(layout=st.sampled_from(LAYOUTS), n=st.integers(2, 300), seed=st.integers(0, 2**32 - 1))
def test_grouped_moments_equal_the_dense_reference(layout: tuple[str, ...], n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X, dense = shifted(rng, layout, n)
    v, z = random_weights(rng, n), rng.normal(3.0, 2.0, n)
    moments = GroupedMoments.of(X, v, z)
    assert moments is not None
    assert_moments(moments, dense, v, z)


@PROPERTY
@given(layout=st.sampled_from(LAYOUTS), n=st.integers(3, 300), cut=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_merged_moments_equal_those_of_all_rows(layout: tuple[str, ...], n: int, cut: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X, dense = shifted(rng, layout, n)
    v, z = random_weights(rng, n), rng.normal(-2.0, 1.0, n)
    split = int(cut * n)
    first, second = slice(0, split), slice(split, n)
    a = GroupedMoments.of(X.take_rows(first), v[first], z[first])
    b = GroupedMoments.of(X.take_rows(second), v[second], z[second])
    assert a is not None and b is not None
    assert_moments(a.merge(b), dense, v, z)


def test_a_plain_array_and_rows_without_weight() -> None:
    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.normal(50.0, 1.0, (40, 3)))
    v, z = random_weights(rng, 40), rng.normal(size=40)
    moments = GroupedMoments.of(X, v, z)
    assert moments is not None
    assert_moments(moments, X, v, z)
    empty = GroupedMoments.of(X, np.zeros(40), z)
    assert empty is not None and empty.total == 0.0
    assert empty.merge(moments) is moments and moments.merge(empty) is moments


def test_two_categorical_blocks_or_a_sparse_one_are_not_grouped() -> None:
    rng = np.random.default_rng(4)
    v, z = random_weights(rng, 30), rng.normal(size=30)
    two = ModelMatrix([CategoricalBlock(rng.integers(0, 3, 30), 3), CategoricalBlock(rng.integers(0, 4, 30), 4)])
    sparse, _ = build_matrix(rng, ["dense", "sparse"], 30)
    assert GroupedMoments.of(two, v, z) is None
    assert GroupedMoments.of(sparse, v, z) is None
