"""Progress bars of ``gg.glm_path`` (one tick per alpha) and ``path.cv`` (one per fold and repeat); the results
are the same with the bars shown or not. (The bar of a parallel map with ``n_jobs > 1``: ``tests/test_progress.py``.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg

pytest_plugins = ["progress_fixtures"]
pytestmark = pytest.mark.usefixtures("drawn_bars")

ALPHAS = np.geomspace(0.5, 0.005, 8)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(120, 4)), columns=["x1", "x2", "x3", "x4"])
    frame["y"] = rng.poisson(np.exp(0.3 + 0.5 * frame["x1"] - 0.3 * frame["x2"]))
    return frame


def test_path_ticks_once_per_alpha(data, capsys):
    shown = gg.glm_path("y ~ x1 + x2 + x3 + x4", data, "poisson", alphas=ALPHAS, progress=True)
    err = capsys.readouterr().err
    assert "glmgen path" in err and "8/8" in err and "alpha" in err
    hidden = gg.glm_path("y ~ x1 + x2 + x3 + x4", data, "poisson", alphas=ALPHAS, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.coefs, hidden.coefs, check_exact=True)


def test_cv_ticks_once_per_fold_and_repeat(data, capsys):
    path = gg.glm_path("y ~ x1 + x2 + x3 + x4", data, "poisson", alphas=ALPHAS)
    capsys.readouterr()
    shown = path.cv(folds=5, repeats=2, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "glmgen cv" in err and "10/10" in err and "fold" in err
    hidden = path.cv(folds=5, repeats=2, seed=1, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.folds, hidden.folds, check_exact=True)
    np.testing.assert_array_equal(shown.mean_deviance, hidden.mean_deviance)
    assert (shown.n_folds, shown.repeats, len(shown.folds)) == (5, 2, 10)


def test_automatic_bars_off_a_terminal_write_nothing(data, capsys):
    path = gg.glm_path("y ~ x1 + x2", data, "poisson", alphas=ALPHAS)  # progress=None; capsys is no terminal
    path.cv(folds=3)
    assert capsys.readouterr().err == ""


def test_progress_is_true_false_or_none(data):
    path = gg.glm_path("y ~ x1", data, "poisson", alphas=ALPHAS)
    with pytest.raises(gg.InvalidParameterError, match="progress='yes'"):
        path.cv(folds=3, progress="yes")
