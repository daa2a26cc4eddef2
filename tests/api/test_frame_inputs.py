"""The same model from a pandas, a polars (eager and lazy) and a pyarrow frame: identical results (issue 16).

The pandas frame holds a Categorical in a non-lexical declared order (its first level, "mid", is the
reference), a nullable integer with NA (rows dropped with a warning naming it, or imputed), text, weights
and an exposure. polars gets the same declared order as an ``Enum`` (``pl.from_pandas`` would make a
``Categorical``, which has no declared order); Arrow gets it from the pandas metadata of
``pa.Table.from_pandas``. Every public function is called with each source, and its result compared with
the pandas call's (an equivalence test: both go through glmgen, only the frame type differs).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import glmgen as gg

LEVELS = ["mid", "lo", "hi"]
SOURCES = ["polars", "lazy", "arrow"]


def make_frame(n: int = 90, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = pd.Categorical(rng.choice(LEVELS, n), categories=LEVELS)
    k = pd.array(rng.integers(0, 4, n), dtype="Int64")
    k[[3, n // 5, n // 2]] = pd.NA
    frame = pd.DataFrame({"x": rng.normal(size=n), "g": g, "k": k, "s": rng.choice(["red", "blue"], n),
                          "w": rng.uniform(0.5, 2.0, n), "e": rng.uniform(1.0, 3.0, n)})
    eta = 0.4 * frame["x"] + np.where(frame["g"] == "hi", 0.5, 0.0) + np.where(frame["s"] == "red", -0.3, 0.0)
    frame["y"] = eta + rng.normal(size=n)
    frame["yb"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    frame["yc"] = rng.poisson(frame["e"] * np.exp(eta)).astype(float)
    return frame


def convert(frame: pd.DataFrame, source: str) -> Any:
    """``frame`` as a polars DataFrame, LazyFrame or pyarrow Table (module notes)."""
    if source == "arrow":
        return pa.Table.from_pandas(frame, preserve_index=False)
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    eager = pl.from_pandas(frame).with_columns(
        [pl.col(c).cast(pl.Enum(list(frame[c].cat.categories))) for c in categorical])
    return eager.lazy() if source == "lazy" else eager


def quietly(call: Any) -> tuple[Any, list[str]]:
    """``call()`` and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()
    return value, [str(w.message) for w in caught]


FRAME = make_frame()
MODELS = {
    "gaussian": dict(formula="y ~ x + g + k + s", family="gaussian", weights="w"),
    "binomial": dict(formula="yb ~ x + g + k + s", family="binomial"),
    "poisson": dict(formula="yc ~ x + g + k + s", family="poisson", exposure="e"),
}


def assert_same_fit(fit: gg.GLMResult, reference: gg.GLMResult) -> None:
    pd.testing.assert_series_equal(fit.params, reference.params, check_exact=True)
    pd.testing.assert_series_equal(fit.bse, reference.bse, check_exact=True)
    assert fit.deviance == reference.deviance and fit.nobs == reference.nobs
    assert list(fit.warnings) == list(reference.warnings)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("model", MODELS)
def test_glm_is_the_same_from_every_frame(model: str, source: str) -> None:
    kwargs = dict(MODELS[model])
    formula = kwargs.pop("formula")
    reference, expected = quietly(lambda: gg.glm(formula, FRAME, **kwargs))
    fit, messages = quietly(lambda: gg.glm(formula, convert(FRAME, source), **kwargs))
    assert_same_fit(fit, reference)
    assert messages == expected and any("3 of 90 rows" in m and "'k' (3)" in m for m in messages)
    assert [name for name in fit.params.index if name.startswith("g[")] == ["g[T.lo]", "g[T.hi]"]  # "mid" first


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("formula", "names"), [("y ~ x + g + k", ["k", "k[NA]"]),
                                                ("y ~ x + g + C(k)", ["C(k)[T.2]", "C(k)[T.NA]"])])
def test_imputation_is_the_same_from_every_frame(formula: str, names: list[str], source: str) -> None:
    reference = gg.glm(formula, FRAME, na_action="impute")
    fit = gg.glm(formula, convert(FRAME, source), na_action="impute")
    assert_same_fit(fit, reference)
    assert set(names) <= set(fit.params.index)  # integer levels: "2", not "2.0"


