"""The issue-12 harness (benchmarks/bench_penalized.py): its objective, alpha grid and choice of tolerance."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from benchmarks import bench_penalized as bp
from benchmarks.problems import make_problem

FAMILIES = {"gaussian": sm.families.Gaussian(), "binomial": sm.families.Binomial(), "poisson": sm.families.Poisson()}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_deviance_matches_statsmodels(family: str) -> None:
    problem = make_problem(family, n=300, p=4, seed=1)
    eta = 0.2 + problem.X @ np.array([0.3, -0.2, 0.1, 0.0])
    mu = FAMILIES[family].link.inverse(eta)
    expected = FAMILIES[family].deviance(problem.y, mu)
    assert bp.deviance(family, problem.y, eta) == pytest.approx(expected, rel=1e-12)


def test_alpha_grid_starts_where_glmnet_leaves_every_coefficient_at_zero() -> None:
    import glmnet

    problem = make_problem("binomial", n=500, p=10, seed=2)
    case = bp.Case("t", "t", "binomial", 0.5)
    grid = bp.alpha_grid(problem.X, problem.y, case, n_alphas=5)
    model = glmnet.LogNet(lambda_values=np.array([grid[0] * 1.001, grid[0] * 0.95]), alpha=0.5, standardize=False)
    model.fit(problem.X, problem.y)
    coefs = np.asarray(model.coefs_)
    assert np.all(coefs[0] == 0.0)
    assert np.any(coefs[1] != 0.0)


def test_choose_takes_the_loosest_tolerance_within_the_bar() -> None:
    best = np.array([1.0, 2.0])
    objectives_of = {"a": best * (1 + 1e-5), "b": best * (1 + np.array([5e-8, 2e-7])), "c": best * (1 + 5e-8),
                     "d": best}
    entry = bp.Entry("glmnet", "glmnet", 1, ladder=[{"tol": 1e-4, "tag": "a"}, {"tol": 1e-6, "tag": "b"},
                                                     {"tol": 1e-8, "tag": "c"}, {"tol": 1e-10, "tag": "d"}])
    bp.choose(entry, objectives_of, best)
    assert entry.tol == 1e-8
    assert entry.ladder[1]["gap"] == pytest.approx(2e-7)


def test_choose_falls_back_to_the_smallest_gap() -> None:
    best = np.array([1.0])
    entry = bp.Entry("skglm", "skglm", 1, ladder=[{"tol": 1e-4, "tag": "a"}, {"tol": 1e-6, "tag": "b"}])
    bp.choose(entry, {"a": best * (1 + 1e-5), "b": best * (1 + 1e-6)}, best)
    assert entry.tol == 1e-6


def test_unknown_library_is_refused() -> None:
    with pytest.raises(SystemExit):
        bp.parse_args(["--libs", "glmgen,glmnett"])
