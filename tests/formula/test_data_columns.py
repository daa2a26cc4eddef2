"""Formula parsing and data-column types never give a silent wrong answer.

Reference values: patsy's own parser (intercept rules), exact float arithmetic
(integer columns), and statsmodels fitted on the equivalent float data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import patsy
import pytest

import glmgen as gg
from glmgen.formula import build_design
from glmgen.errors import DataError, DataWarning, DroppedRowsWarning, FormulaError, InvalidParameterError

sm = pytest.importorskip("statsmodels.api")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 60
    return pd.DataFrame({"y": rng.normal(size=n), "x1": rng.normal(size=n), "x2": rng.normal(size=n),
                         "x3": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n)})


def ols(y: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    """statsmodels OLS (QR) coefficients with an intercept: the gaussian GLM's estimates."""
    return np.asarray(sm.OLS(y, np.column_stack([np.ones(len(y)), *columns])).fit(method="qr").params)


# --- formula parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize("rhs", [
    "x1 + 0 + 1", "x1 + 1 + 0", "x1 - 1", "x1 - 1 + 1", "x1 - 0", "-1 + x1", "-0 + x1", "0 + x1 + x2",
    "1 + 0", "(x1 + x2) - 1", "(x1 + x2 + x3) - x2", "x1 + x2 - x1 + x1", "x1 + (x2 - 1)", "x1 + (0 + x2)",
    "x1 - (x2 + 1)", "x1 + x1 + 1 - 0",
])
def test_intercept_and_term_order_follow_patsy(frame, rhs):
    expected = [term.name() for term in patsy.ModelDesc.from_formula(rhs).rhs_termlist]
    spec, _ = build_design(f"y ~ {rhs}", frame)
    assert spec.design_info.term_names == expected


def test_last_intercept_term_wins_in_the_fit(frame):
    fit = gg.glm("y ~ x1 + 0 + 1", frame)
    assert list(fit.params.index) == ["Intercept", "x1"]
    np.testing.assert_allclose(fit.params.to_numpy(), ols(frame.y.to_numpy(), frame.x1.to_numpy()), rtol=1e-6)


def test_dot_minus_one_on_wide_data_drops_only_the_intercept():
    """``y ~ . - 1`` on 3,000 columns: the fast parser (patsy's recursive one would overflow the stack)."""
    wide = pd.DataFrame(np.ones((4, 3000)), columns=[f"c{j}" for j in range(3000)]).assign(y=1.0)
    spec, design = build_design("y ~ . - c5 - 1", wide)
    assert not spec.fit_intercept and design.X.shape == (4, 2999) and "c5" not in spec.column_names


@pytest.mark.parametrize(("formula", "position"), [
    ("y ~ (x1 + x2", 4),
    ("y ~ x1 + x2)", 11),
    ("y ~ C(g, levels=['a', 'b', 'c')", 30),
    ("(y ~ x1", 0),
])
def test_unbalanced_brackets_are_refused_with_a_caret(frame, formula, position):
    with pytest.raises(FormulaError) as caught:
        gg.glm(formula, frame)
    message = str(caught.value)
    assert repr(formula) in message.splitlines()[0] and f"character {position + 1}" in message
    assert message.splitlines()[-2:] == [f"    {formula}", "    " + " " * position + "^"]


def test_brackets_inside_quoted_names_are_not_counted(frame):
    data = frame.rename(columns={"x1": "dose (mg)"})
    fit = gg.glm('y ~ Q("dose (mg)")', data)
    np.testing.assert_allclose(fit.params.to_numpy(), ols(frame.y.to_numpy(), frame.x1.to_numpy()), rtol=1e-6)


# --- integer columns -------------------------------------------------------------------------------

def test_large_int64_column_is_computed_in_floats():
    """R computes in doubles: I(x**2) of x = 3e9 is 9e18, where int64 arithmetic wraps around."""
    rng = np.random.default_rng(5)
    x = 3_000_000_000 + rng.integers(0, 1000, 50) * 1_000_000
    assert x.dtype == np.int64 and np.any(x ** 2 < 0)  # what patsy computed before
    y = 1.0 + 2e-19 * x.astype(float) ** 2 + rng.normal(scale=0.1, size=50)
    data = pd.DataFrame({"y": y, "x": x})
    _, design = build_design("y ~ I(x**2)", data)
    np.testing.assert_array_equal(design.X[:, 0], x.astype(float) ** 2)
    assert build_design("y ~ I(x**2)", pd.DataFrame({"y": [1.0], "x": [3_000_000_000]}))[1].X[0, 0] == 9e18
    fit = gg.glm("y ~ I(x**2)", data, tol=1e-12)
    np.testing.assert_allclose(fit.params.to_numpy(), ols(y, x.astype(float) ** 2), rtol=1e-6)


def test_plain_int_columns_keep_exact_values():
    x = np.array([2 ** 53 - 1, 0, -(2 ** 53 - 1), 12345678901234, 7], dtype=np.int64)
    y = np.array([3, 1, 4, 1, 5], dtype=np.int32)
    _, design = build_design("y ~ x", pd.DataFrame({"y": y, "x": x}))
    np.testing.assert_array_equal(design.X[:, 0], x.astype(float))
    np.testing.assert_array_equal(design.y, y.astype(float))


