"""Penalized and unpenalized GLMs: glmgen against glmnet, adelie, scikit-learn, glum and skglm (issue 12).

Usage::

    python benchmarks/bench_penalized.py --quick                 # smoke run, about a minute
    python benchmarks/bench_penalized.py --threads 1             # every row but the 1M-row one
    python benchmarks/bench_penalized.py --problems tall         # the 1,000,000-row Poisson path alone
    python benchmarks/bench_penalized.py --libs glmgen,glmnet --json out.json
    python benchmarks/bench_penalized.py --setup-adelie          # once: benchmarks/.venv-adelie

Every library minimises the same objective on the raw columns, with an intercept::

    deviance / (2 n) + alpha * (l1_ratio |b|_1 + (1 - l1_ratio) / 2 |b|_2^2)

over a common alpha grid (50 values from alpha_max down to 1e-3 alpha_max, 1e-2
for the wide problem), at one alpha (alpha_max / 20), or unpenalized
(alpha = 0). The objective is computed here, in the parent, with plain numpy /
scipy deviances from the intercepts and coefficients each library returns.

Protocol. Each (problem, library) runs in a fresh child process (this script
with ``--worker``; adelie under ``benchmarks/.venv-adelie``), which writes its
solutions as ``.npy`` files to a temporary directory.

1. Tolerance ladder: every library but glmgen solves the problem once per
   tolerance of :data:`LADDER` (loose to tight; glmnet ``thresh`` / ``epsnr``,
   adelie ``tol`` = ``irls_tol``, scikit-learn ``tol``, glum ``gradient_tol``,
   skglm ``tol``), stopping early once a tighter tolerance moves no coefficient
   by more than :data:`SETTLED` of the largest one (the objective then moves by
   about its square) or once a probe takes longer than the probe budget.
2. Common optimum: at each alpha, the lowest objective any run reached.
3. Each library's chosen tolerance is the loosest whose largest relative
   objective gap over the alphas is <= 1e-7 (the tightest probed when none
   is). A fresh child then makes one warm-up call at that tolerance ("first
   call": the library's import and JIT compilation or cache load included) and
   up to three timed calls (fewer when the next would take them past 30 s):
   the median is the library's time. When the chosen probe itself took over
   10 s, that probe (already a warm call) is the time, and no first call is
   measured.

glmgen runs only at its defaults (``gg.glm_path`` / ``gg.glm`` on a DataFrame,
``standardize=False``, no ``tol``), so its design build is part of its time; its
first call in a fresh process (numba cache load) is reported separately and
its gap is reported as it is (the bar is <= 1e-7).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
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

import numpy as np  # numpy and the standard library only: the worker also runs under adelie's venv

from benchmarks import _adelie
from benchmarks._timing import package_versions, time_call

Solution = tuple[np.ndarray, np.ndarray]  # intercepts (k,), coefficients (k, p)

LIBRARIES = ("glmgen", "glmnet", "adelie", "sklearn", "glum", "skglm")
#: table columns: a library can give two (adelie at 1 and 2 threads)
COLUMNS = ("glmnet", "adelie 1t", "adelie 2t", "sklearn", "glum", "skglm", "glmgen")
LADDER = (1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
GAP_BAR = 1e-7
SETTLED = 1e-6
#: no further timed call once the next one would take the timed calls past this many seconds
REPEAT_BUDGET_S = 30.0
#: a chosen ladder probe slower than this is the library's time (a warm call already) rather than re-timed
SLOW_PROBE_S = 10.0
N_ALPHAS = 50
QUICK_N = 2_000
QUICK_ALPHAS = 10
#: rows of the untimed warm-up call that opens a ladder
WARMUP_ROWS = 500
#: terminal colour codes (numba's warnings carry some)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Case:
    """One row of the table: a registered problem, a penalty mix and what is solved."""

    key: str
    label: str
    problem: str
    l1_ratio: float
    kind: str = "path"  # "path" | "single" | "unpenalized"
    ratio: float = 1e-3


CASES = (
    Case("gaussian_path", "gaussian lasso path 10k×200, 50 α", "gaussian_lasso_10k_200", 1.0),
    Case("binomial_enet", "binomial enet(0.5) path 50k×100, 50 α", "binomial_enet_50k_100", 0.5),
    Case("poisson_path", "poisson lasso path 50k×100, 50 α", "poisson_lasso_50k_100", 1.0),
    Case("poisson_ridge", "poisson ridge path 50k×100, 50 α", "poisson_lasso_50k_100", 0.0),
    Case("gaussian_single", "gaussian lasso, one α, 100k×100", "single_gaussian_100k_100", 1.0, "single"),
    Case("binomial_single", "binomial lasso, one α, 100k×100", "single_binomial_100k_100", 1.0, "single"),
    Case("poisson_single", "poisson lasso, one α, 100k×100", "single_poisson_100k_100", 1.0, "single"),
    Case("binomial_unpen", "binomial unpenalized 100k×50", "binomial_100k_50", 0.0, "unpenalized"),
    Case("poisson_unpen", "poisson unpenalized 100k×50", "poisson_100k_50", 0.0, "unpenalized"),
    Case("wide", "wide binomial lasso path 500×5000, 50 α", "binomial_wide_500_5000", 1.0, ratio=1e-2),
    Case("randhie", "randhie poisson lasso path (20k×9), 50 α", "randhie_poisson", 1.0),
    Case("tall", "tall poisson lasso path 1M×50, 50 α", "poisson_lasso_1m_50", 1.0),
)
#: the default run leaves out the 1M-row path (minutes per library): ask for it with --problems tall
DEFAULT_CASES = tuple(c.key for c in CASES if c.key != "tall")
#: --quick runs two rows (a single fit and a path) at QUICK_N rows
QUICK_CASES = ("binomial_single", "poisson_path")

NOTES = (
    ("scikit-learn has no penalized Poisson solver with an L1 term (only PoissonRegressor's ridge): "
     "it is left out of the Poisson lasso rows; its binomial penalized rows use LogisticRegression(solver='saga'), "
     "its gaussian rows enet_path on centred data, its unpenalized rows newton-cholesky."),
    ("adelie and skglm have no unpenalized GLM: left out of those rows. glmnet's unpenalized rows use glmnet.GLM "
     "(IRLS, tolerance epsnr)."),
    ("adelie 2t runs with n_threads=2 whatever --threads says; every other library is capped at --threads "
     "(BLAS, OpenMP, numba)."),
)


# ---------------------------------------------------------------------------
# the objective (parent side: numpy and scipy only)
# ---------------------------------------------------------------------------


def deviance(family: str, y: np.ndarray, eta: np.ndarray) -> float:
    """Unit-weight deviance at the linear predictor ``eta`` (canonical links)."""
    from scipy.special import xlogy

    if family == "gaussian":
        return float(np.sum(np.square(y - eta)))
    if family == "binomial":
        return float(2.0 * np.sum(np.logaddexp(0.0, eta) - y * eta))
    mu = np.exp(eta)
    return float(2.0 * np.sum(xlogy(y, y) - y * eta - (y - mu)))


def objectives(family: str, X: np.ndarray, y: np.ndarray, alphas: np.ndarray, l1_ratio: float,
               solution: Solution) -> np.ndarray:
    """The penalized objective at each alpha of the grid."""
    intercepts, coefs = solution
    values = []
    for alpha, b0, b in zip(alphas, intercepts, coefs):
        penalty = l1_ratio * np.abs(b).sum() + 0.5 * (1.0 - l1_ratio) * np.square(b).sum()
        values.append(deviance(family, y, b0 + X @ b) / (2.0 * len(y)) + alpha * penalty)
    return np.array(values)


def alpha_grid(X: np.ndarray, y: np.ndarray, case: Case, n_alphas: int = N_ALPHAS) -> np.ndarray:
    """alpha_max from the KKT condition at the intercept-only fit (canonical links: ``|X'(y - ybar)|_inf / n``)."""
    if case.kind == "unpenalized":
        return np.zeros(1)
    alpha_max = float(np.max(np.abs(X.T @ (y - y.mean()))) / len(y) / max(case.l1_ratio, 1e-3))
    if case.kind == "single":
        return np.array([alpha_max / 20.0])
    return alpha_max * np.geomspace(1.0, case.ratio, n_alphas)


# ---------------------------------------------------------------------------
# the libraries (child side): each returns (intercepts, coefficients) on the grid
# ---------------------------------------------------------------------------


@dataclass
class Inputs:
    """What a child solves: the data as loaded, the grid and the settings of one call."""

    X: np.ndarray
    y: np.ndarray
    family: str
    alphas: np.ndarray
    l1_ratio: float
    kind: str
    threads: int
    prepared: Any = None  # library-specific data (glmgen's DataFrame, adelie's Fortran-ordered X)


def _stack(intercepts: Sequence[float], coefs: Sequence[np.ndarray]) -> Solution:
    return np.asarray(intercepts, dtype=float), np.asarray(coefs, dtype=float).reshape(len(intercepts), -1)


def run_glmgen(d: Inputs, tol: float | None) -> Solution:
    """``gg.glm_path`` / ``gg.glm`` at their defaults on the DataFrame (the formula API builds the design)."""
    import glmgen as gg

    del tol  # glmgen runs at its defaults only
    data, formula, names = d.prepared
    if d.kind == "path":
        path = gg.glm_path(formula, data, d.family, l1_ratio=d.l1_ratio, alphas=d.alphas, standardize=False)
        values = path.coefs[names].to_numpy()
    else:
        fit = gg.glm(formula, data, d.family, alpha=float(d.alphas[0]), l1_ratio=d.l1_ratio, standardize=False)
        values = fit.params[names].to_numpy()[None, :]
    return values[:, 0], values[:, 1:]


def run_glmnet(d: Inputs, tol: float | None) -> Solution:
    """glmstar: GaussNet / LogNet / FishNet on the grid (``thresh``); ``glmnet.GLM`` unpenalized (``epsnr``)."""
    import glmnet

    if d.kind == "unpenalized":
        import statsmodels.api as sm
        from glmnet.family import GLMFamilySpec
        from glmnet.glm import GLMControl

        base = {"binomial": sm.families.Binomial(), "poisson": sm.families.Poisson()}[d.family]
        model = glmnet.GLM(family=GLMFamilySpec(base=base), control=GLMControl(epsnr=tol))
        model.fit(d.X, d.y)
        return _stack([model.intercept_], [model.coef_])
    estimator = {"gaussian": glmnet.GaussNet, "binomial": glmnet.LogNet, "poisson": glmnet.FishNet}[d.family]
    model = estimator(lambda_values=d.alphas, alpha=d.l1_ratio, standardize=False)
    model.control.thresh = tol
    model.fit(d.X, d.y)
    return _stack(model.intercepts_, model.coefs_)


def run_adelie(d: Inputs, tol: float | None) -> Solution:
    """``adelie.grpnet``, one column per group: its loss is the mean negative log-likelihood, so lambda = alpha."""
    import adelie as ad

    glm = {"gaussian": ad.glm.gaussian, "binomial": ad.glm.binomial, "poisson": ad.glm.poisson}[d.family](d.y)
    state = ad.grpnet(ad.matrix.dense(d.prepared, n_threads=d.threads), glm, alpha=d.l1_ratio, lmda_path=d.alphas,
                      tol=tol, irls_tol=tol, early_exit=False, n_threads=d.threads, progress_bar=False)
    return _stack(state.intercepts, state.betas.toarray())


def _sklearn_gaussian(d: Inputs, tol: float) -> Solution:
    from sklearn.linear_model import enet_path

    x_mean, y_mean = d.X.mean(axis=0), d.y.mean()
    _, coefs, _ = enet_path(d.X - x_mean, d.y - y_mean, l1_ratio=d.l1_ratio, alphas=d.alphas, tol=tol,
                            max_iter=100_000)
    coefs = coefs.T
    return _stack(y_mean - coefs @ x_mean, coefs)


def run_sklearn(d: Inputs, tol: float | None) -> Solution:
    """enet_path (gaussian), LogisticRegression (saga penalized, newton-cholesky unpenalized), PoissonRegressor
    (ridge and unpenalized, newton-cholesky), warm-started along the grid."""
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    assert tol is not None
    if d.family == "gaussian":
        return _sklearn_gaussian(d, tol)
    n = len(d.y)
    if d.family == "binomial" and d.kind == "unpenalized":
        model: Any = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=tol, max_iter=1000)
        fits: list[Callable[[], Any]] = [lambda: model]
    elif d.family == "binomial":
        model = LogisticRegression(l1_ratio=d.l1_ratio, solver="saga", tol=tol, max_iter=100_000, warm_start=True)
        fits = [lambda a=a: model.set_params(C=1.0 / (n * a)) for a in d.alphas]
    elif d.l1_ratio == 0.0:
        model = PoissonRegressor(solver="newton-cholesky", tol=tol, max_iter=1000, warm_start=True)
        fits = [lambda a=a: model.set_params(alpha=a) for a in d.alphas]
    else:
        raise NotImplementedError("scikit-learn has no Poisson solver with an L1 penalty")
    intercepts, coefs = [], []
    for configure in fits:
        configure().fit(d.X, d.y)
        intercepts.append(float(np.ravel(model.intercept_)[0]))
        coefs.append(np.ravel(model.coef_).copy())
    return _stack(intercepts, coefs)


