"""Learning curves summarise their fits' data warnings once (glmgen.evaluation.curves)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import glmgen as gg


def test_rare_level_warnings_are_summarised_once():
    """A level with two rows is missing from most subsets: every such point used to warn on its own."""
    rng = np.random.default_rng(0)
    n = 200
    g = np.where(np.arange(n) < 2, "rare", rng.choice(["a", "b"], n))
    frame = pd.DataFrame({"x": rng.normal(size=n), "g": g})
    frame["y"] = rng.poisson(np.exp(0.3 * frame.x))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        curve = gg.learning_curve("y ~ x + g", frame, "poisson", sizes=(0.3, 0.6, 1.0), repeats=4, seed=1)
    data_warnings = [w for w in caught if issubclass(w.category, gg.DataWarning)]
    assert len(data_warnings) == 1
    assert "fits of the learning curve raised data warnings" in str(data_warnings[0].message)
    assert "rare" in str(data_warnings[0].message)
    assert np.all(np.isfinite(curve.table["test_mean_deviance"]))
    assert len(curve.table) == 12
