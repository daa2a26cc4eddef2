"""Plain-text rendering of a report for a terminal: the headline, key numbers, tables and text (no figures)."""

from __future__ import annotations

import textwrap
from collections.abc import Collection

from .blocks import Bullets, Callout, ReportContent
from .tables import Table, render_text

WIDTH = 100


def _wrap(text: str, indent: str = "") -> str:
    """``text`` filled to ``WIDTH`` columns; continuation lines of a list item are indented under its text."""
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=" " * len(indent))


def render_text_report(report: ReportContent, keys: Collection[str] | None = None) -> str:
    """The report as plain text; ``keys``: the sections to include (default all), numbered as in the full report."""
    lines = [report.title, "#" * len(report.title), report.subtitle, "", _wrap(report.headline), ""]
    for number in report.key_numbers:
        lines.append(f"  {number.label}: {number.value}" + (f"  ({number.detail})" if number.detail else ""))
    for index, section in enumerate(report.sections, start=1):
        if keys is not None and section.key not in keys:
            continue
        heading = f"{index}. {section.title}"
        lines += ["", heading, "=" * len(heading)]
        for block in section.blocks:
            if isinstance(block, Table):
                lines += ["", render_text(block)]
            elif isinstance(block, Bullets):
                lines += [""] + [_wrap(item, "  - ") for item in block.items]
            elif isinstance(block, Callout):
                lines += ["", _wrap(("Warning: " if block.kind == "warning" else "Note: ") + block.text)]
            elif isinstance(block, str):
                lines += ["", _wrap(block)]
    return "\n".join(lines).rstrip()
