"""The design matrix is built once, column-major, in row chunks; the weighted Gram matrix in row blocks.

References: patsy's own one-call build (``patsy.dmatrix`` / ``build_design_matrices``
on all rows, intercept column removed) and the direct NumPy products
``Xc' V Xc`` and ``Xc' V z``. The memory checks use ``tracemalloc``, which sees
NumPy's allocations.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pandas as pd
import patsy
import pytest

import glmgen.formula.matrix as design_module
from glmgen.formula import build_design
from glmgen.solvers import WeightedLeastSquares

CHUNKED_FORMULA = "y ~ x * C(g) + center(z) + bs(z, df=4) + C(h):x + np.log(z)"


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    frame = pd.DataFrame({
        "y": rng.standard_normal(n),
        "x": rng.standard_normal(n) * 2.0 + 1.0,
        "z": rng.random(n) * 10.0 + 0.1,
        "g": pd.Categorical(rng.choice(["a", "b", "c", "d"], n)),
        "h": rng.choice(["u", "v", "w"], n).astype(object),
    })
    frame.loc[rng.choice(n, 25, replace=False), "x"] = np.nan
    frame.loc[rng.choice(n, 15, replace=False), "h"] = None
    return frame


def _patsy_without_intercept(matrix: patsy.DesignMatrix) -> np.ndarray:
    names = matrix.design_info.column_names
    return np.delete(np.asarray(matrix), names.index("Intercept"), axis=1) if "Intercept" in names else matrix


@pytest.fixture
def counted_patsy_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Row counts of the ``patsy.build_design_matrices`` calls made while the test runs."""
    calls: list[int] = []
    original = patsy.build_design_matrices

    def counting(design_infos, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(data))
        return original(design_infos, data, *args, **kwargs)

    monkeypatch.setattr(patsy, "build_design_matrices", counting)
    return calls


def test_chunked_build_equals_one_patsy_call_bit_for_bit(
    seed: int, monkeypatch: pytest.MonkeyPatch, counted_patsy_calls: list[int]
) -> None:
    data = _frame(np.random.default_rng(seed), 403)
    kept = data.dropna(subset=["x", "h"])
    reference = patsy.dmatrix(CHUNKED_FORMULA.split("~")[1], kept, NA_action="raise")
    # C(g) and its products with x are categorical blocks (codes, and x's values: no patsy call); patsy builds
    # the other terms' columns in chunks.
    categorical = design_module.categorical_terms(reference.design_info)
    assert [term.name() for term in categorical] == ["C(g)", "x:C(g)", "C(h):x"]
    dense_terms = [t for t in reference.design_info.terms if t not in categorical and t.factors]
    dense_width = len(reference.design_info.subset(dense_terms).column_names)
    monkeypatch.setattr(design_module, "DESIGN_CHUNK_CELLS", 47 * dense_width)  # 47 rows per chunk
    counted_patsy_calls.clear()
    spec, design = build_design(CHUNKED_FORMULA, data)
    assert counted_patsy_calls == [min(47, len(kept) - start) for start in range(0, len(kept), 47)]
    assert all(block.flags.f_contiguous for block in design.X.blocks if isinstance(block, np.ndarray))
    assert spec.column_names == [c for c in reference.design_info.column_names if c != "Intercept"]
    np.testing.assert_array_equal(design.X.toarray(), _patsy_without_intercept(reference))
    # New rows go through the same learned state (center's mean, bs knots, levels), also chunk by chunk.
    new = _frame(np.random.default_rng(seed + 1), 100).dropna(subset=["x", "h"])
    (expected,) = patsy.build_design_matrices([reference.design_info], new, NA_action="raise")
    np.testing.assert_array_equal(spec.build(new, need_response=False).X.toarray(), _patsy_without_intercept(expected))


