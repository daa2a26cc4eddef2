"""matplotlib figures of result records (headless-safe: the Agg backend is used when no display is set)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..path_result import PathResult


def _axes(ax: Any) -> tuple[Figure, Any]:
    import matplotlib

    if ax is not None:
        return ax.figure, ax
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        import os

        if not os.environ.get("DISPLAY"):
            matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.5), layout="constrained")
    return figure, figure.add_subplot()


def plot_path(path: PathResult, ax: Any = None, max_labels: int = 12) -> Figure:
    """Coefficients against log10(alpha); the largest final coefficients are labelled."""
    figure, ax = _axes(ax)
    columns = path.spec.column_names
    log_alpha = np.log10(path.alphas)
    values = path.coefs[columns].to_numpy()
    for j, name in enumerate(columns):
        ax.plot(log_alpha, values[:, j], linewidth=1.2, label=name)
    order = np.argsort(-np.abs(values[-1]))[:max_labels]
    for j in order:
        if values[-1, j] != 0:
            ax.annotate(columns[j], (log_alpha[-1], values[-1, j]), xytext=(4, 0), textcoords="offset points",
                        fontsize=8, va="center")
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.invert_xaxis()
    ax.set_xlabel("log10(alpha)  (penalty decreases to the right)")
    ax.set_ylabel("coefficient (original scale)")
    ax.set_title(f"Coefficient path: {path.family.name}, l1_ratio={path.l1_ratio:g}")
    return figure


def plot_cv(result: Any, ax: Any = None) -> Figure:
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
    ax.set_title(f"{len(result.folds)}-fold cross-validation")
    ax.legend(fontsize=8)
    return figure
