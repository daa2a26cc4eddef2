"""glmgen against the equivalent scikit-learn workflow, on real and synthetic data sets.

For every data set the rows are split once with ``gg.split(data,
test_size=0.25, seed=0)``; everything is fitted on the training part and
scored on the same held-out part.

glmgen (formula API, ``standardize=True``: glmnet's 1/n standard deviation)

* ``gg.glm``: the unpenalized GLM;
* ``gg.glm_path(..., l1_ratio=r)`` + ``path.cv(folds=10, seed=0)`` (stratified
  by class for binomial data) + ``path.select("cv")`` / ``select("cv_1se")``;
* ``glmgen.sklearn.GLMClassifierCV`` / ``GLMRegressorCV`` (array API,
  ``standardize=True``) on the same folds: should choose the same alpha;
* Poisson only: the ridge path (``l1_ratio=0``) on scikit-learn's alpha grid
  with the same folds, the like-for-like counterpart of scikit-learn's ridge
  Poisson grid search.

scikit-learn (``StandardScaler`` in a ``Pipeline``: also the 1/n standard
deviation, so both sides penalize the same standardized coefficients)

* unpenalized: ``LogisticRegression(C=inf, solver="newton-cholesky")`` /
  ``PoissonRegressor(alpha=0, solver="newton-cholesky")``;
* binomial: ``LogisticRegressionCV(solver="saga", l1_ratios=[r],
  scoring="neg_log_loss")`` with ``Cs = 1 / (n_train * alpha)`` over glmgen's
  alpha grid (every alpha, or an evenly thinned subset: ``--sklearn-cs``);
* Poisson: ``PoissonRegressor`` (ridge only: scikit-learn has no L1 Poisson) in
  ``GridSearchCV(scoring="neg_mean_poisson_deviance")`` over a fixed
  log-spaced alpha grid;
* both CV searches use glmgen's fold ids (``PredefinedSplit``), so the CV
  curves are computed on identical folds.

Reported side by side: chosen alpha, non-zero slopes, CV mean deviance at the
chosen alpha, held-out mean deviance and D^2 (``1 - deviance / deviance of the
training-mean model``, computed by this script from each model's predicted
means on the test rows, the same way for both libraries), and wall time. A
second table fits both libraries at one common alpha (glmgen's CV choice for
binomial elastic net / lasso, scikit-learn's choice for the Poisson ridge, and
alpha = 0) and reports coefficient agreement on the standardized scale and the
penalized objective each reaches. A PNG (``--plot``) shows held-out mean
deviance and time per data set as grouped bars.

Run from the repository root::

    .venv/bin/python benchmarks/compare_sklearn.py            # about 2 minutes on 2 cores
    .venv/bin/python benchmarks/compare_sklearn.py --quick    # smoke run, about 35 s
    .venv/bin/python benchmarks/compare_sklearn.py --plot out.png --json out.json --datasets randhie

Thread pools are capped at one thread by default (``--threads 0`` leaves them
alone): on a busy 2-core machine the uncapped run took 6 minutes instead of
under 2, the scikit-learn Poisson grid search alone 188 s instead of 10 s.

Tables go to stdout, progress to stderr. A failing fit becomes an ``error``
row and the run continues (``BENCH_TRACEBACK=1`` prints the traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import time_call  # noqa: E402
from benchmarks.problems import load_problem  # noqa: E402

FOLDS = 10
#: Rows of the synthetic problems (full run / --quick); p = 100 as registered.
FULL_N = 10_000
QUICK_N = 1_500
TEST_SIZE = 0.25
SPLIT_SEED = 0
CV_SEED = 0
#: mu is clipped to [EPS, 1 - EPS] (binomial) / [EPS, inf) (poisson) before the held-out deviance,
#: the same for both libraries, so a fit that predicts exactly 0 or 1 gets a large but finite loss.
EPS = 1e-15
#: Ridge grid of the scikit-learn Poisson grid search (and of glmgen's like-for-like ridge path).
POISSON_RIDGE_GRID = np.logspace(1.0, -6.0, 22)


# ----------------------------------------------------------------------------- data sets


@dataclass
class Dataset:
    name: str
    family: str
    data: pd.DataFrame
    formula: str
    response: str
    features: list[str]
    l1_ratio: float
    source: str
    n_train: int = 0
    n_test: int = 0


def _randhie(quick: bool) -> Dataset:
    problem = load_problem("randhie_poisson")
    return Dataset("randhie", "poisson", problem.data, f"{problem.response} ~ .", problem.response,
                   list(problem.feature_names), 1.0, "statsmodels.datasets.randhie: mdvis ~ . (lasso)")


def _breast_cancer(quick: bool) -> Dataset:
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer(as_frame=True)
    features = [c.replace(" ", "_") for c in raw.data.columns]
    data = raw.data.set_axis(features, axis=1).astype(np.float64)
    data.insert(0, "malignant", (raw.target == 0).astype(np.float64))  # target 0 = malignant
    return Dataset("breast_cancer", "binomial", data.reset_index(drop=True), "malignant ~ .", "malignant",
                   features, 1.0, "sklearn.datasets.load_breast_cancer: malignant ~ . (lasso)")


def _synthetic(name: str) -> Callable[[bool], Dataset]:
    def build(quick: bool) -> Dataset:
        problem = load_problem(name, n=QUICK_N if quick else FULL_N)
        l1_ratio = 1.0 if problem.l1_ratio is None else float(problem.l1_ratio)
        kind = "lasso" if l1_ratio == 1.0 else f"elastic net, l1_ratio={l1_ratio:g}"
        return Dataset(problem.name, problem.family, problem.data, problem.formula, problem.response,
                       list(problem.feature_names), l1_ratio, f"benchmarks.problems ({kind})")

    return build


DATASETS: dict[str, Callable[[bool], Dataset]] = {
    "randhie": _randhie,
    "breast_cancer": _breast_cancer,
    "binomial_enet_50k_100": _synthetic("binomial_enet_50k_100"),
    "poisson_lasso_50k_100": _synthetic("poisson_lasso_50k_100"),
}


# ----------------------------------------------------------------------------- scoring


def clip_mu(family: str, mu: np.ndarray) -> np.ndarray:
    mu = np.asarray(mu, dtype=np.float64)
    return np.clip(mu, EPS, 1.0 - EPS) if family == "binomial" else np.maximum(mu, EPS)


def unit_deviance(family: str, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The family's unit deviance (binomial y in {0, 1}); mu is clipped first."""
    mu = clip_mu(family, mu)
    if family == "binomial":
        return -2.0 * (y * np.log(mu) + (1.0 - y) * np.log1p(-mu))
    ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    return 2.0 * (ylogy - (y - mu))