@pytest.mark.parametrize("source", SOURCES)
def test_path_and_cv_are_the_same_from_every_frame(source: str) -> None:
    reference = gg.glm_path("yc ~ x + g + k + s", FRAME, "poisson", exposure="e", n_alphas=8)
    path = gg.glm_path("yc ~ x + g + k + s", convert(FRAME, source), "poisson", exposure="e", n_alphas=8)
    np.testing.assert_array_equal(path.alphas, reference.alphas)
    pd.testing.assert_frame_equal(path.coefs, reference.coefs, check_exact=True)
    cv, cv_reference = path.cv(folds=3, seed=5), reference.cv(folds=3, seed=5)
    pd.testing.assert_frame_equal(cv.to_frame(), cv_reference.to_frame(), check_exact=True)


@pytest.mark.parametrize("source", SOURCES)
def test_bootstrap_and_bagging_are_the_same_from_every_frame(source: str) -> None:
    new = make_frame(20, seed=3)
    reference_fit = gg.glm("yb ~ x + g + s", FRAME, "binomial")
    fit = gg.glm("yb ~ x + g + s", convert(FRAME, source), "binomial")
    reference = gg.bootstrap(reference_fit, n_boot=8, seed=2, strata="s", data=FRAME)
    boot = gg.bootstrap(fit, n_boot=8, seed=2, strata="s", data=convert(FRAME, source))
    np.testing.assert_array_equal(boot.replicates, reference.replicates)
    pd.testing.assert_frame_equal(boot.predict(convert(new, source)), reference.predict(new), check_exact=True)
    assert boot.evaluate(convert(new, source)) == reference.evaluate(new)


@pytest.mark.parametrize("source", SOURCES)
def test_new_rows_from_every_frame_predict_and_evaluate_as_pandas_ones(source: str) -> None:
    fit = gg.glm("yc ~ x + g + k + s", FRAME, "poisson", exposure="e")
    new = make_frame(25, seed=4)
    pd.testing.assert_series_equal(fit.predict(convert(new, source)), fit.predict(new), check_exact=True)
    pd.testing.assert_frame_equal(fit.get_prediction(convert(new, source)), fit.get_prediction(new),
                                  check_exact=True)
    assert fit.evaluate(convert(new, source)) == fit.evaluate(new)
    assert fit.predict(convert(new, source)).isna().sum() == 3  # the rows with NA in k
    pd.testing.assert_frame_equal(fit.shift(convert(new, source), folds=3).table, fit.shift(new, folds=3).table)


@pytest.mark.parametrize("source", SOURCES)
def test_split_generalization_and_shift_are_the_same_from_every_frame(source: str) -> None:
    train, test = gg.split(convert(FRAME, source), test_size=0.3, seed=1, stratify="s")
    reference_train, reference_test = gg.split(FRAME, test_size=0.3, seed=1, stratify="s")
    assert isinstance(train, pd.DataFrame)
    # polars and Arrow number the rows 0..n-1, as FRAME does
    pd.testing.assert_frame_equal(train, reference_train, check_categorical=False)
    pd.testing.assert_frame_equal(test, reference_test, check_categorical=False)
    fit = gg.glm("y ~ x + g + s", reference_train)
    assert (gg.generalization(fit, convert(reference_train, source), convert(reference_test, source))
            .to_frame().equals(gg.generalization(fit, reference_train, reference_test).to_frame()))
    shifted = gg.shift(convert(reference_train, source), convert(reference_test, source), folds=3)
    pd.testing.assert_frame_equal(shifted.table, gg.shift(reference_train, reference_test, folds=3).table)
    assert shifted.auc == gg.shift(reference_train, reference_test, folds=3).auc


@pytest.mark.parametrize("source", SOURCES)
def test_selection_is_the_same_from_every_frame(source: str) -> None:
    data = convert(FRAME, source)
    step = gg.stepwise("y ~ x + g + s + e", data, criterion="bic")
    reference = gg.stepwise("y ~ x + g + s + e", FRAME, criterion="bic")
    pd.testing.assert_frame_equal(step.history, reference.history, check_exact=True)
    small = gg.glm("y ~ x", FRAME)
    pd.testing.assert_frame_equal(gg.add1(small, "~ . + g + s", data), gg.add1(small, "~ . + g + s", FRAME))
    best = gg.best_subset("y ~ x + g + s", data)
    pd.testing.assert_frame_equal(best.models, gg.best_subset("y ~ x + g + s", FRAME).models)
    fits = [small, gg.glm("y ~ x + g", FRAME)]
    pd.testing.assert_frame_equal(gg.compare(fits, test=data), gg.compare(fits, test=FRAME))


