"""Figures of the generalization report, drawn from already-computed tables (no statistics here).

Residuals against the linear predictor, calibration, observed vs expected
counts, the estimates of the deviance on new data and the selection curve.
Every figure is a :class:`matplotlib.figure.Figure` built through the object
API (no pyplot, no global state), so drawing works headless; :func:`styled`
gives every report figure (including those of :mod:`glmgen.render.plots`)
the same look, and :func:`to_png` renders one to PNG bytes.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

TRAIN_COLOUR = "#1f77b4"
HELD_OUT_COLOUR = "#d62728"
BOOTSTRAP_COLOUR = "#2ca02c"
NEUTRAL_COLOUR = "#555555"

STYLE: dict[str, Any] = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
}

WIDTH, HEIGHT = 7.0, 4.2


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """The report's matplotlib style (rcParams applied while figures are created and drawn)."""
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]  # the stubs list the keys as literals
        yield


def new_figure(width: float = WIDTH, height: float = HEIGHT) -> Figure:
    """An empty figure of ``width`` x ``height`` inches with constrained layout (no pyplot)."""
    return Figure(figsize=(width, height), layout="constrained")


def to_png(figure: Figure, dpi: int = 144) -> tuple[bytes, int, int]:
    """PNG bytes and the display size in CSS pixels (96 per inch, so the image is sharp on 1.5x screens)."""
    buffer = io.BytesIO()
    with styled():
        figure.savefig(buffer, format="png", dpi=dpi)
    width, height = figure.get_size_inches()
    return buffer.getvalue(), int(round(width * 96)), int(round(height * 96))


