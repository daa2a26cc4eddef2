"""The report document: :class:`Report`, its content and the writers that render it to each format.

A :class:`Report` holds only rendered-ready content (text, :class:`Table`
records, PNG bytes; see :mod:`glmgen.render.blocks`); HTML, Markdown, LaTeX
and plain text are different renderings of the same blocks:

- ``to_html()``: one self-contained file (inline CSS, figures as base64 PNG
  ``data:`` URIs, no scripts, nothing fetched from the network);
- ``to_markdown(figure_dir=None)``: figures as ``data:`` URIs by default (one
  file, shown by VS Code, Jupyter and most converters, but not by GitHub);
  with ``figure_dir`` they are written there as PNG files and linked
  relatively, which is what ``save("report.md")`` does
  (``report_figures/`` next to the file);
- ``to_latex(figure_dir=None)``: a complete ``article`` document with the
  tables; figures are included (``\\includegraphics``) when ``figure_dir`` is
  given, as ``save("report.tex")`` does;
- ``to_text()``: the tables and text for a terminal (no figures).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validation import check_choice
from ..errors import InvalidParameterError
from .blocks import ReportContent
from .html import framed_page, render_report
from .latex import render_latex_report
from .markdown import render_markdown_report
from .text import render_text_report

FORMATS = ("html", "md", "tex", "txt")
_SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".tex": "tex", ".txt": "txt"}


@dataclass(frozen=True, eq=False)
class Report(ReportContent):
    """The generalization report; ``analysis`` holds the result records it was built from."""

    analysis: Any = field(default=None, repr=False)

    def to_html(self) -> str:
        """One self-contained HTML page (inline CSS, figures as data URIs, no scripts)."""
        return render_report(self)

    def _repr_html_(self) -> str:
        """The page in a scrollable frame (its styles stay inside it; the notebook keeps its own)."""
        return framed_page(self.to_html(), self.title)

    def to_markdown(self, figure_dir: str | Path | None = None, link_prefix: str | None = None) -> str:
        """Markdown; figures inline as data URIs, or written to ``figure_dir`` and linked as ``link_prefix/name``."""
        return render_markdown_report(self, figure_dir, link_prefix)

    def to_latex(self, figure_dir: str | Path | None = None, link_prefix: str | None = None) -> str:
        """A complete LaTeX article with every table; figures only when ``figure_dir`` is given."""
        return render_latex_report(self, figure_dir, link_prefix)

    def to_text(self, sections: Collection[str] | None = None) -> str:
        """Plain text (no figures); ``sections``: keys of the sections to include (default all), e.g.
        ``("generalization", "coefficients")``."""
        return render_text_report(self, sections)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        """The title, headline and key numbers (``print(report)`` prints every section)."""
        return self.to_text(sections=())

    def save(self, path: str | Path, format: str | None = None) -> Path:
        """Write the report to ``path`` in the format its suffix names (``.html``, ``.md``, ``.tex``, ``.txt``)
        or ``format``; Markdown and LaTeX write their figures to ``<stem>_figures/`` next to it."""
        path = Path(path)
        if format is None:
            format = _SUFFIX_FORMATS.get(path.suffix.lower())
            if format is None:
                raise InvalidParameterError(
                    f"cannot tell the report format from {str(path)!r}: use a .html, .md, .tex or .txt suffix, or "
                    "pass format='html' (or 'md', 'tex', 'txt')."
                )
        format = check_choice("format", format, FORMATS)
        if format == "html":
            text = self.to_html()
        elif format == "txt":
            text = self.to_text() + "\n"
        else:
            figure_dir = path.parent / f"{path.stem}_figures"
            prefix = figure_dir.name
            text = (self.to_markdown(figure_dir, prefix) if format == "md" else self.to_latex(figure_dir, prefix))
        path.write_text(text, encoding="utf-8")
        return path
