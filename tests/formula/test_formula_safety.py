"""Formulas are Python: ``safe=True`` (the CLI's default) checks them before anything is evaluated.

Each refused formula would write a canary file if it ran; the tests assert the
file is absent after the refusal, and present when the check is switched off
(so the canary can fail).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.cli import build_parser
from glmgen.formula.safety import check_formula_size
from glmgen.errors import InvalidParameterError, UnsafeFormulaError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 80
    x1 = rng.uniform(0.5, 2.0, n)
    return pd.DataFrame({
        "y": 1.0 + 0.5 * x1 + rng.normal(size=n), "x1": x1, "x2": rng.normal(size=n),
        "g": rng.choice(["a", "b", "c"], n), "w": rng.uniform(0.5, 2.0, n),
    })


def writes(canary: Path) -> str:
    """A Python expression that creates ``canary`` and evaluates to 0."""
    return f"len(open({str(canary)!r}, 'w').name) * 0"


def test_safe_refuses_a_formula_term_before_evaluating_it(frame, tmp_path):
    canary = tmp_path / "ran"
    with pytest.raises(UnsafeFormulaError, match="open"):
        gg.glm(f"y ~ x1 + I({writes(canary)} + x2)", frame, safe=True)
    assert not canary.exists()
    gg.glm(f"y ~ x1 + I({writes(canary)} + x2)", frame)  # the default evaluates it: the canary can fail
    assert canary.exists()


@pytest.mark.parametrize("where", ["response", "weights", "offset", "exposure", "glm_path"])
def test_safe_checks_every_expression_the_design_evaluates(frame, tmp_path, where):
    canary = tmp_path / "ran"
    code = f"np.exp({writes(canary)} + x2 * 0)"
    calls = {
        "response": lambda: gg.glm(f"y + {writes(canary)} ~ x1", frame, safe=True),
        "weights": lambda: gg.glm("y ~ x1", frame, weights=code, safe=True),
        "offset": lambda: gg.glm("y ~ x1", frame, offset=code, safe=True),
        "exposure": lambda: gg.glm("y ~ x1", frame, exposure=code, safe=True),
        "glm_path": lambda: gg.glm_path(f"y ~ x1 + I({writes(canary)} + x2)", frame, safe=True),
    }
    with pytest.raises(UnsafeFormulaError, match="open"):
        calls[where]()
    assert not canary.exists()


@pytest.mark.parametrize(("formula", "needle"), [
    ("y ~ x1 + __import__('os').getpid()", "__import__"),
    ("y ~ x1.__class__", "__class__"),
    ("y ~ I((lambda v: v)(x1))", "lambda"),
    ("y ~ (lambda v: v)(x1)", "keyword 'lambda'"),
    ("y ~ I(eval('x1'))", "eval"),
    ("y ~ I([v for v in x1])", "for v in x1"),
    ("y ~ np.linalg.inv(x1)", "np.linalg"),
])
def test_safe_refuses_code_outside_the_allow_list(frame, formula, needle):
    with pytest.raises(UnsafeFormulaError, match=needle.replace(".", r"\.")):
        gg.glm(formula, frame, safe=True)


def test_allowed_formulas_fit_the_same_with_and_without_safe(frame):
    formula = "np.log(y + 10) ~ center(x1) + I(x1 ** 2) + C(g, Treatment('b')) + Q('x2') + np.abs(x2)"
    checked = gg.glm(formula, frame, weights="np.sqrt(w)", safe=True)
    unchecked = gg.glm(formula, frame, weights="np.sqrt(w)")
    pd.testing.assert_series_equal(checked.params, unchecked.params, rtol=0, atol=0)
    assert checked.spec.safe and not unchecked.spec.safe


def test_path_records_the_flag_for_refits(frame):
    path = gg.glm_path("y ~ x1 + x2 + C(g)", frame, n_alphas=5, safe=True)
    assert path.spec.safe and path.refits.fit_kwargs["safe"] is True


def test_cross_validation_folds_check_the_formula_again(frame, monkeypatch):
    """Each fold rebuilds the design from the formula text: a checked path's folds are checked too."""
    import glmgen.formula.build as design_module

    path = gg.glm_path("y ~ x1 + x2 + C(g)", frame, n_alphas=5, safe=True)
    checked: list[str] = []
    original = design_module.check_expression_is_safe
    monkeypatch.setattr(design_module, "check_expression_is_safe", lambda code: (checked.append(code), original(code)))
    path.cv(folds=3, seed=0)
    assert {"x1", "x2", "C(g)", "y"} <= set(checked)


@pytest.mark.parametrize(("formula", "needle"), [
    ("y ~ C(g * 100000000)", "times longer"),  # repeats each text value 10^8 times: ran for minutes
    ("y ~ x1", "times longer"),  # the same through the offset below
    ("y ~ te(cr(x1, df=300), cr(x2, df=300))", "tensor product"),  # a 90000-column basis: MemoryError
    ("y ~ C(g, Treatment(open))", "contrast"),
    ("y ~ C(g, Poly(scores=open))", "contrast"),  # TypeError escaped
    ("y ~ C(g, Poly(scores=[1, 2, 'x']))", "contrast"),  # ValueError escaped
    ("y ~ C(g, [[open, 0], [0, 1], [1, 1]])", "contrast"),  # AttributeError escaped
])
def test_safe_refuses_repetition_tensor_and_contrast_argument_bombs_fast(frame, formula, needle):
    offset = "g * 100000000" if formula == "y ~ x1" else None
    start = time.perf_counter()
    with pytest.raises(UnsafeFormulaError, match=needle):
        gg.glm(formula, frame, offset=offset, safe=True)
    assert time.perf_counter() - start < 1.0


