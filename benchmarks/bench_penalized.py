"""Penalized GLMs: glmgen against glmnet (glmstar), glum and scikit-learn on the same objective.

Every library solves

    deviance / (2 n) + alpha * (l1_ratio |b|_1 + (1 - l1_ratio)/2 |b|_2^2)

on the raw columns (``standardize=False``), over the same alpha grid: 50
values from alpha_max down to 1e-3 alpha_max (1e-2 for the wide problem), or a
single alpha_max/20 fit. For each library the table gives the median wall time
of several runs after a warm-up (the first call, which includes numba's compile
or cache load, is reported separately), the ratio to glmgen, and the largest
relative objective gap to the best solution any library found at an alpha.

glmnet runs twice: at its default ``thresh=1e-7`` and at ``thresh=1e-10``,
whose objective gap is comparable to glmgen's defaults.

Run: ``python benchmarks/bench_penalized.py [--quick] [--problems a,b] [--threads N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import time_call  # noqa: E402
from benchmarks.problems import Problem, load_problem  # noqa: E402

Solution = tuple[np.ndarray, np.ndarray]  # intercepts (k,), coefs (k, p)


@dataclass(frozen=True)
class Case:
    """One benchmark row group: a problem, a penalty mix and an alpha grid rule."""

    label: str
    problem: str
    l1_ratio: float
    single: bool = False
    ratio: float = 1e-3


CASES = [
    Case("gaussian lasso path n=10k p=200", "gaussian_lasso_10k_200", 1.0),
    Case("binomial enet(0.5) path n=50k p=100", "binomial_enet_50k_100", 0.5),
    Case("poisson lasso path n=50k p=100", "poisson_lasso_50k_100", 1.0),
    Case("poisson ridge path n=50k p=100", "poisson_lasso_50k_100", 0.0),
    Case("gaussian lasso single fit n=100k p=100", "single_gaussian_100k_100", 1.0, single=True),
    Case("binomial lasso single fit n=100k p=100", "single_binomial_100k_100", 1.0, single=True),
    Case("poisson lasso single fit n=100k p=100", "single_poisson_100k_100", 1.0, single=True),
    Case("binomial lasso path wide n=500 p=5000", "binomial_wide_500_5000", 1.0, ratio=1e-2),
    Case("randhie poisson lasso path (mdvis ~ .)", "randhie_poisson", 1.0),
]


def objective(problem: Problem, alpha: float, l1_ratio: float, intercept: float, coef: np.ndarray) -> float:
    from glmgen.model import resolve_family

    family, link = resolve_family(problem.family)
    mu = link.inverse(intercept + problem.X @ coef)
    deviance = family.deviance(problem.y.astype(float), mu, np.ones(len(problem.y)))
    penalty = l1_ratio * np.abs(coef).sum() + 0.5 * (1.0 - l1_ratio) * np.square(coef).sum()
    return deviance / (2.0 * len(problem.y)) + alpha * penalty


def alpha_grid(problem: Problem, case: Case) -> np.ndarray:
    """alpha_max from the KKT condition at the intercept-only fit (canonical links: gradient X'(y - ybar)/n)."""
    y = problem.y.astype(float)
    gradient = problem.X.T @ (y - y.mean()) / len(y)
    alpha_max = float(np.max(np.abs(gradient)) / max(case.l1_ratio, 1e-3))
    if case.single:
        return np.array([alpha_max / 20.0])
    return alpha_max * np.geomspace(1.0, case.ratio, 50)


# --- one runner per library: each returns (intercepts, coefs) on the grid ------------------------------

def run_glmgen(problem: Problem, alphas: np.ndarray, l1_ratio: float) -> Solution:
    import glmgen as gg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(alphas) == 1:
            fit = gg.glm(problem.formula, problem.data, problem.family, alpha=float(alphas[0]), l1_ratio=l1_ratio,
                         standardize=False)
            values = fit.params.to_numpy()[None, :]
        else:
            path = gg.glm_path(problem.formula, problem.data, problem.family, l1_ratio=l1_ratio, alphas=alphas,
                               standardize=False)
            values = path.coefs.to_numpy()
    return values[:, 0], values[:, 1:]


def run_glmnet(problem: Problem, alphas: np.ndarray, l1_ratio: float, thresh: float) -> Solution:
    import glmnet

    estimator = {"gaussian": glmnet.GaussNet, "binomial": glmnet.LogNet, "poisson": glmnet.FishNet}[problem.family]
    model = estimator(lambda_values=alphas, alpha=l1_ratio, standardize=False)
    model.control.thresh = thresh
    model.fit(problem.X, problem.y.astype(float))
    return np.asarray(model.intercepts_), np.asarray(model.coefs_).reshape(len(alphas), -1)


def run_glum(problem: Problem, alphas: np.ndarray, l1_ratio: float) -> Solution:
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(
        family=problem.family, l1_ratio=l1_ratio, alpha_search=len(alphas) > 1,
        alphas=alphas if len(alphas) > 1 else None, alpha=None if len(alphas) > 1 else float(alphas[0]),
        gradient_tol=1e-8, max_iter=1000,
    )
    model.fit(problem.X, problem.y.astype(float))
    if len(alphas) == 1:
        return np.array([model.intercept_]), np.asarray(model.coef_)[None, :]
    return np.asarray(model.intercept_path_), np.asarray(model.coef_path_)


def run_sklearn(problem: Problem, alphas: np.ndarray, l1_ratio: float) -> Solution | None:
    """scikit-learn where it solves this objective: ElasticNet (gaussian), LogisticRegression (binomial),
    PoissonRegressor (poisson, ridge only); warm-started over the grid."""
    from sklearn.linear_model import ElasticNet, LogisticRegression, PoissonRegressor

    X, y, n = problem.X, problem.y.astype(float), len(problem.y)
    if problem.family == "gaussian":
        model = ElasticNet(l1_ratio=l1_ratio, tol=1e-10, max_iter=100_000, warm_start=True)
        set_alpha = lambda a: model.set_params(alpha=a)  # noqa: E731
    elif problem.family == "binomial":
        model = LogisticRegression(l1_ratio=l1_ratio, solver="saga", tol=1e-8, max_iter=10_000, warm_start=True)
        set_alpha = lambda a: model.set_params(C=1.0 / (n * a))  # noqa: E731
    elif l1_ratio == 0.0:
        model = PoissonRegressor(solver="newton-cholesky", tol=1e-10, max_iter=1000, warm_start=True)
        set_alpha = lambda a: model.set_params(alpha=a)  # noqa: E731
    else:
        return None
    intercepts, coefs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a in alphas:
            set_alpha(float(a))
            model.fit(X, y)
            intercepts.append(float(np.ravel(model.intercept_)[0]))
            coefs.append(np.ravel(model.coef_).copy())
    return np.array(intercepts), np.array(coefs)


def libraries(problem: Problem, case: Case) -> dict[str, Callable[[np.ndarray], Solution | None]]:
    runs: dict[str, Callable[[np.ndarray], Solution | None]] = {
        "glmgen": lambda a: run_glmgen(problem, a, case.l1_ratio),
        "glmnet (thresh 1e-7)": lambda a: run_glmnet(problem, a, case.l1_ratio, 1e-7),
        "glmnet (thresh 1e-10)": lambda a: run_glmnet(problem, a, case.l1_ratio, 1e-10),
        "glum": lambda a: run_glum(problem, a, case.l1_ratio),
        "scikit-learn": lambda a: run_sklearn(problem, a, case.l1_ratio),
    }
    return runs


def run_case(case: Case, repeats: int, skip: set[str], n: int | None) -> list[str]:
    problem = load_problem(case.problem, n=n) if n and case.problem != "randhie_poisson" else load_problem(case.problem)
    alphas = alpha_grid(problem, case)
    rows, solutions, times = [], {}, {}
    for name, run in libraries(problem, case).items():
        if any(name.startswith(s) for s in skip):
            continue
        try:
            slow = name == "scikit-learn" and problem.family == "binomial"
            timing = time_call(lambda: run(alphas), repeats=1 if slow else repeats, warmup=0 if slow else 1)
        except ImportError:
            rows.append(f"| {case.label} | {name} | not installed | | | |")
            continue
        except Exception as exc:  # noqa: BLE001 - report and carry on with the other libraries
            rows.append(f"| {case.label} | {name} | error: {type(exc).__name__}: {str(exc)[:60]} | | | |")
            continue
        if timing.value is None:
            continue
        solutions[name] = timing.value
        times[name] = timing
    objectives = {
        name: np.array([objective(problem, a, case.l1_ratio, b0, b) for a, b0, b in zip(alphas, *solution)])
        for name, solution in solutions.items()
    }
    best = np.min(np.vstack(list(objectives.values())), axis=0)
    reference = times["glmgen"].median if "glmgen" in times else np.nan
    for name, timing in times.items():
        gap = float(np.max((objectives[name] - best) / np.abs(best)))
        rows.append(f"| {case.label} | {name} | {timing.median:.3f} | {timing.first:.3f} | "
                    f"{timing.median / reference:.2f} | {gap:.1e} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller n and one repeat (a smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--problems", default="", help="comma-separated substrings of case labels to run")
    parser.add_argument("--skip", default="", help="comma-separated library names to leave out")
    parser.add_argument("--threads", type=int, default=None, help="limit BLAS threads (recommended on busy machines)")
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    selected = [c for c in CASES if not args.problems or any(s in c.label for s in args.problems.split(","))]
    skip = {s for s in args.skip.split(",") if s}
    print("| problem | library | median s | first call s | time / glmgen | max objective gap to best |")
    print("|---|---|---:|---:|---:|---:|")
    started = time.perf_counter()
    for case in selected:
        for row in run_case(case, 1 if args.quick else args.repeats, skip, 5000 if args.quick else None):
            print(row, flush=True)
    print(f"\n{len(selected)} problems in {time.perf_counter() - started:.0f} s on {os.cpu_count()} cores.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
