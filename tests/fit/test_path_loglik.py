"""A path's log-likelihoods, shifted from one exact evaluation by half the deviance changes where the family's
likelihood follows its deviance, equal R's log-likelihood evaluated at every alpha (``family.log_likelihood``
itself is checked against R and statsmodels in tests/stats)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from benchmarks.problems import make_problem


def assert_logliks_exact(path: gg.PathResult) -> None:
    design, problem = path.refits.design, path.refits.problem
    for i, row in enumerate(path.coefs.to_numpy()):
        mu = problem.link.inverse(row[0] + design.X @ row[1:] + design.offset)
        exact = path.family.log_likelihood(problem.y, mu, design.weights, design.trials, design.freq_weights)
        assert path.loglik[i] == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize(("family", "weighting"), [
    ("binomial", None), ("binomial", "freq_weights"),
    ("poisson", None), ("poisson", "weights"), ("poisson", "freq_weights"),
])
def test_shifted_logliks_equal_exact_ones(seed: int, family: str, weighting: str | None) -> None:
    problem = make_problem(family, n=400, p=5, seed=seed)
    data = problem.data.copy()
    rng = np.random.default_rng(seed)
    data["w"] = rng.uniform(0.5, 2.0, len(data)) if weighting == "weights" else rng.integers(1, 4, len(data)) * 1.0
    kwargs = {weighting: "w"} if weighting else {}
    assert_logliks_exact(gg.glm_path(problem.formula, data, family, n_alphas=8, **kwargs))


def test_binomial_with_trials(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, 3))
    trials = rng.integers(1, 8, 200)
    successes = rng.binomial(trials, 1 / (1 + np.exp(-(0.2 + x @ [0.5, -0.3, 0.1]))))
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(s=successes, f=trials - successes)
    assert_logliks_exact(gg.glm_path("cbind(s, f) ~ a + b + c", data, "binomial", n_alphas=6))


def test_non_integer_successes_are_evaluated_at_every_alpha(seed: int) -> None:
    """R rounds ``m y`` in the likelihood but not in the deviance: there the shift would be wrong."""
    problem = make_problem("binomial", n=300, p=4, seed=seed)
    data = problem.data.assign(w=np.random.default_rng(seed).uniform(0.5, 2.0, 300))
    assert_logliks_exact(gg.glm_path(problem.formula, data, "binomial", weights="w", n_alphas=6))
