"""Notebook and terminal display of every result record: ``_repr_html_`` (one well-formed, self-contained
``<div>``, escaped, cut to a screen, path and CV plots inline as SVG) and multi-line ``repr``."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from html_tags import start_tags

import glmgen as gg
from glmgen.render.blocks import Bullets, KeyNumber, Section


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(16)
    n = 240
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "g": rng.choice(list("abc"), n),
                          "a<b&c": rng.normal(size=n)})
    frame["y"] = rng.poisson(np.exp(0.3 + 0.5 * frame["x1"] - 0.2 * frame["x2"]))
    return frame


@pytest.fixture(scope="module")
def records(data: pd.DataFrame) -> dict[str, Any]:
    """One record of every displayed type (small, so the module runs in a few seconds)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        fit = gg.glm("y ~ x1 + x2 + g", data, "poisson")
        small = gg.glm("y ~ x1", data, "poisson")
        middle = gg.glm("y ~ x1 + x2", data, "poisson")
        path = gg.glm_path("y ~ x1 + x2 + g", data, "poisson", n_alphas=20)
        cv = path.cv(folds=3, seed=0)
        train, test = gg.split(data, seed=0)
        held = gg.glm("y ~ x1 + x2", train, "poisson")
        return {
            "glm": fit,
            "glm_robust_aliased": gg.glm("y ~ x1 + x2 + I(x1 + x2) + g", data, "poisson", cov_type="HC1"),
            "glm_penalized": gg.glm("y ~ x1 + x2 + g", data, "poisson", alpha=0.05, l1_ratio=0.5),
            "summary": fit.summary(),
            "path": path,
            "path_relaxed": gg.glm_path("y ~ x1 + x2 + g", data, "poisson", n_alphas=15, relax=True),
            "path_group": gg.glm_path("y ~ x1 + x2 + g", data, "poisson", n_alphas=15, penalty="group"),
            "cv": cv,
            "bootstrap": gg.bootstrap(fit, n_boot=20, seed=0, progress=False),
            "bias_variance": gg.bias_variance(path, data, n_boot=4, seed=0, progress=False),
            "stepwise": gg.stepwise("y ~ x1 + x2 + g", data, "poisson"),
            "best_subset": gg.best_subset("y ~ x1 + x2 + g", data, "poisson"),
            "lrtest": gg.lrtest(small, fit),
            "lrtest_table": gg.lrtest(small, middle, fit),
            "compare": gg.compare([small, middle, fit]),
            "held_out": held.evaluate(test),
            "generalization": gg.generalization(held, train, test),
            "shift": gg.shift(train, test, columns=["x1", "g"], seed=0),
            "learning_curve": gg.learning_curve("y ~ x1 + x2", data, "poisson", repeats=2, seed=0),
            "validation_curve": gg.validation_curve(path, folds=3, seed=0),
        }


def _parsed(markup: str) -> ET.Element:
    """The fragment as XML (so it is well formed), after checking that html.parser reads it too."""
    tags = start_tags(markup)
    assert tags and not {"html", "body", "head", "script"} & set(tags)
    return ET.fromstring(markup)


NAMES = ["glm", "glm_robust_aliased", "glm_penalized", "summary", "path", "path_relaxed", "path_group", "cv",
         "bootstrap", "bias_variance", "stepwise", "best_subset", "lrtest", "lrtest_table", "compare", "held_out",
         "generalization", "shift", "learning_curve", "validation_curve"]
#: records whose card is the whole display (pandas frames and the summary keep their own)
CARDS = [name for name in NAMES if name not in ("compare", "summary")]
WITH_FIGURE = ["path", "path_relaxed", "path_group", "cv", "bias_variance", "shift", "learning_curve",
               "validation_curve"]


@pytest.mark.parametrize("name", NAMES)
def test_every_record_renders_one_well_formed_fragment(records: dict[str, Any], name: str) -> None:
    markup = records[name]._repr_html_()
    assert isinstance(markup, str)
    if name in CARDS:
        root = _parsed(markup)
        assert root.tag == "div" and root.get("class") == "glmgen-card"
        style = root.find("style")
        assert style is not None and style.text is not None
        selectors = [rule.split("{")[0] for rule in style.text.split("}") if rule]
        assert all(part.strip().startswith(".glmgen-card") for s in selectors for part in s.split(","))
        assert ("<svg" in markup) == (name in WITH_FIGURE)
    elif name == "summary":
        assert _parsed(markup).tag == "div" and repr(records[name]) == str(records[name])


@pytest.mark.parametrize("name", [name for name in CARDS if name not in ("held_out", "shift")])
def test_repr_is_an_aligned_text_block(records: dict[str, Any], name: str) -> None:
    text = repr(records[name])
    lines = text.splitlines()
    assert len(lines) >= 4 and lines[1] == "=" * len(lines[0]) and "<" not in lines[0]
    assert type(records[name]).__name__ in lines[0]
    facts = lines[2:lines.index("")] if "" in lines else lines[2:]
    columns = {len(re.match(r"^[^:]+: *", line).group(0)) for line in facts}
    assert facts and len(columns) == 1  # the values of the key facts start in one column


