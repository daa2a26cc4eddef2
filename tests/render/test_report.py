"""The generalization report: structure and numbers of the HTML, Markdown and LaTeX renderings.

Checks structure and values at the stated precision (tables: 4 significant
digits, headline: 3), never byte-exact output (STYLE.md section 6). The
numbers in the rendered documents are compared with the result records in
``report.analysis``, which the report only formats.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.evaluation import calibration_table, count_table, residual_bins
from glmgen import report

SECTIONS = {
    "data": "Data and model",
    "generalization": "Generalization",
    "coefficients": "Coefficients",
    "selection": "Model selection",
    "diagnostics": "Diagnostics",
}


# --- a tiny HTML parser ------------------------------------------------------------------------------

class ReportParser(HTMLParser):
    """Collects section headings, tables (caption, header, rows of cell text), images and the headline."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self.tables: list[dict] = []
        self.images: list[dict] = []
        self.headline = ""
        self.tags: list[str] = []
        self._section: str | None = None
        self._text: list[str] | None = None
        self._target: str | None = None
        self._row: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self._section = attributes.get("id")
        elif tag == "h2" and self._section:
            self._text, self._target = [], "h2"
        elif tag == "p" and attributes.get("id") == "headline":
            self._text, self._target = [], "headline"
        elif tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": [], "section": self._section})
        elif tag == "caption":
            self._text, self._target = [], "caption"
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._text, self._target = [], "cell"
        elif tag == "img":
            self.images.append({**attributes, "section": self._section})

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._in_head:
                table["header"] = self._row
            else:
                table["rows"].append(self._row)
            self._row = None
        elif self._text is not None and (
            (tag == "h2" and self._target == "h2") or (tag == "p" and self._target == "headline")
            or (tag == "caption" and self._target == "caption") or (tag in ("td", "th") and self._target == "cell")
        ):
            text = "".join(self._text).strip()
            if self._target == "h2":
                self.sections[self._section] = re.sub(r"^\d+\.\s*", "", text)
            elif self._target == "headline":
                self.headline = text
            elif self._target == "caption":
                self.tables[-1]["caption"] = text
            else:
                self._row.append(text)
            self._text = self._target = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def table(self, caption: str) -> dict:
        matches = [t for t in self.tables if t["caption"] == caption]
        assert len(matches) == 1, f"expected one table {caption!r}, found {[t['caption'] for t in self.tables]}"
        return matches[0]


def parse(html: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(html)
    return parser


def rows_of(table: dict) -> dict[str, dict[str, str]]:
    """Row header -> {column header: cell text}."""
    return {row[0]: dict(zip(table["header"][1:], row[1:])) for row in table["rows"]}


def close(text: str, value: float, digits: int = 4) -> bool:
    """``text`` shows ``value`` to ``digits`` significant digits (tables print values >= 1000 with one decimal)."""
    if isinstance(value, float) and math.isnan(value):
        return text == "NA"
    shown = float(text)
    if value == 0:
        return shown == 0
    if abs(value) >= 1e3 and digits == 4:
        tolerance = 0.05
    else:
        tolerance = 0.5 * 10 ** (math.floor(math.log10(abs(value))) - digits + 1)
    return abs(shown - value) <= tolerance * (1 + 1e-9)


# --- fixtures ----------------------------------------------------------------------------------------

def poisson_data(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n), "x3": rng.normal(size=n),
        "region": rng.choice(["north", "south", "east"], size=n), "unused": rng.normal(size=n),
    })
    frame["visits"] = rng.poisson(np.exp(0.4 + 0.5 * frame["x1"] - 0.3 * (frame["region"] == "south")))
    frame.loc[[5, 17], "x2"] = np.nan  # dropped rows must be reported
    return frame


def binomial_data(n: int = 300, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.uniform(20, 70, size=n), "dose": rng.normal(size=n)})
    eta = -2.0 + 0.04 * frame["age"] + 0.8 * frame["dose"]
    frame["event"] = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    return frame