def test_safe_accepts_literal_contrast_arguments_and_small_products(frame):
    formula = ("y ~ C(g, Poly(scores=[1, 2, 4])) + C(g, Sum(omit='b')):x1 + te(cr(x1, df=3), cr(x2, df=3), "
               "constraints='center') + I(2 * x1 + 1000 * x2)")
    fit = gg.glm(formula, frame, safe=True)
    names = list(fit.params.index)
    assert fit.spec.safe and "C(g, Poly(scores=[1, 2, 4])).Linear" in names and "I(2 * x1 + 1000 * x2)" in names
    assert sum(name.startswith("te(") for name in names) == 3 * 3 - 1


@pytest.mark.parametrize("formula", [
    "y ~ (" + " + ".join(f"x{i}" for i in range(22)) + ") ** 22",
    "y ~ " + " * ".join(f"x{i}" for i in range(30)),
    "y ~ " + ":".join(f"(a{i} + b{i})" for i in range(30)),
    "y ~ x1 - (" + " + ".join(f"x{i}" for i in range(22)) + ") ** 22",
    "y ~ " + " + ".join(["x1"] * 40_000),
])
def test_formulas_expanding_to_millions_of_terms_are_refused_fast(formula):
    start = time.perf_counter()
    with pytest.raises(UnsafeFormulaError, match="terms|characters"):
        check_formula_size(formula)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("formula", ["y ~ (x1 + x2 + C(g)) ** 3", "y ~ x1 * x2 * C(g)", "y ~ C(g) / x1 - 1",
                                     "y ~ " + " + ".join(f"x{i}" for i in range(3000))])
def test_ordinary_formulas_pass_the_size_check(formula):
    check_formula_size(formula)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_safe_must_be_a_bool(frame, value):
    with pytest.raises(InvalidParameterError, match=f"safe={value!r}"):
        gg.glm("y ~ x1", frame, safe=value)


# --- command line ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("formula", "error", "needle"), [
    ("y ~ (x1 + x2 + g + w + x1:x2 + x1:g + x2:g + w:g + x1:w + x2:w + x1:x2:g)**12", UnsafeFormulaError, "terms"),
    ("y ~ C(" + " + ".join(["g"] * 2000) + ")", UnsafeFormulaError, "too large"),
    ("y ~ C(g, levels=open)", gg.FormulaError, "'open'"),
    ("y ~ C(np.where(x1 > 1, open, exec))", gg.FormulaError, "not a column"),
    ("y ~ bs(x1, df=10, degree=500)", gg.FormulaError, "degree=500"),
])
def test_safe_fits_refuse_expansions_builtins_and_transform_errors_fast(frame, formula, error, needle):
    """With safe=True the formula's size is checked before patsy expands it, names must be data columns
    (Python's builtins are not), and a transform refusing its arguments is a FormulaError, all at once."""
    start = time.perf_counter()
    with pytest.raises(error, match=needle):
        gg.glm(formula, frame, safe=True)
    assert time.perf_counter() - start < 2.0


def test_a_deep_response_check_does_not_recurse_without_safe(frame):
    """A very long (but legitimate) sum inside one term still fits without safe=True."""
    fit = gg.glm("y ~ I(" + " + ".join(["x1"] * 2000) + ")", frame)
    np.testing.assert_allclose(fit.params.iloc[1] * 2000, gg.glm("y ~ x1", frame).params["x1"], rtol=1e-10)


@pytest.mark.parametrize("command", ["fit", "report"])
def test_cli_refuses_unsafe_formulas_by_default(run_cli, csv, tmp_path, command):
    canary = tmp_path / "ran"
    extra = ["--n-boot", "0", "--no-learning-curve", "-o", str(tmp_path / "r.html")] if command == "report" else []
    code, out, err = run_cli(command, csv, "--formula", f"y ~ x1 + I({writes(canary)} + x2)", *extra)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glmgen: error: ") and "open" in lines[0], err
    assert "Traceback" not in err and not canary.exists()


def test_cli_refuses_an_unsafe_offset_expression(run_cli, csv, tmp_path):
    canary = tmp_path / "ran"
    code, _, err = run_cli("fit", csv, "--formula", "y ~ x1", "--offset", f"x2 * 0 + {writes(canary)}")
    assert code == 2 and "open" in err and not canary.exists()


def test_cli_opt_out_evaluates_the_formula(run_cli, csv, tmp_path):
    canary = tmp_path / "ran"
    code, out, err = run_cli("fit", csv, "--formula", f"y ~ x1 + I({writes(canary)} + x2)",
                         "--allow-unsafe-formula")
    assert code == 0, err
    assert canary.exists() and "Coefficients" in out


def test_cli_allows_the_allow_list_by_default(run_cli, csv):
    code, out, err = run_cli("fit", csv, "--formula", "y ~ np.log(x1) + C(g) + I(x2 ** 2)", "--weights", "w")
    assert code == 0, err
    assert "np.log(x1)" in out


def test_cli_help_documents_the_opt_out():
    for command in ("fit", "report"):
        text = build_parser()._subparsers._group_actions[0].choices[command].format_help()  # type: ignore[union-attr]
        assert "--allow-unsafe-formula" in text and "trust" in text
