#!/usr/bin/env python
"""The families of issue 13 (Gamma, Tweedie, negative binomial): glmgen against statsmodels, scikit-learn and glum.

Usage::

    python benchmarks/bench_families.py              # n = 100,000 rows x 50 columns, median of 3
    python benchmarks/bench_families.py --quick      # n = 10,000, one repeat
    python benchmarks/bench_families.py --libs glmgen,sklearn --json out.json

Problems (seeded, simulated from the model itself, log link throughout):

* ``gamma``: Gamma responses (shape 2), unpenalized and ridge at ``alpha = 1e-3`` (scikit-learn's objective:
  mean unit deviance / 2 + alpha / 2 |b|^2);
* ``tweedie``: compound Poisson-gamma (p = 1.5, about 30% exact zeros), the same two fits;
* ``negbin``: negative binomial counts (theta = 2), unpenalized with theta estimated (``MASS::glm.nb``'s
  procedure) against statsmodels' ``NegativeBinomial`` discrete model (the same maximum-likelihood problem).

glmgen runs at its defaults through the formula API (``gg.glm``; the design step is included); the others run
at tolerances tight enough to reach the common optimum (scikit-learn ``newton-cholesky`` ``tol=1e-8``, glum
``gradient_tol=1e-8``, statsmodels IRLS ``tol=1e-10``). Each library's objective is compared with a reference
solution of the same problem (statsmodels at ``tol=1e-14`` unpenalized, scikit-learn at ``tol=1e-12``
penalized); the table reports the median time and the relative objective gap.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # benchmark the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import special  # noqa: E402

from benchmarks._timing import package_versions, time_call  # noqa: E402

LIBRARIES = ("glmgen", "statsmodels", "sklearn", "glum")
ALPHA = 1e-3
TWEEDIE_POWER = 1.5
THETA = 2.0


@dataclass(frozen=True)
class Problem:
    name: str
    X: np.ndarray
    y: np.ndarray

    @property
    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.X, columns=[f"x{j}" for j in range(self.X.shape[1])])
        frame["y"] = self.y
        return frame


def simulate(name: str, n: int, p: int = 50, seed: int = 13) -> Problem:
    """Responses drawn from the model with ``log mu = 0.5 + X b`` (10 non-zero slopes of 0.1)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    beta = np.zeros(p)
    beta[:10] = 0.1
    mu = np.exp(0.5 + X @ beta)
    if name == "gamma":
        y = rng.gamma(2.0, mu / 2.0)
    elif name == "tweedie":  # compound Poisson-gamma with dispersion 1
        jumps = rng.poisson(mu ** (2 - TWEEDIE_POWER) / (2 - TWEEDIE_POWER))
        shape = (2 - TWEEDIE_POWER) / (TWEEDIE_POWER - 1)
        y = np.where(jumps > 0, rng.gamma(np.maximum(jumps * shape, 1e-300), (TWEEDIE_POWER - 1) * mu ** 0.5), 0.0)
    else:
        y = rng.negative_binomial(THETA, THETA / (THETA + mu)).astype(float)
    return Problem(name, X, y)


def unit_deviance(name: str, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    if name == "gamma":
        return 2 * ((y - mu) / mu - np.log(y / mu))
    p = TWEEDIE_POWER
    return 2 * (np.where(y > 0, y ** (2 - p), 0) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p)
                + mu ** (2 - p) / (2 - p))


def objective(problem: Problem, alpha: float, coef: np.ndarray, theta: float | None = None) -> float:
    """Penalized: mean unit deviance / 2 + alpha / 2 |b|^2 (scikit-learn's). Unpenalized gamma/tweedie: the mean
    unit deviance / 2; negbin: the negative mean log-likelihood at ``theta``."""
    mu = np.exp(coef[0] + problem.X @ coef[1:])
    if problem.name == "negbin":
        assert theta is not None
        y = problem.y
        loglik = (special.gammaln(theta + y) - special.gammaln(theta) - special.gammaln(y + 1)
                  + theta * np.log(theta) + special.xlogy(y, mu) - (theta + y) * np.log(theta + mu))
        return float(-loglik.mean())
    return float(unit_deviance(problem.name, problem.y, mu).mean() / 2 + alpha / 2 * np.sum(coef[1:] ** 2))


Fit = Callable[[], tuple[np.ndarray, float | None]]


