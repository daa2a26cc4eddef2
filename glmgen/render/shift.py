"""Rendering of a :class:`~glmgen.results.ShiftResult`: its table, text, figure, report section and report.

:func:`plot_shift` (``result.plot()``) and :func:`shift_text` (``result.summary()`` and ``repr``) are
registered with :func:`glmgen.results.display.register`; :func:`shift_section` is the section ``gg.report``
adds when given new data, and :func:`shift_report` the document ``glmgen shift -o`` writes. Numbers are
only formatted here.
"""

from __future__ import annotations

import datetime as _datetime

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from .._version import __version__
from ..results import ShiftResult, display
from .blocks import Block, Bullets, KeyNumber, ReportFigure, Section
from .document import Report
from .figures import new_figure, styled, to_png
from .tables import Table, format_value, render_text

#: PSI above which a column's shift is called moderate, and large (the usual reading of the index)
PSI_MODERATE, PSI_LARGE = 0.1, 0.25
_HEADERS = {"column": "column", "kind": "kind", "statistic_name": "statistic", "statistic": "value", "smd": "SMD",
            "ks": "KS D", "psi": "PSI", "unseen_share": "unseen", "na_train": "NA train", "na_new": "NA new",
            "na_change": "NA change", "used": "used"}


def shift_table(result: ShiftResult) -> Table:
    """One row per column: the statistics of ``result.table``."""
    table = result.table
    rows = [[("yes" if value else "") if name == "used" else value for name, value in row.items()]
            for row in table.to_dict("records")]
    return Table(
        "Shift per column (training vs new rows)", [_HEADERS[c] for c in table.columns], rows,
        notes=["value: Kolmogorov-Smirnov D (numeric) or total variation distance (categorical); SMD: standardized "
               "mean difference; PSI: population stability index (< 0.1 stable, 0.1-0.25 moderate, > 0.25 large); "
               "unseen: share of new rows with a level absent from training; NA: shares of missing values; used: "
               "the adversarial model uses the column."],
    )


def _auc_line(result: ShiftResult) -> str:
    return (f"Adversarial AUC {format_value(result.auc)} (se {format_value(result.auc_se)}; 0.5 = no detectable "
            f"shift) from {result.n_train} training and {result.n_new} new rows; columns used: "
            f"{', '.join(result.columns_used) or 'none'}.")


def _deviance_line(result: ShiftResult) -> str | None:
    if result.expected_deviance is None or result.held_out_deviance is None:
        return None
    return (f"Mean deviance expected on the new rows {format_value(result.expected_deviance)} (density-ratio "
            f"weighted; effective training rows {format_value(result.effective_n)}) against "
            f"{format_value(result.held_out_deviance)} held out on the training rows.")


@display.register("shift_text")
def shift_text(result: ShiftResult) -> str:
    """The per-column table and the adversarial AUC (and the expected deviance) as plain text."""
    lines = [render_text(shift_table(result)), "", _auc_line(result)]
    deviance = _deviance_line(result)
    return "\n".join(lines + ([deviance] if deviance else []))


@display.register("plot_shift")
def plot_shift(result: ShiftResult, ax: Axes | None = None) -> Figure | SubFigure:
    """Horizontal bars of each column's PSI (columns the adversarial model uses in a darker shade), with the
    0.1 and 0.25 reading lines; the AUC in the title."""
    table = result.table
    if ax is None:
        figure: Figure | SubFigure = new_figure(7.0, max(2.5, 0.6 + 0.32 * len(table)))
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    positions = np.arange(len(table))[::-1]
    colours = ["#1f4e79" if used else "#9dc3e6" for used in table["used"]]
    ax.barh(positions, np.nan_to_num(table["psi"].to_numpy(dtype=float)), color=colours)
    ax.set_yticks(positions, [str(c) for c in table["column"]])
    for value, style in ((PSI_MODERATE, ":"), (PSI_LARGE, "--")):
        ax.axvline(value, color="0.4", linestyle=style, linewidth=0.9)
    ax.set_xlabel("population stability index (dotted 0.1: moderate, dashed 0.25: large)")
    ax.set_title(f"Shift per column; adversarial AUC {result.auc:.3f} (± {result.auc_se:.3f})")
    return figure


def shift_section(result: ShiftResult, figures: bool = True) -> Section:
    """The report section of a shift check: the AUC, the expected deviance, the figure, the table, the notes."""
    blocks: list[Block] = [_auc_line(result)]
    deviance = _deviance_line(result)
    if deviance:
        blocks.append(deviance)
    if figures:
        with styled():
            png, width, height = to_png(plot_shift(result))  # type: ignore[arg-type]  # a new Figure
        blocks.append(ReportFigure("shift", "Shift per column", "Population stability index of each column; dark "
                                   "bars: columns the adversarial model uses.", png, width, height))
    blocks.append(shift_table(result))
    if result.terms_used.size:
        blocks.append(Table("Adversarial model: non-zero coefficients", ["term", "coefficient"],
                            [[str(k), v] for k, v in result.terms_used.items()]))
    blocks.append(Bullets(result.notes + [f"Warning: {w}" for w in result.warnings]))
    return Section("shift", "Shift between training and new data", blocks)


def shift_report(result: ShiftResult, figures: bool = True, title: str | None = None) -> Report:
    """A document of one shift check (what ``glmgen shift -o`` writes)."""
    numbers = [KeyNumber("adversarial AUC", format_value(result.auc, 3), f"se {format_value(result.auc_se, 2)}")]
    stamp = _datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return Report(
        title=title or "Shift check: do the new rows look like the training rows?",
        subtitle=f"{result.n_train} training rows, {result.n_new} new rows, {len(result.table)} columns",
        headline=_auc_line(result), key_numbers=numbers, sections=[shift_section(result, figures)],
        footer=f"Generated by glmgen {__version__} on {stamp}; folds seeded (seed {result.seed}).",
        analysis=result,
    )
