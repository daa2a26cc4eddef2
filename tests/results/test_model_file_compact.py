"""Model files of schema version 4 (issue 11): compact contrasts and covariance, older versions still load.

A contrast that codes levels by indicators is saved as the column of each level's 1 (``indicator``) instead of
a levels x columns matrix, and ``cov_unscaled`` as the base64 of the little-endian float64 upper triangle. The
references are the original fits, never a loaded model compared with itself; the expected indicator lists are
written out by hand from patsy's documented codings (treatment drops the reference level, a full-rank coding
gives every level its column). Tampering tests edit one field and recompute the checksum, as a deliberate
editor would, so that the field's own checks are exercised. ``data/model_v3.json`` was written by the previous
release (commit 7c28d59, schema version 3) with ``gg.glm(V3_FORMULA, small_frame()).save(...)``.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import model_file_refused as refuses

import glmgen as gg
from glmgen.errors import ModelFileError
from glmgen.formula import schema, state
from glmgen.results import GLMResult, model_file

DATA = Path(__file__).resolve().parent / "data"
V3_FORMULA = "y ~ C(g, levels=['a', 'b', 'c', 'd', 'e']) * x + C(h, Sum)"
ALIASED_G = "C(g, levels=['a', 'b', 'c', 'd', 'e'])"
FORMULAS = {  # name: (formula, family, {factor code: the indicator list expected for its first contrast})
    "treatment": ("k ~ C(g) + x", "poisson", {"C(g)": [-1, 0, 1, 2]}),
    "full_rank": ("y ~ 0 + C(g) + x", "gaussian", {"C(g)": [0, 1, 2, 3]}),
    "sum": ("y ~ C(g, Sum) + x", "gaussian", {}),
    "interaction": ("y ~ C(g):x + C(h, Treatment('v'))", "gaussian",
                    {"C(g)": [0, 1, 2, 3], "C(h, Treatment('v'))": [0, -1, 1]}),
    "aliased": (V3_FORMULA, "gaussian", {ALIASED_G: [-1, 0, 1, 2, 3]}),
}


def small_frame(n: int = 80, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.array(["a", "b", "c", "d"])[np.arange(n) % 4]
    h = np.array(["u", "v", "w"])[rng.integers(0, 3, n)]
    x = rng.normal(size=n)
    y = x + (g == "b") - 0.5 * (h == "w") + 0.3 * x * (g == "c") + rng.normal(size=n)
    k = rng.poisson(np.exp(0.3 * x + 0.2 * (g == "d")))
    return pd.DataFrame({"y": y, "k": k, "x": x, "g": g, "h": h})


def fit_quietly(formula: str, data: pd.DataFrame, family: str = "gaussian") -> GLMResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)  # the aliased level 'e' warns
        return gg.glm(formula, data, family=family)


@pytest.fixture(scope="module")
def fits() -> dict[str, GLMResult]:
    frame = small_frame()
    return {name: fit_quietly(formula, frame, family) for name, (formula, family, _) in FORMULAS.items()}


@pytest.fixture(scope="module")
def new() -> pd.DataFrame:
    return small_frame(24, seed=12)


def restamp(saved: dict[str, Any]) -> dict[str, Any]:
    saved["checksum"] = model_file.checksum(saved)
    return saved


def contrasts(saved: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every saved contrast, as (factor code, contrast), in the file's order."""
    return [(code, contrast) for term in saved["design"]["design_info"]["terms"] for subterm in term["subterms"]
            for code, contrast in subterm["contrasts"].items()]


def upper_triangle(saved: dict[str, Any]) -> tuple[np.ndarray, int]:
    """The documented format, decoded here with NumPy: little-endian float64 upper triangle, row by row."""
    packed = saved["cov_unscaled"]
    return np.frombuffer(base64.b64decode(packed["upper_float64_base64"]), dtype="<f8"), packed["size"]


def full_covariance(saved: dict[str, Any]) -> np.ndarray:
    upper, size = upper_triangle(saved)
    matrix = np.zeros((size, size))
    matrix[np.triu_indices(size)] = upper
    return np.where(np.triu(np.ones((size, size), dtype=bool)), matrix, matrix.T)


def with_covariance(saved: dict[str, Any], matrix: np.ndarray) -> dict[str, Any]:
    """``saved`` with ``cov_unscaled`` written (in the documented format) from ``matrix``, checksum recomputed."""
    upper = matrix[np.triu_indices(len(matrix))].astype("<f8")
    saved["cov_unscaled"] = {"upper_float64_base64": base64.b64encode(upper.tobytes()).decode("ascii"),
                             "size": len(matrix)}
    return restamp(saved)


