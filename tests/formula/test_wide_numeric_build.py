"""The fast build of all-numeric designs (``y ~ .`` on wide frames) against patsy's own route.

Reference values come from patsy itself (``patsy.dmatrices`` / ``patsy.dmatrix`` with its default
``NA_action="drop"``, and ``EvalFactor.memorize_passes_needed``), on frames wide enough to use the
whole-block code paths; a tiny chunk size forces the block-by-block reading on small frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest

import glmgen.formula.frame as frame_module
from glmgen.errors import DataError, FormulaError, UnsafeFormulaError
from glmgen.formula import DesignSpec, FormulaContext, build_design
from glmgen.formula.parse import check_safe_keywords, name_factor, rhs_terms
from glmgen.formula.safety import check_expression_is_safe, check_formula_size

N_ROWS, N_COLUMNS = 40, 300


def _wide_frame(seed: int = 0) -> pd.DataFrame:
    """Float, int64 and uint8 columns (so the frame has several pandas blocks), then the response."""
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(N_COLUMNS):
        if j % 7 == 3:
            columns[f"x{j}"] = rng.integers(-5, 5, N_ROWS)
        elif j % 11 == 5:
            columns[f"x{j}"] = rng.integers(0, 3, N_ROWS).astype(np.uint8)
        else:
            columns[f"x{j}"] = rng.normal(size=N_ROWS)
    columns["y"] = rng.normal(size=N_ROWS)
    return pd.DataFrame(columns, index=[f"r{i}" for i in range(N_ROWS)])


def _patsy_reference(formula: str, data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """patsy's response and design (intercept column removed), NA rows dropped as patsy drops them."""
    y, X = patsy.dmatrices(formula, data, return_type="dataframe")
    return y, X.drop(columns="Intercept", errors="ignore")


def _explicit(names: list[str]) -> str:
    return "y ~ " + " + ".join(names)


