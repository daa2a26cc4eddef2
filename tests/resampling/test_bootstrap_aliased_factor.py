"""A bootstrap of a fit with an aliased column and a factor term (a design kept as a ModelMatrix with a
categorical block): each replicate equals statsmodels' GLM on the resampled rows without the aliased column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

import glmgen as gg


def test_replicates_of_an_aliased_fit_with_a_factor() -> None:
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    df["x2"] = 2.0 * df["x"]
    df["y"] = rng.poisson(np.exp(0.2 + 0.3 * df["x"] + 0.4 * (df["g"] == "c")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        fit = gg.glm("y ~ x + x2 + g", df, "poisson")
        boot = gg.bootstrap(fit, n_boot=3, seed=1)
    assert np.isnan(fit.params["x2"])
    X = pd.get_dummies(df["g"], drop_first=True, dtype=float).assign(x=df["x"])
    X = sm.add_constant(X)[["const", "b", "c", "x"]]
    for r in range(3):
        counts = boot.resample_counts(r)
        reference = sm.GLM(df["y"], X, family=sm.families.Poisson(), freq_weights=counts).fit(tol=1e-12)
        replicate = boot.replicates.iloc[r][["Intercept", "g[T.b]", "g[T.c]", "x"]].to_numpy()
        np.testing.assert_allclose(replicate, reference.params.to_numpy(), rtol=1e-6)
