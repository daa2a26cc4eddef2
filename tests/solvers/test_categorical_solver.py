"""Solvers on a ``ModelMatrix`` (categorical and sparse blocks) against the same solvers on ``X.toarray()``,
against statsmodels, and against KKT conditions computed here with NumPy.

The dense twin goes through a different code path (QR / Gram of a dense array, the dense coordinate-descent
kernels), so agreement checks the block algebra: the Schur-complement elimination of a factor
(``solvers/categorical.py``), the block Gram products and the ``cd_blocks`` kernel. Aliasing must follow
R's rule, which is the dense path's (a column that is a combination of the columns before it is aliased).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import statsmodels.api as sm

from glmgen.matrices import CategoricalBlock, ModelMatrix, SparseBlock
from glmgen.model import Penalty, resolve_family
from glmgen.solvers import (
    CDControl,
    GLMProblem,
    IRLSControl,
    PenalizedState,
    categorical,
    fit_path,
    fit_penalized,
    irls,
)

TIGHT = IRLSControl(tol=1e-13, coef_tol=1e-13, max_iter=100)
COEF_RTOL, COEF_ATOL = 1e-7, 1e-9
CASES = [("gaussian", None), ("poisson", None), ("binomial", None), ("binomial", "probit"), ("binomial", "cloglog")]
BASE = {"gaussian": 1.0, "poisson": 0.5, "binomial": 0.0}  # the true intercept


# --------------------------------------------------------------------------- data
def make_design(rng: np.random.Generator, n: int, levels: int, *, reference: bool = True,
                sparse: bool = False, slopes: bool = False) -> tuple[ModelMatrix, np.ndarray]:
    """Two dense columns, a factor (codes in [-1, levels) with a reference level, else [0, levels)),
    optionally a sparse block and the factor's interaction with the first dense column (one slope per
    level, a categorical block with values, as ``g:x``); with the true effects."""
    codes = rng.integers(-1 if reference else 0, levels, n).astype(np.int32)
    dense = rng.standard_normal((n, 2)) * [1.0, 0.5] + [0.5, -1.0]
    blocks = [dense, CategoricalBlock(codes, levels)]
    effects = [[0.3, -0.2], rng.uniform(-0.4, 0.4, levels)]
    if sparse:
        blocks.append(SparseBlock(scipy.sparse.random_array((n, 3), density=0.2, format="csc", rng=rng,
                                                            data_sampler=rng.uniform)))
        effects.append([0.2, 0.1, -0.3])
    if slopes:
        blocks.append(CategoricalBlock(np.where(codes < 0, 0, codes).astype(np.int32), levels, dense[:, 0]))
        effects.append(rng.uniform(-0.2, 0.2, levels))
    return ModelMatrix(blocks), np.concatenate(effects)


def make_problem(X, effects: np.ndarray, family_name: str, link_name: str | None, rng: np.random.Generator,
                 *, fit_intercept: bool = True, zero_weights: bool = True, offset: bool = True) -> GLMProblem:
    family, link = resolve_family(family_name, link_name)
    n = X.shape[0]
    mean = link.inverse(BASE[family_name] + X @ effects)
    y = {"gaussian": lambda: mean + rng.standard_normal(n),
         "poisson": lambda: rng.poisson(mean).astype(float),
         "binomial": lambda: (rng.uniform(size=n) < mean).astype(float)}[family_name]()
    weights = rng.uniform(0.5, 2.0, n)
    if zero_weights:
        weights[rng.uniform(size=n) < 0.1] = 0.0
    offset_values = rng.uniform(-0.1, 0.1, n) if offset else np.zeros(n)
    return GLMProblem(X=X, y=y, weights=weights, offset=offset_values, family=family, link=link,
                      fit_intercept=fit_intercept)


def dense_twin(problem: GLMProblem) -> GLMProblem:
    assert isinstance(problem.X, ModelMatrix)
    return GLMProblem(X=problem.X.toarray(), y=problem.y, weights=problem.weights, offset=problem.offset,
                      family=problem.family, link=problem.link, fit_intercept=problem.fit_intercept)


def assert_same_fit(blocks, dense) -> None:
    np.testing.assert_array_equal(blocks.aliased, dense.aliased)
    np.testing.assert_array_equal(np.isnan(blocks.coef), np.isnan(dense.coef))
    np.testing.assert_allclose(blocks.coef, dense.coef, rtol=COEF_RTOL, atol=COEF_ATOL, equal_nan=True)
    np.testing.assert_allclose(blocks.intercept, dense.intercept, rtol=COEF_RTOL, atol=COEF_ATOL)
    np.testing.assert_allclose(blocks.deviance, dense.deviance, rtol=1e-10)
    np.testing.assert_allclose(blocks.mu, dense.mu, rtol=1e-8, atol=1e-10)
    assert blocks.cov_unscaled is not None and dense.cov_unscaled is not None
    assert blocks.cov_unscaled.shape == dense.cov_unscaled.shape
    scale = np.nanmax(np.abs(np.diag(dense.cov_unscaled)))
    np.testing.assert_allclose(blocks.cov_unscaled, dense.cov_unscaled, rtol=1e-6, atol=1e-9 * scale, equal_nan=True)


# --------------------------------------------------------------------------- IRLS: blocks vs dense
@pytest.mark.parametrize("family_name, link_name", CASES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_irls_on_blocks_equals_dense(seed, family_name, link_name, fit_intercept):
    rng = np.random.default_rng([seed, 31])
    X, effects = make_design(rng, 300, 6, reference=fit_intercept, sparse=True)
    problem = make_problem(X, effects, family_name, link_name, rng, fit_intercept=fit_intercept)
    blocks = irls(problem, control=TIGHT)
    dense = irls(dense_twin(problem), control=TIGHT)
    assert blocks.converged and dense.converged
    assert not blocks.aliased.any()
    assert_same_fit(blocks, dense)


@pytest.mark.parametrize("family_name, link_name", CASES[:3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_irls_with_one_slope_per_level_equals_dense(seed, family_name, link_name, fit_intercept):
    """A factor's interaction with a numeric column (a categorical block with values) beside the factor."""
    rng = np.random.default_rng([seed, 35])
    X, effects = make_design(rng, 400, 5, reference=fit_intercept, slopes=True)
    problem = make_problem(X, effects, family_name, link_name, rng, fit_intercept=fit_intercept)
    blocks = irls(problem, control=TIGHT)
    dense = irls(dense_twin(problem), control=TIGHT)
    assert blocks.converged and dense.converged
    assert_same_fit(blocks, dense)


