"""Number formatting of tables as R prints them, the convergence line of ``summary()``, the spreading of
coefficient-path labels and the report's account of the bootstrap.

Expected strings are R's: ``format(x, digits = 4)`` (one notation and one number of decimals per
vector), ``format.pval`` as ``printCoefmat`` calls it (``digits = 3``, ``eps = .Machine$double.eps``), and
the coefficient table of ``summary(lm(dist ~ speed, cars))``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.render.figures import new_figure, spread_labels
from glmgen.render.generalization import _replicate_health, _separation_callouts
from glmgen.render.plots import plot_bootstrap, plot_path, text_height
from glmgen.render.summary import convergence_text
from glmgen.render.tables import (
    COEFFICIENT_KINDS,
    Table,
    format_column,
    format_numbers,
    format_pvalues,
    render_text,
)


@pytest.mark.parametrize(("values", "expected"), [
    # R: format(c(4.258e-07, 0.2796), digits = 4) -> "4.258e-07" "2.796e-01" (fixed would need 12 characters)
    ([4.258e-07, 0.2796], ["4.258e-07", "2.796e-01"]),
    # R: format(c(1.234, 0.5, 12), digits = 4) -> "1.234" "0.500" "12.000" (R pads to a common width)
    ([1.234, 0.5, 12.0], ["1.234", "0.500", "12.000"]),
    # R: format(c(15142, 0.5), digits = 4) -> "15142.0" "0.5"
    ([15142.0, 0.5], ["15142.0", "0.5"]),
    # R: format(c(-17.58, 3.932e-06), digits = 4) -> "-1.758e+01" "3.932e-06"
    ([-17.58, 3.932e-06], ["-1.758e+01", "3.932e-06"]),
    # R: format(123456789, digits = 4) -> "123456789" (fixed is not wider than 1.235e+08)
    ([123456789.0], ["123456789"]),
    # R: format(c(310, 930), digits = 4) -> "310" "930"
    ([310.0, 930.0], ["310", "930"]),
])
def test_a_column_shares_one_notation_as_r_format(values: list[float], expected: list[str]) -> None:
    assert format_numbers(values, 4) == expected


@pytest.mark.parametrize(("pvalues", "expected"), [
    # summary(lm(dist ~ speed, cars)): Pr(>|t|) 0.0123, 1.49e-12
    ([0.01232, 1.48984e-12], ["0.0123", "1.49e-12"]),
    # R: format.pval(c(0.5, 0.0123, 1.49e-12, 1e-20), digits = 3) -> "0.5000" "0.0123" "1.49e-12" "< 2e-16"
    ([0.5, 0.0123, 1.49e-12, 1e-20], ["0.5000", "0.0123", "1.49e-12", "< 2e-16"]),
    # R: format.pval(c(0.5, 1e-20), digits = 3) -> "0.5" "<2e-16" (no space when the other values are narrow)
    ([0.5, 1e-20], ["0.5", "<2e-16"]),
])
def test_p_values_as_r_format_pval(pvalues: list[float], expected: list[str]) -> None:
    assert format_pvalues(pvalues) == expected


def test_columns_keep_text_and_missing_values_and_key_value_tables_format_each_cell() -> None:
    assert format_column(["a", 1.0, float("nan"), 310.0, None]) == ["a", "1", "NA", "310", ""]
    table = Table("T", ["", "estimate", "t", "p-value"],
                  [["(Intercept)", -17.5791, -2.60106, 0.01232], ["speed", 3.9324, 9.46399, 1.49e-12],
                   ["x", 4.258e-07, 0.76879, 1e-30]], kinds=COEFFICIENT_KINDS)
    # t as printCoefmat: round(t, 3), then format(digits = 4)
    assert table.cells() == [["(Intercept)", "-1.758e+01", "-2.601", "0.0123"],
                             ["speed", "3.932e+00", "9.464", "1.49e-12"], ["x", "4.258e-07", "0.769", "< 2e-16"]]
    header = Table("H", ["", "value"], [["Observations", 15142.0], ["Deviance", 0.5]], by_column=False)
    assert header.cells() == [["Observations", "15142"], ["Deviance", "0.5"]]
    assert render_text(header).splitlines()[-1] == "Deviance        0.5"


def test_summary_states_convergence_in_words() -> None:
    assert convergence_text(True, 1) == "converged in 1 iteration"
    assert convergence_text(False, 25) == "did not converge in 25 iterations"
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.normal(size=50)})
    data["y"] = rng.poisson(np.exp(0.2 + 0.3 * data["x"]))
    fit = gg.glm("y ~ x", data, family="poisson", alpha=0.01)
    header = {row[0]: row[1] for row in fit.summary().tables[0].rows}
    assert header["Convergence"] == convergence_text(fit.converged, fit.n_iter)
    assert "Converged (iterations)" not in str(fit.summary())


def test_spread_labels_keeps_order_and_gap_and_moves_only_crowded_labels() -> None:
    positions = np.array([0.30, 0.292, 0.279, 0.25, 0.0, -0.001, 0.002])
    spread = spread_labels(positions, gap=0.01)
    ordered = spread[np.argsort(positions, kind="stable")]
    assert np.all(np.diff(ordered) >= 0.01 - 1e-12)
    assert spread[3] == pytest.approx(0.25)  # an isolated label stays where its line ends
    # least squares: a crowded pair moves symmetrically about its mean
    np.testing.assert_allclose(spread_labels(np.array([1.0, 1.002]), gap=0.1), [0.951, 1.051])
    # a block that would leave [low, high] is shifted inside
    np.testing.assert_allclose(spread_labels(np.array([0.0, 0.0]), gap=1.0, low=0.0, high=5.0), [0.0, 1.0])


def _crowded_path() -> SimpleNamespace:
    alphas = np.array([1.0, 0.1, 0.01])
    ends = [0.30, 0.297, 0.294, 0.291, 0.05, 0.049, -0.2]
    names = [f"x{j}" for j in range(len(ends))]
    coefs = pd.DataFrame({name: [0.0, end / 2, end] for name, end in zip(names, ends)})
    return SimpleNamespace(spec=SimpleNamespace(column_names=names), alphas=alphas, coefs=coefs,
                           family=SimpleNamespace(name="gaussian"), l1_ratio=1.0)


def test_path_end_labels_are_a_font_height_apart_and_linked_to_their_lines() -> None:
    figure = new_figure(7.0, 4.5)
    ax = figure.add_subplot()
    plot_path(_crowded_path(), ax=ax)
    labels = ax.texts
    assert sorted(t.get_text() for t in labels) == [f"x{j}" for j in range(7)]
    heights = text_height(ax, labels[0].get_fontsize())
    y = np.sort([t.xyann[1] for t in labels])
    assert np.all(np.diff(y) >= heights)  # no two labels closer than the font height, in data units
    low, high = ax.get_ylim()
    assert low <= y.min() and y.max() <= high
    for text in labels:  # each label points at its own line end, drawn in that line's colour
        j = int(text.get_text()[1:])
        assert text.xy[1] == pytest.approx(_crowded_path().coefs[f"x{j}"].iloc[-1])
        assert text.arrow_patch is not None and text.get_color() == ax.get_lines()[j].get_color()


def test_bootstrap_counters_include_separated_replicates_when_the_record_has_them() -> None:
    old = SimpleNamespace(n_failed=1, n_nonconverged=2)
    new = SimpleNamespace(n_failed=1, n_nonconverged=2, n_separated=6,
                          separated_message="6 of 200 replicates separated.")
    assert _replicate_health(old) == "1 failed, 2 not converged"
    assert _replicate_health(new) == "1 failed, 2 not converged, 6 separated"
    assert _separation_callouts(old) == []
    assert [c.text for c in _separation_callouts(new)] == ["6 of 200 replicates separated."]
    names = ["Intercept", "x"]
    record = SimpleNamespace(estimate=pd.Series([1.0, 0.1], index=names), n_boot=200, n_failed=0, n_separated=6,
                             inclusion=pd.Series([1.0, 1.0], index=names),
                             conf_int=lambda level, method: pd.DataFrame({"lower": [0.5, -0.2], "upper": [1.5, 0.4]},
                                                                         index=names))
    assert plot_bootstrap(record).axes[0].get_title() == "Bootstrap (200 replicates, 0 failed, 6 separated)"
