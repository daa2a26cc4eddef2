"""``ModelMatrix`` against its dense array: products, rows, columns, summaries and refusals.

Every expected value is computed with NumPy on ``X.toarray()`` (itself checked against a dense
matrix assembled independently from the raw block data, see ``block_designs.build_matrix``).
Hypothesis draws random mixes of dense, categorical (with and without code -1) and sparse blocks.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from block_designs import KINDS, build_matrix, random_weights
from hypothesis import given, settings
from hypothesis import strategies as st

from glmgen.matrices import CategoricalBlock, ModelMatrix, SparseBlock, take_columns

ATOL = 1e-12
PROPERTY = settings(max_examples=40, deadline=None)

kinds_strategy = st.lists(st.sampled_from(KINDS), min_size=1, max_size=5)
seeds = st.integers(0, 2**32 - 1)
rows = st.integers(1, 25)


# --------------------------------------------------------------------------- construction
@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=rows)
def test_toarray_equals_independent_dense(kinds, seed, n):
    X, dense = build_matrix(np.random.default_rng(seed), kinds, n)
    assert X.shape == dense.shape
    assert X.ndim == 2
    out = X.toarray()
    assert out.flags.f_contiguous
    np.testing.assert_array_equal(out, dense)


def test_slices_and_starts_follow_block_widths():
    X = ModelMatrix([np.ones((3, 2)), CategoricalBlock(np.array([0, 2, -1]), 3), np.zeros((3, 0)),
                     SparseBlock(scipy.sparse.eye_array(3, format="csc"))])
    assert len(X.blocks) == 3  # the empty dense block is dropped
    assert X.slices() == [slice(0, 2), slice(2, 5), slice(5, 8)]
    assert X.shape == (3, 8)
    assert [start for start, _ in X.categorical_blocks()] == [2]


def test_no_rows():
    X, _ = build_matrix(np.random.default_rng(2), ["dense", "cat_ref", "sparse"], 6)
    empty = X[np.zeros(6, dtype=bool)]
    assert empty.shape == (0, X.shape[1])
    np.testing.assert_array_equal(empty @ np.ones(X.shape[1]), np.zeros(0))
    np.testing.assert_array_equal(np.zeros(0) @ empty, np.zeros(X.shape[1]))


def test_max_abs_on_no_rows_is_zero_for_every_block():
    """As ``np.max(np.abs(dense), axis=0, initial=0.0)`` (the dense blocks' rule): zeros, not an error."""
    X, _ = build_matrix(np.random.default_rng(2), ["dense", "cat_ref", "sparse"], 6)
    np.testing.assert_array_equal(X[np.zeros(6, dtype=bool)].max_abs(), np.zeros(X.shape[1]))


def test_categorical_nbytes_is_four_bytes_a_row():
    X = ModelMatrix([CategoricalBlock(np.zeros(1000, dtype=np.int32), 500)])
    assert X.nbytes == 4000
    assert X.shape == (1000, 500)


# --------------------------------------------------------------------------- products
@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=rows, m=st.integers(1, 3))
def test_products_equal_dense(kinds, seed, n, m):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    p = dense.shape[1]
    b, B = rng.standard_normal(p), rng.standard_normal((p, m))
    r, R = rng.standard_normal(n), rng.standard_normal((m, n))
    np.testing.assert_allclose(X @ b, dense @ b, rtol=0, atol=ATOL)
    np.testing.assert_allclose(X @ B, dense @ B, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r @ X, r @ dense, rtol=0, atol=ATOL)
    np.testing.assert_allclose(R @ X, R @ dense, rtol=0, atol=ATOL)
    np.testing.assert_allclose(X.T @ r, dense.T @ r, rtol=0, atol=ATOL)
    np.testing.assert_allclose(X.T @ R.T, dense.T @ R.T, rtol=0, atol=ATOL)
    assert (X @ B).shape == (n, m) and (R @ X).shape == (m, p) and (X.T @ R.T).shape == (p, m)
    assert X.T.shape == (p, n)


def test_products_accept_lists():
    X = ModelMatrix([CategoricalBlock(np.array([1, 0, -1]), 2)])
    np.testing.assert_array_equal(X @ [2.0, 5.0], [5.0, 2.0, 0.0])
    np.testing.assert_array_equal(X.T @ [1.0, 2.0, 4.0], [2.0, 1.0])