@pytest.mark.parametrize("mode", ["auto", "naive"])
@pytest.mark.parametrize("family_name", ["gaussian", "poisson", "binomial"])
def test_path_with_one_slope_per_level_equals_dense(seed, mode, family_name):
    rng = np.random.default_rng([seed, 36])
    X, effects = make_design(rng, 300, 5, slopes=True)
    problem = make_problem(X, effects, family_name, None, rng)
    dense = X.toarray()
    penalty = Penalty(0.0, 1.0, np.ones(X.shape[1]), dense.std(axis=0))
    control = CDControl(tol=1e-18, mode=mode)
    path_blocks, _ = fit_path(problem, penalty, n_alphas=10, alpha_min_ratio=1e-3, control=control, early_stop=False)
    path_dense, _ = fit_path(dense_twin(problem), penalty, n_alphas=10, alpha_min_ratio=1e-3, control=control,
                             early_stop=False)
    np.testing.assert_allclose(path_blocks.deviances, path_dense.deviances, rtol=1e-8)
    np.testing.assert_allclose(path_blocks.coefs, path_dense.coefs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("family_name, link_name", CASES[:3])
def test_irls_without_offset_or_zero_weights(seed, family_name, link_name):
    rng = np.random.default_rng([seed, 32])
    X, effects = make_design(rng, 200, 4)
    problem = make_problem(X, effects, family_name, link_name, rng, zero_weights=False, offset=False)
    assert_same_fit(irls(problem, control=TIGHT), irls(dense_twin(problem), control=TIGHT))


def test_factor_alone(seed):
    """Only a factor: the fit is the per-level means (poisson, log link, intercept = log mean of the reference)."""
    rng = np.random.default_rng([seed, 33])
    codes = rng.integers(-1, 5, 400).astype(np.int32)
    y = rng.poisson(np.exp(0.3 * codes)).astype(float)
    family, link = resolve_family("poisson")
    problem = GLMProblem(X=ModelMatrix([CategoricalBlock(codes, 5)]), y=y, weights=np.ones(400),
                         offset=np.zeros(400), family=family, link=link, fit_intercept=True)
    out = irls(problem, control=TIGHT)
    level_means = np.array([y[codes == k].mean() for k in range(-1, 5)])
    np.testing.assert_allclose(out.intercept, np.log(level_means[0]), rtol=1e-10)
    np.testing.assert_allclose(out.coef, np.log(level_means[1:]) - np.log(level_means[0]), rtol=1e-8, atol=1e-10)
    # Poisson Fisher information of the saturated one-way model: cov(b_k) = 1/sum_k(y) + 1/sum_ref(y)
    sums = np.array([y[codes == k].sum() for k in range(-1, 5)])
    np.testing.assert_allclose(np.diag(out.cov_unscaled)[1:], 1.0 / sums[1:] + 1.0 / sums[0], rtol=1e-8)


# --------------------------------------------------------------------------- aliasing
def _problem_from_blocks(blocks, rng, family_name="poisson", fit_intercept=True, weights=None) -> GLMProblem:
    X = ModelMatrix(blocks)
    effects = np.resize([0.2, -0.3, 0.1], X.shape[1])
    problem = make_problem(X, effects, family_name, None, rng, fit_intercept=fit_intercept, zero_weights=False)
    if weights is not None:
        problem = GLMProblem(X=problem.X, y=problem.y, weights=weights, offset=problem.offset,
                             family=problem.family, link=problem.link, fit_intercept=fit_intercept)
    return problem


def _fit_both(problem: GLMProblem):
    blocks, dense = irls(problem, control=TIGHT), irls(dense_twin(problem), control=TIGHT)
    assert_same_fit(blocks, dense)
    return blocks


def test_level_without_rows_is_aliased(seed):
    rng = np.random.default_rng([seed, 34])
    codes = rng.integers(-1, 5, 200).astype(np.int32)
    codes[codes == 2] = 3  # column 2 has no row
    out = _fit_both(_problem_from_blocks([rng.standard_normal((200, 2)), CategoricalBlock(codes, 5)], rng))
    np.testing.assert_array_equal(out.aliased, [False, False, False, False, True, False, False])


def test_level_with_only_zero_weights_is_aliased(seed):
    rng = np.random.default_rng([seed, 35])
    codes = rng.integers(-1, 4, 200).astype(np.int32)
    weights = rng.uniform(0.5, 2.0, 200)
    weights[codes == 1] = 0.0
    out = _fit_both(_problem_from_blocks([rng.standard_normal((200, 1)), CategoricalBlock(codes, 4)], rng,
                                         weights=weights))
    np.testing.assert_array_equal(out.aliased, [False, False, True, False, False])


def test_empty_reference_level_aliases_the_last_level(seed):
    """Every row has a column and there is an intercept: the columns sum to the intercept; R aliases the last."""
    rng = np.random.default_rng([seed, 36])
    codes = rng.integers(0, 4, 200).astype(np.int32)
    out = _fit_both(_problem_from_blocks([rng.standard_normal((200, 2)), CategoricalBlock(codes, 4)], rng))
    np.testing.assert_array_equal(out.aliased, [False, False, False, False, False, True])


def test_empty_reference_level_with_a_zero_weight_last_level(seed):
    """The last level *with weight* is aliased when the last level has no weight."""
    rng = np.random.default_rng([seed, 37])
    codes = rng.integers(0, 4, 200).astype(np.int32)
    weights = np.where(codes == 3, 0.0, 1.0)
    out = _fit_both(_problem_from_blocks([rng.standard_normal((200, 1)), CategoricalBlock(codes, 4)], rng,
                                         weights=weights))
    np.testing.assert_array_equal(out.aliased, [False, False, False, True, True])


@pytest.mark.parametrize("dense_first", [True, False])
def test_dense_column_equal_to_a_level_indicator(seed, dense_first):
    """The later of two equal columns is aliased (R's rule, in column order)."""
    rng = np.random.default_rng([seed, 38])
    codes = rng.integers(-1, 4, 200).astype(np.int32)
    copy = (codes == 2).astype(float)[:, None]
    other = rng.standard_normal((200, 1))
    factor = CategoricalBlock(codes, 4)
    blocks = [np.hstack([other, copy]), factor] if dense_first else [factor, np.hstack([other, copy])]
    out = _fit_both(_problem_from_blocks(blocks, rng))
    expected = np.zeros(6, dtype=bool)
    expected[4 if dense_first else 5] = True  # the factor's column 2, or the dense copy after it
    np.testing.assert_array_equal(out.aliased, expected)


def test_two_factors_one_nested_in_the_other(seed):
    """b is a coarsening of a: b's columns are sums of a's, so (after a) b's columns are aliased."""
    rng = np.random.default_rng([seed, 39])
    a = rng.integers(-1, 6, 300).astype(np.int32)
    b = np.where(a < 0, -1, a // 3).astype(np.int32)  # -1 | 0, 1, 2 -> 0 | 3, 4, 5 -> 1
    out = _fit_both(_problem_from_blocks([rng.standard_normal((300, 1)), CategoricalBlock(a, 6),
                                          CategoricalBlock(b, 2)], rng))
    np.testing.assert_array_equal(out.aliased, [False] * 7 + [True, True])


def test_two_crossed_factors(seed):
    rng = np.random.default_rng([seed, 40])
    a = rng.integers(-1, 8, 400).astype(np.int32)
    b = rng.integers(-1, 3, 400).astype(np.int32)
    for family_name in ("gaussian", "binomial"):
        out = _fit_both(_problem_from_blocks([CategoricalBlock(a, 8), rng.standard_normal((400, 2)),
                                              CategoricalBlock(b, 3)], rng, family_name=family_name))
        assert not out.aliased.any()


# --------------------------------------------------------------------------- statsmodels reference
def test_poisson_with_a_factor_matches_statsmodels_on_get_dummies(seed):
    rng = np.random.default_rng([seed, 41])
    n = 400
    groups = pd.Series(pd.Categorical(rng.choice(list("abcdefg"), n), categories=list("abcdefg")))
    x = rng.standard_normal((n, 2))
    y = rng.poisson(np.exp(0.2 + 0.3 * x[:, 0] + 0.2 * groups.cat.codes.to_numpy() / 6)).astype(float)
    exposure = rng.uniform(0.5, 2.0, n)
    weights = rng.uniform(0.5, 2.0, n)
    dummies = pd.get_dummies(groups, drop_first=True, dtype=float)
    exog = sm.add_constant(np.column_stack([x, dummies.to_numpy()]))
    reference = sm.GLM(y, exog, family=sm.families.Poisson(), offset=np.log(exposure),
                       var_weights=weights).fit(tol=1e-13)
    family, link = resolve_family("poisson")
    codes = (groups.cat.codes.to_numpy() - 1).astype(np.int32)  # 'a' is the reference: -1
    problem = GLMProblem(X=ModelMatrix([x, CategoricalBlock(codes, 6)]), y=y, weights=weights,
                         offset=np.log(exposure), family=family, link=link, fit_intercept=True)
    out = irls(problem, control=TIGHT)
    np.testing.assert_allclose(np.append(out.intercept, out.coef), reference.params, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(out.cov_unscaled)), reference.bse, rtol=1e-5)
    np.testing.assert_allclose(out.deviance, reference.deviance, rtol=1e-8)


def test_gaussian_with_a_factor_matches_statsmodels_on_grunfeld():
    """statsmodels' Grunfeld investment data (220 rows, 11 firms): invest ~ value + capital + C(firm)."""
    data = sm.datasets.grunfeld.load_pandas().data
    firms = pd.Categorical(data["firm"])
    dummies = pd.get_dummies(firms, drop_first=True, dtype=float)
    exog = sm.add_constant(np.column_stack([data[["value", "capital"]].to_numpy(), dummies.to_numpy()]))
    y = data["invest"].to_numpy(dtype=float)
    reference = sm.GLM(y, exog, family=sm.families.Gaussian()).fit()
    family, link = resolve_family("gaussian")
    codes = (firms.codes - 1).astype(np.int32)
    X = ModelMatrix([data[["value", "capital"]].to_numpy(dtype=float), CategoricalBlock(codes, len(firms.categories) - 1)])
    out = irls(GLMProblem(X=X, y=y, weights=np.ones(y.size), offset=np.zeros(y.size), family=family, link=link,
                          fit_intercept=True), control=TIGHT)
    np.testing.assert_allclose(np.append(out.intercept, out.coef), reference.params, rtol=1e-8)
    dispersion = out.deviance / (y.size - exog.shape[1])
    np.testing.assert_allclose(np.sqrt(np.diag(out.cov_unscaled) * dispersion), reference.bse, rtol=1e-8)
    np.testing.assert_allclose(out.deviance, reference.deviance, rtol=1e-10)


# --------------------------------------------------------------------------- penalized fits and paths
def score_gradient(problem: GLMProblem, dense: np.ndarray, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Gradient of ``deviance / (2 W)`` in each coefficient, from the family's variance and the link."""
    dmu = problem.link.inverse_derivative(eta)
    score = problem.weights * (problem.y - mu) * dmu / problem.family.variance(mu)
    return -(dense.T @ score) / problem.weights.sum()


def assert_kkt(problem: GLMProblem, penalty: Penalty, dense: np.ndarray, out, tol: float) -> None:
    eta = problem.offset + out.intercept + dense @ out.coef
    mu = problem.link.inverse(eta)
    np.testing.assert_allclose(out.mu, mu, rtol=1e-10, atol=1e-12)
    gradient = score_gradient(problem, dense, eta, mu)
    l1, l2 = penalty.l1, penalty.l2
    nonzero = out.coef != 0
    stationarity = gradient + l2 * out.coef + l1 * np.sign(out.coef)
    assert np.all(np.abs(stationarity[nonzero]) <= tol), np.abs(stationarity[nonzero]).max()
    assert np.all(np.abs(gradient[~nonzero]) <= l1[~nonzero] + tol)
    if problem.fit_intercept:  # the intercept is unpenalized: its score is zero
        dmu = problem.link.inverse_derivative(eta)
        intercept_score = np.sum(problem.weights * (problem.y - mu) * dmu / problem.family.variance(mu))
        assert abs(intercept_score) / problem.weights.sum() <= tol


@pytest.mark.parametrize("mode", ["auto", "gram", "naive"])
@pytest.mark.parametrize("family_name", ["gaussian", "poisson", "binomial"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_on_blocks_equals_dense_and_satisfies_kkt(seed, mode, family_name, l1_ratio):
    rng = np.random.default_rng([seed, 42])
    X, effects = make_design(rng, 250, 5, sparse=True)
    problem = make_problem(X, effects, family_name, None, rng)
    dense = X.toarray()
    p = X.shape[1]
    factors = np.ones(p)
    factors[0] = 0.0  # one unpenalized column
    scales = np.sqrt((problem.weights / problem.weights.sum()) @ np.square(dense - problem.weights @ dense
                                                                         / problem.weights.sum()))
    penalty = Penalty(0.0, l1_ratio, factors, scales)
    control = CDControl(tol=1e-18, mode=mode)
    path_blocks, _ = fit_path(problem, penalty, n_alphas=12, alpha_min_ratio=1e-3, control=control, early_stop=False)
    path_dense, _ = fit_path(dense_twin(problem), penalty, n_alphas=12, alpha_min_ratio=1e-3, control=control,
                             early_stop=False)
    np.testing.assert_allclose(path_blocks.alphas, path_dense.alphas, rtol=1e-12)
    np.testing.assert_allclose(path_blocks.deviances, path_dense.deviances, rtol=1e-8)
    np.testing.assert_allclose(path_blocks.coefs, path_dense.coefs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(path_blocks.intercepts, path_dense.intercepts, rtol=1e-5, atol=1e-7)
    null_gradient = np.abs(score_gradient(problem, dense, *_null_eta_mu(problem))).max()
    for alpha, out in zip(path_blocks.alphas, path_blocks.outputs):
        assert_kkt(problem, penalty.at(alpha), dense, out, tol=1e-6 * null_gradient)
    assert np.all(path_blocks.coefs[0][factors > 0] == 0.0)  # alpha_max: every penalized coefficient is zero
    assert np.all(np.diff(path_blocks.deviances) <= 1e-9 * path_blocks.deviances[0])


def _null_eta_mu(problem: GLMProblem) -> tuple[np.ndarray, np.ndarray]:
    """``eta`` and ``mu`` of the intercept-only fit."""
    return _null_state(problem)[1:]


def _null_state(problem: GLMProblem) -> tuple[float, np.ndarray, np.ndarray]:
    """The intercept-only fit (with the offset) by Newton's method on the intercept alone: ``(b0, eta, mu)``."""
    b0 = 0.0
    for _ in range(100):
        eta = problem.offset + b0
        mu = problem.link.inverse(eta)
        dmu = problem.link.inverse_derivative(eta)
        score = np.sum(problem.weights * (problem.y - mu) * dmu / problem.family.variance(mu))
        info = np.sum(problem.weights * dmu**2 / problem.family.variance(mu))
        b0 += score / info
    eta = problem.offset + b0
    return b0, eta, problem.link.inverse(eta)


@pytest.mark.parametrize("mode", ["gram", "naive"])
def test_path_with_a_large_factor_and_no_standardization(seed, mode):
    """Penalty scales of one: the raw-column objective (scikit-learn's), a factor with many levels."""
    rng = np.random.default_rng([seed, 43])
    X, effects = make_design(rng, 600, 40)
    problem = make_problem(X, effects, "poisson", None, rng)
    dense = X.toarray()
    penalty = Penalty(0.0, 1.0, np.ones(X.shape[1]), np.ones(X.shape[1]))
    control = CDControl(tol=1e-18, mode=mode)
    path, _ = fit_path(problem, penalty, n_alphas=8, alpha_min_ratio=0.02, control=control, early_stop=False)
    reference, _ = fit_path(dense_twin(problem), penalty, n_alphas=8, alpha_min_ratio=0.02, control=control,
                            early_stop=False)
    np.testing.assert_allclose(path.coefs, reference.coefs, rtol=1e-5, atol=1e-7)
    null_gradient = np.abs(score_gradient(problem, dense, *_null_eta_mu(problem))).max()
    np.testing.assert_allclose(path.alpha_max, null_gradient, rtol=1e-8)  # l1_ratio = 1, scales and factors 1
    for alpha, out in zip(path.alphas, path.outputs):
        assert_kkt(problem, penalty.at(alpha), dense, out, tol=1e-6 * null_gradient)


@pytest.mark.parametrize("mode", ["auto", "gram", "naive"])
@pytest.mark.parametrize("family_name", ["gaussian", "poisson", "binomial"])
def test_fit_penalized_from_the_null_fit(seed, mode, family_name):
    """One alpha, cold working set: the solver must find the active columns by its KKT check alone."""
    rng = np.random.default_rng([seed, 44])
    X, effects = make_design(rng, 300, 8, sparse=True)
    problem = make_problem(X, effects, family_name, None, rng)
    dense = X.toarray()
    p = X.shape[1]
    b0, eta, mu = _null_state(problem)
    null_gradient = score_gradient(problem, dense, eta, mu)
    penalty = Penalty(0.2 * np.abs(null_gradient).max(), 0.8, np.ones(p), np.ones(p))
    control = CDControl(tol=1e-18, mode=mode)
    outputs = []
    for design in (problem, dense_twin(problem)):
        start = PenalizedState(coef=np.zeros(p), intercept=b0, eta=eta.copy(), mu=mu.copy())
        output, working, gradient = fit_penalized(design, penalty, start, np.zeros(p, dtype=bool), control=control)
        np.testing.assert_allclose(gradient[working], score_gradient(problem, dense, output.eta, output.mu)[working],
                                   rtol=1e-8, atol=1e-12)
        outputs.append(output)
    blocks, reference = outputs
    assert np.any(blocks.coef != 0) and np.any(blocks.coef == 0)
    np.testing.assert_array_equal(blocks.coef == 0, reference.coef == 0)
    np.testing.assert_allclose(blocks.coef, reference.coef, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(blocks.deviance, reference.deviance, rtol=1e-9)
    assert_kkt(problem, penalty, dense, blocks, tol=1e-6 * np.abs(null_gradient).max())


# --------------------------------------------------------------------------- other block mixes
@pytest.mark.parametrize("family_name", ["gaussian", "poisson"])
def test_irls_on_sparse_blocks_only(seed, family_name):
    """No factor: the weighted least squares over a Gram matrix formed block by block."""
    rng = np.random.default_rng([seed, 45])
    sparse = scipy.sparse.random_array((300, 6), density=0.3, format="csc", rng=rng, data_sampler=rng.uniform)
    X = ModelMatrix([rng.standard_normal((300, 2)), SparseBlock(sparse)])
    problem = make_problem(X, np.resize([0.3, -0.2, 0.4], 8), family_name, None, rng)
    assert_same_fit(irls(problem, control=TIGHT), irls(dense_twin(problem), control=TIGHT))


def test_irls_with_a_dense_column_of_extreme_scale(seed):
    """A column near 1e120 next to a factor: solved on an exactly rescaled copy, as the dense design is."""
    rng = np.random.default_rng([seed, 46])
    codes = rng.integers(-1, 5, 300).astype(np.int32)
    dense = rng.standard_normal((300, 2)) * [1e120, 1.0]
    X = ModelMatrix([dense, CategoricalBlock(codes, 5)])
    problem = make_problem(X, np.array([3e-121, 0.2, 0.1, -0.1, 0.2, 0.0, 0.3]), "poisson", None, rng)
    blocks, reference = irls(problem, control=TIGHT), irls(dense_twin(problem), control=TIGHT)
    assert_same_fit(blocks, reference)
    assert 1e-122 < abs(blocks.coef[0]) < 1e-119


def test_small_factor_before_the_large_factor_it_coarsens(seed):
    """The eliminated (largest) factor comes second: R's rule aliases *its* columns, not the earlier factor's."""
    rng = np.random.default_rng([seed, 47])
    fine = rng.integers(-1, 12, 400).astype(np.int32)
    coarse = np.where(fine < 0, -1, fine // 4).astype(np.int32)  # -1 | 0..3 -> 0 | 4..7 -> 1 | 8..11 -> 2
    out = _fit_both(_problem_from_blocks([CategoricalBlock(coarse, 3), rng.standard_normal((400, 1)),
                                          CategoricalBlock(fine, 12)], rng))
    assert out.aliased.sum() == 3 and not out.aliased[:4].any()


def test_empty_reference_in_the_smaller_factor(seed):
    """The factor that is not eliminated has every row in a column: its last column is the aliased one."""
    rng = np.random.default_rng([seed, 48])
    small = rng.integers(0, 3, 300).astype(np.int32)
    large = rng.integers(-1, 9, 300).astype(np.int32)
    out = _fit_both(_problem_from_blocks([CategoricalBlock(small, 3), rng.standard_normal((300, 1)),
                                          CategoricalBlock(large, 9)], rng))
    np.testing.assert_array_equal(np.flatnonzero(out.aliased), [2])


@pytest.mark.parametrize("case", ["dense_copy_after", "dense_copy_before", "nested", "small_empty_reference"])
def test_aliasing_by_the_projected_qr(seed, monkeypatch, case):
    """The branch for large designs (forced here on small ones; it takes the eliminated factor's columns to come
    first): the same fit as the dense design, as many aliased columns, and R's mask except where R's order puts
    a dense copy of a level before the factor."""
    monkeypatch.setattr(categorical, "ROW_QR_FLOPS", 0.0)
    rng = np.random.default_rng([seed, 49])
    n = 300
    codes = rng.integers(-1, 6, n).astype(np.int32)
    other = rng.standard_normal((n, 1))
    factor = CategoricalBlock(codes, 6)
    blocks = {
        "dense_copy_after": [factor, np.hstack([other, (codes == 2).astype(float)[:, None]])],
        "dense_copy_before": [np.hstack([other, (codes == 2).astype(float)[:, None]]), factor],
        "nested": [other, factor, CategoricalBlock(np.where(codes < 0, -1, codes // 3).astype(np.int32), 2)],
        "small_empty_reference": [CategoricalBlock(rng.integers(0, 3, n).astype(np.int32), 3), other, factor],
    }[case]
    problem = _problem_from_blocks(blocks, rng)
    ours, dense = irls(problem, control=TIGHT), irls(dense_twin(problem), control=TIGHT)
    assert ours.aliased.sum() == dense.aliased.sum()
    np.testing.assert_allclose(ours.deviance, dense.deviance, rtol=1e-10)
    np.testing.assert_allclose(ours.mu, dense.mu, rtol=1e-8, atol=1e-10)
    if case in ("dense_copy_after", "nested", "small_empty_reference"):
        np.testing.assert_array_equal(ours.aliased, dense.aliased)


# --------------------------------------------------------------------------- accuracy on an ill-conditioned design
def exact_least_squares(D: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``argmin |y - D b|^2`` in exact rational arithmetic (normal equations over ``Fraction``s of the floats)."""
    rows = [[Fraction(float(value)) for value in row] for row in D]
    target = [Fraction(float(value)) for value in y]
    p = D.shape[1]
    system = [[sum(row[j] * row[k] for row in rows) for k in range(p)]
              + [sum(row[j] * t for row, t in zip(rows, target))] for j in range(p)]
    for c in range(p):  # Gauss-Jordan elimination (the Gram matrix is positive definite: no pivoting needed)
        for i in range(p):
            if i != c and system[i][c] != 0:
                ratio = system[i][c] / system[c][c]
                system[i] = [a - ratio * b for a, b in zip(system[i], system[c])]
    return np.array([float(system[j][p] / system[j][j]) for j in range(p)])


@pytest.mark.parametrize("design", ["blocks", "dense"])
def test_covariate_nearly_constant_within_levels(design):
    """x is its level's value plus noise of sd 1e-6 (a group-level covariate measured with rounding): the design's
    condition number is ~3e6, so a backward-stable solver (R's QR; statsmodels' ``method="qr"`` gives ~1e-8
    here) is accurate to ~1e-9; a solve from the normal equations (condition ~1e13) is not. Seeds fixed:
    seeds 2 and 3 showed errors of 3e-4 (blocks) and 8e-3 (dense)."""
    family, link = resolve_family("gaussian")
    for seed in range(6):
        rng = np.random.default_rng(seed)
        n = 150
        codes = rng.integers(-1, 4, n).astype(np.int32)
        x = rng.standard_normal(5)[codes + 1] + 1e-6 * rng.standard_normal(n)
        y = 2.0 * x + rng.standard_normal(n)
        X = ModelMatrix([x[:, None], CategoricalBlock(codes, 4)])
        problem = GLMProblem(X=X if design == "blocks" else X.toarray(), y=y, weights=np.ones(n),
                             offset=np.zeros(n), family=family, link=link, fit_intercept=True)
        out = irls(problem, control=TIGHT)
        exact = exact_least_squares(np.column_stack([np.ones(n), X.toarray()]), y)
        np.testing.assert_allclose(np.append(out.intercept, out.coef), exact, rtol=1e-6,
                                   err_msg=f"seed {seed}")
