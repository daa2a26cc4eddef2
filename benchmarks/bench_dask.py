"""Dask backend out of core: a Poisson GLM and a lasso path on Parquet data larger than a worker's memory.

Problem (issue 14): ``--rows`` rows (default 50,000,000) x 20 standard normal columns (x1, x6, x11 with
non-zero means) + ``g``, a 1,000-level factor, and ``y ~ Poisson(exp(eta))`` with a known, seeded true
coefficient vector (five of the twenty slopes are zero, so the lasso path has something to drop). The script
writes it as Parquet, one file per ``--partition-rows`` rows (each generated and written on its own, so the
whole data is never in memory), row groups of ``ROW_GROUP_ROWS`` rows. ``g`` is stored as a pandas
categorical (Parquet dictionary encoding): 2 bytes a row in memory against about 60 for Python strings, so a
partition's memory is its numeric columns, and the level set is the same in every file.

On a ``distributed.LocalCluster`` (``--workers`` processes, one thread each, ``--memory-limit`` each; without
Dask's ``MALLOC_TRIM_THRESHOLD_`` unless ``--malloc-trim``: :func:`start_cluster`) it times:

* the raw scan: ``dd.read_parquet`` of every column the model reads, each partition summed (every column
  decoded and touched), the physical floor of one pass over the data;
* ``gg.glm("y ~ x1 + ... + x20 + g", ddf, "poisson")``: wall time, IRLS iterations, and the passes over the
  data, counted twice: from ``fit.history["passes"]`` (the solver's passes; learning the design's levels is
  one more) and from the cluster's task stream (Parquet partition reads / number of partitions);
* ``gg.glm_path(..., n_alphas=20)`` (lasso) the same way (``--skip-path`` leaves it out);
* the peak resident memory of each worker (sampled every ``SAMPLE_SECONDS`` during the fits by
  ``client.run``), against the size of one partition and of the data.

Accuracy anchor on the first ``--dask-glm-rows`` rows (default 5,000,000; the first files of the same data):
glmgen on Dask, glmgen in memory (pandas) and dask-glm (``PoissonRegression(solver="newton")``,
unregularized, on a dask array of the same design: the 20 columns and the factor's 999 treatment dummies,
built block by block from the Parquet row groups). Reported: time, mean Poisson deviance of each solution on
those rows (same function for all), its gap to the best of them, and the largest relative coefficient
difference between glmgen on Dask and in memory.

``--quick``: 200,000 rows in 50,000-row files, 100,000 rows for the anchor. ``--libs glmgen,dask-glm``
chooses what the anchor runs (glmgen always runs the out-of-core part).

Run: ``python benchmarks/bench_dask.py [--rows N] [--partition-rows N] [--dir DIR] [--workers 2]
[--memory-limit 4GiB] [--malloc-trim] [--skip-write] [--skip-path] [--dask-glm-rows N] [--quick] [--libs ...] [--json PATH]``.
Data goes to ``--dir`` (default ``/tmp/glmgen_dask_bench``) and stays there for ``--skip-write``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import chosen_libraries, limit_blas_threads, package_versions

LIBRARIES = ("glmgen", "dask-glm")
N_FEATURES = 20
LEVELS = tuple(f"g{i:03d}" for i in range(1000))
FEATURES = tuple(f"x{j}" for j in range(1, N_FEATURES + 1))
FORMULA = "y ~ " + " + ".join(FEATURES) + " + g"
ROW_GROUP_ROWS = 50_000
SAMPLE_SECONDS = 0.25
SEED = 14


@dataclass(frozen=True)
class TrueModel:
    """``eta = intercept + x @ beta + effect[g]`` with ``x ~ N(means, 1)``; ``effect`` of the first level is 0."""

    intercept: float
    beta: np.ndarray
    means: np.ndarray
    effect: np.ndarray

    @classmethod
    def seeded(cls, seed: int) -> TrueModel:
        beta = np.round(np.linspace(0.15, -0.15, N_FEATURES), 4)
        beta[::4] = 0.0
        means = np.zeros(N_FEATURES)
        means[[0, 5, 10]] = [2.0, -1.0, 0.5]
        effect = np.random.default_rng([seed, 0]).normal(0.0, 0.25, len(LEVELS))
        effect[0] = 0.0
        return cls(0.3 - float(means @ beta), beta, means, effect)

    def chunk(self, rows: int, seed: int, number: int) -> pd.DataFrame:
        """Rows of file ``number``, drawn from their own seed stream (files are independent of each other)."""
        rng = np.random.default_rng([seed, 1, number])
        x = rng.standard_normal((rows, N_FEATURES)) + self.means
        codes = rng.integers(0, len(LEVELS), rows)
        y = rng.poisson(np.exp(self.intercept + x @ self.beta + self.effect[codes]))
        frame = pd.DataFrame(x, columns=list(FEATURES))
        frame["g"] = pd.Categorical.from_codes(codes.astype(np.int16), categories=list(LEVELS))
        frame["y"] = y.astype(np.float64)
        return frame


def write_data(directory: Path, rows: int, partition_rows: int, seed: int) -> list[Path]:
    """Write the data as ``part.NNNNN.parquet`` files of ``partition_rows`` rows, one file in memory at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("part.*.parquet"):
        old.unlink()
    model = TrueModel.seeded(seed)
    files = []
    for number, start in enumerate(range(0, rows, partition_rows)):
        chunk = model.chunk(min(partition_rows, rows - start), seed, number)
        path = directory / f"part.{number:05d}.parquet"
        pq.write_table(pa.Table.from_pandas(chunk, preserve_index=False), path, row_group_size=ROW_GROUP_ROWS)
        files.append(path)
    return files