def held_out(family: str, y_train: np.ndarray, y_test: np.ndarray, mu_test: np.ndarray) -> tuple[float, float]:
    """(mean deviance, D^2) on the test rows; D^2 against the training-mean model."""
    deviance = float(unit_deviance(family, y_test, mu_test).sum())
    null = float(unit_deviance(family, y_test, np.full_like(y_test, y_train.mean())).sum())
    return deviance / len(y_test), 1.0 - deviance / null


def penalized_objective(family: str, X: np.ndarray, y: np.ndarray, intercept_c: float, coef_std: np.ndarray,
                        mean: np.ndarray, scale: np.ndarray, alpha: float, l1_ratio: float) -> float:
    """API.md's objective on standardized columns: mean deviance / 2 + alpha * elastic-net(coef_std)."""
    eta = intercept_c + ((X - mean) / scale) @ coef_std
    with np.errstate(over="ignore"):
        mu = special.expit(eta) if family == "binomial" else np.exp(eta)
    loss = float(unit_deviance(family, y, mu).mean()) / 2.0
    penalty = l1_ratio * np.abs(coef_std).sum() + (1.0 - l1_ratio) / 2.0 * float(coef_std @ coef_std)
    return loss + alpha * penalty


# ----------------------------------------------------------------------------- result rows

# Method kinds (one colour each in the plot), in legend order.
KEY_GG_GLM = "glmgen: unpenalized glm"
KEY_GG_CV = "glmgen: lasso / enet path, 10-fold CV (min)"
KEY_GG_1SE = "glmgen: same path, cv_1se"
KEY_GG_ARRAY = "glmgen.sklearn *CV estimator (array API)"
KEY_GG_RIDGE = "glmgen: ridge path on sklearn's grid (poisson)"
KEY_SK_CV = "scikit-learn: LogisticRegressionCV (saga) / PoissonRegressor ridge + GridSearchCV"
KEY_SK_GLM = "scikit-learn: unpenalized"
PLOT_COLOURS = {
    KEY_GG_GLM: "#9ecae1", KEY_GG_CV: "#08519c", KEY_GG_1SE: "#4292c6", KEY_GG_ARRAY: "#756bb1",
    KEY_GG_RIDGE: "#31a354", KEY_SK_CV: "#e6550d", KEY_SK_GLM: "#fdae6b", "error": "#bbbbbb",
}


@dataclass
class Row:
    dataset: str
    method: str
    library: str
    key: str = ""  # method kind shared across data sets (plot colours and legend)
    alpha: float = math.nan
    nonzero: float = math.nan
    cv_deviance: float = math.nan
    test_deviance: float = math.nan
    d2: float = math.nan
    seconds: float = math.nan
    note: str = ""


@dataclass
class Agreement:
    dataset: str
    penalty: str
    alpha: float = math.nan
    glmgen_seconds: float = math.nan
    sklearn_seconds: float = math.nan
    max_coef_diff: float = math.nan
    max_eta_diff: float = math.nan
    objective_glmgen: float = math.nan
    objective_sklearn: float = math.nan
    nonzero: str = ""
    note: str = ""