def as_version(saved: dict[str, Any], version: int) -> dict[str, Any]:
    """A version 2 or 3 document with the content of a version 5 one: every contrast as a matrix, the covariance
    as rows of numbers with ``null`` for NaN, and (version 2) no ``edf``."""
    old = copy.deepcopy(saved)
    for _, contrast in contrasts(old):
        if "indicator" in contrast:
            columns = contrast.pop("indicator")
            matrix = np.zeros((len(columns), len(contrast["suffixes"])))
            for level, column in enumerate(columns):
                if column >= 0:
                    matrix[level, column] = 1.0
            contrast["matrix"] = {"__ndarray__": matrix.ravel().tolist(), "dtype": "<f8", "shape": list(matrix.shape)}
    if old["cov_unscaled"] is not None:
        old["cov_unscaled"] = [[None if math.isnan(v) else float(v) for v in row] for row in full_covariance(saved)]
    old["schema_version"] = version
    del old["covariance"], old["family_parameters"]  # version 5's fields
    if version == 2:
        del old["statistics"]["edf"]
    return restamp(old)


def assert_same_model(loaded: GLMResult, fit: GLMResult, new: pd.DataFrame) -> None:
    """Coefficients, standard errors and predictions bit for bit (NaN where the fit has NaN); the covariance to
    1e-15: the file keeps its upper triangle, and the solver's matrix is symmetric only to rounding."""
    np.testing.assert_array_equal(loaded.params.to_numpy(), fit.params.to_numpy())
    assert list(loaded.params.index) == list(fit.params.index)
    np.testing.assert_allclose(loaded.cov_params().to_numpy(), fit.cov_params().to_numpy(), rtol=1e-15, atol=0)
    np.testing.assert_array_equal(loaded.bse.to_numpy(), fit.bse.to_numpy())
    for kind in ("response", "link"):
        np.testing.assert_array_equal(loaded.predict(new, kind=kind).to_numpy(), fit.predict(new, kind=kind).to_numpy())


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", list(FORMULAS))
def test_round_trip_equals_the_original_fit(fits, new, tmp_path, name):
    fit = fits[name]
    fit.save(tmp_path / "m.json")
    assert_same_model(gg.load(tmp_path / "m.json"), fit, new)


@pytest.mark.parametrize("name", list(FORMULAS))
def test_indicator_codings_are_saved_as_columns_and_others_as_matrices(fits, name):
    saved = fits[name].to_dict()
    assert saved["schema_version"] == 5
    expected = FORMULAS[name][2]
    seen = set()
    for code, contrast in contrasts(saved):
        if code in expected:
            assert contrast["indicator"] == expected[code], code
            assert "matrix" not in contrast
            seen.add(code)
        else:  # Sum coding has -1 entries: not an indicator coding
            assert "matrix" in contrast and "indicator" not in contrast, code
    assert seen == set(expected)


@pytest.mark.parametrize("name", ["treatment", "aliased"])
def test_the_covariance_is_the_upper_triangle_of_the_fits(fits, name):
    fit = fits[name]
    upper, size = upper_triangle(fit.to_dict())
    assert size == len(fit.params)
    np.testing.assert_array_equal(upper, fit.cov_unscaled[np.triu_indices(size)])
    assert np.isnan(upper).any() == (name == "aliased")


