"""Tests of the bootstrap (glmgen.resampling): refits, intervals, optimism, resampling schemes, determinism.

Expectations are computed independently in the tests: Wald standard errors
and leave-one-out refits by statsmodels, interval formulas written out from
R's ``boot.ci`` / ``norm.inter`` source, resample refits by ``gg.glm`` /
``gg.glm_path`` / ``gg.stepwise`` / statsmodels with the resample counts as
frequency weights.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmgen as gg
from benchmarks.problems import make_problem
from glmgen.resampling import bias_variance, bootstrap
from glmgen.resampling.engines_glm import GLMEngine
from glmgen.resampling.engines_path import PathEngine
from glmgen.resampling.intervals import no_information_deviance
from glmgen.resampling.refit import resample_design
from glmgen.solvers import CDControl

sm = pytest.importorskip("statsmodels.api")

SM_FAMILIES = {"binomial": "Binomial", "poisson": "Poisson", "gaussian": "Gaussian"}


def _sm_fit(data: pd.DataFrame, columns: list[str], family: str, freq_weights: np.ndarray | None = None):
    X = sm.add_constant(data[columns].to_numpy(), has_constant="add")
    model = sm.GLM(data["y"].to_numpy(), X, family=getattr(sm.families, SM_FAMILIES[family])(),
                   freq_weights=freq_weights)
    return model.fit(tol=1e-12, maxiter=200)


def _r_norm_inter(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """R boot's norm.inter, transcribed with R's 1-based order statistics."""
    t = np.sort(t[np.isfinite(t)])
    R = len(t)
    out = []
    for a in alpha:
        rk = (R + 1) * a
        k = math.trunc(rk)
        if k == 0:
            out.append(t[0])
        elif k == R:
            out.append(t[R - 1])
        elif k == rk:
            out.append(t[k - 1])
        else:
            tk, tk1 = t[k - 1], t[k]
            z, zk, zk1 = stats.norm.ppf(a), stats.norm.ppf(k / (R + 1)), stats.norm.ppf((k + 1) / (R + 1))
            out.append(tk + (z - zk) / (zk1 - zk) * (tk1 - tk))
    return np.array(out)


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def logistic() -> tuple[object, object, object]:
    problem = make_problem("binomial", n=3000, p=5, seed=11)
    fit = gg.glm(problem.formula, problem.data, family="binomial")
    boot = bootstrap(fit, n_boot=400, seed=3, progress=False)
    return problem, fit, boot


@pytest.fixture(scope="module")
def small_poisson() -> tuple[pd.DataFrame, object]:
    rng = np.random.default_rng(5)
    x1, x2 = rng.normal(size=80), rng.normal(size=80)
    data = pd.DataFrame({"x1": x1, "x2": x2, "y": rng.poisson(np.exp(0.3 + 0.5 * x1 - 0.3 * x2))})
    return data, gg.glm("y ~ x1 + x2", data, family="poisson")


# --- standard errors and refits ------------------------------------------------------------------------

def test_logistic_bootstrap_se_close_to_wald_se(logistic):
    """With 3,000 rows the sampling distribution is close to normal: bootstrap se ~ Wald se (statsmodels bse)."""
    problem, fit, boot = logistic
    wald = _sm_fit(problem.data, list(problem.feature_names), "binomial").bse
    ratio = boot.se.to_numpy() / wald
    assert np.all(np.abs(ratio - 1.0) < 0.15), ratio
    assert boot.n_failed == 0 and boot.n_nonconverged == 0
    assert boot.replicates.shape == (400, 6)
    np.testing.assert_allclose(boot.bias, boot.replicates.mean() - fit.params, rtol=1e-12, atol=1e-15)


def test_replicate_equals_statsmodels_refit_on_resample_counts(logistic):
    """A replicate is the MLE with the resample counts as frequency weights (statsmodels GLM, tol 1e-12)."""
    problem, _, boot = logistic
    for r in (0, 17):
        counts = boot.resample_counts(r)
        assert counts.sum() == problem.n
        reference = _sm_fit(problem.data, list(problem.feature_names), "binomial", freq_weights=counts)
        np.testing.assert_allclose(boot.replicates.iloc[r].to_numpy(), reference.params, rtol=1e-6, atol=1e-8)


def test_penalized_replicate_equals_glm_with_frequency_weights():
    """A penalized refit re-learns the standardization on the resample: equal to gg.glm(freq_weights=counts)."""
    problem = make_problem("poisson", n=400, p=6, seed=4)
    fit = gg.glm(problem.formula, problem.data, family="poisson", alpha=0.02, l1_ratio=0.7, tol=1e-14)
    boot = bootstrap(fit, n_boot=4, seed=1, progress=False, control=CDControl(tol=1e-14))
    for r in range(2):
        counts = boot.resample_counts(r).astype(float)
        direct = gg.glm(problem.formula, problem.data, family="poisson", alpha=0.02, l1_ratio=0.7,
                        freq_weights=counts, tol=1e-14)
        np.testing.assert_allclose(boot.replicates.iloc[r], direct.params, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("formula", ["y ~ x1 + x2", "y ~ x1 + x2 - 1"])
def test_replicate_with_prior_weights_and_exposure_equals_glm(formula):
    """Prior weights and exposure stay as they are; the counts multiply the frequency weights."""
    rng = np.random.default_rng(12)
    n = 300
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "w": rng.uniform(0.5, 2, n),
                         "e": rng.uniform(1, 3, n)})
    data["y"] = rng.poisson(data["e"] * np.exp(0.5 + 0.3 * data["x1"] - 0.2 * data["x2"]))
    fit = gg.glm(formula, data, family="poisson", weights="w", exposure="e")
    boot = bootstrap(fit, n_boot=3, seed=0, progress=False)
    counts = boot.resample_counts(2).astype(float)
    direct = gg.glm(formula, data, family="poisson", weights="w", exposure="e", freq_weights=counts)
    np.testing.assert_allclose(boot.replicates.iloc[2], direct.params, rtol=1e-6, atol=1e-8)


def test_path_bic_replicate_equals_glm_path_on_frequency_weights():
    """Path + BIC on a resample = gg.glm_path(freq_weights=counts).select('bic'), grid from its own alpha_max."""
    problem = make_problem("gaussian", n=300, p=8, seed=7, n_nonzero=2)
    path = gg.glm_path(problem.formula, problem.data)
    boot = bootstrap(path, n_boot=3, seed=2, select="bic", progress=False)
    for r in range(2):
        counts = boot.resample_counts(r).astype(float)
        direct_path = gg.glm_path(problem.formula, problem.data, freq_weights=counts)
        direct = direct_path.select("bic")
        np.testing.assert_allclose(boot.chosen_alpha.iloc[r], direct.penalty.alpha, rtol=1e-9)
        np.testing.assert_allclose(boot.replicates.iloc[r], direct.params, rtol=1e-5, atol=1e-7)


def test_stepwise_replicate_reruns_the_search():
    """A stepwise replicate is gg.stepwise on the resample's distinct rows with the counts as frequency weights."""
    problem = make_problem("poisson", n=150, p=4, seed=8, n_nonzero=2)
    step = gg.stepwise("y ~ x1 + x2 + x3 + x4", problem.data, family="poisson", criterion="bic")
    boot = bootstrap(step, n_boot=4, seed=0, data=problem.data, progress=False)
    assert boot.chosen_formula is not None
    for r in range(2):
        counts = boot.resample_counts(r)
        rows = counts > 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            direct = gg.stepwise("y ~ x1 + x2 + x3 + x4", problem.data[rows], family="poisson", criterion="bic",
                                 freq_weights=counts[rows].astype(float))
        assert boot.chosen_formula.iloc[r] == direct.best.spec.formula
        expected = direct.best.params.reindex(boot.replicates.columns).fillna(0.0)
        np.testing.assert_allclose(boot.replicates.iloc[r], expected, rtol=1e-6, atol=1e-8)


