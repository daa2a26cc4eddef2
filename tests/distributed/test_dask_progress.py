"""The Dask backend's progress bar: ``glmgen dask``, one tick per pass over the data, for a path on a Dask
DataFrame, its cross-validation and the Poisson bootstrap of a fit; results are the same with the bar shown or
not."""

from __future__ import annotations

import re

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.distributed import driver

pytest_plugins = ["dask_fixtures", "progress_fixtures"]
pytestmark = pytest.mark.usefixtures("drawn_bars", "local_scheduler")


@pytest.fixture(scope="module")
def frame() -> dd.DataFrame:
    rng = np.random.default_rng(9)
    data = pd.DataFrame(rng.normal(size=(150, 2)), columns=["x1", "x2"])
    data["y"] = rng.poisson(np.exp(0.1 + 0.4 * data["x1"]))
    return dd.from_pandas(data, npartitions=3, sort=False)


@pytest.fixture
def passes(monkeypatch) -> list[int]:
    """``[n]``: the passes over the data (calls of the partition map-reduce) made so far in the test."""
    count = [0]
    reduce = driver.map_reduce

    def counted(*args, **kwargs):
        count[0] += 1
        return reduce(*args, **kwargs)

    monkeypatch.setattr(driver, "map_reduce", counted)
    return count


def final_counts(err: str) -> list[int]:
    """The final count of each bar written to ``err`` (a bar without a total shows ``"<n>pass [time"``)."""
    bars = err.split("glmgen dask: 0pass")[1:]
    return [int(re.findall(r"(\d+)pass \[", bar)[-1]) for bar in bars]


def test_path_and_cv_tick_once_per_pass(frame, capsys, passes):
    alphas = np.geomspace(0.3, 0.01, 4)
    path = gg.glm_path("y ~ x1 + x2", frame, "poisson", alphas=alphas, progress=True)
    assert final_counts(capsys.readouterr().err) == passes
    before = passes[0]
    shown = path.cv(folds=3, progress=True)
    counts = final_counts(capsys.readouterr().err)
    # two runs: the folds' paths in shared passes, then one pass scoring every fold
    assert len(counts) == 2 and counts[1] == 1 and sum(counts) == passes[0] - before
    hidden = path.cv(folds=3, progress=False)
    quiet = gg.glm_path("y ~ x1 + x2", frame, "poisson", alphas=alphas, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.folds, hidden.folds, check_exact=True)
    pd.testing.assert_frame_equal(path.coefs, quiet.coefs, check_exact=True)


def test_poisson_bootstrap_ticks_once_per_pass(frame, capsys, passes):
    fit = gg.glm("y ~ x1 + x2", frame, "poisson")
    before = passes[0]
    shown = gg.bootstrap(fit, n_boot=3, seed=1, progress=True)
    assert sum(final_counts(capsys.readouterr().err)) == passes[0] - before > 0
    hidden = gg.bootstrap(fit, n_boot=3, seed=1, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.replicates, hidden.replicates, check_exact=True)



@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_a_fit_ticks_once_per_pass(frame, capsys, passes, alpha):
    shown = gg.glm("y ~ x1 + x2", frame, "poisson", alpha=alpha, progress=True)
    assert final_counts(capsys.readouterr().err) == passes and passes[0] > 1
    hidden = gg.glm("y ~ x1 + x2", frame, "poisson", alpha=alpha, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_series_equal(shown.params, hidden.params, check_exact=True)


def test_progress_of_a_fit_is_checked_in_memory_too(frame):
    with pytest.raises(gg.InvalidParameterError, match="progress='yes'"):
        gg.glm("y ~ x1 + x2", frame.compute(), "poisson", progress="yes")
