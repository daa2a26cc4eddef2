#!/usr/bin/env python
"""Designs with a large factor or sparse columns: glmgen against glum, scikit-learn, statsmodels, glmnet and adelie.

Usage::

    python benchmarks/bench_design.py --quick             # smoke run, under a minute
    python benchmarks/bench_design.py                     # full run (15-25 minutes on 2 cores)
    python benchmarks/bench_design.py --cases factor_glm --factor-n 200000
    python benchmarks/bench_design.py --libs glmgen,glum --json out.json
    python benchmarks/bench_design.py --setup-adelie      # once: benchmarks/.venv-adelie with adelie

Cases (issue 11, item 5):

* ``factor_glm``: unpenalized Poisson GLM ``y ~ C(g) + x1 + ... + x20``, ``g`` a
  factor with 5,000 levels of uneven (Zipf-like) sizes, at n = 200,000 and
  2,000,000 rows. glmgen's timed call includes its inference (``bse`` and
  ``cov_params()``); statsmodels' includes ``bse``; glum's
  ``covariance_matrix()`` is timed on its own (column "SEs").
* ``factor_path``: lasso path on the same data over a common 50-alpha grid,
  ``standardize=False`` everywhere, so every library minimises
  ``deviance / (2 n) + alpha |b|_1``.
* ``sparse_path``: bag-of-words-like binomial lasso path, n = 100,000,
  p = 20,000 CSC columns, 0.1 % non-zero counts, 50 alphas.

Every (case, library) runs in a fresh child process (this script with
``--worker``): it loads the data written by the parent, makes one warm-up call
on a small problem of the same kind (JIT compilation, caches), resets its peak
resident memory (``/proc/self/clear_refs``), then times up to ``--repeats``
calls (fewer once the timed calls add up to a minute). "peak RSS" is the child's
``VmHWM`` over the first timed call, "above data" the part above the resident
memory before it. Objectives (deviance, or the penalized objective at each
alpha) are computed by this script from each library's coefficients, the same
way for all, and compared with the best any library reached.

adelie pins numpy < 2, so it runs from its own virtual environment
(``benchmarks/.venv-adelie``, made by ``--setup-adelie``); it is skipped, with
the reason printed, when that environment does not exist.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
if str(REPO_ROOT) not in sys.path:  # benchmark the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np

from benchmarks import _adelie
from benchmarks._timing import package_versions, time_call

CASES = ("factor_glm", "factor_path", "sparse_path")
LIBRARIES = ("glmgen", "glum", "sklearn", "statsmodels", "glmnet", "adelie")
CASE_LIBRARIES = {
    "factor_glm": ("glmgen", "glum", "sklearn", "statsmodels"),
    "factor_path": ("glmgen", "glum", "sklearn"),
    "sparse_path": ("glmgen", "glmnet", "adelie", "sklearn", "glum"),
}
N_NUMERIC = 20
N_ALPHAS = 50
FACTOR_MIN_RATIO = 1e-3
SPARSE_MIN_RATIO = 1e-2
#: statsmodels needs the dense design (n x k float64); beyond this it is not run
DENSE_BUDGET_BYTES = 4 * 2**30
#: stop repeating a call once the timed calls add up to this many seconds
REPEAT_BUDGET_S = 60.0
#: scikit-learn's saga walks the grid alpha by alpha; it stops after this many seconds (full run)
SAGA_BUDGET_S = 120.0


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one run."""

    factor_n: tuple[int, ...] = (200_000, 2_000_000)
    factor_levels: int = 5_000
    sparse_n: int = 100_000
    sparse_p: int = 20_000
    sparse_density: float = 1e-3
    sparse_true: int = 300
    saga_budget_s: float = SAGA_BUDGET_S


QUICK = Sizes(factor_n=(20_000,), factor_levels=200, sparse_n=10_000, sparse_p=2_000, sparse_density=1e-2,
              sparse_true=50, saga_budget_s=2.0)
#: the warm-up problems: small, same kinds
WARMUP = Sizes(factor_n=(5_000,), factor_levels=100, sparse_n=2_000, sparse_p=500, sparse_density=4e-2,
               sparse_true=20)