# --------------------------------------------------------------------------- rows
@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=rows)
def test_row_selection_equals_dense(kinds, seed, n):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    index = rng.integers(0, n, int(rng.integers(0, 2 * n)))  # with repeats, as a bootstrap resample
    mask = rng.uniform(size=n) < 0.5
    start, step = int(rng.integers(0, n)), int(rng.integers(1, 3))
    for key in (index, mask, slice(start, None, step), slice(None, start)):
        sub = X[key]
        assert isinstance(sub, ModelMatrix)
        np.testing.assert_array_equal(sub.toarray(), dense[key])
        assert sub.shape == dense[key].shape


def test_take_rows_refuses_one_integer():
    X = ModelMatrix([CategoricalBlock(np.array([0, 1]), 2)])
    with pytest.raises(IndexError, match="one integer"):
        X[0]


def test_dense_rows_is_a_dense_piece():
    X, _ = build_matrix(np.random.default_rng(3), ["cat_ref", "dense", "sparse"], 12)
    np.testing.assert_array_equal(X.dense_rows(4, 9), X.toarray()[4:9])


# --------------------------------------------------------------------------- columns
@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=rows)
def test_column_selection_equals_dense(kinds, seed, n):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    p = dense.shape[1]
    mask = rng.uniform(size=p) < 0.6
    indices = np.flatnonzero(rng.uniform(size=p) < 0.5)
    for key in (mask, indices, list(indices)):
        sub = X[:, key]
        np.testing.assert_array_equal(sub.toarray() if isinstance(sub, ModelMatrix) else sub, dense[:, key])
        np.testing.assert_array_equal(_array(take_columns(X, key)), dense[:, key])
    j = int(rng.integers(0, p))
    single = X[:, j]
    assert isinstance(single, np.ndarray) and single.shape == (n,)
    np.testing.assert_array_equal(single, dense[:, j])


def _array(matrix):
    return matrix.toarray() if isinstance(matrix, ModelMatrix) else matrix


def test_removing_every_categorical_column_gives_a_plain_array():
    rng = np.random.default_rng(1)
    dense_block = rng.standard_normal((6, 2))
    X = ModelMatrix([CategoricalBlock(np.array([0, 1, 2, 0, -1, 1]), 3), dense_block,
                     SparseBlock(scipy.sparse.csc_array(np.eye(6)[:, :2]))])
    kept = X[:, np.array([False, False, False, True, True, False, False])]
    assert isinstance(kept, np.ndarray) and kept.flags.f_contiguous
    np.testing.assert_array_equal(kept, dense_block)
    nothing = X[:, np.zeros(7, dtype=bool)]
    assert isinstance(nothing, np.ndarray) and nothing.shape == (6, 0)


def test_removing_a_whole_block_keeps_the_others():
    X = ModelMatrix([np.arange(8.0).reshape(4, 2), CategoricalBlock(np.array([0, 1, 1, -1]), 2),
                     CategoricalBlock(np.array([2, 0, 1, 1]), 3)])
    sub = X[:, np.array([0, 4, 6])]  # drops the first factor entirely
    assert isinstance(sub, ModelMatrix) and len(sub.blocks) == 2
    np.testing.assert_array_equal(sub.toarray(), X.toarray()[:, [0, 4, 6]])


def test_categorical_column_subset_recodes_dropped_levels_to_no_column():
    block = CategoricalBlock(np.array([0, 1, 2, 3, -1, 2]), 4)
    sub = block.take_columns(np.array([1, 3]))
    np.testing.assert_array_equal(sub.codes, [-1, 0, -1, 1, -1, -1])
    assert sub.n_columns == 2


@pytest.mark.parametrize("key", [np.array([2, 1]), np.array([1, 1]), np.array([0, 9]), np.array([-1, 2])])
def test_columns_must_be_distinct_increasing_in_range(key):
    X = ModelMatrix([np.ones((3, 2)), CategoricalBlock(np.array([0, 1, 2]), 3)])
    with pytest.raises(IndexError, match="increasing"):
        X[:, key]


def test_column_mask_of_wrong_length_is_refused():
    X = ModelMatrix([np.ones((3, 2)), CategoricalBlock(np.array([0, 1, 2]), 3)])
    with pytest.raises(IndexError, match="5 values"):
        X[:, np.ones(4, dtype=bool)]


def test_only_x_rows_or_x_all_rows_columns():
    X = ModelMatrix([np.ones((3, 2)), CategoricalBlock(np.array([0, 1, 2]), 3)])
    with pytest.raises(IndexError):
        X[0:2, np.array([0, 1])]
    with pytest.raises(IndexError):
        X[:, :, 0]


