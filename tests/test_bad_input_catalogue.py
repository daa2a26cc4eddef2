"""A catalogue of bad inputs run through every public entry point and the CLI (issue 9, part 5).

The contract (``API.md``, STYLE.md section 5): bad input raises a ``ValueError``
subclass from :mod:`glmgen.errors` whose message names the offending column /
row / value / parameter and says how to fix it; the CLI turns it into one line
on stderr and exit code 2, never a traceback.

Each record is (id, entry point, callable building the call, expected class,
substrings the message must contain). A needle given as a tuple means "any
of these". Cases that wait for a fix in a file another helper owns carry a
strict ``xfail`` mark naming what is pending, so an unexpected pass fails and
the mark gets removed.

Inputs that look odd but are valid ("must just work") are in
:func:`test_valid_edge_input_gives_the_reference_answer`, checked against
statsmodels / scikit-learn.
"""

from __future__ import annotations

import dataclasses

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

import glmgen as gg
from glmgen import cli
from glmgen import evaluation
from glmgen.sklearn import GLMClassifier, GLMClassifierCV, GLMRegressor, GLMRegressorCV

N_ROWS = 30

Needle = str | tuple[str, ...]


# --------------------------------------------------------------------------- data and fitted objects
def base_frame() -> pd.DataFrame:
    """30 rows: gaussian ``y``, poisson ``count``, binary ``low``, binomial counts ``succ``/``fail``,
    predictors ``x1``, ``x2``, ``region`` (3 levels), weights ``w`` and exposure ``e``."""
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(N_ROWS)
    x2 = rng.standard_normal(N_ROWS)
    return pd.DataFrame({
        "y": 1.0 + 0.5 * x1 - 0.3 * x2 + rng.standard_normal(N_ROWS),
        "count": rng.poisson(np.exp(0.3 + 0.4 * x1)).astype(float),
        "low": np.tile([0.0, 1.0, 1.0, 0.0, 1.0], N_ROWS // 5),
        "succ": rng.integers(0, 5, N_ROWS).astype(float),
        "fail": rng.integers(1, 5, N_ROWS).astype(float),
        "x1": x1,
        "x2": x2,
        "region": np.array(["east", "north", "south"])[np.arange(N_ROWS) % 3],
        "w": rng.uniform(0.5, 2.0, N_ROWS),
        "e": rng.uniform(1.0, 3.0, N_ROWS),
    })


def frame(**changes: Any) -> pd.DataFrame:
    """``base_frame()`` with ``column=value`` replaced, or ``column=(row, value)`` set in one row."""
    data = base_frame()
    for column, change in changes.items():
        if isinstance(change, tuple) and len(change) == 2 and isinstance(change[0], int):
            row, value = change
            if column in data and data[column].dtype.kind == "f" and not isinstance(value, float):
                data[column] = data[column].astype(object)
            data.loc[row, column] = value
        else:
            data[column] = change
    return data


class Env:
    """Fitted objects shared by the cases, each built on first use (one per test module)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    @cached_property
    def gfit(self) -> gg.GLMResult:
        return gg.glm("y ~ x1 + x2", base_frame())

    @cached_property
    def gfit_small(self) -> gg.GLMResult:
        return gg.glm("y ~ x1", base_frame())

    @cached_property
    def pfit(self) -> gg.GLMResult:
        return gg.glm("count ~ x1 + region", base_frame(), family="poisson", exposure="e")

    @cached_property
    def bfit(self) -> gg.GLMResult:
        return gg.glm("low ~ x1", base_frame(), family="binomial")

    @cached_property
    def penalized(self) -> gg.GLMResult:
        return gg.glm("y ~ x1 + x2", base_frame(), alpha=0.1, l1_ratio=0.5)

    @cached_property
    def path(self) -> gg.PathResult:
        return gg.glm_path("y ~ x1 + x2 + region", base_frame(), n_alphas=8)

    @cached_property
    def boot(self) -> gg.BootstrapResult:
        return gg.bootstrap(self.gfit, n_boot=20, seed=0, progress=False)

    @cached_property
    def report(self) -> gg.Report:
        return gg.report("y ~ x1", base_frame(), select=None, n_boot=0, learning_curve=False, figures=False,
                         progress=False)

    @cached_property
    def step(self) -> gg.StepwiseResult:
        return gg.stepwise("y ~ x1 + x2", base_frame())

    @cached_property
    def model_dict(self) -> dict[str, Any]:
        return self.pfit.to_dict()

    def model_file(self, edit: Callable[[dict[str, Any]], Any] | None = None, text: str | None = None) -> Path:
        """A model file holding ``text``, or the poisson model's JSON after ``edit(saved)``."""
        if text is None:
            saved = json.loads(json.dumps(self.model_dict))
            if edit is not None:
                edit(saved)
            text = json.dumps(saved)
        path = self.tmp / f"model-{abs(hash(text))}.json"
        path.write_text(text, encoding="utf-8")
        return path

    @cached_property
    def loaded(self) -> gg.GLMResult:
        return gg.load(self.model_file())

    X = staticmethod(lambda: base_frame()[["x1", "x2"]].to_numpy())
    yreg = staticmethod(lambda: base_frame()["count"].to_numpy())
    ycls = staticmethod(lambda: base_frame()["low"].to_numpy())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return Env(tmp_path_factory.mktemp("catalogue"))


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Bad:
    id: str
    entry: str
    call: Callable[[Env], Any]
    exc: type[Exception]
    needles: tuple[Needle, ...]


def bad(entry: str, id: str, call: Callable[[Env], Any], exc: type[Exception], *needles: Needle,
        pending: str | None = None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"pending: {pending}")] if pending else []
    return pytest.param(Bad(id, entry, call, exc, needles), id=f"{entry}:{id}", marks=marks)


IPE, DE, FE = gg.InvalidParameterError, gg.DataError, gg.FormulaError
UNSAFE, UNSEEN, MFE, SE = gg.UnsafeFormulaError, gg.UnseenLevelError, gg.ModelFileError, gg.SolverError
NAN, INF = float("nan"), float("inf")


