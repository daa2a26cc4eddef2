"""Profile-likelihood intervals (``glmgen.fit.profile_intervals``, ``fit.conf_int(method="profile")``) against R.

Where the expected numbers come from
------------------------------------
``tests/reference/data/r_profile_anova.json``, written by ``tests/reference/r/profile_anova.R`` (R 4.2.2,
MASS 7.3-58.2; each model fitted with ``glm.control(epsilon = 1e-12)``): ``confint(fit)`` and
``confint(fit, level = 0.9)`` (R 4.2's ``confint.glm`` is MASS's profile method) for binomial (0/1 and
``cbind``), poisson (with an offset, and with an aliased column: R's NA row), gaussian, quasi-Poisson (with
prior weights), negative binomial (theta held at ``glm.nb``'s estimate), and Gamma (inverse and log links)
models, and ``spline(x, y)`` on a small set of points. Measured agreement: 7e-9 relative at most (the
negative binomial), 2e-9 for the other families.
"""

from __future__ import annotations

import json
import math
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import load_csv
from scipy import stats

import glmgen as gg
from glmgen.fit import ProfileRefits, profile_intervals
from glmgen.fit.profile import fmm_spline_points

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "data" / "r_profile_anova.json"
RTOL = 1e-6


@cache
def reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text())


def fit_case(name: str) -> gg.GLMResult:
    """The model of an R case, fitted tightly (R ran with epsilon = 1e-12)."""
    case = reference()["cases"][name]
    family = gg.negative_binomial() if case["family"] == "negative_binomial" else case["family"]
    options = {key: case[key] for key in ("link", "offset", "weights") if key in case}
    return gg.glm(case["formula"], load_csv(case["data"]), family=family, tol=1e-12, **options)


def expected_interval(name: str, key: str = "confint") -> pd.DataFrame:
    ci = reference()["cases"][name][key]
    return pd.DataFrame({"lower": ci["lower"], "upper": ci["upper"]}).astype(float)  # JSON null (R's NA) -> NaN


@pytest.mark.parametrize("name", sorted(reference()["cases"]))
def test_profile_intervals_match_r_confint(name):
    fit = fit_case(name)
    expected = expected_interval(name)
    got = profile_intervals(fit, 0.95)
    assert list(got.columns) == ["lower", "upper"] and list(got.index) == list(fit.params.index)
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", ["lbw_binomial", "scotland_gamma"])
def test_profile_intervals_at_another_level_match_r(name):
    # R: confint(fit, level = 0.9): alpha = 0.1 / 4 sets the grid, qnorm(0.05) and qnorm(0.95) the cut-offs
    got = ProfileRefits().profile_intervals(fit_case(name), 0.9)
    expected = expected_interval(name, "confint_90")
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=RTOL, atol=0)


def test_conf_int_method_profile_matches_r():
    fit = fit_case("cpunish_poisson")
    expected = expected_interval("cpunish_poisson")
    np.testing.assert_allclose(fit.conf_int(0.95, method="profile").loc[expected.index], expected, rtol=RTOL, atol=0)


def test_gaussian_identity_profile_is_the_normal_wald_interval():
    # The gaussian identity-link deviance is exactly quadratic, dev(b_j) = dev + (b_j - b0_j)^2 / cov_unscaled_jj,
    # so z = (b_j - b0_j) / se_j on every grid point, the spline is that line, and the interval is
    # b0_j -+ qnorm(0.975) se_j (normal, not t, quantiles: MASS cuts the profile at qnorm).
    fit = fit_case("quine_gaussian")
    half_width = stats.norm.ppf(0.975) * fit.bse
    expected = pd.DataFrame({"lower": fit.params - half_width, "upper": fit.params + half_width})
    np.testing.assert_allclose(profile_intervals(fit), expected, rtol=1e-10, atol=0)


def test_fmm_spline_matches_r_spline():
    points = reference()["spline"]
    grid, values = fmm_spline_points(np.array(points["x"]), np.array(points["y"]))
    np.testing.assert_allclose(grid, points["out_x"], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(values, points["out_y"], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("degree", [1, 2, 3])
def test_fmm_spline_reproduces_the_polynomial_through_few_points(degree):
    # FMM end conditions: two points give the line, three the parabola, four the cubic through them
    x = np.array([-1.0, 0.2, 0.5, 1.7])[: degree + 1]
    coefficients = np.array([0.7, -1.1, 0.4, 2.0])[: degree + 1]
    grid, values = fmm_spline_points(x[::-1], np.polyval(coefficients, x)[::-1])  # any order, as R's spline
    np.testing.assert_allclose(grid, np.linspace(x.min(), x.max(), 3 * x.size), rtol=1e-14)
    np.testing.assert_allclose(values, np.polyval(coefficients, grid), rtol=1e-12, atol=1e-12)


def test_fmm_spline_averages_tied_x():
    # R's regularize.values(ties = mean): (0, 1) and (0, 3) become (0, 2)
    grid, values = fmm_spline_points(np.array([0.0, 0.0, 1.0]), np.array([1.0, 3.0, 4.0]))
    np.testing.assert_allclose(values, 2.0 + 2.0 * grid, rtol=1e-14)


def test_unreached_end_is_nan_with_a_warning():
    # Complete separation. R 4.2.2 / MASS 7.3-58.2 on the same data:
    #   confint(glm(y ~ x, binomial, data.frame(x = 1:8, y = rep(0:1, each = 4))))
    #   x: -6788.43, NA   (the estimate itself, ~46, depends on where IRLS stops)
    data = pd.DataFrame({"x": np.arange(1.0, 9.0), "y": np.repeat([0.0, 1.0], 4)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.SeparationWarning)
        fit = gg.glm("y ~ x", data, family="binomial")
        with pytest.warns(gg.IntervalWarning, match="'x' does not reach the upper end"):
            got = profile_intervals(fit)
    assert math.isnan(got.loc["x", "upper"]) and got.loc["x", "lower"] < 0


def test_profile_refusals(tmp_path):
    data = load_csv("cpunish.csv")
    with pytest.raises(gg.InvalidParameterError, match="penalized"):
        profile_intervals(gg.glm("EXECUTIONS ~ INCOME + SOUTH", data, family="poisson", alpha=0.1))
    fit = gg.glm("EXECUTIONS ~ INCOME + SOUTH", data, family="poisson")
    with pytest.raises(gg.InvalidParameterError, match="level"):
        profile_intervals(fit, 95)
    fit.save(tmp_path / "model.json")
    with pytest.raises(gg.DataError, match="loaded from a file"):
        profile_intervals(gg.load(tmp_path / "model.json"))