def test_int_column_as_a_factor_keeps_integer_level_names():
    data = pd.DataFrame({"y": np.arange(12.0) ** 1.5, "k": np.tile([1, 2, 3], 4)})
    fit = gg.glm("y ~ C(k)", data)
    assert list(fit.params.index) == ["Intercept", "C(k)[T.2]", "C(k)[T.3]"]


# --- column types that are refused ----------------------------------------------------------------

def test_complex_column_is_refused(frame):
    data = frame.assign(z=frame.x1 + 1j * frame.x2)
    with pytest.raises(DataError, match=r"column 'z' holds complex numbers"):
        gg.glm("y ~ x1 + z", data)


def test_datetime_column_is_refused_with_a_hint(frame):
    data = frame.assign(day=pd.date_range("2020-01-01", periods=len(frame)))
    with pytest.raises(DataError, match=r"column 'day' holds dates \(datetime64.*\.dt\.days"):
        gg.glm("y ~ .", data)
    with pytest.raises(DataError, match="column 'when' holds dates"):
        gg.glm("y ~ when", frame.assign(when=pd.date_range("2020-01-01", periods=len(frame), tz="UTC")))


def test_timedelta_column_is_refused_with_a_hint(frame):
    data = frame.assign(wait=pd.to_timedelta(np.arange(len(frame)), unit="h"))
    with pytest.raises(DataError, match=r"column 'wait' holds durations \(timedelta64.*\.dt\.days"):
        gg.glm("y ~ x1 + wait", data)


def test_duplicated_column_names_are_refused(frame):
    data = pd.concat([frame, frame[["x1", "g"]]], axis=1)
    with pytest.raises(DataError, match=r"duplicate column names \('x1', 'g'\)"):
        gg.glm("y ~ x2", data)


def test_intercept_column_is_refused(frame):
    data = frame.assign(Intercept=1.0)
    with pytest.raises(DataError, match="data column 'Intercept'"):
        gg.glm("y ~ .", data)
    fit = gg.glm("y ~ . - Intercept - g", data)  # leaving it out works
    assert list(fit.params.index) == ["Intercept", "x1", "x2", "x3"]


# --- nullable columns ------------------------------------------------------------------------------

