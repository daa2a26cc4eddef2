"""The report document and its writers (text, Markdown, LaTeX, HTML), on a small hand-built report.

Every expected string follows from the blocks given and the documented
formatting (4 significant digits in tables, LaTeX and HTML escaping), so no
fit is needed.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from glmgen.render.blocks import (
    Bullets,
    Callout,
    KeyNumber,
    ReportFigure,
    Section,
    figure_link,
    write_figures,
)
from glmgen.render.document import Report
from glmgen.render.figures import new_figure, to_png
from glmgen.render.latex import latex_text
from glmgen.render.tables import Table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def png() -> bytes:
    data, _, _ = to_png(new_figure(1.0, 1.0), dpi=20)
    return data


@pytest.fixture(scope="module")
def report(png: bytes) -> Report:
    first = Section("first", "First & foremost", [
        "Paragraph with <b>tags</b>, 5% and α²",
        Table("Numbers", ["", "value"], [["a", 1.23456789], ["b", float("nan")]], notes=["a note"]),
        Bullets(["one", "two"]),
        Callout("careful", "warning"),
    ])
    second = Section("second", "Second", [ReportFigure("fig", "Fig title", "Its caption", png, 96, 96)])
    return Report(title="Title *star*", subtitle="sub", headline="Head line", sections=[first, second],
                  key_numbers=[KeyNumber("Gap", "+0.1", "detail")], footer="foot")


def test_to_png_gives_png_bytes_and_css_pixels() -> None:
    data, width, height = to_png(new_figure(2.0, 1.5), dpi=20)
    assert data[:8] == PNG_SIGNATURE
    assert (width, height) == (192, 144)  # 96 CSS pixels per inch


def test_figure_link_prefers_the_prefix_and_falls_back_to_the_folder() -> None:
    assert figure_link("report_figures/", "01-a.png", "/tmp/x") == "report_figures/01-a.png"
    assert figure_link(None, "01-a.png", "some/dir") == "some/dir/01-a.png"
    assert figure_link("", "01-a.png", "some/dir") == "01-a.png"


def test_write_figures_numbers_files_in_report_order(tmp_path: Path, png: bytes) -> None:
    figures = [ReportFigure(key, key, "", png, 10, 10) for key in ("b", "a")]
    names = write_figures(figures, tmp_path / "new")
    assert names == {"b": "01-b.png", "a": "02-a.png"}
    assert (tmp_path / "new" / "02-a.png").read_bytes() == png


def test_report_lists_its_figures_tables_and_sections(report: Report) -> None:
    assert [f.key for f in report.figures] == ["fig"]
    assert [t.title for t in report.tables] == ["Numbers"]
    assert report.section("second").title == "Second"


def test_text_renders_every_block_and_keeps_section_numbers(report: Report) -> None:
    text = report.to_text()
    assert "1. First & foremost" in text and "2. Second" in text
    assert re.search(r"^a\s+1\.235$", text, flags=re.MULTILINE)  # 4 significant digits
    assert re.search(r"^b\s+NA$", text, flags=re.MULTILINE)
    assert "  - one" in text and "Warning: careful" in text
    only_second = report.to_text(sections=["second"])
    assert "2. Second" in only_second and "First" not in only_second
    assert str(report) == text


def test_html_escapes_text_and_embeds_the_figure(report: Report, png: bytes) -> None:
    page = report.to_html()
    assert "&lt;b&gt;tags&lt;/b&gt;" in page and "<b>tags" not in page
    assert "<script" not in page
    sources = re.findall(r'src="(data:image/png;base64,[^"]+)"', page)
    assert len(sources) == 1
    assert base64.b64decode(sources[0].split(",", 1)[1]) == png
    assert re.search(r'<td class="num">1\.235</td>', page)


def test_markdown_inline_figures_or_linked_files(report: Report, tmp_path: Path, png: bytes) -> None:
    inline = report.to_markdown()
    assert inline.startswith("# Title \\*star\\*")
    assert inline.count("](data:image/png;base64,") == 1
    assert "| a | 1.235 |" in inline
    saved = report.save(tmp_path / "r.md").read_text(encoding="utf-8")
    assert "![Fig title](r_figures/01-fig.png)" in saved
    assert (tmp_path / "r_figures" / "01-fig.png").read_bytes() == png


def test_latex_escapes_and_includes_saved_figures(report: Report, tmp_path: Path) -> None:
    assert latex_text("5% & α²") == r"5\% \& $\alpha$$^2$"
    text = report.to_latex()
    assert r"\section{First \& foremost}" in text
    assert "Figures are left out" in text and r"\includegraphics" not in text
    saved = report.save(tmp_path / "r.tex").read_text(encoding="utf-8")
    assert r"\includegraphics[width=0.85\linewidth]{r_figures/01-fig.png}" in saved
    assert saved.rstrip().endswith(r"\end{document}")


def test_save_takes_the_format_from_the_suffix_or_the_argument(report: Report, tmp_path: Path) -> None:
    assert report.save(tmp_path / "r.txt").read_text(encoding="utf-8") == report.to_text() + "\n"
    assert report.save(tmp_path / "r.out", format="html").read_text(encoding="utf-8") == report.to_html()
    with pytest.raises(ValueError, match=r"use a \.html, \.md, \.tex or \.txt suffix"):
        report.save(tmp_path / "r.out")
