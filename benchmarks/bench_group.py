"""The group elastic net: glmgen's solver against adelie (and skglm's GroupLasso, gaussian) on the same path.

Usage::

    python benchmarks/bench_group.py --quick           # smoke run, a few seconds
    python benchmarks/bench_group.py                   # 20,000 rows
    python benchmarks/bench_group.py --setup-adelie    # once: benchmarks/.venv-adelie (adelie pins numpy < 2)

Problem: ``n`` rows; five factors of 10 levels (9 dummies each, one group each) and ten 3-column numeric
groups (correlated columns, as a spline basis), 75 columns in 15 groups with factors ``sqrt(size)``; gaussian
and binomial responses, unit weights. Every library minimises

    deviance / (2 n) + alpha * sum_g sqrt(|g|) (l1_ratio ||b_g|| + (1 - l1_ratio)/2 ||b_g||^2)

on the raw columns with an intercept, over a common grid of 30 alphas from ``alpha_max`` down to
``1e-2 alpha_max`` (adelie: ``lmda_path``, ``alpha = l1_ratio``, ``penalty = sqrt(|g|)``; skglm:
``GroupLasso(weights=sqrt(|g|))`` warm-started along the grid, l1_ratio 1 only). glmgen runs the solver layer
(``glmgen.solvers.fit_group_path``) at its default ``tol=1e-8``; adelie at ``tol = irls_tol = 1e-10``, skglm at
``tol=1e-10``. The objective of each solution is computed here with numpy; the gap is relative to the lowest
objective any library reached at that alpha (the largest over the grid is reported). Times are the median of
``--repeats`` calls after a warm-up call (numba compilation and adelie's import excluded), each library in its
own process (adelie in its venv), single-threaded.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
if str(REPO_ROOT) not in sys.path:  # benchmark the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # numpy and the standard library only at import: the worker also runs under adelie's venv

from benchmarks import _adelie

LIBRARIES = ("glmgen", "adelie", "skglm")
N_ALPHAS = 30
ALPHA_MIN_RATIO = 1e-2
REFERENCE_TOL = 1e-10
CASES = (("gaussian", 1.0), ("gaussian", 0.5), ("binomial", 1.0))
#: every library runs single-threaded (adelie's default n_threads=1): on a loaded machine a multi-threaded
#: BLAS level-1 call (np.dot of two long vectors) can take milliseconds instead of microseconds
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def make_problem(n: int, family: str, seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The design ``(n, 75)``, the response and the groups (module notes)."""
    rng = np.random.default_rng(seed)
    columns, groups, start = [], [], 0
    for _ in range(5):
        codes = rng.integers(0, 10, n)
        columns.append((codes[:, None] == np.arange(1, 10)).astype(float))
        groups.append(np.arange(start, start + 9))
        start += 9
    mixing = np.array([[1.0, 0.6, 0.3], [0.0, 1.0, 0.6], [0.0, 0.0, 1.0]])
    for _ in range(10):
        columns.append(rng.standard_normal((n, 3)) @ mixing)
        groups.append(np.arange(start, start + 3))
        start += 3
    X = np.asfortranarray(np.hstack(columns))
    effect = np.zeros(X.shape[1])
    for g in groups[:2] + groups[5:9]:
        effect[g] = rng.uniform(-0.4, 0.4, g.size)
    eta = X @ effect
    y = eta + rng.standard_normal(n) if family == "gaussian" else (rng.random(n) < 1 / (1 + np.exp(-eta))) * 1.0
    return X, y, groups


def alpha_grid(X: np.ndarray, y: np.ndarray, groups: list[np.ndarray], l1_ratio: float) -> np.ndarray:
    """``alpha_max = max_g ||X_g'(y - ybar)|| / (n sqrt(|g|) l1_ratio)`` (the null fit's gradient; both families
    have canonical links and an intercept-only null mean ``ybar``) down to ``ALPHA_MIN_RATIO alpha_max``."""
    score = X.T @ (y - y.mean()) / len(y)
    alpha_max = max(np.linalg.norm(score[g]) / (np.sqrt(g.size) * l1_ratio) for g in groups)
    return alpha_max * np.geomspace(1.0, ALPHA_MIN_RATIO, N_ALPHAS)


def objective(family: str, X: np.ndarray, y: np.ndarray, groups: list[np.ndarray], l1_ratio: float,
              alpha: float, intercept: float, coef: np.ndarray) -> float:
    eta = intercept + X @ coef
    if family == "gaussian":
        loss = 0.5 * float(np.mean(np.square(y - eta)))
    else:
        loss = float(np.mean(np.logaddexp(0.0, eta) - y * eta))
    norms = np.array([np.linalg.norm(coef[g]) for g in groups])
    sizes = np.sqrt([g.size for g in groups])
    return loss + alpha * float(sizes @ (l1_ratio * norms + 0.5 * (1 - l1_ratio) * norms**2))


