"""The bootstrap of a group-lasso path (``penalty="group"``) re-runs the group path on each resample: a
replicate equals the group path fitted on the resampled rows (each row repeated by its count)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.resampling.engines_path import PathEngine


def test_group_path_replicate_is_the_group_path_on_the_resample() -> None:
    rng = np.random.default_rng(5)
    n = 240
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "g": rng.choice(list("abcd"), n)})
    df["y"] = 0.8 * df["x"] + df["g"].map({"a": 0.0, "b": 0.6, "c": -0.4, "d": 0.2}) + rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        path = gg.glm_path("y ~ x + z + g", df, penalty="group", n_alphas=25, tol=1e-12)
        counts = np.random.default_rng(1).multinomial(n, np.full(n, 1 / n))
        engine = PathEngine.of(path, "bic", grid="original", cv_folds=None, cv_groups=None)
        refit = engine.refit(counts, np.random.default_rng(0))
        direct = gg.glm_path("y ~ x + z + g", df.loc[df.index.repeat(counts)], penalty="group",
                             alphas=path.alphas, tol=1e-12)
    index = direct.selected_index("bic")
    assert refit.chosen_alpha == pytest.approx(direct.alphas[index], rel=1e-12)
    coef = refit.coef[1:]  # the intercept first
    np.testing.assert_allclose(coef, direct.coefs.iloc[index].to_numpy()[1:], rtol=1e-6, atol=1e-7)
    dummies = [c for c in direct.coefs.columns if c.startswith("g[")]
    positions = [list(direct.coefs.columns).index(c) for c in dummies]
    assert len(set(np.asarray(refit.coef)[positions] == 0)) == 1  # the factor's dummies enter together
    boot = gg.bootstrap(path, n_boot=2, select="bic", seed=0)
    assert boot.n_failed == 0
