"""The report document model: sections of paragraphs, tables and figures, and its writers.

A :class:`Report` holds only rendered-ready content (text, :class:`Table`
records, PNG bytes); HTML, Markdown, LaTeX and plain text are different
renderings of the same blocks:

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

import base64
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from .._validation import check_choice
from ..errors import InvalidParameterError
from .tables import Table, render_latex, render_markdown, render_text

FORMATS = ("html", "md", "tex", "txt")
_SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".tex": "tex", ".txt": "txt"}


@dataclass(frozen=True)
class ReportFigure:
    """A rendered figure: PNG bytes and the size to display it at (CSS pixels)."""

    key: str
    title: str
    caption: str
    png: bytes = field(repr=False)
    width: int
    height: int

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Callout:
    """A highlighted paragraph (``kind``: "note" or "warning")."""

    text: str
    kind: str = "note"


Block = Union[str, Table, ReportFigure, Bullets, Callout]


@dataclass(frozen=True)
class KeyNumber:
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass(frozen=True, eq=False)
class Report:
    """The generalization report; ``analysis`` holds the result records it was built from."""

    title: str
    subtitle: str
    headline: str
    key_numbers: list[KeyNumber]
    sections: list[Section]
    footer: str
    analysis: Any = field(default=None, repr=False)

    @property
    def figures(self) -> list[ReportFigure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, ReportFigure)]

    @property
    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_html(self) -> str:
        """One self-contained HTML page (inline CSS, figures as data URIs, no scripts)."""
        from .html import render_report

        return render_report(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_markdown(self, figure_dir: str | Path | None = None, link_prefix: str | None = None) -> str:
        """Markdown; figures inline as data URIs, or written to ``figure_dir`` and linked as ``link_prefix/name``."""
        from .markdown import render_markdown_report

        return render_markdown_report(self, figure_dir, link_prefix)

    def to_latex(self, figure_dir: str | Path | None = None, link_prefix: str | None = None) -> str:
        """A complete LaTeX article with every table; figures only when ``figure_dir`` is given."""
        return _render_latex(self, figure_dir, link_prefix)

    def to_text(self, sections: tuple[str, ...] | list[str] | None = None) -> str:
        """Plain text (no figures); ``sections``: keys of the sections to include (default all), e.g.
        ``("generalization", "coefficients")``."""
        return _render_text(self, sections)

    def __str__(self) -> str:
        return self.to_text()

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


def figure_file_name(index: int, figure: ReportFigure) -> str:
    return f"{index:02d}-{figure.key}.png"


def write_figures(report: Report, figure_dir: str | Path) -> dict[str, str]:
    """Write every figure as a PNG into ``figure_dir``; returns figure key -> file name."""
    directory = Path(figure_dir)
    directory.mkdir(parents=True, exist_ok=True)
    names = {}
    for index, figure in enumerate(report.figures, start=1):
        name = figure_file_name(index, figure)
        (directory / name).write_bytes(figure.png)
        names[figure.key] = name
    return names


def _link(prefix: str | None, name: str, figure_dir: str | Path) -> str:
    base = prefix if prefix is not None else os.fspath(figure_dir)
    return f"{base.rstrip('/')}/{name}" if base else name


# --- plain text --------------------------------------------------------------------------------------

def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + ("  " if indent else ""))


def _render_text(report: Report, keys: tuple[str, ...] | list[str] | None = None) -> str:
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


# --- LaTeX -------------------------------------------------------------------------------------------

_LATEX_UNICODE = {
    "²": r"$^2$", "±": r"$\pm$", "−": "-", "≥": r"$\geq$", "≤": r"$\leq$", "α": r"$\alpha$", "γ": r"$\gamma$",
    "η": r"$\eta$", "μ": r"$\mu$", "—": "---", "–": "--", "→": r"$\rightarrow$", "≈": r"$\approx$", "×": r"$\times$",
    "·": r"$\cdot$", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
}


def latex_text(text: str) -> str:
    from .tables import latex_escape

    escaped = latex_escape(text)
    return "".join(_LATEX_UNICODE.get(char, char) for char in escaped)


def _render_latex(report: Report, figure_dir: str | Path | None, prefix: str | None) -> str:
    names = write_figures(report, figure_dir) if figure_dir is not None else {}
    lines = [
        r"\documentclass[10pt]{article}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{graphicx}",
        r"\usepackage[T1]{fontenc}",
        r"\IfFileExists{placeins.sty}{\usepackage[section]{placeins}}{\newcommand{\FloatBarrier}{\clearpage}}",
        rf"\title{{{latex_text(report.title)}}}",
        rf"\author{{{latex_text(report.subtitle)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        r"\begin{quote}",
        latex_text(report.headline),
        r"\end{quote}",
    ]
    if report.key_numbers:
        lines += [r"\begin{itemize}"]
        lines += [rf"\item {latex_text(n.label)}: \textbf{{{latex_text(n.value)}}}"
                  + (f" ({latex_text(n.detail)})" if n.detail else "") for n in report.key_numbers]
        lines += [r"\end{itemize}"]
    if figure_dir is None and report.figures:
        lines += [r"\noindent\emph{Figures are left out of this LaTeX text; Report.save('report.tex') writes them "
                  r"next to the file and includes them.}"]
    for section in report.sections:
        lines += ["", rf"\section{{{latex_text(section.title)}}}", rf"\label{{sec:{section.key}}}"]
        for block in section.blocks:
            if isinstance(block, Table):
                lines += ["", "".join(_LATEX_UNICODE.get(c, c) for c in render_latex(block))]
            elif isinstance(block, Bullets):
                lines += [r"\begin{itemize}"] + [rf"\item {latex_text(item)}" for item in block.items]
                lines += [r"\end{itemize}"]
            elif isinstance(block, Callout):
                lines += ["", rf"\noindent\textbf{{{'Warning' if block.kind == 'warning' else 'Note'}:}} "
                              + latex_text(block.text)]
            elif isinstance(block, ReportFigure):
                if block.key in names:
                    link = _link(prefix, names[block.key], figure_dir or "")
                    lines += [r"\begin{figure}[ht]", r"\centering",
                              rf"\includegraphics[width=0.85\linewidth]{{{link}}}",
                              rf"\caption{{{latex_text(block.title)}. {latex_text(block.caption)}}}",
                              r"\end{figure}"]
            else:
                lines += ["", latex_text(block)]
        lines.append(r"\FloatBarrier")
    lines += ["", r"\bigskip", r"\noindent\footnotesize " + latex_text(report.footer), r"\end{document}", ""]
    return "\n".join(lines)
