"""A path bootstrap of a model fitted with ``na_action="impute"`` re-learns the medians on every resample: the
replicate's path and selection equal those of the path fitted with ``na_action="impute"`` on the resampled rows
(each row repeated by its count), whose medians are the resample's own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.resampling.engines_path import PathEngine


def _frame(seed: int, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(2.0, 1.0, n), "z": rng.normal(size=n), "w": rng.normal(size=n)})
    df["y"] = 1.0 + 0.8 * df["x"] - 0.5 * df["z"] + rng.normal(scale=0.7, size=n)
    df.loc[rng.random(n) < 0.2, "x"] = np.nan
    return df


@pytest.mark.parametrize("seed", [0, 1])
def test_path_replicate_relearns_the_medians(seed: int) -> None:
    df = _frame(seed)
    path = gg.glm_path("y ~ x + z + w", df, na_action="impute", n_alphas=30, tol=1e-12)
    counts = np.random.default_rng(seed + 10).multinomial(len(df), np.full(len(df), 1 / len(df)))
    engine = PathEngine.of(path, "bic", grid="original", cv_folds=None, cv_groups=None)
    refit = engine.refit(counts, np.random.default_rng(0))
    repeated = df.loc[df.index.repeat(counts)]
    direct = gg.glm_path("y ~ x + z + w", repeated, na_action="impute", alphas=path.alphas, tol=1e-12)
    assert direct.spec.imputation.medians["x"] != path.spec.imputation.medians["x"]
    index = direct.selected_index("bic")
    assert refit.chosen_alpha == pytest.approx(direct.alphas[index], rel=1e-12)
    np.testing.assert_allclose(refit.coef, direct.coefs.iloc[index].to_numpy(), rtol=1e-6, atol=1e-7)
