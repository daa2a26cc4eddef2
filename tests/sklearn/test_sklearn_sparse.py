"""scipy.sparse ``X`` in :mod:`glmgen.sklearn` (scikit-learn's own sparse checks run in ``test_sklearn_compat.py``).

- the fit equals the fit on the dense array, for every estimator and family, with and without penalty,
  lasso and elastic net, ``standardize`` on and off, ``sample_weight`` and ``offset``, and for every
  CSR / CSC / COO matrix and array;
- the objective reached equals that of scikit-learn's sparse-capable estimators fitted on the same sparse
  ``X`` (``ElasticNet``, ``LogisticRegression(solver="saga")``, ``PoissonRegressor``);
- a sparse ``X`` is never densified (``standardize=True`` included) and the caller's matrix is left untouched.
"""

from __future__ import annotations

import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import special
from sklearn.linear_model import ElasticNet, LogisticRegression, PoissonRegressor

from glmgen.matrices import ModelMatrix
from glmgen.sklearn import GLMClassifier, GLMClassifierCV, GLMRegressor, GLMRegressorCV
from glmgen.sklearn._base import _design

CONTAINERS: list[Callable[[Any], Any]] = [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array,
                                          sp.coo_matrix, sp.coo_array]


def _sparse_data(seed: int, family: str, n: int = 160, p: int = 8,
                 density: float = 0.3) -> tuple[sp.csc_array, np.ndarray]:
    """A sparse ``X`` with standard normal non-zeros and a response of ``family`` from a sparse linear predictor."""
    rng = np.random.default_rng(seed)
    X = sp.random_array((n, p), density=density, format="csc", rng=rng, data_sampler=rng.standard_normal)
    eta = 0.3 + X @ np.where(np.arange(p) % 2 == 0, np.linspace(1.0, -0.6, p), 0.0)  # every other column inert
    if family == "gaussian":
        y = eta + rng.normal(size=n)
    elif family == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = (rng.uniform(size=n) < special.expit(eta)).astype(float)
    return X, y


def _objective(family: str, X: Any, y: np.ndarray, weights: np.ndarray, offset: np.ndarray, coef: np.ndarray,
               intercept: float, alpha: float, l1_ratio: float) -> float:
    """``sum_i w_i d(y_i, mu_i) / (2 sum w) + alpha (l1_ratio |b|_1 + (1 - l1_ratio) |b|^2 / 2)`` (closed forms)."""
    eta = offset + intercept + np.asarray(X @ coef)
    if family == "gaussian":
        unit = np.square(y - eta)
    elif family == "poisson":
        unit = 2 * (special.xlogy(y, y) - y * eta - (y - np.exp(eta)))
    else:
        unit = 2 * (np.logaddexp(0.0, eta) - y * eta)
    penalty = alpha * (l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) / 2 * coef @ coef)
    return float(weights @ unit / (2 * weights.sum()) + penalty)


def _estimator(family: str, **params: Any) -> GLMRegressor | GLMClassifier:
    return GLMClassifier(**params) if family == "binomial" else GLMRegressor(family, **params)


# ----------------------------------------------------------------------------- the same fit as dense


SETTINGS = [(0.0, 0.0, False)] + [(0.1, l1_ratio, standardize) for l1_ratio in (1.0, 0.5)
                                  for standardize in (False, True)]


