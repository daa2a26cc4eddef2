"""The bootstrap of a stepwise search (glmgen.resampling.engines_stepwise) replays the user's call.

A formula may use a function the user defined; every replicate must re-run
the search with that function, in this process and in worker processes.
Each replicate is checked against statsmodels' GLM fitted on the chosen
model's columns with the resample counts as frequency weights (the MLE on
the resample), so a replicate refitted in a wrong namespace (which fails,
or evaluates a different function) cannot pass.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg

sm = pytest.importorskip("statsmodels.api")


def triple(values):
    """A user's helper, visible only in this module's namespace."""
    return 3.0 * np.asarray(values, dtype=float)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(17)
    n = 160
    x, z, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"y": rng.poisson(np.exp(0.2 + 0.5 * x - 0.15 * z)), "x": x, "z": z, "w": w})


def _statsmodels_refit(frame: pd.DataFrame, terms: list[str], counts: np.ndarray) -> pd.Series:
    columns = {"triple(x)": 3.0 * frame["x"], "z": frame["z"], "w": frame["w"]}
    X = pd.DataFrame({"Intercept": 1.0, **{term: columns[term] for term in terms}})
    fit = sm.GLM(frame["y"], X, family=sm.families.Poisson(), freq_weights=counts.astype(float)).fit(tol=1e-12)
    return fit.params


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_stepwise_bootstrap_with_a_user_function_in_the_formula(frame, n_jobs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        step = gg.stepwise("y ~ triple(x) + z + w", frame, "poisson", criterion="bic")
        boot = gg.bootstrap(step, n_boot=4, seed=3, data=frame, n_jobs=n_jobs, progress=False)
    assert boot.n_failed == 0, boot.errors
    assert {"Intercept", "triple(x)"} <= set(boot.replicates.columns) <= {"Intercept", "triple(x)", "z", "w"}
    for r in range(boot.n_boot):
        chosen = boot.chosen_formula.iloc[r]
        terms = [t.strip() for t in re.split(r"\+", chosen.split("~", 1)[1]) if t.strip() not in ("", "1")]
        assert "triple(x)" in terms  # the signal (slope 0.5 on n=160) is kept in every resample
        expected = _statsmodels_refit(frame, terms, boot.resample_counts(r))
        expected = expected.reindex(boot.replicates.columns).fillna(0.0)
        np.testing.assert_allclose(boot.replicates.iloc[r], expected, rtol=1e-6, atol=1e-8)
