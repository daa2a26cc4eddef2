"""Robust covariances (``cov_type=``): R's sandwich package (HC0-HC3, vcovCL), statsmodels live (HC0, cluster),
frequency weights, the record (tables, summary, model file) and the argument errors.

R numbers: ``tests/reference/r/covariance.R`` -> ``tests/reference/data/r_covariance.json`` (R 4.2.2,
sandwich 3.0.2). statsmodels returns HC0 for HC1-HC3 on a GLM (statsmodels issue #7798), so those are checked
against R only.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmgen as gg
from glmgen.errors import DataError, InvalidParameterError, ModelFileError
from glmgen.results import GLMResult
from glmgen.results.model_file import checksum

sm = pytest.importorskip("statsmodels.api")

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
R_CASES = json.loads((REFERENCE / "data" / "r_covariance.json").read_text())["cases"]
HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
TIGHT = 1e-12


def case_data(name: str) -> pd.DataFrame:
    """The case's CSV with R's ``block`` column: consecutive rows in groups of ``block_size``."""
    case = R_CASES[name]
    data = pd.read_csv(REFERENCE / "data" / case["data"])
    return data.assign(block=np.arange(len(data)) // case["block_size"])


def r_order(fit: GLMResult, name: str) -> np.ndarray:
    """Positions of R's coefficients (``case["names"]``) among glmgen's: ``Intercept`` is ``(Intercept)``,
    ``C(x)[T.2]`` is ``factor(x)2`` and ``race[T.other]`` is ``raceother``."""
    def as_r(column: str) -> str:
        column = "(Intercept)" if column == "Intercept" else column
        return re.sub(r"^C\((\w+)\)\[T\.(.+)\]$", r"factor(\1)\2", re.sub(r"^(\w+)\[T\.(.+)\]$", r"\1\2", column))
    names = [as_r(str(c)) for c in fit.params.index]
    return np.array([names.index(n) for n in R_CASES[name]["names"]])


def in_r_order(values: pd.Series | pd.DataFrame, fit: GLMResult, name: str) -> np.ndarray:
    """A per-coefficient series, or a covariance matrix, in R's order of the coefficients."""
    order = r_order(fit, name)
    array = values.to_numpy()
    return array[order] if array.ndim == 1 else array[np.ix_(order, order)]


def fit_case(name: str, cov_type: str = "nonrobust", data: pd.DataFrame | None = None, **kwargs) -> GLMResult:
    spec = dict(R_CASES[name]["glmgen"])
    data = case_data(name) if data is None else data
    cluster = "block" if cov_type == "cluster" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gg.glm(spec.pop("formula"), data, spec.pop("family"), **spec, tol=TIGHT, cov_type=cov_type,
                      cluster=cluster, **kwargs)


# ------------------------------------------------------------------------------------------- against R
@pytest.mark.parametrize("name", list(R_CASES))
@pytest.mark.parametrize("cov_type", HC_TYPES + ("cluster",))
def test_standard_errors_equal_rs_sandwich(name, cov_type):
    """sandwich::vcovHC(fit, type=) and vcovCL(fit, cluster=block, type="HC1")."""
    fit = fit_case(name, cov_type)
    case = R_CASES[name]
    np.testing.assert_allclose(in_r_order(fit.params, fit, name), case["params"], rtol=1e-8)
    np.testing.assert_allclose(in_r_order(fit.bse, fit, name), case[f"bse_{cov_type}"], rtol=1e-6)
    assert fit.cov_type == cov_type


@pytest.mark.parametrize("name", ["binomial_lbw", "poisson_insurance", "gamma_scotland"])
@pytest.mark.parametrize("cov_type", ["HC3", "cluster"])
def test_whole_covariance_matrix_equals_rs(name, cov_type):
    fit = fit_case(name, cov_type)
    expected = np.array(R_CASES[name][f"cov_{cov_type}"])
    np.testing.assert_allclose(in_r_order(fit.cov_params(), fit, name), expected, rtol=1e-6,
                               atol=1e-12 * np.abs(expected).max())
    if cov_type == "cluster":
        assert fit.n_clusters == R_CASES[name]["n_clusters"]