# --------------------------------------------------------------------------- older versions
def test_a_version_3_file_of_the_previous_release_loads(new):
    """The reference is a fit of the same data with this release (the solver path changed: to 1e-9)."""
    loaded = gg.load(DATA / "model_v3.json")
    fit = fit_quietly(V3_FORMULA, small_frame())
    np.testing.assert_allclose(loaded.params.to_numpy(), fit.params.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(loaded.bse.to_numpy(), fit.bse.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(loaded.cov_params().to_numpy(), fit.cov_params().to_numpy(), rtol=1e-9, atol=1e-12)
    assert loaded.edf == fit.edf
    np.testing.assert_allclose(loaded.predict(new).to_numpy(), fit.predict(new).to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("version", [2, 3])
def test_older_versions_with_the_same_content_load_identically(fits, new, version):
    """Version 2 had no ``edf``; its AIC counted ``df_model``, which the load keeps."""
    fit = fits["aliased"]
    loaded = GLMResult.from_dict(as_version(fit.to_dict(), version))
    assert_same_model(loaded, fit, new)
    assert loaded.edf == fit.df_model
    assert loaded.aic == pytest.approx(fit.aic, rel=1e-15)


def test_a_version_2_file_has_exactly_version_2s_fields(fits):
    saved = as_version(fits["aliased"].to_dict(), 3)
    saved["schema_version"] = 2  # but with the edf statistic of version 3
    refuses(restamp(saved), "'statistics.edf'")


def test_older_versions_refuse_the_compact_forms(fits):
    saved = fits["aliased"].to_dict()
    old = as_version(saved, 3)
    old["cov_unscaled"] = saved["cov_unscaled"]
    refuses(restamp(old), "'cov_unscaled'", "expected a list")
    old = as_version(saved, 3)
    contrasts(old)[0][1].clear()
    contrasts(old)[0][1].update(contrasts(saved)[0][1])
    refuses(restamp(old), "contrasts.C(g, levels=['a', 'b', 'c', 'd', 'e']).matrix", "is missing")


# --------------------------------------------------------------------------- tampering
def _indicator(saved: dict[str, Any]) -> list[int]:
    return next(contrast for code, contrast in contrasts(saved) if code == "C(g)")["indicator"]


INDICATOR_EDITS = {  # the treatment fit's C(g) is [-1, 0, 1, 2]; (indicator, field after "contrasts.C(g)", needle)
    "duplicate-column": ([-1, 0, 0, 2], ".indicator", "gives column 0 to 2 levels"),
    "out-of-range": ([-1, 0, 1, 3], ".indicator[3]", "from 0 to 2"),
    "below-minus-one": ([-2, 0, 1, 2], ".indicator[0]", "from -1"),
    "short": ([-1, 0, 1], ".indicator", "3 entries for 4 levels"),
    "long": ([-1, 0, 1, 2, -1], ".indicator", "5 entries for 4 levels"),
    "not-a-whole-number": ([-1, 0, 1.5, 2], ".indicator[2]", "whole number"),
    "other-reference": ([0, -1, 1, 2], "", "not the contrast"),
    "swapped-levels": ([-1, 1, 0, 2], "", "not the contrast"),
    "full-rank-with-treatment-suffixes": ([0, 1, 2, 3], ".indicator[3]", "from 0 to 2"),
}


@pytest.mark.parametrize("case", list(INDICATOR_EDITS.values()), ids=list(INDICATOR_EDITS))
def test_edited_indicator_lists_are_refused_naming_the_field(fits, case):
    indicator, field, needle = case
    saved = copy.deepcopy(fits["treatment"].to_dict())
    _indicator(saved)[:] = indicator
    refuses(restamp(saved), f"'design.design_info.terms[1].subterms[0].contrasts.C(g){field}'", needle)


def test_edited_suffixes_of_an_indicator_coding_are_refused(fits):
    saved = copy.deepcopy(fits["full_rank"].to_dict())
    contrasts(saved)[0][1]["suffixes"][1] = "[c]"
    refuses(restamp(saved), "contrasts.C(g)")


def test_an_edited_sum_matrix_is_refused(fits):
    saved = copy.deepcopy(fits["sum"].to_dict())
    contrasts(saved)[0][1]["matrix"]["__ndarray__"][0] = 0.5
    refuses(restamp(saved), "contrasts.C(g, Sum)", "not the contrast")


def _cov_edit(i: int, j: int, value: float):
    def edit(saved: dict[str, Any]) -> dict[str, Any]:
        matrix = full_covariance(saved)
        matrix[i, j] = matrix[j, i] = value
        return with_covariance(saved, matrix)
    return edit


def _text_edit(change):
    def edit(saved: dict[str, Any]) -> dict[str, Any]:
        saved["cov_unscaled"]["upper_float64_base64"] = change(saved["cov_unscaled"]["upper_float64_base64"])
        return restamp(saved)
    return edit


def _size_edit(saved: dict[str, Any]) -> dict[str, Any]:
    saved["cov_unscaled"]["size"] += 1
    return restamp(saved)


COVARIANCE_EDITS = {  # the aliased fit: coefficients 4 and 11 are aliased (NaN rows and columns)
    "base64-too-short": (_text_edit(lambda text: text[:-4]), "cov_unscaled.upper_float64_base64", "characters"),
    "base64-too-long": (_text_edit(lambda text: text + "AAAA"), "cov_unscaled.upper_float64_base64", "characters"),
    "not-base64": (_text_edit(lambda text: "!" + text[1:]), "cov_unscaled.upper_float64_base64", "not base64"),
    "size": (_size_edit, "cov_unscaled.size", "expected 12"),
    "negative-variance": (_cov_edit(1, 1, -1.0), "cov_unscaled.upper_float64_base64", "variance -1"),
    "nan-outside-aliased": (_cov_edit(1, 2, math.nan), "cov_unscaled.upper_float64_base64", "entry [1][2] is NaN"),
    "number-where-aliased": (_cov_edit(4, 2, 0.0), "cov_unscaled.upper_float64_base64", "entry [2][4] is a number"),
    "infinite": (_cov_edit(0, 3, math.inf), "cov_unscaled.upper_float64_base64", "finite"),
}


@pytest.mark.parametrize("case", list(COVARIANCE_EDITS.values()), ids=list(COVARIANCE_EDITS))
def test_edited_covariances_are_refused_naming_the_field(fits, case):
    edit, field, needle = case
    refuses(edit(copy.deepcopy(fits["aliased"].to_dict())), f"'{field}'", needle)


def test_the_checksum_covers_the_packed_covariance(fits):
    saved = copy.deepcopy(fits["treatment"].to_dict())
    matrix = full_covariance(saved)
    matrix[0, 0] *= 1 + 1e-12  # still a valid covariance
    edited = with_covariance(copy.deepcopy(saved), matrix)
    edited["checksum"] = saved["checksum"]
    refuses(edited, "'checksum'")


def test_a_small_file_claiming_a_huge_contrast_is_refused_before_building_it(fits):
    """10,000 levels in indicator form: 0.2 MB of JSON for a 10,000 x 9,999 matrix (800 MB) patsy would hold."""
    levels = [f"l{i}" for i in range(10_000)]
    saved = copy.deepcopy(fits["treatment"].to_dict())
    info = saved["design"]["design_info"]
    next(f for f in info["factors"] if f["code"] == "C(g)")["categories"] = levels
    contrast = next(c for code, c in contrasts(saved) if code == "C(g)")
    contrast.update(indicator=[-1, *range(len(levels) - 1)], suffixes=[f"[T.{level}]" for level in levels[1:]])
    restamp(saved)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        refuses(saved, "'design.design_info.terms'", "at most 67,108,864")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB allocated"


def test_a_model_a_file_may_not_hold_is_not_saved(fits, monkeypatch):
    """The writer and the reader share the bound: the treatment fit's C(g) is 4 x 3 = 12 entries."""
    monkeypatch.setattr(state, "MAX_CONTRAST_CELLS", 11)
    with pytest.raises(ModelFileError, match="cannot be saved.*12 entries"):
        fits["treatment"].to_dict()
    monkeypatch.setattr(state, "MAX_CONTRAST_CELLS", 12)
    saved = fits["treatment"].to_dict()
    monkeypatch.setattr(schema, "MAX_CONTRAST_CELLS", 11)
    refuses(saved, "'design.design_info.terms'", "12 entries")


# --------------------------------------------------------------------------- many levels
def many_levels(levels: int, rows: int, seed: int) -> pd.DataFrame:
    """Every level at least once, then ``rows - levels`` rows at random levels."""
    rng = np.random.default_rng(seed)
    names = np.array([f"p{i:04d}" for i in range(levels)])
    frame = pd.DataFrame({"g": names[np.r_[np.arange(levels), rng.integers(0, levels, rows - levels)]],
                          "x": rng.normal(size=rows)})
    return frame.assign(y=frame["x"] + rng.normal(size=rows))


@pytest.mark.parametrize(("formula", "indicator"), [
    ("y ~ C(g) + x", [-1, *range(599)]),
    ("y ~ 0 + C(g) + x", list(range(600))),
    ("y ~ C(g, Treatment('p0400')) + x", [*range(400), -1, *range(400, 599)]),
    ("y ~ C(g, Treatment(-2)) + x", [*range(598), -1, 598]),
])
def test_treatment_codings_of_many_levels_round_trip(tmp_path, formula, indicator):
    """600 levels: the load compares the suffixes of several blocks of levels, and finds a reference in any."""
    frame = many_levels(600, 1200, seed=3)
    fit = fit_quietly(formula, frame)
    fit.save(tmp_path / "m.json")
    saved = json.loads((tmp_path / "m.json").read_text())
    assert next(contrast for _, contrast in contrasts(saved))["indicator"] == indicator
    assert_same_model(gg.load(tmp_path / "m.json"), fit, frame.iloc[::97])


def test_a_3000_level_factor_saves_compactly(tmp_path):
    """The previous format wrote this model's contrast as 9 million numbers and its covariance as 9 million more
    (about 340 MB); now 3,000 column numbers and 4.5 million float64 in base64 (about 46 MB). The round trip is
    checked on fewer levels above (loading this file takes as long again)."""
    fit = fit_quietly("y ~ C(g) + x", many_levels(3000, 4000, seed=5))
    fit.save(tmp_path / "big.json")
    size = (tmp_path / "big.json").stat().st_size
    assert size < 64 * 2**20, f"{size / 2**20:.1f} MiB"
    saved = json.loads((tmp_path / "big.json").read_text())
    assert _indicator(saved) == [-1, *range(2999)]
    assert saved["cov_unscaled"]["size"] == len(fit.params) == 3001