# ---------------------------------------------------------------------------
# data (made once by the parent, loaded by every child)
# ---------------------------------------------------------------------------


def factor_problem(n: int, n_levels: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Poisson counts with a factor of ``n_levels`` uneven levels and ``N_NUMERIC`` AR(1) columns.

    Level sizes are 8 rows each plus a multinomial share proportional to
    ``rank ** -0.8`` (level 0, the reference, is the largest); level effects
    are N(0, 0.3^2), eight numeric coefficients are non-zero (0.45 to 0.15,
    alternating signs), the intercept is 0.5. Every level has a positive count
    sum, so the unpenalized MLE exists.
    """
    from benchmarks.problems import _ar1_design, _true_coef

    min_size = 8
    if n < 2 * min_size * n_levels:
        raise ValueError(f"factor_problem needs n >= {2 * min_size * n_levels} for {n_levels} levels, got n={n}.")
    rng = np.random.default_rng(seed)
    share = np.arange(1, n_levels + 1) ** -0.8
    sizes = min_size + rng.multinomial(n - min_size * n_levels, share / share.sum())
    codes = rng.permutation(np.repeat(np.arange(n_levels, dtype=np.int32), sizes))
    X = _ar1_design(rng, n, N_NUMERIC)
    effects = rng.normal(0.0, 0.3, n_levels)
    y = rng.poisson(np.exp(0.5 + effects[codes] + X @ _true_coef(N_NUMERIC, 8))).astype(np.float64)
    if np.bincount(codes, y, n_levels).min() <= 0:
        raise RuntimeError("a level has no counts at all: its coefficient would diverge; change the seed")
    return {"codes": codes, "X": X, "y": y, "n_levels": np.array(n_levels)}


def sparse_problem(n: int, p: int, density: float, n_true: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Binary responses on word-count-like CSC columns.

    Column ``j`` is non-zero in about ``n d_j`` rows, ``d_j`` proportional to
    ``(j + 10) ** -0.7`` with mean ``density`` (capped at 0.2); entries are
    1 + Poisson(0.3) counts (summed where a row is drawn twice). ``n_true``
    columns among the most frequent quarter have effects of random sign and
    size, scaled so the linear predictor has standard deviation 1; the
    intercept is -1.
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    frequency = (np.arange(p) + 10.0) ** -0.7
    frequency = np.minimum(frequency * density * p / frequency.sum(), 0.2)
    per_column = rng.binomial(n, frequency)
    rows = rng.integers(0, n, per_column.sum())
    columns = np.repeat(np.arange(p), per_column)
    counts = 1.0 + rng.poisson(0.3, rows.size)
    X = sp.csc_array((counts, (rows, columns)), shape=(n, p))
    X.sum_duplicates()
    coef = np.zeros(p)
    true = rng.choice(p // 4, n_true, replace=False)
    coef[true] = rng.choice([-1.0, 1.0], n_true) * rng.uniform(0.5, 1.5, n_true)
    signal = X @ coef
    coef /= signal.std()
    eta = -1.0 + signal / signal.std()
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.float64)
    return {"data": X.data, "indices": X.indices.astype(np.int32), "indptr": X.indptr.astype(np.int64),
            "shape": np.array([n, p]), "y": y}


def csc_of(data: dict[str, np.ndarray]) -> Any:
    import scipy.sparse as sp

    return sp.csc_matrix((data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"]))


def null_gradient(case: str, data: dict[str, np.ndarray]) -> np.ndarray:
    """Gradient of ``deviance / (2n)`` at the intercept-only fit (canonical links): ``X'(y - ybar) / n``."""
    y = data["y"]
    r = (y - y.mean()) / y.size
    if case == "sparse_path":
        return csc_of(data).T @ r
    level_sums = np.bincount(data["codes"], r, int(data["n_levels"]))[1:]
    return np.r_[level_sums, data["X"].T @ r]


def alpha_grid(case: str, data: dict[str, np.ndarray]) -> np.ndarray:
    """``N_ALPHAS`` values from alpha_max (every coefficient zero) down geometrically."""
    ratio = SPARSE_MIN_RATIO if case == "sparse_path" else FACTOR_MIN_RATIO
    return float(np.abs(null_gradient(case, data)).max()) * np.geomspace(1.0, ratio, N_ALPHAS)


# ---------------------------------------------------------------------------
# objectives, from coefficients in the common layout
# ---------------------------------------------------------------------------


def linear_predictor(case: str, data: dict[str, np.ndarray], intercept: float, coef: np.ndarray) -> np.ndarray:
    """``b0 + X b``; factor designs: ``b = [levels 1..L-1, x1..x20]`` (level 0 is the reference)."""
    if case == "sparse_path":
        return intercept + csc_of(data) @ coef
    n_levels = int(data["n_levels"])
    level_effects = np.r_[0.0, coef[: n_levels - 1]]
    return intercept + level_effects[data["codes"]] + data["X"] @ coef[n_levels - 1:]


def deviance(case: str, y: np.ndarray, eta: np.ndarray) -> float:
    """Poisson (factor cases) or binomial (sparse case) deviance with unit weights."""
    if case == "sparse_path":  # 2 sum log(1 + exp(eta)) - y eta, stably
        return float(2.0 * np.sum(np.logaddexp(0.0, eta) - y * eta))
    mu = np.exp(eta)
    log_ratio = np.log(np.where(y > 0, y, 1.0) / mu)
    return float(2.0 * np.sum(np.where(y > 0, y * log_ratio, 0.0) - (y - mu)))


def objectives(case: str, data: dict[str, np.ndarray], alphas: Sequence[float], intercepts: np.ndarray,
               coefs: np.ndarray) -> list[float]:
    """``deviance / (2n) + alpha |b|_1`` at each alpha (the deviance itself for ``factor_glm``)."""
    y = data["y"]
    values = []
    for alpha, b0, b in zip(alphas, intercepts, coefs):
        dev = deviance(case, y, linear_predictor(case, data, float(b0), b))
        values.append(dev if case == "factor_glm" else dev / (2.0 * y.size) + alpha * float(np.abs(b).sum()))
    return values


# ---------------------------------------------------------------------------
# the libraries (child side): each returns (intercepts (k,), coefs (k, p)) in the common layout
# ---------------------------------------------------------------------------

Solution = tuple[np.ndarray, np.ndarray]


class Skip(Exception):
    """This library cannot solve this case; the message says why."""


def factor_frame(data: dict[str, np.ndarray]) -> Any:
    """The data as a user has them: ``y``, ``g`` (pandas categorical, reference level first), ``x1..x20``."""
    import pandas as pd

    n_levels = int(data["n_levels"])
    categories = [f"L{k:04d}" for k in range(n_levels)]
    frame = pd.DataFrame(data["X"], columns=[f"x{j}" for j in range(1, N_NUMERIC + 1)])
    frame.insert(0, "g", pd.Categorical.from_codes(data["codes"], categories=categories))
    frame.insert(0, "y", data["y"])
    return frame


FACTOR_FORMULA = "y ~ C(g) + " + " + ".join(f"x{j}" for j in range(1, N_NUMERIC + 1))


def _split(values: np.ndarray) -> Solution:
    """Rows ``[intercept, coef...]`` to ``(intercepts, coefs)``."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    return values[:, 0], values[:, 1:]


def glmgen_factor_glm(frame: Any, alphas: None) -> Solution:
    import glmgen as gg

    fit = gg.glm(FACTOR_FORMULA, frame, family="poisson")
    _ = fit.bse, fit.cov_params()  # full inference is part of the fit
    return _split(fit.params.to_numpy())


def glmgen_factor_path(frame: Any, alphas: np.ndarray) -> Solution:
    import glmgen as gg

    path = gg.glm_path(FACTOR_FORMULA, frame, family="poisson", l1_ratio=1.0, alphas=alphas, standardize=False)
    return _split(path.coefs.to_numpy())


def glmgen_sparse_path(data: dict[str, np.ndarray], alphas: np.ndarray) -> Solution:
    from glmgen.matrices import ModelMatrix, SparseBlock
    from glmgen.model import Penalty, resolve_family
    from glmgen.solvers import GLMProblem, fit_path

    X = ModelMatrix([SparseBlock(csc_of(data))])
    n, p = X.shape
    family, link = resolve_family("binomial")
    problem = GLMProblem(X, data["y"], np.ones(n), np.zeros(n), family, link, fit_intercept=True)
    path, _ = fit_path(problem, Penalty(0.0, 1.0, np.ones(p), np.ones(p)), alphas=alphas)
    return path.intercepts, path.coefs


GLUM_FACTOR_TOL = 1e-4  # glum's default: reaches the optimum here
GLUM_PATH_TOL = 1e-4
#: glum's covariance_matrix() took 149 s at 200,000 rows x 5,000 levels: not timed on larger data
GLUM_SE_MAX_ROWS = 500_000


def glum_factor_glm(frame: Any, alphas: None) -> Solution:
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(family="poisson", alpha=0.0, drop_first=True, gradient_tol=GLUM_FACTOR_TOL)
    model.fit(frame.drop(columns="y"), frame["y"])
    return np.array([model.intercept_]), np.asarray(model.coef_)[None, :]


def glum_covariance(frame: Any) -> float:
    """Seconds for glum's ``covariance_matrix`` after a fit (the standard errors glmgen includes)."""
    from glum import GeneralizedLinearRegressor

    X = frame.drop(columns="y")
    model = GeneralizedLinearRegressor(family="poisson", alpha=0.0, drop_first=True, gradient_tol=GLUM_FACTOR_TOL)
    model.fit(X, frame["y"])
    return time_call(lambda: model.covariance_matrix(X, frame["y"]), repeats=1, warmup=0).median


def glum_path(X: Any, y: np.ndarray, family: str, alphas: np.ndarray, **kwargs: Any) -> Solution:
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(family=family, l1_ratio=1.0, alpha_search=True, alpha=list(alphas),
                                       gradient_tol=GLUM_PATH_TOL, max_iter=1000, **kwargs)
    model.fit(X, y)
    return np.asarray(model.intercept_path_), np.asarray(model.coef_path_)


def glum_factor_path(frame: Any, alphas: np.ndarray) -> Solution:
    return glum_path(frame.drop(columns="y"), frame["y"].to_numpy(), "poisson", alphas, drop_first=True)


def glum_sparse_path(data: dict[str, np.ndarray], alphas: np.ndarray) -> Solution:
    return glum_path(csc_of(data), data["y"], "binomial", alphas)


SKLEARN_FACTOR_TOL = 1e-4  # scikit-learn's default: 2e-10 from the optimum at n = 200,000


def sklearn_factor_glm(frame: Any, alphas: None) -> Solution:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import PoissonRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    encode = ColumnTransformer([("g", OneHotEncoder(sparse_output=True, drop="first"), ["g"])],
                               remainder="passthrough", sparse_threshold=1.0)
    model = make_pipeline(encode, PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=SKLEARN_FACTOR_TOL,
                                                   max_iter=100))
    model.fit(frame.drop(columns="y"), frame["y"])
    regressor = model[-1]
    return np.array([regressor.intercept_]), np.asarray(regressor.coef_)[None, :]


