"""Rendering of shift checks: ``plot()``, the text summary, the shift report section of ``gg.report(new=)``
and the command line (``glmgen shift``, ``glmgen report --new``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import glmgen as gg
from glmgen import cli
from glmgen.render import shift_report


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(21)

    def rows(n: int, mean: float) -> pd.DataFrame:
        data = pd.DataFrame({"x": rng.normal(mean, 1.0, n), "g": rng.choice(["a", "b"], n)})
        data["y"] = rng.poisson(np.exp(0.3 + 0.5 * data["x"]))
        return data

    return rows(300, 0.0), rows(200, 1.0)


@pytest.fixture(scope="module")
def result(frames: tuple[pd.DataFrame, pd.DataFrame]) -> gg.ShiftResult:
    train, new = frames
    return gg.shift(train, new, columns=["x", "g"], seed=0)


def test_plot_shows_psi_bars_and_the_auc(result: gg.ShiftResult) -> None:
    figure = result.plot()
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert f"{result.auc:.3f}" in ax.get_title()
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, sorted(result.table["psi"]), rtol=1e-12)


def test_summary_text_lists_columns_and_auc(result: gg.ShiftResult) -> None:
    text = repr(result)
    assert "Adversarial AUC" in text and f"{result.auc:.4g}" in text
    assert all(f"\n{column} " in text for column in ("x", "g"))


def test_report_document_in_every_format(result: gg.ShiftResult) -> None:
    report = shift_report(result, figures=False)
    assert report.section("shift").title.startswith("Shift")
    assert "PSI" in report.to_markdown() and "PSI" in report.to_html() and "PSI" in report.to_latex()


def test_report_with_new_data_has_a_shift_section(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, new = frames
    report = gg.report("y ~ x + g", train, "poisson", select=None, n_boot=0, learning_curve=False, figures=False,
                       new=new)
    shift = report.analysis.shift
    assert shift is not None and shift.expected_deviance is not None
    section = report.section("shift")
    assert any("expected on the new rows" in block for block in section.blocks if isinstance(block, str))
    assert "Shift between training and new data" in report.to_markdown()


def test_cli_shift_prints_and_writes(frames: tuple[pd.DataFrame, pd.DataFrame], tmp_path, capsys) -> None:
    train, new = frames
    train.to_csv(tmp_path / "train.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    args = ["shift", str(tmp_path / "train.csv"), str(tmp_path / "new.csv"), "--columns", "x,g"]
    assert cli.main(args + ["-o", str(tmp_path / "shift.csv")]) == 0
    assert "Adversarial AUC" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "shift.csv")
    assert list(written["column"]) == ["x", "g"]
    assert cli.main(args + ["-o", str(tmp_path / "shift.html")]) == 0
    assert "Shift per column" in (tmp_path / "shift.html").read_text()
    assert cli.main(["shift", str(tmp_path / "train.csv"), str(tmp_path / "new.csv"), "--columns", "q"]) == 2
    assert "'q'" in capsys.readouterr().err


def test_cli_report_with_new(frames: tuple[pd.DataFrame, pd.DataFrame], tmp_path) -> None:
    train, new = frames
    train.to_csv(tmp_path / "train.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "report.md"
    assert cli.main(["report", str(tmp_path / "train.csv"), "--formula", "y ~ x", "--family", "poisson",
                     "--n-boot", "0", "--no-learning-curve", "--new", str(tmp_path / "new.csv"), "-o", str(out)]) == 0
    assert "Shift between training and new data" in out.read_text()
