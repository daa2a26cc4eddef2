"""Model files never run code, never exhaust memory or time, and never load wrong (issue 9).

Expressions that would run code create a canary file if evaluated; each test that refuses one asserts the
canary is absent, and ``test_the_canary_can_fail`` shows the same expression does create it when a formula
is evaluated without checks. Edits that keep the file consistent get a fresh checksum
(``restamp``) so that the consistency checks themselves are exercised, not only the checksum.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import model_file_refused as refuses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glmgen as gg
from glmgen.errors import (
    DataError,
    GlmgenError,
    InvalidParameterError,
    ModelFileError,
    UnsafeFormulaError,
)
from glmgen.formula import VariableSpec
from glmgen.formula.safety import check_expression_is_safe
from glmgen.results import GLMResult, model_file

GAUSSIAN = "y ~ C(g) + center(x) + bs(z, df=4)"


def make_frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.uniform(0.5, 3.0, n)
    g = np.array(["a", "b", "c", "d"])[np.arange(n) % 4]
    s = rng.integers(0, 6, n)
    return pd.DataFrame({
        "x": x, "z": z, "g": g, "e": rng.uniform(1.0, 3.0, n), "y": x + np.sin(z) + (g == "c") + rng.normal(size=n),
        "k": rng.poisson(np.exp(0.3 * x)), "s": s, "f": 6 - s,
    })


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    return make_frame(0, 160)


@pytest.fixture(scope="module")
def new() -> pd.DataFrame:
    frame = make_frame(1, 24)
    frame["z"] = frame["z"].clip(0.6, 2.9)  # inside the spline's boundary knots
    return frame


@pytest.fixture(scope="module")
def fits(train: pd.DataFrame) -> dict[str, GLMResult]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        return {
            "gaussian": gg.glm(GAUSSIAN, train),
            "binomial": gg.glm("cbind(s, f) ~ x + C(g)", train, family="binomial"),
            "poisson": gg.glm("k ~ x + C(g, Sum)", train, family="poisson", exposure="e"),
        }


def restamp(saved: dict[str, Any]) -> dict[str, Any]:
    """What a deliberate editor does: recompute the checksum after the edit."""
    saved["checksum"] = model_file.checksum(saved)
    return saved


def edited(fit: GLMResult, edit: Any) -> dict[str, Any]:
    saved = copy.deepcopy(fit.to_dict())
    edit(saved)
    return restamp(saved)


def writes(canary: Path) -> str:
    """An allowed-looking expression that creates ``canary`` if it is ever evaluated (and is 0)."""
    return f"len(open({str(canary)!r}, 'w').name) * 0"


def test_round_trip_predicts_identically(fits, new, tmp_path):
    for name, fit in fits.items():
        fit.save(tmp_path / f"{name}.json")
        loaded = gg.load(tmp_path / f"{name}.json")
        for kind in ("response", "link"):
            np.testing.assert_array_equal(loaded.predict(new, kind=kind).to_numpy(),
                                          fit.predict(new, kind=kind).to_numpy())
        assert loaded.spec.safe, "a loaded spec re-checks its expressions before evaluating them"


def test_a_saturated_fit_with_nan_scale_saves_and_loads(tmp_path):
    frame = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 3.0], "w": [1.0, 0.0, 2.0]})
    fit = gg.glm("y ~ x + w", frame)
    assert math.isnan(fit.scale)
    fit.save(tmp_path / "m.json")
    assert math.isnan(gg.load(tmp_path / "m.json").scale)


# --------------------------------------------------------------------------- code execution
def test_the_canary_can_fail(train, tmp_path):
    canary = tmp_path / "ran"
    gg.glm("k ~ x", train, family="poisson", offset=writes(canary))
    assert canary.exists()


@pytest.mark.parametrize("kind", ["x", "Expression", "expression ", "", "COLUMN", 1, None, ["expression"], True])
def test_the_reported_repro_is_refused_for_any_unknown_kind(fits, new, tmp_path, kind):
    canary = tmp_path / "ran"

    def edit(saved):
        saved["design"]["variables"].append({"role": "offset", "kind": kind, "source": writes(canary)})

    error = refuses(edited(fits["poisson"], edit), "design.variables[1].kind")
    assert "Traceback" not in str(error)
    assert not canary.exists()


@pytest.mark.parametrize(("variable", "field"), [
    ({"role": "offsets", "kind": "column", "source": "x"}, "design.variables[1].role"),
    ({"role": "offset", "kind": "column", "source": "x", "eval": True}, "design.variables[1].eval"),
    ({"role": "offset", "kind": "column"}, "design.variables[1].source"),
    ({"role": "exposure", "kind": "column", "source": "z"}, "design.variables[1].role"),  # a second exposure
    ({"role": "offset", "kind": "array", "source": "x"}, "design.variables[1].source"),
    ({"role": "offset", "kind": "column", "source": 3}, "design.variables[1].source"),
])
def test_variables_follow_a_closed_schema(fits, variable, field):
    refuses(edited(fits["poisson"], lambda saved: saved["design"]["variables"].append(variable)), field)


UNSAFE = {
    "canary": "{canary}",
    "dunder": "x.__class__",
    "dunder-name": "__import__('os')",
    "lambda": "(lambda v: v)(x)",
    "attribute": "np.linalg.inv(x)",
    "os-attribute": "os.system('true')",
    "comprehension": "np.log([v for v in x])",
    "walrus": "(v := x)",
    "f-string": "f'{{x}}'",
    "subscript": "x[0]",
    "starred": "np.log(*x)",
    "kwargs": "np.log(**x)",
    "out-keyword": "np.log(x, out=x)",
    "eval": "eval('x')",
    "q-not-literal": "Q(x)",
}


@pytest.mark.parametrize("payload", list(UNSAFE.values()), ids=list(UNSAFE))
@pytest.mark.parametrize("where", ["offset", "factor", "response"])
def test_unsafe_expressions_in_a_file_are_refused_unevaluated(fits, new, tmp_path, payload, where):
    canary = tmp_path / "ran"
    code = payload.format(canary=writes(canary))

    def edit(saved):
        design = saved["design"]
        if where == "offset":
            design["variables"][0] = {"role": "exposure", "kind": "expression", "source": code}
        elif where == "factor":
            design["design_info"]["factors"][1]["code"] = code
        else:
            design["response"]["expressions"] = [code]

    path = tmp_path / "model.json"
    path.write_text(json.dumps(edited(fits["poisson"], edit)))
    with pytest.raises(ModelFileError) as info:
        gg.load(path).predict(new)
    assert isinstance(info.value.__cause__, UnsafeFormulaError), "the unsafe reason is chained"
    assert isinstance(info.value, UnsafeFormulaError), "an unsafe file is both a damaged file and an unsafe formula"
    assert not canary.exists()


def test_a_loaded_spec_checks_again_right_before_evaluation(fits, new, tmp_path):
    """Defence in depth: a spec changed after loading is checked at build/transform, not only at load."""
    canary = tmp_path / "ran"
    fits["poisson"].save(tmp_path / "m.json")
    loaded = gg.load(tmp_path / "m.json")
    spec = dataclasses.replace(loaded.spec, variables=(VariableSpec("offset", "expression", writes(canary)),))
    with pytest.raises(UnsafeFormulaError, match="open"):
        spec.build(new)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        unsafe_design = gg.glm(f"k ~ x + I({writes(canary)} + x)", new, family="poisson").spec.design_info
    canary.unlink()
    spec = dataclasses.replace(loaded.spec, design_info=unsafe_design)
    with pytest.raises(UnsafeFormulaError, match="open"):
        spec.transform(new)
    assert not canary.exists()


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"role": "offset", "kind": "x", "source": "z"}, "kind='x'"),
    ({"role": "offsets", "kind": "column", "source": "z"}, "role='offsets'"),
    ({"role": "offset", "kind": "COLUMN", "source": "z"}, "kind='COLUMN'"),
    ({"role": "offset", "kind": "column"}, "source"),
])
def test_variable_spec_refuses_unknown_kinds_and_roles(kwargs, needle):
    with pytest.raises(InvalidParameterError, match=needle):
        VariableSpec(**kwargs)


# --------------------------------------------------------------------------- memory and time bombs
def _knots(saved: dict[str, Any]) -> dict[str, Any]:
    factor = next(f for f in saved["design"]["design_info"]["factors"] if f["code"].startswith("bs("))
    return next(iter(factor["transforms"].values()))["attrs"]["_all_knots"]


@pytest.mark.parametrize(("change", "field"), [
    ({"dtype": "(12000,12000)f8"}, "_all_knots.dtype"),
    ({"dtype": "|O"}, "_all_knots.dtype"),
    ({"dtype": "<U5"}, "_all_knots.dtype"),
    ({"dtype": "V8"}, "_all_knots.dtype"),
    ({"dtype": ">f8"}, "_all_knots.dtype"),
    ({"shape": [10**9, 10**9]}, "_all_knots.shape"),
    ({"shape": [10**9]}, "_all_knots.shape"),
    ({"shape": [-8]}, "_all_knots.shape[0]"),
    ({"shape": [8.0]}, "_all_knots.shape[0]"),
    ({"shape": [2, 2, 2]}, "_all_knots.shape"),
    ({"shape": [3]}, "_all_knots.shape"),
    ({"__ndarray__": ["1"] * 9}, "_all_knots.__ndarray__[0]"),  # bs(df=4) has 9 knots
])
def test_array_bombs_are_refused_before_allocation(fits, change, field):
    saved = edited(fits["gaussian"], lambda s: _knots(s).update(change))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        refuses(saved, field)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB allocated"


BOMBS = {
    "power-tower": "I(10 ** 10 ** 8 + x)",
    "text-repeat": "I('a' * 10 ** 10)",
    "list-repeat": "I([0] * 10 ** 9)",
    "shift": "I(1 << 10 ** 9)",
    "huge-product": "I(10 ** 18 * 10 ** 18 + x)",
    "long-sum": "I(" + " + ".join(["x"] * 200_000) + ")",
    "deep-parens": "I(" + "(" * 100_000 + "x" + ")" * 100_000 + ")",
    "deep-unary": "I(" + "-" * 19_000 + "x)",
    "deep-calls": "np.abs(" * 200 + "x" + ")" * 200,
    "spline-df": "bs(x, df=10 ** 9)",
    "spline-degree": "bs(x, 4, None, 10 ** 6)",
}


@pytest.mark.parametrize("code", list(BOMBS.values()), ids=list(BOMBS))
def test_expression_bombs_are_refused_fast(code):
    start = time.perf_counter()
    with pytest.raises(UnsafeFormulaError):
        check_expression_is_safe(code)
    assert time.perf_counter() - start < 0.5


def test_an_expression_bomb_in_a_file_is_refused(fits):
    def edit(saved):
        saved["design"]["design_info"]["factors"][1]["code"] = BOMBS["power-tower"]

    start = time.perf_counter()
    refuses(edited(fits["poisson"], edit), "design.design_info.factors[1].code", "64")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("code", [
    "C(g)", "C(g, Treatment)", "C(g, Treatment('b'))", "C(g, Treatment(reference='b'))", "C(g, Sum)",
    "C(g, Poly)", "C(g, Treatment, levels=['a', 'b'])", "C(g, levels=levels)", "C(g, [[1, 0], [0, 1]])",
    "bs(x, df=4, degree=3, include_intercept=True)", "bs(x, knots=[0.5, 1.0], lower_bound=0, upper_bound=4)",
    "cr(x, df=5)", "cc(x, df=5, constraints='center')", "te(cr(x, df=3), cc(z, df=4))", "center(x)",
    "standardize(x, rescale=False)", "np.clip(x, 0, 1)", "np.clip(x, a_min=0, a_max=1)", "np.round(x, 2)",
    "np.round(x, decimals=2)", "I(x ** 2)", "I(x ** 0.5)", "I(x ** -1)", "I(2 ** 10 * x)", "I(1e300 * x)",
    "Q('my column')", "np.where(x > 0, x, 0)", "np.log(x + 1)", "I((x > 0) & (z < 1))", "I(x == 'a')",
])
def test_legitimate_formula_terms_pass(code):
    check_expression_is_safe(code)


@pytest.mark.parametrize(("code", "needle"), [
    ("bs(x, df=4, extra=1)", "'extra'"),
    ("C(g, os.system)", "contrast"),
    ("C(g, levels=range(3))", "levels="),
    ("Q('a', 'b')", "2 positional"),
    ("np.log(x, y)", "2 positional"),
    ("center(x, y)", "2 positional"),
    ("I(b'a' + x)", "b'a'"),
])
def test_arguments_outside_the_signatures_are_refused(code, needle):
    with pytest.raises(UnsafeFormulaError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        check_expression_is_safe(code)


# --------------------------------------------------------------------------- consistency
def _factor(saved: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in saved["design"]["design_info"]["factors"] if f["code"] == code)


def _contrast(saved: dict[str, Any], code: str) -> dict[str, Any]:
    for term in saved["design"]["design_info"]["terms"]:
        for subterm in term["subterms"]:
            if code in subterm["contrasts"]:
                return subterm["contrasts"][code]
    raise AssertionError(code)


def _swap_first_names(saved):
    names = saved["params"]["names"]
    names[1], names[2] = names[2], names[1]


def _set(path: str, value: Any):
    def apply(saved):
        *keys, last = path.split(".")
        target = saved
        for key in keys:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value
    return apply


SILENT = {  # edits that a consistent-looking file could hide; each loaded before and predicted wrong or crashed
    "reversed-param-names": (lambda s: s["params"]["names"].reverse(), "params.names"),
    "swapped-param-names": (_swap_first_names, "params.names"),
    "nan-coefficient-not-aliased": (_set("params.values.1", None), "params.values[1]"),
    "aliased-but-given": (lambda s: s["params"]["aliased"].append("center(x)"), "params.values[4]"),
    "reordered-levels": (lambda s: _factor(s, "C(g)")["categories"].reverse(), "contrasts.C(g)"),
    "renamed-level": (lambda s: _factor(s, "C(g)")["categories"].__setitem__(2, "zz"), "contrasts.C(g)"),
    "text-in-indicator": (lambda s: _contrast(s, "C(g)")["indicator"].__setitem__(1, "0"), "indicator[1]"),
    "object-dtype-constant": (lambda s: next(iter(_factor(s, "center(x)")["transforms"].values()))["attrs"]["_sum"]
                              .update(dtype="|O"), "_sum.dtype"),
    "edited-contrast": (lambda s: _contrast(s, "C(g)")["indicator"].reverse(), "contrasts.C(g)"),
    "contrast-rows": (lambda s: _contrast(s, "C(g)")["indicator"].pop(), "contrasts.C(g).indicator"),
    "levels-twice": (lambda s: _factor(s, "C(g)")["categories"].__setitem__(1, "a"), "categories"),
    "spline-columns": (lambda s: _factor(s, "bs(z, df=4)").update(num_columns=5), "num_columns"),
    "swapped-column-names": (lambda s: s["design"]["design_info"]["column_names"].reverse(), "column_names"),
    "cov-shape": (lambda s: s["cov_unscaled"].update(size=s["cov_unscaled"]["size"] - 1), "cov_unscaled.size"),
    "cov-truncated": (lambda s: s["cov_unscaled"].update(upper_float64_base64=s["cov_unscaled"][
        "upper_float64_base64"][:-4]), "cov_unscaled.upper_float64_base64"),
    "nan-statistic": (_set("statistics.deviance", None), "statistics.deviance"),
    "negative-count": (_set("statistics.n_iter", -1), "statistics.n_iter"),
    "transform-class": (lambda s: next(iter(_factor(s, "center(x)")["transforms"].values())).update(
        {"class": "patsy.state.Standardize"}), "factors[1].transforms"),
    "transform-attribute": (lambda s: next(iter(_factor(s, "center(x)")["transforms"].values()))["attrs"].update(
        _sum=1.5), "_sum"),
    "unknown-factor-in-term": (lambda s: s["design"]["design_info"]["terms"][1]["factors"].append("z"), "terms[1]"),
    "rhs-terms": (_set("design.rhs", "C(g) + x"), "design.rhs"),
    "cbind-flag": (_set("design.response.is_cbind", True), "design.response.expressions"),
    "link-for-family": (_set("link", "logit"), "link"),
    "l1-ratio": (_set("penalty.l1_ratio", 2.0), "penalty.l1_ratio"),
    "penalty-factor-name": (_set("penalty.penalty_factor", {"nope": 1.0}), "penalty.penalty_factor.nope"),
}


@pytest.mark.parametrize("case", list(SILENT.values()), ids=list(SILENT))
def test_inconsistent_files_are_refused_naming_the_field(fits, case):
    edit, field = case
    refuses(edited(fits["gaussian"], edit), field)


def test_any_edit_without_a_new_checksum_is_refused(fits):
    saved = copy.deepcopy(fits["gaussian"].to_dict())
    saved["params"]["values"][1] += 0.5
    refuses(saved, "'checksum'")


def test_a_consistent_deliberate_edit_loads(fits, new):
    """Not guaranteed: the file is not signed; a consistent edit (here one coefficient) loads and is used."""
    saved = copy.deepcopy(fits["gaussian"].to_dict())
    saved["params"]["values"][0] += 1.0
    loaded = GLMResult.from_dict(restamp(saved))
    np.testing.assert_allclose(loaded.predict(new).to_numpy(), fits["gaussian"].predict(new).to_numpy() + 1.0,
                               rtol=1e-12)


# --------------------------------------------------------------------------- damaged and foreign files
@pytest.mark.parametrize(("content", "needle"), [
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "got a list"),
    ('{"a": 1}', "not a glmgen model file"),
    ("x,y\n1,2\n", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ('{"format": "glmgen-model", "schema_version": NaN}', "not valid JSON"),
    ('{"format": "glmgen-model", "schema_version": ' + "9" * 5000 + "}", "not valid JSON"),
])
def test_damaged_or_foreign_files_raise_model_file_error(tmp_path, content, needle):
    path = tmp_path / "model.csv"
    path.write_text(content)
    with pytest.raises(ModelFileError, match=needle):
        gg.load(path)


def test_truncated_binary_missing_and_directory(fits, tmp_path):
    fits["poisson"].save(tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text()
    for cut in (len(text) // 3, len(text) // 2, len(text) - 2):
        (tmp_path / "cut.json").write_text(text[:cut])
        with pytest.raises(ModelFileError, match="not valid JSON"):
            gg.load(tmp_path / "cut.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x81")
    for path in (tmp_path / "bin.json", tmp_path / "nosuch.json", tmp_path):
        with pytest.raises(ModelFileError):
            gg.load(path)


def test_oversized_files_are_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_FILE_BYTES", 1000)
    (tmp_path / "big.json").write_text("[" + "0, " * 1000 + "0]")
    with pytest.raises(ModelFileError, match="larger than"):
        gg.load(tmp_path / "big.json")


@pytest.mark.parametrize("version", [1, 6, "5", True, None])
def test_other_schema_versions_are_refused(fits, version):
    refuses(edited(fits["poisson"], _set("schema_version", version)), "schema_version")


# --------------------------------------------------------------------------- new data for a fit
def test_evaluate_refuses_impossible_responses(fits, new):
    rows = new.copy()
    rows.loc[rows.index[5], "k"] = -3
    with pytest.raises(DataError, match=r"'poisson'.*row 5, y=-3"):
        fits["poisson"].evaluate(rows)
    rows = new.copy()
    rows.loc[rows.index[2], ["s", "f"]] = [-1, 7]
    with pytest.raises(DataError, match="cbind"):
        fits["binomial"].evaluate(rows)
    binary = gg.glm("b ~ x", new.assign(b=(new["x"] > 0.5).astype(float) * (new["z"] > 1)), family="binomial")
    with pytest.raises(DataError, match=r"'binomial'.*row 4, y=5"):
        binary.evaluate(new.assign(b=np.where(np.arange(len(new)) == 4, 5.0, 0.0)))


def test_arrays_of_the_wrong_length_name_both_lengths(fits, new):
    with pytest.raises(DataError, match=r"offset has \(3,\) values but data has 24 rows"):
        fits["poisson"].predict(new, offset=np.zeros(3))
    with pytest.raises(DataError, match="offset must be finite"):
        fits["poisson"].predict(new, offset=np.full(len(new), np.inf))
    array_fit = gg.glm("y ~ x", new, weights=np.ones(len(new)), offset=np.zeros(len(new)))
    for kwargs in ({"weights": np.ones(5), "offset": np.zeros(24)}, {"weights": np.ones(24), "offset": np.zeros(30)}):
        with pytest.raises(DataError, match=r"\((5|30),\) values but data has 24 rows"):
            array_fit.evaluate(new, **kwargs)


def test_a_missing_exposure_column_is_a_named_error(fits, new):
    """Found by the fuzz test: a file whose exposure column was renamed, or new data without it."""
    with pytest.raises(gg.FormulaError, match="'e'"):
        fits["poisson"].predict(new.drop(columns="e"))


@pytest.mark.parametrize("level", [1.5, 95, 0.0, 1.0, "95%", float("nan"), True])
def test_conf_int_level_is_checked(fits, level):
    with pytest.raises(InvalidParameterError, match="level="):
        fits["gaussian"].conf_int(level)


# --------------------------------------------------------------------------- fuzz
DTYPES = ["<f8", "<i8", "|b1", "longdouble", "|O", "(4000,4000)f8", "<U3", ">f8", "V8", "f8"]
DANGEROUS = ["__import__('os')", "x.__class__", "I(10 ** 10 ** 8)", "Treatment", "C(g)", "x", "Intercept",
             "expression", "array", "column", "categorical", "numerical", "patsy.state.Center", "<f8"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4) | st.sampled_from(DANGEROUS + DTYPES),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=4,
)
#: where a consistent edit may legitimately change predictions (the file is not signed): coefficients,
#: learned transform constants, level names (an unknown level then raises UnseenLevelError on new data),
#: which columns are the weights, offset or exposure (deleting the exposure is a valid model without one)
FREE = re.compile(r"params\.values|design\.variables|design\.design_info\.factors\.\d+\.(transforms|categories)")


def _locations(tree: Any, path: str = "") -> list[tuple[Any, Any, str]]:
    found, stack = [], [(tree, path)]
    while stack:
        node, where = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in children:
            location = f"{where}.{key}" if where else str(key)
            found.append((node, key, location))
            stack.append((child, location))
    return found


def _mutate(data: st.DataObject, saved: dict[str, Any], canary: Path) -> str:
    """Apply one random edit to ``saved`` in place; return the path it touched."""
    parent, key, location = data.draw(st.sampled_from(sorted(_locations(saved), key=lambda t: t[2])))
    value = parent[key]
    options = ["replace", "delete", "add"] + (["number"] if isinstance(value, (int, float)) else []) \
        + (["swap", "truncate"] if isinstance(value, list) and value else []) \
        + (["string"] if isinstance(value, str) else []) \
        + (["dtype", "shape"] if isinstance(value, dict) and "__ndarray__" in value else [])
    operation = data.draw(st.sampled_from(options))
    if operation == "replace":
        parent[key] = data.draw(JSON.filter(lambda v: type(v) is not type(value)) | st.just(writes(canary)))
    elif operation == "delete":
        del parent[key]
    elif operation == "add":
        if isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=4))] = data.draw(JSON)
        else:
            parent.insert(key, data.draw(JSON))
    elif operation == "number":
        step = data.draw(st.sampled_from([1, -1, 2**40, 0.5, -10**9]))
        parent[key] = value + step if not isinstance(value, bool) else not value
    elif operation == "swap":
        i, j = data.draw(st.integers(0, len(value) - 1)), data.draw(st.integers(0, len(value) - 1))
        value[i], value[j] = value[j], value[i]
    elif operation == "truncate":
        del value[data.draw(st.integers(0, len(value) - 1)):]
    elif operation == "string":
        parent[key] = data.draw(st.sampled_from([value + "x", value[::-1], value.upper(), writes(canary)] + DANGEROUS))
    elif operation == "dtype":
        value["dtype"] = data.draw(st.sampled_from(DTYPES))
    else:
        value["shape"] = data.draw(st.lists(st.integers(-2, 10**9), max_size=3))
    return location


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "ran"


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_files_load_identically_or_raise_model_file_error(fits, new, canary, data):
    name = data.draw(st.sampled_from(sorted(fits)))
    original = fits[name]
    saved = copy.deepcopy(original.to_dict())
    touched = [_mutate(data, saved, canary) for _ in range(data.draw(st.integers(1, 3)))]
    consistent_edit = data.draw(st.booleans())
    if consistent_edit and isinstance(saved, dict):
        restamp(saved)
    try:
        loaded = GLMResult.from_dict(json.loads(json.dumps(saved)))
    except ModelFileError:
        loaded = None
    assert not canary.exists(), f"code from the file ran after edits at {touched}"
    if loaded is None:
        return
    assert consistent_edit or saved == original.to_dict(), f"edits at {touched} loaded without a new checksum"
    try:
        predicted = loaded.predict(new).to_numpy()
    except GlmgenError:  # e.g. a renamed level, unknown in the new data
        assert any(FREE.match(t) for t in touched), touched
        return
    finally:
        assert not canary.exists(), f"code from the file ran after edits at {touched}"
    if not any(FREE.match(t) for t in touched):
        np.testing.assert_array_equal(predicted, original.predict(new).to_numpy(), err_msg=f"edits at {touched}")


@pytest.mark.parametrize("where", ["statistics.deviance", "design.design_info.factors.0.categories.0", "warnings"])
def test_deeply_nested_values_raise_model_file_error(fits, tmp_path, where):
    tuples = where.endswith("categories.0")
    deep: Any = 1
    for _ in range(300 if tuples else 900):  # as deep as json.dumps can write
        deep = {"__tuple__": [deep]} if tuples else [deep]
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(edited(fits["gaussian"], _set(where, deep))))
    with pytest.raises(ModelFileError):
        gg.load(path)


# --- issue 9 follow-up: state patsy could not have learned, expansion and repetition bombs, names ---------

SPLINES = "y ~ standardize(x) + center(x) + bs(z, df=4) + cr(z, df=4, constraints=None) + cc(x, df=5, constraints=None)"


@pytest.fixture(scope="module")
def splines(train: pd.DataFrame) -> GLMResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)  # cr() and cc() without constraints alias the intercept
        return gg.glm(SPLINES, train)


def _state(saved: dict[str, Any], code: str) -> dict[str, Any]:
    factor = next(f for f in saved["design"]["design_info"]["factors"] if f["code"] == code)
    return next(iter(factor["transforms"].values()))["attrs"]


def _floats(values: list[float]) -> dict[str, Any]:
    return {"__ndarray__": values, "dtype": "<f8", "shape": [len(values)]}


BAD_STATE = {  # (factor, attribute, value, needle): each loaded silently or failed only at predict before
    "center-no-rows": ("center(x)", "_count", 0, "_count"),
    "center-two-means": ("center(x)", "_sum", _floats([1.0, 2.0]), "num_columns 1"),
    "standardize-no-rows": ("standardize(x)", "current_n", 0, "current_n >= 1"),
    "standardize-negative-M2": ("standardize(x)", "current_M2", _floats([-5.0]), "current_M2 >= 0"),
    "bs-unsorted-knots": ("bs(z, df=4)", "_all_knots", _floats([3.0, 3, 3, 3, 2, 1, 1, 1, 1]), "non-decreasing"),
    "bs-degree-vs-columns": ("bs(z, df=4)", "_degree", 0, "num_columns 4"),
    "bs-3000-bases": ("bs(z, df=4)", "_all_knots", _floats(np.linspace(0.5, 3, 3004).tolist()), "at most 1000"),
    "cr-unsorted-knots": ("cr(z, df=4, constraints=None)", "_all_knots", _floats([2.0, 1.0, 3.0, 0.5]), "increasing"),
    "cr-equal-knots": ("cr(z, df=4, constraints=None)", "_all_knots", _floats([1.0, 1.0, 1.0, 1.0]), "increasing"),
    "cr-3000-knots": ("cr(z, df=4, constraints=None)", "_all_knots", _floats(np.linspace(0.5, 3, 3000).tolist()), "at most 1000"),
    "cr-constraints-shape": ("cr(z, df=4, constraints=None)", "_constraints",
                             {"__ndarray__": [1.0] * 5, "dtype": "<f8", "shape": [1, 5]}, "_constraints.shape"),
    "cc-constraints-columns": ("cc(x, df=5, constraints=None)", "_constraints",
                               {"__ndarray__": [1.0] * 10, "dtype": "<f8", "shape": [2, 5]}, "num_columns"),
}


@pytest.mark.parametrize("case", list(BAD_STATE.values()), ids=list(BAD_STATE))
def test_transform_state_patsy_could_not_have_learned_is_refused(splines, case):
    code, attr, value, needle = case
    start = time.perf_counter()
    refuses(edited(splines, lambda saved: _state(saved, code).__setitem__(attr, value)), "transforms", needle)
    assert time.perf_counter() - start < 1.0


def test_spline_transforms_round_trip_with_the_state_checks(splines, new, tmp_path):
    splines.save(tmp_path / "splines.json")
    np.testing.assert_array_equal(gg.load(tmp_path / "splines.json").predict(new), splines.predict(new))


def test_a_rhs_that_expands_to_millions_of_terms_is_refused_fast(fits):
    def edit(saved):
        saved["design"]["rhs"] = "(" + " + ".join(f"x{i}" for i in range(22)) + ") ** 22"

    start = time.perf_counter()
    refuses(edited(fits["gaussian"], edit), "design.rhs")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(("name", "edit", "field"), [
    ("gaussian", lambda s: s.__setitem__("family", "poisson"), "statistics.scale"),
    ("gaussian", lambda s: s["design"]["response"].update(expressions=["s", "f"], is_cbind=True), "is_cbind"),
    ("gaussian", lambda s: s["statistics"].__setitem__("nobs", 0), "statistics.nobs"),
])
def test_statistics_that_contradict_the_family_are_refused(fits, name, edit, field):
    refuses(edited(fits[name], edit), field)


def test_a_contrast_shape_is_checked_before_coding_many_levels(fits):
    """5000 levels and a 5000 x 1 'Treatment' matrix: coding them first would allocate 2 x 200 MB."""
    levels = [f"l{i}" for i in range(5000)]

    def edit(saved):
        info = saved["design"]["design_info"]
        next(f for f in info["factors"] if f["code"] == "C(g)")["categories"] = levels
        term = next(t for t in info["terms"] if t["factors"] == ["C(g)"])
        term["subterms"][0]["contrasts"]["C(g)"] = {  # the matrix form: version 4 writes indicator lists
            "matrix": {"__ndarray__": [0.0] * 5000, "dtype": "<f8", "shape": [5000, 1]}, "suffixes": ["[T.l1]"]}

    saved = edited(fits["binomial"], edit)
    tracemalloc.start()
    try:
        refuses(saved, "matrix.shape")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


def _renamed(saved: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The factor code ``old`` replaced by ``new`` where a JSON text starts with it (codes, contrast keys,
    term factors, column and coefficient names)."""
    renamed = json.loads(json.dumps(saved).replace(json.dumps(old)[:-1], json.dumps(new)[:-1]))
    renamed["design"]["rhs"] = saved["design"]["rhs"].replace(old, new)
    return restamp(renamed)


@pytest.mark.parametrize(("old", "code"), [
    ("C(g)", "C(g, levels=open)"),
    ("x", "np.log(np.where(x > 0, open, exec))"),
    ("x", "np.log(Q('__builtins__'))"),
])
def test_a_loaded_model_sees_only_data_columns_not_builtins(fits, new, old, code):
    saved = _renamed(copy.deepcopy(fits["binomial"].to_dict()), old, code)
    model = GLMResult.from_dict(saved)
    with pytest.raises(gg.FormulaError, match="not a column of the data"):
        model.predict(new)


def test_text_repetition_in_a_file_is_refused_before_evaluation(fits, new):
    def bomb(saved):
        saved["design"]["variables"][0].update(kind="expression", source="g * 100000000")

    refuses(edited(fits["poisson"], bomb), "design.variables[0].source", "times longer")

    def repeat(saved):
        saved["design"]["variables"][0].update(kind="expression", source="np.log(e) + 0 * (g * 100)")

    model = GLMResult.from_dict(edited(fits["poisson"], repeat))
    with pytest.raises(UnsafeFormulaError, match="text column 'g'"):
        model.predict(new)
