"""``gg.glm_path(..., penalty="group")``: the formula's terms as groups (checked by the group lasso's optimality
conditions, computed here from scratch), fit_at, CV, penalty factors by term, refusals."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import glmgen as gg
from glmgen.errors import InvalidParameterError

QUINE = Path(__file__).resolve().parents[1] / "reference" / "data" / "quine.csv"  # MASS::quine
FORMULA = "np.log1p(Days) ~ Eth + Sex + Age + Lrn"


@pytest.fixture(scope="module")
def quine():
    return pd.read_csv(QUINE)


@pytest.fixture(scope="module")
def path(quine):
    return gg.glm_path(FORMULA, quine, "gaussian", penalty="group", standardize=False, n_alphas=8)


def test_groups_are_the_terms_and_enter_whole(path):
    assert path.penalty == "group"
    assert path.groups == {"Eth": ("Eth[T.N]",), "Sex": ("Sex[T.M]",),
                           "Age": ("Age[T.F1]", "Age[T.F2]", "Age[T.F3]"), "Lrn": ("Lrn[T.SL]",)}
    age = path.coefs[list(path.groups["Age"])].to_numpy()
    assert np.all((age != 0).all(axis=1) | (age == 0).all(axis=1))
    assert (age != 0).any() and (age == 0).any()
    np.testing.assert_array_equal(path.df, np.count_nonzero(path.coefs.iloc[:, 1:].to_numpy(), axis=1))
    np.testing.assert_array_equal(path.edf, path.df)


def test_optimality_conditions_of_the_group_lasso(path, quine):
    """``min ||y - b0 - X b||^2 / (2n) + alpha sum_g sqrt(|g|) ||b_g||``: for a zero group
    ``||X_g' r|| / n <= alpha sqrt(|g|)``, else ``X_g' r / n = alpha sqrt(|g|) b_g / ||b_g||``."""
    y = np.log1p(quine["Days"].to_numpy())
    X = pd.get_dummies(quine[["Eth", "Sex", "Age", "Lrn"]], drop_first=True).to_numpy(float)
    for k in range(1, len(path.alphas)):
        alpha, row = path.alphas[k], path.coefs.iloc[k].to_numpy()
        residual = y - row[0] - X @ row[1:]
        assert abs(residual.mean()) < 1e-8
        gradient = X.T @ residual / len(y)
        for columns in ([0], [1], [2, 3, 4], [5]):
            b, g, bound = row[1:][columns], gradient[columns], alpha * np.sqrt(len(columns))
            if np.all(b == 0):
                assert np.linalg.norm(g) <= bound * (1 + 1e-6)
            else:
                np.testing.assert_allclose(g, bound * b / np.linalg.norm(b), rtol=1e-4, atol=1e-6)


def test_fit_at_is_the_path_point(path):
    for k in (2, 5):
        np.testing.assert_allclose(path.fit_at(path.alphas[k]).params.to_numpy(), path.coefs.iloc[k].to_numpy(),
                                   atol=1e-5)


def test_cross_validation_runs_on_group_path(path, quine):
    cv = path.cv(folds=np.arange(len(quine)) % 5)
    assert cv.mean_deviance.shape == path.alphas.shape and np.all(np.isfinite(cv.mean_deviance))
    chosen = path.select("cv")
    np.testing.assert_allclose(chosen.params.to_numpy(), path.fit_at(cv.alpha_min).params.to_numpy())


def test_penalty_factor_by_term(quine):
    path = gg.glm_path(FORMULA, quine, "gaussian", penalty="group", penalty_factor={"Age": 0}, n_alphas=5)
    assert np.all(path.coefs.iloc[0][["Age[T.F1]", "Age[T.F2]", "Age[T.F3]"]] != 0)
    assert np.all(path.coefs.iloc[0][["Eth[T.N]", "Sex[T.M]", "Lrn[T.SL]"]] == 0)
    with pytest.raises(InvalidParameterError, match="term 'Age'"):
        gg.glm_path(FORMULA, quine, "gaussian", penalty="group", penalty_factor={"Age[T.F1]": 2})


def test_refusals(quine):
    with pytest.raises(InvalidParameterError, match="penalty"):
        gg.glm_path(FORMULA, quine, penalty="grouped")
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(InvalidParameterError, match="Dask"):
        gg.glm_path(FORMULA, dd.from_pandas(quine, npartitions=2), penalty="group")


def test_relaxed_group_path_refits_the_active_terms(quine):
    path = gg.glm_path("Days ~ Eth + Sex + Age + Lrn", quine, "poisson", penalty="group", relax=True, n_alphas=6)
    k = 2
    active = [c for c in path.coefs.columns[1:] if path.coefs.iloc[k][c] != 0]
    dummies = pd.get_dummies(quine[["Eth", "Sex", "Age", "Lrn"]], drop_first=True).astype(float)
    dummies.columns = ["Eth[T.N]", "Sex[T.M]", "Age[T.F1]", "Age[T.F2]", "Age[T.F3]", "Lrn[T.SL]"]
    reference = sm.GLM(quine["Days"], sm.add_constant(dummies[active]), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(path.relaxed_coefs.iloc[k][["Intercept"] + active], reference.params, rtol=1e-6)