def sklearn_factor_path(frame: Any, alphas: np.ndarray) -> Solution:
    raise Skip("scikit-learn's PoissonRegressor has an L2 penalty only (no lasso)")


SAGA_TOL = 1e-8


def sklearn_sparse_path(data: dict[str, np.ndarray], alphas: np.ndarray, budget_s: float) -> Solution:
    """``LogisticRegression(l1_ratio=1, solver="saga")``, warm-started along the grid, ``C = 1 / (n alpha)``;
    stops after ``budget_s`` seconds (the solution covers the alphas done)."""
    from sklearn.linear_model import LogisticRegression

    X, y = csc_of(data).tocsr(), data["y"]
    model = LogisticRegression(l1_ratio=1.0, solver="saga", tol=SAGA_TOL, max_iter=100_000, warm_start=True)
    intercepts, coefs, start = [], [], time.perf_counter()
    for alpha in alphas:
        model.set_params(C=1.0 / (y.size * alpha))
        model.fit(X, y)
        intercepts.append(float(model.intercept_[0]))
        coefs.append(model.coef_.ravel().copy())
        if time.perf_counter() - start > budget_s:
            break
    return np.array(intercepts), np.array(coefs)


def statsmodels_factor_glm(frame: Any, alphas: None) -> Solution:
    """``sm.GLM`` on the dense design ``[1, dummies of levels 1..L-1, x1..x20]``, built with NumPy (patsy's
    ``C(g)`` is far slower: 15 s more at 20,000 rows and 1,000 levels)."""
    import statsmodels.api as sm

    codes = frame["g"].cat.codes.to_numpy()
    n_levels = len(frame["g"].cat.categories)
    design = np.zeros((len(frame), n_levels + N_NUMERIC))
    design[:, 0] = 1.0
    rows = np.flatnonzero(codes > 0)
    design[rows, codes[rows]] = 1.0
    design[:, n_levels:] = frame.iloc[:, 2:].to_numpy()
    result = sm.GLM(frame["y"].to_numpy(), design, family=sm.families.Poisson()).fit()
    _ = result.bse  # the standard errors are part of the fit
    return _split(np.asarray(result.params))