def data_files(directory: Path) -> list[Path]:
    files = sorted(directory.glob("part.*.parquet"))
    if not files:
        raise SystemExit(f"no part.*.parquet files in {directory}: run without --skip-write first")
    return files


def read(files: list[Path], declared: bool = True) -> Any:
    """The files as a Dask DataFrame, one partition per file; ``declared``: with the factor's categories declared
    (schema a user knows: Dask then knows them, and glmgen learns the levels without a pass over the data)."""
    import dask.dataframe as dd

    frame = dd.read_parquet([str(f) for f in files], split_row_groups=False)
    return frame.astype({"g": pd.CategoricalDtype(list(LEVELS))}) if declared else frame


def partition_sums(part: pd.DataFrame) -> pd.DataFrame:
    """Every column summed (the factor by its codes): forces reading and decoding all of them."""
    sums = {c: float(part[c].sum()) for c in part.columns if c != "g"}
    sums["g"] = float(part["g"].cat.codes.sum())
    return pd.DataFrame([sums])


def scan(client: Any, files: list[Path], repeats: int = 2) -> tuple[float, float, int]:
    """Wall seconds and the workers' CPU seconds of the fastest of ``repeats`` full reads of the data (every
    column), and the row count."""
    meta = pd.DataFrame({c: pd.Series(dtype=float) for c in [*FEATURES, "y", "g"]})
    times = []
    for _ in range(repeats):
        timed = timed_on_cluster(client, lambda: read(files, declared=False).map_partitions(
            partition_sums, meta=meta).compute())
        times.append((timed.seconds, timed.cpu_seconds))
        assert np.isfinite(timed.value.to_numpy()).all()
    seconds, cpu_seconds = min(times)
    return seconds, cpu_seconds, sum(_file_rows(f) for f in files)


def _file_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


@dataclass
class PeakMemory:
    """The largest resident set size of each worker seen while sampling, and their sizes before it started."""

    client: Any
    baseline: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)

    @contextmanager
    def sampling(self) -> Iterator[PeakMemory]:
        self.baseline = self._sample()
        self.peak = dict(self.baseline)
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(SAMPLE_SECONDS):
                try:
                    sample = self._sample()
                except OSError:  # a sample lost to a busy or restarting worker (CommClosedError, timeouts)
                    sample = {}
                for worker, rss in sample.items():
                    self.peak[worker] = max(rss, self.peak.get(worker, 0))

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def _sample(self) -> dict[str, int]:
        return dict(self.client.run(_rss))


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


@dataclass(frozen=True)
class Timed:
    seconds: float
    value: Any
    partition_reads: int
    #: user + system CPU seconds of all workers meanwhile: on a shared machine, less sensitive than the wall time
    #: to what else runs
    cpu_seconds: float


