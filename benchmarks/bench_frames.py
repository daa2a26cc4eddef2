#!/usr/bin/env python
"""The cost of turning a polars or Arrow frame into pandas: glmgen's conversion against the alternatives.

Usage::

    python benchmarks/bench_frames.py --quick          # 100,000 rows, one repeat: a few seconds
    python benchmarks/bench_frames.py                  # 5,000,000 rows (about 1 GiB of data), 5 repeats
    python benchmarks/bench_frames.py --libs glmgen,narwhals --json out.json

The frame (issue 16): 20 float64 columns, an integer column with 10 % nulls, a text column (50 words) and
a categorical with 1,000 levels; made in polars (``Categorical``), and as a pyarrow Table by
``to_arrow()``. Every route runs in a fresh child process (this script with ``--worker``): it builds the
source frame, resets its peak resident memory (``/proc/self/clear_refs``, Linux), then converts
``--repeats`` times. "median" and "best" are of those times (the machine may be shared), "peak extra" the child's high-water mark over the first
conversion above the resident memory before it (the converted frame included), "result" the size of
the pandas frame. The last columns say what the conversion made of the integer column with nulls and
of the categorical's level order: only glmgen's route keeps both meanings (``Int64`` with NA, and
sorted levels for a polars ``Categorical``, whose own order is that of polars' string cache).

Routes: ``glmgen`` is ``glmgen._frames.as_pandas`` (``to_arrow()``, then ``Table.to_pandas`` with
pandas' nullable dtypes for integers and booleans); ``polars`` is ``DataFrame.to_pandas()`` and its
``use_pyarrow_extension_array=True``; ``pyarrow`` is ``Table.to_pandas()`` and its
``types_mapper=pd.ArrowDtype``; ``narwhals`` is ``narwhals.from_native(frame).to_pandas()``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # benchmark the working tree, installed or not
    sys.path.insert(0, str(REPO_ROOT))

MIB = 2.0**20
LIBRARIES = ("glmgen", "polars", "pyarrow", "narwhals")
#: (name, library, source): the source is "polars", "lazy" (a polars LazyFrame) or "arrow"
ROUTES = (
    ("glmgen as_pandas(polars)", "glmgen", "polars"),
    ("glmgen as_pandas(LazyFrame)", "glmgen", "lazy"),
    ("polars to_pandas()", "polars", "polars"),
    ("polars to_pandas(use_pyarrow_extension_array)", "polars", "polars"),
    ("narwhals to_pandas(polars)", "narwhals", "polars"),
    ("glmgen as_pandas(Table)", "glmgen", "arrow"),
    ("pyarrow to_pandas()", "pyarrow", "arrow"),
    ("pyarrow to_pandas(types_mapper=ArrowDtype)", "pyarrow", "arrow"),
    ("narwhals to_pandas(Table)", "narwhals", "arrow"),
)


def make_polars(n_rows: int, seed: int = 0) -> Any:
    """The benchmark frame in polars (module notes)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {f"x{j}": rng.standard_normal(n_rows) for j in range(1, 21)}
    counts = rng.integers(0, 100, n_rows)
    words = np.array([f"word{k:02d}" for k in range(50)])
    levels = np.array([f"level{k:04d}" for k in rng.permutation(1000)])
    frame = pl.DataFrame(columns).with_columns(
        pl.Series("n", counts).set(pl.Series(rng.random(n_rows) < 0.1), None),
        pl.Series("s", words[rng.integers(0, 50, n_rows)]),
        pl.Series("g", levels[rng.integers(0, 1000, n_rows)], dtype=pl.Categorical),
    )
    return frame


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> int:
    """Reset the high-water mark to the current RSS and return that RSS in bytes."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_bytes("VmRSS")


def converter(route: str) -> Callable[[Any], Any]:
    """The conversion a route names."""
    import narwhals as nw
    import pandas as pd

    from glmgen._frames import as_pandas

    def narwhals(frame: Any) -> Any:
        return nw.from_native(frame).to_pandas()

    return {
        "glmgen as_pandas(polars)": as_pandas,
        "glmgen as_pandas(LazyFrame)": as_pandas,
        "polars to_pandas()": lambda frame: frame.to_pandas(),
        "polars to_pandas(use_pyarrow_extension_array)": lambda frame: frame.to_pandas(
            use_pyarrow_extension_array=True),
        "narwhals to_pandas(polars)": narwhals,
        "glmgen as_pandas(Table)": as_pandas,
        "pyarrow to_pandas()": lambda frame: frame.to_pandas(),
        "pyarrow to_pandas(types_mapper=ArrowDtype)": lambda frame: frame.to_pandas(types_mapper=pd.ArrowDtype),
        "narwhals to_pandas(Table)": narwhals,
    }[route]


def worker(route: str, n_rows: int, repeats: int) -> dict[str, Any]:
    """Build the source of ``route`` and time its conversion (module notes)."""
    source = next(source for name, _, source in ROUTES if name == route)
    convert = converter(route)
    frame = make_polars(n_rows)
    if source == "arrow":
        frame = frame.to_arrow()
    small = make_polars(1000)
    convert(small.to_arrow() if source == "arrow" else small)  # imports and first calls, untimed
    times, peak = [], 0
    for repeat in range(repeats):
        before = _reset_peak()
        started = time.perf_counter()
        result = convert(frame.lazy() if source == "lazy" else frame)
        times.append(time.perf_counter() - started)
        if repeat == 0:
            peak = _status_bytes("VmHWM") - before
            described = describe(result)
        del result
    return {"route": route, "rows": n_rows, "seconds": statistics.median(times), "best": min(times),
            "peak_extra_mib": peak / MIB,
            **described}


def describe(frame: Any) -> dict[str, Any]:
    """The converted frame's size, and what became of the integer column with nulls and of the levels."""
    g = frame["g"]
    levels = list(g.cat.categories) if hasattr(g, "cat") else []
    return {"result_mib": float(frame.memory_usage(deep=True).sum()) / MIB, "int_with_nulls": str(frame["n"].dtype),
            "levels_sorted": levels == sorted(levels) if levels else None}


