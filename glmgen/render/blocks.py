"""The building blocks of a report, which every writer (text, Markdown, LaTeX, HTML) renders.

A report is a title, a headline, key numbers and :class:`Section` s of
blocks: paragraphs (``str``), :class:`~glmgen.render.tables.Table` s,
:class:`Bullets`, :class:`Callout` s and :class:`ReportFigure` s (PNG bytes
drawn beforehand). :class:`ReportContent` holds them;
:class:`glmgen.render.document.Report` adds the writers. Writers that put
figures in files use :func:`write_figures` and :func:`figure_link`.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from .tables import Table


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
        """The PNG as a ``data:image/png;base64,...`` URI, for documents that embed their figures."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of sentences."""

    items: list[str]


@dataclass(frozen=True)
class Callout:
    """A highlighted paragraph (``kind``: "note" or "warning")."""

    text: str
    kind: str = "note"


Block: TypeAlias = str | Table | ReportFigure | Bullets | Callout


@dataclass(frozen=True)
class KeyNumber:
    """One headline number: its label, the formatted value and a line of detail."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Section:
    """A numbered section of the report; ``key`` is its anchor (``"generalization"``)."""

    key: str
    title: str
    blocks: list[Block]


@dataclass(frozen=True, eq=False)
class ReportContent:
    """Everything a writer renders: title, subtitle, headline, key numbers, sections and footer."""

    title: str
    subtitle: str
    headline: str
    key_numbers: list[KeyNumber]
    sections: list[Section]
    footer: str

    @property
    def figures(self) -> list[ReportFigure]:
        """Every figure, in the order of the sections."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, ReportFigure)]

    @property
    def tables(self) -> list[Table]:
        """Every table, in the order of the sections."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def section(self, key: str) -> Section:
        """The section whose key is ``key``."""
        return next(s for s in self.sections if s.key == key)


def figure_file_name(index: int, figure: ReportFigure) -> str:
    """``01-path.png``: the figure's position in the report, then its key."""
    return f"{index:02d}-{figure.key}.png"


def write_figures(figures: list[ReportFigure], figure_dir: str | Path) -> dict[str, str]:
    """Write every figure as a PNG into ``figure_dir`` (created if missing); returns figure key -> file name."""
    directory = Path(figure_dir)
    directory.mkdir(parents=True, exist_ok=True)
    names = {}
    for index, figure in enumerate(figures, start=1):
        name = figure_file_name(index, figure)
        (directory / name).write_bytes(figure.png)
        names[figure.key] = name
    return names


def figure_link(prefix: str | None, name: str, figure_dir: str | Path) -> str:
    """The link to figure file ``name``: ``prefix/name``, or ``figure_dir/name`` when no prefix is given."""
    base = prefix if prefix is not None else os.fspath(figure_dir)
    return f"{base.rstrip('/')}/{name}" if base else name