def glm(formula: str = "y ~ x1 + x2", data: Any = None, **kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: gg.glm(formula, base_frame() if data is None else data, **kwargs)


def glm_path(formula: str = "y ~ x1 + x2", data: Any = None, **kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: gg.glm_path(formula, base_frame() if data is None else data, **kwargs)


GLM = [
    bad("glm", "family-misspelled", glm(family="poison"), IPE, "'poison'", "Did you mean 'poisson'?"),
    bad("glm", "family-misspelled-gaussian", glm(family="gausian"), IPE, "'gausian'", "Did you mean 'gaussian'?"),
    bad("glm", "family-number", glm(family=3), IPE, "family=3"),
    bad("glm", "family-none", glm(family=None), IPE, "family=None"),
    bad("glm", "link-misspelled", glm("low ~ x1", family="binomial", link="logt"), IPE, "'logt'",
        "Did you mean 'logit'?"),
    bad("glm", "link-number", glm(link=1), IPE, "link=1"),
    bad("glm", "poisson-logit", glm("count ~ x1", family="poisson", link="logit"), IPE, "'logit'", "'poisson'"),
    bad("glm", "binomial-identity", glm("low ~ x1", family="binomial", link="identity"), IPE, "'identity'",
        "'binomial'"),
    bad("glm", "gaussian-cloglog", glm(family="gaussian", link="cloglog"), IPE, "'cloglog'", "'gaussian'"),
    bad("glm", "alpha-negative", glm(alpha=-1.0), IPE, "alpha=-1"),
    bad("glm", "alpha-nan", glm(alpha=NAN), IPE, "alpha=nan"),
    bad("glm", "alpha-inf", glm(alpha=INF), IPE, "alpha=inf"),
    bad("glm", "alpha-bool", glm(alpha=True), IPE, "alpha=True"),
    bad("glm", "alpha-str", glm(alpha="0.1"), IPE, "alpha='0.1'"),
    bad("glm", "alpha-none", glm(alpha=None), IPE, "alpha=None"),
    bad("glm", "alpha-list", glm(alpha=[0.1, 0.2]), IPE, "alpha=[0.1, 0.2]"),
    bad("glm", "l1_ratio-above-1", glm(alpha=0.1, l1_ratio=1.5), IPE, "l1_ratio=1.5"),
    bad("glm", "l1_ratio-negative", glm(alpha=0.1, l1_ratio=-0.1), IPE, "l1_ratio=-0.1"),
    bad("glm", "l1_ratio-nan", glm(alpha=0.1, l1_ratio=NAN), IPE, "l1_ratio=nan"),
    bad("glm", "l1_ratio-str", glm(alpha=0.1, l1_ratio="lasso"), IPE, "l1_ratio='lasso'"),
    bad("glm", "l1_ratio-bool", glm(alpha=0.1, l1_ratio=True), IPE, "l1_ratio=True"),
    bad("glm", "tol-zero", glm(tol=0), IPE, "tol=0"),
    bad("glm", "tol-negative", glm(tol=-1e-8), IPE, "tol=-1e-08"),
    bad("glm", "max_iter-zero", glm(max_iter=0), IPE, "max_iter=0"),
    bad("glm", "max_iter-fraction", glm(max_iter=2.5), IPE, "max_iter=2.5"),
    bad("glm", "na_action-misspelled", glm(na_action="dorp"), IPE, "'dorp'", "Did you mean 'drop'?"),
    bad("glm", "standardize-str", glm(alpha=0.1, standardize="yes"), IPE, "standardize='yes'"),
    bad("glm", "penalty_factor-unknown-column", glm(alpha=0.1, penalty_factor={"x3": 0.0}), IPE, "'x3'"),
    bad("glm", "penalty_factor-negative", glm(alpha=0.1, penalty_factor={"x1": -1.0}), IPE, "'x1'", "-1"),
    bad("glm", "penalty_factor-not-dict", glm(alpha=0.1, penalty_factor=[0.0, 1.0]), IPE, "penalty_factor"),
    # formulas
    bad("glm", "formula-not-string", glm(123), IPE, "int"),
    bad("glm", "formula-no-tilde", glm("y x1"), FE, "'y x1'"),
    bad("glm", "formula-unbalanced", glm("y ~ (x1 + x2"), FE, "(x1 + x2"),
    bad("glm", "formula-trailing-plus", glm("y ~ x1 +"), FE, "x1 +"),
    bad("glm", "formula-unknown-column", glm("y ~ x1 + regoin"), FE, "'regoin'", "Did you mean 'region'?"),
    bad("glm", "formula-unknown-response", glm("yy ~ x1"), FE, "'yy'", "Did you mean 'y'?"),
    bad("glm", "formula-unknown-in-function", glm("y ~ np.log(ee)"), FE, "'ee'", "Did you mean 'e'?"),
    bad("glm", "formula-dot-nothing-left", glm("y ~ .", base_frame()[["y"]]), FE, "'~ .'"),
    bad("glm", "safe-dunder-import", glm("y ~ x1 + __import__('numpy').abs(x2)", safe=True), UNSAFE, "__import__"),
    bad("glm", "safe-attribute", glm("y ~ x1.__class__", safe=True), UNSAFE, "__class__"),
    bad("glm", "safe-lambda", glm("y ~ (lambda v: v)(x1)", safe=True), UNSAFE, "lambda"),
    bad("glm", "safe-eval", glm("y ~ eval('x1')", safe=True), UNSAFE, "eval"),
    # data frames
    bad("glm", "data-file-name", glm(data="data.csv"), IPE, "str"),
    bad("glm", "data-empty", glm(data=base_frame().iloc[:0]), DE, "no rows"),
    bad("glm", "data-all-rows-na", glm(data=frame(x1=np.nan)), DE, "no rows", "'x1'"),
    bad("glm", "response-text", glm("region ~ x1"), DE, "'region'"),
    bad("glm", "response-na-raise", glm(data=frame(y=(4, np.nan)), na_action="raise"), DE, "'y'", "4"),
    bad("glm", "response-inf", glm(data=frame(y=(4, INF))), DE, "'y'", "inf"),
    bad("glm", "predictor-inf", glm(data=frame(x1=(7, -INF))), DE, "'x1'", "7"),
    bad("glm", "duplicated-columns", glm(data=base_frame().rename(columns={"x2": "x1"})), DE, "'x1'",
        "duplicate"),
    bad("glm", "datetime-column", glm(data=frame(x1=pd.date_range("2020-01-01", periods=N_ROWS))), DE, "'x1'",
        "datetime"),
    bad("glm", "complex-column", glm(data=frame(x1=np.arange(N_ROWS) * (1 + 1j))), DE, "'x1'", "complex"),
    bad("glm", "timedelta-column", glm(data=frame(x1=pd.to_timedelta(np.arange(N_ROWS), unit="D"))), DE,
        "'x1'", "timedelta"),
    bad("glm", "column-named-class", glm("y ~ class", frame(**{"class": np.arange(N_ROWS) % 2})), FE, "'class'",
        "Q('class')"),
    bad("glm", "column-named-lambda", glm("y ~ lambda", frame(**{"lambda": np.arange(N_ROWS) * 1.0})), FE,
        "'lambda'", "Q('lambda')"),
    bad("glm", "column-named-Intercept", glm("y ~ Intercept", frame(Intercept=np.arange(N_ROWS) * 1.0)), DE,
        "'Intercept'"),
    # weights, offsets, exposure
    bad("glm", "weights-unknown-column", glm(weights="ww"), FE, "'ww'", "Did you mean 'w'?"),
    bad("glm", "weights-negative", glm(data=frame(w=(3, -1.0)), weights="w"), DE, "weights", "3", "-1"),
    bad("glm", "weights-inf", glm(data=frame(w=(3, INF)), weights="w"), DE, "weights", "inf"),
    bad("glm", "weights-na-raise", glm(data=frame(w=(3, np.nan)), weights="w", na_action="raise"), DE, "'w'"),
    bad("glm", "weights-all-zero", glm(data=frame(w=0.0), weights="w"), DE, "weights", "zero"),
    bad("glm", "weights-short-array", glm(weights=np.ones(N_ROWS - 1)), DE, "weights", "29", "30"),
    bad("glm", "weights-text-column", glm(weights="region"), DE, "weights", "'region'"),
    bad("glm", "offset-long-array", glm(offset=np.zeros(N_ROWS + 2)), DE, "offset", "32", "30"),
    bad("glm", "offset-inf", glm(data=frame(e=(2, INF)), offset="e"), DE, "offset", "inf"),
    bad("glm", "offset-2d-array", glm(offset=np.zeros((N_ROWS, 2))), DE, "offset", "(30, 2)"),
    bad("glm", "exposure-zero", glm("count ~ x1", frame(e=(5, 0.0)), family="poisson", exposure="e"), DE,
        "exposure", "5", "0"),
    bad("glm", "exposure-negative", glm("count ~ x1", frame(e=(5, -2.0)), family="poisson", exposure="e"), DE,
        "exposure", "-2"),
    bad("glm", "freq_weights-negative", glm(data=frame(w=(8, -2.0)), freq_weights="w"), DE, "freq_weights", "-2"),
    # responses out of range
    bad("glm", "binomial-y-2", glm("low ~ x1", frame(low=(6, 2.0)), family="binomial"), DE, "'binomial'", "6",
        "y=2"),
    bad("glm", "binomial-y-negative", glm("low ~ x1", frame(low=(6, -1.0)), family="binomial"), DE, "y=-1"),
    bad("glm", "binomial-text-labels", glm("region ~ x1", family="binomial"), DE, "'region'"),
    bad("glm", "poisson-y-negative", glm("count ~ x1", frame(count=(9, -3.0)), family="poisson"), DE,
        "'poisson'", "9", "y=-3"),
    bad("glm", "cbind-negative", glm("cbind(succ, fail) ~ x1", frame(fail=(4, -1.0)), family="binomial"), DE,
        "'fail'", "4", "-1"),
    bad("glm", "cbind-non-binomial", glm("cbind(succ, fail) ~ x1", family="poisson"), IPE, "cbind",
        "'binomial'"),
    bad("glm", "cbind-unknown-column", glm("cbind(succ, fial) ~ x1", family="binomial"), FE, "'fial'",
        "Did you mean 'fail'?"),
    bad("glm", "gaussian-1e300", glm(data=frame(y=base_frame()["y"] * 1e300)), SE, ("overflow", "finite"),
        "rescale"),
]

PATH = [
    bad("glm_path", "l1_ratio-above-1", glm_path(l1_ratio=1.5), IPE, "l1_ratio=1.5"),
    bad("glm_path", "alphas-negative", glm_path(alphas=[0.1, -1.0]), IPE, "alphas", "-1"),
    bad("glm_path", "alphas-empty", glm_path(alphas=[]), IPE, "alphas"),
    bad("glm_path", "alphas-text", glm_path(alphas="abc"), IPE, "alphas='abc'"),
    bad("glm_path", "alphas-nan", glm_path(alphas=[0.1, NAN]), IPE, "alphas", "nan"),
    bad("glm_path", "n_alphas-zero", glm_path(n_alphas=0), IPE, "n_alphas=0"),
    bad("glm_path", "n_alphas-text", glm_path(n_alphas="ten"), IPE, "n_alphas='ten'"),
    bad("glm_path", "alpha_min_ratio-zero", glm_path(alpha_min_ratio=0.0), IPE, "alpha_min_ratio=0.0"),
    bad("glm_path", "alpha_min_ratio-above-1", glm_path(alpha_min_ratio=1.5), IPE, "alpha_min_ratio=1.5"),
    bad("glm_path", "family-misspelled", glm_path(family="binomal"), IPE, "'binomal'", "Did you mean 'binomial'?"),
    bad("glm_path", "unknown-column", glm_path("y ~ x1 + x22"), FE, "'x22'", "Did you mean"),
    bad("glm_path", "poisson-negative", glm_path("count ~ x1", frame(count=(2, -1.0)), family="poisson"), DE,
        "y=-1"),
    bad("glm_path", "weights-negative", glm_path(data=frame(w=(1, -5.0)), weights="w"), DE, "weights", "-5"),
    bad("glm_path", "all-zero-poisson", glm_path("count ~ x1", frame(count=0.0), family="poisson"), DE,
        "'count'", "0"),
    bad("glm_path", "penalty_factor-unknown", glm_path(penalty_factor={"x9": 0.0}), IPE, "'x9'"),
    bad("glm_path", "no-penalized-column", glm_path("y ~ 1"), DE, "penalized"),
]


def path_cv(**kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: e.path.cv(**kwargs)


PATH_METHODS = [
    bad("path.cv", "folds-1", path_cv(folds=1), IPE, "folds=1"),
    bad("path.cv", "folds-0", path_cv(folds=0), IPE, "folds=0"),
    bad("path.cv", "folds-above-n", path_cv(folds=31), IPE, "folds=31", "30"),
    bad("path.cv", "folds-text", path_cv(folds="ten"), IPE, "folds='ten'"),
    bad("path.cv", "folds-fraction", path_cv(folds=2.5), IPE, "folds=2.5"),
    bad("path.cv", "folds-bool", path_cv(folds=True), IPE, "folds=True"),
    bad("path.cv", "fold-ids-short", path_cv(folds=np.arange(10) % 2), DE, "folds", "10", "30"),
    bad("path.cv", "fold-ids-nan", path_cv(folds=np.r_[np.nan, np.arange(29) % 3]), DE, "folds", "missing"),
    bad("path.cv", "fold-ids-one-fold", path_cv(folds=np.zeros(N_ROWS)), IPE, "folds", "2"),
    bad("path.cv", "seed-text", path_cv(seed="abc"), IPE, "seed='abc'"),
    bad("path.cv", "seed-negative", path_cv(seed=-1), IPE, "seed=-1"),
    bad("path.cv", "n_jobs-zero", path_cv(n_jobs=0), IPE, "n_jobs=0"),
    bad("path.cv", "repeats-zero", path_cv(repeats=0), IPE, "repeats=0"),
    bad("path.cv", "stratify-unknown-column", path_cv(stratify="regoin"), IPE, "'regoin'", "Did you mean 'region'?"),
    bad("path.cv", "stratify-short", path_cv(stratify=np.arange(5)), DE, "stratify", "5", "30"),
    bad("path.cv", "groups-too-few", path_cv(folds=5, groups="region"), IPE, "3", "folds=5"),
    bad("path.cv", "groups-unknown-column", path_cv(groups="grp"), IPE, "'grp'"),
    bad("path.cv", "groups-na", path_cv(folds=3, groups=np.r_[np.nan, np.arange(29) % 5]), DE, "groups",
        "missing", "row 0"),
    bad("path.cv", "stratify-na", path_cv(stratify=np.r_[np.arange(29) % 2, np.nan]), DE, "stratify", "row 29"),
    bad("path.cv", "stratify-and-groups", path_cv(folds=3, stratify="region", groups=np.arange(N_ROWS) % 5), IPE,
        "stratify=", "groups="),
    bad("path.cv", "stratify-2d", path_cv(stratify=np.zeros((N_ROWS, 2))), DE, "stratify", "(30, 2)"),
    bad("path.select", "criterion-misspelled", lambda e: e.path.select("aci"), IPE, "'aci'", "Did you mean 'aic'?"),
    bad("path.select", "criterion-cv1se", lambda e: e.path.select("cv1se"), IPE, "'cv1se'",
        "Did you mean 'cv_1se'?"),
    bad("path.select", "criterion-none", lambda e: e.path.select(None), IPE, "criterion=None"),
    bad("path.fit_at", "alpha-negative", lambda e: e.path.fit_at(-1.0), IPE, "alpha=-1.0"),
    bad("path.fit_at", "alpha-zero", lambda e: e.path.fit_at(0.0), IPE, "alpha=0.0"),
    bad("path.fit_at", "alpha-text", lambda e: e.path.fit_at("big"), IPE, "alpha='big'"),
    bad("path.fit_at", "alpha-nan", lambda e: e.path.fit_at(NAN), IPE, "alpha=nan"),
]

FIT_METHODS = [
    bad("fit.predict", "unseen-level", lambda e: e.pfit.predict(frame(region=(0, "west"))), UNSEEN, "'region'",
        "'west'"),
    bad("fit.predict", "missing-column", lambda e: e.gfit.predict(base_frame().drop(columns="x2")), FE, "'x2'"),
    bad("fit.predict", "kind-misspelled", lambda e: e.gfit.predict(base_frame(), kind="resp"), IPE, "'resp'",
        "Did you mean 'response'?"),
    bad("fit.predict", "offset-short", lambda e: e.pfit.predict(base_frame(), offset=np.zeros(3)), DE, "offset",
        "3", "30"),
    bad("fit.predict", "offset-inf", lambda e: e.pfit.predict(base_frame(), offset=np.full(N_ROWS, INF)), DE,
        "offset", "inf"),
    bad("fit.predict", "exposure-zero", lambda e: e.pfit.predict(frame(e=(3, 0.0))), DE, "exposure", "3"),
    bad("fit.predict", "data-list", lambda e: e.gfit.predict([[1.0, 2.0]]), IPE, "list"),
    bad("fit.predict", "text-predictor", lambda e: e.gfit.predict(frame(x1="a")), DE, "'x1'"),
    bad("fit.predict", "duplicated-columns", lambda e: e.gfit.predict(base_frame().rename(columns={"x2": "x1"})),
        DE, "'x1'", "duplicate"),
    bad("fit.evaluate", "binomial-y-5", lambda e: e.bfit.evaluate(frame(low=(2, 5.0))), DE, "'binomial'", "y=5"),
    bad("fit.evaluate", "poisson-y-negative", lambda e: e.pfit.evaluate(frame(count=(7, -3.0))), DE,
        "'poisson'", "7", "y=-3"),
    bad("fit.evaluate", "missing-response", lambda e: e.pfit.evaluate(base_frame().drop(columns="count")), FE,
        "'count'"),
    bad("fit.evaluate", "unseen-level", lambda e: e.pfit.evaluate(frame(region=(1, "west"))), UNSEEN, "'west'"),
    bad("fit.evaluate", "empty", lambda e: e.gfit.evaluate(base_frame().iloc[:0]), DE, "no rows"),
    bad("fit.evaluate", "weights-short", lambda e: e.gfit.evaluate(base_frame(), weights=np.ones(4)), DE,
        "weights", "4", "30"),
    bad("fit.evaluate", "response-inf", lambda e: e.gfit.evaluate(frame(y=(3, INF))), DE, "'y'", "inf"),
    bad("fit.evaluate", "data-array", lambda e: e.gfit.evaluate(np.ones((3, 3))), IPE, "ndarray"),
    bad("fit.conf_int", "level-above-1", lambda e: e.gfit.conf_int(1.5), IPE, "level=1.5"),
    bad("fit.conf_int", "level-percent", lambda e: e.gfit.conf_int(95), IPE, "level=95"),
    bad("fit.conf_int", "level-zero", lambda e: e.gfit.conf_int(0.0), IPE, "level=0.0"),
    bad("fit.conf_int", "level-one", lambda e: e.gfit.conf_int(1.0), IPE, "level=1.0"),
    bad("fit.conf_int", "level-text", lambda e: e.gfit.conf_int("95%"), IPE, "level='95%'"),
    bad("fit.resid", "kind-misspelled", lambda e: e.gfit.resid("pearsn"), IPE, "'pearsn'", "Did you mean 'pearson'?"),
    bad("fit.resid", "kind-none", lambda e: e.gfit.resid(None), IPE, "kind=None"),
    bad("fit.resid", "loaded-model", lambda e: e.loaded.resid(), DE, "loaded from a file"),
]

SPLIT = [
    bad("split", "test_size-0", lambda e: gg.split(base_frame(), test_size=0), IPE, "test_size=0"),
    bad("split", "test_size-1", lambda e: gg.split(base_frame(), test_size=1.0), IPE, "test_size=1.0"),
    bad("split", "test_size-1.5", lambda e: gg.split(base_frame(), test_size=1.5), IPE, "test_size=1.5"),
    bad("split", "test_size-negative", lambda e: gg.split(base_frame(), test_size=-0.2), IPE, "test_size=-0.2"),
    bad("split", "test_size-nan", lambda e: gg.split(base_frame(), test_size=NAN), IPE, "test_size=nan"),
    bad("split", "test_size-count-too-big", lambda e: gg.split(base_frame(), test_size=30), IPE, "test_size=30"),
    bad("split", "test_size-text", lambda e: gg.split(base_frame(), test_size="0.2"), IPE, "test_size='0.2'"),
    bad("split", "test_size-bool", lambda e: gg.split(base_frame(), test_size=True), IPE, "test_size=True"),
    bad("split", "data-empty", lambda e: gg.split(base_frame().iloc[:0]), DE, "2 rows"),
    bad("split", "data-one-row", lambda e: gg.split(base_frame().iloc[:1]), DE, "2 rows"),
    bad("split", "data-array", lambda e: gg.split(np.ones((5, 2))), IPE, "ndarray"),
    bad("split", "stratify-unknown-column", lambda e: gg.split(base_frame(), stratify="regoin"), IPE, "'regoin'",
        "Did you mean 'region'?"),
    bad("split", "stratify-short", lambda e: gg.split(base_frame(), stratify=np.arange(4)), DE, "stratify", "4",
        "30"),
    bad("split", "stratify-na", lambda e: gg.split(frame(region=(5, None)), stratify="region"), DE, "stratify",
        "5"),
    bad("split", "seed-text", lambda e: gg.split(base_frame(), seed="abc"), IPE, "seed='abc'"),
]

GENERALIZATION = [
    bad("generalization", "fit-is-a-path", lambda e: gg.generalization(e.path, base_frame(), base_frame()), IPE,
        "PathResult"),
    bad("generalization", "test-unseen-level",
        lambda e: gg.generalization(e.pfit, base_frame(), frame(region=(0, "west"))), UNSEEN, "'west'"),
    bad("generalization", "test-missing-column",
        lambda e: gg.generalization(e.gfit, base_frame(), base_frame().drop(columns="x1")), FE, "'x1'"),
    bad("generalization", "train-not-frame", lambda e: gg.generalization(e.gfit, "train.csv", base_frame()), IPE,
        "str"),
]


def stepwise(formula: str = "y ~ x1 + x2", **kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: gg.stepwise(formula, kwargs.pop("data", base_frame()), **kwargs)


SELECTION = [
    bad("stepwise", "criterion-misspelled", stepwise(criterion="aci"), IPE, "'aci'", "Did you mean 'aic'?"),
    bad("stepwise", "criterion-negative", stepwise(criterion=-2.0), IPE, "criterion=-2.0"),
    bad("stepwise", "criterion-bool", stepwise(criterion=True), IPE, "criterion=True"),
    bad("stepwise", "direction-misspelled", stepwise(direction="forwards", scope="~ x1 + x2"), IPE, "'forwards'",
        "Did you mean 'forward'?"),
    bad("stepwise", "forward-without-scope", stepwise("y ~ 1", direction="forward"), IPE, "scope"),
    bad("stepwise", "scope-number", stepwise(scope=3), IPE, "int"),
    bad("stepwise", "scope-bad-key", stepwise(scope={"uper": "~ x1 + x2"}), IPE, "'uper'"),
    bad("stepwise", "scope-misses-start", stepwise(scope="~ x1"), IPE, "'x2'"),
    bad("stepwise", "scope-unknown-column", stepwise(scope="~ x1 + x2 + x9"), FE, "'x9'"),
    bad("stepwise", "steps-negative", stepwise(steps=-1), IPE, "steps=-1"),
    bad("stepwise", "family-misspelled", stepwise(family="poison"), IPE, "Did you mean 'poisson'?"),
    bad("stepwise", "unknown-column", stepwise("y ~ x1 + x3"), FE, "'x3'"),
    bad("stepwise", "data-array", stepwise(data=np.ones((5, 3))), IPE, "ndarray"),
    bad("best_subset", "max_terms-negative", lambda e: gg.best_subset("y ~ x1 + x2", base_frame(), max_terms=-1),
        IPE, "max_terms=-1"),
    bad("best_subset", "too-many-terms", lambda e: gg.best_subset("y ~ x1 + x2 + region", base_frame(),
                                                                  max_terms=2), IPE, "max_terms=2", "3 terms"),
    bad("best_subset", "criterion-misspelled", lambda e: gg.best_subset("y ~ x1", base_frame(), criterion="bci"),
        IPE, "'bci'", "Did you mean 'bic'?"),
    bad("best_subset", "poisson-negative",
        lambda e: gg.best_subset("count ~ x1", frame(count=(0, -1.0)), family="poisson"), DE, "y=-1"),
    bad("compare", "empty-list", lambda e: gg.compare([]), IPE, "non-empty list"),
    bad("compare", "single-fit", lambda e: gg.compare(e.gfit), IPE, "list"),
    bad("compare", "item-not-fit", lambda e: gg.compare([e.gfit, "y ~ x1"]), IPE, "item 1", "str"),
    bad("compare", "names-wrong-length", lambda e: gg.compare([e.gfit, e.gfit_small], names=["a"]), IPE,
        "names", "2"),
    bad("compare", "names-duplicated", lambda e: gg.compare([e.gfit, e.gfit_small], names=["a", "a"]), IPE,
        "'a'"),
    bad("compare", "test-not-frame", lambda e: gg.compare([e.gfit], test="test.csv"), IPE, "str"),
    bad("lrtest", "swapped", lambda e: gg.lrtest(e.gfit, e.gfit_small), IPE, "Swap"),
    bad("lrtest", "different-family", lambda e: gg.lrtest(e.gfit_small, e.pfit), IPE, "'gaussian'", "'poisson'"),
    bad("lrtest", "not-nested", lambda e: gg.lrtest(e.gfit_small, gg.glm("y ~ x2 + region", base_frame())), IPE,
        "'x1'", "not nested"),
    bad("lrtest", "small-not-fit", lambda e: gg.lrtest("y ~ x1", e.gfit), IPE, "small", "str"),
    bad("lrtest", "penalized", lambda e: gg.lrtest(e.gfit_small, e.penalized), IPE, "big", "alpha=0.1"),
    bad("lrtest", "different-rows", lambda e: gg.lrtest(gg.glm("y ~ x1", base_frame().iloc[:20]), e.gfit), DE,
        "nobs=20", "nobs=30"),
]


def boot(obj: str = "gfit", **kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: gg.bootstrap(getattr(e, obj), progress=False, **{"n_boot": 5, **kwargs})


BOOTSTRAP = [
    bad("bootstrap", "n_boot-0", boot(n_boot=0), IPE, "n_boot=0"),
    bad("bootstrap", "n_boot-1", boot(n_boot=1), IPE, "n_boot=1"),
    bad("bootstrap", "n_boot-fraction", boot(n_boot=2.5), IPE, "n_boot=2.5"),
    bad("bootstrap", "n_boot-text", boot(n_boot="100"), IPE, "n_boot='100'"),
    bad("bootstrap", "n_boot-bool", boot(n_boot=True), IPE, "n_boot=True"),
    bad("bootstrap", "seed-text", boot(seed="abc"), IPE, "seed='abc'"),
    bad("bootstrap", "seed-negative", boot(seed=-1), IPE, "seed=-1"),
    bad("bootstrap", "seed-fraction", boot(seed=1.5), IPE, "seed=1.5"),
    bad("bootstrap", "n_jobs-zero", boot(n_jobs=0), IPE, "n_jobs=0"),
    bad("bootstrap", "method-misspelled", boot(method="parametrc"), IPE, "'parametrc'",
        "Did you mean 'parametric'?"),
    bad("bootstrap", "path_grid-misspelled", boot(path_grid="orignal"), IPE, "'orignal'",
        "Did you mean 'original'?"),
    bad("bootstrap", "strata-unknown-column", boot(strata="regoin", data=base_frame()), IPE, "'regoin'",
        "Did you mean 'region'?"),
    bad("bootstrap", "strata-column-without-data", boot(strata="region"), IPE, "'region'", "data="),
    bad("bootstrap", "groups-short", boot(groups=np.arange(7)), DE, "groups", "7", "30"),
    bad("bootstrap", "groups-2d", boot(groups=np.zeros((N_ROWS, 2))), DE, "groups", "(30, 2)"),
    bad("bootstrap", "strata-na", boot(strata=np.r_[np.nan, np.arange(29) % 2]), DE, "strata", "missing"),
    bad("bootstrap", "strata-parametric", boot(method="parametric", strata=np.arange(N_ROWS) % 2), IPE,
        "strata"),
    bad("bootstrap", "path-without-select", boot("path"), IPE, "select="),
    bad("bootstrap", "path-select-misspelled", boot("path", select="bci"), IPE, "'bci'", "Did you mean 'bic'?"),
    bad("bootstrap", "select-on-glm", boot(select="aic"), IPE, "select="),
    bad("bootstrap", "stepwise-without-its-rows", lambda e: gg.bootstrap(dataclasses.replace(e.step, data=None),
                                                                          n_boot=5, progress=False), IPE, "data="),
    bad("bootstrap", "loaded-model", boot("loaded"), DE, "loaded from a file"),
    bad("bootstrap", "object-text", lambda e: gg.bootstrap("y ~ x1", n_boot=5), IPE, "str"),
    bad("bootstrap", "penalized-parametric", boot("penalized", method="parametric"), IPE, "parametric"),
    bad("bootstrap", "cv_folds-1", boot("path", select="cv", cv_folds=1), IPE, "cv_folds=1"),
    bad("boot.conf_int", "level-above-1", lambda e: e.boot.conf_int(1.5), IPE, "level=1.5"),
    bad("boot.conf_int", "level-zero", lambda e: e.boot.conf_int(0), IPE, "level=0"),
    bad("boot.conf_int", "level-text", lambda e: e.boot.conf_int("95%"), IPE, "level='95%'"),
    bad("boot.conf_int", "level-bool", lambda e: e.boot.conf_int(True), IPE, "level=True"),
    bad("boot.conf_int", "method-misspelled", lambda e: e.boot.conf_int(method="percentle"), IPE, "'percentle'",
        "Did you mean 'percentile'?"),
    bad("boot.conf_int", "interpolation-misspelled", lambda e: e.boot.conf_int(interpolation="lineer"), IPE,
        "'lineer'", "Did you mean 'linear'?"),
    bad("boot.conf_int", "jackknife-misspelled", lambda e: e.boot.conf_int(method="bca", jackknife="exakt"), IPE,
        "'exakt'", "Did you mean 'exact'?"),
    bad("boot.conf_int", "jackknife-blocks-1", lambda e: e.boot.conf_int(method="bca", jackknife=1), IPE,
        "jackknife=1"),
    bad("boot.resample_counts", "replicate-out-of-range", lambda e: e.boot.resample_counts(20), IPE,
        "replicate=20"),
    bad("boot.resample_counts", "replicate-text", lambda e: e.boot.resample_counts("3"), IPE, "replicate='3'"),
    bad("bias_variance", "n_boot-1", lambda e: gg.bias_variance(e.gfit, base_frame(), n_boot=1), IPE, "n_boot=1"),
    bad("bias_variance", "alphas-text", lambda e: gg.bias_variance(e.path, base_frame(), n_boot=2, alphas="abc"),
        IPE, "alphas='abc'"),
    bad("bias_variance", "seed-text", lambda e: gg.bias_variance(e.gfit, base_frame(), n_boot=2, seed="x"), IPE,
        "seed='x'"),
]


def curve(**kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: gg.learning_curve("y ~ x1", base_frame(), **{"repeats": 1, **kwargs})


CURVES = [
    bad("learning_curve", "sizes-zero", curve(sizes=(0.0, 0.5)), IPE, "sizes"),
    bad("learning_curve", "sizes-negative", curve(sizes=(-0.5, 1.0)), IPE, "sizes", "-0.5"),
    bad("learning_curve", "sizes-too-big", curve(sizes=(0.5, 1000)), IPE, "sizes", "1000"),
    bad("learning_curve", "sizes-text", curve(sizes=("half", 1.0)), IPE, "'half'"),
    bad("learning_curve", "sizes-empty", curve(sizes=()), IPE, "sizes"),
    bad("learning_curve", "repeats-zero", curve(repeats=0), IPE, "repeats=0"),
    bad("learning_curve", "test_size-1.5", curve(test_size=1.5), IPE, "test_size=1.5"),
    bad("learning_curve", "weights-array", curve(weights=np.ones(N_ROWS)), IPE, "weights"),
    bad("learning_curve", "family-misspelled", curve(family="poison"), IPE, "Did you mean 'poisson'?"),
    bad("learning_curve", "seed-text", curve(seed="abc"), IPE, "seed='abc'"),
    bad("learning_curve", "n_jobs-zero", curve(n_jobs=0), IPE, "n_jobs=0"),
    bad("learning_curve", "unknown-column", lambda e: gg.learning_curve("y ~ x7", base_frame(), repeats=1), FE,
        "'x7'"),
    bad("validation_curve", "not-a-path", lambda e: gg.validation_curve(e.gfit), IPE, "GLMResult"),
    bad("validation_curve", "folds-1", lambda e: gg.validation_curve(e.path, folds=1), IPE, "folds=1"),
    bad("validation_curve", "seed-text", lambda e: gg.validation_curve(e.path, seed="x"), IPE, "seed='x'"),
]


def analyse(**kwargs: Any) -> Callable[[Env], Any]:
    formula = kwargs.pop("formula", "y ~ x1 + x2")
    return lambda e: evaluation.analyse(formula, kwargs.pop("data", base_frame()), progress=False, **kwargs)


REPORT = [
    bad("report", "n_boot-1", lambda e: gg.report("y ~ x1", base_frame(), n_boot=1, progress=False), IPE,
        "n_boot=1"),
    bad("report", "select-misspelled", lambda e: gg.report("y ~ x1", base_frame(), select="cv1se"), IPE,
        "'cv1se'", "Did you mean 'cv_1se'?"),
    bad("report", "formula-not-string", lambda e: gg.report(None, base_frame()), IPE, "NoneType"),
    bad("report.save", "unknown-suffix", lambda e: e.report.save(e.tmp / "report.xyz"), IPE, "report.xyz",
        ".html"),
    bad("report.save", "format-misspelled", lambda e: e.report.save(e.tmp / "report.out", format="htm"), IPE,
        "'htm'", "Did you mean 'html'?"),
    bad("analyse", "n_boot-negative", analyse(n_boot=-1), IPE, "n_boot=-1"),
    bad("analyse", "folds-1", analyse(folds=1), IPE, "folds=1"),
    bad("analyse", "select-and-alpha", analyse(alpha=0.1), IPE, "alpha=0.1", "select="),
    bad("analyse", "interval-misspelled", analyse(interval="bcaa"), IPE, "'bcaa'", "Did you mean 'bca'?"),
    bad("analyse", "weights-array", analyse(weights=np.ones(N_ROWS)), IPE, "weights"),
    bad("analyse", "data-dict", analyse(data={"y": [1.0]}), DE, "dict"),
    bad("analyse", "test_size-1.5", analyse(test_size=1.5, n_boot=0), IPE, "test_size=1.5"),
    bad("analyse", "level-1.5", analyse(level=1.5, n_boot=0, select=None), IPE, "level=1.5"),
    bad("analyse", "l1_ratio-2", analyse(l1_ratio=2.0, n_boot=0), IPE, "l1_ratio=2.0"),
    bad("analyse", "family-misspelled", analyse(family="poison"), IPE, "Did you mean 'poisson'?"),
    bad("analyse", "boot_folds-1", analyse(boot_folds=1), IPE, "boot_folds=1"),
    bad("analyse", "n_alphas-negative", analyse(n_alphas=-5), IPE, "n_alphas=-5"),
    bad("analyse", "unknown-column", analyse(formula="y ~ x1 + x8", n_boot=0, select=None), FE, "'x8'"),
]


def edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set (or with ``value is DELETE`` remove) ``saved[a][b]...`` for ``path = "a.b"``."""
    keys = path.split(".")

    def apply(saved: dict[str, Any]) -> None:
        target = saved
        for key in keys[:-1]:
            target = target[key]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return apply


DELETE = object()


def load(edit_fn: Callable[[dict[str, Any]], None] | None = None, text: str | None = None) -> Callable[[Env], Any]:
    return lambda e: gg.load(e.model_file(edit_fn, text))


def _set_factor_code(code: str) -> Callable[[dict[str, Any]], None]:
    def apply(saved: dict[str, Any]) -> None:
        saved["design"]["design_info"]["factors"][0]["code"] = code

    return apply


def _set_exposure(code: str) -> Callable[[dict[str, Any]], None]:
    def apply(saved: dict[str, Any]) -> None:
        saved["design"]["variables"][0].update(kind="expression", source=code)

    return apply


def _binary_file(e: Env) -> Path:
    path = e.tmp / "model.bin"
    path.write_bytes(b"\xff\xfe\x00\x81binary")
    return path


LOAD = [
    bad("load", "nonexistent-path", lambda e: gg.load(e.tmp / "nosuch.json"), MFE, "nosuch.json"),
    bad("load", "directory", lambda e: gg.load(e.tmp), MFE, "directory"),
    bad("load", "invalid-json", load(text="{not json"), MFE, "JSON"),
    bad("load", "empty-file", load(text=""), MFE, "JSON"),
    bad("load", "json-list", load(text="[1, 2]"), MFE, "list"),
    bad("load", "not-utf8", lambda e: gg.load(_binary_file(e)), MFE, ("UTF-8", "utf-8")),
    bad("load", "missing-format", load(edit("format", DELETE)), MFE, "'format'"),
    bad("load", "schema-version", load(edit("schema_version", 99)), MFE, "schema_version", "99"),
    bad("load", "missing-params", load(edit("params", DELETE)), MFE, "'params'"),
    bad("load", "params-values-text", load(edit("params.values", "abc")), MFE, "params"),
    bad("load", "params-length-mismatch", load(edit("params.names", ["Intercept"])), MFE, "params"),
    bad("load", "family-misspelled", load(edit("family", "poison")), MFE, "family", "'poison'"),
    bad("load", "link-unknown", load(edit("link", "logt")), MFE, "link", "'logt'"),
    bad("load", "missing-statistics", load(edit("statistics", DELETE)), MFE, "'statistics'"),
    bad("load", "statistics-wrong-type", load(edit("statistics", [1, 2])), MFE, "statistics"),
    bad("load", "missing-design", load(edit("design", DELETE)), MFE, "'design'"),
    bad("load", "penalty-unknown-field", load(edit("penalty.lambda", 1.0)), MFE, "penalty", "'lambda'"),
    bad("load", "unsafe-factor-code", load(_set_factor_code("__import__('numpy').abs(x1)")), MFE, "__import__",
        "factors"),
    bad("load", "unsafe-exposure-expression", load(_set_exposure("__import__('numpy').abs(e)")), MFE,
        "__import__", "variables"),
]


def est_fit(estimator: Any, X: Any = None, y: Any = None, **fit_kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: estimator.fit(e.X() if X is None else X, e.yreg() if y is None else y, **fit_kwargs)


def cls_fit(estimator: Any, X: Any = None, y: Any = None, **fit_kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: estimator.fit(e.X() if X is None else X, e.ycls() if y is None else y, **fit_kwargs)


def fitted_predict(estimator: Any, X: Any) -> Callable[[Env], Any]:
    def call(e: Env) -> Any:
        fitted = estimator.fit(e.X(), e.ycls() if isinstance(estimator, GLMClassifier) else e.yreg())
        return fitted.predict(X)

    return call


X_NAN = np.where(np.arange(2 * N_ROWS).reshape(N_ROWS, 2) == 7, np.nan, 1.0) * base_frame()[["x1", "x2"]].to_numpy()
Y_NAN = np.r_[np.nan, base_frame()["count"].to_numpy()[1:]]
Y_NEG = np.r_[-3.0, base_frame()["count"].to_numpy()[1:]]
X_TEXT = np.array([["a", "b"]] * N_ROWS, dtype=object)

SKLEARN = [
    bad("sklearn", "regressor-X-text", est_fit(GLMRegressor(), X=X_TEXT), DE, "X", "'a'"),
    bad("sklearn", "regressor-X-3d", est_fit(GLMRegressor(), X=np.ones((N_ROWS, 2, 2))), DE, "X", "3"),
    bad("sklearn", "regressor-X-nan", est_fit(GLMRegressor(), X=X_NAN), DE, "X", "NaN"),
    bad("sklearn", "regressor-X-empty", est_fit(GLMRegressor(), X=np.ones((0, 2)), y=np.ones(0)), DE, "0 sample"),
    bad("sklearn", "regressor-y-nan", est_fit(GLMRegressor(), y=Y_NAN), DE, "y", "NaN"),
    bad("sklearn", "regressor-y-inf", est_fit(GLMRegressor(), y=np.r_[INF, np.ones(N_ROWS - 1)]), DE, "y",
        ("inf", "infinity")),
    bad("sklearn", "regressor-y-short", est_fit(GLMRegressor(), y=np.ones(5)), DE, "5", "30"),
    bad("sklearn", "regressor-y-text", est_fit(GLMRegressor(), y=np.array(["a"] * N_ROWS)), DE, "y"),
    bad("sklearn", "poisson-y-negative", est_fit(GLMRegressor(family="poisson"), y=Y_NEG), DE, "'poisson'",
        "y=-3"),
    bad("sklearn", "sample_weight-negative",
        est_fit(GLMRegressor(), sample_weight=np.r_[-1.0, np.ones(N_ROWS - 1)]), DE, "sample_weight", "-1"),
    bad("sklearn", "sample_weight-nan", est_fit(GLMRegressor(), sample_weight=np.r_[np.ones(N_ROWS - 1), NAN]), DE,
        "sample_weight", "nan"),
    bad("sklearn", "sample_weight-short", est_fit(GLMRegressor(), sample_weight=np.ones(3)), DE,
        "sample_weight", "(3,)"),
    bad("sklearn", "sample_weight-all-zero", est_fit(GLMRegressor(), sample_weight=np.zeros(N_ROWS)), DE,
        "sample_weight"),
    bad("sklearn", "offset-short", est_fit(GLMRegressor(family="poisson"), offset=np.zeros(4)), DE, "offset",
        "(4,)"),
    bad("sklearn", "offset-inf", est_fit(GLMRegressor(family="poisson"), offset=np.full(N_ROWS, INF)), DE,
        "offset", "inf"),
    bad("sklearn", "alpha-negative", est_fit(GLMRegressor(alpha=-1.0)), IPE, "alpha=-1"),
    bad("sklearn", "alpha-text", est_fit(GLMRegressor(alpha="0.1")), IPE, "alpha='0.1'"),
    bad("sklearn", "alpha-nan", est_fit(GLMRegressor(alpha=NAN)), IPE, "alpha=nan"),
    bad("sklearn", "l1_ratio-2", est_fit(GLMRegressor(alpha=0.1, l1_ratio=2.0)), IPE, "l1_ratio=2.0"),
    bad("sklearn", "family-misspelled", est_fit(GLMRegressor(family="poison")), IPE, "Did you mean 'poisson'?"),
    bad("sklearn", "regressor-binomial", est_fit(GLMRegressor(family="binomial")), IPE, "'binomial'",
        "GLMClassifier"),
    bad("sklearn", "link-conflict", est_fit(GLMRegressor(family="poisson", link="logit")), IPE, "'logit'"),
    bad("sklearn", "max_iter-zero", est_fit(GLMRegressor(max_iter=0)), IPE, "max_iter=0"),
    bad("sklearn", "tol-zero", est_fit(GLMRegressor(tol=0.0)), IPE, "tol=0.0"),
    bad("sklearn", "fit_intercept-text", est_fit(GLMRegressor(fit_intercept="yes")), IPE, "fit_intercept='yes'"),
    bad("sklearn", "predict-wrong-width", fitted_predict(GLMRegressor(), np.ones((3, 5))), DE, "5 features", "2"),
    bad("sklearn", "predict-X-text", fitted_predict(GLMRegressor(), X_TEXT[:3]), DE, "X", "'a'"),
    bad("sklearn", "predict-X-nan", fitted_predict(GLMRegressor(), X_NAN), DE, "X", "NaN"),
    bad("sklearn", "score-y-short", lambda e: GLMRegressor().fit(e.X(), e.yreg()).score(e.X(), np.ones(4)), DE,
        "4", "30"),
    bad("sklearn", "classifier-weight-on-one-class",
        cls_fit(GLMClassifier(), sample_weight=base_frame()["low"].to_numpy()), DE, "sample_weight"),
    bad("sklearn", "classifier-three-classes", cls_fit(GLMClassifier(), y=np.arange(N_ROWS) % 3), DE, "3 classes"),
    bad("sklearn", "classifier-one-class", cls_fit(GLMClassifier(), y=np.zeros(N_ROWS)), DE, "one class"),
    bad("sklearn", "classifier-continuous-y", cls_fit(GLMClassifier(), y=np.linspace(0, 1, N_ROWS)), DE,
        "continuous"),
    bad("sklearn", "classifier-y-nan", cls_fit(GLMClassifier(), y=np.r_[NAN, np.tile([0.0, 1.0], 14), 1.0]), DE,
        "y", "NaN"),
    bad("sklearn", "classifier-predict-3d", fitted_predict(GLMClassifier(), np.ones((3, 2, 2))), DE, "X", "3"),
    bad("sklearn", "cv-folds-1", est_fit(GLMRegressorCV(cv=1)), IPE, "cv=1"),
    bad("sklearn", "cv-criterion-misspelled", est_fit(GLMRegressorCV(criterion="aci")), IPE, "'aci'",
        "Did you mean 'aic'?"),
    bad("sklearn", "cv-alphas-negative", est_fit(GLMRegressorCV(alphas=[0.1, -1.0])), IPE, "alphas"),
    bad("sklearn", "cv-random_state-text", est_fit(GLMRegressorCV(random_state="abc")), IPE, "random_state='abc'"),
    bad("sklearn", "cv-n_alphas-zero", est_fit(GLMRegressorCV(n_alphas=0)), IPE, "n_alphas=0"),
    bad("sklearn", "classifier-cv-folds-above-n", cls_fit(GLMClassifierCV(cv=40)), DE, "cv=40", "30"),
]

CATALOGUE = GLM + PATH + PATH_METHODS + FIT_METHODS + SPLIT + GENERALIZATION + SELECTION + BOOTSTRAP + CURVES + REPORT \
    + LOAD + SKLEARN


def _check_message(message: str, needles: tuple[Needle, ...]) -> None:
    for needle in needles:
        options = (needle,) if isinstance(needle, str) else needle
        assert any(option in message for option in options), f"message lacks {needle!r}: {message}"
    assert "\x1b" not in message and "Traceback" not in message, message


@pytest.mark.parametrize("case", CATALOGUE)
def test_bad_input_raises_a_named_error(case: Bad, env: Env) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        with pytest.raises(Exception) as info:
            case.call(env)
    error = info.value
    assert isinstance(error, case.exc), f"expected {case.exc.__name__}, got {type(error).__name__}: {error}"
    assert isinstance(error, ValueError) and isinstance(error, gg.GlmgenError)
    _check_message(str(error), case.needles)


# --------------------------------------------------------------------------- the command line
@dataclass(frozen=True)
class CliBad:
    id: str
    argv: tuple[str, ...]
    needles: tuple[Needle, ...]
    data: Callable[[], pd.DataFrame] = base_frame


def cli_bad(id: str, argv: tuple[str, ...], *needles: Needle, data: Callable[[], pd.DataFrame] = base_frame,
            pending: str | None = None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"pending: {pending}")] if pending else []
    return pytest.param(CliBad(id, argv, needles, data), id=f"cli:{id}", marks=marks)


FIT = ("fit", "{data}", "--formula")
CLI_CATALOGUE = [
    cli_bad("missing-file", ("fit", "{tmp}/nosuch.csv", "--formula", "y ~ x1"), "nosuch.csv", "does not exist"),
    cli_bad("directory", ("fit", "{tmp}", "--formula", "y ~ x1"), "directory"),
    cli_bad("one-column", (*FIT, "y ~ x1"), "1 column", data=lambda: base_frame()[["y"]]),
    cli_bad("header-only", (*FIT, "y ~ x1"), ("no rows", "at least 2 rows"), data=lambda: base_frame().iloc[:0]),
    cli_bad("unknown-column", (*FIT, "y ~ x1 + regoin"), "'regoin'", "Did you mean 'region'?"),
    cli_bad("unbalanced-formula", (*FIT, "y ~ (x1 + x2"), "(x1 + x2"),
    cli_bad("family-misspelled", (*FIT, "y ~ x1", "--family", "poison"), "'poison'", "Did you mean 'poisson'?"),
    cli_bad("link-conflict", (*FIT, "count ~ x1", "--family", "poisson", "--link", "logit"), "'logit'"),
    cli_bad("alpha-negative", (*FIT, "y ~ x1", "--alpha", "-1"), ("--alpha", "alpha"), "-1"),
    cli_bad("l1-ratio-alone", (*FIT, "y ~ x1", "--l1-ratio", "0.5"), "--l1-ratio"),
    cli_bad("l1-ratio-above-1", (*FIT, "y ~ x1", "--alpha", "0.1", "--l1-ratio", "2"), "l1_ratio", "2"),
    cli_bad("test-size-1.5", (*FIT, "y ~ x1", "--test-size", "1.5"), ("test_size=1.5", "--test-size 1.5")),
    cli_bad("folds-1", (*FIT, "y ~ x1", "--select", "aic", "--folds", "1"), "folds", "1"),
    cli_bad("text-response", (*FIT, "region ~ x1"), "'region'"),
    cli_bad("poisson-negative", (*FIT, "count ~ x1", "--family", "poisson"), "y=-3",
            data=lambda: frame(count=(9, -3.0))),
    cli_bad("binomial-y-2", (*FIT, "low ~ x1", "--family", "binomial"), "y=2", data=lambda: frame(low=(3, 2.0))),
    cli_bad("weights-negative", (*FIT, "y ~ x1", "--weights", "w"), "weights", "-1",
            data=lambda: frame(w=(2, -1.0))),
    cli_bad("weights-unknown", (*FIT, "y ~ x1", "--weights", "ww"), "'ww'"),
    cli_bad("exposure-zero", (*FIT, "count ~ x1", "--family", "poisson", "--exposure", "e"), "exposure", "0",
            data=lambda: frame(e=(4, 0.0))),
    cli_bad("dunder-import", (*FIT, "y ~ x1 + __import__('numpy').abs(x2)"), "__import__"),
    cli_bad("attribute-access", (*FIT, "y ~ x1.__class__"), "__class__"),
    cli_bad("report-suffix", ("report", "{data}", "--formula", "y ~ x1", "-o", "{tmp}/out.xyz"), "'", ".html"),
    cli_bad("report-n-boot-1", ("report", "{data}", "--formula", "y ~ x1", "--n-boot", "1", "-o",
                                "{tmp}/out.html"), ("n_boot=1", "--n-boot 1")),
    cli_bad("report-boot-folds-1", ("report", "{data}", "--formula", "y ~ x1", "--select", "aic", "--boot-folds",
                                    "1", "-o", "{tmp}/out.html"), ("boot_folds=1", "--boot-folds 1")),
    cli_bad("all-rows-na", (*FIT, "y ~ x1"), "no rows", data=lambda: frame(x1=np.nan)),
]


@pytest.mark.parametrize("case", CLI_CATALOGUE)
def test_cli_bad_input_is_one_line_and_exit_code_2(case: CliBad, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data.csv"
    case.data().to_csv(data, index=False)
    argv = [part.format(data=data, tmp=tmp_path) for part in case.argv]
    code = cli.main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("glmgen: error: "), captured.err
    _check_message(lines[0], case.needles)


@pytest.mark.parametrize("argv", [
    ["fit", "data.csv", "--formula", "y ~ x1", "--alpha", "abc"],
    ["fit", "data.csv", "--formula", "y ~ x1", "--select", "cv1se"],
    ["fit", "data.csv"],
    ["report", "data.csv", "--formula", "y ~ x1", "--n-boot", "many", "-o", "r.html"],
], ids=["alpha-text", "select-misspelled", "formula-missing", "n-boot-text"])
def test_cli_option_errors_are_argparse_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Option parsing errors come from argparse: exit code 2, usage plus one 'error:' line, no traceback."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.strip().splitlines()[-1].startswith("glmgen ") and "error:" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- coverage of the catalogue
ENTRY_POINTS = {
    "glm", "glm_path", "path.cv", "path.select", "path.fit_at", "fit.predict", "fit.evaluate", "fit.conf_int",
    "fit.resid", "split", "generalization", "stepwise", "best_subset", "compare", "lrtest", "bootstrap",
    "boot.conf_int", "boot.resample_counts", "learning_curve", "validation_curve", "report", "report.save", "analyse", "load", "sklearn",
    "bias_variance",
}


def test_catalogue_is_large_and_reaches_every_entry_point() -> None:
    records = [p.values[0] for p in CATALOGUE]
    ids = [f"{r.entry}:{r.id}" for r in records] + [p.values[0].id for p in CLI_CATALOGUE]
    assert len(ids) == len(set(ids))
    assert len(records) + len(CLI_CATALOGUE) >= 150
    assert ENTRY_POINTS <= {r.entry for r in records}


# --------------------------------------------------------------------------- all-zero poisson path
def test_all_zero_poisson_path_is_one_data_error_without_convergence_warnings() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(gg.DataError):  # the message is checked by the catalogue case glm_path:all-zero-poisson
            gg.glm_path("count ~ x1", frame(count=0.0), family="poisson")
    assert not [w for w in caught if issubclass(w.category, gg.ConvergenceWarning)]
    assert not [w for w in caught if issubclass(w.category, gg.GLMGenWarning)]



# --------------------------------------------------------------------------- suspicious but valid: warn
def _separated() -> pd.DataFrame:
    data = base_frame()
    data["low"] = (data["x1"] > 0).astype(float)
    return data


SUSPICIOUS = [
    pytest.param(lambda: gg.glm("y ~ x1", frame(x1=(4, "n/a"))), gg.DataWarning, ("'x1'", "'n/a'"),
                 id="numbers-as-text"),
    pytest.param(lambda: gg.glm("y ~ x2 + id", frame(id=[f"p{i}" for i in range(N_ROWS)])), gg.DataWarning,
                 ("'id'", "30 levels"), id="identifier-column",  # 30 levels on 30 rows also alias x2
                 marks=pytest.mark.filterwarnings("ignore::glmgen.AliasedColumnsWarning")),
    pytest.param(lambda: gg.glm("y ~ x1", frame(x1=(3, np.nan))), gg.DroppedRowsWarning, ("'x1'", "row 3"),
                 id="na-row-dropped"),
    pytest.param(lambda: gg.glm("y ~ x1 + x3", frame(x3=2.0 * base_frame()["x1"])), gg.AliasedColumnsWarning,
                 ("'x3'",), id="aliased-column"),
    pytest.param(lambda: gg.glm("low ~ x1", _separated(), family="binomial"), gg.SeparationWarning,
                 ("separated",), id="separation"),
]


@pytest.mark.parametrize(("call", "category", "needles"), SUSPICIOUS)
def test_suspicious_input_warns_and_records_the_warning(call: Callable[[], gg.GLMResult], category: type[Warning],
                                                        needles: tuple[str, ...]) -> None:
    with pytest.warns(category) as record:
        fit = call()
    messages = [str(w.message) for w in record if issubclass(w.category, category)]
    _check_message(messages[0], needles)
    assert messages[0] in fit.warnings


# --------------------------------------------------------------------------- odd but valid: must just work
def _statsmodels_params(formula: str, data: pd.DataFrame, family: str = "gaussian") -> pd.Series:
    sm = pytest.importorskip("statsmodels.api")
    smf = pytest.importorskip("statsmodels.formula.api")
    families = {"gaussian": sm.families.Gaussian(), "poisson": sm.families.Poisson()}
    return smf.glm(formula, data, family=families[family]).fit(tol=1e-12).params


def _elastic_net_coef(data: pd.DataFrame, alpha: float, l1_ratio: float) -> npt.NDArray[np.float64]:
    """scikit-learn's ElasticNet minimises (1/2n)|y - Xb|^2 + alpha (l1_ratio |b|_1 + (1 - l1_ratio)/2 |b|^2),
    glmgen's gaussian objective with standardize=False."""
    from sklearn.linear_model import ElasticNet

    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000)
    model.fit(data[["x1", "x2"]].to_numpy(), data["y"].to_numpy())
    return np.r_[model.intercept_, model.coef_]


def _keyword_column(name: str) -> pd.DataFrame:
    data = base_frame()
    data[name] = data["x2"]
    return data


def _nullable_boolean() -> pd.DataFrame:
    data = base_frame()
    data["flag"] = pd.array([True, False, None] * (N_ROWS // 3), dtype="boolean")
    return data


def _works_intercept_zero_then_one() -> None:
    fit = gg.glm("y ~ x1 + 0 + 1", base_frame())
    expected = _statsmodels_params("y ~ x1 + 0 + 1", base_frame())
    assert list(fit.params.index) == ["Intercept", "x1"]
    np.testing.assert_allclose(fit.params[expected.index], expected, rtol=1e-6, atol=1e-10)


def _works_numpy_integer_alpha() -> None:
    data = frame(y=10.0 * base_frame()["y"])
    fit = gg.glm("y ~ x1 + x2", data, alpha=np.int64(1), l1_ratio=np.float64(0.5), standardize=False, tol=1e-12)
    np.testing.assert_allclose(fit.params.to_numpy(), _elastic_net_coef(data, 1.0, 0.5), rtol=1e-5, atol=1e-8)


def _works_numpy_float32_alpha() -> None:
    data = frame(y=10.0 * base_frame()["y"])
    fit = gg.glm("y ~ x1 + x2", data, alpha=np.float32(0.5), l1_ratio=1, standardize=False, tol=1e-12)
    np.testing.assert_allclose(fit.params.to_numpy(), _elastic_net_coef(data, 0.5, 1.0), rtol=1e-5, atol=1e-8)


def _works_capitalised_family() -> None:
    fit = gg.glm("count ~ x1", base_frame(), family="Poisson")
    expected = _statsmodels_params("count ~ x1", base_frame(), "poisson")
    np.testing.assert_allclose(fit.params[expected.index], expected, rtol=1e-6, atol=1e-10)


def _works_integer_poisson_response() -> None:
    data = frame(count=base_frame()["count"].astype(np.int64))
    fit = gg.glm("count ~ x1 + region", data, family="poisson")
    expected = _statsmodels_params("count ~ x1 + region", data, "poisson")
    np.testing.assert_allclose(fit.params[expected.index], expected, rtol=1e-6, atol=1e-10)


def _works_quoted_keyword_column() -> None:
    data = _keyword_column("class")
    fit = gg.glm("y ~ x1 + Q('class')", data)
    expected = _statsmodels_params("y ~ x1 + Q('class')", data)
    np.testing.assert_allclose(fit.params[expected.index], expected, rtol=1e-6, atol=1e-10)


def _works_nullable_boolean_with_na() -> None:
    data = _nullable_boolean()
    with pytest.warns(gg.DroppedRowsWarning):
        fit = gg.glm("y ~ x1 + flag", data)
    complete = data[data["flag"].notna()].astype({"flag": bool})
    expected = _statsmodels_params("y ~ x1 + flag", complete)
    assert fit.nobs == len(complete)
    np.testing.assert_allclose(fit.params[expected.index], expected, rtol=1e-6, atol=1e-10)


def _works_pandas_categorical() -> None:
    data = frame(region=pd.Categorical(base_frame()["region"]))
    fit = gg.glm("y ~ x1 + region", data)
    expected = _statsmodels_params("y ~ x1 + region", data)
    np.testing.assert_allclose(fit.params[expected.index], expected, rtol=1e-6, atol=1e-10)


def _works_split_count_one() -> None:
    train, test = gg.split(base_frame(), test_size=1)  # an int is a row count
    assert (len(train), len(test)) == (N_ROWS - 1, 1)


def _works_numpy_integer_folds() -> None:
    path = gg.glm_path("y ~ x1 + x2", base_frame(), n_alphas=5)
    result = path.cv(folds=np.int64(3), seed=np.int64(1))
    assert len(result.folds) == 3


MUST_WORK = [
    pytest.param(_works_intercept_zero_then_one, id="formula-y~x1+0+1-keeps-intercept"),
    pytest.param(_works_numpy_integer_alpha, id="alpha-np.int64"),
    pytest.param(_works_numpy_float32_alpha, id="alpha-np.float32"),
    pytest.param(_works_capitalised_family, id="family-Poisson"),
    pytest.param(_works_integer_poisson_response, id="poisson-int64-response"),
    pytest.param(_works_quoted_keyword_column, id="Q('class')"),
    pytest.param(_works_nullable_boolean_with_na, id="nullable-boolean-with-NA"),
    pytest.param(_works_pandas_categorical, id="pandas-categorical"),
    pytest.param(_works_split_count_one, id="split-test_size-count-1"),
    pytest.param(_works_numpy_integer_folds, id="cv-folds-np.int64"),
]


@pytest.mark.parametrize("check", MUST_WORK)
def test_valid_edge_input_gives_the_reference_answer(check: Callable[[], None]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ConvergenceWarning)
        check()
