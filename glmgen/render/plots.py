"""matplotlib figures of result records: the coefficient path, the CV curve, learning and validation
curves, bootstrap intervals and the bias-variance decomposition.

Each function draws numbers the record already holds (nothing is computed
here) on ``ax`` when one is given and returns the figure it belongs to, else
on a new :class:`matplotlib.figure.Figure` (object API, no pyplot state, so
it works headless), and is registered with :func:`glmgen.results.display.register`
under its own name: the records' ``plot()`` methods call it through
:func:`glmgen.results.display.show`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from ..evaluation import LearningCurveResult, ValidationCurveResult
from ..resampling import BiasVarianceResult, BootstrapResult
from ..results import CVResult, PathResult, display
from .figures import new_figure, spread_labels


def _axes(ax: Axes | None) -> tuple[Figure | SubFigure, Axes]:
    """``ax`` and the figure it belongs to, or a new 7 x 4.5 inch figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    figure = new_figure(7.0, 4.5)
    return figure, figure.add_subplot()


@display.register("plot_path")
def plot_path(path: PathResult, ax: Axes | None = None, max_labels: int = 12) -> Figure | SubFigure:
    """Coefficients against log10(alpha); the ``max_labels`` largest final coefficients are labelled at the
    line ends, spread so that no two labels overlap."""
    figure, ax = _axes(ax)
    columns = path.spec.column_names
    log_alpha = np.log10(path.alphas)
    values = path.coefs[columns].to_numpy()
    colours = [ax.plot(log_alpha, values[:, j], linewidth=1.2, label=name)[0].get_color()
               for j, name in enumerate(columns)]
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.invert_xaxis()
    ax.set_xlabel("log10(alpha)  (penalty decreases to the right)")
    ax.set_ylabel("coefficient (original scale)")
    ax.set_title(f"Coefficient path: {path.family.name}, l1_ratio={path.l1_ratio:g}")
    _label_line_ends(ax, columns, colours, log_alpha[-1], values[-1], max_labels)
    return figure


def text_height(ax: Axes, fontsize: float) -> float:
    """The height of a line of ``fontsize``-point text in the y data units of ``ax``, after the figure's layout."""
    root = ax.get_figure(root=True)
    assert root is not None
    root.draw_without_rendering()
    inverse = ax.transData.inverted()
    return float(abs(inverse.transform((0.0, fontsize * root.dpi / 72.0))[1] - inverse.transform((0.0, 0.0))[1]))


def _label_line_ends(ax: Axes, names: list[str], colours: list[Any], x: float, ends: np.ndarray, max_labels: int,
                     fontsize: float = 8.0) -> None:
    """Name the ``max_labels`` largest non-zero line ends at ``x``, labels spread a line height apart
    (:func:`spread_labels`) and joined to their line by a thin leader in the line's colour."""
    chosen = [j for j in np.argsort(-np.abs(ends))[:max_labels] if ends[j] != 0]
    if not chosen:
        return
    left, right = ax.get_xlim()
    ax.set_xlim(left, right + 0.12 * (right - left))  # room for the labels inside the axes, right of x
    low, high = ax.get_ylim()
    ax.set_ylim(low, high)  # the labels must not rescale the axes their spacing was computed for
    placed = spread_labels(ends[chosen], 1.15 * text_height(ax, fontsize), low, high)
    for j, y in zip(chosen, placed):
        ax.annotate(names[j], (x, ends[j]), xytext=(16, y), textcoords=("offset points", "data"), fontsize=fontsize,
                    va="center", color=colours[j],
                    arrowprops={"arrowstyle": "-", "color": colours[j], "linewidth": 0.6, "shrinkA": 0, "shrinkB": 1,
                                "patchA": None})  # the leader ends at the text: no clipping to its box (slow)


@display.register("plot_cv")
def plot_cv(result: CVResult, ax: Axes | None = None) -> Figure | SubFigure:
    """Mean held-out deviance +- one standard error against log10(alpha), alpha_min and alpha_1se marked."""
    figure, ax = _axes(ax)
    log_alpha = np.log10(result.alphas)
    ax.errorbar(log_alpha, result.mean_deviance, yerr=result.se, fmt="o", markersize=3, color="tab:red",
                ecolor="0.6", elinewidth=0.8, capsize=2, label="CV mean deviance +- 1 se")
    ax.axvline(np.log10(result.alpha_min), color="tab:blue", linestyle="--", linewidth=1,
               label=f"alpha_min = {result.alpha_min:.3g}")
    ax.axvline(np.log10(result.alpha_1se), color="tab:green", linestyle=":", linewidth=1.2,
               label=f"alpha_1se = {result.alpha_1se:.3g}")
    ax.invert_xaxis()
    ax.set_xlabel("log10(alpha)  (penalty decreases to the right)")
    ax.set_ylabel("held-out mean deviance")
    repeats = f", {result.repeats} repeats" if result.repeats > 1 else ""
    ax.set_title(f"{result.n_folds}-fold cross-validation{repeats}")
    ax.legend(fontsize=8)
    return figure