def test_stepwise_bootstrap_needs_no_data():
    """The search keeps the rows it used (after dropping NA rows), so gg.bootstrap(step) equals passing data=:
    each replicate is gg.stepwise on the kept rows' resample with the counts as frequency weights."""
    problem = make_problem("poisson", n=120, p=3, seed=4, n_nonzero=1)
    data = problem.data.copy()
    data.loc[[3, 50], "x2"] = np.nan
    weights = np.linspace(0.5, 1.5, len(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.DroppedRowsWarning)
        step = gg.stepwise("y ~ x1 + x2 + x3", data, family="poisson", criterion="bic", weights=weights)
    assert step.data is not None and len(step.data) == len(data) - 2
    assert "data" not in repr(step).split("\n")[0]
    boot = bootstrap(step, n_boot=3, seed=2, progress=False)
    given = bootstrap(step, n_boot=3, seed=2, data=data, progress=False)
    np.testing.assert_array_equal(boot.replicates.to_numpy(), given.replicates.to_numpy())
    kept = data["x2"].notna().to_numpy()
    counts = boot.resample_counts(0)
    rows = counts > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = gg.stepwise("y ~ x1 + x2 + x3", data[kept][rows], family="poisson", criterion="bic",
                             weights=weights[kept][rows], freq_weights=counts[rows].astype(float))
    expected = direct.best.params.reindex(boot.replicates.columns).fillna(0.0)
    np.testing.assert_allclose(boot.replicates.iloc[0], expected, rtol=1e-6, atol=1e-8)


def test_parametric_bootstrap_se_close_to_wald_se_for_poisson():
    problem = make_problem("poisson", n=500, p=3, seed=9)
    fit = gg.glm(problem.formula, problem.data, family="poisson")
    boot = bootstrap(fit, n_boot=300, seed=1, method="parametric", progress=False)
    ratio = boot.se / fit.bse
    assert np.all(np.abs(ratio - 1.0) < 0.15), ratio
    assert np.isnan(boot.optimism()["loo_boot"])


# --- intervals ------------------------------------------------------------------------------------

def test_percentile_basic_and_normal_intervals_follow_boot_ci(logistic):
    """percentile / basic use R boot's norm.inter (and type 7 with interpolation='linear'); normal as norm.ci."""
    _, fit, boot = logistic
    level = 0.9
    alpha = np.array([0.05, 0.95])
    for name in boot.replicates.columns:
        t, t0 = boot.replicates[name].to_numpy(), fit.params[name]
        percentile = boot.conf_int(level, "percentile").loc[name].to_numpy()
        np.testing.assert_allclose(percentile, _r_norm_inter(t, alpha), rtol=1e-12)
        basic = boot.conf_int(level, "basic").loc[name].to_numpy()
        np.testing.assert_allclose(basic, 2 * t0 - _r_norm_inter(t, alpha[::-1]), rtol=1e-12)
        linear = boot.conf_int(level, "percentile", interpolation="linear").loc[name].to_numpy()
        np.testing.assert_allclose(linear, np.quantile(t, alpha), rtol=1e-12)
        normal = boot.conf_int(level, "normal").loc[name].to_numpy()
        centre = t0 - (t.mean() - t0)
        half = np.std(t, ddof=1) * stats.norm.ppf(0.95)
        np.testing.assert_allclose(normal, [centre - half, centre + half], rtol=1e-12)


def test_bca_matches_independent_computation_with_statsmodels_jackknife(small_poisson):
    """BCa as boot.ci: z0 from the share below t0, a from leave-one-out statsmodels refits (usual.jack)."""
    data, fit = small_poisson
    boot = bootstrap(fit, n_boot=999, seed=4, progress=False)
    bca = boot.conf_int(0.95, "bca")
    n = len(data)
    loo = np.array([_sm_fit(data.drop(index=i), ["x1", "x2"], "poisson").params for i in range(n)])
    influence = (n - 1) * (fit.params.to_numpy()[None, :] - loo)
    z = stats.norm.ppf([0.025, 0.975])
    for j, name in enumerate(fit.params.index):
        t, t0 = boot.replicates[name].to_numpy(), fit.params[name]
        L = influence[:, j]
        a = np.sum(L**3) / (6 * np.sum(L**2) ** 1.5)
        z0 = stats.norm.ppf(np.mean(t < t0))
        adjusted = stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
        np.testing.assert_allclose(bca.loc[name].to_numpy(), _r_norm_inter(t, adjusted), rtol=1e-6)
    np.testing.assert_allclose(boot.influence().to_numpy(), influence, rtol=1e-5, atol=1e-7)


def test_infinitesimal_jackknife_approximates_exact_influence(small_poisson):
    _, fit = small_poisson
    boot = bootstrap(fit, n_boot=20, seed=0, progress=False)
    exact = boot.influence("exact").to_numpy()
    approx = boot.influence("infinitesimal").to_numpy()
    assert np.corrcoef(exact.ravel(), approx.ravel())[0, 1] > 0.98


def test_percentile_interval_coverage_small_simulation():
    """90% percentile intervals of a poisson slope (n=40) cover the truth in 80-97% of 100 simulated data sets."""
    covered = 0
    for k in range(100):
        rng = np.random.default_rng(1000 + k)
        x = rng.normal(size=40)
        data = pd.DataFrame({"x": x, "y": rng.poisson(np.exp(0.5 + 0.4 * x))})
        fit = gg.glm("y ~ x", data, family="poisson")
        interval = bootstrap(fit, n_boot=100, seed=k, progress=False).conf_int(0.9).loc["x"]
        covered += interval["lower"] <= 0.4 <= interval["upper"]
    assert 80 <= covered <= 97


# --- selection ------------------------------------------------------------------------------------

def test_inclusion_high_for_signal_low_for_noise_under_lasso_bic():
    """Resamples re-run the whole path and BIC: the signal is always kept, pure-noise columns mostly not.

    (Noise columns are included more often in resamples than in the original
    fit: duplicated rows roughly double the spread of their spurious
    correlations, so noise inclusion is only bounded, not zero.)
    """
    rng = np.random.default_rng(4)
    n = 1000
    data = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{j}" for j in range(1, 7)])
    data["y"] = 1.0 + 1.0 * data["x1"] + rng.normal(size=n)
    path = gg.glm_path("y ~ x1 + x2 + x3 + x4 + x5 + x6", data)
    boot = bootstrap(path, n_boot=30, seed=0, select="bic", progress=False)
    assert boot.inclusion["x1"] == 1.0
    assert np.all(boot.inclusion[["x2", "x3", "x4", "x5", "x6"]] < 0.5)
    assert boot.chosen_alpha.notna().all()
    assert set(boot.replicates.columns) == set(path.coefs.columns)


def test_path_cv_selection_runs_and_fast_folds_equal_design_relearning():
    """Per-replicate CV: slicing a stateless design gives exactly FoldProblem's re-learned folds."""
    problem = make_problem("binomial", n=200, p=5, seed=6, n_nonzero=2)
    path = gg.glm_path(problem.formula, problem.data, family="binomial")
    engine = PathEngine.of(path, "cv", grid="resample", cv_folds=4, cv_groups=None)
    assert engine.stateless
    counts = np.bincount(np.random.default_rng(0).integers(0, 200, 200), minlength=200)
    rows = np.flatnonzero(counts)
    design = resample_design(engine.design, rows, counts)
    ids = np.arange(rows.size) % 4
    fold = dataclasses.replace(
        engine.folds, data=engine.folds.data.iloc[rows], alphas=path.alphas,
        variables={**{r: v for r, v in engine.folds.variables.items()}, "freq_weights": design.freq_weights},
    )
    train, test = np.flatnonzero(ids != 1), np.flatnonzero(ids == 1)
    fast = engine._held_out(design, train, test, path.alphas)
    slow = fold.held_out_deviance(train, test)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12)
    assert fast[1] == slow[1]
    boot = bootstrap(path, n_boot=3, seed=0, select="cv_1se", cv_folds=4, progress=False)
    assert boot.n_failed == 0 and boot.chosen_alpha.notna().all()