# ------------------------------------------------------------------------------------ against statsmodels
def statsmodels_fit(name: str, cov_type: str):
    """statsmodels' GLM of the case, fitted to 1e-12, with its default robust settings."""
    data = case_data(name)
    spec = R_CASES[name]["glmgen"]
    fit = fit_case(name)  # the design's columns, to build statsmodels' exog
    design = fit.training.design.X
    dense = design if isinstance(design, np.ndarray) else design.toarray()
    X = pd.DataFrame(dense, columns=fit.spec.column_names).assign(Intercept=1.0)
    X = X[list(fit.params.index)]
    if spec["formula"].startswith("cbind"):
        endog = data[["NABOVE", "NBELOW"]].to_numpy()
    else:
        endog = data[spec["formula"].split(" ~ ")[0]].to_numpy()
    families = {("binomial", "logit"): sm.families.Binomial(), ("poisson", "log"): sm.families.Poisson(),
                ("gaussian", "identity"): sm.families.Gaussian(),
                ("gaussian", "log"): sm.families.Gaussian(sm.families.links.Log()),
                ("gamma", "inverse"): sm.families.Gamma()}
    offset = np.log(data["Holders"].to_numpy()) if "offset" in spec else None
    with warnings.catch_warnings():  # statsmodels' DomainWarning for the Gamma family's inverse link (R's default)
        warnings.simplefilter("ignore")
        model = sm.GLM(endog, X, family=families[spec["family"], spec["link"]], offset=offset)
    kwds = {"groups": data["block"].to_numpy()} if cov_type == "cluster" else None
    return model.fit(cov_type=cov_type, cov_kwds=kwds, tol=TIGHT)


CANONICAL = [name for name in R_CASES if name != "gaussian_log"]


@pytest.mark.parametrize("name", CANONICAL)
@pytest.mark.parametrize("cov_type", ["HC0", "cluster"])
def test_standard_errors_equal_statsmodels(name, cov_type):
    fit, reference = fit_case(name, cov_type), statsmodels_fit(name, cov_type)
    np.testing.assert_allclose(fit.bse.to_numpy(), np.asarray(reference.bse), rtol=1e-6)
    np.testing.assert_allclose(fit.pvalues.to_numpy(), np.asarray(reference.pvalues), rtol=1e-5, atol=1e-14)
    np.testing.assert_allclose(fit.conf_int(0.9).to_numpy(), np.asarray(reference.conf_int(0.1)), rtol=1e-6)


def test_a_non_canonical_link_uses_the_expected_information_as_the_bread():
    """statsmodels' sandwich takes the observed information for its bread, R's sandwich and glmgen the
    expected (Fisher) information; they differ for a non-canonical link only. Here statsmodels' own score rows
    and expected Hessian give R's and glmgen's number, and its default differs."""
    fit = fit_case("gaussian_log", "HC0")
    reference = statsmodels_fit("gaussian_log", "HC0")
    model, params = reference.model, reference.params
    scores = model.score_obs(params)
    bread = np.linalg.inv(-model.hessian(params, observed=False))
    expected_information = np.sqrt(np.diag(bread @ scores.T @ scores @ bread))
    np.testing.assert_allclose(fit.bse.to_numpy(), expected_information, rtol=1e-6)
    assert not np.allclose(fit.bse.to_numpy(), np.asarray(reference.bse), rtol=1e-6, atol=0)


