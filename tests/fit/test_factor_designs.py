"""The public API on designs with factors (``C(g)``, string columns): references outside glmgen.

- Unpenalized fits on real data shipped with statsmodels / in ``tests/reference/data`` against
  statsmodels' GLM with the same formula (params, bse, deviance; AIC and BIC from statsmodels'
  log-likelihood with R's parameter count, which includes an estimated dispersion).
- Penalized paths against glmnet's core (``glmstar``) on ``pd.get_dummies``-style indicator columns:
  the penalized objective at each alpha, and the coefficients.
- ``path.cv`` against held-out deviances of glmnet fits on each fold's training rows (``cv.glmnet``
  with ``foldid``).
- The bootstrap of a factor model against the bootstrap of the same model written with numeric 0/1
  columns (a dense design: another code path), a model file round trip, and a memory bound for a
  3,000-level factor in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from conftest import load_lbw, unit_deviance

import glmgen as gg

GLMNET_THRESH = 1e-16
COEF_RTOL, COEF_ATOL = 1e-5, 1e-8
OBJECTIVE_SLACK = 1e-7


# --------------------------------------------------------------------------- data
def grunfeld() -> pd.DataFrame:
    """statsmodels' Grunfeld investment data: 220 rows, ``firm`` a text column with 11 firms."""
    return sm.datasets.grunfeld.load_pandas().data


def grunfeld_with_missing_firm() -> pd.DataFrame:
    """Grunfeld with the firm of 5 rows missing (the rows are dropped, as statsmodels' formula API does)."""
    data = grunfeld()
    data["firm"] = data["firm"].astype(object)
    data.loc[[3, 50, 51, 120, 219], "firm"] = None
    return data


def fair() -> pd.DataFrame:
    """statsmodels' Fair affairs data (6,366 rows), with ``n_affairs`` the rounded count (a Poisson response)."""
    data = sm.datasets.fair.load_pandas().data
    data["n_affairs"] = np.round(data["affairs"])
    return data


CASES = {
    "grunfeld_gaussian": (grunfeld, "invest ~ value + capital + C(firm)", "gaussian"),
    "grunfeld_no_intercept": (grunfeld, "invest ~ 0 + C(firm) + value + capital", "gaussian"),
    "grunfeld_factor_by_numeric": (grunfeld, "invest ~ C(firm) + value + C(firm):capital", "gaussian"),
    "grunfeld_missing_levels": (grunfeld_with_missing_firm, "invest ~ value + capital + C(firm)", "gaussian"),
    "lbw_binomial_text_column": (load_lbw, "low ~ age + lwt + race + smoke + ht + ui", "binomial"),
    "fair_poisson_two_factors": (fair, "n_affairs ~ rate_marriage + age + C(occupation) + C(religious)", "poisson"),
}
STATSMODELS_FAMILIES = {"gaussian": sm.families.Gaussian, "binomial": sm.families.Binomial,
                        "poisson": sm.families.Poisson}


@pytest.mark.parametrize("case", list(CASES))
def test_glm_with_factors_matches_statsmodels(case):
    load, formula, family = CASES[case]
    data = load()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.DroppedRowsWarning)
        fit = gg.glm(formula, data, family=family, tol=1e-12)
    reference = smf.glm(formula, data, family=STATSMODELS_FAMILIES[family](), missing="drop").fit(tol=1e-13)
    assert fit.nobs == reference.nobs
    assert list(fit.params.index) == list(reference.params.index)
    np.testing.assert_allclose(fit.params, reference.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.bse, reference.bse, rtol=1e-8)
    np.testing.assert_allclose(fit.deviance, reference.deviance, rtol=1e-10)
    if "Intercept" in reference.params:
        np.testing.assert_allclose(fit.null_deviance, reference.null_deviance, rtol=1e-10)
    else:  # R's null model without an intercept is eta = 0 (statsmodels fits a constant): sum(y^2) here
        assert family == "gaussian"
        np.testing.assert_allclose(fit.null_deviance, np.sum(np.square(reference.model.endog)), rtol=1e-10)
    # R's AIC / BIC: k = rank + 1 for an estimated dispersion (statsmodels' aic leaves the dispersion out)
    k = reference.params.size + (family == "gaussian")
    np.testing.assert_allclose(fit.aic, -2 * reference.llf + 2 * k, rtol=1e-10)
    np.testing.assert_allclose(fit.bic, -2 * reference.llf + k * np.log(reference.nobs), rtol=1e-10)
    complete = data.dropna()
    np.testing.assert_allclose(fit.predict(complete), reference.predict(complete), rtol=1e-8)


