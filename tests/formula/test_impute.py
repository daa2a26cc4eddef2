"""``na_action="impute"``: medians, indicator columns and NA levels learned from the training rows, reused for new
data, saved in model files, re-learned inside every CV fold and bootstrap resample.

Reference values are pandas' own medians and NumPy's arithmetic on the filled columns; the CV folds are compared
with fits done by hand on each fold's rows.
"""

from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.errors import DroppedRowsWarning, InvalidParameterError, ModelFileError
from glmgen.fit import cv as cv_module
from glmgen.formula import build_design
from glmgen.formula.impute import weighted_median
from glmgen.resampling.engines_glm import GLMEngine, PenalizedEngine
from glmgen.resampling.refit import REFIT_CONTROL
from glmgen.results.model_file import checksum
from glmgen.solvers import CDControl


def _frame(seed: int, n: int = 240) -> pd.DataFrame:
    """x (NA in 15%), z (complete), g (three levels, NA in 8%) and a gaussian y."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(2.0, 1.0, n), "z": rng.normal(size=n), "g": rng.choice(["b", "c", "d"], n)})
    df["y"] = 1.0 + 0.8 * df["x"] - 0.5 * df["z"] + (df["g"] == "c") + rng.normal(scale=0.5, size=n)
    df.loc[rng.random(n) < 0.15, "x"] = np.nan
    df.loc[rng.random(n) < 0.08, "g"] = None
    return df


def test_weighted_median_is_the_median_of_repeated_rows(seed: int) -> None:
    """Whole frequency weights give the median of the rows repeated; unit weights pandas' median (odd and even n)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=31)
    counts = rng.integers(0, 4, size=31).astype(float)
    expected = pd.Series(np.repeat(values, counts.astype(int))).median()
    assert weighted_median(values, counts) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    for n in (30, 31):
        assert weighted_median(values[:n], np.ones(n)) == pytest.approx(pd.Series(values[:n]).median(), abs=1e-12)


def test_medians_indicators_and_positions(seed: int) -> None:
    """Each numeric column's training median (pandas'), an indicator after the column's term, filled values in X."""
    df = _frame(seed)
    spec, design = build_design("y ~ x + z + g", df, na_action="impute")
    imputation = spec.imputation
    assert imputation is not None
    assert imputation.medians == pytest.approx({"x": df["x"].median(), "z": df["z"].median()}, rel=1e-14)
    assert list(imputation.indicators) == ["x"] and imputation.levels == ("g",)
    names = spec.column_names
    assert names.index("x[NA]") == names.index("x") + 1
    assert "z[NA]" not in names and "g[T.NA]" == names[names.index("g[T.d]") + 1]
    X = design.X.toarray() if hasattr(design.X, "toarray") else design.X
    missing = df["x"].isna().to_numpy()
    np.testing.assert_array_equal(X[:, names.index("x[NA]")], missing.astype(float))
    np.testing.assert_allclose(X[:, names.index("x")], df["x"].fillna(df["x"].median()), rtol=0, atol=0)
    assert spec.term_slices["x"] == slice(names.index("x"), names.index("x[NA]") + 1)
    assert design.n_rows == len(df)


def test_na_level_is_last_and_never_the_reference() -> None:
    """A categorical NA becomes the level "NA", after the column's levels; the reference stays the first level."""
    df = _frame(1)
    fit = gg.glm("y ~ C(g) + x", df, na_action="impute")
    levels = [name for name in fit.params.index if name.startswith("C(g)")]
    assert levels == ["C(g)[T.c]", "C(g)[T.d]", "C(g)[T.NA]"]
    rows = df["g"].isna()
    by_hand = gg.glm("y ~ C(g) + x", df.assign(g=df["g"].fillna("zz_missing")), na_action="impute")
    np.testing.assert_allclose(fit.params.to_numpy(), by_hand.params.to_numpy(), rtol=1e-10)
    assert rows.any()