def test_nullable_boolean_column_fits_as_zero_one_with_na_rows_dropped(frame):
    flags = np.tile([True, False, True, None], len(frame) // 4)
    data = frame.assign(b=pd.array(flags, dtype="boolean"))
    with pytest.warns(DroppedRowsWarning, match="'b'"):
        fit = gg.glm("y ~ x1 + b", data)
    kept = flags != None  # noqa: E711 - elementwise
    expected = ols(frame.y.to_numpy()[kept], frame.x1.to_numpy()[kept], flags[kept].astype(float))
    assert list(fit.params.index) == ["Intercept", "b[T.True]", "x1"]
    np.testing.assert_allclose(fit.params[["Intercept", "x1", "b[T.True]"]].to_numpy(), expected, rtol=1e-6)
    assert fit.n_dropped == len(frame) // 4


def test_nullable_int_and_float_columns_fit_as_floats(frame):
    counts = pd.array(np.where(np.arange(len(frame)) % 5 == 0, None, np.arange(len(frame)) % 7), dtype="Int64")
    doses = pd.array(np.where(np.arange(len(frame)) % 6 == 1, None, frame.x2.round(3)), dtype="Float64")
    data = frame.assign(k=counts, d=doses)
    with pytest.warns(DroppedRowsWarning):
        fit = gg.glm("y ~ k + d + I(k ** 2)", data)
    kept = ~(np.asarray(counts.isna()) | np.asarray(doses.isna()))
    k = counts.to_numpy(dtype=float, na_value=np.nan)[kept]
    expected = ols(frame.y.to_numpy()[kept], k, doses.to_numpy(dtype=float, na_value=np.nan)[kept], k ** 2)
    np.testing.assert_allclose(fit.params.to_numpy(), expected, rtol=1e-6)


# --- Python keywords as column names ---------------------------------------------------------------

def test_keyword_columns_are_quoted_by_dot(frame):
    data = frame[["y", "x1", "x2"]].rename(columns={"x1": "class", "x2": "lambda"})
    fit = gg.glm("y ~ .", data)
    assert list(fit.params.index) == ["Intercept", "Q('class')", "Q('lambda')"]
    expected = ols(frame.y.to_numpy(), frame.x1.to_numpy(), frame.x2.to_numpy())
    np.testing.assert_allclose(fit.params.to_numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["class", "lambda"])
def test_bare_keyword_column_in_a_formula_asks_for_q(frame, name):
    data = frame.rename(columns={"x1": name})
    with pytest.raises(FormulaError, match=rf"column '{name}' is a Python keyword.*write Q\('{name}'\)"):
        gg.glm(f"y ~ x2 + {name}", data)


# --- suspicious but valid columns warn ------------------------------------------------------------

def test_categorical_with_a_level_per_row_warns_and_is_recorded(frame):
    data = frame.assign(patient=[f"p{i:03d}" for i in range(len(frame))])
    with pytest.warns(DataWarning, match=r"column 'patient' is categorical with 60 levels for 60 rows"):
        fit = gg.glm("y ~ x1 + patient", data, alpha=0.1)
    assert any("'patient'" in message for message in fit.warnings)
    with pytest.warns(DataWarning, match="'patient'"):
        path = gg.glm_path("y ~ x1 + patient", data, n_alphas=3)
    assert any("'patient'" in message for message in path.warnings)


def test_few_levels_do_not_warn(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        fit = gg.glm("y ~ x1 + g", frame)
    assert fit.warnings == []


def test_text_column_of_numbers_warns_with_the_values_that_do_not_parse(frame):
    values = frame.x1.round(2).astype(str).to_numpy(dtype=object)
    values[[3, 10, 40]] = "?"
    values[7] = "n/a"
    data = frame.assign(dose=values)
    with pytest.warns(DataWarning) as caught:
        fit = gg.glm("y ~ x2 + dose", data, alpha=0.5)
    message = str(next(w.message for w in caught if issubclass(w.category, DataWarning)))
    assert "column 'dose' holds text" in message and "93% of its 60 values are numbers" in message
    assert "'?' (3 rows), 'n/a' (1 row)" in message and "pd.to_numeric" in message and "na_values" in message
    assert message in fit.warnings


# --- numbers given as numpy scalars ---------------------------------------------------------------

def test_numpy_scalars_are_accepted_as_numbers(frame):
    given = gg.glm("y ~ x1 + x2", frame, alpha=np.int64(1), l1_ratio=np.float32(0.5), max_iter=np.int32(50),
                   tol=np.float64(1e-8))
    plain = gg.glm("y ~ x1 + x2", frame, alpha=1.0, l1_ratio=0.5, max_iter=50, tol=1e-8)
    pd.testing.assert_series_equal(given.params, plain.params, rtol=0, atol=0)
    path = gg.glm_path("y ~ x1 + x2", frame, n_alphas=np.int64(4), l1_ratio=np.float64(1.0),
                       alpha_min_ratio=np.float32(0.01), alphas=None)
    assert len(path.alphas) == 4


@pytest.mark.parametrize(("call", "needle"), [
    (lambda d: gg.glm("y ~ x1", d, alpha=True), "alpha=True"),
    (lambda d: gg.glm("y ~ x1", d, alpha=np.bool_(True)), "alpha=np.True_"),
    (lambda d: gg.glm("y ~ x1", d, alpha="0.1"), "alpha='0.1'"),
    (lambda d: gg.glm("y ~ x1", d, alpha=0.1, l1_ratio=False), "l1_ratio=False"),
    (lambda d: gg.glm("y ~ x1", d, max_iter=2.5), "max_iter=2.5"),
    (lambda d: gg.glm_path("y ~ x1", d, n_alphas="ten"), "n_alphas='ten'"),
    (lambda d: gg.glm_path("y ~ x1", d, alphas="abc"), "alphas='abc'"),
    (lambda d: gg.glm_path("y ~ x1", d, alphas=[0.1, -1.0]), "-1.0"),
    (lambda d: gg.glm("y ~ x1", d, alpha=0.1, penalty_factor={"x1": "0"}), "penalty_factor['x1']='0'"),
])
def test_bools_and_text_are_refused_as_numbers(frame, call, needle):
    with pytest.raises(InvalidParameterError) as caught:
        call(frame)
    assert needle in str(caught.value)


def test_text_in_new_data_where_the_model_had_numbers_is_refused(frame):
    fit = gg.glm("y ~ x1 + g", frame)
    new = frame.assign(x1=frame.x1.astype(str).where(frame.index != 4, "?"))
    with pytest.raises(DataError, match=r"column 'x1' was numeric when the model was fitted.*pd\.to_numeric"):
        fit.predict(new)


def test_large_int64_column_predicts_like_its_float_copy():
    """New data goes through the same float conversion as the training rows."""
    x = np.array([3_000_000_000, 3_100_000_000, 3_300_000_000, 3_600_000_000, 4_000_000_000], dtype=np.int64)
    data = pd.DataFrame({"y": [1.0, 1.3, 1.1, 2.0, 2.6], "x": x})
    fit = gg.glm("y ~ I(x**2)", data)
    z = x.astype(float) ** 2
    np.testing.assert_allclose(fit.predict(data).to_numpy(), fit.params.iloc[0] + fit.params.iloc[1] * z, rtol=1e-10)


def test_cli_fits_a_keyword_column_with_dot_and_explains_a_bare_one(frame, tmp_path, capsys):
    from glmgen.cli import main

    path = tmp_path / "data.csv"
    frame[["y", "x1", "x2"]].rename(columns={"x1": "class"}).to_csv(path, index=False)
    assert main(["fit", str(path), "--formula", "y ~ ."]) == 0
    assert "Q('class')" in capsys.readouterr().out
    assert main(["fit", str(path), "--formula", "y ~ class + x2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "column 'class' is a Python keyword" in err[0] and "Q('class')" in err[0]