def run_glum(d: Inputs, tol: float | None) -> Solution:
    """``GeneralizedLinearRegressor``: ``alpha_search`` over the grid, or one alpha (0 when unpenalized)."""
    from glum import GeneralizedLinearRegressor

    path = d.kind == "path"
    model = GeneralizedLinearRegressor(family=d.family, l1_ratio=d.l1_ratio, alpha_search=path,
                                       alpha=d.alphas.tolist() if path else float(d.alphas[0]), gradient_tol=tol,
                                       max_iter=1000)
    model.fit(d.X, d.y)
    if path:
        return _stack(model.intercept_path_, model.coef_path_)
    return _stack([model.intercept_], [model.coef_])


def run_skglm(d: Inputs, tol: float | None) -> Solution:
    """``GeneralizedLinearEstimator``: Quadratic / Logistic (labels +-1) / Poisson datafit with an L1 or
    L1_plus_L2 penalty, warm-started along the grid (AndersonCD for gaussian, ProxNewton otherwise; AndersonCD's
    default of 50 outer iterations leaves the logistic intercept ~1e-6 short of the optimum at any ``tol``)."""
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Logistic, Poisson, Quadratic
    from skglm.penalties import L1, L1_plus_L2
    from skglm.solvers import AndersonCD, ProxNewton

    if d.kind == "unpenalized":
        raise NotImplementedError("skglm has no unpenalized GLM")
    datafit = {"gaussian": Quadratic, "binomial": Logistic, "poisson": Poisson}[d.family]()
    solver = (AndersonCD(tol=tol, max_iter=1000, fit_intercept=True, warm_start=True) if d.family == "gaussian"
              else ProxNewton(tol=tol, fit_intercept=True, warm_start=True))
    y = 2.0 * d.y - 1.0 if d.family == "binomial" else d.y
    intercepts, coefs = [], []
    model = None
    for a in d.alphas:
        penalty = L1(float(a)) if d.l1_ratio == 1.0 else L1_plus_L2(float(a), d.l1_ratio)
        if model is None:
            model = GeneralizedLinearEstimator(datafit=datafit, penalty=penalty, solver=solver)
        else:
            model.penalty = penalty
        model.fit(d.X, y)
        intercepts.append(float(model.intercept_))
        coefs.append(np.ravel(model.coef_).copy())
    return _stack(intercepts, coefs)