def test_transforms_see_the_filled_column(seed: int) -> None:
    """np.log and standardize() are applied to the filled raw column (standardize's mean and standard deviation,
    ddof=0 as patsy's default, are the filled column's)."""
    df = _frame(seed).assign(x=lambda d: d["x"].abs() + 0.1)
    spec, design = build_design("y ~ np.log(x) + standardize(x)", df, na_action="impute")
    filled = df["x"].fillna(df["x"].median()).to_numpy()
    X = design.X
    names = spec.column_names
    np.testing.assert_allclose(X[:, names.index("np.log(x)")], np.log(filled), rtol=1e-14)
    np.testing.assert_allclose(X[:, names.index("standardize(x)")], (filled - filled.mean()) / filled.std(),
                               rtol=1e-10)
    assert names.index("x[NA]") == names.index("np.log(x)") + 1  # after the first term reading x


def test_response_and_weight_na_drop_rows_and_medians_use_the_rest() -> None:
    """NA in the response is never imputed: the row is dropped (DroppedRowsWarning) and the medians are those of
    the remaining rows."""
    df = _frame(2)
    df.loc[df.index[:10], "y"] = np.nan
    with pytest.warns(DroppedRowsWarning):
        fit = gg.glm("y ~ x + z", df, na_action="impute")
    assert fit.nobs == len(df) - 10
    assert fit.spec.imputation.medians["x"] == pytest.approx(df["x"].iloc[10:].median(), rel=1e-14)


def test_frequency_weights_weight_the_median() -> None:
    """A row with frequency weight k counts k times in the median (as if repeated)."""
    df = _frame(3).assign(w=lambda d: np.arange(len(d)) % 3)
    fit = gg.glm("y ~ x + z", df, freq_weights="w", na_action="impute")
    repeated = df.loc[df.index.repeat(df["w"])]
    assert fit.spec.imputation.medians["x"] == pytest.approx(repeated["x"].median(), rel=1e-14)


def test_new_data_uses_the_training_medians(seed: int) -> None:
    """Prediction fills NA with the training medians (plus the indicator); a column complete in training still gets
    its median (and no indicator)."""
    train, new = _frame(seed), _frame(seed + 1, n=40)
    new.loc[new.index[:5], "z"] = np.nan
    fit = gg.glm("y ~ x + z + g", train, na_action="impute")
    medians = {"x": train["x"].median(), "z": train["z"].median()}
    manual = new.fillna(medians).assign(g=new["g"].fillna("NA"))
    X = pd.DataFrame({"Intercept": 1.0, "g[T.c]": manual["g"] == "c", "g[T.d]": manual["g"] == "d",
                      "g[T.NA]": manual["g"] == "NA", "x": manual["x"], "x[NA]": new["x"].isna(),
                      "z": manual["z"]}).astype(float)
    expected = X[fit.params.index].to_numpy() @ fit.params.to_numpy()
    np.testing.assert_allclose(fit.predict(new).to_numpy(), expected, rtol=1e-12)
    assert fit.evaluate(new).n == len(new)


def test_model_file_round_trip(tmp_path, seed: int) -> None:
    """The imputation is saved, checked and reused; a tampered imputation is refused."""
    train, new = _frame(seed), _frame(seed + 1, n=30)
    fit = gg.glm("y ~ np.log(np.abs(x) + 1) + z + g", train, na_action="impute")
    path = tmp_path / "model.json"
    fit.save(path)
    loaded = gg.load(path)
    assert loaded.spec.imputation == fit.spec.imputation
    np.testing.assert_allclose(loaded.predict(new).to_numpy(), fit.predict(new).to_numpy(), rtol=1e-14)
    plain = gg.glm("y ~ x + z + g", train, na_action="impute").spec  # pickled as for worker processes
    assert pickle.loads(pickle.dumps(plain)).imputation == plain.imputation
    saved = json.loads(path.read_text())
    saved["design"]["imputation"]["indicators"] = {"g": 0}  # a categorical column has no median, so no indicator
    saved["checksum"] = checksum(saved)
    path.write_text(json.dumps(saved))
    with pytest.raises(ModelFileError, match=r"design\.imputation\.indicators"):
        gg.load(path)


