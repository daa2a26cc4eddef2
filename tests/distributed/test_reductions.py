"""The reductions a pass over partitions rests on, against the same quantities computed on all rows at once
(closed forms: weighted means and centred cross-products, QR factors), and the seeded row draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glmgen as gg
from glmgen.distributed.probes import Job, Moments, Probe, RowCount, probe_partition
from glmgen.distributed.rows import (
    RowSet,
    partition_counts,
    partition_fold_ids,
    partition_test_rows,
)
from glmgen.matrices import CategoricalBlock, ModelMatrix
from glmgen.model import families
from glmgen.solvers import r_factor, stacked_r_factor


def _direct(X: np.ndarray, v: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    columns = np.column_stack([X, z])
    total = v.sum()
    mean = v @ columns / total
    centred = columns - mean
    return total, mean, centred.T @ (centred * v[:, None])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.lists(st.integers(0, 40), min_size=1, max_size=6))
def test_merged_moments_equal_the_moments_of_all_rows(seed: int, sizes: list[int]) -> None:
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    if n == 0:
        return
    X = rng.normal(loc=1e3, size=(n, 3))  # a large mean: uncentred sums would cancel
    v, z = rng.uniform(0, 2, n), rng.normal(size=n)
    merged = None
    start = 0
    for size in sizes:
        rows = slice(start, start + size)
        part = Moments.of(np.asfortranarray(X[rows]), v[rows], z[rows])
        merged = part if merged is None else merged.merge(part)
        start += size
    total, mean, cross = _direct(X, v, z)
    assert merged is not None
    np.testing.assert_allclose(merged.total, total, rtol=1e-12)
    np.testing.assert_allclose(merged.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(merged.cross, cross, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(cross).max()))  # n=1: 0


def test_moments_of_a_categorical_block_equal_those_of_its_dummies() -> None:
    rng = np.random.default_rng(3)
    n = 200
    codes = rng.integers(-1, 4, n).astype(np.int32)
    dense = rng.normal(size=(n, 2))
    X = ModelMatrix([CategoricalBlock(codes, 4), np.asfortranarray(dense)])
    v, z = rng.uniform(0.5, 1.5, n), rng.normal(size=n)
    moments = Moments.of(X, v, z)
    _, mean, cross = _direct(X.toarray(), v, z)
    np.testing.assert_allclose(moments.mean, mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(moments.cross, cross, rtol=1e-10, atol=1e-12)


def test_stacked_r_factors_give_the_gram_matrix_of_all_rows() -> None:
    rng = np.random.default_rng(4)
    X, v, z = rng.normal(size=(90, 4)), rng.uniform(0.2, 1.0, 90), rng.normal(size=90)
    parts = [r_factor(np.asfortranarray(X[rows]), v[rows], True, z[rows])
             for rows in (slice(0, 7), slice(7, 50), slice(50, 90))]
    merged = stacked_r_factor(stacked_r_factor(parts[0], parts[1]), parts[2])
    full = np.column_stack([np.ones(90), X, z]) * np.sqrt(v)[:, None]
    np.testing.assert_allclose(merged.T @ merged, full.T @ full, rtol=1e-10, atol=1e-10)


def test_row_counts_add_columns_and_keep_the_first_dropped_row() -> None:
    a = RowCount(10, 2, (("x", 2), ("y", 0)), first="r3")
    b = RowCount(5, 1, (("x", 0), ("y", 1)), first="r12")
    merged = RowCount().merge(a).merge(b)
    assert (merged.n_rows, merged.n_dropped, merged.first) == (15, 3, "r3")
    assert merged.dropped_message == "3 of 15 rows with missing values in 'x' (2), 'y' (1) (first: row 'r3')"


def test_fold_ids_are_balanced_within_a_partition_and_depend_on_seed_and_partition() -> None:
    ids = partition_fold_ids(2, 103, 10, seed=7)
    np.testing.assert_array_equal(np.bincount(ids), [11, 11, 11] + [10] * 7)
    np.testing.assert_array_equal(ids, partition_fold_ids(2, 103, 10, seed=7))
    assert not np.array_equal(ids, partition_fold_ids(3, 103, 10, seed=7))
    assert not np.array_equal(ids, partition_fold_ids(2, 103, 10, seed=8))


def test_poisson_counts_have_mean_one_and_a_replicate_does_not_depend_on_the_others() -> None:
    counts = np.concatenate([partition_counts(k, 5000, 0, seed=1) for k in range(20)])
    assert abs(counts.mean() - 1.0) < 4 * np.sqrt(1.0 / counts.size)  # Poisson(1): variance 1
    assert abs(counts.var() - 1.0) < 0.03
    assert abs(np.mean(counts == 0) - np.exp(-1.0)) < 0.01
    np.testing.assert_array_equal(partition_counts(4, 50, 3, seed=1), partition_counts(4, 50, 3, seed=1))
    assert not np.array_equal(partition_counts(4, 50, 3, seed=1), partition_counts(4, 50, 2, seed=1))


@pytest.mark.parametrize("kind", ["train", "test"])
def test_fold_row_sets_split_each_partition_between_training_and_held_out(kind: str) -> None:
    train = RowSet("train", folds=4, fold=1, seed=0).multiplier(0, 40)
    test = RowSet("test", folds=4, fold=1, seed=0).multiplier(0, 40)
    assert train is not None and test is not None
    np.testing.assert_array_equal(train + test, np.ones(40))
    assert int((test if kind == "test" else train).sum()) == (10 if kind == "test" else 30)


def test_split_draws_keep_the_share_near_test_size() -> None:
    flags = np.concatenate([partition_test_rows(k, 10_000, 0.25, seed=5) for k in range(5)])
    assert abs(flags.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / flags.size)


def test_a_probe_family_applies_to_that_probe_only() -> None:
    """Probes of one pass are independent models: a family given to one must not leak into the next."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=50)})
    frame["y"] = rng.poisson(np.exp(0.2 * frame["x"]))
    fit = gg.glm("y ~ x", frame, "poisson")
    job = Job(fit.spec, fit.family, fit.link, "drop", ("x", "y"))
    coef = fit.params.to_numpy()
    point = (coef[1:], float(coef[0]))
    _, (gaussian, poisson) = probe_partition(frame, 0, job, [
        Probe(*point, family=families.Gaussian()), Probe(*point)])
    np.testing.assert_allclose(poisson.deviance, fit.deviance, rtol=1e-12)
    assert not np.isclose(gaussian.deviance, fit.deviance)