@pytest.mark.parametrize("family", ["gaussian", "poisson", "binomial"])
@pytest.mark.parametrize(("alpha", "l1_ratio", "standardize"), SETTINGS)
def test_sparse_fit_equals_dense_fit(seed: int, family: str, alpha: float, l1_ratio: float,
                                     standardize: bool) -> None:
    X, y = _sparse_data(seed, family)
    rng = np.random.default_rng(seed + 1)
    weights, offset = rng.uniform(0.5, 2.0, size=y.size), rng.normal(0.0, 0.2, size=y.size)
    params = {"alpha": alpha, "l1_ratio": l1_ratio, "standardize": standardize, "tol": 1e-12}
    dense = _estimator(family, **params).fit(X.toarray(), y, sample_weight=weights, offset=offset)
    sparse = _estimator(family, **params).fit(X, y, sample_weight=weights, offset=offset)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-8, atol=1e-8)
    if alpha > 0 and l1_ratio == 1.0:
        assert np.array_equal(sparse.coef_ == 0, dense.coef_ == 0) and np.any(dense.coef_ == 0)  # lasso zeros
    predict = sparse.predict_proba if family == "binomial" else sparse.predict
    np.testing.assert_allclose(predict(sp.csr_array(X), offset=offset),
                               (dense.predict_proba if family == "binomial" else dense.predict)(X.toarray(),
                                                                                                offset=offset),
                               rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("container", CONTAINERS, ids=lambda c: c.__name__)
def test_every_sparse_container_fits_and_predicts(seed: int, container: Callable[[Any], Any]) -> None:
    """fit, predict, predict_proba, decision_function and score take CSR / CSC / COO matrices and arrays."""
    X, y = _sparse_data(seed, "binomial")
    params = {"alpha": 0.01, "l1_ratio": 0.5, "standardize": True}
    dense = GLMClassifier(**params).fit(X.toarray(), y)
    sparse = GLMClassifier(**params).fit(container(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-10)
    for method in ("predict", "predict_proba", "decision_function"):
        np.testing.assert_allclose(getattr(sparse, method)(container(X)), getattr(dense, method)(X.toarray()),
                                   rtol=1e-8, atol=1e-12)
    assert sparse.score(container(X), y) == dense.score(X.toarray(), y)

    Xp, yp = _sparse_data(seed, "poisson")
    dense_poisson = GLMRegressor("poisson", alpha=0.01).fit(Xp.toarray(), yp)
    sparse_poisson = GLMRegressor("poisson", alpha=0.01).fit(container(Xp), yp)
    np.testing.assert_allclose(sparse_poisson.coef_, dense_poisson.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sparse_poisson.score(container(Xp), yp), dense_poisson.score(Xp.toarray(), yp),
                               rtol=1e-10)


@pytest.mark.parametrize(
    ("estimator", "family"),
    [
        (GLMRegressorCV(cv=3, n_alphas=8, l1_ratio=0.5, standardize=True), "gaussian"),
        (GLMRegressorCV("poisson", criterion="bic", n_alphas=8), "poisson"),
        (GLMClassifierCV(cv=3, n_alphas=8, criterion="cv_1se"), "binomial"),
        (GLMClassifierCV(criterion="aic", n_alphas=8, l1_ratio=0.5, standardize=True), "binomial"),
    ],
    ids=["regressor-cv", "poisson-bic", "classifier-cv1se", "classifier-aic-enet"],
)
def test_sparse_cv_equals_dense_cv(seed: int, estimator: Any, family: str) -> None:
    """The CV path, the held-out deviances (fold rows of a sparse X) and the information criteria."""
    X, y = _sparse_data(seed, family)
    rng = np.random.default_rng(seed + 2)
    weights, offset = rng.uniform(0.5, 2.0, size=y.size), rng.normal(0.0, 0.2, size=y.size)
    estimator = estimator.set_params(tol=1e-18)  # both routes at the optimum, not at two points within tol of it
    dense = estimator.fit(X.toarray(), y, sample_weight=weights, offset=offset)
    expected = {name: getattr(dense, name) for name in ("alphas_", "alpha_", "coef_path_", "intercept_path_",
                                                         "cv_mean_deviance_", "cv_se_", "information_criterion_")}
    sparse = estimator.fit(sp.csr_matrix(X), y, sample_weight=weights, offset=offset)
    for name, value in expected.items():
        if value is None:
            assert getattr(sparse, name) is None, name
        else:
            np.testing.assert_allclose(getattr(sparse, name), value, rtol=1e-8, atol=1e-10, err_msg=name)


# ----------------------------------------------------------------------------- scikit-learn's sparse estimators


def _assert_same_objective(ours: float, theirs: float) -> None:
    """glmgen's minimum is scikit-learn's (reference) up to solver tolerance, and never worse by more."""
    assert ours <= theirs + 1e-9 * max(1.0, abs(theirs))
    assert abs(ours - theirs) <= 1e-8 * max(1.0, abs(theirs))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_sparse_gaussian_matches_elastic_net(seed: int, l1_ratio: float) -> None:
    X, y = _sparse_data(seed, "gaussian", n=200, p=12)
    alpha = 0.05
    ones, zeros = np.ones(y.size), np.zeros(y.size)
    theirs = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000).fit(X, y)
    ours = GLMRegressor(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    _assert_same_objective(_objective("gaussian", X, y, ones, zeros, ours.coef_, ours.intercept_, alpha, l1_ratio),
                           _objective("gaussian", X, y, ones, zeros, theirs.coef_, theirs.intercept_, alpha,
                                      l1_ratio))
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)


def test_sparse_logistic_lasso_matches_logistic_regression(seed: int) -> None:
    """``LogisticRegression(C, l1_ratio=1)`` minimises ``C sum log-loss + |b|_1``: glmgen's objective times ``C n``
    with ``alpha = 1 / (C n)``; saga leaves the intercept unpenalized, as glmgen."""
    X, y = _sparse_data(seed, "binomial", n=200, p=12)
    alpha = 0.02
    ones, zeros = np.ones(y.size), np.zeros(y.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # saga's convergence warning at this tolerance
        theirs = LogisticRegression(C=1 / (alpha * y.size), l1_ratio=1.0, solver="saga", tol=1e-12,
                                    max_iter=100_000).fit(X, y)
    ours = GLMClassifier(alpha=alpha, l1_ratio=1.0, tol=1e-12).fit(X, y)
    _assert_same_objective(_objective("binomial", X, y, ones, zeros, ours.coef_, ours.intercept_, alpha, 1.0),
                           _objective("binomial", X, y, ones, zeros, theirs.coef_.ravel(), float(theirs.intercept_[0]),
                                      alpha, 1.0))
    assert np.array_equal(ours.coef_ == 0, theirs.coef_.ravel() == 0)


@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_sparse_poisson_matches_poisson_regressor(seed: int, alpha: float) -> None:
    X, y = _sparse_data(seed, "poisson", n=200, p=12)
    weights = np.random.default_rng(seed + 3).uniform(0.5, 2.0, size=y.size)
    zeros = np.zeros(y.size)
    theirs = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(
        X, y, sample_weight=weights)
    ours = GLMRegressor("poisson", alpha=alpha, tol=1e-16).fit(X, y, sample_weight=weights)
    _assert_same_objective(_objective("poisson", X, y, weights, zeros, ours.coef_, ours.intercept_, alpha, 0.0),
                           _objective("poisson", X, y, weights, zeros, theirs.coef_, theirs.intercept_, alpha, 0.0))
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------- never densified, never modified


def test_dense_input_stays_a_plain_array() -> None:
    X = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    assert _design(X) is X
    assert isinstance(_design(sp.csr_array(X)), ModelMatrix)


@pytest.mark.parametrize(
    "estimator",
    [GLMClassifier(alpha=0.002, l1_ratio=1.0, standardize=True),
     GLMRegressorCV(cv=2, n_alphas=4, l1_ratio=0.5, standardize=True)],
    ids=["classifier-lasso", "regressor-cv-enet"],
)
def test_sparse_fit_is_never_densified(seed: int, estimator: Any) -> None:
    """The fit's peak of Python-tracked memory (NumPy's included) stays far below one dense copy of ``X``."""
    n, p = 40_000, 1000
    X, y = _sparse_data(seed, "binomial", n=n, p=p, density=0.002)
    estimator.fit(X[:200], y[:200])  # compile the kernels outside the measurement
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < n * p * 8 / 10, f"peak {peak / 2**20:.0f} MiB, dense X {n * p * 8 / 2**20:.0f} MiB"
    assert np.count_nonzero(estimator.coef_) > 0


def test_callers_matrix_is_left_untouched(seed: int) -> None:
    """A CSC matrix with unsorted and duplicate entries fits as its sum of duplicates; it and a canonical CSC
    array keep their arrays."""
    X, y = _sparse_data(seed, "gaussian", n=60, p=5)
    rng = np.random.default_rng(seed)
    data, indices, indptr = [], [], [0]
    for j in range(X.shape[1]):  # each entry stored twice as halves, in shuffled row order
        rows, values = X.indices[X.indptr[j]:X.indptr[j + 1]], X.data[X.indptr[j]:X.indptr[j + 1]]
        shuffled = rng.permutation(2 * rows.size)
        indices.append(np.tile(rows, 2)[shuffled])
        data.append(np.tile(values / 2, 2)[shuffled])
        indptr.append(indptr[-1] + 2 * rows.size)
    messy = sp.csc_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=X.shape)
    assert not messy.has_sorted_indices
    expected = GLMRegressor(alpha=0.01, l1_ratio=0.5, standardize=True).fit(X.toarray(), y)
    for matrix in (messy, X):  # a copy is canonicalized; canonical CSC is shared with the solvers
        before = (matrix.data.copy(), matrix.indices.copy(), matrix.indptr.copy())
        fitted = GLMRegressor(alpha=0.01, l1_ratio=0.5, standardize=True).fit(matrix, y)
        for saved, now in zip(before, (matrix.data, matrix.indices, matrix.indptr)):
            np.testing.assert_array_equal(now, saved)
        np.testing.assert_allclose(fitted.coef_, expected.coef_, rtol=1e-8, atol=1e-10)