def test_factor_from_a_pandas_categorical_keeps_its_level_order():
    data = grunfeld()
    order = sorted(data["firm"].unique(), reverse=True)
    data["firm"] = pd.Categorical(data["firm"], categories=order)
    fit = gg.glm("invest ~ value + capital + firm", data, tol=1e-12)
    reference = smf.glm("invest ~ value + capital + firm", data).fit()
    assert list(fit.params.index) == list(reference.params.index)
    assert fit.params.index[1] == f"firm[T.{order[1]}]"
    np.testing.assert_allclose(fit.params, reference.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.bse, reference.bse, rtol=1e-8)


def test_levels_without_rows_or_weight_get_nan_as_in_r():
    """An unused category and a level whose rows all have weight 0: NaN coefficients (R's NA); every other
    number equals statsmodels' fit on the rows with weight, without those levels."""
    data = grunfeld()
    data["firm"] = pd.Categorical(data["firm"], categories=sorted(data["firm"].unique()) + ["Zeta"])
    weights = np.where(data["firm"] == "IBM", 0.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        fit = gg.glm("invest ~ value + C(firm)", data, weights=weights, tol=1e-12)
    kept = data[weights > 0].assign(firm=lambda frame: frame["firm"].astype(str))
    reference = smf.glm("invest ~ value + C(firm)", kept).fit()
    empty = ["C(firm)[T.IBM]", "C(firm)[T.Zeta]"]
    assert fit.params[empty].isna().all() and fit.bse[empty].isna().all()
    np.testing.assert_allclose(fit.params.drop(empty), reference.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.bse.drop(empty), reference.bse, rtol=1e-8)
    assert fit.nobs == reference.nobs and fit.df_resid == reference.df_resid
    np.testing.assert_allclose(fit.aic, -2 * reference.llf + 2 * (reference.params.size + 1), rtol=1e-10)


# --------------------------------------------------------------------------- indicator columns by hand
def indicator_columns(names: list[str], data: pd.DataFrame) -> np.ndarray:
    """The design of a fit's column ``names`` from ``data``: ``C(g)[T.a]`` / ``g[T.a]`` is ``g == a``
    (the level's spelling compared as text), any other name is the numeric column itself."""
    columns = []
    for name in names:
        if "[T." in name:
            variable, level = name[:-1].split("[T.")
            variable = variable[2:-1] if variable.startswith("C(") else variable
            columns.append((data[variable].astype(str) == level).to_numpy(dtype=float))
        else:
            columns.append(data[name].to_numpy(dtype=float))
    return np.column_stack(columns)


def objective(family: str, X: np.ndarray, y: np.ndarray, intercept: float, coef: np.ndarray, alpha: float,
              l1_ratio: float, scales: np.ndarray) -> float:
    """API.md's objective (unit weights): ``deviance / (2 n) + alpha (l1_ratio |s b|_1 + (1 - l1_ratio)/2 |s b|^2)``."""
    eta = intercept + X @ coef
    mu = {"gaussian": lambda e: e, "poisson": np.exp, "binomial": lambda e: 1 / (1 + np.exp(-e))}[family](eta)
    smooth = np.sum(unit_deviance(family, y, mu)) / (2.0 * y.size)
    penalty = l1_ratio * np.sum(scales * np.abs(coef)) + 0.5 * (1 - l1_ratio) * np.sum(np.square(scales * coef))
    return float(smooth + alpha * penalty)


PATH_FORMULA = "n_affairs ~ C(occupation) + rate_marriage + age + C(religious)"


def fair_sample() -> pd.DataFrame:
    return fair().sample(1500, random_state=0).reset_index(drop=True)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_with_factors_matches_glmnet(standardize, l1_ratio):
    glmnet = pytest.importorskip("glmnet")
    from glmnet.paths.fastnet import FastNetControl

    data = fair_sample()
    path = gg.glm_path(PATH_FORMULA, data, family="poisson", l1_ratio=l1_ratio, n_alphas=15,
                       standardize=standardize, tol=1e-16)
    names = [name for name in path.coefs.columns if name != "Intercept"]
    assert any(name.startswith("C(occupation)[T.") for name in names)
    X, y = indicator_columns(names, data), data["n_affairs"].to_numpy(dtype=float)
    reference = glmnet.FishNet(alpha=l1_ratio, standardize=standardize, lambda_values=np.asarray(path.alphas),
                               control=FastNetControl(thresh=GLMNET_THRESH)).fit(X, y)
    scales = X.std(axis=0) if standardize else np.ones(X.shape[1])  # glmnet's 1/n standard deviation
    ours_coefs, ours_intercepts = path.coefs[names].to_numpy(), path.coefs["Intercept"].to_numpy()
    for i, alpha in enumerate(path.alphas):
        ours = objective("poisson", X, y, ours_intercepts[i], ours_coefs[i], alpha, l1_ratio, scales)
        theirs = objective("poisson", X, y, reference.intercepts_[i], reference.coefs_[i], alpha, l1_ratio, scales)
        assert ours <= theirs * (1 + OBJECTIVE_SLACK), (i, ours, theirs)
        np.testing.assert_allclose(ours_coefs[i], reference.coefs_[i], rtol=COEF_RTOL, atol=1e-6)


def test_cv_with_factors_matches_glmnet_fold_by_fold():
    """``cv.glmnet(foldid=)``: each fold's held-out mean deviance from a glmnet fit on the other folds, at the
    full-data alphas; every training fold holds every level, so the fold designs have the same columns."""
    glmnet = pytest.importorskip("glmnet")
    from glmnet.paths.fastnet import FastNetControl

    data = fair_sample()
    folds = np.arange(len(data)) % 4
    path = gg.glm_path(PATH_FORMULA, data, family="poisson", l1_ratio=1.0, n_alphas=10, standardize=False,
                       tol=1e-12)
    result = path.cv(folds=folds)
    names = [name for name in path.coefs.columns if name != "Intercept"]
    X, y = indicator_columns(names, data), data["n_affairs"].to_numpy(dtype=float)
    expected = np.empty((4, path.alphas.size))
    for k in range(4):
        train, test = folds != k, folds == k
        fold_fit = glmnet.FishNet(alpha=1.0, standardize=False, lambda_values=np.asarray(path.alphas),
                                  control=FastNetControl(thresh=GLMNET_THRESH)).fit(X[train], y[train])
        for i in range(path.alphas.size):
            mu = np.exp(fold_fit.intercepts_[i] + X[test] @ fold_fit.coefs_[i])
            expected[k, i] = unit_deviance("poisson", y[test], mu).mean()
    np.testing.assert_allclose(result.folds.to_numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(result.mean_deviance, expected.mean(axis=0), rtol=1e-6)  # equal fold sizes


# --------------------------------------------------------------------------- bootstrap and model files
def test_bootstrap_of_a_factor_model_equals_the_indicator_column_model():
    data = load_lbw()
    for level in ("other", "white"):  # 'black' is the reference level (first in sorted order)
        data[f"race_{level}"] = (data["race"] == level).astype(float)
    factor = gg.glm("low ~ race + age + lwt", data, family="binomial", tol=1e-12)
    numeric = gg.glm("low ~ race_other + race_white + age + lwt", data, family="binomial", tol=1e-12)
    assert list(factor.params.index[1:3]) == ["race[T.other]", "race[T.white]"]
    np.testing.assert_allclose(factor.params.to_numpy(), numeric.params.to_numpy(), rtol=1e-8)
    boot_factor = gg.bootstrap(factor, n_boot=20, seed=3)
    boot_numeric = gg.bootstrap(numeric, n_boot=20, seed=3)
    np.testing.assert_allclose(boot_factor.replicates.to_numpy(), boot_numeric.replicates.to_numpy(),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(boot_factor.se.to_numpy(), boot_numeric.se.to_numpy(), rtol=1e-6)


def test_model_file_round_trip_with_a_factor(tmp_path):
    data = grunfeld()
    fit = gg.glm("invest ~ value + capital + C(firm)", data, tol=1e-12)
    target = tmp_path / "grunfeld.json"
    fit.save(target)
    loaded = gg.load(target)
    pd.testing.assert_series_equal(loaded.params, fit.params, check_names=False)
    new = data.sample(40, random_state=1)
    np.testing.assert_array_equal(loaded.predict(new), fit.predict(new))
    np.testing.assert_array_equal(loaded.predict(new.iloc[:3]), fit.predict(new.iloc[:3]))  # few levels present
    unseen = new.iloc[:2].copy()
    unseen.loc[unseen.index[0], "firm"] = "Acme"
    with pytest.raises(gg.UnseenLevelError, match="Acme"):
        loaded.predict(unseen)


# --------------------------------------------------------------------------- memory
MEMORY_CHILD = textwrap.dedent("""
    import json, resource, time, tracemalloc
    import numpy as np, pandas as pd
    import glmgen as gg

    def vm_bytes():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))

    rng = np.random.default_rng(0)
    n, k = 60_000, 3_000
    codes = rng.integers(0, k, n)
    data = pd.DataFrame({"g": np.array([f"L{j}" for j in range(k)], dtype=object)[codes],
                         "x": rng.standard_normal(n)})
    data["y"] = rng.poisson(np.exp(0.5 + 0.2 * data["x"] + 0.3 * np.sin(codes))).astype(float)
    warm_up = data.iloc[:300].assign(g=data["g"].iloc[:300].str[:2])  # 10 levels
    gg.glm("y ~ C(g) + x", warm_up, family="poisson")  # load compiled kernels and patsy on a small design
    # a dense one-hot design (60,000 x 3,000 float64 = 1.44 GB) would hit this address-space cap at once
    resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + 2**30, resource.RLIM_INFINITY))
    tracemalloc.start()  # NumPy reports its buffers to tracemalloc: the peak of the fit's own allocations
    started = time.perf_counter()
    fit = gg.glm("y ~ C(g) + x", data, family="poisson")
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"growth": peak, "seconds": seconds, "n_params": int(fit.params.size),
                      "x": float(fit.params["x"]), "converged": bool(fit.converged)}))
""")


def test_large_factor_fits_without_a_dense_one_hot_matrix():
    """n = 60,000 rows, a 3,000-level factor: the fit's peak allocations below half the 1.44 GB one-hot matrix
    (traced allocations, not RSS: RSS growth also counts pages of the interpreter and libraries faulted back in,
    940 MB once on a loaded CI machine against 230 MB idle)."""
    child = subprocess.run([sys.executable, "-c", MEMORY_CHILD], capture_output=True, text=True, timeout=120,
                           check=False)
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["converged"] and report["n_params"] == 1 + 2999 + 1  # intercept, 2,999 level columns, x
    assert abs(report["x"] - 0.2) < 0.05  # the true slope, within sampling error (se ~ 0.005)
    # the covariance of 3,001 coefficients is 72 MB, patsy's contrast matrix as much; the bound is half the dense
    # one-hot design, which could not even be allocated under the address-space cap
    assert report["growth"] < 720 * 2**20, f"the fit allocated {report['growth'] / 2**20:.0f} MiB at its peak"
    # about 2 s on an idle core; the bound leaves room for a machine shared with other test processes
    assert report["seconds"] < 20, f"the fit took {report['seconds']:.1f} s"