GLMNET_THRESH = 1e-7


def glmnet_sparse_path(data: dict[str, np.ndarray], alphas: np.ndarray) -> Solution:
    import glmnet

    model = glmnet.LogNet(lambda_values=alphas, alpha=1.0, standardize=False)
    model.control.thresh = GLMNET_THRESH
    model.fit(csc_of(data), data["y"])
    return np.asarray(model.intercepts_), np.asarray(model.coefs_).reshape(len(alphas), -1)


ADELIE_TOL = 1e-7


def adelie_sparse_path(data: dict[str, np.ndarray], alphas: np.ndarray) -> Solution:
    """adelie's ``grpnet`` (lasso: one column per group), in its own virtual environment."""
    import adelie as ad

    threads = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))
    state = ad.grpnet(ad.matrix.sparse(csc_of(data), n_threads=threads), ad.glm.binomial(data["y"]),
                      lmda_path=alphas, tol=ADELIE_TOL, irls_tol=ADELIE_TOL, early_exit=False,
                      n_threads=threads, progress_bar=False)
    return np.asarray(state.intercepts), np.asarray(state.betas.toarray())


@dataclass(frozen=True)
class Runner:
    """How one library is called on one case: ``fn(inputs, alphas)``; ``call`` is shown in the table."""

    call: str
    fn: Callable[..., Solution]
    ses: str = "n/a"