@pytest.fixture(scope="module")
def path_report():
    with pytest.warns(gg.DroppedRowsWarning):
        return report("visits ~ x1 + x2 + x3 + C(region)", poisson_data(), "poisson", select="cv_1se",
                      l1_ratio=0.5, n_alphas=30, folds=3, n_boot=12, boot_folds=2, seed=1, progress=False)


@pytest.fixture(scope="module")
def path_html(path_report):
    return path_report.to_html()


@pytest.fixture(scope="module")
def glm_report():
    return report("event ~ age + dose", binomial_data(), "binomial", select=None, n_boot=15, seed=2, progress=False)


# --- HTML: sections and numbers ----------------------------------------------------------------------

def test_html_has_every_section_in_order(path_html):
    parsed = parse(path_html)
    assert list(parsed.sections) == list(SECTIONS)
    assert parsed.sections == SECTIONS


def test_headline_states_generalization_numbers(path_report, path_html):
    g = path_report.analysis.generalization
    headline = parse(path_html).headline
    match = re.match(r"Held-out mean deviance (\S+) vs training (\S+) \(gap (\S+)\); D² (\S+) held-out vs (\S+) "
                     r"training\.", headline)
    assert match, headline
    for text, value in zip(match.groups(), (g.test_mean_deviance, g.train_mean_deviance, g.gap, g.test_d2,
                                             g.train_d2)):
        assert close(text.lstrip("+"), value, digits=3), (text, value)
    optimism = path_report.analysis.bootstrap.optimism()
    e632plus = re.search(r"new data: (\S+) \(\.632\+", headline).group(1)
    assert close(e632plus, optimism["e632plus"], digits=3)
    assert f"from {path_report.analysis.bootstrap.n_boot} replicates" in headline


def test_generalization_table_matches_result(path_report, path_html):
    g = path_report.analysis.generalization
    table = rows_of(parse(path_html).table("Training vs held-out fit"))
    for label, side in (("training", g.train), ("held-out", g.test)):
        assert close(table[label]["mean deviance"], side.mean_deviance)
        assert close(table[label]["D²"], side.d2)
        assert close(table[label]["deviance"], side.deviance)
        assert float(table[label]["rows"]) == side.n


def test_optimism_table_matches_bootstrap(path_report, path_html):
    optimism = path_report.analysis.bootstrap.optimism()
    table = rows_of(parse(path_html).table("Estimates of the mean deviance on new data"))
    expected = {"training (apparent)": optimism["apparent"], "Harrell optimism bootstrap": optimism["harrell"],
                "leave-one-out bootstrap": optimism["loo_boot"], ".632 bootstrap": optimism["e632"],
                ".632+ bootstrap": optimism["e632plus"], "no-information error": optimism["no_information"],
                "held-out split": path_report.analysis.generalization.test_mean_deviance}
    for label, value in expected.items():
        assert close(table[label]["mean deviance"], value), label
        assert close(table[label]["minus training"], value - optimism["apparent"]), label


def test_penalized_coefficients_carry_bootstrap_intervals_and_inclusion(path_report, path_html):
    analysis = path_report.analysis
    fit, boot = analysis.fit, analysis.bootstrap
    table = parse(path_html).table("Coefficients")
    assert table["header"][1:] == ["estimate", "bootstrap se", "95% boot lower", "95% boot upper", "share non-zero"]
    rows = rows_of(table)
    assert list(rows) == list(fit.params.index)
    intervals = boot.conf_int(0.95, "percentile")
    for name in fit.params.index:
        assert close(rows[name]["estimate"], fit.params[name])
        assert close(rows[name]["bootstrap se"], boot.se[name])
        assert close(rows[name]["95% boot lower"], intervals.loc[name, "lower"])
        assert close(rows[name]["95% boot upper"], intervals.loc[name, "upper"])
        assert close(rows[name]["share non-zero"], boot.inclusion[name])