def test_fit_shows_statsmodels_numbers_and_coefficient_names(records: dict[str, Any], data: pd.DataFrame) -> None:
    fit = records["glm"]
    design = pd.get_dummies(data[["x1", "x2", "g"]], columns=["g"], drop_first=True, dtype=float)
    reference = sm.GLM(data["y"], sm.add_constant(design), family=sm.families.Poisson()).fit()
    markup, text = fit._repr_html_(), repr(fit)
    for shown in (markup, text):
        assert f"{reference.deviance:.5g}" in shown and f"{reference.null_deviance:.5g}" in shown
        assert f"{reference.aic:.6g}" in shown
        assert all(name in shown for name in ("Intercept", "x1", "x2", "g[T.b]", "g[T.c]"))
        assert f"{reference.params['x1']:.4f}" in shown
        assert "y ~ x1 + x2 + g" in shown and "poisson / log" in shown


def test_robust_aliased_and_penalized_fits_say_so(records: dict[str, Any]) -> None:
    robust = repr(records["glm_robust_aliased"])
    assert "HC1" in robust and "NA: aliased column" in robust
    assert "Warning: 1 column is a linear combination of earlier columns: 'I(x1 + x2)'." in robust
    penalized = records["glm_penalized"]._repr_html_()
    assert "alpha=0.05, l1_ratio=0.5" in penalized and "Wald inference does not apply" in penalized


def test_user_text_is_escaped(data: pd.DataFrame) -> None:
    fit = gg.glm("y ~ x1 + Q('a<b&c')", data, "poisson")
    markup = fit._repr_html_()
    _parsed(markup)
    assert "Q(&#x27;a&lt;b&amp;c&#x27;)" in markup and "a<b&c" not in markup
    assert "Q('a<b&c')" in repr(fit)


def test_a_large_design_is_cut_to_a_screen(data: pd.DataFrame) -> None:
    frame = data.assign(f=[f"level{i % 60:02d}" for i in range(len(data))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        fit = gg.glm("y ~ x1 + f", frame, "gaussian")
    root = _parsed(fit._repr_html_())
    coefficients = [t for t in root.iter("table") if t.findtext("caption") == "Coefficients"][0]
    assert len(coefficients.findall("./tbody/tr")) == 20  # Intercept, f[T.level01] ... f[T.level19] of 61
    assert "... 41 more rows (see summary())" in fit._repr_html_()
    text = repr(fit)
    assert "... 41 more rows (see summary())" in text and "f[T.level19]" in text and "f[T.level20]" not in text


def test_path_and_cv_show_their_selection_and_plot(records: dict[str, Any]) -> None:
    path, cv = records["path"], records["cv"]
    text = repr(path)
    assert f"{len(path.alphas)}, from" in text and "(alpha_min)" in text and "(alpha_1se)" in text
    markup = cv._repr_html_()
    i = cv.index_min
    assert f"{cv.mean_deviance[i]:.4g}" in markup and "<svg" in markup
    assert "3-fold cross-validation" in repr(cv)


def test_displaying_a_path_refits_nothing(data: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    path = gg.glm_path("y ~ x1 + x2", data, "poisson", n_alphas=10, l1_ratio=0.5)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("displaying a path must not refit")

    for method in ("fit_at", "cross_validate", "effective_df"):
        monkeypatch.setattr(path.refits, method, refuse)
    assert "<svg" in path._repr_html_() and "Path points" in repr(path)


def test_selection_and_test_records_keep_their_numbers(records: dict[str, Any]) -> None:
    step = repr(records["stepwise"])
    assert "Initial model: y ~ x1 + x2 + g" in step and f"Final model:   {records['stepwise'].formula}" in step
    lrtest = records["lrtest"]
    assert f"{lrtest.statistic:.6g}" in repr(lrtest) and "chi2" in lrtest._repr_html_()
    boot = records["bootstrap"]
    assert f"n_separated={boot.n_separated}" in repr(boot) and "inclusion" in boot._repr_html_()
    gap = records["generalization"].gap
    assert f"{gap:.4g}" in repr(records["generalization"])


def test_a_report_displays_in_a_frame_of_its_own() -> None:
    section = Section("first", "First & <second>", ["Paragraph with <b>tags</b>", Bullets(["one"])])
    report = gg.Report(title="Visits <&> costs", subtitle="sub", headline="Held-out deviance is 3.9",
                       key_numbers=[KeyNumber("Gap", "-0.318")], sections=[section], footer="foot")
    markup = report._repr_html_()
    frame = _parsed(markup).find("iframe")
    assert frame is not None and frame.get("srcdoc") == report.to_html()  # the page itself, unescaped by the parser
    assert "<html" not in markup and "<body" not in markup and "<style" not in markup
    text = repr(report)
    assert text.splitlines()[0] == "Visits <&> costs" and "Gap: -0.318" in text and "First &" not in text