def spread_labels(positions: np.ndarray, gap: float, low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """Label positions as close as possible to ``positions`` with consecutive labels at least ``gap`` apart.

    Minimises :math:`\\sum_i (y_i' - y_i)^2` subject to :math:`y'_{(i+1)} - y'_{(i)} \\ge` ``gap`` in the
    order of ``positions``: with :math:`z_i = y_{(i)} - i\\,gap` the constraint is :math:`z'` non-decreasing,
    an isotonic regression solved by pooling adjacent violators. The labels are then shifted as a block to
    stay within [``low``, ``high``] when they fit.
    """
    values = np.asarray(positions, dtype=float)
    order = np.argsort(values, kind="stable")
    target = values[order] - gap * np.arange(len(values))
    blocks: list[list[float]] = []  # [mean, count] of pooled runs
    for z in target:
        blocks.append([z, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count),
                          blocks[-1][1] + count]
    pooled = np.concatenate([np.full(int(count), mean) for mean, count in blocks]) if blocks else target
    spread = pooled + gap * np.arange(len(values))
    if len(spread):
        spread += max(0.0, low - spread[0])
        spread -= max(0.0, spread[-1] - high) if spread[-1] - spread[0] <= high - low else 0.0
    result = np.empty_like(spread)
    result[order] = spread
    return result


def plot_residuals(points: pd.DataFrame, bins: pd.DataFrame, link: str, sampled_from: int | None = None) -> Figure:
    """Deviance residuals against the linear predictor (training rows), with the binned mean +- 1 sd."""
    figure = new_figure()
    ax = figure.add_subplot()
    ax.scatter(points["eta"], points["resid"], s=5, alpha=0.25, color=TRAIN_COLOUR, linewidths=0, rasterized=True,
               label="training rows" + (f" (random {len(points):,} of {sampled_from:,})" if sampled_from else ""))
    ax.plot(bins["eta_mean"], bins["resid_mean"], "-o", color="black", markersize=3, linewidth=1.4,
            label="binned mean")
    ax.fill_between(bins["eta_mean"], bins["resid_mean"] - bins["resid_sd"], bins["resid_mean"] + bins["resid_sd"],
                    color="black", alpha=0.08, linewidth=0, label="binned mean +- 1 sd")
    ax.axhline(0.0, color=NEUTRAL_COLOUR, linewidth=0.8)
    ax.set_xlabel(f"linear predictor  eta = {link}(fitted mean)")
    ax.set_ylabel("deviance residual  (sign(y - mu) sqrt(w d))")
    ax.set_title("Deviance residuals vs linear predictor (training rows)")
    legend = ax.legend(loc="best", markerscale=3)
    for handle in legend.legend_handles:
        if handle is not None:
            handle.set_alpha(0.8)
    return figure


def plot_calibration(table: pd.DataFrame, response_kind: str, response: str) -> Figure:
    """Observed vs predicted mean per bin (held-out rows) with the +- 2 se band expected under the model.

    ``response_kind``: the family's (``Family.response_kind``); for ``"proportion"`` the axes are
    probabilities, kept within [0, 1].
    """
    proportion = response_kind == "proportion"
    figure = new_figure(6.0, 4.6)
    ax = figure.add_subplot()
    predicted, observed, se = table["mean_predicted"], table["mean_observed"], table["se_model"]
    low = float(min(predicted.min(), observed.min(), (predicted - 2 * se).min()))
    high = float(max(predicted.max(), observed.max(), (predicted + 2 * se).max()))
    if proportion:
        low, high = max(0.0, low), min(1.0, high)
    pad = 0.04 * (high - low or 1.0)
    ax.plot([low - pad, high + pad], [low - pad, high + pad], color=NEUTRAL_COLOUR, linewidth=0.8, linestyle="--",
            label="perfect calibration")
    order = np.argsort(predicted.to_numpy())
    x = predicted.to_numpy()[order]
    band = 2 * se.to_numpy()[order]
    ax.fill_between(x, x - band, x + band, color=HELD_OUT_COLOUR, alpha=0.12, linewidth=0,
                    label="+- 2 se expected if the model is right")
    ax.plot(predicted, observed, "o", color=HELD_OUT_COLOUR, markersize=5, label="held-out bin (observed mean)")
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    what = "probability" if proportion else "mean"
    ax.set_xlabel(f"predicted {what} of {response} (bin average)")
    ax.set_ylabel(f"observed {'frequency' if proportion else 'mean'} of {response} (bin average)")
    ax.set_title(f"Calibration on held-out rows ({len(table)} bins of the prediction)")
    ax.legend(loc="upper left")
    return figure


def plot_counts(table: pd.DataFrame, response: str) -> Figure:
    """Observed vs expected number of held-out rows per count value (Poisson)."""
    figure = new_figure()
    ax = figure.add_subplot()
    positions = np.arange(len(table))
    ax.bar(positions, table["observed"], width=0.7, color=HELD_OUT_COLOUR, alpha=0.35,
           label="observed rows")
    ax.plot(positions, table["expected"], "o-", color="black", markersize=4, linewidth=1.2,
            label="expected rows (sum of Poisson probabilities)")
    ax.set_xticks(positions, list(table.index))
    ax.set_xlabel(f"{response} (count value; last bar pools the tail)")
    ax.set_ylabel("number of held-out rows")
    ax.set_title("Observed vs expected counts on held-out rows")
    ax.legend(loc="upper right")
    return figure


_ESTIMATE_LABELS = {
    "apparent": "training (apparent)",
    "held_out": "held-out split",
    "bagged": "bagged bootstrap models",
    "harrell": "Harrell optimism bootstrap",
    "loo_boot": "leave-one-out bootstrap",
    "e632": ".632 bootstrap",
    "e632plus": ".632+ bootstrap",
}


def plot_estimates(table: pd.DataFrame) -> Figure:
    """Every estimate of the mean deviance side by side (training, held-out split, bootstrap corrections)."""
    estimates = {str(k): float(v) for k, v in table["mean_deviance"].to_dict().items()}
    keys = [k for k in _ESTIMATE_LABELS if k in estimates and np.isfinite(estimates[k])]
    figure = new_figure(7.0, 0.42 * len(keys) + 1.3)
    ax = figure.add_subplot()
    values = np.array([estimates[k] for k in keys])
    positions = np.arange(len(keys))[::-1]
    colours = [TRAIN_COLOUR if k == "apparent" else HELD_OUT_COLOUR if k == "held_out" else BOOTSTRAP_COLOUR
               for k in keys]
    training = estimates["apparent"]
    ax.hlines(positions, training, values, color=colours, alpha=0.45, linewidth=2)
    ax.scatter(values, positions, color=colours, s=40, zorder=3)
    for value, position in zip(values, positions):
        left = value < training  # label on the side away from the bar
        ax.annotate(f"{value:.4g}", (value, position), xytext=(-6 if left else 6, 0), textcoords="offset points",
                    va="center", ha="right" if left else "left", fontsize=8.5)
    ax.set_yticks(positions, [_ESTIMATE_LABELS[k] for k in keys])
    ax.axvline(training, color=TRAIN_COLOUR, linewidth=0.8, linestyle=":")
    span = values.max() - values.min()
    ax.set_xlim(values.min() - 0.25 * (span or 1.0), values.max() + 0.25 * (span or 1.0))
    ax.set_xlabel("mean deviance per row (lower is better); bars: difference from training")
    ax.set_title("Training deviance and estimates of deviance on new data")
    ax.grid(axis="y", visible=False)
    return figure


def plot_selection(table: pd.DataFrame, alpha_min: float, alpha_1se: float, chosen_alpha: float, select: str,
                   folds: int) -> Figure:
    """Training and cross-validated mean deviance along the path, alpha_min / alpha_1se / the alpha used marked."""
    figure = new_figure()
    ax = figure.add_subplot()
    log_alpha = np.log10(table["alpha"].to_numpy())
    ax.plot(log_alpha, table["train_mean_deviance"], color=TRAIN_COLOUR, linewidth=1.5,
            label="training mean deviance")
    ax.errorbar(log_alpha, table["cv_mean_deviance"], yerr=table["cv_se"], fmt="o", markersize=2.5,
                color=HELD_OUT_COLOUR, ecolor="#bbbbbb", elinewidth=0.8, capsize=1.5,
                label=f"{folds}-fold CV mean deviance +- 1 se")
    ax.axvline(np.log10(alpha_min), color=NEUTRAL_COLOUR, linestyle="--", linewidth=1,
               label=f"alpha_min = {alpha_min:.3g}")
    ax.axvline(np.log10(alpha_1se), color=NEUTRAL_COLOUR, linestyle=":", linewidth=1.2,
               label=f"alpha_1se = {alpha_1se:.3g}")
    ax.axvline(np.log10(chosen_alpha), color=BOOTSTRAP_COLOUR, linewidth=2.2, alpha=0.6,
               label=f"used ({select}): alpha = {chosen_alpha:.3g}")
    ax.invert_xaxis()
    ax.set_xlabel("log10(alpha)  (less penalty to the right)")
    ax.set_ylabel("mean deviance per row")
    ax.set_title("Training vs cross-validated deviance along the path")
    ax.legend(loc="upper right")
    secondary = ax.secondary_xaxis("top")
    ticks = np.linspace(0, len(log_alpha) - 1, min(8, len(log_alpha))).round().astype(int)
    secondary.set_xticks(log_alpha[ticks], [f"{int(d)}" for d in table["df"].to_numpy()[ticks]])
    secondary.set_xlabel("non-zero coefficients (df)", fontsize=8.5)
    return figure


def mark_alpha(figure: Figure, alpha: float, label: str) -> Figure:
    """Add a vertical line at ``alpha`` to a log10(alpha) figure (the coefficient path)."""
    ax = figure.axes[0]
    ax.axvline(np.log10(alpha), color=BOOTSTRAP_COLOUR, linewidth=2.2, alpha=0.6, label=label)
    ax.legend(handles=[ax.lines[-1]], loc="lower left")
    return figure