RUNNERS: dict[tuple[str, str], Runner] = {
    ("factor_glm", "glmgen"): Runner("gg.glm(formula, df, 'poisson') + bse + cov_params()", glmgen_factor_glm,
                                     "included"),
    ("factor_glm", "glum"): Runner(f"GeneralizedLinearRegressor(alpha=0, drop_first=True, gradient_tol="
                                   f"{GLUM_FACTOR_TOL:g}) on the frame (tabmat)", glum_factor_glm),
    ("factor_glm", "sklearn"): Runner("OneHotEncoder(sparse, drop='first') + PoissonRegressor(alpha=0, "
                                      f"newton-cholesky, tol={SKLEARN_FACTOR_TOL:g})", sklearn_factor_glm),
    ("factor_glm", "statsmodels"): Runner("sm.GLM(y, dense one-hot design, Poisson()).fit() + bse",
                                          statsmodels_factor_glm, "included"),
    ("factor_path", "glmgen"): Runner("gg.glm_path(formula, df, l1_ratio=1, alphas, standardize=False)",
                                      glmgen_factor_path),
    ("factor_path", "glum"): Runner(f"GeneralizedLinearRegressor(l1_ratio=1, alpha_search, alphas, "
                                    f"drop_first=True, gradient_tol={GLUM_PATH_TOL:g})", glum_factor_path),
    ("factor_path", "sklearn"): Runner("-", sklearn_factor_path),
    ("sparse_path", "glmgen"): Runner("solvers.fit_path(GLMProblem(ModelMatrix([SparseBlock(csc)])))",
                                      glmgen_sparse_path),
    ("sparse_path", "glmnet"): Runner(f"glmnet.LogNet(lambda_values, standardize=False, thresh={GLMNET_THRESH:g})",
                                      glmnet_sparse_path),
    ("sparse_path", "adelie"): Runner(f"adelie.grpnet(matrix.sparse(csc), glm.binomial, lmda_path, "
                                      f"tol={ADELIE_TOL:g})", adelie_sparse_path),
    ("sparse_path", "sklearn"): Runner(f"LogisticRegression(l1_ratio=1, saga, tol={SAGA_TOL:g}, warm_start) "
                                       "per alpha", sklearn_sparse_path),
    ("sparse_path", "glum"): Runner(f"GeneralizedLinearRegressor(l1_ratio=1, alpha_search, alphas, "
                                    f"gradient_tol={GLUM_PATH_TOL:g}) on csc", glum_sparse_path),
}