@display.register("plot_learning_curve")
def plot_learning_curve(result: LearningCurveResult, ax: Axes | None = None) -> Figure | SubFigure:
    """Training and held-out mean deviance (mean +- sd over repeats) against training-set size."""
    figure, ax = _axes(ax)
    summary = result.summary()
    for column, label, color in (("train", "training", "tab:blue"), ("test", "held-out", "tab:red")):
        mean, sd = summary[f"{column}_mean_deviance_mean"], summary[f"{column}_mean_deviance_std"].fillna(0.0)
        ax.plot(summary["n_train"], mean, marker="o", color=color, label=f"{label} mean deviance")
        ax.fill_between(summary["n_train"], mean - sd, mean + sd, color=color, alpha=0.15)
    ax.set_xlabel("training rows")
    ax.set_ylabel("mean deviance")
    ax.set_title("Learning curve (mean +- sd over repeats)")
    ax.legend(fontsize=8)
    return figure


@display.register("plot_validation_curve")
def plot_validation_curve(result: ValidationCurveResult, ax: Axes | None = None) -> Figure | SubFigure:
    """Training and cross-validated mean deviance against log10(alpha)."""
    figure, ax = _axes(ax)
    table = result.table
    log_alpha = np.log10(table["alpha"])
    ax.plot(log_alpha, table["train_mean_deviance"], color="tab:blue", label="training mean deviance")
    ax.errorbar(log_alpha, table["cv_mean_deviance"], yerr=table["cv_se"], color="tab:red", fmt="-o", markersize=2,
                ecolor="0.6", elinewidth=0.8, label="CV mean deviance +- 1 se")
    ax.axvline(np.log10(result.alpha_min), color="0.3", linestyle="--", linewidth=1, label="alpha_min")
    ax.axvline(np.log10(result.alpha_1se), color="0.3", linestyle=":", linewidth=1, label="alpha_1se")
    ax.invert_xaxis()
    ax.set_xlabel("log10(alpha)  (penalty decreases to the right)")
    ax.set_ylabel("mean deviance")
    ax.set_title("Validation curve: training vs cross-validated deviance")
    ax.legend(fontsize=8)
    return figure


@display.register("plot_bootstrap")
def plot_bootstrap(result: BootstrapResult, level: float = 0.95, method: str = "percentile",
                   axes: tuple[Axes, Axes] | None = None) -> Figure | SubFigure:
    """Bootstrap forest plot (estimate and interval per coefficient) beside a bar chart of inclusion shares.

    ``axes``: two matplotlib axes to draw on, or ``None`` for a new figure.
    """
    figure: Figure | SubFigure
    if axes is None:
        figure = new_figure(9.0, max(2.5, 0.28 * len(result.estimate) + 1.2))
        forest, bars = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    else:
        forest, bars = axes
        figure = forest.figure
    intervals = result.conf_int(level, method)
    names = list(intervals.index)
    positions = np.arange(len(names))[::-1]
    estimate = result.estimate.reindex(names).to_numpy()
    lower, upper = intervals["lower"].to_numpy(), intervals["upper"].to_numpy()
    forest.hlines(positions, lower, upper, color="tab:blue", linewidth=2)
    forest.plot(estimate, positions, "o", color="black", markersize=4)
    forest.axvline(0.0, color="0.6", linewidth=0.8)
    forest.set_yticks(positions, names, fontsize=8)
    forest.set_xlabel(f"coefficient, {int(round(level * 100))}% {method} interval")
    separated = getattr(result, "n_separated", None)
    forest.set_title(f"Bootstrap ({result.n_boot} replicates, {result.n_failed} failed"
                     + (f", {separated} separated)" if separated is not None else ")"))
    bars.barh(positions, result.inclusion.reindex(names).to_numpy(), color="tab:orange")
    bars.set_xlim(0.0, 1.0)
    bars.set_xlabel("inclusion share")
    return figure


@display.register("plot_bias_variance")
def plot_bias_variance(result: BiasVarianceResult, ax: Axes | None = None) -> Figure | SubFigure:
    """bias^2, variance and expected squared error (left axis) and mean held-out deviance (right) per alpha."""
    figure, ax = _axes(ax)
    table = result.table
    x = np.log10(table.index.to_numpy())
    for column, style in (("bias2", "-o"), ("variance", "-s"), ("expected_error", "-^")):
        ax.plot(x, table[column].to_numpy(), style, markersize=3, label=column)
    ax.set_xlabel("log10(alpha)")
    ax.set_ylabel("squared error of the predicted mean")
    other = ax.twinx()
    other.plot(x, table["mean_deviance"].to_numpy(), ":", color="0.3", label="mean held-out deviance")
    other.set_ylabel("mean held-out deviance")
    if len(x) > 1:
        ax.invert_xaxis()
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("Bootstrap bias-variance decomposition (held-out rows)")
    return figure