# --- optimism ---------------------------------------------------------------------------------------

def test_632plus_equals_hand_computation_on_tiny_data():
    """Every optimism estimate recomputed from statsmodels refits on the resample counts (n=30, 20 replicates)."""
    rng = np.random.default_rng(21)
    x = rng.normal(size=30)
    data = pd.DataFrame({"x": x, "y": (rng.random(30) < 1 / (1 + np.exp(-(0.2 + 1.2 * x)))).astype(float)})
    fit = gg.glm("y ~ x", data, family="binomial")
    boot = bootstrap(fit, n_boot=20, seed=5, progress=False)
    y = data["y"].to_numpy()
    X1 = sm.add_constant(x)

    def unit_deviance(mu: np.ndarray) -> np.ndarray:
        return -2 * (y * np.log(mu) + (1 - y) * np.log(1 - mu))

    mu0 = _sm_fit(data, ["x"], "binomial").fittedvalues
    apparent = unit_deviance(mu0).mean()
    gaps, oob_sum, oob_count = [], np.zeros(30), np.zeros(30)
    for r in range(20):
        counts = boot.resample_counts(r)
        mu = 1 / (1 + np.exp(-X1 @ _sm_fit(data, ["x"], "binomial", freq_weights=counts).params))
        d = unit_deviance(mu)
        gaps.append(d.mean() - counts @ d / counts.sum())
        oob_sum += np.where(counts == 0, d, 0.0)
        oob_count += counts == 0
    seen = oob_count > 0
    loo = np.mean(oob_sum[seen] / oob_count[seen])
    gamma = np.mean([[-2 * (yi * np.log(m) + (1 - yi) * np.log(1 - m)) for m in mu0] for yi in y])
    loo_clipped = min(loo, gamma)
    rate = (loo_clipped - apparent) / (gamma - apparent) if loo > apparent and gamma > apparent else 0.0
    e632 = 0.368 * apparent + 0.632 * loo
    e632plus = e632 + (loo_clipped - apparent) * 0.368 * 0.632 * rate / (1 - 0.368 * rate)
    result = boot.optimism()
    expected = {"apparent": apparent, "harrell": apparent + np.mean(gaps), "loo_boot": loo, "e632": e632,
                "e632plus": e632plus, "no_information": gamma}
    for key, value in expected.items():
        np.testing.assert_allclose(result[key], value, rtol=1e-6, err_msg=key)
    low, high = sorted([result["apparent"], result["loo_boot"]])
    assert low <= result["e632plus"] <= high


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
def test_no_information_error_linear_formula_equals_all_pairs(family):
    rng = np.random.default_rng(2)
    n = 60
    family_object = gg.glm("y ~ x", pd.DataFrame({"x": rng.normal(size=5), "y": np.ones(5) * 0.5}),
                           family="binomial" if family == "binomial" else family).family
    y = {"gaussian": rng.normal(size=n), "binomial": rng.integers(0, 2, n).astype(float),
         "poisson": rng.poisson(2.0, n).astype(float)}[family]
    mu = {"gaussian": rng.normal(size=n), "binomial": rng.uniform(0.1, 0.9, n),
          "poisson": rng.uniform(0.5, 4, n)}[family]
    w = rng.uniform(0.5, 2.0, n)
    pairs = sum(w[i] * w[j] * family_object.unit_deviance(y[i:i + 1], mu[j:j + 1])[0]
                for i in range(n) for j in range(n)) / w.sum() ** 2
    np.testing.assert_allclose(no_information_deviance(family_object, y, mu, w), pairs, rtol=1e-10)