@pytest.fixture(params=[None, 64], ids=["one-block", "chunked"])
def chunk_cells(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int | None:
    """The default chunk size, or 64 cells (a column or two per block) to exercise the block-by-block reads."""
    if request.param is not None:
        monkeypatch.setattr(frame_module, "CHUNK_CELLS", request.param)
    return request.param


@pytest.mark.parametrize("order", ["dot", "as written", "shuffled"])
def test_wide_numeric_design_equals_patsys(order: str, chunk_cells: int | None) -> None:
    data = _wide_frame()
    names = [c for c in data.columns if c != "y"]
    if order == "shuffled":
        names = list(np.random.default_rng(1).permutation(names))
    formula = "y ~ ." if order == "dot" else _explicit(names)
    spec, design = build_design(formula, data)
    y_ref, X_ref = _patsy_reference(_explicit(names), data)
    assert isinstance(design.X, np.ndarray) and design.X.flags.f_contiguous and design.X.dtype == np.float64
    assert spec.column_names == list(X_ref.columns)
    np.testing.assert_array_equal(design.X, X_ref.to_numpy())
    np.testing.assert_array_equal(design.y, y_ref.to_numpy()[:, 0])
    assert list(design.row_labels) == list(X_ref.index)


def test_missing_values_in_a_wide_frame_are_dropped_and_reported_as_patsy_drops_them(chunk_cells: int | None) -> None:
    data = _wide_frame()
    data.loc["r5", "x17"] = np.nan
    data.loc["r9", "x17"] = np.nan
    data.loc["r2", "x250"] = np.nan
    data.loc["r9", "y"] = np.nan
    spec, design = build_design("y ~ .", data)
    _, X_ref = _patsy_reference(_explicit([c for c in data.columns if c != "y"]), data)
    assert list(design.row_labels) == list(X_ref.index) == [f"r{i}" for i in range(N_ROWS) if i not in (2, 5, 9)]
    np.testing.assert_array_equal(design.X, X_ref.to_numpy())
    assert design.n_dropped == 3
    expected = f"3 of {N_ROWS} rows with missing values in 'x17' (2), 'x250' (1), 'y' (1) (first: row r2)"
    assert design.dropped_message == expected
    with pytest.raises(DataError, match=r"found 3 of 40 rows with missing values in 'x17' \(2\), 'x250' \(1\)"):
        build_design("y ~ .", data, na_action="raise")


def test_wide_design_info_is_the_one_patsy_learns() -> None:
    data = _wide_frame()
    names = [c for c in data.columns if c != "y"]
    spec, _ = build_design("y ~ .", data)
    reference = patsy.dmatrix(_explicit(names).split("~")[1], data, eval_env=spec.eval_env).design_info
    ours = spec.design_info
    assert ours.column_names == reference.column_names
    assert ours.term_names == reference.term_names
    for (factor, info), (ref_factor, ref_info) in zip(ours.factor_infos.items(), reference.factor_infos.items()):
        assert factor == ref_factor and (info.type, info.num_columns) == (ref_info.type, ref_info.num_columns)
        state, ref_state = dict(info.state), dict(ref_info.state)
        env, ref_env = state.pop("eval_env"), ref_state.pop("eval_env")
        assert state == ref_state
        assert repr(env.namespace) == repr(ref_env.namespace) and env.flags == ref_env.flags  # no __eq__


def test_wide_design_info_has_the_attributes_patsys_constructor_sets() -> None:
    spec, _ = build_design("y ~ .", _wide_frame())
    ours = spec.design_info
    patsys = patsy.DesignInfo(ours.column_names, factor_infos=ours.factor_infos, term_codings=ours.term_codings)
    assert type(ours) is type(patsys) and vars(ours) == vars(patsys)
    assert [(term.name(), s) for term, s in ours.term_slices.items()] == list(patsys.term_name_slices.items())


def test_a_column_named_like_a_callers_variable_keeps_patsys_state() -> None:
    data = _wide_frame()
    shadow = np.zeros(N_ROWS)
    context = FormulaContext({"x4": shadow})
    spec, design = build_design("y ~ x4 + x5", data, context=context)
    np.testing.assert_array_equal(design.X[:, 0], data["x4"].to_numpy())  # the data column wins, as in patsy
    factor = patsy.EvalFactor("x4")
    reference: dict[str, object] = {}
    factor.memorize_passes_needed(reference, spec.eval_env)
    learned = spec.design_info.factor_infos[factor].state
    assert repr(learned["eval_env"].namespace) == repr(reference["eval_env"].namespace)
    assert learned["eval_env"].namespace["x4"] is shadow


def test_name_factor_is_patsys_factor() -> None:
    for name in ("x1", "income", "_z9"):
        ours, patsys = name_factor(name), patsy.EvalFactor(name)
        assert type(ours) is type(patsys) and vars(ours) == vars(patsys)
        assert ours == patsys and hash(ours) == hash(patsys)
    assert rhs_terms("a + b - a") == list(patsy.ModelDesc.from_formula("a + b - a").rhs_termlist)


def test_new_rows_give_patsys_columns_whatever_the_column_order() -> None:
    data = _wide_frame()
    spec, _ = build_design("y ~ .", data)
    new = _wide_frame(seed=2)
    new = new[list(reversed(new.columns))].assign(extra=1.0)  # other order, one more column
    names = [c for c in data.columns if c != "y"]
    X_ref = patsy.dmatrix(_explicit(names).split("~")[1], new, return_type="dataframe").drop(columns="Intercept")
    np.testing.assert_array_equal(spec.build(new, need_response=False).X, X_ref.to_numpy())
    np.testing.assert_array_equal(spec.transform(new), X_ref.to_numpy())


def test_non_finite_value_in_a_wide_frame_names_the_first_column_and_row() -> None:
    data = _wide_frame()
    data.loc["r7", "x200"] = np.inf
    data.loc["r3", "x260"] = -np.inf
    with pytest.raises(DataError, match=r"design column 'x200' must be finite, but 1 value is not "
                                        r"\(first: row r7, value inf\)"):
        build_design("y ~ .", data)


def test_columns_whose_sum_overflows_are_still_finite() -> None:
    data = _wide_frame()
    data["x10"] = 1e308  # every value finite, their sum is not
    spec, design = build_design("y ~ .", data)
    assert np.all(design.X[:, spec.column_names.index("x10")] == 1e308)


def test_type_checks_in_a_wide_frame_name_the_column() -> None:
    data = _wide_frame()
    data["x250"] = data["x250"] + 1j
    with pytest.raises(DataError, match="column 'x250' holds complex numbers"):
        build_design("y ~ .", data)
    data = _wide_frame()
    data["x280"] = pd.Series([1, "1"] * (N_ROWS // 2), index=data.index, dtype=object)
    with pytest.raises(DataError, match="column 'x280' mixes value types"):
        build_design("y ~ .", data)


def test_a_boolean_column_in_a_wide_frame_takes_patsys_route() -> None:
    data = _wide_frame()
    data["x150"] = data["x150"] > 0
    spec, design = build_design("y ~ .", data)
    _, X_ref = _patsy_reference(_explicit([c for c in data.columns if c != "y"]), data)
    assert spec.column_names == list(X_ref.columns) and "x150[T.True]" in spec.column_names
    np.testing.assert_array_equal(np.asarray(design.X.toarray() if hasattr(design.X, "toarray") else design.X),
                                  X_ref.to_numpy())


@pytest.mark.parametrize("formula", ["y ~ x + 0xfglobal", "y ~ x + 1jlambda", "y ~ x.class"])
def test_keyword_screen_misses_no_keyword_python_reads(formula: str) -> None:
    with pytest.raises(UnsafeFormulaError, match="uses the Python keyword"):
        check_safe_keywords(formula)


def test_a_saved_wide_design_builds_patsys_matrix_and_checks_its_names() -> None:
    data = _wide_frame()
    spec, _ = build_design("y ~ .", data)
    loaded = DesignSpec.from_dict(spec.to_dict())
    assert loaded.column_names == spec.column_names
    names = [c for c in data.columns if c != "y"]
    X_ref = patsy.dmatrix(_explicit(names).split("~")[1], data, return_type="dataframe").drop(columns="Intercept")
    np.testing.assert_array_equal(loaded.build(data, need_response=False).X, X_ref.to_numpy())
    with pytest.raises(FormulaError, match="refers to 'x123', which is not a column of the data"):
        loaded.build(data.drop(columns="x123"), need_response=False)


@pytest.mark.parametrize("code", ["_x", "__builtins__"])
def test_a_name_starting_with_an_underscore_is_still_refused(code: str) -> None:
    with pytest.raises(UnsafeFormulaError, match="names may not start with '_'"):
        check_expression_is_safe(code)


def test_a_power_of_a_long_sum_is_still_refused() -> None:
    with pytest.raises(UnsafeFormulaError, match="expands to more than"):
        check_formula_size("y ~ (" + " + ".join(f"x{j}" for j in range(60)) + ")**4")
    check_formula_size("y ~ " + " + ".join(f"x{j}" for j in range(5000)))  # a long sum is within the bound