RUNNERS: dict[str, Callable[[Inputs, float | None], Solution]] = {
    "glmgen": run_glmgen, "glmnet": run_glmnet, "adelie": run_adelie, "sklearn": run_sklearn, "glum": run_glum,
    "skglm": run_skglm,
}


def solves(library: str, family: str, case: Case) -> bool:
    """Whether the library solves this row's objective (see :data:`NOTES`)."""
    if library in ("adelie", "skglm"):
        return case.kind != "unpenalized"
    if library == "sklearn":
        return family != "poisson" or case.l1_ratio == 0.0
    return True


# ---------------------------------------------------------------------------
# the child process
# ---------------------------------------------------------------------------


def prepare(library: str, d: Inputs, meta: dict[str, Any]) -> Any:
    """Library-specific data made before any timing (what a user holds before the call)."""
    if library == "glmgen":
        import pandas as pd

        data = pd.DataFrame(d.X, columns=meta["features"], copy=True)
        data.insert(0, meta["response"], d.y)
        return data, meta["formula"], ["Intercept", *meta["features"]]
    if library == "adelie":
        return np.asfortranarray(d.X)
    return None


def worker(spec: dict[str, Any]) -> None:
    """Ladder mode: one run per tolerance; time mode: a warm-up and up to ``repeats`` timed runs at one tolerance.

    Each solution goes to ``spec["out"]`` as ``<tag>_b0.npy`` / ``<tag>_coef.npy`` and a line of
    ``<spec tag>.jsonl`` as soon as it is found, so a child stopped by the timeout keeps what it finished."""
    workdir, out = Path(spec["data"]), Path(spec["out"])
    meta = json.loads((workdir / "meta.json").read_text())
    X, y = np.load(workdir / "X.npy"), np.load(workdir / "y.npy")
    d, small = (Inputs(X[:rows], y[:rows], meta["family"], np.asarray(spec["alphas"]), spec["l1_ratio"],
                       spec["kind"], spec["threads"]) for rows in (len(y), WARMUP_ROWS))
    d.prepared, small.prepared = prepare(spec["library"], d, meta), prepare(spec["library"], small, meta)
    run = RUNNERS[spec["library"]]
    log = out / f"{spec['tag']}.jsonl"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if spec["mode"] == "ladder":
            run(small, spec["tols"][0])  # imports and JIT compilation stay out of the probes' times
            previous = None
            for tol in spec["tols"]:
                timing = time_call(lambda tol=tol: run(d, tol), repeats=1, warmup=0)
                _record(out, log, f"{spec['tag']}_{tol:g}", timing.value,
                        {"tol": tol, "seconds": timing.median}, caught)
                if timing.median > spec["probe_budget"] or _settled(previous, timing.value):
                    break
                previous = timing.value
        else:
            tol = spec["tols"][0]
            first = time_call(lambda: run(d, tol), repeats=1, warmup=0)
            times: list[float] = []
            while not times or (len(times) < spec["repeats"] and sum(times) + times[-1] <= REPEAT_BUDGET_S):
                times.append(time_call(lambda: run(d, tol), repeats=1, warmup=0).median)
            _record(out, log, f"{spec['tag']}_time", first.value,
                    {"tol": tol, "first": first.median, "times": times}, caught)


