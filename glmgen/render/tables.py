"""A small table model and its renderers (text, Markdown, HTML, LaTeX).

Numbers are formatted one column at a time, as R's ``format`` and
``printCoefmat`` do: every number of a column gets the same notation and
the same number of decimals, enough to show ``digits`` significant digits
of its smallest non-zero value, and the column switches to scientific
notation only when fixed notation would be wider. Columns a table marks as
p-values follow R's ``format.pval`` (``< 2e-16`` below machine epsilon);
test statistics are rounded to 3 decimals first.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

P_VALUE_EPS = 2.220446049250313e-16  # .Machine$double.eps, R's eps.Pvalue
P_VALUE_DIGITS = 3  # printCoefmat's dig.tst for summary.glm's digits = 4
STATISTIC_DECIMALS = 3  # printCoefmat rounds test statistics to dig.tst decimals
COEFFICIENT_KINDS = {"z": "statistic", "t": "statistic", "p-value": "p-value"}  # Table.kinds of coefficient tables


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a number (not a bool), else ``None``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _special(number: float) -> str | None:
    """``NA``, ``inf`` or ``-inf`` for non-finite numbers, else ``None``."""
    if math.isnan(number):
        return "NA"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return None


def _significant(number: float, digits: int) -> tuple[int, int]:
    """(decimal exponent, significant digits actually needed) of ``number`` rounded to ``digits`` digits."""
    mantissa, exponent = f"{number:.{digits - 1}e}".split("e")
    return int(exponent), len(mantissa.replace("-", "").replace(".", "").rstrip("0")) or 1


def format_numbers(numbers: list[float], digits: int = 4) -> list[str]:
    """Finite numbers in one common notation, as R's ``format(x, digits=)``.

    Fixed notation shows ``max_i(sig_i - 1 - exponent_i)`` decimals (``sig_i``: the
    significant digits value i needs, at most ``digits``); scientific notation
    shows ``max_i(sig_i) - 1`` mantissa decimals. Fixed is used unless it is wider.
    """
    parts = [_significant(x, digits) if x != 0 else (0, 1) for x in numbers]
    decimals = max((max(0, sig - 1 - exponent) for exponent, sig in parts), default=0)
    fixed = [f"{x:.{decimals}f}" for x in numbers]
    mantissa = max((sig for _, sig in parts), default=1) - 1
    scientific = [f"{x:.{mantissa}e}" for x in numbers]
    if max(map(len, fixed), default=0) <= max(map(len, scientific), default=0):
        return fixed
    return scientific


def format_pvalues(pvalues: list[float], digits: int = P_VALUE_DIGITS) -> list[str]:
    """p-values as R's ``format.pval``: values from 1e-3 up formatted together, smaller ones together,
    values below machine epsilon as ``< 2e-16`` (``<2e-16`` when the other values are narrow)."""
    tiny = [p < P_VALUE_EPS for p in pvalues]
    texts = [""] * len(pvalues)
    for group in (lambda p: p >= 1e-3, lambda p: p < 1e-3):
        index = [i for i, p in enumerate(pvalues) if not tiny[i] and group(p)]
        for i, text in zip(index, format_numbers([pvalues[i] for i in index], digits)):
            texts[i] = text
    if any(tiny):
        widest = max((len(t) for t, small in zip(texts, tiny) if not small), default=0)
        short = max(1, digits - 2)
        if short > 1 and short + 6 > widest and widest:
            short = max(1, widest - 7)
        sep = "" if short == 1 and widest <= 6 else " "
        eps = f"{P_VALUE_EPS:.{short - 1}e}"
        texts = [f"<{sep}{eps}" if small else t for t, small in zip(texts, tiny)]
    return texts


def format_value(value: Any, digits: int = 4) -> str:
    """One number to ``digits`` significant digits (whole numbers without decimals), others as text."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    special = _special(number)
    if special is not None:
        return special
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return format_numbers([number], digits)[0]


def format_column(values: list[Any], digits: int = 4, kind: str = "number") -> list[str]:
    """The cells of one column: its finite numbers in one notation, non-finite numbers as ``NA`` / ``inf``,
    everything else as text.

    ``kind``: ``"number"`` (:func:`format_numbers`), ``"p-value"`` (:func:`format_pvalues`) or
    ``"statistic"`` (test statistics: rounded to ``STATISTIC_DECIMALS`` decimals first, as ``printCoefmat``).
    """
    numbers = {i: x for i, x in enumerate(map(_number, values)) if x is not None and math.isfinite(x)}
    texts = [format_value(v, digits) for v in values]
    finite, shown = list(numbers), list(numbers.values())
    if kind == "p-value":
        formatted = format_pvalues(shown)
    else:
        formatted = format_numbers([round(x, STATISTIC_DECIMALS) for x in shown] if kind == "statistic" else shown,
                                   digits)
    for i, text in zip(finite, formatted):
        texts[i] = text
    return texts


@dataclass(frozen=True)
class Table:
    """Rows of already-computed values with a title, column headers and notes."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    row_header: bool = True
    by_column: bool = True
    kinds: dict[str, str] = field(default_factory=dict)

    def is_numeric(self, column: int) -> bool:
        """Whether every cell of ``column`` is a number or empty (such columns are right-aligned)."""
        return bool(self.rows) and all(_number(row[column]) is not None or row[column] in ("", None)
                                       for row in self.rows)

    def cells(self, digits: int = 4) -> list[list[str]]:
        """The formatted cells: column by column (:func:`format_column`, with the kind ``kinds`` gives the
        column's header, ``"number"`` by default), or each value on its own when ``by_column`` is false
        (key-value tables)."""
        if not self.by_column:
            return [[format_value(value, digits) for value in row] for row in self.rows]
        columns = [format_column([row[j] for row in self.rows], digits, self.kinds.get(name, "number"))
                   for j, name in enumerate(self.columns)]
        return [list(row) for row in zip(*columns)] if self.rows else []


def render_text(table: Table, digits: int = 4) -> str:
    cells = [table.columns] + table.cells(digits)
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = [table.title, "=" * max(len(table.title), sum(widths) + 2 * (len(widths) - 1))]
    right = [not (j == 0 and table.row_header) and table.is_numeric(j) for j in range(len(table.columns))]
    for r, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if right[i] else c.ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if r == 0:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
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
    """The table as HTML: numeric cells (and numeric columns' headers) carry ``class="num"``, text cells
    ``class="text"``, so a page's or a notebook card's style can align each."""
    numeric = [bool(j) and table.is_numeric(j) for j in range(len(table.columns))]
    num = ' class="num"'
    head = "".join(f"<th{num if numeric[j] else ''}>{html.escape(c)}</th>" for j, c in enumerate(table.columns))
    body = []
    for raw, row in zip(table.rows, table.cells(digits)):
        first = html.escape(row[0])
        cells = [f"<th scope=\"row\">{first}</th>" if table.row_header else f"<td>{first}</td>"]
        cells += [f'<td class="{"num" if _is_number(value) else "text"}">{html.escape(text)}</td>'
                  for value, text in zip(raw[1:], row[1:])]
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f"<p class=\"note\">{html.escape(n)}</p>" for n in table.notes)
    return (f"<table class=\"glmgen-table\"><caption>{html.escape(table.title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}")


def _is_number(value: Any) -> bool:
    """Whether a table cell holds a number (booleans are text)."""
    return isinstance(value, Number) and not isinstance(value, bool)


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