# --------------------------------------------------------------------------- workers (one process each)
def run_glmgen(d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    from glmgen.model import GroupPenalty, resolve_family
    from glmgen.solvers import GLMProblem, fit_group_path

    family, link = resolve_family(d["family"])
    n = len(d["y"])
    problem = GLMProblem(X=d["X"], y=d["y"], weights=np.ones(n), offset=np.zeros(n), family=family, link=link,
                         fit_intercept=True)
    penalty = GroupPenalty(0.0, d["l1_ratio"], tuple(d["groups"]), np.sqrt([g.size for g in d["groups"]]))
    path, _ = fit_group_path(problem, penalty, alphas=d["alphas"])
    return path.intercepts, path.coefs


def run_adelie(d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    import adelie as ad

    glm = {"gaussian": ad.glm.gaussian, "binomial": ad.glm.binomial}[d["family"]](d["y"])
    starts = np.array([g[0] for g in d["groups"]])
    state = ad.grpnet(d["X"], glm, groups=starts, alpha=d["l1_ratio"], penalty=np.sqrt([g.size for g in d["groups"]]),
                      lmda_path=d["alphas"], tol=REFERENCE_TOL, irls_tol=REFERENCE_TOL, early_exit=False,
                      progress_bar=False)
    return np.asarray(state.intercepts), state.betas.toarray()


def run_skglm(d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    from skglm import GroupLasso

    groups = [list(map(int, g)) for g in d["groups"]]
    model = GroupLasso(groups=groups, alpha=float(d["alphas"][0]), weights=np.sqrt([len(g) for g in groups]),
                       tol=REFERENCE_TOL, fit_intercept=True, warm_start=True, max_iter=1000)
    intercepts, coefs = [], []
    for alpha in d["alphas"]:
        model.alpha = float(alpha)
        model.fit(d["X"], d["y"])
        intercepts.append(float(model.intercept_))
        coefs.append(model.coef_.copy())
    return np.array(intercepts), np.array(coefs)


RUNNERS = {"glmgen": run_glmgen, "adelie": run_adelie, "skglm": run_skglm}


def worker(library: str, folder: Path, repeats: int) -> None:
    """Load the problem from ``folder``, call the library once to warm up and ``repeats`` times, save the result."""
    data = np.load(folder / "problem.npz")
    d = {"X": np.asfortranarray(data["X"]), "y": data["y"], "alphas": data["alphas"],
         "l1_ratio": float(data["l1_ratio"]), "family": str(data["family"]),
         "groups": [data[f"g{k}"] for k in range(int(data["n_groups"]))]}
    RUNNERS[library](d)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        intercepts, coefs = RUNNERS[library](d)
        seconds.append(time.perf_counter() - started)
    np.savez(folder / f"{library}.npz", intercepts=intercepts, coefs=coefs, seconds=np.array(seconds))


def run_case(library: str, folder: Path, repeats: int) -> tuple[np.ndarray, np.ndarray, float] | str:
    python = _adelie.interpreter() if library == "adelie" else sys.executable
    if python is None:
        return "no adelie venv (--setup-adelie)"
    env = {**os.environ, **{name: "1" for name in THREAD_VARIABLES}}
    done = subprocess.run([python, __file__, "--worker", library, str(folder), "--repeats", str(repeats)],
                          capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    result = np.load(folder / f"{library}.npz")
    return result["intercepts"], result["coefs"], float(np.median(result["seconds"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--libs", default=",".join(LIBRARIES))
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--setup-adelie", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "FOLDER"))
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), repeats)
        return
    if args.setup_adelie:
        sys.exit(_adelie.setup())
    n = args.n or (2_000 if args.quick else 20_000)
    libraries = [lib for lib in args.libs.split(",") if lib in LIBRARIES]
    rows, records = [], []
    for family, l1_ratio in CASES:
        X, y, groups = make_problem(n, family, args.seed)
        alphas = alpha_grid(X, y, groups, l1_ratio)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            np.savez(folder / "problem.npz", X=X, y=y, alphas=alphas, l1_ratio=l1_ratio, family=family,
                     n_groups=len(groups), **{f"g{k}": g for k, g in enumerate(groups)})
            results: dict[str, Any] = {}
            for library in libraries:
                if library == "skglm" and (family != "gaussian" or l1_ratio != 1.0):
                    continue
                print(f"{family} l1_ratio={l1_ratio}: {library}", file=sys.stderr)
                results[library] = run_case(library, folder, repeats)
        values = {lib: [objective(family, X, y, groups, l1_ratio, a, r[0][k], r[1][k]) for k, a in enumerate(alphas)]
                  for lib, r in results.items() if not isinstance(r, str)}
        best = np.min(np.array(list(values.values())), axis=0) if values else None
        for library, result in results.items():
            if isinstance(result, str):
                rows.append(f"| {family} | {l1_ratio} | {library} | - | - | {result} |")
                continue
            gap = float(np.max((np.array(values[library]) - best) / np.abs(best)))
            ratio = result[2] / results["glmgen"][2] if "glmgen" in values else float("nan")
            rows.append(f"| {family} | {l1_ratio} | {library} | {result[2]:.3f} | {ratio:.2f} | {gap:.1e} |")
            records.append({"family": family, "l1_ratio": l1_ratio, "library": library, "seconds": result[2],
                            "max_relative_gap": gap})
    print(f"### Group elastic net path: n={n:,}, 75 columns in 15 groups, {N_ALPHAS} alphas\n")
    print("| family | l1_ratio | library | seconds (median) | time / glmgen | max objective gap |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nadelie {_adelie.version()}; gap: relative to the best objective at each alpha, largest over the grid.")
    if args.json:
        args.json.write_text(json.dumps({"n": n, "rows": records, "adelie": _adelie.version()}, indent=1))


if __name__ == "__main__":
    main()