# --- resampling schemes, determinism, failures -----------------------------------------------------

def test_identical_results_for_any_n_jobs(small_poisson):
    _, fit = small_poisson
    one = bootstrap(fit, n_boot=60, seed=8, n_jobs=1, progress=False)
    two = bootstrap(fit, n_boot=60, seed=8, n_jobs=2, progress=False)
    assert np.array_equal(one.replicates.to_numpy(), two.replicates.to_numpy())
    assert np.array_equal(one.oob_sum, two.oob_sum) and np.array_equal(one.oob_count, two.oob_count)
    assert np.array_equal(one.deviances.to_numpy(), two.deviances.to_numpy())


def test_stratified_resampling_keeps_stratum_sizes(small_poisson):
    data, fit = small_poisson
    strata = np.where(data["x1"] > 0.5, "high", "low")
    boot = bootstrap(fit, n_boot=10, seed=0, strata=strata, progress=False)
    sizes = pd.Series(strata).value_counts()
    for r in range(10):
        totals = pd.Series(boot.resample_counts(r)).groupby(strata).sum()
        assert totals.to_dict() == sizes.to_dict()


def test_cluster_resampling_keeps_groups_whole(small_poisson):
    data, fit = small_poisson
    frame = data.assign(cluster=np.arange(len(data)) // 4)
    boot = bootstrap(fit, n_boot=10, seed=0, groups="cluster", data=frame, progress=False)
    for r in range(10):
        counts = pd.Series(boot.resample_counts(r)).groupby(frame["cluster"].to_numpy())
        assert (counts.nunique() == 1).all()  # every row of a group has the group's count
        assert counts.first().sum() == frame["cluster"].nunique()  # as many groups drawn as there are


def test_nonconverged_replicates_are_counted():
    """Nearly separated data: some resamples are separable, IRLS does not converge there, and they are counted."""
    x = np.array([-3, -2.5, -2, -1.5, -1, -0.5, -0.2, 0.1, 0.3, 0.6, 1, 1.5, 2, 2.5, 3.0])
    data = pd.DataFrame({"x": x, "y": [0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gg.glm("y ~ x", data, family="binomial")
    with pytest.warns(gg.SeparationWarning, match="replicates are separated"):
        boot = bootstrap(fit, n_boot=40, seed=0, progress=False)
    assert boot.n_nonconverged > 0
    assert boot.n_nonconverged == len(boot.nonconverged_replicates)
    r = boot.nonconverged_replicates[0]
    counts = boot.resample_counts(r)
    separable = data["x"][(counts > 0) & (data["y"] == 0)].max() < data["x"][(counts > 0) & (data["y"] == 1)].min()
    assert separable and boot.separated[r]
    assert np.array_equal(boot.separated, ~boot.converged)  # here every non-converged replicate is separated
    assert boot.n_separated == boot.n_nonconverged
    assert any("are separated" in message for message in boot.warnings)


def test_failed_replicates_are_nan_rows_left_out_with_a_warning(small_poisson, monkeypatch):
    _, fit = small_poisson
    original = GLMEngine.refit

    def flaky(self, counts, rng, y=None):
        if counts[0] == 0:
            raise FloatingPointError("simulated failure")
        return original(self, counts, rng, y)

    monkeypatch.setattr(GLMEngine, "refit", flaky)
    with pytest.warns(gg.ConvergenceWarning, match="failed"):
        boot = bootstrap(fit, n_boot=30, seed=1, progress=False)
    expected = [r for r in range(30) if boot.resample_counts(r)[0] == 0]
    assert boot.failed_replicates == expected and boot.n_failed == len(expected) > 0
    assert boot.replicates.iloc[expected].isna().all().all()
    assert "simulated failure" in boot.errors[expected[0]]
    kept = boot.replicates.drop(index=expected)
    np.testing.assert_allclose(boot.se, kept.std(ddof=1), rtol=1e-12)


# --- bias-variance, plots, bad input -----------------------------------------------------------------

def test_bias_variance_decomposition_adds_up():
    train = make_problem("gaussian", n=200, p=5, seed=1, n_nonzero=2)
    test = make_problem("gaussian", n=100, p=5, seed=2, n_nonzero=2)
    path = gg.glm_path(train.formula, train.data, n_alphas=10)
    result = bias_variance(path, test.data, n_boot=8, seed=0, progress=False)
    table = result.table
    assert list(table.index) == sorted(path.alphas, reverse=True)
    np.testing.assert_allclose(table["expected_error"], table["bias2"] + table["variance"], rtol=1e-9)
    np.testing.assert_allclose(table["mean_deviance"], table["expected_error"], rtol=1e-9)  # gaussian: d = (y-mu)^2
    assert table["variance"].iloc[-1] > table["variance"].iloc[0]  # less penalty, more variance
    single = bias_variance(gg.glm(train.formula, train.data), test.data, n_boot=8, progress=False)
    assert len(single.table) == 1
    assert type(result.plot()).__name__ == "Figure"


def test_plot_returns_a_figure(logistic):
    _, _, boot = logistic
    figure = boot.plot()
    assert type(figure).__name__ == "Figure" and len(figure.axes) == 2


def test_bad_input_is_refused(small_poisson):
    data, fit = small_poisson
    path = gg.glm_path("y ~ x1 + x2", data, family="poisson", n_alphas=5)
    with pytest.raises(ValueError, match="select="):
        bootstrap(path, n_boot=5)
    with pytest.raises(ValueError, match="select="):
        bootstrap(fit, n_boot=5, select="bic")
    with pytest.raises(ValueError, match="parametric"):
        bootstrap(path.select("bic"), n_boot=5, method="parametric")
    with pytest.raises(ValueError, match="strata has 3 labels"):
        bootstrap(fit, n_boot=5, strata=[1, 2, 3])
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap(fit, n_boot=1)
    step = gg.stepwise("y ~ x1 + x2", data, family="poisson")
    with pytest.raises(ValueError, match="data="):
        bootstrap(dataclasses.replace(step, data=None), n_boot=5)  # a result that does not hold its rows
