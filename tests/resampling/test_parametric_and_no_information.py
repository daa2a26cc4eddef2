"""The parametric bootstrap draws from the family (``Family.sample``) and the no-information error of .632+.

- Parametric replicates simulate the response from the fitted model: for a
  gaussian fit with prior weights ``y* = mu + N(0, scale / w)``, for binomial
  counts out of ``trials`` ``Binomial(trials, mu) / trials``. Refitting those
  gives standard errors close to the Wald ones (statsmodels ``bse``); for the
  gaussian family the refit's covariance is exactly ``scale (X'WX)^-1``.
- The no-information error gamma (Efron and Tibshirani 1997) is the mean
  unit deviance over all (response, fitted mean) pairs; a family whose unit
  deviance does not split as ``a(y) + b(mu) + y c(mu)`` is computed over all
  pairs, and the result equals the double sum written out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

import glmgen as gg
from glmgen.model.families import Poisson
from glmgen.resampling.intervals import no_information_deviance

sm = pytest.importorskip("statsmodels.api")


def test_parametric_gaussian_with_prior_weights_matches_wald_se():
    rng = np.random.default_rng(8)
    n = 400
    data = pd.DataFrame({"x": rng.normal(size=n), "w": rng.uniform(0.5, 3.0, n)})
    data["y"] = 1.0 + 0.5 * data["x"] + rng.normal(size=n) / np.sqrt(data["w"])
    fit = gg.glm("y ~ x", data, weights="w")
    boot = gg.bootstrap(fit, n_boot=300, seed=4, method="parametric", progress=False)
    wald = sm.GLM(data["y"], sm.add_constant(data["x"]), family=sm.families.Gaussian(),
                  var_weights=data["w"]).fit().bse.to_numpy()
    ratio = boot.se.to_numpy() / wald
    assert np.all(np.abs(ratio - 1.0) < 0.15), ratio  # se of an se from 300 replicates is about 4%


def test_parametric_binomial_with_trials_matches_wald_se():
    rng = np.random.default_rng(9)
    n = 300
    x = rng.normal(size=n)
    trials = rng.integers(1, 12, n)
    successes = rng.binomial(trials, 1.0 / (1.0 + np.exp(-(-0.3 + 0.8 * x))))
    data = pd.DataFrame({"x": x, "s": successes, "f": trials - successes})
    fit = gg.glm("cbind(s, f) ~ x", data, family="binomial")
    boot = gg.bootstrap(fit, n_boot=300, seed=6, method="parametric", progress=False)
    wald = sm.GLM(np.column_stack([successes, trials - successes]), sm.add_constant(x),
                  family=sm.families.Binomial()).fit().bse
    ratio = boot.se.to_numpy() / wald
    assert np.all(np.abs(ratio - 1.0) < 0.15), ratio
    assert boot.n_failed == 0


class _UnsplitPoisson(Poisson):
    """The poisson family as a family whose unit deviance is not known to split."""

    def deviance_split(self, y, mu):
        return None


def test_no_information_error_over_all_pairs_for_a_family_without_a_split():
    rng = np.random.default_rng(12)
    n = 50
    y = rng.poisson(2.0, n).astype(float)
    mu = rng.uniform(0.5, 4.0, n)
    w = rng.uniform(0.5, 2.0, n)
    # gamma = sum_i sum_j w_i w_j d(y_i, mu_j) / (sum w)^2 with d the poisson unit deviance
    d = 2.0 * (special.xlogy(y[:, None], y[:, None] / mu[None, :]) - (y[:, None] - mu[None, :]))
    expected = w @ d @ w / w.sum() ** 2
    np.testing.assert_allclose(no_information_deviance(_UnsplitPoisson(), y, mu, w), expected, rtol=1e-12)
    np.testing.assert_allclose(no_information_deviance(Poisson(), y, mu, w), expected, rtol=1e-10)
