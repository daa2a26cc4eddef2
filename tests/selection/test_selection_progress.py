"""Progress bars of ``gg.stepwise`` (a count of the models fitted) and ``gg.best_subset`` (over the subsets);
the searches give the same result with the bars shown or not."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import glmgen as gg

pytest_plugins = ["progress_fixtures"]
pytestmark = pytest.mark.usefixtures("drawn_bars")


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(100, 3)), columns=["x1", "x2", "x3"])
    frame["y"] = 1.0 + frame["x1"] + rng.normal(size=100)
    return frame


def test_stepwise_counts_every_model_fitted(data, capsys):
    shown = gg.stepwise("y ~ x1 + x2 + x3", data, progress=True)
    err = capsys.readouterr().err
    assert "glmgen stepwise" in err
    counts = [int(n) for n in re.findall(r"(\d+)fit \[", err)]  # a bar without a total shows "<n>fit [time]"
    assert max(counts) == shown.n_fits
    hidden = gg.stepwise("y ~ x1 + x2 + x3", data, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.history, hidden.history, check_exact=True)


def test_best_subset_ticks_once_per_subset(data, capsys):
    shown = gg.best_subset("y ~ x1 * x2 + x3", data, progress=True)
    err = capsys.readouterr().err
    # the hierarchical subsets of {x1, x2, x3, x1:x2}: 8 without the interaction, 2 with it
    assert shown.n_fits == 10
    assert "glmgen best subset" in err and "10/10" in err
    hidden = gg.best_subset("y ~ x1 * x2 + x3", data, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.models, hidden.models, check_exact=True)


def test_automatic_bar_off_a_terminal_writes_nothing(data, capsys):
    gg.stepwise("y ~ x1 + x2", data)
    assert capsys.readouterr().err == ""