# ---------------------------------------------------------------------------
# the child process
# ---------------------------------------------------------------------------


def _status_bytes(field_name: str) -> int:
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field_name}")


def _reset_peak_rss() -> None:
    """Reset ``VmHWM`` to the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _inputs(case: str, data: dict[str, np.ndarray]) -> Any:
    return data if case == "sparse_path" else factor_frame(data)


def _load(path: str) -> dict[str, np.ndarray]:
    with np.load(path) as npz:
        return dict(npz)


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm up on the small problem, then time the library on the real one; returns what the table needs."""
    case, library = spec["case"], spec["library"]
    runner = RUNNERS[(case, library)]
    fn = runner.fn
    if (case, library) == ("sparse_path", "sklearn"):
        budget = spec["saga_budget_s"]
        fn = lambda inputs, alphas: sklearn_sparse_path(inputs, alphas, budget)
    out: dict[str, Any] = {"notes": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warm = _load(spec["warmup"])
        warm_alphas = alpha_grid(case, warm) if case != "factor_glm" else None
        out["warmup_s"] = time_call(lambda: fn(_inputs(case, warm), warm_alphas), repeats=1, warmup=0).median
        data = _load(spec["data"])
        alphas = np.asarray(spec["alphas"]) if spec["alphas"] is not None else None
        inputs = _inputs(case, data)
        times: list[float] = []
        solution: Solution | None = None
        for i in range(spec["repeats"]):
            if i == 0:
                out["data_rss"] = _status_bytes("VmRSS")
                _reset_peak_rss()
            solution = None  # drop the last result before the next call
            timing = time_call(lambda: fn(inputs, alphas), repeats=1, warmup=0)
            solution = timing.value
            times.append(timing.median)
            if i == 0:
                out["peak_rss"] = _status_bytes("VmHWM")
            if sum(times) > REPEAT_BUDGET_S:
                break
        if (case, library) == ("factor_glm", "glum"):
            if data["y"].size <= GLUM_SE_MAX_ROWS:
                out["se_s"] = glum_covariance(inputs)
            else:
                out["notes"].append(f"covariance_matrix() not timed above {GLUM_SE_MAX_ROWS:,} rows")
    assert solution is not None
    intercepts, coefs = solution
    out["times"] = times
    out["n_alphas_done"] = len(intercepts)
    grid = alphas if alphas is not None else [0.0]
    out["objectives"] = objectives(case, data, grid[: len(intercepts)], intercepts, coefs)
    seen = sorted({f"{w.category.__name__}: {' '.join(str(w.message).split())[:100]}" for w in caught})
    out["notes"] += seen[:3]
    return out


# ---------------------------------------------------------------------------
# the parent: data, children, table
# ---------------------------------------------------------------------------


@dataclass
class Row:
    library: str
    call: str
    status: str = "ok"  # "ok" | "skipped" | "error"
    result: dict[str, Any] = field(default_factory=dict)
    gap: float | None = None
    ratio: float | None = None

    @property
    def median(self) -> float | None:
        times = self.result.get("times")
        return float(np.median(times)) if times else None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _interpreter(library: str) -> str | None:
    return _adelie.interpreter() if library == "adelie" else sys.executable


def run_child(library: str, spec: dict[str, Any], timeout: float | None, threads: int | None) -> Row:
    """Run one (case, library) in a fresh interpreter; errors and skips become rows."""
    row = Row(library, RUNNERS[(spec["case"], library)].call)
    python = _interpreter(library)
    if python is None:
        row.status, row.result = "skipped", {"notes": [f"no {_adelie.VENV.name}: run with --setup-adelie first"]}
        return row
    env = dict(os.environ)
    if threads:
        env.update({name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                                   "NUMBA_NUM_THREADS")})
    command = [python, str(Path(__file__).resolve()), "--worker", json.dumps({**spec, "library": library})]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        row.status, row.result = "error", {"notes": [f"timed out after {timeout:g} s"]}
        return row
    lines = proc.stdout.strip().splitlines()
    try:
        row.result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        row.status, row.result = "error", {"notes": [f"exit status {proc.returncode}: {last[:160]}"]}
        return row
    row.status = row.result.pop("status", "ok")
    return row