@dataclass
class Context:
    """Everything the methods of one data set share."""

    ds: Dataset
    train: pd.DataFrame
    test: pd.DataFrame
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    args: argparse.Namespace
    store: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.y)

    def score(self, mu_test: np.ndarray) -> tuple[float, float]:
        return held_out(self.ds.family, self.y, self.y_test, mu_test)

    def std_coefs(self, intercept: float, coef: np.ndarray) -> tuple[float, np.ndarray]:
        """Original-scale (intercept, slopes) -> centred intercept and standardized slopes."""
        return float(intercept + coef @ self.mean), coef * self.scale


def _error_note(exc: BaseException) -> str:
    if os.environ.get("BENCH_TRACEBACK"):
        traceback.print_exc(file=sys.stderr)
    message = " ".join(str(exc).split())
    return f"error: {type(exc).__name__}: {message[:160]}"


def _warning_note(caught: list[warnings.WarningMessage]) -> str:
    names = sorted({w.category.__name__ for w in caught})
    return ("warned: " + ", ".join(names)) if names else ""


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def timed(ctx: Context, fn: Callable[[], Any]) -> tuple[float, Any, list[warnings.WarningMessage]]:
    """Median wall time over ``--repeats`` calls (no warm-up: see :func:`warm_up`), value, warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = time_call(fn, repeats=ctx.args.repeats, warmup=0)
    return result.median, result.value, list(caught)


# ----------------------------------------------------------------------------- glmgen


def glmgen_unpenalized(ctx: Context) -> list[Row]:
    import glmgen as gg

    ds = ctx.ds
    seconds, fit, caught = timed(ctx, lambda: gg.glm(ds.formula, ctx.train, family=ds.family))
    ctx.store["gg_glm"] = fit
    deviance, d2 = ctx.score(fit.predict(ctx.test).to_numpy())
    slopes = fit.params[ds.features].to_numpy()
    return [Row(ds.name, "unpenalized glm", "glmgen", KEY_GG_GLM, 0.0, float(np.count_nonzero(slopes)), math.nan,
                deviance, d2, seconds, _join(_evaluate_check(ctx, fit, deviance), _warning_note(caught)))]


def _evaluate_check(ctx: Context, fit: Any, deviance: float) -> str:
    """Compare this script's held-out deviance with ``fit.evaluate(test)`` (differs only through clipping)."""
    ev = fit.evaluate(ctx.test)
    if not math.isclose(ev.mean_deviance, deviance, rel_tol=1e-8, abs_tol=1e-12):
        return f"fit.evaluate(test) gives mean deviance {ev.mean_deviance:.6g} (no clipping of mu)"
    return ""


def glmgen_path_cv(ctx: Context) -> list[Row]:
    import glmgen as gg

    ds = ctx.ds
    stratify = True if ds.family == "binomial" else None

    def run() -> tuple[Any, Any, Any]:
        path = gg.glm_path(ds.formula, ctx.train, family=ds.family, l1_ratio=ds.l1_ratio)
        cv = path.cv(folds=FOLDS, seed=CV_SEED, n_jobs=ctx.args.n_jobs, stratify=stratify)
        return path, cv, path.select("cv")

    seconds, (path, cv, best), caught = timed(ctx, run)
    ctx.store.update(path=path, cv=cv, fold_ids=np.asarray(cv.fold_ids), gg_best=best)
    started = time.perf_counter()
    one_se = path.select("cv_1se")
    seconds_1se = seconds + (time.perf_counter() - started)  # same path and CV, plus one more fit
    penalty = "lasso" if ds.l1_ratio == 1.0 else f"enet {ds.l1_ratio:g}"
    rows = []
    for key, label, fit, index, secs, extra in (
        (KEY_GG_CV, f"{penalty} path + {FOLDS}-fold CV, cv (min)", best, cv.index_min, seconds,
         f"{len(path.alphas)} alphas"),
        (KEY_GG_1SE, f"{penalty} path + {FOLDS}-fold CV, cv_1se", one_se, cv.index_1se, seconds_1se,
         "same path and CV"),
    ):
        deviance, d2 = ctx.score(fit.predict(ctx.test).to_numpy())
        slopes = fit.params[ds.features].to_numpy()
        rows.append(Row(ds.name, label, "glmgen", key, float(path.alphas[index]), float(np.count_nonzero(slopes)),
                        float(cv.mean_deviance[index]), deviance, d2, secs,
                        _join(extra, _evaluate_check(ctx, fit, deviance), _warning_note(caught))))
    return rows


def _splits(ctx: Context) -> list[tuple[np.ndarray, np.ndarray]]:
    fold_ids = ctx.store["fold_ids"]
    return [(np.flatnonzero(fold_ids != k), np.flatnonzero(fold_ids == k)) for k in np.unique(fold_ids)]