def timed_on_cluster(client: Any, fn: Callable[[], Any]) -> Timed:
    """Wall time of ``fn``, the number of Parquet partition reads the cluster ran meanwhile and the CPU time
    of the workers."""
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        cpu = _workers_cpu(client)
        started = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - started
        cpu = _workers_cpu(client) - cpu
    reads = sum(1 for task in stream.data if "parquet" in str(task["key"]).lower())
    return Timed(seconds, value, reads, cpu)


def _workers_cpu(client: Any) -> float:
    return float(sum(client.run(_cpu_seconds).values()))


def _cpu_seconds() -> float:
    import psutil

    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def warm_up(files: list[Path]) -> None:
    """Compile glmgen's numba kernels on every worker (a small fit and path), untimed."""
    import dask.dataframe as dd

    import glmgen as gg

    small = dd.from_pandas(pd.read_parquet(files[0]).head(20_000), npartitions=4)
    quiet(gg.glm, FORMULA, small, "poisson")
    quiet(gg.glm_path, FORMULA, small, "poisson", n_alphas=3)


def coefficient_vector(params: pd.Series) -> np.ndarray:
    """``[intercept, x1..x20, g001..g999]`` from glmgen's named parameters."""
    names = ["Intercept", *FEATURES, *(f"g[T.{level}]" for level in LEVELS[1:])]
    return params.reindex(names).to_numpy(dtype=float)