def dense_bytes(case: str, n: int, n_levels: int) -> int:
    return n * (n_levels + N_NUMERIC) * 8 if case == "factor_glm" else 0


def run_case(case: str, label: str, data_path: str, warm_path: str, alphas: np.ndarray | None,
             args: argparse.Namespace, n_dense: int) -> list[Row]:
    spec = {"case": case, "data": data_path, "warmup": warm_path, "repeats": args.repeats,
            "alphas": None if alphas is None else alphas.tolist(), "saga_budget_s": args.sizes.saga_budget_s}
    rows = []
    for library in CASE_LIBRARIES[case]:
        if library not in args.libs:
            continue
        if library == "statsmodels" and n_dense > DENSE_BUDGET_BYTES:
            rows.append(Row(library, RUNNERS[(case, library)].call, "skipped", {"notes": [
                f"not run: the dense design would take {n_dense / 2**30:.1f} GiB (> 4 GiB budget)"]}))
            continue
        log(f"  {label}: {library} ...")
        rows.append(run_child(library, spec, args.timeout, args.threads))
    finish(rows)
    return rows


def finish(rows: list[Row]) -> None:
    """Relative gaps to the best objective at each alpha (the largest over the alphas), time ratios to glmgen."""
    solved = [r for r in rows if r.status == "ok"]
    if not solved:
        return
    depth = max(len(r.result["objectives"]) for r in solved)
    table = np.full((len(solved), depth), np.inf)
    for i, row in enumerate(solved):
        table[i, : len(row.result["objectives"])] = row.result["objectives"]
    best = table.min(axis=0)
    reference = next((r.median for r in solved if r.library == "glmgen"), None)
    for i, row in enumerate(solved):
        done = len(row.result["objectives"])
        row.gap = float(np.max((table[i, :done] - best[:done]) / np.abs(best[:done])))
        if reference:
            row.ratio = row.median / reference  # type: ignore[operator]


