#!/usr/bin/env python
"""Peak memory of the design build and of the fit, against the sizes of the data and the design.

Usage::

    /usr/bin/time -v python benchmarks/memory_design.py 1000000
    python benchmarks/memory_design.py 10000000 --family poisson
    python benchmarks/memory_design.py 1000000 --alpha 0.01       # penalized single fit

The work runs in a child process (``spawn``), so the numbers do not include
the parent. The child imports glmgen and warms numba up on a small fit
(the interpreter *baseline*), builds a frame of N rows: ``--columns`` float
columns ``x1, x2, ...``, a categorical ``g`` with ``--levels`` levels and the
response ``y``; then it measures three phases, each from a reset high-water
mark (``/proc/self/clear_refs``, Linux):

* ``build``: ``build_design("y ~ .", df)`` alone;
* ``fit``: the fit on that design (what ``gg.glm`` does after the build);
* ``glm``: ``gg.glm("y ~ .", df, family=...)`` from scratch, the user's call
  (``--glm-only`` measures just this one).

For each it prints the peak resident set size minus what was resident before
the phase, in bytes and as a multiple of the design bytes (``n * p * 8``, p
without the intercept). The summary line gives
``(peak - data - baseline) / design`` over the whole run, the figure the
memory target (at most 1.3) is about; with ``/usr/bin/time -v`` compare its
"Maximum resident set size" with the child's peak printed here.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # measure the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

GIB = 1024.0**3


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` field (``VmRSS``, ``VmHWM``) in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> int:
    """Reset the high-water mark to the current RSS and return that RSS in bytes."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_kib("VmRSS") * 1024


def _peak() -> int:
    return _status_kib("VmHWM") * 1024


def make_frame(n_rows: int, n_columns: int, n_levels: int, family: str, seed: int = 0) -> Any:
    """``x1..x{n_columns}`` standard normal, ``g`` categorical with ``n_levels`` levels, and ``y``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    eta = np.zeros(n_rows)
    for j in range(1, n_columns + 1):
        columns[f"x{j}"] = x = rng.standard_normal(n_rows)
        eta += (0.3 / j) * x
    codes = rng.integers(0, n_levels, n_rows).astype(np.int16)
    level_effects = rng.normal(0.0, 0.2, n_levels)
    eta += level_effects[codes]
    columns["g"] = pd.Categorical.from_codes(codes, categories=[f"level{k:03d}" for k in range(n_levels)])
    del codes
    if family == "gaussian":
        columns["y"] = eta + rng.standard_normal(n_rows)
    elif family == "poisson":
        columns["y"] = rng.poisson(np.exp(eta)).astype(float)
    else:
        columns["y"] = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    del eta
    return pd.DataFrame(columns, copy=False)


def _phase(label: str, design_bytes: int, run: Any) -> tuple[Any, int, int]:
    """Run ``run()`` from a reset high-water mark; print and return its result, the RSS before, the peak."""
    before = _reset_peak()
    started = time.perf_counter()
    value = run()
    seconds = time.perf_counter() - started
    peak = _peak()
    print(f"{label:<6} peak - before = {(peak - before) / GIB:7.3f} GiB = {(peak - before) / design_bytes:5.2f} x design"
          f"   ({seconds:.1f} s)", flush=True)
    return value, before, peak


def child(n_rows: int, n_columns: int, n_levels: int, family: str, alpha: float, glm_only: bool) -> None:
    import warnings

    import glmgen as gg
    from glmgen.formula import build_design
    from glmgen.model import resolve_family
    from glmgen.fit.fitting import fit_penalized_at, fit_unpenalized

    warnings.simplefilter("ignore")
    gg.glm("y ~ .", make_frame(2000, n_columns, n_levels, family, seed=1), family=family, alpha=alpha)  # numba
    baseline = _reset_peak()
    df = make_frame(n_rows, n_columns, n_levels, family)
    data_bytes = int(df.memory_usage(deep=True).sum())
    design_bytes = n_rows * (n_columns + n_levels - 1) * 8
    print(f"rows {n_rows:,}  family {family}  alpha {alpha:g}  design p = {n_columns + n_levels - 1}", flush=True)
    print(f"baseline (interpreter + glmgen) {baseline / GIB:7.3f} GiB", flush=True)
    print(f"data   {data_bytes / GIB:7.3f} GiB   (df.memory_usage(deep=True).sum())", flush=True)
    print(f"design {design_bytes / GIB:7.3f} GiB   (n x p x 8)", flush=True)

    build_peak = fit_peak = 0
    if not glm_only:
        (spec, design), _, build_peak = _phase("build", design_bytes, lambda: build_design("y ~ .", df))
        family_object, link = resolve_family(family, None)
        if alpha > 0:
            def fit() -> Any:
                return fit_penalized_at(spec, design, family_object, link, alpha=alpha, l1_ratio=0.5,
                                        penalty_factor=None, standardize=True)
        else:
            def fit() -> Any:
                return fit_unpenalized(spec, design, family_object, link)
        result, _, fit_peak = _phase("fit", design_bytes, fit)
        del spec, design, result
    fit_result, _, glm_peak = _phase("glm", design_bytes, lambda: gg.glm("y ~ .", df, family=family, alpha=alpha))
    print(f"glm converged={fit_result.converged} n_iter={fit_result.n_iter} deviance={fit_result.deviance:.6g}")
    peak = max(build_peak, fit_peak, glm_peak)
    print(f"peak RSS {peak / GIB:7.3f} GiB; (peak - data - baseline) / design = "
          f"{(peak - data_bytes - baseline) / design_bytes:.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help="number of rows N")
    parser.add_argument("--family", default="gaussian", choices=("gaussian", "poisson", "binomial"))
    parser.add_argument("--alpha", type=float, default=0.0, help="penalty (0 = unpenalized IRLS)")
    parser.add_argument("--columns", type=int, default=20, help="float columns (default 20)")
    parser.add_argument("--levels", type=int, default=50, help="levels of the categorical g (default 50)")
    parser.add_argument("--glm-only", action="store_true", help="measure only the gg.glm call (skip build and fit)")
    args = parser.parse_args(argv)
    process = multiprocessing.get_context("spawn").Process(
        target=child, args=(args.rows, args.columns, args.levels, args.family, args.alpha, args.glm_only)
    )
    process.start()
    process.join()
    return int(process.exitcode or 0)


if __name__ == "__main__":
    sys.exit(main())