def run_route(route: str, n_rows: int, repeats: int) -> dict[str, Any]:
    """One route in a fresh child process."""
    command = [sys.executable, __file__, "--worker", route, "--rows", str(n_rows), "--repeats", str(repeats)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return {"route": route, "rows": n_rows, "error": completed.stderr.strip().splitlines()[-1]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = ["| route | median (s) | best (s) | peak extra (MiB) | result (MiB) | int with nulls | levels sorted |",
             "|---|---:|---:|---:|---:|---|---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['route']} | failed: {row['error']} | | | | | |")
            continue
        lines.append(f"| {row['route']} | {row['seconds']:.2f} | {row['best']:.2f} | {row['peak_extra_mib']:.0f} | "
                     f"{row['result_mib']:.0f} | {row['int_with_nulls']} | {row['levels_sorted']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 rows and one repeat")
    parser.add_argument("--rows", type=int, default=None, help="rows of the frame (default 5,000,000)")
    parser.add_argument("--repeats", type=int, default=None, help="conversions timed per route (default 5)")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n_rows = args.rows or (100_000 if args.quick else 5_000_000)
    repeats = args.repeats or (1 if args.quick else 5)
    if args.worker is not None:
        print(json.dumps(worker(args.worker, n_rows, repeats)))
        return
    libraries = [name for name in args.libs.split(",") if name]
    unknown = sorted(set(libraries) - set(LIBRARIES))
    if unknown:
        parser.error(f"--libs: unknown {', '.join(unknown)}; choose from {', '.join(LIBRARIES)}")
    rows = []
    for route, library, _ in ROUTES:
        if library in libraries:
            print(f"{route} ...", file=sys.stderr, flush=True)
            rows.append(run_route(route, n_rows, repeats))
    print(f"## Frame conversion to pandas, {n_rows:,} rows x 23 columns, median of {repeats}\n")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