def format_table(title: str, case: str, rows: list[Row]) -> str:
    path = case != "factor_glm"
    value = "alphas done" if path else "deviance"
    gap = "max rel. objective gap to best" if path else "rel. deviance gap to best"
    lines = [f"### {title}", "",
             (f"| library | call | median s | runs | time / glmgen | SEs | peak RSS MiB | above data MiB | {value} "
              f"| {gap} | notes |"),
             "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in rows:
        res = r.result
        notes = "; ".join(res.get("notes", [])).replace("|", "\\|")
        if r.status != "ok":
            lines.append(f"| {r.library} | `{r.call}` | {r.status} | | | | | | | | {notes} |")
            continue
        ses = RUNNERS[(case, r.library)].ses
        if "se_s" in res:
            ses = f"+{res['se_s']:.2f} s"
        shown = f"{res['n_alphas_done']}" if path else f"{res['objectives'][0]:.6f}"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        mib = 2**20
        lines.append(
            f"| {r.library} | `{r.call}` | {r.median:.2f} | {len(res['times'])} | {ratio} | {ses} "
            f"| {res['peak_rss'] / mib:.0f} | {(res['peak_rss'] - res['data_rss']) / mib:.0f} | {shown} "
            f"| {r.gap:.1e} | {notes} |")
    return "\n".join(lines)


def make_data(case: str, sizes: Sizes, n: int, seed: int) -> dict[str, np.ndarray]:
    if case == "sparse_path":
        return sparse_problem(sizes.sparse_n, sizes.sparse_p, sizes.sparse_density, sizes.sparse_true, seed)
    return factor_problem(n, sizes.factor_levels, seed)


def benchmarks(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    """Every selected case at every size: write the data, run the children, print the tables."""
    results = []
    for case in args.cases:
        sizes = args.sizes.factor_n if case != "sparse_path" else (args.sizes.sparse_n,)
        warm_path = workdir / f"warm_{case}.npz"
        np.savez(warm_path, **make_data(case, WARMUP, WARMUP.factor_n[0], args.seed + 1))
        for n in sizes:
            log(f"building {case} n={n:,} ...")
            data = make_data(case, args.sizes, n, args.seed)
            data_path = workdir / f"{case}_{n}.npz"
            np.savez(data_path, **data)
            alphas = None if case == "factor_glm" else alpha_grid(case, data)
            n_levels = args.sizes.factor_levels
            if case == "sparse_path":
                X = csc_of(data)
                title = (f"sparse_path: binomial lasso path, n={n:,}, p={X.shape[1]:,} CSC, "
                         f"{X.nnz / np.prod(X.shape):.2%} non-zero, {N_ALPHAS} alphas to "
                         f"{SPARSE_MIN_RATIO:g} alpha_max")
            else:
                what = "unpenalized Poisson GLM" if case == "factor_glm" else (
                    f"Poisson lasso path, {N_ALPHAS} alphas to {FACTOR_MIN_RATIO:g} alpha_max")
                title = f"{case}: {what}, n={n:,}, {n_levels:,}-level factor + {N_NUMERIC} numeric"
            del data
            rows = run_case(case, f"{case} n={n:,}", str(data_path), str(warm_path), alphas, args,
                            dense_bytes(case, n, n_levels))
            data_path.unlink()
            print(f"\n{format_table(title, case, rows)}", flush=True)
            results.append({"case": case, "n": n, "title": title,
                            "rows": [{"library": r.library, "call": r.call, "status": r.status, "median_s": r.median,
                                      "ratio_to_glmgen": r.ratio, "max_rel_gap": r.gap, **r.result} for r in rows]})
    return results


def environment() -> str:
    versions = package_versions(("numpy", "scipy", "pandas", "scikit-learn", "statsmodels", "glum", "tabmat",
                                 "glmstar", "numba"))
    return (f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {versions}; adelie {_adelie.version()} "
            f"(own venv).")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small problems and one repeat: under a minute")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--cases", default=",".join(CASES), help=f"subset of {','.join(CASES)}")
    parser.add_argument("--factor-n", default=None, help="comma-separated row counts of the factor cases")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per library (default 3, quick 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="cap BLAS / OpenMP / numba threads in children")
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per child process")
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    parser.add_argument("--setup-adelie", action="store_true", help=f"create {_adelie.VENV} with adelie, then exit")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.libs = [s for s in args.libs.split(",") if s]
    args.cases = [s for s in args.cases.split(",") if s]
    for name, chosen, known in (("--libs", args.libs, LIBRARIES), ("--cases", args.cases, CASES)):
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            parser.error(f"{name}: unknown {', '.join(unknown)}; choose from {', '.join(known)}")
    args.sizes = QUICK if args.quick else Sizes()
    if args.factor_n:
        args.sizes = Sizes(**{**args.sizes.__dict__, "factor_n": tuple(int(v) for v in args.factor_n.split(","))})
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker is not None:
        spec = json.loads(args.worker)
        try:
            result = worker(spec)
        except Skip as exc:
            result = {"status": "skipped", "notes": [str(exc)]}
        except Exception as exc:  # noqa: BLE001 - reported in the parent's table
            result = {"status": "error", "notes": [f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]}"]}
        print(json.dumps(result))
        return 0
    if args.setup_adelie:
        return _adelie.setup()
    print("## Design-matrix benchmark: large factors and sparse columns" + (" (quick)" if args.quick else ""))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_design_") as workdir:
        results = benchmarks(args, Path(workdir))
    print(f"\n{environment()} Wall time {time.perf_counter() - started:.0f} s.")
    if args.json is not None:
        args.json.write_text(json.dumps({"benchmark": "design", "results": results}, indent=2))
    return 1 if any(row["status"] == "error" for r in results for row in r["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