def test_unpenalized_coefficients_carry_wald_and_bootstrap(glm_report):
    analysis = glm_report.analysis
    fit, boot = analysis.fit, analysis.bootstrap
    parsed = parse(glm_report.to_html())
    rows = rows_of(parsed.table("Coefficients"))
    wald = fit.coef_table()
    intervals = boot.conf_int()
    for name in fit.params.index:
        assert close(rows[name]["estimate"], wald.loc[name, "estimate"])
        assert close(rows[name]["std. error"], wald.loc[name, "std_err"])
        assert close(rows[name]["95% Wald lower"], wald.loc[name, "ci_lower"])
        assert close(rows[name]["95% Wald upper"], wald.loc[name, "ci_upper"])
        assert close(rows[name]["95% boot upper"], intervals.loc[name, "upper"])
    assert parsed.sections == SECTIONS  # the selection section explains that there was none
    assert "No model selection" in glm_report.to_text(sections=("selection",))


def test_selection_table_marks_the_criterion_used(path_report, path_html):
    selection = path_report.analysis.selection
    rows = rows_of(parse(path_html).table("Alpha chosen by each criterion"))
    assert list(rows) == list(selection.index)
    assert [c for c, row in rows.items() if row["used"] == "yes"] == ["cv_1se"]
    for criterion, row in rows.items():
        assert close(row["alpha"], selection.loc[criterion, "alpha"])
        assert close(row["CV mean deviance"], selection.loc[criterion, "cv_mean_deviance"])
    assert close(rows["cv_1se"]["alpha"], path_report.analysis.fit.penalty.alpha)


def test_data_section_reports_split_dropped_rows_columns_and_warnings(path_report, path_html):
    analysis = path_report.analysis
    parsed = parse(path_html)
    model = {row[0]: row[1] for row in parsed.table("Model")["rows"]}
    assert model["Formula"] == "visits ~ x1 + x2 + x3 + C(region)"
    assert model["Family / link"] == "poisson / log"
    assert model["Training rows"].startswith(f"{analysis.train_rows:,} ({analysis.train_dropped:,} dropped")
    assert analysis.train_dropped + analysis.test_dropped == 2
    columns = rows_of(parsed.table("Columns of the data"))
    assert columns["visits"]["role in the model"] == "response"
    assert columns["region"]["role in the model"] == "predictor"
    assert columns["unused"]["role in the model"] == "unused"
    assert columns["x2"]["missing values"] == "2"
    assert "DroppedRowsWarning" in path_html


def test_diagnostics_tables_match_their_summaries(path_report, path_html):
    analysis = path_report.analysis
    parsed = parse(path_html)
    calibration = parsed.table("Calibration on held-out rows")
    assert len(calibration["rows"]) == len(analysis.calibration)
    for row, (_, expected) in zip(calibration["rows"], analysis.calibration.iterrows()):
        assert close(row[4], expected["mean_predicted"]) and close(row[5], expected["mean_observed"])
    counts = rows_of(parsed.table("Observed vs expected counts of visits on held-out rows"))
    assert list(counts) == list(analysis.counts.index)
    for k, row in counts.items():
        assert close(row["expected rows"], analysis.counts.loc[k, "expected"])