def _fold_ids(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(np.arange(n) % 4)


def test_each_fold_learns_its_own_medians(monkeypatch, seed: int) -> None:
    """Inside path.cv every fold's design learns the medians of its training rows (pandas'), which differ."""
    df = _frame(seed)
    path = gg.glm_path("y ~ x + z + g", df, na_action="impute", n_alphas=5)
    learned = []

    def recording(*args, **kwargs):
        spec, design = build_design(*args, **kwargs)
        learned.append((spec.imputation, args[1].index))
        return spec, design

    monkeypatch.setattr(cv_module, "build_design", recording)
    path.cv(folds=_fold_ids(len(df), seed))
    assert len(learned) == 4
    for imputation, rows in learned:
        assert imputation.medians == pytest.approx({c: df.loc[rows, c].median() for c in ("x", "z")}, rel=1e-14)
    assert len({imputation.medians["x"] for imputation, _ in learned}) > 1


def test_cv_equals_fits_by_hand_on_each_fold(seed: int) -> None:
    """path.cv's fold deviances equal a path fitted with impute on each fold's training rows, at the same alphas,
    evaluated on its held-out rows (filled with that fold's medians)."""
    df = _frame(seed)
    path = gg.glm_path("y ~ x + z + g", df, na_action="impute", n_alphas=5)
    ids = _fold_ids(len(df), seed)
    cv = path.cv(folds=ids)
    for k in range(4):
        train, test = df[ids != k], df[ids == k]
        fold = gg.glm_path("y ~ x + z + g", train, na_action="impute", alphas=path.alphas)
        by_hand = [fold.fit_at(alpha).evaluate(test).mean_deviance for alpha in path.alphas]
        np.testing.assert_allclose(cv.folds.loc[k].to_numpy(), by_hand, rtol=1e-5)


def test_imputing_all_rows_before_cv_is_optimistic(seed: int) -> None:
    """Leakage: x is missing only at one site, whose x values are shifted. Imputing on all rows before CV fills the
    held-out site with a median its own values pulled up, so its CV deviance is lower than the honest one, where
    the training sites' median fills it."""
    rng = np.random.default_rng(seed)
    site = np.repeat([0, 1, 2], [120, 120, 360])
    x = rng.normal(np.array([0.0, 0.5, 4.0])[site], 1.0)
    df = pd.DataFrame({"x": x, "y": 2.0 * x + rng.normal(size=site.size)})
    df.loc[(site == 2) & (rng.random(site.size) < 0.3), "x"] = np.nan
    honest = gg.glm_path("y ~ x", df, na_action="impute", n_alphas=20).cv(folds=site)
    leaked_frame = df.assign(x_na=df["x"].isna().astype(float), x=df["x"].fillna(df["x"].median()))
    leaked = gg.glm_path("y ~ x + x_na", leaked_frame, n_alphas=20).cv(folds=site)
    assert leaked.mean_deviance.min() < 0.8 * honest.mean_deviance.min()


@pytest.mark.parametrize("alpha", [0.0, 0.02])
def test_bootstrap_refits_relearn_the_medians(alpha: float, seed: int) -> None:
    """A bootstrap refit on counts c equals the fit on the rows repeated c times with na_action="impute": its
    medians are the resample's."""
    df = _frame(seed, n=160)
    fit = gg.glm("y ~ x + z", df, na_action="impute", alpha=alpha)
    counts = np.random.default_rng(seed).multinomial(len(df), np.full(len(df), 1 / len(df)))
    engine = (PenalizedEngine.of(fit, CDControl(tol=1e-12)) if alpha else GLMEngine.of(fit, REFIT_CONTROL))
    refit = engine.refit(counts, np.random.default_rng(0))
    repeated = df.loc[df.index.repeat(counts)]
    direct = gg.glm("y ~ x + z", repeated, na_action="impute", alpha=alpha, tol=1e-12)
    assert direct.spec.imputation.medians["x"] != fit.spec.imputation.medians["x"]
    np.testing.assert_allclose(refit.coef, direct.params.to_numpy(), rtol=1e-6, atol=1e-8)


def test_dask_frames_are_refused() -> None:
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(_frame(0), npartitions=2)
    for call in (lambda: gg.glm("y ~ x", frame, na_action="impute"),
                 lambda: gg.glm_path("y ~ x", frame, na_action="impute")):
        with pytest.raises(InvalidParameterError, match="Dask DataFrame"):
            call()


def test_no_imputation_keeps_the_design_as_before() -> None:
    """Without "impute" nothing changes: no imputation on the spec, NA rows dropped, the same columns."""
    df = _frame(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        fit = gg.glm("y ~ x + z + g", df)
    assert fit.spec.imputation is None and "x[NA]" not in fit.params.index
    assert fit.nobs == df[["x", "g"]].notna().all(axis=1).sum()
