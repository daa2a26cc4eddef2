"""Wall-clock timing with an explicit, separately reported first call.

The first call of a numba-backed library includes JIT compilation (or loading
the on-disk cache), so it is timed and reported on its own (``first``) and
never enters the median.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TimingResult", "chosen_libraries", "limit_blas_threads", "time_call"]


@dataclass(frozen=True)
class TimingResult:
    """Timings of one callable, in seconds.

    Attributes
    ----------
    first : float
        Time of the very first call (a warm-up call when ``warmup >= 1``, so it
        includes JIT compilation and first-touch costs).
    median : float
        Median of the timed repeats (``all``).
    all : tuple of float
        The timed repeats, in order; warm-up calls are not included.
    value : Any
        What the last call returned (so callers can check the result without
        another, untimed, call).
    """

    first: float
    median: float
    all: tuple[float, ...]
    value: Any = None

    @property
    def min(self) -> float:
        """Fastest timed repeat."""
        return min(self.all)


def _timed(fn: Callable[[], Any], disable_gc: bool) -> tuple[float, Any]:
    gc.collect()
    gc_was_enabled = gc.isenabled()
    if disable_gc:
        gc.disable()
    try:
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
    finally:
        if disable_gc and gc_was_enabled:
            gc.enable()
    return elapsed, value


def time_call(
    fn: Callable[[], Any],
    repeats: int = 5,
    warmup: int = 1,
    *,
    disable_gc: bool = True,
) -> TimingResult:
    """Time ``fn()``: ``warmup`` untimed-for-the-median calls, then ``repeats`` timed calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments.
    repeats : int
        Number of timed calls (>= 1); ``median`` and ``all`` come from these.
    warmup : int
        Number of warm-up calls before the repeats (>= 0). ``first`` is the
        duration of the first warm-up call; with ``warmup=0`` it is the first
        timed repeat.
    disable_gc : bool
        Run ``gc.collect()`` before each call and keep the cyclic garbage
        collector off during it, as :mod:`timeit` does.

    Returns
    -------
    TimingResult
    """
    if repeats < 1:
        raise ValueError(f"time_call needs repeats >= 1, got repeats={repeats}.")
    if warmup < 0:
        raise ValueError(f"time_call needs warmup >= 0, got warmup={warmup}.")

    first: float | None = None
    value: Any = None
    for _ in range(warmup):
        elapsed, value = _timed(fn, disable_gc)
        if first is None:
            first = elapsed

    times: list[float] = []
    for _ in range(repeats):
        elapsed, value = _timed(fn, disable_gc)
        times.append(elapsed)
    if first is None:
        first = times[0]
    return TimingResult(
        first=first, median=statistics.median(times), all=tuple(times), value=value
    )


def package_versions(names: tuple[str, ...]) -> str:
    """``"numpy 2.4.6, glum not installed, ..."``: the installed version of each distribution in ``names``."""
    def installed(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return ", ".join(f"{name} {installed(name)}" for name in names)


def chosen_libraries(parser: argparse.ArgumentParser, given: str, libraries: tuple[str, ...]) -> list[str]:
    """The libraries of a comma-separated ``--libs`` value, refusing (through ``parser``) names not in ``libraries``."""
    chosen = [name for name in given.split(",") if name]
    unknown = sorted(set(chosen) - set(libraries))
    if unknown:
        parser.error(f"--libs: unknown {', '.join(unknown)}; choose from {', '.join(libraries)}")
    return chosen


def limit_blas_threads(threads: int | None) -> None:
    """Cap this process's BLAS pools at ``threads`` (``--threads``; nothing when ``None`` or 0)."""
    if threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
