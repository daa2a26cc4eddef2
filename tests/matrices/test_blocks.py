"""``CategoricalBlock`` and ``SparseBlock`` on their own, and the compiled group sums, against NumPy/SciPy.

References: one-hot matrices built with ``np.eye``, ``np.add.at`` group sums, and SciPy's own dense
conversion of the CSC input.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from block_designs import one_hot

from glmgen.matrices import CategoricalBlock, SparseBlock, _kernels

ATOL = 1e-12


@pytest.fixture
def codes(seed) -> np.ndarray:
    return np.random.default_rng([seed, 11]).integers(-1, 6, 40).astype(np.int32)


# --------------------------------------------------------------------------- categorical
def test_categorical_products(codes, seed):
    rng = np.random.default_rng([seed, 12])
    block = CategoricalBlock(codes, 7)  # column 6 has no row
    dense = one_hot(codes, 7)
    np.testing.assert_array_equal(block.toarray(), dense)
    b, B = rng.standard_normal(7), rng.standard_normal((7, 3))
    r, R = rng.standard_normal(40), rng.standard_normal((40, 3))
    np.testing.assert_array_equal(block.matvec(b), dense @ b)
    np.testing.assert_array_equal(block.matvec(B), dense @ B)
    np.testing.assert_allclose(block.rmatvec(r), dense.T @ r, rtol=0, atol=ATOL)
    np.testing.assert_allclose(block.rmatvec(R), dense.T @ R, rtol=0, atol=ATOL)
    np.testing.assert_allclose(block.column_sums(np.abs(r)), dense.T @ np.abs(r), rtol=0, atol=ATOL)
    np.testing.assert_array_equal(block.max_abs(), dense.max(axis=0))


def test_categorical_rmatvec_of_a_non_contiguous_2d_array(codes, seed):
    R = np.random.default_rng([seed, 13]).standard_normal((3, 40)).T  # Fortran-ordered view
    block = CategoricalBlock(codes, 6)
    np.testing.assert_allclose(block.rmatvec(R), one_hot(codes, 6).T @ R, rtol=0, atol=ATOL)


def test_categorical_to_csc_is_canonical(codes):
    block = CategoricalBlock(codes, 7)
    csc = block.to_csc()
    np.testing.assert_array_equal(csc.toarray(), one_hot(codes, 7))
    assert csc.has_sorted_indices and csc.nnz == int(np.sum(codes >= 0))
    canonical = scipy.sparse.csc_array(one_hot(codes, 7))
    np.testing.assert_array_equal(csc.indptr, canonical.indptr)
    np.testing.assert_array_equal(csc.indices, canonical.indices)


def test_categorical_rows_and_columns(codes):
    block = CategoricalBlock(codes, 6)
    dense = one_hot(codes, 6)
    index = np.array([5, 5, 0, 39, 17])
    np.testing.assert_array_equal(block.take_rows(index).toarray(), dense[index])
    np.testing.assert_array_equal(block.take_rows(slice(3, 30, 4)).toarray(), dense[3:30:4])
    columns = np.array([0, 2, 5])
    np.testing.assert_array_equal(block.take_columns(columns).toarray(), dense[:, columns])


def test_categorical_codes_are_stored_as_contiguous_int32():
    block = CategoricalBlock(np.array([[0, 1, 2, -1]]).T[:, 0].astype(np.int64), 3)
    assert block.codes.dtype == np.int32 and block.codes.flags.c_contiguous
    assert block.shape == (4, 3) and block.nbytes == 16


def test_empty_categorical_block():
    block = CategoricalBlock(np.zeros(0, dtype=np.int32), 3)
    assert block.shape == (0, 3)
    np.testing.assert_array_equal(block.rmatvec(np.zeros(0)), np.zeros(3))
    np.testing.assert_array_equal(block.max_abs(), np.zeros(3))


# --------------------------------------------------------------------------- sparse
@pytest.fixture
def sparse_input(seed) -> scipy.sparse.csc_array:
    rng = np.random.default_rng([seed, 14])
    return scipy.sparse.random_array((30, 5), density=0.25, format="csc", rng=rng,
                                     data_sampler=rng.standard_normal)


def test_sparse_products_and_summaries(sparse_input, seed):
    rng = np.random.default_rng([seed, 15])
    block = SparseBlock(sparse_input)
    dense = sparse_input.toarray()
    np.testing.assert_array_equal(block.toarray(), dense)
    b, r = rng.standard_normal(5), rng.standard_normal(30)
    np.testing.assert_allclose(block.matvec(b), dense @ b, rtol=0, atol=ATOL)
    np.testing.assert_allclose(block.rmatvec(r), dense.T @ r, rtol=0, atol=ATOL)
    np.testing.assert_array_equal(block.max_abs(), np.abs(dense).max(axis=0))
    mask = rng.uniform(size=30) < 0.3
    mask[0] = True
    np.testing.assert_array_equal(block.is_constant(mask), np.ptp(dense[mask], axis=0) == 0)
    factors = np.array([1.0, 2.0, 0.5, 4.0, 1.0])
    np.testing.assert_array_equal(block.scaled(factors).toarray(), dense * factors)
    index = np.array([3, 3, 29, 0])
    np.testing.assert_array_equal(block.take_rows(index).toarray(), dense[index])
    np.testing.assert_array_equal(block.take_columns(np.array([1, 4])).toarray(), dense[:, [1, 4]])


def test_sparse_block_sums_duplicates_and_sorts_indices():
    coo = scipy.sparse.coo_array((np.array([1.0, 2.0, 5.0]), (np.array([2, 0, 2]), np.array([0, 0, 0]))), shape=(3, 1))
    block = SparseBlock(coo)
    np.testing.assert_array_equal(block.toarray()[:, 0], [2.0, 0.0, 6.0])
    assert block.csc.has_sorted_indices and block.csc.nnz == 2


def test_sparse_max_abs_sees_negative_entries_and_implicit_zeros():
    block = SparseBlock(scipy.sparse.csc_array(np.array([[-3.0, 0.0], [1.0, 0.0]])))
    np.testing.assert_array_equal(block.max_abs(), [3.0, 0.0])
    # a column of -1 in every row is constant; -1 in one row (implicit 0 elsewhere) is not
    block = SparseBlock(scipy.sparse.csc_array(np.array([[-1.0, -1.0], [-1.0, 0.0]])))
    np.testing.assert_array_equal(block.is_constant(np.ones(2, bool)), [True, False])


# --------------------------------------------------------------------------- compiled group sums
def test_group_sums_kernels_equal_add_at(codes, seed):
    rng = np.random.default_rng([seed, 16])
    values = rng.standard_normal((40, 3))
    out = np.zeros((6, 3))
    _kernels.group_sums(codes, np.ascontiguousarray(values), out)
    expected = np.zeros((7, 3))
    np.add.at(expected, np.where(codes < 0, 6, codes), values)
    np.testing.assert_allclose(out, expected[:6], rtol=0, atol=ATOL)

    v, mean = rng.uniform(size=40), rng.standard_normal(3)
    centred = np.full((6, 3), np.nan)
    _kernels.group_sums_centred(codes, np.asfortranarray(values), v, mean, centred)
    np.testing.assert_allclose(centred, one_hot(codes, 6).T @ ((values - mean) * v[:, None]), rtol=0, atol=ATOL)

    other = rng.integers(-1, 4, 40).astype(np.int32)
    table = np.full((6, 4), np.nan)
    _kernels.crosstab(codes, other, v, table)
    np.testing.assert_allclose(table, one_hot(codes, 6).T @ (one_hot(other, 4) * v[:, None]), rtol=0, atol=ATOL)