def _record(out: Path, log: Path, tag: str, solution: Solution, run: dict[str, Any],
            caught: list[warnings.WarningMessage]) -> None:
    np.save(out / f"{tag}_b0.npy", solution[0])
    np.save(out / f"{tag}_coef.npy", solution[1])
    notes = sorted({f"{w.category.__name__}: {ANSI.sub('', ' '.join(str(w.message).split()))[:90]}"
                    for w in caught})[:2]
    with log.open("a") as lines:
        lines.write(json.dumps({**run, "tag": tag, "warnings": notes}) + "\n")


def _settled(previous: Solution | None, current: Solution) -> bool:
    """Whether tightening changed no coefficient beyond :data:`SETTLED` (relative to the largest one)."""
    if previous is None or previous[1].shape != current[1].shape:
        return False
    scale = max(float(np.max(np.abs(current[1]), initial=0.0)), float(np.max(np.abs(current[0]))), 1.0)
    change = max(float(np.max(np.abs(previous[1] - current[1]), initial=0.0)),
                 float(np.max(np.abs(previous[0] - current[0]))))
    return change <= SETTLED * scale


# ---------------------------------------------------------------------------
# the parent: data, children, choice of tolerance, tables
# ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One library column of one row: its ladder, chosen tolerance, timing and gap."""

    column: str
    library: str
    threads: int
    status: str = "ok"  # "ok" | "n/a" | "skipped" | "slow" (no ladder probe within --ladder-timeout) | "error"
    ladder: list[dict[str, Any]] = field(default_factory=list)
    tol: float | None = None
    first: float | None = None
    times: list[float] = field(default_factory=list)
    tag: str = ""
    gap: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return float(np.median(self.times)) if self.times else None

    @property
    def meets_bar(self) -> bool:
        return self.median is not None and self.gap is not None and self.gap <= GAP_BAR


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def child_env(entry: Entry, threads: int | None) -> dict[str, str]:
    """The child's environment: thread caps from --threads (adelie 2t: 2 whatever --threads says)."""
    env = dict(os.environ)
    cap = entry.threads if entry.column == "adelie 2t" else threads
    if cap:
        env.update({name: str(cap) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                                "NUMBA_NUM_THREADS")})
    return env