def test_robust_p_values_and_intervals_use_the_normal_reference():
    """With an estimated dispersion the model-based table uses t (R's summary.glm); a sandwich uses z
    (lmtest::coeftest on a glm, statsmodels)."""
    fit = fit_case("gaussian_scotland", "HC1")
    z = fit.params / fit.bse
    np.testing.assert_allclose(fit.pvalues.to_numpy(), 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)
    half = fit.conf_int(0.95)["upper"] - fit.params
    np.testing.assert_allclose(half.to_numpy(), stats.norm.ppf(0.975) * fit.bse.to_numpy(), rtol=1e-12)
    plain = fit_case("gaussian_scotland")
    t = plain.params / plain.bse
    np.testing.assert_allclose(plain.pvalues.to_numpy(), 2 * stats.t(plain.df_resid).sf(np.abs(t)), rtol=1e-12)


# ------------------------------------------------------------------------------------- frequency weights
@pytest.fixture(scope="module")
def counted():
    """Poisson rows with frequency weights 1..3, and the same rows written out that many times."""
    rng = np.random.default_rng(13)
    n = 60
    data = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(size=n), "g": rng.integers(0, 12, n),
                         "f": rng.integers(1, 4, n)})
    data["y"] = rng.poisson(np.exp(0.2 + 0.6 * data.x - 0.4 * data.z))
    return data, data.loc[data.index.repeat(data.f)].reset_index(drop=True)


def test_frequency_weights_hc0_equal_statsmodels(counted):
    """statsmodels with freq_weights, and on the rows written out."""
    data, expanded = counted
    fit = gg.glm("y ~ x + z", data, "poisson", freq_weights="f", cov_type="HC0", tol=TIGHT)
    weighted = sm.GLM(data.y, sm.add_constant(data[["x", "z"]]), family=sm.families.Poisson(),
                      freq_weights=data.f.to_numpy()).fit(cov_type="HC0", tol=TIGHT)
    written_out = sm.GLM(expanded.y, sm.add_constant(expanded[["x", "z"]]),
                         family=sm.families.Poisson()).fit(cov_type="HC0", tol=TIGHT)
    np.testing.assert_allclose(fit.bse.to_numpy(), np.asarray(weighted.bse), rtol=1e-6)
    np.testing.assert_allclose(fit.bse.to_numpy(), np.asarray(written_out.bse), rtol=1e-6)


@pytest.mark.parametrize("cov_type", ["HC1", "HC2", "HC3", "cluster"])
def test_a_frequency_weight_counts_the_row_that_many_times(counted, cov_type):
    data, expanded = counted
    kwargs = {"cluster": "g"} if cov_type == "cluster" else {}
    weighted = gg.glm("y ~ x + z", data, "poisson", freq_weights="f", cov_type=cov_type, tol=TIGHT, **kwargs)
    written_out = gg.glm("y ~ x + z", expanded, "poisson", cov_type=cov_type, tol=TIGHT, **kwargs)
    np.testing.assert_allclose(weighted.cov_params().to_numpy(), written_out.cov_params().to_numpy(), rtol=1e-8)


# ------------------------------------------------------------------------------------ clusters and NA rows
def test_cluster_labels_of_rows_dropped_for_na_are_dropped_too():
    data = case_data("gaussian_scotland")
    holed = data.copy()
    holed.loc[[3, 17], "MOR"] = np.nan
    labels = [f"county-{b}" for b in data["block"]]  # text labels, one per row of the data given
    with pytest.warns(gg.DroppedRowsWarning):
        fit = gg.glm("YES ~ COUTAX + UNEMPF + MOR + ACT", holed, cov_type="cluster", cluster=labels, tol=TIGHT)
    reference = fit_case("gaussian_scotland", "cluster", data=data.drop(index=[3, 17]))
    np.testing.assert_allclose(fit.cov_params().to_numpy(), reference.cov_params().to_numpy(), rtol=1e-10)
    assert fit.n_clusters == 8