@pytest.mark.parametrize("source", SOURCES)
def test_curves_and_bias_variance_are_the_same_from_every_frame(source: str) -> None:
    curve = gg.learning_curve("y ~ x + g", convert(FRAME, source), sizes=(0.5, 1.0), repeats=2)
    reference = gg.learning_curve("y ~ x + g", FRAME, sizes=(0.5, 1.0), repeats=2)
    pd.testing.assert_frame_equal(curve.summary(), reference.summary())
    fit = gg.glm("y ~ x + g", FRAME)
    new = make_frame(30, seed=6)
    decomposition = gg.bias_variance(fit, convert(new, source), n_boot=5, seed=1)
    pd.testing.assert_frame_equal(decomposition.to_frame(), gg.bias_variance(fit, new, n_boot=5, seed=1).to_frame())


@pytest.mark.parametrize("source", SOURCES)
def test_the_report_is_the_same_from_every_frame(source: str) -> None:
    def analysis(data: Any, new: Any) -> Any:
        return gg.report("y ~ x + g + k + s", data, select=None, n_boot=0, learning_curve=False, figures=False,
                         folds=3, new=new).analysis

    new = make_frame(40, seed=7)
    result, reference = analysis(convert(FRAME, source), convert(new, source)), analysis(FRAME, new)
    pd.testing.assert_frame_equal(result.columns, reference.columns)
    assert_same_fit(result.fit, reference.fit)
    assert (result.train_rows, result.train_dropped) == (reference.train_rows, reference.train_dropped)
    pd.testing.assert_frame_equal(result.generalization.to_frame(), reference.generalization.to_frame())
    for name in ("residuals", "calibration", "predictions"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(reference, name))
    pd.testing.assert_frame_equal(result.shift.table, reference.shift.table)
    assert result.notes == reference.notes


def test_a_lazy_frame_is_collected_once_for_a_path_and_its_cv(monkeypatch: pytest.MonkeyPatch) -> None:
    collected = []
    collect = pl.LazyFrame.collect

    def counted(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> pl.DataFrame:
        collected.append(1)
        return collect(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect", counted)
    path = gg.glm_path("y ~ x + g + s", convert(FRAME, "lazy"), n_alphas=5)
    path.cv(folds=3)
    path.select("cv")
    assert len(collected) == 1


def test_a_frame_of_another_type_is_refused_with_the_accepted_types() -> None:
    with pytest.raises(gg.InvalidParameterError, match=r"data must be a pandas DataFrame, a polars DataFrame or "
                                                       r"LazyFrame, a pyarrow Table.*got numpy\.ndarray"):
        gg.glm("y ~ x", FRAME[["x", "y"]].to_numpy())


@pytest.mark.parametrize("source", ["polars", "lazy", "arrow"])
def test_the_scikit_learn_estimators_take_polars_and_arrow_frames(source: str) -> None:
    """As scikit-learn does for eager frames; a LazyFrame (which scikit-learn refuses) is collected first."""
    from glmgen.sklearn import GLMRegressor

    X = FRAME[["x", "w", "e"]]
    reference = GLMRegressor(family="poisson").fit(X, FRAME["yc"])
    model = GLMRegressor(family="poisson").fit(convert(X, source), FRAME["yc"])
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    assert list(model.feature_names_in_) == ["x", "w", "e"]
    # scikit-learn's array from an Arrow table may have another memory order: the products round differently
    np.testing.assert_allclose(model.predict(convert(X, source)), reference.predict(X), rtol=1e-13)


def test_pandas_arrow_backed_columns_fit_as_numpy_backed_ones() -> None:
    arrow_backed = FRAME.convert_dtypes(dtype_backend="pyarrow").assign(
        g=pd.Series(pa.array(FRAME["g"]), dtype=pd.ArrowDtype(pa.dictionary(pa.int8(), pa.string()))))
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in arrow_backed.dtypes)
    for model in MODELS.values():
        kwargs = dict(model)
        formula = kwargs.pop("formula")
        reference, expected = quietly(lambda: gg.glm(formula, FRAME, **kwargs))
        fit, messages = quietly(lambda: gg.glm(formula, arrow_backed, **kwargs))
        assert_same_fit(fit, reference)
        assert messages == expected
