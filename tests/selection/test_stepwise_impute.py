"""``gg.stepwise(..., na_action="impute")`` searches over fits that impute: every candidate equals ``gg.glm`` with
``na_action="impute"`` on the same rows, and R's AIC comparison holds because all candidates use every row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg


def _frame(seed: int, n: int = 250) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "w": rng.normal(size=n)})
    df["y"] = rng.poisson(np.exp(0.3 + 0.6 * df["x"] + 0.3 * df["z"]))
    df.loc[rng.random(n) < 0.2, "x"] = np.nan
    return df


@pytest.mark.parametrize("seed", [0, 1])
def test_stepwise_candidates_impute(seed: int) -> None:
    df = _frame(seed)
    step = gg.stepwise("y ~ x + z + w", df, "poisson", direction="backward", na_action="impute")
    best = step.best
    direct = gg.glm(best.spec.formula, df, "poisson", na_action="impute")
    assert best.nobs == len(df)
    assert "x[NA]" in best.params.index
    np.testing.assert_allclose(best.params.to_numpy(), direct.params.to_numpy(), rtol=1e-8)
    assert best.aic == pytest.approx(direct.aic, rel=1e-10)
