"""Cross-validated elastic-net paths: glmgen against glmnet (glmstar), glum and scikit-learn.

Problem: binomial, n=50,000 x p=100 (``binomial_enet_50k_100``), l1_ratio=0.5,
100 alphas, 10-fold CV; every library on the raw columns (no standardization).
Each library chooses its alpha by minimum CV loss; the chosen model (refitted
on the training part) is scored on the same held-out 25% of the rows: the
table reports the held-out mean deviance each one reaches and its time.

scikit-learn's ``LogisticRegressionCV`` (saga) is timed with a smaller grid
when ``--sklearn-alphas`` is given, because at 100 alphas it takes many
minutes; the time is then scaled up linearly in the grid size (stated in the
table).

``--quick``: 8,000 rows and a 20-alpha grid.

Run: ``python benchmarks/bench_cv.py [--quick] [--threads N] [--n-jobs J] [--libs glmgen,glum] [--json PATH]``.
The grid comes from glmgen's path, so glmgen's path is fitted (untimed) even
when ``--libs`` leaves glmgen out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import chosen_libraries, limit_blas_threads
from benchmarks.problems import load_problem

LIBRARIES = ("glmgen", "glmnet", "glum", "sklearn")


def held_out_mean_deviance(y: np.ndarray, eta: np.ndarray) -> float:
    mu = 1.0 / (1.0 + np.exp(-eta))
    mu = np.clip(mu, 1e-15, 1 - 1e-15)
    return float(np.mean(-2.0 * (y * np.log(mu) + (1 - y) * np.log1p(-mu))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--sklearn-alphas", type=int, default=10, help="grid size for LogisticRegressionCV (0 = skip)")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    libs = chosen_libraries(parser, args.libs, LIBRARIES)
    limit_blas_threads(args.threads)
    problem = load_problem("binomial_enet_50k_100", n=8000 if args.quick else None)
    import glmgen as gg

    train, test = gg.split(problem.data, test_size=0.25, seed=0)
    columns = [c for c in problem.data.columns if c != "y"]
    X, y = train[columns].to_numpy(), train["y"].to_numpy(dtype=float)
    X_test, y_test = test[columns].to_numpy(), test["y"].to_numpy(dtype=float)
    n_alphas, l1_ratio, folds = 20 if args.quick else 100, 0.5, 10
    fold_ids = np.random.default_rng(0).permutation(np.arange(len(y)) % folds)
    rows = []

    def record(name: str, seconds: float, alpha: float, intercept: float, coef: np.ndarray, note: str = "") -> None:
        deviance = held_out_mean_deviance(y_test, intercept + X_test @ coef)
        rows.append((name, seconds, alpha, deviance, note))

    # glmgen: path + 10-fold CV (design re-learned per fold), refit at alpha_min
    gg.glm_path(problem.formula, train.iloc[:500], "binomial", l1_ratio=l1_ratio, standardize=False, n_alphas=5)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = gg.glm_path(problem.formula, train, "binomial", l1_ratio=l1_ratio, standardize=False,
                           n_alphas=n_alphas, alpha_min_ratio=1e-4)
        cv = path.cv(folds=fold_ids, n_jobs=args.n_jobs)
        best = path.fit_at(cv.alpha_min)
    seconds = time.perf_counter() - started
    params = best.params.to_numpy()
    if "glmgen" in libs:
        record("glmgen", seconds, cv.alpha_min, params[0], params[1:], f"{len(path.alphas)} alphas fitted")
    grid = path.alphas

    others = {"glmnet": ("glmnet (glmstar)", cv_glmnet), "glum": ("glum CV", cv_glum)}
    for library, (name, fit) in others.items():
        if library not in libs:
            continue
        try:
            record(name, *fit(X, y, grid, fold_ids, l1_ratio, args.n_jobs))
        except Exception as exc:  # noqa: BLE001 - a library's failure is reported, the others still run
            rows.append((name, np.nan, np.nan, np.nan, f"error: {type(exc).__name__}: {str(exc)[:80]}"))

    if args.sklearn_alphas and "sklearn" in libs:
        from sklearn.linear_model import LogisticRegressionCV

        small_grid = grid[:: max(1, len(grid) // args.sklearn_alphas)][: args.sklearn_alphas]
        model = LogisticRegressionCV(Cs=1.0 / (len(y) * small_grid), l1_ratios=[l1_ratio], solver="saga", cv=folds,
                                     tol=1e-4, max_iter=1000, n_jobs=args.n_jobs, scoring="neg_log_loss")
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        seconds = (time.perf_counter() - started) * len(grid) / len(small_grid)
        record("scikit-learn LogisticRegressionCV (saga)", seconds, 1.0 / (len(y) * float(model.C_[0])),
               float(model.intercept_[0]), model.coef_.ravel(),
               f"timed on {len(small_grid)} alphas, scaled x{len(grid) / len(small_grid):.0f}")

    reference = rows[0][1] if "glmgen" in libs else np.nan
    print(f"10-fold CV, binomial elastic net (l1_ratio={l1_ratio}), n_train={len(y)}, p={X.shape[1]}, "
          f"{n_alphas}-alpha grid\n")
    print("| library | time s | time / glmgen | chosen alpha | held-out mean deviance | note |")
    print("|---|---:|---:|---:|---:|---|")
    for name, seconds, alpha, deviance, note in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / reference:.2f} | {alpha:.4g} | {deviance:.6f} | {note} |")
    if args.json is not None:
        keys = ("library", "seconds", "chosen_alpha", "held_out_mean_deviance", "note")
        args.json.write_text(json.dumps({"benchmark": "cv", "n_train": len(y), "rows": [
            dict(zip(keys, (name, *(None if np.isnan(v) else float(v) for v in values), note)))
            for name, *values, note in rows]}, indent=2))
    return 0


def cv_glmnet(X: np.ndarray, y: np.ndarray, grid: np.ndarray, fold_ids: np.ndarray, l1_ratio: float,
              n_jobs: int) -> tuple[float, float, float, np.ndarray]:
    """glmstar's LogNet path and its CV on the same folds; (seconds, chosen alpha, intercept, coefficients)."""
    import glmnet

    folds = int(fold_ids.max()) + 1
    model = glmnet.LogNet(lambda_values=grid, alpha=l1_ratio, standardize=False)
    started = time.perf_counter()
    model.fit(X, y)
    _, score_path = model.cross_validation_path(
        X, y, cv=[(np.flatnonzero(fold_ids != k), np.flatnonzero(fold_ids == k)) for k in range(folds)],
        n_jobs=n_jobs)
    seconds = time.perf_counter() - started
    best_lambda = float(score_path.index_best["Binomial Deviance"])  # glmstar names the best lambda "index_best"
    best_index = int(np.argmin(np.abs(grid - best_lambda)))
    return seconds, grid[best_index], float(model.intercepts_[best_index]), np.asarray(model.coefs_)[best_index]


def cv_glum(X: np.ndarray, y: np.ndarray, grid: np.ndarray, fold_ids: np.ndarray, l1_ratio: float,
            n_jobs: int) -> tuple[float, float, float, np.ndarray]:
    """glum's GeneralizedLinearRegressorCV (its own folds, as many); (seconds, chosen alpha, intercept, coefficients)."""
    from glum import GeneralizedLinearRegressorCV

    model = GeneralizedLinearRegressorCV(family="binomial", l1_ratio=l1_ratio, alphas=grid,
                                         cv=int(fold_ids.max()) + 1, gradient_tol=1e-6, n_jobs=n_jobs)
    started = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - started
    return seconds, float(model.alpha_), float(model.intercept_), np.asarray(model.coef_)

if __name__ == "__main__":
    sys.exit(main())
