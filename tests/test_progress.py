"""The progress-bar rule of :mod:`glmgen._progress` and the bar of :func:`glmgen._parallel.deterministic_map`.

``progress=True`` shows a bar at once wherever stderr goes, ``False`` never, ``None`` on a terminal or in a
Jupyter kernel only, after a delay, and never inside a parallel task or under a hidden bar. Bars are drawn at
every update (``progress_fixtures.drawn_bars``), so the final count can be read from stderr.
"""

from __future__ import annotations

import io
import subprocess
import sys
import types

import pytest

from glmgen import InvalidParameterError, _progress
from glmgen._parallel import deterministic_map
from glmgen._progress import (
    HIDDEN,
    check_progress,
    in_notebook,
    progress_bar,
    quiet,
    rename,
    shows,
)

pytest_plugins = ["progress_fixtures"]
pytestmark = pytest.mark.usefixtures("drawn_bars")


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def fake_ipython(monkeypatch, shell_name: str | None) -> None:
    """Plant an ``IPython`` module whose ``get_ipython()`` returns an instance of a class called ``shell_name``
    (``None``: no shell, as in a plain Python process that imported IPython)."""
    shell = None if shell_name is None else type(shell_name, (), {})()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))


def test_explicit_true_shows_at_once_with_description_and_total(capsys):
    with progress_bar(True, 4, "demo", unit="fit") as bar:
        for _ in range(4):
            bar.update(1)
    err = capsys.readouterr().err
    assert "glmgen demo" in err and "4/4" in err and "fit" in err


def test_explicit_false_and_auto_off_a_terminal_write_nothing(capsys):
    for progress in (False, None):  # capsys's stderr is not a terminal
        with progress_bar(progress, 3, "demo") as bar:
            bar.update(3)
        assert bar is HIDDEN
    assert capsys.readouterr().err == ""


def test_auto_on_a_terminal_waits_before_drawing(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert shows(None)
    with progress_bar(None, 3, "demo") as bar:
        bar.update(3)  # done well within the delay
    assert bar is not HIDDEN and bar.delay == _progress.AUTO_DELAY
    assert terminal.getvalue() == ""


def test_renaming_draws_a_shown_bar_but_not_one_within_its_delay(monkeypatch, capsys):
    with progress_bar(True, 2, "report", unit="step") as bar:
        rename(bar, "report: split")
        assert "glmgen report: split:   0%" in capsys.readouterr().err
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(None, 2, "report") as bar:
        rename(bar, "report: split")
        bar.update(1)
    assert terminal.getvalue() == ""


def test_automatic_bars_stay_hidden_inside_quiet_blocks_and_hidden_bars(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    with quiet():
        assert not shows(None)
        assert shows(True)
    with progress_bar(False, 2, "outer"):
        assert not shows(None)
    assert shows(None)


@pytest.mark.parametrize("value", ["yes", 1, 0.0])
def test_progress_must_be_true_false_or_none(value):
    with pytest.raises(InvalidParameterError, match="progress="):
        check_progress(value)


def test_notebook_detected_from_the_ipython_shell_class(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not in_notebook()
    fake_ipython(monkeypatch, None)
    assert not in_notebook()
    fake_ipython(monkeypatch, "TerminalInteractiveShell")  # IPython in a terminal: its stderr decides
    assert not in_notebook()
    fake_ipython(monkeypatch, "ZMQInteractiveShell")
    assert in_notebook()


def test_a_notebook_shows_automatic_bars_with_the_notebook_bar_class(monkeypatch):
    fake_ipython(monkeypatch, "ZMQInteractiveShell")
    made = []

    class Recorder:
        def __init__(self, **options):
            made.append(options)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(_progress, "auto_tqdm", Recorder)
    assert shows(None)  # capsys-free stderr is not a terminal here, the kernel decides
    with progress_bar(None, 5, "cv", unit="fold") as bar:
        assert isinstance(bar, Recorder)
    assert made == [dict(total=5, desc="glmgen cv", unit="fold", file=sys.stderr, leave=False,
                         delay=_progress.AUTO_DELAY, dynamic_ncols=True)]


def _square(x: int) -> int:
    return x * x


def _shows_automatic() -> bool:
    return shows(None)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_deterministic_map_advances_the_bar_by_task_sizes(capsys, n_jobs):
    tasks = [(i,) for i in range(5)]
    with progress_bar(True, 15, "map") as bar:
        shown = deterministic_map(_square, tasks, n_jobs, bar=bar, sizes=[1, 2, 3, 4, 5])
    assert shown == deterministic_map(_square, tasks, n_jobs) == [0, 1, 4, 9, 16]
    assert "15/15" in capsys.readouterr().err


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_tasks_of_a_parallel_map_hide_automatic_bars(monkeypatch, n_jobs):
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert shows(None)
    assert deterministic_map(_shows_automatic, [(), ()], n_jobs) == [False, False]


IMPORT_IN_A_KERNEL_WITHOUT_IPYWIDGETS = """
import sys, types, warnings
class ZMQInteractiveShell:  # the class of get_ipython() in a Jupyter kernel
    pass
ipython = types.ModuleType("IPython")
ipython.get_ipython = ZMQInteractiveShell
sys.modules["IPython"] = ipython
sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")
sys.modules["ipywidgets"] = None  # not installed
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import tqdm.autonotebook  # tqdm's own notebook check warns here ...
    assert any("IProgress not found" in str(w.message) for w in caught), caught
    del sys.modules["tqdm.autonotebook"]
    caught.clear()
    import glmgen  # ... glmgen's import of it must not
print([str(w.message) for w in caught])
"""


def test_importing_glmgen_in_a_kernel_without_ipywidgets_does_not_warn():
    result = subprocess.run([sys.executable, "-c", IMPORT_IN_A_KERNEL_WITHOUT_IPYWIDGETS], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
