#!/usr/bin/env python
"""Unpenalized GLM (with intercept): glmgen against statsmodels, scikit-learn and glum.

Usage::

    python benchmarks/bench_unpenalized.py                 # full run, repeats=3
    python benchmarks/bench_unpenalized.py --quick         # n=10,000 rows, repeats=1
    python benchmarks/bench_unpenalized.py --libs statsmodels,sklearn,glum
    python benchmarks/bench_unpenalized.py --json out.json # also write the numbers

Problems: ``binomial_100k_50`` and ``poisson_100k_50`` from ``problems.py``.
Every library fits the same model to the same float64 ``X`` (C-contiguous) and
``y``; what is timed is what a user would call:

* ``glmgen``: ``gg.glm(formula, data, family=...)`` (formula API: includes the
  design step) and, when ``glmgen.sklearn`` exists, the array-level
  ``GLMClassifier`` / ``GLMRegressor(alpha=0)`` on ``X``;
* ``patsy``: ``patsy.dmatrices(formula, data)`` alone, as a reference for what
  the formula (design) step costs;
* ``statsmodels``: ``sm.GLM(y, sm.add_constant(X), family=...).fit()`` (IRLS);
* ``sklearn``: ``LogisticRegression`` / ``PoissonRegressor`` unpenalized,
  ``solver="newton-cholesky", tol=1e-8, max_iter=100``;
* ``glum``: ``GeneralizedLinearRegressor(family=..., alpha=0, gradient_tol=1e-8)``
  (glum's default ``gradient_tol=1e-4`` stops about 1e-5 away in the
  coefficients on the binomial problem).

Each call is made once as a warm-up (reported as "first call"; for numba code
it includes JIT compilation or loading the cache) and then ``--repeats`` times;
the median of the repeats is reported. Accuracy is the largest absolute
difference from the statsmodels coefficients, intercept included.

A library that is not installed, or a glmgen entry point that does not exist
yet, is reported as skipped; an exception during a fit is reported in the
table and the run carries on (``--strict`` turns errors into exit status 1).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import os
import platform
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # benchmark the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from benchmarks._timing import TimingResult, time_call  # noqa: E402
from benchmarks.problems import Problem, load_problem  # noqa: E402

PROBLEM_NAMES: tuple[str, ...] = ("binomial_100k_50", "poisson_100k_50")
LIBRARIES: tuple[str, ...] = ("glmgen", "patsy", "statsmodels", "sklearn", "glum")
QUICK_N = 10_000
DEFAULT_REPEATS = 3
QUICK_REPEATS = 1

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------------
# cases: one timed callable each
# ---------------------------------------------------------------------------


class Skipped(Exception):
    """A library or entry point is not available; the message says why."""


@dataclass
class Case:
    """One thing to time.

    ``fn`` is called with no arguments; ``coef`` maps its return value to
    ``[intercept, x1, ..., xp]`` (``None`` for design-only cases).
    """

    library: str
    call: str
    fn: Callable[[], Any]
    coef: Callable[[Any], FloatArray] | None = None
    n_iter: Callable[[Any], int | None] = lambda value: None
    is_glmgen_formula: bool = False


@dataclass
class Row:
    library: str
    call: str
    median: float | None = None
    first: float | None = None
    times: tuple[float, ...] = ()
    coef: FloatArray | None = None
    n_iter: int | None = None
    notes: list[str] = field(default_factory=list)
    status: str = "ok"  # "ok" | "skipped" | "error"
    ratio: float | None = None
    max_coef_diff: float | None = None
    is_glmgen_formula: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "library": self.library,
            "call": self.call,
            "status": self.status,
            "median_s": self.median,
            "first_call_s": self.first,
            "times_s": list(self.times),
            "ratio_to_baseline": self.ratio,
            "max_abs_coef_diff_vs_statsmodels": self.max_coef_diff,
            "n_iter": self.n_iter,
            "notes": self.notes,
        }


def _as_int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(np.max(np.asarray(value)))
    except (TypeError, ValueError):
        return None


def _glmgen_cases(problem: Problem) -> list[Case]:
    try:
        import glmgen as gg
    except Exception as exc:  # ImportError, or a half-written package failing at import
        raise Skipped(f"import glmgen failed ({type(exc).__name__}: {exc})") from None
    if not hasattr(gg, "glm"):
        raise Skipped("glmgen has no glm() yet")

    names = problem.coef_names

    def formula_coef(fit: Any) -> FloatArray:
        params = fit.params
        if hasattr(params, "reindex") and set(names) <= set(params.index):
            return params.reindex(names).to_numpy(dtype=np.float64)
        return np.asarray(params, dtype=np.float64).ravel()

    cases = [
        Case(
            "glmgen",
            "gg.glm(formula, data) [formula API]",
            lambda: gg.glm(problem.formula, problem.data, family=problem.family),
            coef=formula_coef,
            n_iter=lambda fit: _as_int(getattr(fit, "n_iter", None)),
            is_glmgen_formula=True,
        )
    ]

    try:
        from glmgen.sklearn import GLMClassifier, GLMRegressor
    except Exception as exc:
        cases.append(
            Case(
                "glmgen",
                "glmgen.sklearn estimator on X [array API]",
                _raiser(Skipped(f"glmgen.sklearn not available ({type(exc).__name__}: {exc})")),
            )
        )
        return cases

    def make_estimator() -> Any:
        if problem.family == "binomial":
            return GLMClassifier(alpha=0.0)
        return GLMRegressor(family=problem.family, alpha=0.0)

    def estimator_coef(est: Any) -> FloatArray:
        return np.r_[np.ravel(est.intercept_), np.ravel(est.coef_)].astype(np.float64)

    def estimator_n_iter(est: Any) -> int | None:
        if hasattr(est, "n_iter_"):
            return _as_int(est.n_iter_)
        return _as_int(getattr(getattr(est, "result_", None), "n_iter", None))

    label = "GLMClassifier(alpha=0)" if problem.family == "binomial" else "GLMRegressor(alpha=0)"
    cases.append(
        Case(
            "glmgen",
            f"glmgen.sklearn.{label}.fit(X, y) [array API]",
            lambda: make_estimator().fit(problem.X, problem.y),
            coef=estimator_coef,
            n_iter=estimator_n_iter,
        )
    )
    return cases


def _raiser(exc: BaseException) -> Callable[[], Any]:
    def fn() -> Any:
        raise exc

    return fn


def _patsy_cases(problem: Problem) -> list[Case]:
    try:
        import patsy
    except ImportError as exc:
        raise Skipped(f"patsy not installed ({exc})") from None
    return [
        Case(
            "patsy",
            "patsy.dmatrices(formula, data) [design step only]",
            lambda: patsy.dmatrices(problem.formula, problem.data),
        )
    ]


def _statsmodels_family(family: str) -> Any:
    import statsmodels.api as sm

    return {
        "gaussian": sm.families.Gaussian,
        "binomial": sm.families.Binomial,
        "poisson": sm.families.Poisson,
    }[family]()


def _statsmodels_cases(problem: Problem) -> list[Case]:
    try:
        import statsmodels
        import statsmodels.api as sm
    except ImportError as exc:
        raise Skipped(f"statsmodels not installed ({exc})") from None
    del statsmodels

    def fit() -> Any:
        return sm.GLM(
            problem.y, sm.add_constant(problem.X), family=_statsmodels_family(problem.family)
        ).fit()

    return [
        Case(
            "statsmodels",
            "sm.GLM(y, add_constant(X)).fit() [IRLS]",
            fit,
            coef=lambda res: np.asarray(res.params, dtype=np.float64),
            n_iter=lambda res: _as_int(res.fit_history.get("iteration")),
        )
    ]


def _sklearn_unpenalized_logistic_kwargs() -> dict[str, Any]:
    """Unpenalized ``LogisticRegression`` without deprecation warnings on any version.

    scikit-learn 1.8 deprecated ``penalty`` (removal in 1.10) in favour of
    ``C=np.inf``; older versions need ``penalty=None``.
    """
    from sklearn.linear_model import LogisticRegression

    params = inspect.signature(LogisticRegression).parameters
    if "penalty" not in params or params["penalty"].default == "deprecated":
        return {"C": np.inf}
    return {"penalty": None}


def _sklearn_cases(problem: Problem) -> list[Case]:
    try:
        from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor
    except ImportError as exc:
        raise Skipped(f"scikit-learn not installed ({exc})") from None

    def coef(est: Any) -> FloatArray:
        return np.r_[np.ravel(est.intercept_), np.ravel(est.coef_)].astype(np.float64)

    n_iter = lambda est: _as_int(getattr(est, "n_iter_", None))  # noqa: E731

    if problem.family == "binomial":
        kwargs = _sklearn_unpenalized_logistic_kwargs()
        shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())

        def fit() -> Any:
            return LogisticRegression(
                **kwargs, solver="newton-cholesky", tol=1e-8, max_iter=100
            ).fit(problem.X, problem.y)

        call = f"LogisticRegression({shown}, solver='newton-cholesky', tol=1e-8)"
    elif problem.family == "poisson":

        def fit() -> Any:
            return PoissonRegressor(
                alpha=0.0, solver="newton-cholesky", tol=1e-8, max_iter=100
            ).fit(problem.X, problem.y)

        call = "PoissonRegressor(alpha=0, solver='newton-cholesky', tol=1e-8)"
    else:

        def fit() -> Any:
            return LinearRegression().fit(problem.X, problem.y)

        call = "LinearRegression()"
    return [Case("sklearn", call, fit, coef=coef, n_iter=n_iter)]


def _glum_cases(problem: Problem) -> list[Case]:
    try:
        from glum import GeneralizedLinearRegressor
    except ImportError as exc:
        raise Skipped(f"glum not installed ({exc})") from None

    def fit() -> Any:
        return GeneralizedLinearRegressor(
            family=problem.family, alpha=0.0, gradient_tol=1e-8
        ).fit(problem.X, problem.y)

    return [
        Case(
            "glum",
            f"GeneralizedLinearRegressor(family='{problem.family}', alpha=0, gradient_tol=1e-8)",
            fit,
            coef=lambda est: np.r_[est.intercept_, np.ravel(est.coef_)].astype(np.float64),
            n_iter=lambda est: _as_int(getattr(est, "n_iter_", None)),
        )
    ]


CASE_BUILDERS: dict[str, Callable[[Problem], list[Case]]] = {
    "glmgen": _glmgen_cases,
    "patsy": _patsy_cases,
    "statsmodels": _statsmodels_cases,
    "sklearn": _sklearn_cases,
    "glum": _glum_cases,
}


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _run_case(case: Case, repeats: int) -> Row:
    row = Row(case.library, case.call, is_glmgen_formula=case.is_glmgen_formula)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            timing: TimingResult = time_call(case.fn, repeats=repeats, warmup=1)
        except Skipped as exc:
            row.status = "skipped"
            row.notes.append(f"skipped: {exc}")
            return row
        except Exception as exc:
            row.status = "error"
            row.notes.append(f"error: {type(exc).__name__}: {_short(str(exc))}")
            if os.environ.get("BENCH_TRACEBACK"):
                traceback.print_exc(file=sys.stderr)
            return row
    row.median, row.first, row.times = timing.median, timing.first, timing.all
    try:
        if case.coef is not None:
            row.coef = case.coef(timing.value)
        row.n_iter = case.n_iter(timing.value)
    except Exception as exc:
        row.notes.append(f"could not read the result: {type(exc).__name__}: {_short(str(exc))}")
    seen: set[str] = set()
    for w in caught:
        msg = f"{w.category.__name__}: {_short(str(w.message), 120)}"
        if msg not in seen:
            seen.add(msg)
            row.notes.append(msg)
    return row


def _reference_coef(problem: Problem, rows: Sequence[Row]) -> tuple[FloatArray | None, str]:
    for row in rows:
        if row.library == "statsmodels" and row.status == "ok" and row.coef is not None:
            return row.coef, "statsmodels (timed fit)"
    try:
        case = _statsmodels_cases(problem)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return case.coef(case.fn()), "statsmodels (untimed reference fit)"  # type: ignore[misc]
    except Exception as exc:
        return None, f"no reference: statsmodels unavailable ({type(exc).__name__})"


def run_problem(problem: Problem, libraries: Sequence[str], repeats: int) -> dict[str, Any]:
    rows: list[Row] = []
    for lib in libraries:
        try:
            cases = CASE_BUILDERS[lib](problem)
        except Skipped as exc:
            rows.append(Row(lib, "-", status="skipped", notes=[f"skipped: {exc}"]))
            continue
        except Exception as exc:
            rows.append(
                Row(lib, "-", status="error", notes=[f"error: {type(exc).__name__}: {_short(str(exc))}"])
            )
            continue
        for case in cases:
            print(f"  timing {lib}: {case.call} ...", file=sys.stderr, flush=True)
            rows.append(_run_case(case, repeats))

    reference, reference_label = _reference_coef(problem, rows)
    baseline = next((r for r in rows if r.is_glmgen_formula and r.status == "ok"), None)
    baseline_label = "glmgen"
    if baseline is None:
        baseline = next((r for r in rows if r.library == "statsmodels" and r.status == "ok"), None)
        baseline_label = "statsmodels"
    for row in rows:
        if baseline is not None and row.median is not None and baseline.median:
            row.ratio = row.median / baseline.median
        if reference is not None and row.coef is not None:
            if row.coef.shape == reference.shape:
                row.max_coef_diff = float(np.max(np.abs(row.coef - reference)))
            else:
                row.notes.append(
                    f"coefficient vector has shape {row.coef.shape}, expected {reference.shape}"
                )
    return {
        "problem": problem.name,
        "family": problem.family,
        "n": problem.n,
        "p": problem.p,
        "repeats": repeats,
        "baseline": baseline_label if baseline is not None else None,
        "reference": reference_label,
        "rows": rows,
    }


# ---------------------------------------------------------------------------
# reporting
# ---------------------------------------------------------------------------


def _fmt_time(t: float | None) -> str:
    return "-" if t is None else f"{t:.3f}"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def format_markdown(result: dict[str, Any]) -> str:
    rows: list[Row] = result["rows"]
    baseline = result["baseline"] or "n/a"
    if baseline == "glmgen":
        ratio_note = "median / median of glmgen's formula API (> 1: slower than glmgen)"
    elif baseline == "statsmodels":
        ratio_note = "median / median of statsmodels, because glmgen was not timed"
    else:
        ratio_note = "not available (neither glmgen nor statsmodels was timed)"
    ratio_header = "ratio" if result["baseline"] is None else f"ratio to {baseline}"
    lines = [
        f"### {result['problem']}: {result['family']}, n={result['n']:,}, "
        f"p={result['p']} + intercept, repeats={result['repeats']}",
        "",
        f"Ratio: {ratio_note}. Coefficient reference: {result['reference']}.",
        "",
        f"| library | call | median (s) | first call (s) | {ratio_header} "
        "| max \\|coef - statsmodels\\| | iterations | notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        diff = "-" if r.max_coef_diff is None else f"{r.max_coef_diff:.1e}"
        n_iter = "-" if r.n_iter is None else str(r.n_iter)
        notes = "; ".join(r.notes)
        lines.append(
            f"| {r.library} | `{_md_escape(r.call)}` | {_fmt_time(r.median)} | {_fmt_time(r.first)} "
            f"| {ratio} | {diff} | {n_iter} | {_md_escape(notes)} |"
        )
    glmgen_row = next((r for r in rows if r.is_glmgen_formula and r.status == "ok"), None)
    patsy_row = next((r for r in rows if r.library == "patsy" and r.status == "ok"), None)
    if glmgen_row is not None and patsy_row is not None and glmgen_row.median:
        share = patsy_row.median / glmgen_row.median  # type: ignore[operator]
        lines += [
            "",
            f"Formula overhead reference: patsy.dmatrices alone takes {share:.0%} of the "
            "glmgen formula-API median.",
        ]
    return "\n".join(lines)


def _version(module: str) -> str:
    try:
        mod = __import__(module)
    except Exception:
        return "not installed"
    return str(getattr(mod, "__version__", "unknown"))


def environment() -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "versions": {
            m: _version(m)
            for m in (
                "glmgen", "numpy", "scipy", "pandas", "patsy", "statsmodels", "sklearn", "glum", "numba"
            )
        },
    }
    try:
        from threadpoolctl import threadpool_info

        env["threadpools"] = [
            f"{info.get('internal_api')}={info.get('num_threads')}" for info in threadpool_info()
        ]
    except Exception:
        env["threadpools"] = []
    numba = sys.modules.get("numba")
    env["numba_threads"] = numba.get_num_threads() if numba is not None else None
    return env


def format_environment(env: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    pools = ", ".join(env["threadpools"]) or "unknown"
    if env["numba_threads"] is not None:
        pools += f", numba={env['numba_threads']}"
    return (
        f"Python {env['python']} on {env['platform']}, {env['cpu_count']} CPUs; "
        f"thread pools: {pools}.\n\nVersions: {versions}."
    )


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: n={QUICK_N:,} rows and repeats={QUICK_REPEATS} (unless --repeats is given)",
    )
    parser.add_argument(
        "--libs",
        default=",".join(LIBRARIES),
        help=f"comma-separated subset of {','.join(LIBRARIES)} (default: all)",
    )
    parser.add_argument(
        "--problems",
        default=",".join(PROBLEM_NAMES),
        help=f"comma-separated problem names (default: {','.join(PROBLEM_NAMES)})",
    )
    parser.add_argument("--repeats", type=int, default=None, help=f"timed repeats (default {DEFAULT_REPEATS})")
    parser.add_argument("--n", type=int, default=None, help="override the number of rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP (threadpoolctl) and numba threads to this many (default: no limit)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any fit raised an error"
    )
    args = parser.parse_args(argv)

    libs = [s.strip() for s in args.libs.split(",") if s.strip()]
    unknown = [lib for lib in libs if lib not in CASE_BUILDERS]
    if unknown:
        parser.error(f"unknown library {unknown[0]!r} in --libs; choose from {', '.join(LIBRARIES)}")
    args.libs = sorted(set(libs), key=LIBRARIES.index)
    args.problems = [s.strip() for s in args.problems.split(",") if s.strip()]
    if args.repeats is None:
        args.repeats = QUICK_REPEATS if args.quick else DEFAULT_REPEATS
    if args.n is None and args.quick:
        args.n = QUICK_N
    return args


_PRELOAD: dict[str, tuple[str, ...]] = {
    "glmgen": ("glmgen",),
    "patsy": ("patsy",),
    "statsmodels": ("statsmodels.api",),
    "sklearn": ("sklearn.linear_model",),
    "glum": ("glum",),
}


def limit_threads(
    n_threads: int | None, libraries: Sequence[str]
) -> contextlib.AbstractContextManager[Any]:
    """Cap BLAS / OpenMP pools (threadpoolctl) and numba at ``n_threads``; no-op for None.

    threadpoolctl only reaches libraries already loaded, so the benchmarked
    packages are imported first.
    """
    if n_threads is None:
        return contextlib.nullcontext()
    for lib in libraries:
        for module in _PRELOAD.get(lib, ()):
            try:
                importlib.import_module(module)
            except Exception:
                pass  # reported as skipped later
    try:
        import numba

        numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl is not installed: --threads only limits numba", file=sys.stderr)
        return contextlib.nullcontext()
    return threadpool_limits(limits=n_threads)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with limit_threads(args.threads, args.libs):
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    print("## Unpenalized GLM benchmark" + (" (quick)" if args.quick else ""))
    results = []
    for name in args.problems:
        print(f"building {name} ...", file=sys.stderr, flush=True)
        problem = load_problem(name, seed=args.seed, n=args.n)
        result = run_problem(problem, args.libs, args.repeats)
        results.append(result)
        print()
        print(format_markdown(result), flush=True)

    env = environment()  # after the runs: thread pools and numba are loaded by then
    env["threads_limit"] = args.threads
    print()
    print(format_environment(env))

    if args.json is not None:
        payload = {
            "benchmark": "unpenalized",
            "environment": env,
            "results": [
                {**{k: v for k, v in r.items() if k != "rows"}, "rows": [row.to_dict() for row in r["rows"]]}
                for r in results
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2))

    errors = [row for r in results for row in r["rows"] if row.status == "error"]
    return 1 if (args.strict and errors) else 0


if __name__ == "__main__":
    sys.exit(main())
