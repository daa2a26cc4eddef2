#!/usr/bin/env python
"""Run every ``benchmarks/bench_*.py`` script in turn and print their tables.

Usage::

    python benchmarks/run_all.py                  # every benchmark, full size
    python benchmarks/run_all.py --quick          # smoke run (passed to each script)
    python benchmarks/run_all.py --only unpen     # scripts whose name contains "unpen"
    python benchmarks/run_all.py --json-dir out/  # each script writes out/<script>.json
    python benchmarks/run_all.py --libs statsmodels,sklearn   # other options pass through
    python benchmarks/run_all.py --only design    # bench_design.py: factors and sparse designs

At full size ``bench_dask.py`` writes 9.4 GB of Parquet (50M rows) and runs for about 35 minutes; pass
``--only`` to leave it out, or run it alone with ``--rows``.

``bench_design.py`` is the longest at full size (15 to 25 minutes on 2 cores:
2,000,000-row factor designs, a 100,000 x 20,000 sparse path); its adelie rows
need ``python benchmarks/bench_design.py --setup-adelie`` once (adelie's own
virtual environment), and are reported as skipped until then.

Each script runs in its own process with the same interpreter
(``sys.executable``), so one library's thread pools, JIT caches or memory do
not leak into the next benchmark. Options this runner does not know are passed
unchanged to every script; every ``bench_*.py`` accepts ``--quick``, ``--libs``
and ``--json``. Exit status is 1 if any script failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(only: str | None = None) -> list[Path]:
    """The ``bench_*.py`` scripts next to this file, sorted by name."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if only in s.stem]
    return scripts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmarks/bench_*.py script.")
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script")
    parser.add_argument("--only", default=None, help="run only scripts whose name contains this")
    parser.add_argument(
        "--json-dir", type=Path, default=None, help="pass --json DIR/<script>.json to every script"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds allowed per script (default: none)"
    )
    args, passthrough = parser.parse_known_args(argv)

    scripts = discover(args.only)
    if not scripts:
        print(f"no bench_*.py scripts found in {HERE} (--only={args.only!r})", file=sys.stderr)
        return 1
    if args.json_dir is not None:
        args.json_dir.mkdir(parents=True, exist_ok=True)

    summary: list[tuple[str, str, float]] = []
    for script in scripts:
        cmd = [sys.executable, str(script), *passthrough]
        if args.quick:
            cmd.append("--quick")
        if args.json_dir is not None:
            cmd += ["--json", str(args.json_dir / f"{script.stem}.json")]
        print(f"running {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, stdout=subprocess.PIPE, text=True, timeout=args.timeout, check=False
            )
            status = "ok" if proc.returncode == 0 else f"exit status {proc.returncode}"
            output = proc.stdout
        except subprocess.TimeoutExpired as exc:
            status = f"timed out after {args.timeout:g} s"
            out = exc.stdout or ""
            output = out.decode() if isinstance(out, bytes) else out
        elapsed = time.perf_counter() - start
        summary.append((script.name, status, elapsed))

        print(f"# {script.name}\n")
        print(output.rstrip() or "(no output)")
        print(flush=True)

    print("# Summary\n")
    print("| script | status | wall time (s) |")
    print("|---|---|---:|")
    for name, status, elapsed in summary:
        print(f"| {name} | {status} | {elapsed:.1f} |")
    return 0 if all(status == "ok" for _, status, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
