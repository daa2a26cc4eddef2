"""Progress bars: one rule for when they show, one way to make them.

Every long operation takes ``progress: bool | None``:

- ``None`` (auto): a bar shows when stderr is a terminal or the code runs in
  a Jupyter kernel, and only once the operation has run for
  :data:`AUTO_DELAY` seconds, so quick calls never flash a bar; it never
  shows inside a task of :func:`glmgen._parallel.deterministic_map` (a
  bootstrap replicate's CV, a worker process), where it would draw over the
  caller's bar, nor inside an operation whose own bar is hidden (``gg.report(progress=False)``
  silences every step);
- ``True``: a bar shows at once, wherever stderr goes (logs, tests);
- ``False``: never.

Bars are tqdm bars on stderr (tqdm's notebook widget in a Jupyter kernel, when
ipywidgets is installed) named ``glmgen <operation>``; they disappear when the
operation ends (``leave=False``), so bars nested in another (the report's CV)
leave no trace. A hidden bar is :data:`HIDDEN`, whose ``update`` does nothing.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Protocol

from tqdm import TqdmWarning
from tqdm import tqdm as terminal_tqdm

# tqdm.auto warns when imported in a Jupyter kernel without ipywidgets (its text bar then serves): importing
# glmgen must not warn
with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm as auto_tqdm

from .errors import InvalidParameterError

#: seconds an operation runs before an automatic bar appears
AUTO_DELAY = 2.0
#: set inside parallel tasks and hidden bars (:func:`quiet`): automatic bars stay hidden there
_QUIET: ContextVar[bool] = ContextVar("glmgen_progress_quiet", default=False)


class Bar(Protocol):
    """What the loops use of a bar: advance it by ``n`` units; rename it."""

    def update(self, n: int = 1) -> Any: ...

    def set_description(self, desc: str, refresh: bool = True) -> Any: ...


class _HiddenBar:
    """The bar of a hidden progress display: every call does nothing."""

    def update(self, n: int = 1) -> None:
        return None

    def set_description(self, desc: str, refresh: bool = True) -> None:
        return None


HIDDEN: Bar = _HiddenBar()


def check_progress(progress: Any) -> bool | None:
    """``progress=``: ``True``, ``False`` or ``None`` (automatic)."""
    if progress is None or isinstance(progress, bool):
        return progress
    raise InvalidParameterError(
        f"progress={progress!r} must be True (show progress bars), False (never) or None (automatic: on a terminal "
        "or in a notebook)."
    )


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython's shell there is ``ZMQInteractiveShell``); looked up in
    ``sys.modules``, so IPython is never imported."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    return type(get_ipython()).__name__ == "ZMQInteractiveShell"


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty is not None and isatty())


def shows(progress: bool | None) -> bool:
    """Whether a bar with this ``progress=`` shows (the module's rule; ``None`` is automatic)."""
    if check_progress(progress) is not None:
        return bool(progress)
    return not _QUIET.get() and (_stderr_is_terminal() or in_notebook())


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Hide automatic bars inside the block (each task of a parallel map runs in one)."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


@contextlib.contextmanager
def progress_bar(progress: bool | None, total: int | None, description: str, unit: str = "it") -> Iterator[Bar]:
    """A bar named ``glmgen <description>`` over ``total`` units (``None``: a count without a total), or
    :data:`HIDDEN` when ``progress`` says so (module notes); closed when the block ends."""
    if not shows(progress):
        with quiet():  # the automatic bars of the work inside stay hidden too
            yield HIDDEN
        return
    make = auto_tqdm if in_notebook() else terminal_tqdm
    delay = 0.0 if progress else AUTO_DELAY
    with make(total=total, desc=f"glmgen {description}", unit=unit, file=sys.stderr, leave=False,
              delay=delay, dynamic_ncols=True) as bar:
        yield bar


def rename(bar: Bar, description: str) -> None:
    """Name ``bar`` ``glmgen <description>``, redrawn now unless it is still waiting out its delay (a rename must
    not make an automatic bar appear early)."""
    waiting = time.time() < getattr(bar, "start_t", 0.0) + getattr(bar, "delay", 0.0)
    bar.set_description(f"glmgen {description}", refresh=not waiting)
