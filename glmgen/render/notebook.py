"""Notebook and terminal display of result records: a :class:`Card` as compact HTML or aligned text.

A card is what a record shows when it is the value of a notebook cell (``_repr_html_``) or typed at a
prompt (``__repr__``): a title, a few key numbers, one or two short tables (:class:`~.tables.Table`, cut
to :data:`MAX_ROWS` rows) and, in HTML only, a figure drawn by :mod:`.plots` and inlined as SVG. The long
form stays ``summary()``. :mod:`.cards` builds the card of each record from numbers it already holds
(nothing is refitted) and registers the records' ``notebook_html`` and ``notebook_text`` renderers; this
module lays a card out. The HTML is one ``<div>`` with a scoped ``<style>``, well
formed as XML, with every text escaped.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from matplotlib.figure import Figure, SubFigure

from .figures import styled
from .tables import Table, render_html, render_text

#: rows of a card's table; longer tables end with a "... N more rows" note
MAX_ROWS = 20
#: characters of a warning shown on a card (the full text stays in ``result.warnings``)
WARNING_CHARS = 160
#: width of an inline figure, inches (the records' ``plot()`` size is kept for the aspect ratio)
FIGURE_WIDTH = 6.0

_CSS = (
    ".glmgen-card{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:13px;"
    "line-height:1.35;color:#222;max-width:780px}"
    ".glmgen-card .glmgen-title{font-weight:600;font-size:14px;margin:0 0 4px 0}"
    ".glmgen-card table{border-collapse:collapse;margin:4px 0 6px 0;font-variant-numeric:tabular-nums}"
    ".glmgen-card caption{text-align:left;font-weight:600;padding:2px 0}"
    ".glmgen-card th,.glmgen-card td{padding:1px 10px 1px 0;border:none;text-align:right;"
    "white-space:nowrap;background:none}"
    ".glmgen-card thead th{border-bottom:1px solid #999;font-weight:600}"
    ".glmgen-card tbody th,.glmgen-card td.text{text-align:left;font-weight:normal}"
    ".glmgen-card .glmgen-facts th{text-align:left;font-weight:normal;color:#555;vertical-align:top}"
    ".glmgen-card .glmgen-facts td{text-align:left;padding-right:24px;white-space:normal;vertical-align:top}"
    ".glmgen-card .note,.glmgen-card .glmgen-warning{margin:0 0 2px 0;font-size:12px;color:#555}"
    ".glmgen-card .glmgen-warning{color:#8a5300}"
    ".glmgen-card svg{max-width:100%;height:auto}"
)


@dataclass(frozen=True)
class Card:
    """What one record shows: ``facts`` (label, value) pairs, ``tables``, ``notes``, brief ``warnings``, and a
    ``figure`` function drawn only for HTML (``None``: no figure)."""

    title: str
    facts: list[tuple[str, str]]
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    figure: Callable[[], Figure | SubFigure] | None = None


def brief(message: str, limit: int = WARNING_CHARS) -> str:
    """The first sentence of ``message`` (up to a full stop followed by a capital), cut to ``limit`` characters."""
    sentence = re.split(r"(?<=\.)\s+(?=[A-Z])", message.strip(), maxsplit=1)[0]
    return textwrap.shorten(sentence, width=limit, placeholder=" ...")


def head(table: Table, max_rows: int = MAX_ROWS, more: str = "see summary()") -> Table:
    """``table`` cut to its first ``max_rows`` rows, with a note saying how many more there are."""
    extra = len(table.rows) - max_rows
    if extra <= 0:
        return table
    return replace(table, rows=table.rows[:max_rows],
                   notes=[f"... {extra} more row{'s' if extra > 1 else ''} ({more})", *table.notes])


def spread(n: int, count: int, keep: tuple[int, ...] = ()) -> list[int]:
    """About ``count`` indices spread evenly over ``range(n)``, first and last included, plus ``keep``."""
    if n <= count:
        return sorted(set(range(n)) | set(keep))
    step = (n - 1) / (count - 1)
    return sorted({round(i * step) for i in range(count)} | set(keep))


def svg(figure: Figure | SubFigure) -> str:
    """``figure`` as an inline ``<svg>`` element (no XML prolog), shown :data:`FIGURE_WIDTH` inches wide (its
    ``viewBox`` keeps the drawing: the figure is scaled, not laid out again)."""
    root = figure.get_figure(root=True) if isinstance(figure, SubFigure) else figure
    assert isinstance(root, Figure)
    buffer = io.StringIO()
    with styled():
        root.savefig(buffer, format="svg")
    text = buffer.getvalue()
    width, height = root.get_size_inches()
    size = f'width="{FIGURE_WIDTH * 72:g}pt" height="{height * FIGURE_WIDTH / width * 72:g}pt"'
    return re.sub(r'width="[^"]*" height="[^"]*"', size, text[text.index("<svg"):].strip(), count=1)


def _facts_html(facts: list[tuple[str, str]]) -> str:
    """The facts as a table of two label-value pairs per row."""
    cells = [f"<th>{html.escape(label)}</th><td>{html.escape(value)}</td>" for label, value in facts]
    rows = ["<tr>" + "".join(cells[i:i + 2]) + "</tr>" for i in range(0, len(cells), 2)]
    return f"<table class=\"glmgen-facts\"><tbody>{''.join(rows)}</tbody></table>" if rows else ""


def card_html(card: Card) -> str:
    """The card as one self-contained ``<div>``: scoped style, title, facts, tables, notes, warnings, figure."""
    parts = [f"<style>{_CSS}</style>", f"<div class=\"glmgen-title\">{html.escape(card.title)}</div>",
             _facts_html(card.facts)]
    parts += [render_html(table) for table in card.tables]
    parts += [f"<p class=\"note\">{html.escape(note)}</p>" for note in card.notes]
    parts += [f"<p class=\"glmgen-warning\">Warning: {html.escape(brief(w))}</p>" for w in card.warnings]
    if card.figure is not None:
        parts.append(f"<div class=\"glmgen-figure\">{svg(card.figure())}</div>")
    return f"<div class=\"glmgen-card\">{''.join(parts)}</div>"


def card_text(card: Card) -> str:
    """The card as aligned plain text (no figure)."""
    lines = [card.title, "=" * len(card.title)]
    width = max((len(label) for label, _ in card.facts), default=0) + 1
    lines += [f"{label + ':':<{width}} {value}" for label, value in card.facts]
    lines += [line for table in card.tables for line in ("", render_text(table))]
    if card.notes or card.warnings:
        lines.append("")
    lines += card.notes + [f"Warning: {brief(w)}" for w in card.warnings]
    return "\n".join(lines)
