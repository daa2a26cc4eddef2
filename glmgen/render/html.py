"""HTML rendering of a report through the Jinja template
``templates/report.html.j2`` (package data): one self-contained page with inline CSS, figures as
base64 PNG ``data:`` URIs, no scripts and nothing loaded from the network."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from .blocks import Bullets, Callout, ReportContent, ReportFigure
from .tables import Table, render_html


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


def _block(block: Any) -> dict[str, Any]:
    """What the template needs of one block: its ``kind`` and its content (tables as ready HTML)."""
    if isinstance(block, Table):
        return {"kind": "table", "html": Markup(render_html(block))}
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