def glmgen_array_cv(ctx: Context) -> list[Row]:
    from glmgen.sklearn import GLMClassifierCV, GLMRegressorCV

    ds = ctx.ds
    kwargs = dict(l1_ratio=ds.l1_ratio, cv=_splits(ctx), standardize=True, criterion="cv")
    model = GLMClassifierCV(**kwargs) if ds.family == "binomial" else GLMRegressorCV(ds.family, **kwargs)
    seconds, model, caught = timed(ctx, lambda: model.fit(ctx.X, ctx.y))
    mu = model.predict_proba(ctx.X_test)[:, 1] if ds.family == "binomial" else model.predict(ctx.X_test)
    deviance, d2 = ctx.score(mu)
    best = int(np.flatnonzero(model.alphas_ == model.alpha_)[0])
    name = type(model).__name__
    return [Row(ds.name, f"{name}(standardize=True), same folds", "glmgen", KEY_GG_ARRAY, float(model.alpha_),
                float(np.count_nonzero(model.coef_)), float(model.cv_mean_deviance_[best]), deviance, d2, seconds,
                _join("array API", _warning_note(caught)))]


def glmgen_ridge_cv(ctx: Context) -> list[Row]:
    """Poisson: glmgen's ridge path on scikit-learn's grid, same folds (like-for-like with GridSearchCV)."""
    import glmgen as gg

    ds = ctx.ds

    def run() -> tuple[Any, Any, Any]:
        path = gg.glm_path(ds.formula, ctx.train, family=ds.family, l1_ratio=0.0, alphas=POISSON_RIDGE_GRID)
        cv = path.cv(folds=ctx.store["fold_ids"], n_jobs=ctx.args.n_jobs)
        return path, cv, path.select("cv")

    seconds, (path, cv, best), caught = timed(ctx, run)
    deviance, d2 = ctx.score(best.predict(ctx.test).to_numpy())
    return [Row(ds.name, "ridge path on sklearn's grid, same folds", "glmgen", KEY_GG_RIDGE, cv.alpha_min,
                float(np.count_nonzero(best.params[ds.features].to_numpy())), float(cv.mean_deviance[cv.index_min]),
                deviance, d2, seconds, _join(f"{len(path.alphas)} alphas", _warning_note(caught)))]


# ----------------------------------------------------------------------------- scikit-learn


def _scaled(estimator: Any) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), estimator)


def sklearn_unpenalized(ctx: Context) -> list[Row]:
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    ds = ctx.ds
    if ds.family == "binomial":
        model = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-8, max_iter=100)
        label = "LogisticRegression(C=inf, newton-cholesky)"
    else:
        model = PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=1e-8, max_iter=100)
        label = "PoissonRegressor(alpha=0, newton-cholesky)"
    seconds, model, caught = timed(ctx, lambda: model.fit(ctx.X, ctx.y))
    ctx.store["sk_unpenalized"] = model
    mu = model.predict_proba(ctx.X_test)[:, 1] if ds.family == "binomial" else model.predict(ctx.X_test)
    deviance, d2 = ctx.score(mu)
    return [Row(ds.name, label, "scikit-learn", KEY_SK_GLM, 0.0, float(np.count_nonzero(model.coef_)), math.nan,
                deviance, d2, seconds, _warning_note(caught))]


def sklearn_grid(ctx: Context) -> np.ndarray:
    """glmgen's alpha grid, or ``--sklearn-cs`` alphas of it evenly spaced in index (ends included)."""
    alphas = ctx.store["path"].alphas
    k = ctx.args.sklearn_cs
    if k and k < len(alphas):
        alphas = alphas[np.unique(np.round(np.linspace(0, len(alphas) - 1, k)).astype(int))]
    return np.asarray(alphas)


def sklearn_logistic_cv(ctx: Context) -> list[Row]:
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import PredefinedSplit

    ds = ctx.ds
    grid = sklearn_grid(ctx)
    Cs = 1.0 / (ctx.n * grid)  # increasing C = decreasing alpha: saga warm-starts from the sparse end
    model = _scaled(LogisticRegressionCV(
        Cs=Cs, l1_ratios=[ds.l1_ratio], solver="saga", cv=PredefinedSplit(ctx.store["fold_ids"]),
        scoring="neg_log_loss", tol=ctx.args.saga_tol, max_iter=ctx.args.saga_max_iter, n_jobs=ctx.args.n_jobs,
        use_legacy_attributes=False, random_state=0))
    seconds, model, caught = timed(ctx, lambda: model.fit(ctx.X, ctx.y))
    estimator = model[-1]
    scores = np.asarray(estimator.scores_).reshape(-1, len(Cs)).mean(axis=0)  # folds x Cs, one l1_ratio
    best = int(np.argmax(scores))
    alpha = 1.0 / (ctx.n * float(estimator.C_))
    deviance, d2 = ctx.score(model.predict_proba(ctx.X_test)[:, 1])
    full = len(grid) == len(ctx.store["path"].alphas)
    note = _join(f"{len(grid)} Cs = 1/(n alpha), {'all' if full else 'a subset'} of glmgen's alphas",
                 f"tol={ctx.args.saga_tol:g}", _warning_note(caught))
    penalty = "l1" if ds.l1_ratio == 1.0 else f"l1_ratio={ds.l1_ratio:g}"
    return [Row(ds.name, f"StandardScaler + LogisticRegressionCV(saga, {penalty})", "scikit-learn", KEY_SK_CV,
                alpha, float(np.count_nonzero(estimator.coef_)), float(-2.0 * scores[best]), deviance, d2, seconds,
                note)]


