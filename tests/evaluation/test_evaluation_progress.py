"""Progress bars of the learning and validation curves, the shift check and the report (whose bar nests the
path's, the CV's and the bootstrap's); results are the same with the bars shown or not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg

pytest_plugins = ["progress_fixtures"]
pytestmark = pytest.mark.usefixtures("drawn_bars")


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(160, 3)), columns=["x1", "x2", "x3"])
    frame["y"] = rng.poisson(np.exp(0.2 + 0.5 * frame["x1"]))
    return frame


def test_learning_curve_ticks_once_per_size_and_repeat(data, capsys):
    options = dict(sizes=(0.5, 0.75, 1.0), repeats=2, seed=1)
    shown = gg.learning_curve("y ~ x1 + x2", data, "poisson", progress=True, **options)
    err = capsys.readouterr().err
    assert "glmgen learning curve" in err and "6/6" in err
    hidden = gg.learning_curve("y ~ x1 + x2", data, "poisson", progress=False, **options)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.table, hidden.table, check_exact=True)


def test_validation_curve_shows_its_cv_bar(data, capsys):
    path = gg.glm_path("y ~ x1 + x2 + x3", data, "poisson", n_alphas=10)
    shown = gg.validation_curve(path, folds=4, progress=True)
    err = capsys.readouterr().err
    assert "glmgen cv" in err and "4/4" in err
    hidden = gg.validation_curve(path, folds=4, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown.table, hidden.table, check_exact=True)


def test_shift_shows_its_cv_bar(data, capsys):
    train, new = data.iloc[:80], data.iloc[80:]
    shown = gg.shift(train, new, folds=3, progress=True)
    err = capsys.readouterr().err
    assert "glmgen cv" in err and "3/3" in err
    assert shown.auc == gg.shift(train, new, folds=3, progress=False).auc
    assert capsys.readouterr().err == ""


def test_fit_shift_shows_its_cv_bar(data, capsys):
    train, new = data.iloc[:80], data.iloc[80:]
    fit = gg.glm("y ~ x1 + x2", train, "poisson")
    shown = fit.shift(new, folds=3, progress=True)
    err = capsys.readouterr().err
    assert "glmgen cv" in err and "3/3" in err
    hidden = fit.shift(new, folds=3, progress=False)
    assert capsys.readouterr().err == ""
    assert shown.auc == hidden.auc and shown.expected_deviance == hidden.expected_deviance


REPORT = dict(select="cv", n_alphas=8, folds=3, n_boot=4, boot_folds=2, learning_curve=False, figures=False, seed=2)


def test_report_bar_and_the_bars_of_its_steps(data, capsys):
    shown = gg.report("y ~ x1 + x2", data, "poisson", progress=True, **REPORT)
    err = capsys.readouterr().err
    # 5 steps always, plus the path/CV and the bootstrap: 7
    assert "glmgen report" in err and "7/7" in err
    assert "glmgen path" in err and "glmgen cv" in err and "3/3" in err
    assert "glmgen bootstrap" in err and "4/4" in err
    hidden = gg.report("y ~ x1 + x2", data, "poisson", progress=False, **REPORT)
    assert capsys.readouterr().err == ""
    assert shown.analysis.fit.params.equals(hidden.analysis.fit.params)
    pd.testing.assert_frame_equal(shown.analysis.bootstrap.replicates, hidden.analysis.bootstrap.replicates,
                                  check_exact=True)
