#!/usr/bin/env python
"""Bootstrap refits: ``gg.bootstrap`` against plain refit loops in statsmodels and scikit-learn.

Usage::

    python benchmarks/bench_bootstrap.py                  # full run (about 5 minutes on 2 cores)
    python benchmarks/bench_bootstrap.py --quick          # smaller problems, a few seconds
    python benchmarks/bench_bootstrap.py --libs glmgen,statsmodels
    python benchmarks/bench_bootstrap.py --json out.json  # also write the numbers

Part (a): 1,000 bootstrap refits of an unpenalized logistic GLM on
``binomial_100k_50`` (n=100,000, p=50).

* ``glmgen``: ``gg.bootstrap(fit, n_boot=1000, n_jobs=2)``, timed in full
  (after a 4-replicate warm-up call that starts the worker processes and
  loads numba's cache there), and ``n_jobs=1`` timed on the first
  ``--sample`` x 5 replicates and extrapolated to 1,000;
* ``statsmodels``: a plain loop of ``sm.GLM(y, add_constant(X),
  Binomial(), freq_weights=counts).fit()`` (IRLS, default ``tol=1e-8``);
* ``sklearn``: a plain loop of ``LogisticRegression(<unpenalized>,
  solver="newton-cholesky", tol=1e-8).fit(X, y, sample_weight=counts)``.

The loops use the very resample counts of glmgen's replicates
(``boot.resample_counts(r)``), so the largest coefficient difference from
glmgen's replicates is reported as an accuracy check. They are timed on
``--sample`` refits (20 by default) and **extrapolated** linearly to 1,000;
they run with the BLAS threads the machine gives them (2 here; ``--loop-threads
1`` for one), glmgen's replicates with one BLAS thread per worker process.
Under load, multi-threaded BLAS in the loops slows down erratically (see the
README); compare ratios within one run.

Part (b): 200 resamples of a CV-selected lasso path on
``binomial_enet_50k_100`` built with n=20,000 rows (p=100; the problem's
l1_ratio hint is overridden by the lasso, l1_ratio=1):

* ``glmgen``: ``gg.bootstrap(path, select="cv", n_boot=..., n_jobs=2)``:
  each replicate re-runs the whole path (100 alphas from the resample's
  alpha_max, glmnet's early stop) and a 10-fold CV of it; timed on
  ``--path-sample`` replicates and extrapolated to 200;
* ``sklearn``: a loop of ``LogisticRegressionCV(Cs=20, cv=10, l1_ratios=[1],
  solver="saga", scoring="neg_log_loss").fit(X, y, sample_weight=counts)``
  (sklearn's default grid has 10 Cs; 20 is used here), timed on one refit
  and extrapolated to 200.

Tables are Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import json
import os
import platform
import pstats
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # benchmark the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from benchmarks._timing import time_call  # noqa: E402
from benchmarks.problems import PROBLEMS, Problem, load_problem  # noqa: E402

LIBRARIES = ("glmgen", "statsmodels", "sklearn")
TARGET_SECONDS = 60.0
TARGET_SPEEDUP = 5.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(value: float | None, base: float | None) -> str:
    return "-" if value is None or base is None or base <= 0 else f"{value / base:.1f}x"


def _unpenalized_logistic_kwargs() -> dict[str, Any]:
    """scikit-learn 1.8 deprecated ``penalty``; ``C=np.inf`` is unpenalized there (``penalty=None`` before)."""
    from sklearn.linear_model import LogisticRegression

    params = inspect.signature(LogisticRegression).parameters
    if "penalty" not in params or params["penalty"].default == "deprecated":
        return {"C": np.inf}
    return {"penalty": None}


def _lasso_cv_kwargs() -> dict[str, Any]:
    """``LogisticRegressionCV`` lasso settings without deprecation warnings on this scikit-learn version."""
    from sklearn.linear_model import LogisticRegressionCV

    params = inspect.signature(LogisticRegressionCV).parameters
    kwargs: dict[str, Any] = {"Cs": 20, "cv": 10, "solver": "saga", "tol": 1e-4, "max_iter": 1000}
    if "l1_ratios" in params and params["penalty"].default == "deprecated":
        kwargs["l1_ratios"] = [1.0]
    else:
        kwargs["penalty"] = "l1"
    if "scoring" in params:
        kwargs["scoring"] = "neg_log_loss"
    if "use_legacy_attributes" in params:
        kwargs["use_legacy_attributes"] = False
    return kwargs


# ---------------------------------------------------------------------------
# (a) unpenalized logistic GLM
# ---------------------------------------------------------------------------


def bench_unpenalized(problem: Problem, libs: Sequence[str], n_boot: int, n_jobs: int, sample: int,
                      profile: bool, loop_threads: int | None = None) -> dict[str, Any]:
    import glmgen as gg

    rows: list[dict[str, Any]] = []
    log(f"(a) fitting {problem.name} ...")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gg.glm(problem.formula, problem.data, family="binomial")
    result: dict[str, Any] = {"problem": problem.name, "n": problem.n, "p": problem.p, "n_boot": n_boot,
                              "n_jobs": n_jobs, "rows": rows}
    log(f"(a) glmgen warm-up (n_jobs={n_jobs}) ...")
    gg.bootstrap(fit, n_boot=4, seed=1, n_jobs=n_jobs, progress=False)
    log(f"(a) glmgen: {n_boot} replicates, n_jobs={n_jobs} ...")
    timing = time_call(lambda: gg.bootstrap(fit, n_boot=n_boot, seed=0, n_jobs=n_jobs, progress=False),
                       repeats=1, warmup=0)
    boot = timing.value
    glmgen_seconds = timing.median
    rows.append({
        "library": "glmgen", "call": f"gg.bootstrap(fit, n_boot={n_boot}, n_jobs={n_jobs})", "refits_timed": n_boot,
        "seconds_timed": glmgen_seconds, "seconds_total": glmgen_seconds, "extrapolated": False,
        "note": f"{boot.n_failed} failed, {boot.n_nonconverged} not converged; median "
                f"{int(np.median(boot.n_iter))} iterations per refit",
    })
    single = min(n_boot, 5 * sample)
    log(f"(a) glmgen: {single} replicates, n_jobs=1 ...")
    timing1 = time_call(lambda: gg.bootstrap(fit, n_boot=single, seed=0, n_jobs=1, progress=False),
                        repeats=1, warmup=0)
    rows.append({
        "library": "glmgen", "call": f"gg.bootstrap(fit, n_boot={single}, n_jobs=1)", "refits_timed": single,
        "seconds_timed": timing1.median, "seconds_total": timing1.median * n_boot / single, "extrapolated": True,
        "note": "one process, one BLAS thread",
    })
    if profile:
        result["profile"] = _profile(lambda: gg.bootstrap(fit, n_boot=min(n_boot, 50), seed=0, progress=False))

    counts = [boot.resample_counts(r).astype(float) for r in range(sample)]
    reference = boot.replicates.iloc[:sample].to_numpy()
    X1 = np.column_stack([np.ones(problem.n), problem.X])
    if "statsmodels" in libs:
        rows.append(_loop_row("statsmodels", "sm.GLM(y, X1, Binomial(), freq_weights=counts).fit()",
                              lambda c: _statsmodels_fit(problem, X1, c), counts, reference, n_boot,
                              loop_threads))
    if "sklearn" in libs:
        kwargs = _unpenalized_logistic_kwargs()
        shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        rows.append(_loop_row(
            "sklearn",
            f"LogisticRegression({shown}, solver='newton-cholesky', tol=1e-8).fit(X, y, sample_weight=counts)",
            lambda c: _sklearn_fit(problem, c, kwargs), counts, reference, n_boot, loop_threads))
    result["target_met"] = bool(glmgen_seconds < TARGET_SECONDS and all(
        r["seconds_total"] >= TARGET_SPEEDUP * glmgen_seconds for r in rows if r["library"] == "statsmodels"))
    return result


def _statsmodels_fit(problem: Problem, X1: np.ndarray, counts: np.ndarray) -> np.ndarray:
    import statsmodels.api as sm

    return np.asarray(sm.GLM(problem.y, X1, family=sm.families.Binomial(), freq_weights=counts).fit().params)


def _sklearn_fit(problem: Problem, counts: np.ndarray, kwargs: dict[str, Any]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(**kwargs, solver="newton-cholesky", tol=1e-8, max_iter=100)
    model.fit(problem.X, problem.y, sample_weight=counts)
    return np.r_[model.intercept_, model.coef_.ravel()]


def _loop_row(library: str, call: str, refit: Callable[[np.ndarray], np.ndarray], counts: list[np.ndarray],
              reference: np.ndarray, n_total: int, threads: int | None = None) -> dict[str, Any]:
    log(f"(a) {library}: {len(counts)} refits ...")
    try:
        with _thread_limit(threads):
            refit(counts[0])  # warm-up, not timed
            started = time.perf_counter()
            coefs = np.array([refit(c) for c in counts])
            seconds = time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001 - a failing library is reported, the run goes on
        return {"library": library, "call": call, "note": f"error: {type(exc).__name__}: {exc}"}
    return {
        "library": library, "call": call, "refits_timed": len(counts), "seconds_timed": seconds,
        "seconds_total": seconds * n_total / len(counts), "extrapolated": True,
        "note": f"max |coef - glmgen replicate| = {np.max(np.abs(coefs - reference)):.1e}; BLAS threads: "
                f"{threads or 'default'}",
    }


def _thread_limit(threads: int | None) -> Any:
    import contextlib

    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


def _profile(fn: Callable[[], Any]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(8)
    return stream.getvalue()


# ---------------------------------------------------------------------------
# (b) CV-selected lasso path
# ---------------------------------------------------------------------------


def bench_path(problem: Problem, libs: Sequence[str], n_boot: int, n_jobs: int, sample: int) -> dict[str, Any]:
    import glmgen as gg

    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {"problem": problem.name, "n": problem.n, "p": problem.p, "n_boot": n_boot,
                              "n_jobs": n_jobs, "rows": rows}
    log(f"(b) glm_path on {problem.name} ...")
    started = time.perf_counter()
    path = gg.glm_path(problem.formula, problem.data, family="binomial", l1_ratio=1.0)
    path.cv()
    result["original_path_and_cv_seconds"] = time.perf_counter() - started
    result["n_alphas"] = int(len(path.alphas))
    if "glmgen" in libs:
        log(f"(b) glmgen: {sample} replicates, n_jobs={n_jobs} ...")
        timing = time_call(lambda: gg.bootstrap(path, n_boot=sample, seed=0, n_jobs=n_jobs, select="cv",
                                                progress=False), repeats=1, warmup=0)
        boot = timing.value
        rows.append({
            "library": "glmgen", "call": f"gg.bootstrap(path, select='cv', n_jobs={n_jobs})",
            "refits_timed": sample, "seconds_timed": timing.median, "seconds_total": timing.median * n_boot / sample,
            "extrapolated": True,
            "note": f"path ({len(path.alphas)} alphas) + 10-fold CV per replicate; {boot.n_failed} failed",
        })
    if "sklearn" in libs:
        from sklearn.linear_model import LogisticRegressionCV

        kwargs = _lasso_cv_kwargs()
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        counts = np.bincount(np.random.default_rng(0).integers(0, problem.n, problem.n), minlength=problem.n)
        log("(b) sklearn: 1 refit ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            LogisticRegressionCV(**kwargs).fit(problem.X, problem.y, sample_weight=counts.astype(float))
            seconds = time.perf_counter() - started
        rows.append({
            "library": "sklearn", "call": f"LogisticRegressionCV({shown}).fit(X, y, sample_weight=counts)",
            "refits_timed": 1, "seconds_timed": seconds, "seconds_total": seconds * n_boot, "extrapolated": True,
            "note": "20 Cs x 10 folds per replicate, one process",
        })
    return result


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------


def format_table(title: str, result: dict[str, Any], unit: str) -> str:
    rows = result["rows"]
    base = next((r.get("seconds_total") for r in rows if r["library"] == "glmgen"), None)
    lines = [
        f"### {title}", "",
        f"| library | call | refits timed | seconds timed | seconds for {result['n_boot']:,} {unit} | "
        "time / glmgen | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        total = r.get("seconds_total")
        star = " (extrapolated)" if r.get("extrapolated") else ""
        lines.append(
            f"| {r['library']} | `{r['call']}` | {r.get('refits_timed', '-')} | {_seconds(r.get('seconds_timed'))} | "
            f"{_seconds(total)}{star} | {_ratio(total, base)} | {r.get('note', '')} |"
        )
    return "\n".join(lines)


def environment() -> str:
    try:
        from threadpoolctl import threadpool_info

        pools = ", ".join(f"{i.get('internal_api')}={i.get('num_threads')}" for i in threadpool_info())
    except Exception:  # noqa: BLE001
        pools = "unknown"
    versions = []
    for module in ("glmgen", "numpy", "scipy", "statsmodels", "sklearn", "numba", "joblib"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except Exception:  # noqa: BLE001
            versions.append(f"{module} not installed")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs, load average "
            f"{load:.1f} at the end; thread pools: {pools}.\n\nVersions: {', '.join(versions)}.")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n=10,000 / 4,000 rows and fewer replicates")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--n-boot", type=int, default=None, help="replicates in part (a) (default 1000)")
    parser.add_argument("--n-jobs", type=int, default=2, help="glmgen worker processes (default 2)")
    parser.add_argument("--sample", type=int, default=None, help="refits timed in the loops of part (a) (default 20)")
    parser.add_argument("--path-boot", type=int, default=200, help="replicates reported in part (b) (default 200)")
    parser.add_argument("--path-sample", type=int, default=None, help="glmgen replicates timed in (b) (default 4)")
    parser.add_argument("--skip", default="", help="'a' or 'b' to skip that part")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of glmgen's refits in part (a)")
    parser.add_argument("--loop-threads", type=int, default=None,
                        help="BLAS threads of the statsmodels / scikit-learn loops in (a) (default: as the machine gives)")
    args = parser.parse_args(argv)
    args.libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()]
    unknown = [lib for lib in args.libs if lib not in LIBRARIES]
    if unknown:
        parser.error(f"unknown --libs {unknown}; choose from {', '.join(LIBRARIES)}")
    if args.n_boot is None:
        args.n_boot = 100 if args.quick else 1000
    if args.sample is None:
        args.sample = 5 if args.quick else 20
    if args.path_sample is None:
        args.path_sample = 2 if args.quick else 4
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print("## Bootstrap benchmark" + (" (quick)" if args.quick else ""))
    payload: dict[str, Any] = {"benchmark": "bootstrap"}
    if "a" not in args.skip:
        problem = load_problem("binomial_100k_50", n=10_000 if args.quick else None)
        result = bench_unpenalized(problem, args.libs, args.n_boot, args.n_jobs, args.sample, args.profile,
                                   args.loop_threads)
        payload["unpenalized"] = result
        print()
        print(format_table(f"(a) unpenalized logistic GLM, {problem.name}: n={problem.n:,}, p={problem.p}",
                           result, "refits"))
        glmgen_total = result["rows"][0]["seconds_total"]
        statsmodels = next((r for r in result["rows"] if r["library"] == "statsmodels"), None)
        speedup = (statsmodels["seconds_total"] / glmgen_total
                   if statsmodels and "seconds_total" in statsmodels else None)
        print()
        print(f"Target: glmgen < {TARGET_SECONDS:.0f} s with n_jobs={args.n_jobs} and >= {TARGET_SPEEDUP:.0f}x faster "
              f"than the statsmodels loop: {glmgen_total:.1f} s, "
              f"{'%.1fx' % speedup if speedup else 'n/a'} -> {'met' if result['target_met'] else 'NOT met'}.")
        if "profile" in result:
            print("\n```\n" + result["profile"] + "```")
    if "b" not in args.skip:
        problem = PROBLEMS["binomial_enet_50k_100"](n=4_000 if args.quick else 20_000)
        result = bench_path(problem, args.libs, args.path_boot, args.n_jobs, args.path_sample)
        payload["path"] = result
        print()
        print(format_table(f"(b) CV-selected lasso path, {problem.name}: n={problem.n:,}, p={problem.p}, "
                           f"{result['n_alphas']} alphas", result, "resamples"))
        print()
        print(f"The original path + 10-fold CV took {result['original_path_and_cv_seconds']:.1f} s.")
    print()
    print(environment())
    if args.json is not None:
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
