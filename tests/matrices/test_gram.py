"""Weighted centred cross-products, column moments and the coordinate-descent layout, against NumPy.

The reference for ``weighted_gram(X, v, m)`` is ``((Xd - m) * v).T @ (Xd - m)`` with ``Xd = X.toarray()``,
for the centres the solvers use (the ``v``-weighted means, or zeros); ``cross_gram`` is documented for any
centres and is checked with arbitrary ones. Weights include exact zeros.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from block_designs import KINDS, build_matrix, random_weights
from hypothesis import given, settings
from hypothesis import strategies as st

from glmgen.matrices import (
    DENSE,
    SPARSE,
    CategoricalBlock,
    ColumnLayout,
    ModelMatrix,
    SparseBlock,
    column_means,
    column_moments,
    cross_gram,
    dense_gram,
    weighted_gram,
)

RTOL, ATOL = 1e-10, 1e-10
PROPERTY = settings(max_examples=40, deadline=None)
kinds_strategy = st.lists(st.sampled_from(KINDS), min_size=1, max_size=5)
seeds = st.integers(0, 2**32 - 1)


def reference_gram(A: np.ndarray, B: np.ndarray, v: np.ndarray, a_mean: np.ndarray, b_mean: np.ndarray) -> np.ndarray:
    return ((A - a_mean) * v[:, None]).T @ (B - b_mean)


@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=st.integers(2, 30), centre=st.booleans())
def test_weighted_gram_equals_dense(kinds, seed, n, centre):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    v = random_weights(rng, n)
    mean = column_means(X, v, centre)
    expected_mean = v @ dense / v.sum() if centre else np.zeros(dense.shape[1])
    np.testing.assert_allclose(mean, expected_mean, rtol=RTOL, atol=ATOL)
    gram = weighted_gram(X, v, mean)
    np.testing.assert_allclose(gram, reference_gram(dense, dense, v, mean, mean), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(gram, gram.T, rtol=1e-14, atol=1e-14)


@PROPERTY
@given(kinds_a=kinds_strategy, kinds_b=kinds_strategy, seed=seeds, n=st.integers(2, 30))
def test_cross_gram_equals_dense_for_any_centres(kinds_a, kinds_b, seed, n):
    rng = np.random.default_rng(seed)
    A, _ = build_matrix(rng, kinds_a, n)
    B, _ = build_matrix(rng, kinds_b, n)
    dense_a, dense_b = A.toarray(), B.toarray()
    v = random_weights(rng, n)
    for a_mean, b_mean in [(column_means(A, v, True), column_means(B, v, True)),
                           (np.zeros(A.shape[1]), np.zeros(B.shape[1])),
                           (column_means(A, v, True), np.zeros(B.shape[1])),
                           (rng.standard_normal(A.shape[1]), rng.standard_normal(B.shape[1]))]:
        expected = reference_gram(dense_a, dense_b, v, a_mean, b_mean)
        np.testing.assert_allclose(cross_gram(A, B, v, a_mean, b_mean), expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(cross_gram(A, dense_b, v, a_mean, b_mean), expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(cross_gram(dense_a, B, v, a_mean, b_mean), expected, rtol=RTOL, atol=ATOL)


def test_gram_of_two_factors_is_their_weighted_cross_table():
    a = np.array([0, 0, 1, 2, 2, -1])
    b = np.array([1, 0, 0, 1, -1, 1])
    v = np.array([1.0, 2.0, 0.0, 4.0, 8.0, 16.0])
    X = ModelMatrix([CategoricalBlock(a, 3), CategoricalBlock(b, 2)])
    gram = weighted_gram(X, v, np.zeros(5))
    # hand count: C_a' V C_a = diag(3, 0, 12), C_a' V C_b = [[2, 1], [0, 0], [0, 4]], C_b' V C_b = diag(2, 21)
    expected = np.array([[3, 0, 0, 2, 1], [0, 0, 0, 0, 0], [0, 0, 12, 0, 4], [2, 0, 0, 2, 0], [1, 0, 4, 0, 21]])
    np.testing.assert_array_equal(gram, expected)


@pytest.mark.parametrize("kind", ["cat", "sparse"])
def test_weighted_gram_with_arbitrary_centres(kind, seed):
    """``Xc' V Xc`` for any ``x_mean``, as ``dense_gram`` and ``cross_gram`` give (the docstring does not
    restrict the centres to the weighted means or zeros)."""
    rng = np.random.default_rng([seed, 21])
    X, _ = build_matrix(rng, [kind, "dense"], 15)
    dense = X.toarray()
    v = random_weights(rng, 15)
    mean = rng.standard_normal(X.shape[1])
    np.testing.assert_allclose(weighted_gram(X, v, mean), reference_gram(dense, dense, v, mean, mean),
                               rtol=RTOL, atol=ATOL)


def test_dense_gram_over_row_blocks_and_column_subsets(seed):
    rng = np.random.default_rng([seed, 22])
    X = np.asfortranarray(rng.standard_normal((50, 6)) + 3.0)
    v, z = random_weights(rng, 50), rng.standard_normal(50)
    columns = np.array([0, 2, 5])
    mean = rng.standard_normal(3)
    gram, rhs = dense_gram(X, v, mean, z, columns=columns, work=np.empty(3 * 7))  # 7 rows per block
    Xc = X[:, columns] - mean
    np.testing.assert_allclose(gram, (Xc * v[:, None]).T @ Xc, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(rhs, Xc.T @ (v * z), rtol=RTOL, atol=ATOL)


@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=st.integers(2, 30), centre=st.booleans())
def test_column_moments_equal_dense(kinds, seed, n, centre):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    v = random_weights(rng, n)
    x_mean, x_var, vx = column_moments(X, v, centre)
    expected_mean = v @ dense / v.sum() if centre else np.zeros(dense.shape[1])
    np.testing.assert_allclose(vx, v @ dense, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x_mean, expected_mean, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x_var, v @ np.square(dense - expected_mean), rtol=RTOL, atol=ATOL)


@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=st.integers(1, 30))
def test_column_layout_rebuilds_every_column(kinds, seed, n):
    X, _ = build_matrix(np.random.default_rng(seed), kinds, n)
    dense = X.toarray()
    layout = ColumnLayout.of(X)
    assert ColumnLayout.of(X) is layout  # cached with X
    assert layout.dense.flags.f_contiguous
    for j in range(X.shape[1]):
        local = int(layout.local[j])
        if layout.kind[j] == DENSE:
            column = layout.dense[:, local]
        else:
            assert layout.kind[j] == SPARSE
            column = np.zeros(n)
            start, stop = layout.indptr[local], layout.indptr[local + 1]
            column[layout.indices[start:stop]] = layout.data[start:stop]
        np.testing.assert_array_equal(column, dense[:, j])
    assert (layout.dense.shape[1] > 0) == ("dense" in kinds)


def test_column_layout_of_one_dense_block_shares_its_memory():
    dense = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    X = ModelMatrix([dense, SparseBlock(scipy.sparse.csc_array(np.eye(4)))])
    layout = ColumnLayout.of(X)
    assert np.shares_memory(layout.dense, X.blocks[0])
    np.testing.assert_array_equal(layout.kind, [DENSE] * 3 + [SPARSE] * 4)
    np.testing.assert_array_equal(layout.local, [0, 1, 2, 0, 1, 2, 3])
