"""HTML rendering of a report through the Jinja template
``templates/report.html.j2`` (package data): one self-contained page with inline CSS, figures as
base64 PNG ``data:`` URIs, no scripts and nothing loaded from the network."""

from __future__ import annotations

import html
import numbers
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from .blocks import Bullets, Callout, ReportContent, ReportFigure
from .tables import Table


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The Jinja environment over the package's ``templates/`` folder (autoescaping, undefined names raise)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("glmgen.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _is_number(value: Any) -> bool:
    """Whether a table cell holds a number (booleans are text)."""
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def render_table(table: Table, digits: int = 4) -> str:
    """The table as :func:`glmgen.render.tables.render_html` writes it, with numbers right-aligned
    (``class="num"``) and text left-aligned, so key-value and mixed tables read naturally."""
    numeric = ' class="num"'
    numeric_columns = [table.is_numeric(j) for j in range(len(table.columns))]
    head = "".join(f"<th{numeric if numeric_columns[j] and j else ''}>{html.escape(c)}</th>"
                   for j, c in enumerate(table.columns))
    body = []
    for raw, row in zip(table.rows, table.cells(digits)):
        first = html.escape(row[0])
        cells = [f'<th scope="row">{first}</th>' if table.row_header else f"<td>{first}</td>"]
        cells += [f"<td{numeric if _is_number(value) else ''}>{html.escape(text)}</td>"
                  for value, text in zip(raw[1:], row[1:])]
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in table.notes)
    return (f'<table class="glmgen-table"><caption>{html.escape(table.title)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}")


def _block(block: Any) -> dict[str, Any]:
    """What the template needs of one block: its ``kind`` and its content (tables as ready HTML)."""
    if isinstance(block, Table):
        return {"kind": "table", "html": Markup(render_table(block))}
    if isinstance(block, ReportFigure):
        return {"kind": "figure", "figure": block, "src": block.data_uri()}
    if isinstance(block, Bullets):
        return {"kind": "bullets", "items": block.items}
    if isinstance(block, Callout):
        return {"kind": "callout", "text": block.text, "style": block.kind}
    return {"kind": "paragraph", "text": str(block)}


def render_report(report: ReportContent) -> str:
    """The whole report as one self-contained HTML page."""
    sections = [{"key": s.key, "title": s.title, "blocks": [_block(b) for b in s.blocks]} for s in report.sections]
    return _environment().get_template("report.html.j2").render(report=report, sections=sections)


def framed_page(page: str, title: str, height: int = 640) -> str:
    """A whole HTML ``page`` for a notebook cell: a ``<div>`` holding an ``<iframe>`` whose ``srcdoc`` is the
    page (escaped, line breaks as ``&#10;`` so that XML readers keep them too), so the page's styles apply inside
    the frame only and the cell gets no ``<html>`` of its own."""
    return (f"<div class=\"glmgen-report\"><iframe title=\"{html.escape(title)}\" "
            f"style=\"width:100%;height:{height}px;border:1px solid #dfe3e8\" "
            f"srcdoc=\"{html.escape(page, quote=True).replace(chr(10), '&#10;')}\"></iframe></div>")