def _missing_job() -> tuple[pd.DataFrame, Job]:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=30), "g": rng.choice(["a", "b", "c"], 30)})
    frame["y"] = rng.poisson(1.0, 30).astype(float)
    fit = gg.glm("y ~ x + g", frame, "poisson")
    return frame, Job(fit.spec, fit.family, fit.link, "drop", ("x", "g", "y"))


def test_a_partition_design_counts_missing_values_per_column_and_skips_a_partition_without_rows() -> None:
    frame, job = _missing_job()
    design, count = job.design(frame)
    assert design is not None and design.n_rows == 30
    assert count == RowCount(30, 0, (("x", 0), ("g", 0), ("y", 0)))
    holed = frame.assign(x=frame["x"].mask(frame.index.isin([4, 9])), g=frame["g"].mask(frame.index == 9))
    design, count = job.design(holed)
    assert design is not None and design.n_rows == 28
    assert count == RowCount(30, 2, (("x", 2), ("g", 1), ("y", 0)), first=4)
    design, count = job.design(frame.assign(y=np.nan))
    assert design is None and (count.n_rows, count.n_dropped) == (30, 30)


def test_a_partition_with_missing_values_under_na_action_raise_names_the_rows() -> None:
    frame, job = _missing_job()
    raising = Job(job.spec, job.family, job.link, "raise", job.columns)
    for holed in (frame.assign(x=frame["x"].mask(frame.index == 7)), frame.assign(y=np.nan)):
        with pytest.raises(gg.errors.DataError, match="missing values"):
            raising.design(holed)


def test_probed_moments_of_a_factor_design_equal_those_of_its_dense_twin() -> None:
    frame, job = _missing_job()
    design, _ = job.design(frame)
    assert design is not None and isinstance(design.X, ModelMatrix)
    problem = job.problem(design)
    coef = np.array([0.1, -0.2, 0.3])
    _, (outcome,) = probe_partition(frame, 0, job, [Probe(coef, 0.05, moments=True)])
    eta = 0.05 + design.X.toarray() @ coef
    mu = np.exp(eta)
    v, z = problem.working(eta, mu)
    total, mean, cross = _direct(design.X.toarray(), v, z)
    assert outcome.moments is not None
    np.testing.assert_allclose(outcome.moments.total, total, rtol=1e-12)
    np.testing.assert_allclose(outcome.moments.mean, mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(outcome.moments.cross, cross, rtol=1e-10, atol=1e-12)