@pytest.mark.parametrize("cov_type", ["HC3", "cluster"])
def test_aliased_columns_are_left_out_of_the_sandwich(cov_type):
    """A copy of a column is aliased (NaN coefficient, NaN covariance row); the rest equals the fit without it."""
    data = case_data("gaussian_scotland").assign(COPY=lambda d: 2.0 * d["MOR"])
    kwargs = {"cluster": "block"} if cov_type == "cluster" else {}
    with pytest.warns(gg.AliasedColumnsWarning):
        aliased = gg.glm("YES ~ COUTAX + MOR + COPY + ACT", data, cov_type=cov_type, tol=TIGHT, **kwargs)
    plain = gg.glm("YES ~ COUTAX + MOR + ACT", data, cov_type=cov_type, tol=TIGHT, **kwargs)
    covariance = aliased.cov_params()
    assert covariance["COPY"].isna().all() and covariance.loc["COPY"].isna().all()
    kept = covariance.drop(index="COPY", columns="COPY")
    np.testing.assert_allclose(kept.to_numpy(), plain.cov_params().to_numpy(), rtol=1e-8)


# -------------------------------------------------------------------------------------------- the record
def test_the_summary_says_which_covariance_it_shows():
    assert "HC3 (heteroscedasticity-robust)" in str(fit_case("binomial_lbw", "HC3").summary())
    assert "cluster-robust, 19 clusters" in str(fit_case("binomial_lbw", "cluster").summary())
    plain, robust = fit_case("gaussian_scotland").summary(), fit_case("gaussian_scotland", "HC0").summary()
    assert "model-based" in str(plain)
    assert plain.tables[1].columns[3] == "t" and robust.tables[1].columns[3] == "z"  # t only without a sandwich


@pytest.mark.parametrize("cov_type", ["HC2", "cluster"])
def test_a_robust_covariance_is_saved_and_loaded(tmp_path, cov_type):
    fit = fit_case("poisson_insurance", cov_type)
    fit.save(tmp_path / "m.json")
    loaded = gg.load(tmp_path / "m.json")
    assert (loaded.cov_type, loaded.n_clusters) == (fit.cov_type, fit.n_clusters)
    np.testing.assert_allclose(loaded.cov_params().to_numpy(), fit.cov_params().to_numpy(), rtol=1e-15)
    pd.testing.assert_frame_equal(loaded.coef_table(), fit.coef_table())
    assert json.loads((tmp_path / "m.json").read_text())["schema_version"] == 5


def test_a_model_based_covariance_is_written_as_null():
    saved = fit_case("binomial_lbw").to_dict()
    assert saved["schema_version"] == 5 and saved["covariance"] is None


def test_a_file_naming_clusters_for_a_sandwich_without_them_is_refused():
    saved = fit_case("binomial_lbw", "HC0").to_dict()
    saved["covariance"]["n_clusters"] = 7
    saved["checksum"] = checksum(saved)
    with pytest.raises(ModelFileError, match="covariance.n_clusters"):
        GLMResult.from_dict(saved)


# ---------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, match", [
    ({"cov_type": "HC4"}, "cov_type='HC4' is not one of"),
    ({"cov_type": "robust"}, "is not one of"),
    ({"cluster": "block"}, "goes with cov_type='cluster'"),
    ({"cov_type": "cluster"}, "goes with cov_type='cluster'"),
    ({"cov_type": "HC1", "alpha": 0.1}, "needs an unpenalized fit"),
    ({"cov_type": "cluster", "cluster": np.arange(5)}, r"cluster has \(5,\) values but data has 32 rows"),
    ({"cov_type": "cluster", "cluster": "blok"}, "Did you mean 'block'"),
])
def test_invalid_arguments_are_refused(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        gg.glm("YES ~ COUTAX", case_data("gaussian_scotland"), **kwargs)


def test_missing_cluster_labels_are_refused():
    labels = np.where(np.arange(32) == 5, None, np.arange(32) // 4).astype(object)
    with pytest.raises(DataError, match="1 missing labels"):
        gg.glm("YES ~ COUTAX", case_data("gaussian_scotland"), cov_type="cluster", cluster=labels)


def test_cov_type_is_read_in_any_case():
    fit = gg.glm("YES ~ COUTAX", case_data("gaussian_scotland"), cov_type="hc3")
    assert fit.cov_type == "HC3"