def run_child(entry: Entry, spec: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run one child; returns the runs it recorded (possibly fewer than asked, with a note, on failure)."""
    python = _adelie.interpreter() if entry.library == "adelie" else sys.executable
    assert python is not None
    tag = f"{entry.column.replace(' ', '')}_{spec['mode']}"
    spec = {**spec, "library": entry.library, "threads": entry.threads, "tag": tag}
    command = [python, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    timeout = args.ladder_timeout if spec["mode"] == "ladder" else args.timeout
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=child_env(entry, args.threads), check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            entry.notes.append(f"{spec['mode']}: exit status {proc.returncode}: {last[:140]}")
    except subprocess.TimeoutExpired:
        entry.notes.append(f"{spec['mode']}: stopped after {timeout:g} s")
    log_path = Path(spec["out"]) / f"{tag}.jsonl"
    runs = [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []
    for run in runs:
        entry.notes += [w for w in run["warnings"] if w not in entry.notes]
    return runs


def load_solution(out: Path, tag: str) -> Solution:
    return np.load(out / f"{tag}_b0.npy"), np.load(out / f"{tag}_coef.npy")


def entries_for(case: Case, family: str, args: argparse.Namespace) -> list[Entry]:
    entries = []
    for column in COLUMNS:
        library = column.split()[0]
        if library not in args.libs:
            continue
        entry = Entry(column, library, int(column.split()[1][0]) if library == "adelie" else args.threads or 0)
        if not solves(library, family, case):
            entry.status = "n/a"
        elif library == "adelie" and _adelie.interpreter() is None:
            entry.status, entry.notes = "skipped", [f"no {_adelie.VENV.name}: run with --setup-adelie first"]
        entries.append(entry)
    return entries


def choose(entry: Entry, objectives_of: dict[str, np.ndarray], best: np.ndarray) -> None:
    """The loosest ladder tolerance whose largest relative gap is <= the bar (else the smallest gap)."""
    for run in entry.ladder:
        run["gap"] = relative_gap(objectives_of[run["tag"]], best)
    passing = [run for run in entry.ladder if run["gap"] <= GAP_BAR]
    entry.tol = (passing[0] if passing else min(entry.ladder, key=lambda run: run["gap"]))["tol"]


def relative_gap(values: np.ndarray, best: np.ndarray) -> float:
    return float(np.max((values - best) / np.abs(best)))


def run_case(case: Case, args: argparse.Namespace, workdir: Path) -> tuple[str, list[Entry]]:
    """Ladders, common optimum, chosen tolerances, timed runs and gaps for one row."""
    from benchmarks.problems import load_problem  # pandas: the parent only

    quick_n = QUICK_N if args.quick and case.problem != "randhie_poisson" else None
    problem = load_problem(case.problem, n=quick_n)
    X, y = problem.X, problem.y.astype(float)
    alphas = alpha_grid(X, y, case, QUICK_ALPHAS if args.quick else N_ALPHAS)
    data, out = workdir / case.key, workdir / f"{case.key}_out"
    data.mkdir()
    out.mkdir()
    np.save(data / "X.npy", X)
    np.save(data / "y.npy", y)
    (data / "meta.json").write_text(json.dumps({"family": problem.family, "formula": problem.formula,
                                                "response": problem.response,
                                                "features": list(problem.feature_names)}))
    spec = {"data": str(data), "out": str(out), "alphas": alphas.tolist(), "l1_ratio": case.l1_ratio,
            "kind": case.kind, "repeats": args.repeats, "probe_budget": args.probe_budget}
    entries = entries_for(case, problem.family, args)
    active = [e for e in entries if e.status == "ok"]
    for entry in active:
        if entry.library not in ("glmgen", "adelie") or entry.column == "adelie 1t":
            log(f"  {case.key}: {entry.column} tolerance ladder ...")
            entry.ladder = run_child(entry, {**spec, "mode": "ladder", "tols": list(LADDER)}, args)
            if not entry.ladder and any("stopped after" in note for note in entry.notes):
                entry.status = "slow"
    objectives_of = {run["tag"]: objectives(problem.family, X, y, alphas, case.l1_ratio,
                                            load_solution(out, run["tag"]))
                     for entry in active for run in entry.ladder}
    adelie_tol = None
    if objectives_of:
        best = np.min(np.vstack(list(objectives_of.values())), axis=0)
        for entry in active:
            if entry.ladder:
                choose(entry, objectives_of, best)
                adelie_tol = entry.tol if entry.library == "adelie" else adelie_tol
    for entry in active:
        tol = adelie_tol if entry.column == "adelie 2t" else entry.tol
        if entry.status != "ok":
            continue
        if entry.library != "glmgen" and tol is None:
            one_thread = next((e for e in entries if e.column == "adelie 1t"), None)
            entry.status = one_thread.status if entry.column == "adelie 2t" and one_thread else "error"
            continue
        probe = next((run for run in entry.ladder if run["tol"] == tol), None)
        if probe is not None and probe["seconds"] > SLOW_PROBE_S:
            entry.times, entry.tag = [probe["seconds"]], probe["tag"]
            entry.notes.append(f"timed by its ladder probe (over {SLOW_PROBE_S:g} s): one warm call, no first call")
            continue
        log(f"  {case.key}: {entry.column} timed at tol={tol} ...")
        runs = run_child(entry, {**spec, "mode": "time", "tols": [tol]}, args)
        if not runs:
            entry.status = "error"
            continue
        entry.tol, entry.first, entry.times, entry.tag = tol, runs[0]["first"], runs[0]["times"], runs[0]["tag"]
        objectives_of[entry.tag] = objectives(problem.family, X, y, alphas, case.l1_ratio,
                                              load_solution(out, entry.tag))
    best = np.min(np.vstack(list(objectives_of.values())), axis=0) if objectives_of else None
    for entry in active:
        if entry.tag and best is not None:
            entry.gap = relative_gap(objectives_of[entry.tag], best)
    return case.label + (f" [quick: n={problem.n:,}, {len(alphas)} α]" if args.quick else ""), entries


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def cell(entry: Entry | None) -> str:
    if entry is None:
        return ""
    if entry.status != "ok" or entry.median is None:
        return "—" if entry.status == "n/a" else entry.status
    mark = "" if entry.meets_bar else " ✗"
    return f"{entry.median:.3g}{mark}"


def summary_row(label: str, entries: list[Entry]) -> str:
    by_column = {e.column: e for e in entries}
    passing = [e for e in entries if e.meets_bar]
    fastest = min(passing, key=lambda e: e.median or np.inf) if passing else None
    others = [e for e in passing if e.library != "glmgen"]
    rival = min(others, key=lambda e: e.median or np.inf) if others else None
    glmgen = by_column.get("glmgen")
    ratio = (f"{glmgen.median / rival.median:.2f}" if glmgen and glmgen.median and rival and rival.median else "")
    gap = f"{glmgen.gap:.1e}" if glmgen and glmgen.gap is not None else ""
    best = f"{fastest.column} {fastest.median:.3g}" if fastest else ""
    return "| " + " | ".join([label, best, *(cell(by_column.get(c)) for c in COLUMNS), ratio, gap]) + " |"


def detail_rows(label: str, entries: list[Entry]) -> list[str]:
    rows = []
    for e in entries:
        if e.status == "n/a":
            continue
        ladder = "; ".join(f"{r['tol']:g}: {r.get('gap', np.nan):.0e} ({r['seconds']:.2g} s)" for r in e.ladder)
        tol = "defaults" if e.library == "glmgen" else (f"{e.tol:g}" if e.tol is not None else "")
        median = f"{e.median:.3g}" if e.median is not None else e.status
        first = f"{e.first:.3g}" if e.first is not None else ""
        gap = f"{e.gap:.1e}" if e.gap is not None else ""
        rows.append(f"| {label} | {e.column} | {tol} | {median} | {first} | {gap} | {ladder} | "
                    f"{'; '.join(e.notes)[:200]} |")
    return rows


def print_tables(results: list[tuple[str, list[Entry]]]) -> None:
    print("| problem | fastest (s) | " + " | ".join(COLUMNS) + " | glmgen / fastest other | glmgen objective gap |")
    print("|---|---|" + "---:|" * (len(COLUMNS) + 2))
    for label, entries in results:
        print(summary_row(label, entries))
    print("\nMedian seconds of up to 3 timed calls after a warm-up, each library at the loosest tolerance whose "
          f"largest relative objective gap to the common optimum is <= {GAP_BAR:g}; glmgen at its defaults. "
          "✗: the bar was not met (the time is at the best tolerance probed). 'fastest' is over every library "
          "that met the bar; 'glmgen / fastest other' divides glmgen's time by the fastest other one that did.")
    for note in NOTES:
        print(f"- {note}")
    print("\n| problem | library | tol chosen | median s | first call s | gap | ladder (tol: gap (time)) | notes |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for label, entries in results:
        for row in detail_rows(label, entries):
            print(row)


def as_json(results: list[tuple[str, list[Entry]]]) -> list[dict[str, Any]]:
    return [{"problem": label, "entries": [{"column": e.column, "status": e.status, "tol": e.tol, "median_s": e.median,
                                            "times": e.times, "first_call_s": e.first, "gap": e.gap,
                                            "ladder": e.ladder, "notes": e.notes} for e in entries]}
            for label, entries in results]


def environment() -> str:
    versions = package_versions(("numpy", "scikit-learn", "glum", "glmstar", "skglm", "numba"))
    return f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {versions}; adelie {_adelie.version()} (own venv)."


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"two rows at n={QUICK_N:,}, {QUICK_ALPHAS} alphas, one repeat: a smoke run")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--problems", default=None,
                        help=f"subset of {','.join(c.key for c in CASES)} (default: all but tall; "
                             f"quick: {','.join(QUICK_CASES)})")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per library (default 3, quick 1)")
    parser.add_argument("--threads", type=int, default=None, help="cap BLAS / OpenMP / numba threads in children")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per child (default 600, quick 120)")
    parser.add_argument("--ladder-timeout", type=float, default=None,
                        help="seconds per ladder child; a library with no probe done by then is 'slow' "
                             "(default 120, quick 60; raise it for --problems tall)")
    parser.add_argument("--probe-budget", type=float, default=None,
                        help="stop a ladder after a probe this slow, in s (default 15, quick 5)")
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    parser.add_argument("--setup-adelie", action="store_true", help=f"create {_adelie.VENV} with adelie, then exit")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.libs = [s for s in args.libs.split(",") if s]
    args.problems = [s for s in (args.problems or ",".join(QUICK_CASES if args.quick else DEFAULT_CASES)).split(",")
                     if s]
    known = [c.key for c in CASES]
    for name, chosen, choices in (("--libs", args.libs, LIBRARIES), ("--problems", args.problems, known)):
        unknown = sorted(set(chosen) - set(choices))
        if unknown:
            parser.error(f"{name}: unknown {', '.join(unknown)}; choose from {', '.join(choices)}")
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.timeout = args.timeout or (120.0 if args.quick else 600.0)
    args.ladder_timeout = args.ladder_timeout or (60.0 if args.quick else 120.0)
    args.probe_budget = args.probe_budget or (5.0 if args.quick else 15.0)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker is not None:
        worker(json.loads(args.worker))
        return 0
    if args.setup_adelie:
        return _adelie.setup()
    print("## Penalized GLM benchmark (issue 12)" + (" (quick)" if args.quick else "") + "\n")
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_penalized_") as workdir:
        for case in (c for c in CASES if c.key in args.problems):
            log(f"{case.label}:")
            results.append(run_case(case, args, Path(workdir)))
    print_tables(results)
    print(f"\n{environment()} --threads {args.threads}. Wall time {time.perf_counter() - started:.0f} s.")
    if args.json is not None:
        args.json.write_text(json.dumps({"benchmark": "penalized", "results": as_json(results)}, indent=2))
    return 1 if any(e.status == "error" for _, entries in results for e in entries) else 0


if __name__ == "__main__":
    sys.exit(main())