def test_expression_over_all_rows_is_built_in_one_call(
    seed: int, monkeypatch: pytest.MonkeyPatch, counted_patsy_calls: list[int]
) -> None:
    # x.mean() is the mean of the rows it is evaluated on: chunking would change every value.
    data = _frame(np.random.default_rng(seed), 200).dropna()
    monkeypatch.setattr(design_module, "DESIGN_CHUNK_CELLS", 7)
    _, design = build_design("y ~ I(x - x.mean()) + C(g)", data)
    assert counted_patsy_calls == [len(data)]
    reference = patsy.dmatrix("I(x - x.mean()) + C(g)", data, NA_action="raise")
    np.testing.assert_array_equal(design.X.toarray(), _patsy_without_intercept(reference))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_blocked_gram_equals_direct_products(seed: int, fit_intercept: bool) -> None:
    rng = np.random.default_rng(seed)
    n, p = 1000, 6
    X = np.asfortranarray(rng.standard_normal((n, p)) * np.logspace(-2, 3, p) + rng.standard_normal(p) * 5)
    v, z = rng.random(n) + 0.05, rng.standard_normal(n)
    solver = WeightedLeastSquares(X, fit_intercept, block_rows=37)
    assert solver.work.size == 37 * p  # the workspace is one block, not n x p
    gram, rhs, x_mean, z_mean, total = solver.gram(z, v)
    centre = v @ X / v.sum() if fit_intercept else np.zeros(p)
    centred = X - centre
    z_centred = z - (v @ z / v.sum() if fit_intercept else 0.0)
    expected_gram = centred.T @ (v[:, None] * centred)
    expected_rhs = centred.T @ (v * z_centred)
    # Relative to the Cauchy-Schwarz bounds |G_ij| <= sqrt(G_ii G_jj) and |q_j| <= sqrt(G_jj z'Vz).
    diagonal = np.diag(expected_gram)
    assert np.all(np.abs(gram - expected_gram) <= 1e-13 * np.sqrt(np.outer(diagonal, diagonal)))
    assert np.all(np.abs(rhs - expected_rhs) <= 1e-13 * np.sqrt(diagonal * (v @ z_centred**2)))
    np.testing.assert_allclose(x_mean, centre, rtol=1e-14, atol=0)
    assert total == pytest.approx(v.sum(), rel=1e-15)
    assert np.array_equal(gram, gram.T)


def test_gram_allocates_one_block_not_a_copy_of_x() -> None:
    rng = np.random.default_rng(0)
    n, p = 100_000, 20
    X, v, z = np.asfortranarray(rng.standard_normal((n, p))), rng.random(n) + 0.1, rng.standard_normal(n)
    solver = WeightedLeastSquares(X, True, block_rows=4096)
    tracemalloc.start()
    try:
        solver.gram(z, v)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.1 * X.nbytes


def test_design_build_allocates_at_most_1_3_design() -> None:
    rng = np.random.default_rng(0)
    n, n_columns, n_levels = 200_000, 5, 50
    columns = {f"x{j}": rng.standard_normal(n) for j in range(1, n_columns + 1)}
    labels = [f"level{k:02d}" for k in range(n_levels)]
    columns["g"] = pd.Categorical.from_codes(rng.integers(0, n_levels, n), categories=labels)
    columns["y"] = rng.standard_normal(n)
    data = pd.DataFrame(columns)
    one_hot_bytes = n * (n_columns + n_levels - 1) * 8  # the dense design of earlier versions
    tracemalloc.start()
    try:
        _, design = build_design("y ~ .", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # g is stored as one int32 code per row, the five numeric columns densely: no one-hot matrix is formed.
    assert design.X.nbytes == n * 4 + n * n_columns * 8
    # Besides X: the response, weights, trials, frequency weights and offset (five float vectors) and the codes.
    budget = 1.3 * design.X.nbytes + 5 * n * 8
    assert math.isfinite(peak) and peak <= budget, f"peak {peak / design.X.nbytes:.2f} x design"
    assert peak < 0.25 * one_hot_bytes