def test_html_is_self_contained(path_report, path_html):
    parsed = parse(path_html)
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", path_html)
    assert "@import" not in path_html and "url(" not in path_html
    keys = {f.key for f in path_report.figures}
    assert keys == {"estimates", "learning-curve", "bootstrap", "path", "cv-curve", "residuals", "calibration",
                    "counts"}
    assert len(parsed.images) == len(keys)
    for image in parsed.images:
        assert image["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert int(image["width"]) > 300 and image["alt"]


def test_figures_leave_no_pyplot_state(path_report):
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []


# --- Markdown and LaTeX ------------------------------------------------------------------------------

def test_markdown_has_the_same_headings_and_tables(path_report, path_html, tmp_path):
    text = path_report.to_markdown()
    headings = re.findall(r"^## \d+\. (.+)$", text, flags=re.M)
    assert headings == list(parse(path_html).sections.values())
    for caption in ("Training vs held-out fit", "Coefficients", "Alpha chosen by each criterion"):
        assert f"**{caption}**" in text
    assert text.count("](data:image/png;base64,") == len(path_report.figures)
    written = path_report.save(tmp_path / "report.md")
    saved = written.read_text(encoding="utf-8")
    links = re.findall(r"\]\((report_figures/[^)]+\.png)\)", saved)
    assert len(links) == len(path_report.figures)
    for link in links:
        assert (tmp_path / link).read_bytes()[:4] == b"\x89PNG"
    assert re.findall(r"^## \d+\. (.+)$", saved, flags=re.M) == headings


def test_latex_structure_is_balanced(path_report, tmp_path):
    text = path_report.to_latex()
    assert text.startswith(r"\documentclass")
    for environment in ("document", "table", "tabular", "itemize", "quote", "figure"):
        assert text.count(rf"\begin{{{environment}}}") == text.count(rf"\end{{{environment}}}"), environment
    assert text.count(r"\begin{tabular}") == len(path_report.tables)
    assert "²" not in text  # mapped to math mode for pdflatex
    assert text.count("{") == text.count("}") + text.count(r"\{") - text.count(r"\}")
    path = path_report.save(tmp_path / "report.tex")
    saved = path.read_text(encoding="utf-8")
    graphics = re.findall(r"\\includegraphics\[[^]]*\]\{([^}]+)\}", saved)
    assert len(graphics) == len(path_report.figures)
    assert all((tmp_path / g).exists() for g in graphics)


def test_save_chooses_format_by_suffix(glm_report, tmp_path):
    assert glm_report.save(tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert glm_report.save(tmp_path / "r.md").read_text(encoding="utf-8").startswith("# ")
    assert glm_report.save(tmp_path / "r.tex").read_text(encoding="utf-8").startswith(r"\documentclass")
    with pytest.raises(ValueError, match="suffix"):
        glm_report.save(tmp_path / "r.pdf")


def test_report_without_bootstrap_or_figures_is_tables_only():
    result = report("event ~ age + dose", binomial_data(), "binomial", select=None, n_boot=0, learning_curve=False,
                    figures=False, progress=False)
    assert result.figures == [] and result.analysis.bootstrap is None
    parsed = parse(result.to_html())
    assert parsed.sections == SECTIONS and parsed.images == []
    assert "No bootstrap was run" in result.to_html()


@pytest.mark.parametrize("kwargs, message", [
    (dict(select="bic", alpha=0.1), "either select"),
    (dict(select="loo"), "select='loo' is not one of"),
    (dict(n_boot=1), "n_boot=1"),
    (dict(weights=np.ones(300)), "column name or an expression"),
])
def test_report_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        report("event ~ age", binomial_data(), "binomial", progress=False, **kwargs)


# --- the diagnostic summaries (computed in glmgen.diagnostics, not in report/) -----------------------

def test_diagnostic_summaries_add_up():
    data = poisson_data().dropna()
    train, test = gg.split(data, test_size=0.3, seed=0)
    fit = gg.glm("visits ~ x1 + C(region)", train, "poisson")
    counts = count_table(fit, test)
    assert counts["observed"].sum() == len(test)
    np.testing.assert_allclose(counts["expected"].sum(), len(test), rtol=1e-10)  # probabilities sum to 1 per row
    calibration = calibration_table(fit, test, bins=5)
    assert calibration["rows"].sum() == len(test)
    mu = fit.predict(test).to_numpy()
    np.testing.assert_allclose(calibration["mean_predicted"] @ calibration["weight"] / calibration["weight"].sum(),
                               mu.mean(), rtol=1e-12)
    np.testing.assert_allclose(calibration["mean_observed"] @ calibration["weight"] / calibration["weight"].sum(),
                               test["visits"].mean(), rtol=1e-12)
    bins = residual_bins(fit, bins=8)
    np.testing.assert_allclose(bins["resid_mean"] @ bins["rows"] / bins["rows"].sum(), fit.resid().mean(),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="poisson"):
        count_table(gg.glm("event ~ age", binomial_data(), "binomial"))


# --- a real browser ----------------------------------------------------------------------------------

CHECK_SCRIPT = """
<script>
window.addEventListener('load', function () {
  var images = Array.prototype.map.call(document.images, function (img) {
    return {ok: img.complete && img.naturalWidth > 0, width: img.getBoundingClientRect().width};
  });
  var tables = Array.prototype.map.call(document.querySelectorAll('table'), function (t) {
    var box = t.getBoundingClientRect(); return {width: box.width, height: box.height};
  });
  var sections = Array.prototype.map.call(document.querySelectorAll('section'), function (s) {
    return s.getBoundingClientRect().height;
  });
  var out = document.createElement('pre');
  out.id = 'glmgen-check';
  out.textContent = JSON.stringify({images: images, tables: tables, sections: sections,
                                    bodyWidth: document.body.scrollWidth});
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile}", "--window-size=1200,3000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(_chromium() is None, reason="chromium is not on PATH")
def test_report_displays_in_a_real_browser(path_html, tmp_path):
    binary = _chromium()
    assert binary is not None
    page = tmp_path / "report.html"
    page.write_text(path_html, encoding="utf-8")
    # 1. the page as shipped: no console messages (errors, failed loads) and a screenshot with content;
    #    chromium's own background requests (net::ERR_NAME_NOT_RESOLVED without a network) are not the page's
    shot = tmp_path / "shot.png"
    run = _run_chromium(binary, tmp_path / "profile1", "--enable-logging=stderr", "--v=1",
                        f"--screenshot={shot}", page.as_uri())
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    assert shot.exists() and shot.stat().st_size > 20_000
    # 2. a copy with a checking script: every image decoded and shown, every table and section laid out
    probe = tmp_path / "probe.html"
    probe.write_text(path_html.replace("</body>", CHECK_SCRIPT + "</body>"), encoding="utf-8")
    run = _run_chromium(binary, tmp_path / "profile2", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    match = re.search(r'<pre id="glmgen-check">(.*?)</pre>', run.stdout, flags=re.S)
    assert match, run.stderr[-2000:]
    result = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(result["images"]) == 8
    assert all(image["ok"] and image["width"] > 300 for image in result["images"]), result["images"]
    assert len(result["tables"]) == len(parse(path_html).tables)
    assert all(table["height"] > 20 and table["width"] > 100 for table in result["tables"]), result["tables"]
    assert len(result["sections"]) == 5 and all(height > 50 for height in result["sections"])
    assert result["bodyWidth"] <= 1200  # nothing forces horizontal scrolling of the page


def test_optimism_estimates_say_which_to_quote(path_report):
    """One sentence names the .632+ estimate as the one to quote, with its value; wrapped list items are
    indented under their text."""
    text = path_report.to_text(sections=("generalization",))
    quoted = re.search(r"Which to quote: the \.632\+ bootstrap estimate \((\S+)\) is the headline estimate", text)
    assert quoted, text
    assert close(quoted.group(1), path_report.analysis.bootstrap.optimism()["e632plus"])
    assert not any(line.startswith("  -   ") for line in text.splitlines())


def test_bootstrap_row_counts_failed_nonconverged_and_separated_replicates(glm_report):
    boot = glm_report.analysis.bootstrap
    row = rows_of(parse(glm_report.to_html()).table("Model"))["Bootstrap"]["value"]
    assert row.endswith(f"({boot.n_failed} failed, {boot.n_nonconverged} not converged, "
                        f"{boot.n_separated} separated)")