# --------------------------------------------------------------------------- summaries
@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=rows)
def test_column_summaries_equal_dense(kinds, seed, n):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    v = random_weights(rng, n)
    np.testing.assert_array_equal(X.max_abs(), np.max(np.abs(dense), axis=0))
    np.testing.assert_allclose(X.column_sums(v), v @ dense, rtol=0, atol=ATOL)
    rows_mask = rng.uniform(size=n) < 0.5
    rows_mask[int(rng.integers(0, n))] = True
    expected = np.ptp(dense[rows_mask], axis=0) == 0
    np.testing.assert_array_equal(X.is_constant(rows_mask), expected)


def test_is_constant_on_no_rows_is_true_for_every_block():
    """No rows: every column is (vacuously) constant, as the dense and categorical blocks say."""
    X = ModelMatrix([np.ones((4, 1)), CategoricalBlock(np.array([0, 1, -1, 0]), 2),
                     SparseBlock(scipy.sparse.csc_array(np.eye(4)[:, :2]))])
    np.testing.assert_array_equal(X.is_constant(np.zeros(4, dtype=bool)), np.ones(5, dtype=bool))


def test_is_constant_of_a_level_present_in_every_row():
    block = CategoricalBlock(np.array([1, 1, 0, 1]), 3)
    rows_mask = np.array([True, True, False, True])
    np.testing.assert_array_equal(block.is_constant(rows_mask), [True, True, True])
    np.testing.assert_array_equal(block.is_constant(np.ones(4, bool)), [False, False, True])


def test_max_abs_of_an_empty_level_is_zero():
    X = ModelMatrix([CategoricalBlock(np.array([0, 0, 2]), 4)])
    np.testing.assert_array_equal(X.max_abs(), [1.0, 0.0, 1.0, 0.0])


@PROPERTY
@given(kinds=kinds_strategy, seed=seeds, n=rows)
def test_scaled_equals_dense_times_factors(kinds, seed, n):
    rng = np.random.default_rng(seed)
    X, _ = build_matrix(rng, kinds, n)
    dense = X.toarray()
    factors = np.ones(dense.shape[1])
    for block, cols in zip(X.blocks, X.slices()):
        if not isinstance(block, CategoricalBlock):
            factors[cols] = np.ldexp(1.0, rng.integers(-70, 70, cols.stop - cols.start))
    scaled = X.scaled(factors)
    np.testing.assert_array_equal(scaled.toarray(), dense * factors)


def test_scaling_a_categorical_block_gives_it_values():
    X = ModelMatrix([np.ones((3, 1)), CategoricalBlock(np.array([0, -1, 1]), 2)])
    scaled = X.scaled(np.array([2.0, 0.5, 3.0]))
    np.testing.assert_array_equal(scaled.toarray(), X.toarray() * [2.0, 0.5, 3.0])
    assert scaled.blocks[1].values is not None


# --------------------------------------------------------------------------- refusals
def _small() -> ModelMatrix:
    return ModelMatrix([np.ones((3, 2)), CategoricalBlock(np.array([0, 1, -1]), 2)])


def test_wrong_shapes_are_refused():
    X = _small()
    with pytest.raises(ValueError, match="4 columns"):
        X @ np.ones(3)
    with pytest.raises(ValueError, match="3 rows"):
        np.ones(4) @ X
    with pytest.raises(ValueError, match="3 rows"):
        X.T @ np.ones(5)


def test_blocks_must_share_rows_and_be_known_kinds():
    with pytest.raises(ValueError, match="same number of rows"):
        ModelMatrix([np.ones((3, 1)), CategoricalBlock(np.array([0, 1]), 2)])
    with pytest.raises(ValueError, match="2-dimensional"):
        ModelMatrix([np.ones(3)])
    with pytest.raises(TypeError, match="block"):
        ModelMatrix([[1.0, 2.0]])


@pytest.mark.parametrize("codes, k", [([0, 2], 2), ([-2, 0], 2), ([[0, 1]], 2)])
def test_categorical_codes_must_lie_in_range(codes, k):
    with pytest.raises(ValueError, match="codes"):
        CategoricalBlock(np.array(codes), k)


def test_numpy_arithmetic_is_refused():
    X = _small()
    with pytest.raises(TypeError):
        X * 2
    with pytest.raises(TypeError):
        X + 1
    with pytest.raises(TypeError):
        np.multiply(X, 2)
    with pytest.raises(TypeError):
        np.exp(X)
    with pytest.raises(TypeError):
        np.sum(X)


def test_numpy_conversion_is_refused():
    """``np.asarray(X)`` must fail loudly, not wrap the matrix in a 0-d object array."""
    with pytest.raises(TypeError):
        np.asarray(_small())


def test_iteration_is_refused():
    """``list(X)`` / ``for row in X`` must fail, not give an empty list (``X[0]`` raises IndexError, which
    Python's old sequence protocol reads as the end of the rows)."""
    with pytest.raises(TypeError):
        list(_small())
