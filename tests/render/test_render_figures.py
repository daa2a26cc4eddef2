"""Figures: the renderers reached through the records' registry, the calibration axes by response kind,
and drawing without pyplot.

The records are stand-ins holding only the attributes a renderer reads, so
each check compares what is drawn with the numbers given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import glmgen as gg  # importing glmgen imports glmgen.render, which registers the renderers
from glmgen.render.figures import new_figure, plot_calibration
from glmgen.results import display

ALPHAS = np.array([1.0, 0.1, 0.01])


def _path() -> Any:
    coefs = pd.DataFrame({"x1": [0.0, 0.5, 0.9], "x2": [0.0, 0.0, -0.3]})
    return SimpleNamespace(spec=SimpleNamespace(column_names=["x1", "x2"]), alphas=ALPHAS, coefs=coefs,
                           family=SimpleNamespace(name="poisson"), l1_ratio=1.0)


def _cv() -> Any:
    return SimpleNamespace(alphas=ALPHAS, mean_deviance=np.array([2.0, 1.5, 1.6]), se=np.array([0.1, 0.1, 0.2]),
                           alpha_min=0.1, alpha_1se=1.0, folds=pd.DataFrame(np.zeros((3, 3))), repeats=1, n_folds=3)


def _learning() -> Any:
    summary = pd.DataFrame({"n_train": [10, 20], "train_mean_deviance_mean": [0.5, 0.6],
                            "train_mean_deviance_std": [0.1, np.nan], "test_mean_deviance_mean": [0.9, 0.7],
                            "test_mean_deviance_std": [0.2, 0.1]})
    return SimpleNamespace(summary=lambda: summary)


def _validation() -> Any:
    table = pd.DataFrame({"alpha": ALPHAS, "train_mean_deviance": [2.0, 1.2, 1.05],
                          "cv_mean_deviance": [2.1, 1.5, 1.6], "cv_se": [0.1, 0.1, 0.2]})
    return SimpleNamespace(table=table, alpha_min=0.1, alpha_1se=1.0)


def _bias_variance() -> Any:
    table = pd.DataFrame({"bias2": [1.0, 0.5, 0.4], "variance": [0.0, 0.2, 0.5], "expected_error": [1.0, 0.7, 0.9],
                          "mean_deviance": [2.0, 1.5, 1.6]}, index=pd.Index(ALPHAS, name="alpha"))
    return SimpleNamespace(table=table)


RECORDS = {
    # name: (record, title, last values of the drawn lines, x axis inverted: alpha decreases to the right)
    "plot_path": (_path, "Coefficient path: poisson, l1_ratio=1", [0.9, -0.3], True),
    "plot_cv": (_cv, "3-fold cross-validation", [1.6], True),
    "plot_learning_curve": (_learning, "Learning curve (mean +- sd over repeats)", [0.6, 0.7], False),
    "plot_validation_curve": (_validation, "Validation curve: training vs cross-validated deviance", [1.05], True),
    "plot_bias_variance": (_bias_variance, "Bootstrap bias-variance decomposition (held-out rows)", [0.4, 0.9], True),
}


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_record_renderers_are_registered_and_draw_the_given_numbers(name: str) -> None:
    make, title, last_values, inverted = RECORDS[name]
    figure = new_figure()
    ax = figure.add_subplot()
    assert display.show(name, make(), ax=ax) is figure
    assert ax.get_title() == title
    lines = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    drawn = {float(y[-1]) for y in lines if len(y) > 1}
    assert set(last_values) <= drawn
    assert ax.xaxis_inverted() == inverted


def test_cv_plot_title_counts_folds_not_folds_times_repeats() -> None:
    record = _cv()
    record.folds, record.repeats = pd.DataFrame(np.zeros((6, 3))), 2  # 3 folds x 2 repeats: one row each
    figure = new_figure()
    ax = figure.add_subplot()
    display.show("plot_cv", record, ax=ax)
    assert ax.get_title() == "3-fold cross-validation, 2 repeats"


def test_bootstrap_renderer_draws_intervals_and_inclusion_on_a_new_figure() -> None:
    names = ["Intercept", "x1", "x2"]
    intervals = pd.DataFrame({"lower": [0.5, -0.2, 0.0], "upper": [1.5, 0.4, 0.0]}, index=names)
    record = SimpleNamespace(estimate=pd.Series([1.0, 0.1, 0.0], index=names), n_boot=50, n_failed=1,
                             inclusion=pd.Series([1.0, 0.8, 0.3], index=names),
                             conf_int=lambda level, method: intervals)
    figure = display.show("plot_bootstrap", record, level=0.9, method="basic")
    forest, bars = figure.axes
    assert forest.get_title() == "Bootstrap (50 replicates, 1 failed)"
    assert forest.get_xlabel() == "coefficient, 90% basic interval"
    widths = {patch.get_y() + patch.get_height() / 2: patch.get_width() for patch in bars.patches}
    assert widths == {2.0: 1.0, 1.0: 0.8, 0.0: 0.3}  # first name at the top


def test_fit_summary_is_registered_and_lays_out_the_fit() -> None:
    """The coefficient table of ``summary()`` shows statsmodels' Poisson GLM estimates to 4 significant digits."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"x": rng.normal(size=40)})
    data["y"] = rng.poisson(np.exp(0.3 + 0.5 * data["x"]))
    fit = gg.glm("y ~ x", data, family="poisson")
    reference = sm.GLM(data["y"], sm.add_constant(data[["x"]]), family=sm.families.Poisson()).fit()
    header, coefficients = display.show("fit_summary", fit).tables
    assert header.title == "Generalized linear model" and coefficients.columns[3] == "z"
    cells = coefficients.cells()
    assert [row[0] for row in cells] == ["Intercept", "x"]
    shown = np.array([[float(row[1]), float(row[2])] for row in cells])
    expected = np.column_stack([reference.params.to_numpy(), reference.bse.to_numpy()])
    np.testing.assert_allclose(shown, expected, rtol=5e-4, atol=0)


CALIBRATION = pd.DataFrame({"mean_predicted": [0.2, 0.5, 0.9], "mean_observed": [0.25, 0.45, 0.95],
                            "se_model": [0.05, 0.05, 0.1]})


@pytest.mark.parametrize(("kind", "limits", "what"), [
    # low = min(predicted, observed, predicted - 2 se) = 0.1; high = max(..., predicted + 2 se) = 1.1,
    # cut to 1 for proportions; pad = 4% of the range
    ("proportion", (0.1 - 0.036, 1.0 + 0.036), ("probability", "frequency")),
    ("count", (0.1 - 0.04, 1.1 + 0.04), ("mean", "mean")),
])
def test_calibration_axes_follow_the_response_kind(kind: str, limits: tuple[float, float],
                                                   what: tuple[str, str]) -> None:
    ax = plot_calibration(CALIBRATION, kind, "y").axes[0]
    np.testing.assert_allclose(ax.get_xlim(), limits, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ax.get_ylim(), limits, rtol=0, atol=1e-12)
    assert ax.get_xlabel() == f"predicted {what[0]} of y (bin average)"
    assert ax.get_ylabel() == f"observed {what[1]} of y (bin average)"


def test_rendering_imports_no_pyplot_and_needs_no_display() -> None:
    code = ("import sys, glmgen.render\n"
            "from glmgen.render.figures import new_figure, to_png\n"
            "assert to_png(new_figure(1, 1), dpi=20)[0][:4] == b'\\x89PNG'\n"
            "print('matplotlib.pyplot' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, cwd=root,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