def sklearn_poisson_grid(ctx: Context) -> list[Row]:
    from sklearn.linear_model import PoissonRegressor
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    ds = ctx.ds
    search = GridSearchCV(
        _scaled(PoissonRegressor(solver="newton-cholesky", max_iter=100)),
        {"poissonregressor__alpha": POISSON_RIDGE_GRID}, scoring="neg_mean_poisson_deviance",
        cv=PredefinedSplit(ctx.store["fold_ids"]), n_jobs=ctx.args.n_jobs, refit=True)
    seconds, search, caught = timed(ctx, lambda: search.fit(ctx.X, ctx.y))
    ctx.store["sk_poisson_search"] = search
    deviance, d2 = ctx.score(search.predict(ctx.X_test))
    alpha = float(search.best_params_["poissonregressor__alpha"])
    coef = search.best_estimator_[-1].coef_
    return [Row(ds.name, "StandardScaler + PoissonRegressor (ridge) + GridSearchCV", "scikit-learn",
                KEY_SK_CV, alpha,
                float(np.count_nonzero(coef)), float(-search.best_score_), deviance, d2, seconds,
                _join(f"{len(POISSON_RIDGE_GRID)} alphas {POISSON_RIDGE_GRID.min():g}..{POISSON_RIDGE_GRID.max():g}, "
                      "newton-cholesky", _warning_note(caught)))]


# ----------------------------------------------------------------------------- agreement at one alpha


def _compare(ctx: Context, penalty: str, alpha: float, l1_ratio: float, gg_fit: Callable[[], Any],
             sk_fit: Callable[[], Any]) -> Agreement:
    ds = ctx.ds
    gg_seconds, fit, gg_caught = timed(ctx, gg_fit)
    sk_seconds, model, sk_caught = timed(ctx, sk_fit)
    g0, g = ctx.std_coefs(float(fit.params["Intercept"]), fit.params[ds.features].to_numpy())
    if hasattr(model, "steps"):  # StandardScaler pipeline: coefficients are already standardized
        est = model[-1]
        s0, s = float(np.ravel(est.intercept_)[0]), np.ravel(est.coef_)
    else:
        s0, s = ctx.std_coefs(float(np.ravel(model.intercept_)[0]), np.ravel(model.coef_))
    eta_gg = g0 + ((ctx.X_test - ctx.mean) / ctx.scale) @ g
    eta_sk = s0 + ((ctx.X_test - ctx.mean) / ctx.scale) @ s
    objective = [penalized_objective(ds.family, ctx.X, ctx.y, c0, c, ctx.mean, ctx.scale, alpha, l1_ratio)
                 for c0, c in ((g0, g), (s0, s))]
    return Agreement(
        ds.name, penalty, alpha, gg_seconds, sk_seconds,
        float(np.max(np.abs(np.r_[g0 - s0, g - s]))), float(np.max(np.abs(eta_gg - eta_sk))),
        objective[0], objective[1], f"{np.count_nonzero(g)} / {np.count_nonzero(s)}",
        _join(("glmgen " + _warning_note(gg_caught)) if gg_caught else "",
              ("sklearn " + _warning_note(sk_caught)) if sk_caught else ""))


def agreement(ctx: Context) -> list[Agreement]:
    import glmgen as gg
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    ds = ctx.ds
    out: list[Agreement] = []
    if ds.family == "binomial" and "cv" in ctx.store:
        alpha, r = ctx.store["cv"].alpha_min, ds.l1_ratio
        name = "lasso" if r == 1.0 else f"enet {r:g}"
        out.append(_guard_agreement(ds, f"{name} at glmgen's alpha_min", alpha, lambda: _compare(
            ctx, f"{name} at glmgen's alpha_min", alpha, r,
            lambda: gg.glm(ds.formula, ctx.train, family=ds.family, alpha=alpha, l1_ratio=r),
            lambda: _scaled(LogisticRegression(C=1.0 / (ctx.n * alpha), l1_ratio=r, solver="saga", tol=1e-10,
                                               max_iter=ctx.args.agree_max_iter, random_state=0)).fit(ctx.X, ctx.y))))
    if ds.family == "poisson" and "sk_poisson_search" in ctx.store:
        alpha = float(ctx.store["sk_poisson_search"].best_params_["poissonregressor__alpha"])
        out.append(_guard_agreement(ds, "ridge at sklearn's alpha", alpha, lambda: _compare(
            ctx, "ridge at sklearn's alpha", alpha, 0.0,
            lambda: gg.glm(ds.formula, ctx.train, family=ds.family, alpha=alpha, l1_ratio=0.0),
            lambda: _scaled(PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12,
                                             max_iter=1000)).fit(ctx.X, ctx.y))))
    if "gg_glm" in ctx.store and "sk_unpenalized" in ctx.store:
        out.append(_guard_agreement(ds, "unpenalized", 0.0, lambda: _compare(
            ctx, "unpenalized", 0.0, 0.0, lambda: ctx.store["gg_glm"], lambda: ctx.store["sk_unpenalized"])))
        out[-1].glmgen_seconds = out[-1].sklearn_seconds = math.nan  # fitted (and timed) in the main table
    return out


