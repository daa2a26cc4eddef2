"""Tests for the coordinate-descent kernels in ``glmgen.solvers._kernels``.

Each kernel is compared with a short pure-NumPy reference (accelerated
proximal gradient, an algorithm independent of coordinate descent) and
checked against the KKT conditions of

    f(b) = 1/2 b'Gb - q'b + sum_j l1_j |b_j| + 1/2 sum_j l2_j b_j^2 .

The suite must also pass with ``NUMBA_DISABLE_JIT=1``, so problems are small.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glmgen.model._numerics import (
    deviance_binomial,
    deviance_poisson,
    working_binomial_logit,
    working_poisson_log,
)
from glmgen.model.families import Binomial, Poisson
from glmgen.model.links import LogitLink, LogLink
from glmgen.solvers import GLMProblem
from glmgen.solvers._block_kernels import active_linear_predictor
from glmgen.solvers._kernels import (
    _centred_column_dot,
    cd_gram,
    cd_naive,
    soft_threshold,
    weighted_column_moments,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TIGHT_TOL = 1e-24  # kernel tol: stop when (curvature * delta**2) < 1e-24, i.e. |delta| ~ 1e-12
MANY_SWEEPS = 100_000
SEEDS = (0, 1, 2)


class Problem(NamedTuple):
    """A weighted least-squares problem in both the naive and the Gram form."""

    X: FloatArray  # (n, p), Fortran-ordered
    v: FloatArray  # (n,), sums to 1
    z: FloatArray  # (n,)
    x_mean: FloatArray  # (p,)
    x_var: FloatArray  # (p,)
    z_mean: float
    G: FloatArray  # (p, p) = Xc' diag(v) Xc
    q: FloatArray  # (p,) = Xc' diag(v) (z - z_mean)


def build_problem(X: FloatArray, v: FloatArray, z: FloatArray, *, intercept: bool) -> Problem:
    v = v / v.sum()
    x_mean = v @ X if intercept else np.zeros(X.shape[1])
    z_mean = float(v @ z) if intercept else 0.0
    Xc = X - x_mean
    G = Xc.T @ (v[:, None] * Xc)
    q = Xc.T @ (v * (z - z_mean))
    x_var = v @ Xc**2
    return Problem(np.asfortranarray(X), v, z, x_mean, x_var, z_mean, G, q)


def random_problem(rng: np.random.Generator, n: int, p: int, *, intercept: bool = True) -> Problem:
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p) + rng.uniform(-1.0, 1.0, p)
    coef = rng.standard_normal(p) * (rng.uniform(size=p) < 0.6)
    z = 0.7 + X @ coef + 0.5 * rng.standard_normal(n)
    return build_problem(X, rng.uniform(0.5, 1.5, n), z, intercept=intercept)


def objective(pr: Problem, l1: FloatArray, l2: FloatArray, b: FloatArray) -> float:
    return float(0.5 * b @ pr.G @ b - pr.q @ b + l1 @ np.abs(b) + 0.5 * l2 @ b**2)


def residual(pr: Problem, b: FloatArray) -> FloatArray:
    """``z - b_0 - X b`` with the intercept ``b_0`` profiled out."""
    return pr.z - pr.z_mean - (pr.X - pr.x_mean) @ b


def reference_solve(
    G: FloatArray, q: FloatArray, l1: FloatArray, l2: FloatArray, beta: FloatArray, active: IntArray
) -> FloatArray:
    """Minimize f over ``beta[active]`` (others fixed) by FISTA with gradient restart.

    Runs until the proximal-gradient step, an optimality measure, is below 1e-14.
    """
    b = beta.copy()
    fixed = np.setdiff1d(np.arange(len(q)), active)
    H = G[np.ix_(active, active)] + np.diag(l2[active])
    g = q[active] - G[np.ix_(active, fixed)] @ b[fixed]
    t1 = l1[active]
    step = 1.0 / max(np.linalg.eigvalsh(H)[-1], 1e-300)

    def prox_step(x: FloatArray) -> FloatArray:
        u = x - step * (H @ x - g)
        return np.sign(u) * np.maximum(np.abs(u) - step * t1, 0.0)

    x = b[active]
    y, t = x.copy(), 1.0
    for _ in range(200_000):
        x_new = prox_step(y)
        if (y - x_new) @ (x_new - x) > 0.0:  # momentum points uphill: restart
            t = 1.0
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        y = x_new + (t - 1.0) / t_new * (x_new - x)
        x, t = x_new, t_new
        if np.max(np.abs(prox_step(x) - x), initial=0.0) < 1e-14:
            break
    else:
        raise AssertionError("reference solver did not converge")
    b[active] = x
    return b


def assert_kkt(pr: Problem, l1: FloatArray, l2: FloatArray, b: FloatArray, active: IntArray) -> None:
    """Subgradient optimality of ``b`` in the coordinates ``active``."""
    c = (pr.q - pr.G @ b)[active]
    ba, l1a, l2a = b[active], l1[active], l2[active]
    zero = ba == 0.0
    assert np.all(np.abs(c[zero]) <= l1a[zero] + 1e-9)
    np.testing.assert_allclose(
        c[~zero] - l2a[~zero] * ba[~zero], l1a[~zero] * np.sign(ba[~zero]), rtol=0, atol=1e-9
    )


def run_gram(
    pr: Problem, l1: FloatArray, l2: FloatArray, beta: FloatArray, active: IntArray,
    tol: float = TIGHT_TOL, max_sweeps: int = MANY_SWEEPS,
) -> tuple[FloatArray, int]:
    b = beta.copy()
    n_sweeps = cd_gram(pr.G, pr.q, l1, l2, b, active, tol, max_sweeps)
    return b, n_sweeps


def run_naive(
    pr: Problem, l1: FloatArray, l2: FloatArray, beta: FloatArray, active: IntArray,
    tol: float = TIGHT_TOL, max_sweeps: int = MANY_SWEEPS,
) -> tuple[FloatArray, FloatArray, int]:
    b = beta.copy()
    r = residual(pr, b)
    n_sweeps = cd_naive(pr.X, pr.v, pr.x_mean, pr.x_var, r, b, l1, l2, active, tol, max_sweeps)
    return b, r, n_sweeps


def penalties(case: str, pr: Problem, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Penalty vectors (l1, l2); ``l1`` is scaled by ``max |q|``, above which all b_j = 0."""
    p = len(pr.q)
    l1_max = np.max(np.abs(pr.q))
    if case == "l1":
        return np.full(p, 0.2 * l1_max), np.zeros(p)
    if case == "l2":
        return np.zeros(p), np.full(p, 0.3)
    if case == "mixed":
        return np.full(p, 0.1 * l1_max), np.full(p, 0.1)
    # per-coordinate penalty factors, with unpenalized coordinates (factor 0)
    factors = rng.uniform(0.0, 2.0, p)
    factors[[0, p // 2]] = 0.0
    return 0.15 * l1_max * factors, 0.05 * factors


ALL = np.arange(8, dtype=np.int64)


def test_soft_threshold() -> None:
    assert soft_threshold(3.0, 1.0) == 2.0
    assert soft_threshold(-3.0, 1.0) == -2.0
    assert soft_threshold(0.5, 1.0) == 0.0
    assert soft_threshold(-1.0, 1.0) == 0.0
    assert soft_threshold(-0.0, 0.0) == 0.0
    assert np.copysign(1.0, soft_threshold(-0.5, 1.0)) == 1.0  # +0.0, never -0.0
    assert np.isnan(soft_threshold(np.nan, 1.0))


def test_centred_column_dot() -> None:
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((101, 3)))
    v, resid = rng.uniform(size=101), rng.standard_normal(101)
    for j in range(3):
        expected = v @ ((X[:, j] - 0.3) * resid)
        np.testing.assert_allclose(_centred_column_dot(X, j, 0.3, v, resid), expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", ["l1", "l2", "mixed", "per_coordinate"])
def test_cd_gram_matches_reference_and_kkt(case: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pr = random_problem(rng, 40, 8)
    l1, l2 = penalties(case, pr, rng)
    b, n_sweeps = run_gram(pr, l1, l2, np.zeros(8), ALL)
    assert n_sweeps < MANY_SWEEPS
    np.testing.assert_allclose(b, reference_solve(pr.G, pr.q, l1, l2, np.zeros(8), ALL), rtol=0, atol=1e-10)
    assert_kkt(pr, l1, l2, b, ALL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("case", ["l1", "mixed", "per_coordinate"])
def test_cd_naive_matches_cd_gram(case: str, intercept: bool, seed: int) -> None:
    """Same problem in two forms: G = Xc' V Xc and q = Xc' V (z - zbar), Xc = X - x_mean."""
    rng = np.random.default_rng(seed)
    pr = random_problem(rng, 30, 8, intercept=intercept)
    l1, l2 = penalties(case, pr, rng)
    b_gram, _ = run_gram(pr, l1, l2, np.zeros(8), ALL)
    b, r, n_sweeps = run_naive(pr, l1, l2, np.zeros(8), ALL)
    assert n_sweeps < MANY_SWEEPS
    np.testing.assert_allclose(b, b_gram, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r, residual(pr, b), rtol=0, atol=1e-10)
    if intercept:  # the intercept stays profiled out
        np.testing.assert_allclose(pr.v @ r, 0.0, rtol=0, atol=1e-12)
    assert_kkt(pr, l1, l2, b, ALL)


@pytest.mark.parametrize("seed", SEEDS)
def test_active_subset_leaves_other_coordinates_untouched(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pr = random_problem(rng, 40, 8)
    l1, l2 = penalties("mixed", pr, rng)
    active = np.array([1, 4, 6, 7], dtype=np.int64)
    inactive = np.array([0, 2, 3, 5])
    beta0 = rng.standard_normal(8)
    expected = reference_solve(pr.G, pr.q, l1, l2, beta0, active)
    for b in (run_gram(pr, l1, l2, beta0, active)[0], run_naive(pr, l1, l2, beta0, active)[0]):
        np.testing.assert_array_equal(b[inactive], beta0[inactive])
        np.testing.assert_allclose(b, expected, rtol=0, atol=1e-10)
        assert_kkt(pr, l1, l2, b, active)


@pytest.mark.parametrize("seed", SEEDS)
def test_warm_start_from_nonzero_beta(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pr = random_problem(rng, 40, 8)
    l1, l2 = penalties("per_coordinate", pr, rng)
    beta0 = 2.0 * rng.standard_normal(8)
    expected = reference_solve(pr.G, pr.q, l1, l2, beta0, ALL)
    b_gram, _ = run_gram(pr, l1, l2, beta0, ALL)
    b_naive, r, _ = run_naive(pr, l1, l2, beta0, ALL)
    np.testing.assert_allclose(b_gram, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(b_naive, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r, residual(pr, b_naive), rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_rank_deficient_gram_with_l2(seed: int) -> None:
    """n < p: G has rank n - 1 after centring; l2 > 0 makes the solution unique."""
    rng = np.random.default_rng(seed)
    pr = random_problem(rng, 5, 8)
    assert np.linalg.matrix_rank(pr.G) < 8
    l1 = np.full(8, 0.05 * np.max(np.abs(pr.q)))
    l2 = np.full(8, 0.2)
    expected = reference_solve(pr.G, pr.q, l1, l2, np.zeros(8), ALL)
    b_gram, _ = run_gram(pr, l1, l2, np.zeros(8), ALL)
    b_naive, _, _ = run_naive(pr, l1, l2, np.zeros(8), ALL)
    np.testing.assert_allclose(b_gram, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(b_naive, expected, rtol=0, atol=1e-10)
    assert_kkt(pr, l1, l2, b_gram, ALL)


def test_large_l1_gives_exact_zeros() -> None:
    rng = np.random.default_rng(0)
    pr = random_problem(rng, 40, 8)
    l1 = np.full(8, 0.05 * np.max(np.abs(pr.q)))
    big = np.array([0, 3, 5])
    l1[big] = 1e3
    l2 = np.full(8, 0.1)
    beta0 = rng.standard_normal(8)
    for b in (run_gram(pr, l1, l2, beta0, ALL)[0], run_naive(pr, l1, l2, beta0, ALL)[0]):
        assert np.all(b[big] == 0.0)
        assert np.all(np.copysign(1.0, b[big]) == 1.0)  # +0.0, not -0.0
        assert_kkt(pr, l1, l2, b, ALL)


def test_sweep_count_follows_active_set_cycling() -> None:
    """With every b_j thresholded to 0 from a non-zero start: one full sweep zeroes all
    coordinates (not converged), a partial sweep over the (now empty) non-zero set converges,
    and the next full sweep converges: 3 sweeps. From a zero start, 1 sweep."""
    pr = random_problem(np.random.default_rng(1), 20, 8)
    l1 = np.full(8, 1.01 * np.max(np.abs(pr.q)))
    l2 = np.zeros(8)
    for beta0, expected in ((np.ones(8), 3), (np.zeros(8), 1)):
        b, n_sweeps = run_gram(pr, l1, l2, beta0, ALL)
        assert n_sweeps == expected
        np.testing.assert_array_equal(b, np.zeros(8))
        b, r, n_sweeps = run_naive(pr, l1, l2, beta0, ALL)
        assert n_sweeps == expected
        np.testing.assert_array_equal(b, np.zeros(8))
        np.testing.assert_allclose(r, residual(pr, b), rtol=0, atol=1e-12)


def test_partial_sweeps_skip_zero_coordinates() -> None:
    """Sweep 1 (full, from 0) gives b = (0.9, 0, 0.9): b_1 is zeroed before b_2 moves, after which
    |c_1| = 0.5 > l1_1, so a full sweep would move b_1. Sweep 2 is partial (non-zero coordinates
    only) and changes nothing, so it converges; sweep 3 is full and moves b_1."""
    G = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, -0.5], [0.0, -0.5, 1.0]])
    q = np.array([1.0, 0.5, 1.0])
    # naive form without intercept: v = 1/n and X = sqrt(n) R with R'R = G, so X' diag(v) X = G
    X = np.sqrt(3.0) * np.linalg.cholesky(G).T
    pr = build_problem(X, np.ones(3), np.linalg.solve(X.T / 3.0, q), intercept=False)
    np.testing.assert_allclose(pr.G, G, rtol=0, atol=1e-14)
    np.testing.assert_allclose(pr.q, q, rtol=0, atol=1e-14)
    l1, l2, idx = np.full(3, 0.1), np.zeros(3), np.arange(3, dtype=np.int64)
    for solve in (run_gram, run_naive):
        after_two = solve(pr, l1, l2, np.zeros(3), idx, max_sweeps=2)[0]
        np.testing.assert_allclose(after_two, [0.9, 0.0, 0.9], rtol=0, atol=1e-14)
        assert solve(pr, l1, l2, np.zeros(3), idx, max_sweeps=3)[0][1] != 0.0
        b = solve(pr, l1, l2, np.zeros(3), idx)[0]
        assert b[1] != 0.0
        assert_kkt(pr, l1, l2, b, idx)


def test_zero_curvature_coordinate_is_set_to_zero() -> None:
    """A constant column is absorbed by the intercept: G_jj = x_var_j = 0, so with l2_j = 0 b_j = 0."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 4))
    X[:, 2] = 3.0
    pr = build_problem(X, np.ones(30), X[:, 0] + rng.standard_normal(30), intercept=True)
    l1, l2 = np.zeros(4), np.zeros(4)
    idx = np.arange(4, dtype=np.int64)
    beta0 = np.array([0.0, 0.0, 1.5, 0.0])
    for b in (run_gram(pr, l1, l2, beta0, idx)[0], run_naive(pr, l1, l2, beta0, idx)[0]):
        assert b[2] == 0.0
        keep = [0, 1, 3]
        ols = np.linalg.solve(pr.G[np.ix_(keep, keep)], pr.q[keep])
        np.testing.assert_allclose(b[keep], ols, rtol=0, atol=1e-10)


@pytest.mark.parametrize("max_sweeps", [1, 2, 5])
def test_reaching_max_sweeps_returns_max_sweeps(max_sweeps: int) -> None:
    pr = random_problem(np.random.default_rng(0), 40, 8)
    l1, l2 = np.full(8, 0.01), np.zeros(8)
    beta0 = np.zeros(8)
    f0 = objective(pr, l1, l2, beta0)
    b, n_sweeps = run_gram(pr, l1, l2, beta0, ALL, tol=0.0, max_sweeps=max_sweeps)
    assert n_sweeps == max_sweeps
    assert objective(pr, l1, l2, b) < f0
    b, r, n_sweeps = run_naive(pr, l1, l2, beta0, ALL, tol=0.0, max_sweeps=max_sweeps)
    assert n_sweeps == max_sweeps
    np.testing.assert_allclose(r, residual(pr, b), rtol=0, atol=1e-12)
    assert run_gram(pr, l1, l2, beta0, ALL, tol=1e-30, max_sweeps=0)[1] == 0


@st.composite
def small_problems(draw: st.DrawFn) -> tuple[Problem, FloatArray, FloatArray, FloatArray, IntArray]:
    n = draw(st.integers(1, 8))
    p = draw(st.integers(1, 5))
    unit = st.floats(-1.0, 1.0, allow_subnormal=False)
    X = draw(hnp.arrays(np.float64, (n, p), elements=unit))
    z = draw(hnp.arrays(np.float64, n, elements=unit))
    v = draw(hnp.arrays(np.float64, n, elements=st.floats(0.1, 1.0)))
    pr = build_problem(X, v, z, intercept=draw(st.booleans()))
    l1 = draw(hnp.arrays(np.float64, p, elements=st.floats(0.0, 0.5)))
    l2 = draw(hnp.arrays(np.float64, p, elements=st.floats(0.1, 1.0)))
    beta0 = draw(hnp.arrays(np.float64, p, elements=st.floats(-2.0, 2.0, allow_subnormal=False)))
    active = draw(st.sets(st.integers(0, p - 1), min_size=1))
    return pr, l1, l2, beta0, np.array(sorted(active), dtype=np.int64)


@settings(max_examples=30, deadline=None)
@given(small_problems())
def test_objective_no_worse_than_reference_or_warm_start(
    problem: tuple[Problem, FloatArray, FloatArray, FloatArray, IntArray],
) -> None:
    pr, l1, l2, beta0, active = problem
    f_reference = objective(pr, l1, l2, reference_solve(pr.G, pr.q, l1, l2, beta0, active))
    f_start = objective(pr, l1, l2, beta0)
    for b in (run_gram(pr, l1, l2, beta0, active)[0], run_naive(pr, l1, l2, beta0, active)[0]):
        f = objective(pr, l1, l2, b)
        assert f <= f_reference + 1e-10
        assert f <= f_start + 1e-12  # coordinate descent never increases f (up to rounding)


# --- IRLS support kernels against NumPy references -------------------------------------------------------


@pytest.mark.parametrize("centre", [True, False])
def test_weighted_column_moments_matches_numpy(centre: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.normal(size=(200, 7)) + 3.0)
    v = rng.uniform(0.0, 2.0, size=200)
    active = np.array([0, 3, 6], dtype=np.int64)
    x_mean, x_var = np.full(7, -1.0), np.full(7, -1.0)
    weighted_column_moments(X, v, active, centre, x_mean, x_var)
    expected_mean = v @ X / v.sum() if centre else np.zeros(7)
    expected_var = v @ np.square(X - expected_mean)
    np.testing.assert_allclose(x_mean[active], expected_mean[active], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x_var[active], expected_var[active], rtol=1e-12, atol=1e-12)
    untouched = np.setdiff1d(np.arange(7), active)
    assert np.all(x_mean[untouched] == -1.0) and np.all(x_var[untouched] == -1.0)


def test_active_linear_predictor_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.normal(size=(150, 6)))
    coef = rng.normal(size=6)
    active = np.array([1, 2, 5], dtype=np.int64)
    base = rng.normal(size=150)
    out = np.empty(150)
    empty = np.zeros(1, dtype=np.int64)  # a design without sparse columns
    active_linear_predictor(X, empty, np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(6, dtype=np.int8),
                            np.arange(6, dtype=np.int64), coef, active, base, out)
    np.testing.assert_allclose(out, base + X[:, active] @ coef[active], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("family", "link", "kernel", "make_y"),
    [
        (Binomial(), LogitLink(), working_binomial_logit, lambda rng, n: rng.integers(0, 2, n).astype(float)),
        (Poisson(), LogLink(), working_poisson_log, lambda rng, n: rng.poisson(2.0, n).astype(float)),
    ],
)
def test_fused_working_values_equal_generic_formulas(family, link, kernel, make_y, seed: int) -> None:  # type: ignore[no-untyped-def]
    """STYLE example 2: the fused canonical kernel must equal w (dmu/deta)^2 / V(mu) and eta + (y - mu)/(dmu/deta)."""
    rng = np.random.default_rng(seed)
    n = 300
    eta = rng.normal(scale=3.0, size=n)
    eta[:3] = [-40.0, 40.0, 0.0]  # beyond the logit clamp, and the centre
    if family.name == "poisson":
        eta[:2] = [-30.0, 5.0]
    y, w, offset = make_y(rng, n), rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    problem = GLMProblem(np.zeros((n, 0)), y, w, offset, family, link, True)
    v_generic, z_generic = problem.generic_working(eta, link.inverse(eta))
    v, z = np.empty(n), np.empty(n)
    kernel(eta, y, w, offset, v, z)
    np.testing.assert_allclose(v, v_generic, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(z, z_generic, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("family", "kernel"), [(Binomial(), deviance_binomial), (Poisson(), deviance_poisson)])
def test_fused_deviance_equals_family_deviance(family, kernel, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    n = 400
    if family.name == "binomial":
        y = np.concatenate([rng.integers(0, 2, n - 10).astype(float), rng.uniform(size=10)])
        mu = rng.uniform(0.01, 0.99, n)
    else:
        y = np.concatenate([rng.poisson(3.0, n - 10).astype(float), np.zeros(10)])
        mu = rng.uniform(0.1, 8.0, n)
    w = rng.uniform(0.0, 3.0, n)
    np.testing.assert_allclose(kernel(y, mu, w), family.deviance(y, mu, w), rtol=1e-12, atol=0)
