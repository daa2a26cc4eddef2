"""Weighted least squares and R's aliasing rule (glmgen/solvers/wls.py), against NumPy closed forms.

The references are the normal equations of ``min sum_i v_i (z_i - b0 - x_i'b)^2`` solved by
``numpy.linalg.lstsq`` on ``sqrt(v) [1, X]``, and the pivoting rule of R's ``dqrdc2``: a column
is aliased when it is a linear combination of the intercept and the columns before it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from glmgen.solvers import WeightedLeastSquares
from glmgen.solvers.wls import aliased_columns, clearly_full_rank

FloatArray = npt.NDArray[np.float64]


def lstsq_reference(X: FloatArray, z: FloatArray, v: FloatArray, fit_intercept: bool) -> tuple[FloatArray, FloatArray]:
    """``[b0, b]`` (or ``b``) and ``(X1' V X1)^{-1}`` from the weighted normal equations."""
    X1 = np.column_stack([np.ones(len(z)), X]) if fit_intercept else X
    root_v = np.sqrt(v)
    coef = np.linalg.lstsq(X1 * root_v[:, None], z * root_v, rcond=None)[0]
    return coef, np.linalg.inv(X1.T @ (X1 * v[:, None]))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_solve_matches_normal_equations(fit_intercept: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.normal(size=(300, 5)) + 2.0)
    z, v = rng.normal(size=300), rng.uniform(0.1, 3.0, 300)
    step = WeightedLeastSquares(X, fit_intercept, block_rows=64).solve(z, v)
    coef, covariance = lstsq_reference(X, z, v, fit_intercept)
    assert not step.is_qr
    np.testing.assert_allclose(step.coef, coef[int(fit_intercept):], rtol=1e-10, atol=1e-12)
    assert step.intercept == pytest.approx(coef[0] if fit_intercept else 0.0, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(step.covariance(fit_intercept, np.zeros(5, bool)), covariance, rtol=1e-9, atol=1e-14)


def test_ill_conditioned_solve_falls_back_to_qr_and_stays_accurate(seed: int) -> None:
    """Columns nearly collinear (condition number ~1e7, Gram ~1e14): Cholesky is refused, QR solves."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=400)
    X = np.asfortranarray(np.column_stack([x, x + 1e-7 * rng.normal(size=400), rng.normal(size=400)]))
    z, v = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.01 * rng.normal(size=400), rng.uniform(0.5, 2.0, 400)
    step = WeightedLeastSquares(X, True).solve(z, v)
    coef, _ = lstsq_reference(X, z, v, True)
    assert step.is_qr
    np.testing.assert_allclose(np.append(step.intercept, step.coef), coef, rtol=1e-6, atol=1e-6)


def test_aliased_columns_follow_rs_column_order(seed: int) -> None:
    """``lm(y ~ x1 + x2 + x3 + x4 + c)`` with ``x3 = x1 + 2 x2`` and a constant ``c``: R reports NA for x3
    (the later of the collinear columns) and for ``c`` (a multiple of the intercept); x4 is kept."""
    rng = np.random.default_rng(seed)
    x1, x2, x4 = rng.normal(size=(3, 100))
    X = np.column_stack([x1, x2, x1 + 2.0 * x2, x4, np.full(100, 3.0)])
    v = rng.uniform(0.5, 2.0, 100)
    np.testing.assert_array_equal(aliased_columns(X, v, True, 1e-11), [False, False, True, False, True])
    # Without an intercept a constant column is a regressor like any other.
    np.testing.assert_array_equal(aliased_columns(X, v, False, 1e-11), [False, False, True, False, False])


def test_aliasing_does_not_depend_on_column_scale(seed: int) -> None:
    """The test is relative to each column's norm (dqrdc2), so scaling columns changes nothing."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, 80))
    X = np.column_stack([x1 * 1e-150, x2 * 1e150, x1 - x2])
    v = np.ones(80)
    np.testing.assert_array_equal(aliased_columns(X, v, True, 1e-11), [False, False, True])


def test_gram_screen_never_clears_a_collinear_design(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, 60))
    for X, full_rank in ((np.column_stack([x1, x2]), True), (np.column_stack([x1, x2, x1 - 3 * x2]), False)):
        v = rng.uniform(0.5, 2.0, 60)
        gram, _, x_mean, _, total = WeightedLeastSquares(np.asfortranarray(X), True).gram(np.zeros(60), v)
        assert clearly_full_rank(gram, np.diag(gram) + total * np.square(x_mean)) == full_rank


def test_solve_dropping_aliased_solves_on_the_kept_columns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, 120))
    X = np.asfortranarray(np.column_stack([x1, 2.0 * x1, x2]))
    z, v = 1.0 + x1 - x2 + 0.1 * rng.normal(size=120), rng.uniform(0.5, 2.0, 120)
    step, aliased, solver = WeightedLeastSquares(X, True).solve_dropping_aliased(z, v, 1e-11)
    np.testing.assert_array_equal(aliased, [False, True, False])
    assert solver.X.shape == (120, 2)
    coef, _ = lstsq_reference(X[:, [0, 2]], z, v, True)
    np.testing.assert_allclose(np.append(step.intercept, step.coef), coef, rtol=1e-10, atol=1e-12)