def _guard_agreement(ds: Dataset, penalty: str, alpha: float, fn: Callable[[], Agreement]) -> Agreement:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
        return Agreement(ds.name, penalty, alpha, note=_error_note(exc))


# ----------------------------------------------------------------------------- driver


def warm_up() -> None:
    """Untimed small fits per family, so numba compilation / cache loading is not timed."""
    import glmgen as gg
    from benchmarks.problems import make_problem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for family in ("binomial", "poisson"):
            problem = make_problem(family, n=300, p=5, seed=1)
            gg.glm(problem.formula, problem.data, family=family)
            gg.glm(problem.formula, problem.data, family=family, alpha=0.01, l1_ratio=0.5)
            path = gg.glm_path(problem.formula, problem.data, family=family, n_alphas=5)
            path.cv(folds=3).alpha_min


def run_dataset(key: str, args: argparse.Namespace) -> tuple[Dataset | None, list[Row], list[Agreement]]:
    import glmgen as gg

    try:
        ds = DATASETS[key](args.quick)
        train, test = gg.split(ds.data, test_size=TEST_SIZE, seed=SPLIT_SEED)
        X = np.ascontiguousarray(train[ds.features].to_numpy(dtype=np.float64))
        X_test = np.ascontiguousarray(test[ds.features].to_numpy(dtype=np.float64))
        ds.n_train, ds.n_test = len(train), len(test)
        ctx = Context(ds, train, test, X, train[ds.response].to_numpy(dtype=np.float64), X_test,
                      test[ds.response].to_numpy(dtype=np.float64), X.mean(axis=0), X.std(axis=0), args)
    except Exception as exc:  # noqa: BLE001
        return None, [Row(key, "loading / splitting", "-", "error", note=_error_note(exc))], []

    methods: list[tuple[str, str, str, Callable[[Context], list[Row]]]] = [
        ("glmgen", KEY_GG_GLM, "unpenalized glm", glmgen_unpenalized),
        ("glmgen", KEY_GG_CV, "path + CV", glmgen_path_cv),
    ]
    if not args.no_array_api:
        methods.append(("glmgen", KEY_GG_ARRAY, "glmgen.sklearn CV estimator", glmgen_array_cv))
    if ds.family == "poisson":
        methods.append(("scikit-learn", KEY_SK_CV, "PoissonRegressor + GridSearchCV", sklearn_poisson_grid))
        methods.append(("glmgen", KEY_GG_RIDGE, "ridge path on sklearn's grid", glmgen_ridge_cv))
    else:
        methods.append(("scikit-learn", KEY_SK_CV, "LogisticRegressionCV", sklearn_logistic_cv))
    methods.append(("scikit-learn", KEY_SK_GLM, "unpenalized", sklearn_unpenalized))

    rows: list[Row] = []
    for library, key, label, method in methods:
        print(f"  {ds.name}: {library} {label} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            rows.extend(method(ctx))
        except Exception as exc:  # noqa: BLE001 - one failing fit must not stop the comparison
            rows.append(Row(ds.name, label, library, key, note=_error_note(exc)))
        print(f"    {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(f"  {ds.name}: agreement at a common alpha ...", file=sys.stderr, flush=True)
    return ds, rows, agreement(ctx)


def _fmt(value: float, spec: str = ".4g") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _fmt_int(value: float) -> str:
    return "-" if math.isnan(value) else str(int(value))


def print_tables(datasets: list[Dataset], rows: list[Row], agreements: list[Agreement],
                 args: argparse.Namespace) -> None:
    print("## glmgen vs scikit-learn: held-out deviance, D^2 and time\n")
    print(f"Each data set split once by `gg.split(data, test_size={TEST_SIZE}, seed={SPLIT_SEED})`; fitted on the "
          f"training part, scored on the test part. {FOLDS}-fold CV on identical folds for both libraries "
          "(glmgen's `path.cv(seed=0)` fold ids, stratified for binomial; scikit-learn gets them as "
          "`PredefinedSplit`). Both standardize (glmgen `standardize=True`, scikit-learn `StandardScaler`: "
          "1/n standard deviation). Held-out mean deviance and D^2 are computed from each model's predicted "
          "means the same way for both (D^2 against the training-mean model); lower deviance is better. "
          "alpha is on glmgen's scale (scikit-learn's `C` shown as `1/(n_train C)`). Time: wall seconds of the "
          f"whole procedure (path, CV and final fit), median of {args.repeats} run(s) after an untimed warm-up.\n")
    print("| data set | family | n train / test | p | library | method | alpha | non-zero | CV deviance "
          "| held-out mean deviance | D^2 | time s | note |")
    print("|---|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
    info = {ds.name: ds for ds in datasets}
    sizes = {name: value for name, value in _sizes(datasets).items()}
    for row in rows:
        ds = info.get(row.dataset)
        family = ds.family if ds else "-"
        n_text, p_text = sizes.get(row.dataset, ("-", "-"))
        print(f"| {row.dataset} | {family} | {n_text} | {p_text} | {row.library} | {row.method} "
              f"| {_fmt(row.alpha)} | {_fmt_int(row.nonzero)} | {_fmt(row.cv_deviance, '.5f')} "
              f"| {_fmt(row.test_deviance, '.5f')} | {_fmt(row.d2, '.4f')} | {_fmt(row.seconds, '.2f')} "
              f"| {row.note} |")

    print("\n## Coefficient agreement at one common alpha\n")
    print("Both libraries fitted on the training part at the same alpha and l1_ratio with the same "
          "standardization (glmgen `gg.glm(..., alpha, l1_ratio)`; scikit-learn `StandardScaler` + "
          "`LogisticRegression(saga, tol=1e-10, C=1/(n alpha))` or `PoissonRegressor(newton-cholesky, "
          "tol=1e-12)`). Coefficients are compared on the standardized scale (slope x 1/n sd; intercept of the "
          "centred model); eta = linear predictor on the test rows. Objective = API.md's penalized objective "
          "(mean deviance / 2 + penalty on standardized slopes) on the training rows: the lower one is closer "
          "to the optimum. Unpenalized rows reuse the fits of the first table.\n")
    print("| data set | penalty | alpha | glmgen s | sklearn s | max abs diff coef (std) | max abs diff eta (test) "
          "| objective glmgen | objective sklearn | sklearn - glmgen | non-zero gg / sk | note |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for a in agreements:
        gap = a.objective_sklearn - a.objective_glmgen
        print(f"| {a.dataset} | {a.penalty} | {_fmt(a.alpha)} | {_fmt(a.glmgen_seconds, '.3f')} "
              f"| {_fmt(a.sklearn_seconds, '.3f')} | {_fmt(a.max_coef_diff, '.2e')} | {_fmt(a.max_eta_diff, '.2e')} "
              f"| {_fmt(a.objective_glmgen, '.10g')} | {_fmt(a.objective_sklearn, '.10g')} | {_fmt(gap, '.2e')} "
              f"| {a.nonzero or '-'} | {a.note} |")
    print()
    print(_environment(args))


def _sizes(datasets: list[Dataset]) -> dict[str, tuple[str, str]]:
    return {ds.name: (f"{ds.n_train:,} / {ds.n_test:,}", str(len(ds.features))) for ds in datasets}


def _environment(args: argparse.Namespace) -> str:
    import sklearn

    import glmgen

    versions = f"glmgen {getattr(glmgen, '__version__', '?')}, scikit-learn {sklearn.__version__}, " \
               f"numpy {np.__version__}, Python {platform.python_version()}"
    threads = f"threads capped at {args.threads}" if args.threads else "thread pools uncapped"
    return (f"Environment: {versions}; {os.cpu_count()} CPUs, {threads}, n_jobs={args.n_jobs}"
            f"{', --quick' if args.quick else ''}.")


def plot(datasets: list[Dataset], rows: list[Row], path: Path) -> None:
    """Two rows of panels (held-out mean deviance, time) with one panel per data set, one bar per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [ds.name for ds in datasets]
    order = list(PLOT_COLOURS)
    present = [k for k in order if any(r.key == k and r.dataset in names for r in rows)]
    fig, axes = plt.subplots(2, max(len(names), 1), figsize=(3.6 * max(len(names), 1) + 0.5, 7.0), squeeze=False)
    for j, name in enumerate(names):
        subset = sorted((r for r in rows if r.dataset == name), key=lambda r: order.index(r.key))
        colours = [PLOT_COLOURS.get(r.key, "#bbbbbb") for r in subset]
        x = np.arange(len(subset))
        for i, attr in enumerate(("test_deviance", "seconds")):
            ax = axes[i, j]
            values = np.array([getattr(r, attr) for r in subset], dtype=float)
            finite = values[np.isfinite(values)]
            if attr == "test_deviance" and finite.size:
                # sensible models' deviances are close together: zoom in, and clip runaway values (e.g. an
                # unpenalized fit on separable data) at the top, writing their value inside the bar
                low, mid = float(finite.min()), float(np.median(finite))
                spread = max(mid - low, 0.01 * mid)
                bottom = max(0.0, low - 2.0 * spread)
                kept = finite[finite <= mid + 10.0 * spread]  # bars drawn in full: leave room for their labels
                top = max(mid + 3.0 * spread, kept.max() + 0.25 * (kept.max() - bottom))
                ax.bar(x, np.minimum(np.nan_to_num(values, nan=bottom), top) - bottom, bottom=bottom, color=colours)
                ax.set_ylim(bottom, top)
                for k, v in enumerate(values):
                    if not np.isfinite(v):
                        ax.text(k, bottom, "error", ha="center", va="bottom", fontsize=7, rotation=90)
                    elif v > top:
                        ax.text(k, top, f"{v:.3g} (clipped)", ha="center", va="top", fontsize=7, rotation=90)
                    else:
                        ax.text(k, v, f"{v:.4g}", ha="center", va="bottom", fontsize=6.5, rotation=90)
                ax.set_title(f"{name}\nheld-out mean deviance (lower is better)", fontsize=9)
            else:
                ax.bar(x, np.nan_to_num(values, nan=0.0), color=colours)
                if finite.size and finite.max() / max(finite.min(), 1e-9) > 30:
                    ax.set_yscale("log")
                for k, v in enumerate(values):
                    if np.isfinite(v):
                        ax.text(k, v, f"{v:.2g}", ha="center", va="bottom", fontsize=7)
                ax.set_title("wall time (s)", fontsize=9)
            ax.set_xticks([])
    handles = [plt.Rectangle((0, 0), 1, 1, color=PLOT_COLOURS[k]) for k in present]
    fig.legend(handles, present, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle("glmgen vs scikit-learn: same seeded train/test split, same CV folds, both standardized")
    fig.tight_layout(rect=(0, 0.02 + 0.03 * math.ceil(len(present) / 2), 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"synthetic problems at n={QUICK_N:,} instead of {FULL_N:,}, LogisticRegressionCV on 10 "
                             "of glmgen's alphas, no glmgen.sklearn rows")
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"comma-separated subset of {','.join(DATASETS)}")
    parser.add_argument("--sklearn-cs", type=int, default=None,
                        help="number of glmgen alphas given to LogisticRegressionCV as Cs (0 = all; "
                             "default 25, 10 with --quick)")
    parser.add_argument("--saga-tol", type=float, default=1e-4, help="tol of LogisticRegressionCV (default 1e-4)")
    parser.add_argument("--saga-max-iter", type=int, default=1000)
    parser.add_argument("--agree-max-iter", type=int, default=100_000,
                        help="max_iter of the saga fit in the agreement table (tol=1e-10)")
    parser.add_argument("--no-array-api", action="store_true",
                        help="skip the glmgen.sklearn CV estimator rows (implied by --quick)")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per method (median reported)")
    parser.add_argument("--n-jobs", type=int, default=1, help="n_jobs of both libraries' CV")
    parser.add_argument("--threads", type=int, default=1,
                        help="cap BLAS / OpenMP pools and numba at N threads (default 1; 0 = leave uncapped)")
    parser.add_argument("--plot", default="compare_sklearn.png", help="PNG path (default ./compare_sklearn.png)")
    parser.add_argument("--json", default=None, help="also write every number as JSON")
    parser.add_argument("--libs", default=None, help="accepted for run_all.py compatibility; ignored")
    args = parser.parse_args(argv)
    if args.sklearn_cs is None:
        args.sklearn_cs = 10 if args.quick else 25
    if args.quick:
        args.no_array_api = True
    keys = [k.strip() for k in args.datasets.split(",") if k.strip()]
    unknown = [k for k in keys if k not in DATASETS]
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")

    limiter = None
    if args.threads:
        from threadpoolctl import threadpool_limits

        # threadpoolctl only caps libraries already loaded: load every BLAS / OpenMP user first
        # (without this, scikit-learn's pools stay uncapped and its CV runs up to 10x slower on a busy machine)
        import scipy.linalg  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.model_selection  # noqa: F401

        import glmgen  # noqa: F401
        import glmgen.sklearn  # noqa: F401

        limiter = threadpool_limits(args.threads)
        try:
            import numba

            numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
        except Exception:  # noqa: BLE001 - numba is optional for the cap
            pass

    started = time.perf_counter()
    print("warming up ...", file=sys.stderr, flush=True)
    warm_up()
    datasets: list[Dataset] = []
    rows: list[Row] = []
    agreements: list[Agreement] = []
    for key in keys:
        print(f"{key}:", file=sys.stderr, flush=True)
        ds, ds_rows, ds_agree = run_dataset(key, args)
        if ds is not None:
            datasets.append(ds)
        rows.extend(ds_rows)
        agreements.extend(ds_agree)

    print_tables(datasets, rows, agreements, args)
    if args.plot:
        try:
            plot(datasets, rows, Path(args.plot))
            print(f"\nPlot: {args.plot}")
        except Exception as exc:  # noqa: BLE001
            print(f"\nPlot not written: {_error_note(exc)}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": [asdict(r) for r in rows], "agreement": [asdict(a) for a in agreements],
            "environment": _environment(args), "argv": sys.argv[1:],
        }, indent=2, default=float))
    print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    del limiter
    return 0


if __name__ == "__main__":
    sys.exit(main())
