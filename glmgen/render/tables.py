"""A small table model and its renderers (text, Markdown, HTML, LaTeX)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any


def format_value(value: Any, digits: int = 4) -> str:
    """Numbers to ``digits`` significant digits (p-values below 1e-4 as ``<1e-04``), others as text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if math.isnan(number):
            return "NA"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        if 1e3 <= abs(number) < 1e15:
            return f"{number:.1f}"
        return f"{number:.{digits}g}"
    try:
        return format_value(float(value), digits)
    except (TypeError, ValueError):
        return str(value)


@dataclass(frozen=True)
class Table:
    """Rows of already-computed values with a title, column headers and notes."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    row_header: bool = True

    def cells(self, digits: int = 4) -> list[list[str]]:
        return [[format_value(value, digits) for value in row] for row in self.rows]


def render_text(table: Table, digits: int = 4) -> str:
    cells = [table.columns] + table.cells(digits)
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = [table.title, "=" * max(len(table.title), sum(widths) + 2 * (len(widths) - 1))]
    for r, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 and table.row_header else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))))
        if r == 0:
            lines.append("-" * len(lines[-1]))
    lines += table.notes
    return "\n".join(lines)


def render_markdown(table: Table, digits: int = 4) -> str:
    def escape(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [f"**{escape(table.title)}**", "", "| " + " | ".join(escape(c) for c in table.columns) + " |"]
    lines.append("|" + "|".join(":---" if i == 0 and table.row_header else "---:" for i in range(len(table.columns))) + "|")
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in table.cells(digits)]
    if table.notes:
        lines += [""] + [f"*{escape(note)}*" for note in table.notes]
    return "\n".join(lines)


def render_html(table: Table, digits: int = 4) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.cells(digits):
        cells = [f"<th scope=\"row\">{html.escape(row[0])}</th>" if table.row_header else f"<td>{html.escape(row[0])}</td>"]
        cells += [f"<td>{html.escape(c)}</td>" for c in row[1:]]
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f"<p class=\"note\">{html.escape(n)}</p>" for n in table.notes)
    return (f"<table class=\"glmgen-table\"><caption>{html.escape(table.title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}")


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def render_latex(table: Table, digits: int = 4) -> str:
    spec = ("l" if table.row_header else "r") + "r" * (len(table.columns) - 1)
    lines = [r"\begin{table}[ht]", r"\centering", rf"\caption{{{latex_escape(table.title)}}}",
             rf"\begin{{tabular}}{{{spec}}}", r"\hline",
             " & ".join(latex_escape(c) for c in table.columns) + r" \\", r"\hline"]
    lines += [" & ".join(latex_escape(c) for c in row) + r" \\" for row in table.cells(digits)]
    lines += [r"\hline", r"\end{tabular}"]
    lines += [rf"\par\footnotesize {latex_escape(note)}" for note in table.notes]
    lines.append(r"\end{table}")
    return "\n".join(lines)