def mean_poisson_deviance(frame: pd.DataFrame, coef: np.ndarray) -> float:
    """``mean 2 (y log(y / mu) - (y - mu))`` at ``coef`` (:func:`coefficient_vector` order)."""
    y = frame["y"].to_numpy()
    codes = pd.Categorical(frame["g"], categories=list(LEVELS)).codes
    effect = np.concatenate([[0.0], coef[1 + N_FEATURES:]])
    mu = np.exp(coef[0] + frame[list(FEATURES)].to_numpy() @ coef[1:1 + N_FEATURES] + effect[codes])
    log_ratio = np.where(y > 0, np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    return float(np.mean(2.0 * (y * log_ratio - (y - mu))))


def dask_glm_design(files: list[Path]) -> tuple[Any, Any]:
    """``(X, y)`` dask arrays of the design (20 columns, then the dummies of levels 2..1000), one block per
    Parquet row group, built on the workers."""
    import dask.array as da
    from dask import delayed

    blocks_x, blocks_y = [], []
    for path in files:
        groups = _row_groups(path)
        for index, rows in enumerate(groups):
            block = delayed(_design_block, pure=True)(str(path), index)
            blocks_x.append(da.from_delayed(block[0], shape=(rows, N_FEATURES + len(LEVELS) - 1), dtype=float))
            blocks_y.append(da.from_delayed(block[1], shape=(rows,), dtype=float))
    return da.concatenate(blocks_x), da.concatenate(blocks_y)


def _row_groups(path: Path) -> list[int]:
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    return [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]


def _design_block(path: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow.parquet as pq

    frame = pq.ParquetFile(path).read_row_group(index).to_pandas()
    codes = pd.Categorical(frame["g"], categories=list(LEVELS)).codes
    X = np.zeros((len(frame), N_FEATURES + len(LEVELS) - 1))
    X[:, :N_FEATURES] = frame[list(FEATURES)].to_numpy()
    rows = np.flatnonzero(codes > 0)
    X[rows, N_FEATURES + codes[rows] - 1] = 1.0
    return X, frame["y"].to_numpy(dtype=float)


def run_dask_glm(files: list[Path], max_iter: int, tol: float) -> tuple[float, np.ndarray, str]:
    """dask-glm's unregularized Newton Poisson fit: (seconds, coefficients, note)."""
    from dask_glm.estimators import PoissonRegression

    X, y = dask_glm_design(files)
    model = PoissonRegression(solver="newton", max_iter=max_iter, tol=tol)
    started = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - started
    coef = np.concatenate([[float(model.intercept_)], np.asarray(model.coef_, dtype=float)])
    return seconds, coef, f"newton, tol={tol:g} (max coefficient change, standardized scale)"


def anchor(client: Any, files: list[Path], libs: list[str]) -> dict[str, Any]:
    """glmgen on Dask, glmgen in memory and dask-glm on the same rows: time and mean deviance of each."""
    import glmgen as gg

    rows: list[dict[str, Any]] = []
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    dask_fit = timed_on_cluster(client, lambda: quiet(gg.glm, FORMULA, read(files), "poisson"))
    dask_coef = coefficient_vector(dask_fit.value.params)
    rows.append({"library": "glmgen (Dask)", "seconds": dask_fit.seconds, "coef": dask_coef,
                 "note": f"{dask_fit.value.n_iter} IRLS iterations"})
    started = time.perf_counter()
    memory_fit = quiet(gg.glm, FORMULA, frame, "poisson")
    memory_seconds = time.perf_counter() - started
    memory_coef = coefficient_vector(memory_fit.params)
    rows.append({"library": "glmgen (in memory, pandas)", "seconds": memory_seconds, "coef": memory_coef,
                 "note": f"{memory_fit.n_iter} IRLS iterations"})
    if "dask-glm" in libs:
        try:
            seconds, coef, note = run_dask_glm(files, max_iter=50, tol=1e-8)
            rows.append({"library": "dask-glm 0.4 PoissonRegression", "seconds": seconds, "coef": coef, "note": note})
        except Exception as exc:  # noqa: BLE001 - dask-glm's failure is reported, the rest still runs
            rows.append({"library": "dask-glm 0.4 PoissonRegression", "seconds": np.nan, "coef": None,
                         "note": f"error: {type(exc).__name__}: {str(exc)[:200]}"})
    for row in rows:
        row["mean_deviance"] = np.nan if row["coef"] is None else mean_poisson_deviance(frame, row["coef"])
    best = np.nanmin([row["mean_deviance"] for row in rows])
    for row in rows:
        row["gap"] = (row["mean_deviance"] - best) / best
    scale = np.maximum(np.abs(memory_coef), 1e-12)
    return {"n": len(frame), "rows": rows,
            "max_rel_coef_diff_dask_vs_memory": float(np.max(np.abs(dask_coef - memory_coef) / scale))}


def out_of_core(client: Any, files: list[Path], skip_path: bool) -> dict[str, Any]:
    """The timed fits on all files, with the workers' peak memory."""
    import glmgen as gg

    memory = PeakMemory(client)
    results: dict[str, Any] = {}
    with memory.sampling():
        fit = timed_on_cluster(client, lambda: quiet(gg.glm, FORMULA, read(files), "poisson"))
        results["glm"] = {"seconds": fit.seconds, "cpu_seconds": fit.cpu_seconds, "n_iter": int(fit.value.n_iter),
                          "converged": bool(fit.value.converged),
                          "solver_passes": int(fit.value.history["passes"][0]),
                          "partition_reads": fit.partition_reads, "deviance": float(fit.value.deviance),
                          "params": fit.value.params}
        if not skip_path:
            path = timed_on_cluster(client, lambda: quiet(gg.glm_path, FORMULA, read(files), "poisson",
                                                          n_alphas=20))
            results["path"] = {"seconds": path.seconds, "cpu_seconds": path.cpu_seconds,
                               "n_alphas": len(path.value.alphas),
                               "partition_reads": path.partition_reads,
                               "n_iter": int(np.sum(path.value.n_iter)),
                               "converged": bool(np.all(path.value.converged))}
    results["memory"] = {"baseline": memory.baseline, "peak": memory.peak}
    return results


def start_cluster(workers: int, memory_limit: str, malloc_trim: bool = False) -> Any:
    """A LocalCluster of ``workers`` processes, one thread each. Dask starts its workers with
    ``MALLOC_TRIM_THRESHOLD_=65536`` (freed memory goes back to the system at once); setting it also pins glibc's
    mmap threshold at 128 KiB, so every larger array is a fresh mapping whose pages fault on first touch:
    measured 0.06-0.1 s of system time per 1M-row partition of this model (23,000 page faults, against 420
    without), a third of its compute. Unless ``malloc_trim``, the workers start without the variable (glibc's
    adaptive thresholds); the workers' peak memory is reported either way."""
    import dask
    from distributed import Client, LocalCluster

    environ = {} if malloc_trim else {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    with dask.config.set(environ):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory_limit,
                               dashboard_address=":0")
    return Client(cluster)


def measure(args: argparse.Namespace, libs: list[str]) -> dict[str, Any]:
    """Write (or reuse) the data, run everything on a fresh cluster; every number, JSON-ready."""
    if args.skip_write:
        files = data_files(args.dir)
        write_seconds = None
    else:
        print(f"writing {args.rows:,} rows to {args.dir}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        files = write_data(args.dir, args.rows, args.partition_rows, args.seed)
        write_seconds = time.perf_counter() - started
    client = start_cluster(args.workers, args.memory_limit, args.malloc_trim)
    try:
        print("warming up and scanning", file=sys.stderr, flush=True)
        warm_up(files)
        scan_seconds, scan_cpu, n_rows = scan(client, files)
        partition = pd.read_parquet(files[0])
        print("fitting out of core", file=sys.stderr, flush=True)
        results = out_of_core(client, files, args.skip_path)
        anchor_files = files[:-(-args.dask_glm_rows // len(partition))] if args.dask_glm_rows > 0 else []
        if anchor_files:
            print(f"accuracy anchor on {len(anchor_files)} files", file=sys.stderr, flush=True)
        accuracy = anchor(client, anchor_files, libs) if anchor_files else None
    finally:
        client.close()
        client.cluster.close()
    truth = TrueModel.seeded(args.seed)
    true_coef = np.concatenate([[truth.intercept], truth.beta, truth.effect[1:]])
    glm = results["glm"]
    partition_bytes = int(partition.memory_usage(deep=True).sum())
    if accuracy is not None:
        for row in accuracy["rows"]:
            row.pop("coef")
            row.update({k: None for k, v in row.items() if isinstance(v, float) and np.isnan(v)})
    return {"benchmark": "dask", "rows": n_rows, "files": len(files), "partition_rows": len(partition),
            "workers": args.workers, "memory_limit": args.memory_limit, "malloc_trim": args.malloc_trim,
            "disk_bytes": sum(f.stat().st_size for f in files), "partition_bytes": partition_bytes,
            "data_bytes": partition_bytes * n_rows / len(partition), "write_seconds": write_seconds,
            "scan_seconds": scan_seconds, "scan_cpu_seconds": scan_cpu,
            "glm": {k: v for k, v in glm.items() if k != "params"} | {"passes": glm["partition_reads"] / len(files)},
            "max_abs_error_vs_truth": float(np.max(np.abs(coefficient_vector(glm["params"]) - true_coef))),
            "path": results.get("path"), "memory": results["memory"], "anchor": accuracy,
            "versions": package_versions(("glmgen", "dask", "distributed", "dask-glm", "pandas", "pyarrow", "numpy"))}


def print_report(report: dict[str, Any]) -> None:
    """The Markdown tables of :func:`measure`'s report."""
    scan_seconds, fit = report["scan_seconds"], report["glm"]
    print(f"Dask backend out of core: Poisson, {report['rows']:,} rows x ({N_FEATURES} numeric + a {len(LEVELS)}-level "
          f"factor), {report['files']} Parquet files of {report['partition_rows']:,} rows "
          f"({report['disk_bytes'] / 2**30:.2f} GiB on disk, {report['data_bytes'] / 2**30:.2f} GiB in pandas, one "
          f"partition {report['partition_bytes'] / 2**20:.0f} MiB); LocalCluster {report['workers']} workers x 1 "
          f"thread, memory_limit={report['memory_limit']}, "
          f"{'Dask' if report['malloc_trim'] else 'without Dask'}'s MALLOC_TRIM_THRESHOLD_\n")
    if report["write_seconds"] is not None:
        print(f"writing the Parquet files: {report['write_seconds']:.1f} s\n")
    scan_cpu = report["scan_cpu_seconds"]
    print("| step | wall time s | workers' CPU s | passes over the data | s per pass | per pass / raw scan | "
          "CPU per pass / scan's CPU | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    print(f"| raw Parquet scan (all columns) | {scan_seconds:.1f} | {scan_cpu:.1f} | 1 | {scan_seconds:.1f} | 1.00 | "
          "1.00 | fastest of 2 |")
    passes = fit["passes"]
    print(f"| gg.glm unpenalized | {fit['seconds']:.1f} | {fit['cpu_seconds']:.1f} | {passes:.3g} | "
          f"{fit['seconds'] / passes:.1f} | {fit['seconds'] / passes / scan_seconds:.2f} | "
          f"{fit['cpu_seconds'] / passes / scan_cpu:.2f} | {fit['n_iter']} IRLS iterations, "
          f"{fit['solver_passes']} solver passes + {passes - fit['solver_passes']:.2g} design passes; converged={fit['converged']}; "
          f"max \\|estimate - truth\\| {report['max_abs_error_vs_truth']:.3g} |")
    target = fit["n_iter"] * scan_seconds
    print(f"| (target: 2 x n_iter x raw scan) | {2 * target:.1f} | | | | | | glm / (n_iter x scan) = "
          f"{fit['seconds'] / target:.2f} (CPU: {fit['cpu_seconds'] / (fit['n_iter'] * scan_cpu):.2f}) |")
    path = report["path"]
    if path is not None:
        path_passes = path["partition_reads"] / report["files"]
        print(f"| gg.glm_path lasso, {path['n_alphas']} alphas | {path['seconds']:.1f} | {path['cpu_seconds']:.1f} | "
              f"{path_passes:.0f} | {path['seconds'] / path_passes:.1f} | "
              f"{path['seconds'] / path_passes / scan_seconds:.2f} | {path['cpu_seconds'] / path_passes / scan_cpu:.2f} | "
              f"{path['n_iter']} iterations over the alphas; converged={path['converged']} |")
    memory = report["memory"]
    print("\n| worker | RSS before the fits MiB | peak RSS MiB | growth MiB | growth / one partition | peak / data |")
    print("|---|---:|---:|---:|---:|---:|")
    for number, (worker, peak) in enumerate(sorted(memory["peak"].items())):
        growth = peak - memory["baseline"][worker]
        print(f"| {number} | {memory['baseline'][worker] / 2**20:.0f} | {peak / 2**20:.0f} | {growth / 2**20:.0f} | "
              f"{growth / report['partition_bytes']:.2f} | {peak / report['data_bytes']:.3f} |")
    accuracy = report["anchor"]
    if accuracy is not None:
        print(f"\nAccuracy anchor: the first {accuracy['n']:,} rows; mean Poisson deviance of each solution, gap "
              "relative to the best of them\n")
        print("| fit | time s | mean deviance | relative gap | note |")
        print("|---|---:|---:|---:|---|")
        for row in accuracy["rows"]:
            seconds, deviance, gap = (np.nan if row[k] is None else row[k] for k in ("seconds", "mean_deviance", "gap"))
            print(f"| {row['library']} | {seconds:.1f} | {deviance:.10f} | {gap:.2e} | {row['note']} |")
        print(f"\nglmgen Dask vs in memory: max relative coefficient difference "
              f"{accuracy['max_rel_coef_diff_dask_vs_memory']:.2e}")
    print(f"\n{report['versions']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/glmgen_dask_bench"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--skip-write", action="store_true", help="reuse the Parquet files in --dir")
    parser.add_argument("--skip-path", action="store_true", help="leave out the 20-alpha lasso path")
    parser.add_argument("--dask-glm-rows", type=int, default=5_000_000, help="rows of the accuracy anchor (0: none)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threads", type=int, default=None,
                        help="cap this process's BLAS pools (the solves on the reduced sums); workers run 1 thread")
    parser.add_argument("--malloc-trim", action="store_true",
                        help="keep Dask's MALLOC_TRIM_THRESHOLD_=65536 in the workers (see start_cluster)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--libs", default=",".join(LIBRARIES), help=f"subset of {','.join(LIBRARIES)}")
    parser.add_argument("--json", type=Path, default=None, help="also write the tables here")
    args = parser.parse_args(argv)
    libs = chosen_libraries(parser, args.libs, LIBRARIES)
    limit_blas_threads(args.threads)
    if args.quick:
        args.rows, args.partition_rows, args.dask_glm_rows = 200_000, 50_000, 100_000

    report = measure(args, libs)
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    return 0

if __name__ == "__main__":
    sys.exit(main())
