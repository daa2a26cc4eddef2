"""The group elastic net (``glmgen.solvers.group``) against adelie, closed forms, SciPy and the lasso.

References: adelie 1.1.52's ``grpnet`` solutions on four small problems (``tests/reference/penalized/
group_adelie.json``, written by ``make_group_adelie.py`` next to it: a factor's 3 dummies, a 3-column numeric
group, two single columns; gaussian, binomial, poisson; elastic-net mix; prior weights; user factors); group
soft-thresholding on an orthonormal design; ``scipy.optimize.minimize`` on one group's subproblem; and the
elastic-net solver (checked against glmnet) when every group has one column. Objectives are computed here
from the textbook unit deviances.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
from conftest import unit_deviance

from glmgen.errors import DataError
from glmgen.matrices import CategoricalBlock, ModelMatrix
from glmgen.model import GroupPenalty, Penalty, resolve_family
from glmgen.solvers import (
    CDControl,
    GLMProblem,
    fit_group_path,
    fit_group_penalized,
    fit_path,
    group_kkt,
    null_state,
)
from glmgen.solvers.group import group_minimizer

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "penalized" / "group_adelie.json"
INVERSE = {"gaussian": lambda eta: eta, "binomial": lambda eta: 1.0 / (1.0 + np.exp(-eta)), "poisson": np.exp}


def _problem(X, y, family: str, weights=None, fit_intercept: bool = True) -> GLMProblem:
    fam, link = resolve_family(family)
    n = len(y)
    return GLMProblem(X=X, y=np.asarray(y, dtype=float), weights=np.ones(n) if weights is None else weights,
                      offset=np.zeros(n), family=fam, link=link, fit_intercept=fit_intercept)


def _objective(family: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: GroupPenalty, coef: np.ndarray,
               intercept: float) -> float:
    """``deviance / (2 sum w) + penalty``, the deviance from its textbook definition, the penalty written out."""
    mu = INVERSE[family](intercept + X @ coef)
    norms = np.array([np.linalg.norm(coef[g]) for g in penalty.groups])
    l1 = penalty.l1_ratio
    pen = penalty.alpha * np.sum(penalty.factors * (l1 * norms + 0.5 * (1 - l1) * norms**2))
    return float(w @ unit_deviance(family, y, mu)) / (2.0 * w.sum()) + pen


def _cases() -> list[dict]:
    return json.loads(REFERENCE.read_text())["cases"]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_objective_equals_adelie_at_its_lambdas(case: dict) -> None:
    X, y, w = np.asfortranarray(case["X"]), np.array(case["y"]), np.array(case["weights"])
    penalty = GroupPenalty(0.0, case["l1_ratio"], tuple(np.array(g) for g in case["groups"]),
                           np.array(case["factors"]))
    problem = _problem(X, y, case["family"], w)
    lambdas = np.array(case["lambdas"])
    path, notices = fit_group_path(problem, penalty, alphas=lambdas, control=CDControl(tol=1e-10))
    assert not notices
    np.testing.assert_allclose(path.alphas, lambdas)
    for k, alpha in enumerate(lambdas):
        at = penalty.at(alpha)
        ours = _objective(case["family"], X, y, w, at, path.coefs[k], path.intercepts[k])
        adelie = _objective(case["family"], X, y, w, at, np.array(case["coefs"][k]), case["intercepts"][k])
        assert ours <= adelie + 1e-7 * abs(adelie)
        assert ours >= adelie - 1e-7 * abs(adelie)  # adelie was run at tol=1e-14: its solution is optimal too
        assert group_kkt(problem, at, path.coefs[k], path.intercepts[k]) <= 1e-10
        np.testing.assert_allclose(path.coefs[k], case["coefs"][k], atol=1e-4)


def test_single_column_groups_are_the_elastic_net() -> None:
    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.standard_normal((150, 6)))
    y = (rng.random(150) < 1 / (1 + np.exp(-(X[:, 0] - 0.7 * X[:, 2])))).astype(float)
    w = rng.uniform(0.5, 2.0, 150)
    problem = _problem(X, y, "binomial", w)
    factors = np.array([1.0, 1.0, 0.5, 2.0, 1.0, 1.0])
    lasso, _ = fit_path(problem, Penalty(0.0, 0.5, factors, np.ones(6)), n_alphas=15, early_stop=False,
                        control=CDControl(tol=1e-12))
    groups = GroupPenalty(0.0, 0.5, tuple(np.array([j]) for j in range(6)), factors)
    path, _ = fit_group_path(problem, groups, n_alphas=15, early_stop=False, control=CDControl(tol=1e-12))
    np.testing.assert_allclose(path.alphas, lasso.alphas, rtol=1e-12)
    for k, alpha in enumerate(path.alphas):
        ours = _objective("binomial", X, y, w, groups.at(alpha), path.coefs[k], path.intercepts[k])
        theirs = _objective("binomial", X, y, w, groups.at(alpha), lasso.coefs[k], lasso.intercepts[k])
        assert ours == pytest.approx(theirs, rel=1e-9)
        np.testing.assert_allclose(path.coefs[k], lasso.coefs[k], atol=1e-5)


def test_orthonormal_design_is_group_soft_thresholding() -> None:
    """With ``Xc' Xc / n = I``: ``b_g = z_g (1 - lam_g / ||z_g||)_+ / (1 + ridge_g)``, ``z = Xc'(y - ybar) / n``."""
    rng = np.random.default_rng(5)
    n = 60
    centred = rng.standard_normal((n, 6))
    centred -= centred.mean(axis=0)
    X = np.asfortranarray(np.linalg.qr(centred)[0] * np.sqrt(n))
    y = X @ np.array([1.0, -0.5, 0.2, 0.1, 0.0, 0.8]) + rng.standard_normal(n)
    z = X.T @ (y - y.mean()) / n
    groups = (np.array([0, 1]), np.array([2, 3, 4]), np.array([5]))
    factors = np.sqrt([2.0, 3.0, 1.0])
    for l1_ratio in (1.0, 0.4):
        penalty = GroupPenalty(0.0, l1_ratio, groups, factors)
        alphas = np.array([0.6, 0.3, 0.1, 0.02])
        path, _ = fit_group_path(_problem(X, y, "gaussian"), penalty, alphas=alphas)
        for k, alpha in enumerate(alphas):
            expected = np.zeros(6)
            for g, f in zip(groups, factors):
                shrink = max(1 - alpha * l1_ratio * f / np.linalg.norm(z[g]), 0.0)
                expected[g] = z[g] * shrink / (1 + alpha * (1 - l1_ratio) * f)
            np.testing.assert_allclose(path.coefs[k], expected, atol=1e-10)
            assert path.intercepts[k] == pytest.approx(y.mean(), abs=1e-10)


def test_group_subproblem_matches_scipy() -> None:
    rng = np.random.default_rng(7)
    A = rng.standard_normal((5, 4))
    H = A.T @ A / 5 + np.diag([0.0, 0.0, 0.0, 1e-3])
    c = rng.standard_normal(4)
    d, V = np.linalg.eigh(H)
    for lam, ridge in ((0.3, 0.0), (0.3, 0.5), (0.0, 0.2), (5.0, 0.0)):
        ours = group_minimizer(d, V, c, lam, ridge)

        def f(b, lam=lam, ridge=ridge):
            return 0.5 * b @ H @ b - c @ b + lam * np.linalg.norm(b) + 0.5 * ridge * b @ b

        best = scipy.optimize.minimize(f, np.linalg.solve(H + np.eye(4), c), method="BFGS",
                                       options={"gtol": 1e-13}).x
        assert f(ours) <= f(best) + 1e-12
        if lam >= np.linalg.norm(c):
            assert not ours.any()


def test_path_starts_at_alpha_max_and_groups_move_together() -> None:
    rng = np.random.default_rng(11)
    X = np.asfortranarray(rng.standard_normal((120, 7)))
    y = rng.poisson(np.exp(0.2 + 0.4 * X[:, 0] - 0.3 * X[:, 3] + 0.2 * X[:, 6])).astype(float)
    groups = (np.array([0, 1, 2]), np.array([3, 4]), np.array([5, 6]))
    penalty = GroupPenalty(0.0, 0.8, groups, np.sqrt([3.0, 2.0, 2.0]))
    problem = _problem(X, y, "poisson")
    path, _ = fit_group_path(problem, penalty, n_alphas=20)
    # alpha_max from the null fit's gradient, computed here: score X'(y - ybar) / n
    gradient = -X.T @ (y - y.mean()) / len(y)
    expected = max(np.linalg.norm(gradient[g]) / (0.8 * f) for g, f in zip(groups, penalty.factors))
    assert path.alpha_max == pytest.approx(expected, rel=1e-10)
    assert not path.coefs[0].any() and path.coefs[1].any()
    for k, alpha in enumerate(path.alphas):
        coef = path.coefs[k]
        for g in groups:
            assert coef[g].all() or not coef[g].any()
        assert group_kkt(problem, penalty.at(alpha), coef, path.intercepts[k]) <= 1e-8


def test_unpenalized_group_and_warm_start() -> None:
    """A group with factor 0 is fitted at alpha_max (here: its coefficients are the unpenalized fit on it alone);
    one fit at an alpha from the null state equals the path's."""
    rng = np.random.default_rng(13)
    X = np.asfortranarray(rng.standard_normal((100, 5)))
    y = X @ np.array([0.5, 0.0, 0.3, -0.2, 0.0]) + rng.standard_normal(100)
    groups = (np.array([0, 1]), np.array([2, 3, 4]))
    penalty = GroupPenalty(0.0, 1.0, groups, np.array([0.0, np.sqrt(3.0)]))
    problem = _problem(X, y, "gaussian")
    path, _ = fit_group_path(problem, penalty, n_alphas=10)
    Xc = np.column_stack([np.ones(100), X[:, :2]])
    unpenalized = np.linalg.lstsq(Xc, y, rcond=None)[0]
    np.testing.assert_allclose(path.coefs[0][:2], unpenalized[1:], atol=1e-10)
    start = null_state(problem, Penalty(0.0, 1.0, np.array([0.0, 0, 1, 1, 1]), np.ones(5)))
    single = fit_group_penalized(problem, penalty.at(path.alphas[5]), start)
    np.testing.assert_allclose(single.coef, path.coefs[5], atol=1e-6)


