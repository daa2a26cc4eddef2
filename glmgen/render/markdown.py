"""Markdown rendering of a report: the same headings, key numbers, tables and figures as the HTML page.

Figures are embedded as ``data:`` URIs (one file, shown by VS Code, Jupyter
and most converters, but not by GitHub), or written as PNG files to a folder
and linked relatively.
"""

from __future__ import annotations

from pathlib import Path

from .blocks import (
    Bullets,
    Callout,
    ReportContent,
    ReportFigure,
    figure_link,
    write_figures,
)
from .tables import Table, render_markdown


def _escape(text: str) -> str:
    """Escape the characters Markdown would read as emphasis or markup in running text."""
    for char in ("\\", "*", "_", "`", "<", ">", "|"):
        text = text.replace(char, "\\" + char)
    return text


def render_markdown_report(report: ReportContent, figure_dir: str | Path | None = None, link_prefix: str | None = None) -> str:
    """Markdown text; figures as data URIs, or (``figure_dir``) PNG files linked as ``link_prefix/name``."""
    names = write_figures(report.figures, figure_dir) if figure_dir is not None else {}
    lines = [f"# {_escape(report.title)}", "", f"*{_escape(report.subtitle)}*", "", f"> **{_escape(report.headline)}**",
             ""]
    if report.key_numbers:
        lines += ["| " + " | ".join(_escape(n.label) for n in report.key_numbers) + " |",
                  "|" + "|".join("---:" for _ in report.key_numbers) + "|",
                  "| " + " | ".join(f"**{_escape(n.value)}**" for n in report.key_numbers) + " |",
                  "| " + " | ".join(_escape(n.detail) for n in report.key_numbers) + " |", ""]
    lines += ["**Contents:** " + " · ".join(f"[{i}. {_escape(s.title)}](#{s.key})"
                                            for i, s in enumerate(report.sections, start=1)), ""]
    for index, section in enumerate(report.sections, start=1):
        lines += [f'<a id="{section.key}"></a>', "", f"## {index}. {_escape(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                lines += [render_markdown(block), ""]
            elif isinstance(block, Bullets):
                lines += [f"- {_escape(item)}" for item in block.items] + [""]
            elif isinstance(block, Callout):
                label = "Warning" if block.kind == "warning" else "Note"
                lines += [f"> **{label}:** {_escape(block.text)}", ""]
            elif isinstance(block, ReportFigure):
                target = (figure_link(link_prefix, names[block.key], figure_dir or "") if block.key in names
                          else block.data_uri())
                lines += [f"![{_escape(block.title)}]({target})", "", f"*{_escape(block.title)}.* {_escape(block.caption)}",
                          ""]
            else:
                lines += [_escape(block), ""]
    lines += ["---", "", f"*{_escape(report.footer)}*", ""]
    return "\n".join(lines)