def fits(problem: Problem, alpha: float, library: str) -> Fit | None:
    """The library's fit of ``problem`` at ``alpha`` (0: unpenalized), returning ``(intercept + slopes, theta)``;
    ``None`` when the library has no such model."""
    formula = "y ~ " + " + ".join(f"x{j}" for j in range(problem.X.shape[1]))
    frame = problem.frame
    if library == "glmgen":
        import glmgen as gg
        family = {"gamma": "gamma", "tweedie": gg.tweedie(TWEEDIE_POWER), "negbin": gg.negative_binomial()}[problem.name]

        def run() -> tuple[np.ndarray, float | None]:
            fit = gg.glm(formula, frame, family, link="log", alpha=alpha, l1_ratio=0.0, standardize=False)
            return fit.params.to_numpy(), fit.theta
        return run
    if library == "statsmodels":
        import statsmodels.api as sm
        design = sm.add_constant(problem.X)
        if problem.name == "negbin":
            def run_nb() -> tuple[np.ndarray, float | None]:
                result = sm.NegativeBinomial(problem.y, design).fit(disp=0, maxiter=200, method="newton", tol=1e-10)
                return result.params[:-1], 1.0 / result.params[-1]
            return None if alpha else run_nb
        family = (sm.families.Gamma(sm.families.links.Log()) if problem.name == "gamma"
                  else sm.families.Tweedie(var_power=TWEEDIE_POWER, link=sm.families.links.Log()))

        def run_glm() -> tuple[np.ndarray, float | None]:
            return sm.GLM(problem.y, design, family=family).fit(tol=1e-10).params, None
        return None if alpha else run_glm
    if library == "sklearn":
        from sklearn.linear_model import GammaRegressor, TweedieRegressor
        if problem.name == "negbin":
            return None

        def run_sklearn() -> tuple[np.ndarray, float | None]:
            model = (GammaRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-8, max_iter=1000)
                     if problem.name == "gamma" else
                     TweedieRegressor(power=TWEEDIE_POWER, link="log", alpha=alpha, solver="newton-cholesky",
                                      tol=1e-8, max_iter=1000))
            model.fit(problem.X, problem.y)
            return np.concatenate([[model.intercept_], model.coef_]), None
        return run_sklearn
    if library == "glum":
        try:
            from glum import GeneralizedLinearRegressor, TweedieDistribution
        except ImportError:
            return None
        if problem.name == "negbin":
            return None

        def run_glum() -> tuple[np.ndarray, float | None]:
            family = "gamma" if problem.name == "gamma" else TweedieDistribution(TWEEDIE_POWER)
            model = GeneralizedLinearRegressor(family=family, link="log", alpha=alpha, l1_ratio=0.0,
                                               gradient_tol=1e-8, max_iter=1000)
            model.fit(problem.X, problem.y)
            return np.concatenate([[model.intercept_], model.coef_]), None
        return run_glum
    raise ValueError(library)


def reference(problem: Problem, alpha: float) -> float:
    """The objective of a tight solution of the same problem (not glmgen's)."""
    import statsmodels.api as sm
    from sklearn.linear_model import GammaRegressor, TweedieRegressor
    design = sm.add_constant(problem.X)
    if problem.name == "negbin":
        result = sm.NegativeBinomial(problem.y, design).fit(disp=0, maxiter=500, method="newton", tol=1e-14)
        return objective(problem, 0.0, result.params[:-1], 1.0 / result.params[-1])
    if alpha == 0:
        family = (sm.families.Gamma(sm.families.links.Log()) if problem.name == "gamma"
                  else sm.families.Tweedie(var_power=TWEEDIE_POWER, link=sm.families.links.Log()))
        return objective(problem, 0.0, sm.GLM(problem.y, design, family=family).fit(tol=1e-14).params)
    model = (GammaRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=10_000)
             if problem.name == "gamma" else
             TweedieRegressor(power=TWEEDIE_POWER, link="log", alpha=alpha, solver="newton-cholesky", tol=1e-12,
                              max_iter=10_000))
    model.fit(problem.X, problem.y)
    return objective(problem, alpha, np.concatenate([[model.intercept_], model.coef_]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 10,000 and one repeat")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)
    libraries = [name.strip() for name in args.libs.split(",") if name.strip()]
    unknown = set(libraries) - set(LIBRARIES)
    if unknown:
        parser.error(f"unknown libraries {sorted(unknown)}; choose from {','.join(LIBRARIES)}")
    n = 10_000 if args.quick else 100_000
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"# Families: n = {n:,} x 50, median of {repeats}\n")
    print(package_versions(("numpy", "scikit-learn", "statsmodels", "glum")) + "\n")
    print("| problem | library | median s | first call s | objective gap | glmgen / this |")
    print("|---|---|---|---|---|---|")
    rows: list[dict[str, Any]] = []
    for name, alpha in (("gamma", 0.0), ("gamma", ALPHA), ("tweedie", 0.0), ("tweedie", ALPHA), ("negbin", 0.0)):
        problem = simulate(name, n)
        best = reference(problem, alpha)
        label = f"{name}, {'unpenalized' if alpha == 0 else f'ridge alpha={alpha:g}'}"
        timed: dict[str, float] = {}
        for library in libraries:
            run = fits(problem, alpha, library)
            if run is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                timing = time_call(run, repeats=repeats, warmup=1)
            coef, theta = timing.value
            gap = (objective(problem, alpha, np.asarray(coef, dtype=float), theta) - best) / abs(best)
            timed[library] = timing.median
            rows.append({"problem": label, "library": library, "median": timing.median, "first": timing.first,
                         "gap": gap})
        for row in rows[-len(timed):]:
            ratio = timed.get("glmgen", np.nan) / row["median"]
            print(f"| {label} | {row['library']} | {row['median']:.3f} | {row['first']:.3f} | {row['gap']:.1e} | "
                  f"{ratio:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