def test_scales_and_model_matrix() -> None:
    """``scales`` penalise ``s_j b_j`` (the fit on columns ``x_j / s_j``, mapped back); a factor as a categorical
    block solves as its dense dummies."""
    rng = np.random.default_rng(17)
    codes = rng.integers(-1, 3, 150).astype(np.int32)
    dense = rng.standard_normal((150, 2)) * [2.0, 0.5]
    dummies = (codes[:, None] == np.arange(3)).astype(float)
    y = (rng.random(150) < 1 / (1 + np.exp(-(dummies @ [0.8, -0.5, 0.3] + dense[:, 0])))).astype(float)
    groups = (np.array([0, 1]), np.array([2, 3, 4]))
    scales = np.array([2.0, 0.5, 0.4, 0.45, 0.5])
    penalty = GroupPenalty(0.0, 0.9, groups, np.sqrt([2.0, 3.0]), scales)
    blocks = ModelMatrix([dense, CategoricalBlock(codes, 3)])
    dense_X = np.asfortranarray(np.column_stack([dense, dummies]))
    path, _ = fit_group_path(_problem(blocks, y, "binomial"), penalty, n_alphas=8, control=CDControl(tol=1e-12))
    unit = GroupPenalty(0.0, 0.9, groups, penalty.factors)
    plain, _ = fit_group_path(_problem(np.asfortranarray(dense_X / scales), y, "binomial"), unit,
                              alphas=path.alphas, control=CDControl(tol=1e-12))
    np.testing.assert_allclose(path.coefs, plain.coefs / scales, atol=1e-6)
    np.testing.assert_allclose(path.intercepts, plain.intercepts, atol=1e-6)


