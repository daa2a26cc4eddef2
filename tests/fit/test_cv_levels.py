"""Rare factor levels never break cross-validation or the report.

Titanic's ``title`` has single-row levels: a fold whose training rows lack one must still run. The level
set is declared from the path's rows; a level without training rows in a fold has an all-zero column.
References: glmnet's core (``glmstar``, imported as ``glmnet``) on the fold's design with its zero
columns, the same path without those columns, and the binomial deviance in closed form.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, xlogy

import glmgen as gg
from glmgen.evaluation import analyse
from glmgen.fit import FoldProblem

RARE = ["Capt", "Col", "Don", "Dona", "Jonkheer", "Lady", "Sir", "the Countess"]
COMMON = ["Master", "Miss", "Mr", "Mrs"]
FORMULA = "survived ~ title + age"
N_ROWS = 300
N_GLMNET_ALPHAS = 12


def titanic_like(seed: int) -> pd.DataFrame:
    """8 single-row titles (the first sorted, 'Capt', among them) beside 4 common ones; 20 rows of common
    titles miss their age."""
    rng = np.random.default_rng([seed, 1912])
    title = np.concatenate([rng.choice(COMMON, N_ROWS - len(RARE), p=[0.08, 0.22, 0.5, 0.2]), RARE])
    age = rng.uniform(1.0, 70.0, N_ROWS)
    eta = -1.0 + 2.0 * np.isin(title, ["Miss", "Mrs", "Lady", "Dona"]) + 1.0 * (title == "Master") - 0.01 * age
    age[:20] = np.nan
    data = pd.DataFrame({"survived": (rng.uniform(size=N_ROWS) < expit(eta)).astype(float), "title": title,
                         "age": age})
    return data.iloc[rng.permutation(N_ROWS)].reset_index(drop=True)


def binomial_mean_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    return float(np.mean(2.0 * (xlogy(y, y / mu) + xlogy(1.0 - y, (1.0 - y) / (1.0 - mu)))))


@pytest.fixture(scope="module")
def fold_case(seed: int) -> dict[str, Any]:
    """A 10-fold CV of the path and the fold holding out 'Capt' (the path's reference level); ``data`` are
    the path's rows (those with an age)."""
    with pytest.warns(gg.DroppedRowsWarning):
        path = gg.glm_path(FORMULA, titanic_like(seed), family="binomial", n_alphas=20, tol=1e-14)
    data = titanic_like(seed).dropna()
    cv = path.cv(folds=10, seed=seed)
    fold = int(cv.fold_ids[int(np.flatnonzero(data["title"] == "Capt")[0])])
    train = np.flatnonzero(cv.fold_ids != fold)
    test = np.flatnonzero(cv.fold_ids == fold)
    fold_path = gg.glm_path(FORMULA, path.spec.declare_levels(data).iloc[train], family="binomial",
                            alphas=path.alphas, tol=1e-14)
    absent = sorted(set(RARE) - set(data["title"].iloc[train]))
    return {"data": data, "path": path, "cv": cv, "fold": fold, "train": train, "test": test,
            "fold_path": fold_path, "absent": absent}


def test_cv_with_single_row_levels_gives_finite_deviances(fold_case: dict[str, Any]) -> None:
    cv = fold_case["cv"]
    assert np.isfinite(cv.mean_deviance).all() and np.isfinite(cv.se).all()
    assert np.isfinite(cv.folds.to_numpy()).all()


def test_levels_without_training_rows_have_zero_coefficients(fold_case: dict[str, Any]) -> None:
    """'Capt' and the other held-out singletons get all-zero columns with coefficient exactly 0; the
    reference level is the first with training rows ('Col' or later), and the other coefficients are
    those of the path fitted without the absent levels at all (the undeclared rows), to rounding."""
    data, train, absent, fold_path = (fold_case[k] for k in ("data", "train", "absent", "fold_path"))
    assert "Capt" in absent
    coefs = fold_path.coefs
    absent_columns = [f"title[T.{level}]" for level in absent]
    assert (coefs[absent_columns] == 0.0).all().all()
    undeclared = gg.glm_path(FORMULA, data.iloc[train], family="binomial", alphas=fold_case["path"].alphas,
                             tol=1e-14)
    assert set(coefs.columns) - set(undeclared.coefs.columns) == set(absent_columns)
    np.testing.assert_allclose(coefs[undeclared.coefs.columns], undeclared.coefs, rtol=1e-9, atol=1e-12)


def test_fold_deviance_predicts_absent_levels_at_the_reference(fold_case: dict[str, Any]) -> None:
    """The CV's held-out deviance of the fold equals the closed form with the held-out rows at absent
    levels given the reference level (no indicator), at the path's alphas."""
    data, cv, fold, test, fold_path = (fold_case[k] for k in ("data", "cv", "fold", "test", "fold_path"))
    held_out = data.iloc[test]
    for alpha, row in fold_path.coefs.iterrows():
        eta = row["Intercept"] + row["age"] * held_out["age"].to_numpy()
        eta = eta + np.array([row.get(f"title[T.{t}]", 0.0) for t in held_out["title"]])
        expected = binomial_mean_deviance(held_out["survived"].to_numpy(), expit(eta))
        assert cv.folds.loc[fold, alpha] == pytest.approx(expected, rel=1e-9)


def test_fold_path_with_zero_columns_matches_glmnet(fold_case: dict[str, Any]) -> None:
    """glmnet (thresh=1e-16, standardize=TRUE) on the fold's design with its all-zero columns: exactly 0 for
    the zero columns in both, the same lasso objective (relative 1e-12) and coefficients (atol 1e-4: the
    single-row levels make the objective nearly flat, so both programs stop at points that agree in the
    objective to ~1e-14 but in coefficients only to ~1e-5). The 12 largest alphas of 20: below them
    single-row levels are nearly separated and glmnet stops before converging."""
    glmnet = pytest.importorskip("glmnet")
    from glmnet.paths.fastnet import FastNetControl

    train, fold_path = fold_case["train"], fold_case["fold_path"]
    alphas = fold_case["path"].alphas[:N_GLMNET_ALPHAS]
    rows = fold_case["data"].iloc[train]
    columns = list(fold_path.coefs.columns[1:])  # the design's columns, built here by hand
    matrix = np.column_stack([_indicator(rows, c) if c.startswith("title") else rows[c].to_numpy()
                              for c in columns])
    zero = [columns.index(f"title[T.{a}]") for a in fold_case["absent"]]
    assert (matrix[:, zero] == 0).all()
    y = rows["survived"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glmnet convergence warning fails the test
        reference = glmnet.LogNet(lambda_values=alphas, alpha=1.0, standardize=True, response_id="y",
                                  control=FastNetControl(thresh=1e-16)).fit(matrix, pd.DataFrame({"y": y}))
    expected = np.column_stack([reference.intercepts_, reference.coefs_])
    ours = fold_path.coefs.to_numpy()[:N_GLMNET_ALPHAS]
    assert (ours[:, 1:][:, zero] == 0.0).all() and (expected[:, 1:][:, zero] == 0.0).all()
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-4)
    scales = np.sqrt(np.mean(np.square(matrix - matrix.mean(axis=0)), axis=0))  # glmnet's 1/n standard deviations
    def objective(b: np.ndarray, alpha: float) -> float:
        return binomial_mean_deviance(y, expit(b[0] + matrix @ b[1:])) / 2 + alpha * np.sum(scales * np.abs(b[1:]))

    for alpha, mine, theirs in zip(alphas, ours, expected):
        assert objective(mine, alpha) == pytest.approx(objective(theirs, alpha), rel=1e-12)


def _indicator(rows: pd.DataFrame, column: str) -> np.ndarray:
    """The 0/1 column ``title[T.<level>]``."""
    level = column[len("title[T."):-1]
    return (rows["title"] == level).to_numpy(dtype=float)


# --- the report ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("select", [None, "cv_1se"])
def test_report_runs_and_notes_levels_without_training_rows(seed: int, select: str | None) -> None:
    data = titanic_like(seed)
    # the first split seed that holds out some single-row titles
    split_seed = next(s for s in range(100) if set(RARE) & set(gg.split(data, test_size=0.25, seed=s)[1]["title"]))
    absent = sorted(set(RARE) & set(gg.split(data, test_size=0.25, seed=split_seed)[1]["title"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        analysis = analyse(FORMULA, data, "binomial", select=select, n_alphas=20, folds=5, n_boot=0,
                           learning_curve=False, seed=split_seed)
    notes = [n for n in analysis.notes if "no training rows" in n]
    assert len(notes) == 1
    assert all(repr(level) in notes[0] for level in absent)
    assert notes[0].startswith(f"{len(absent)} level")
    assert f"the {len(absent)} held-out row" in notes[0]  # one row per single-row title
    assert ("0 under the penalty" if select else "NaN") in notes[0]
    assert np.isfinite(analysis.generalization.test_mean_deviance)
    categories = {f"title[T.{level}]" for level in absent}
    assert categories <= set(analysis.fit.params.index)


def test_cv_without_rare_levels_is_unchanged_bitwise(seed: int) -> None:
    """When every level has training rows in every fold, the declared folds score exactly as folds that
    learn their levels from their own rows (the design before level sets were declared)."""
    data = titanic_like(seed)
    data = data[data["title"].isin(COMMON)].dropna().reset_index(drop=True)
    path = gg.glm_path(FORMULA, data, family="binomial", n_alphas=10)
    cv = path.cv(folds=5, seed=seed)
    declared = FoldProblem.of(path, path.refits, data)
    assert isinstance(declared.data["title"].dtype, pd.CategoricalDtype)
    undeclared = replace(declared, data=data)
    for fold in range(5):
        train, test = np.flatnonzero(cv.fold_ids != fold), np.flatnonzero(cv.fold_ids == fold)
        assert set(data["title"].iloc[train]) == set(COMMON)
        expected, weight = undeclared.held_out_deviance(train, test)
        assert np.array_equal(cv.folds.loc[fold].to_numpy(), expected)
        assert weight == cv.fold_weights[fold]
