"""LaTeX rendering of a report: a complete ``article`` document with every table, and the figures
(``\\includegraphics``) when they are written to a folder next to it."""

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
from .tables import Table, latex_escape, render_latex

_LATEX_UNICODE = {
    "²": r"$^2$", "±": r"$\pm$", "−": "-", "≥": r"$\geq$", "≤": r"$\leq$", "α": r"$\alpha$", "γ": r"$\gamma$",
    "η": r"$\eta$", "μ": r"$\mu$", "—": "---", "–": "--", "→": r"$\rightarrow$", "≈": r"$\approx$",
    "×": r"$\times$", "·": r"$\cdot$", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
}


def _unicode(text: str) -> str:
    """Replace the non-ASCII characters the report uses by their LaTeX spelling (pdflatex has no Unicode)."""
    return "".join(_LATEX_UNICODE.get(char, char) for char in text)


def latex_text(text: str) -> str:
    """Running text for LaTeX: special characters escaped, Unicode symbols spelled in LaTeX."""
    return _unicode(latex_escape(text))


def render_latex_report(report: ReportContent, figure_dir: str | Path | None = None,
                        link_prefix: str | None = None) -> str:
    """The LaTeX document; with ``figure_dir`` the figures are written there and included as ``link_prefix/name``."""
    names = write_figures(report.figures, figure_dir) if figure_dir is not None else {}
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
                lines += ["", _unicode(render_latex(block))]
            elif isinstance(block, Bullets):
                lines += [r"\begin{itemize}"] + [rf"\item {latex_text(item)}" for item in block.items]
                lines += [r"\end{itemize}"]
            elif isinstance(block, Callout):
                lines += ["", rf"\noindent\textbf{{{'Warning' if block.kind == 'warning' else 'Note'}:}} "
                              + latex_text(block.text)]
            elif isinstance(block, ReportFigure):
                if block.key in names:
                    link = figure_link(link_prefix, names[block.key], figure_dir or "")
                    lines += [r"\begin{figure}[ht]", r"\centering",
                              rf"\includegraphics[width=0.85\linewidth]{{{link}}}",
                              rf"\caption{{{latex_text(block.title)}. {latex_text(block.caption)}}}",
                              r"\end{figure}"]
            else:
                lines += ["", latex_text(block)]
        lines.append(r"\FloatBarrier")
    lines += ["", r"\bigskip", r"\noindent\footnotesize " + latex_text(report.footer), r"\end{document}", ""]
    return "\n".join(lines)