def test_refuses_a_degenerate_response_and_no_penalized_group() -> None:
    X = np.asfortranarray(np.random.default_rng(0).standard_normal((20, 2)))
    penalty = GroupPenalty(0.0, 1.0, (np.array([0, 1]),), np.array([1.0]))
    with pytest.raises(DataError):
        fit_group_path(_problem(X, np.zeros(20), "poisson"), penalty)
    with pytest.raises(DataError, match="no penalized column"):
        fit_group_path(_problem(X, X[:, 0] + 1.0, "gaussian"), penalty.__class__(0.0, 1.0, penalty.groups,
                                                                                  np.array([0.0])))


def test_penalty_value() -> None:
    penalty = GroupPenalty(2.0, 0.25, (np.array([0, 1]), np.array([2])), np.array([1.5, 1.0]))
    coef = np.array([3.0, 4.0, -2.0])
    expected = 2.0 * (1.5 * (0.25 * 5 + 0.375 * 25) + 1.0 * (0.25 * 2 + 0.375 * 4))
    assert penalty.value(coef) == pytest.approx(expected)
    assert penalty.at(1.0).value(coef) == pytest.approx(expected / 2)


def test_kkt_detects_a_perturbed_solution_and_max_iter_warns() -> None:
    rng = np.random.default_rng(19)
    X = np.asfortranarray(rng.standard_normal((80, 4)))
    y = (rng.random(80) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    penalty = GroupPenalty(0.0, 1.0, (np.array([0, 1]), np.array([2, 3])), np.sqrt([2.0, 2.0]))
    problem = _problem(X, y, "binomial")
    path, notices = fit_group_path(problem, penalty, n_alphas=6)
    assert not notices
    coef, alpha = path.coefs[-1].copy(), path.alphas[-1]
    assert group_kkt(problem, penalty.at(alpha), coef, path.intercepts[-1]) <= 1e-8
    coef[0] += 0.05
    assert group_kkt(problem, penalty.at(alpha), coef, path.intercepts[-1]) > 1e-5
    _, notices = fit_group_path(problem, penalty, n_alphas=6, control=CDControl(max_iter=1))
    assert notices and "max_iter" in notices[0].message
