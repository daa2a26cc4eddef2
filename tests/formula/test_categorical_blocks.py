"""Which formula terms become categorical blocks (codes, and values for a factor times a numeric column), and that
the blocks are patsy's columns exactly (patsy's own dense matrix is the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm

from glmgen.formula import build_design
from glmgen.matrices import CategoricalBlock, ModelMatrix


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    return sm.datasets.grunfeld.load_pandas().data


@pytest.mark.parametrize("formula, blocks", [
    ("invest ~ C(firm) + value", ["codes", "dense"]),
    ("invest ~ C(firm) + C(firm):capital + value", ["codes", "codes*values", "dense"]),
    ("invest ~ C(firm)*capital", ["codes", "dense", "codes*values"]),
    ("invest ~ 0 + C(firm) + C(firm):center(capital)", ["codes", "codes*values"]),
    ("invest ~ C(firm, Sum) + value", ["dense"]),  # not indicators
    ("invest ~ C(firm):capital:value", ["dense"]),  # two numeric factors
])
def test_blocks_are_patsys_columns(grunfeld, formula, blocks):
    spec, design = build_design(formula, grunfeld)
    reference = patsy.dmatrix(formula.split("~")[1], grunfeld, NA_action="raise")
    names = reference.design_info.column_names
    expected = np.delete(np.asarray(reference), names.index("Intercept"), axis=1) if "Intercept" in names \
        else np.asarray(reference)
    X = design.X
    kinds = ["dense"] if isinstance(X, np.ndarray) else [
        "dense" if isinstance(b, np.ndarray) else ("codes" if b.values is None else "codes*values") for b in X.blocks]
    assert kinds == blocks
    assert spec.column_names == [n for n in names if n != "Intercept"]
    np.testing.assert_array_equal(X if isinstance(X, np.ndarray) else X.toarray(), expected)


def test_factor_times_numeric_stores_the_numeric_values(grunfeld):
    _, design = build_design("invest ~ C(firm):capital", grunfeld)
    assert isinstance(design.X, ModelMatrix)
    (block,) = design.X.blocks
    assert isinstance(block, CategoricalBlock)
    np.testing.assert_array_equal(block.values, grunfeld["capital"].to_numpy())
    assert block.nbytes == len(grunfeld) * (4 + 8)  # a code and a value per row, whatever the number of firms


def test_a_single_level_factor_alone_leaves_the_intercept_only_model():
    """R drops nothing silently here either: y ~ g with one level is the intercept-only model (the level gives no
    column next to an intercept); the fitted mean is the mean of y."""
    data = pd.DataFrame({"g": ["a"] * 12, "y": np.arange(12.0) % 3})
    _, design = build_design("y ~ g", data)
    assert isinstance(design.X, np.ndarray) and design.X.shape == (12, 0)
