"""``gg.anova``: R's sequential analysis-of-deviance table of one fit (``anova.glm`` of R 4.2).

Where the expected numbers come from
------------------------------------
``tests/reference/data/r_profile_anova.json``, written by ``tests/reference/r/profile_anova.R`` (R 4.2.2,
MASS 7.3-58.2, ``glm.control(epsilon = 1e-12)``): ``anova(fit)``, ``anova(fit, test = "Chisq")`` and
``anova(fit, test = "F")`` for binomial (0/1 with a factor and an interaction, ``cbind``), poisson (with an
offset; with an aliased term, whose row R gives Df 0 and no test), gaussian, quasi-Poisson (with prior
weights and without), negative binomial (theta held, as ``anova.negbin``) and Gamma (inverse and log links)
models. Measured agreement: 5e-10 relative for deviances, 4e-8 for p-values (the estimated dispersions).
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import load_csv

import glmgen as gg

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "data" / "r_profile_anova.json"
RTOL = 1e-6


@cache
def reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text())


def r_cases() -> dict[str, Any]:
    return reference()["cases"]


def r_add1_gamma() -> dict[str, Any]:
    """R's ``add1`` tables of a Gamma model (read by ``test_add_drop.py``)."""
    return reference()["add1_gamma"]


def fit_r_case(name: str) -> gg.GLMResult:
    """The model of an R case of ``r_profile_anova.json``, fitted tightly (R ran with epsilon = 1e-12)."""
    case = r_cases()[name]
    family = gg.negative_binomial() if case["family"] == "negative_binomial" else case["family"]
    options = {key: case[key] for key in ("link", "offset", "weights") if key in case}
    with pytest.warns(gg.AliasedColumnsWarning) if "aliased" in name else nullcontext():
        return gg.glm(case["formula"], load_csv(case["data"]), family=family, tol=1e-12, **options)


def r_column(values: list[float | None]) -> np.ndarray:
    """A column of an R table (JSON null, R's NA, becomes NaN)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def assert_columns(table: pd.DataFrame, expected: dict[str, list[float | None]], pairs: dict[str, str]) -> None:
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(table[ours].to_numpy(dtype=float), r_column(expected[theirs]), rtol=RTOL,
                                   atol=1e-12, err_msg=ours)


@pytest.mark.parametrize("name", sorted(r_cases()))
def test_anova_matches_r(name):
    expected = r_cases()[name]["anova"]
    fit = fit_r_case(name)
    table = gg.anova(fit)
    assert list(table.index) == expected["rows"]
    assert list(table.columns) == ["df", "deviance", "resid_df", "resid_dev"]
    assert_columns(table, expected, {"df": "df", "deviance": "deviance", "resid_df": "resid_df",
                                     "resid_dev": "resid_dev"})
    chisq = gg.anova(fit, test="Chisq")
    assert list(chisq.columns) == ["df", "deviance", "resid_df", "resid_dev", "pvalue"]
    assert_columns(chisq, expected, {"pvalue": "chisq_pvalue"})
    pd.testing.assert_frame_equal(gg.anova(fit, test="LRT"), chisq)
    with pytest.warns(gg.GLMGenWarning, match="inappropriate") if not fit.family.estimates_dispersion \
            else nullcontext():
        f_test = gg.anova(fit, test="F")
    assert list(f_test.columns) == ["df", "deviance", "resid_df", "resid_dev", "statistic", "pvalue"]
    assert_columns(f_test, expected, {"statistic": "f_statistic", "pvalue": "f_pvalue"})


def test_anova_of_an_intercept_only_model_is_the_null_row():
    # R: anova(glm(EXECUTIONS ~ 1, poisson, cpunish)) has the NULL row only, Resid. Dev = the null deviance
    fit = gg.glm("EXECUTIONS ~ 1", load_csv("cpunish.csv"), family="poisson")
    table = gg.anova(fit, test="Chisq")
    assert list(table.index) == ["NULL"]
    np.testing.assert_allclose(table.loc["NULL", ["resid_df", "resid_dev"]], [16, fit.null_deviance], rtol=1e-12)
    assert table.loc["NULL", ["df", "deviance", "pvalue"]].isna().all()


def test_anova_refusals(tmp_path):
    data = load_csv("cpunish.csv")
    with pytest.raises(gg.InvalidParameterError, match="penalized"):
        gg.anova(gg.glm("EXECUTIONS ~ INCOME + SOUTH", data, family="poisson", alpha=0.1))
    fit = gg.glm("EXECUTIONS ~ INCOME + SOUTH", data, family="poisson")
    with pytest.raises(gg.InvalidParameterError, match="Rao"):
        gg.anova(fit, test="Rao")
    with pytest.raises(gg.InvalidParameterError, match="test='Wald'"):
        gg.anova(fit, test="Wald")
    fit.save(tmp_path / "model.json")
    with pytest.raises(gg.DataError, match="loaded from a file"):
        gg.anova(gg.load(tmp_path / "model.json"))
