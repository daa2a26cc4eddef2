"""adelie's own virtual environment, shared by the benchmarks that run adelie.

adelie (``pip install adelie``) pins numpy < 2, so it cannot share the
project's environment: the benchmarks run it from ``benchmarks/.venv-adelie``,
which :func:`setup` creates (``--setup-adelie`` on the scripts that use it).
Only the standard library is imported here: the benchmark scripts' worker
processes import this module under either interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["VENV", "interpreter", "setup", "version"]

#: Where the adelie environment lives.
VENV = Path(__file__).resolve().parent / ".venv-adelie"
#: What goes into it (adelie brings its numpy < 2; scipy for the sparse matrices).
PACKAGES = ("adelie", "scipy")


def interpreter() -> str | None:
    """The adelie environment's ``python``, or ``None`` when :func:`setup` has not been run."""
    python = VENV / "bin" / "python"
    return str(python) if python.exists() else None


def setup() -> int:
    """Create ``benchmarks/.venv-adelie`` (if missing) and install adelie and scipy into it; pip's exit status."""
    if interpreter() is None:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    python = str(VENV / "bin" / "python")
    return subprocess.run([python, "-m", "pip", "install", "--quiet", *PACKAGES], check=False).returncode


def version() -> str:
    """adelie's version in its environment, ``"no venv"`` or ``"missing"``, for the benchmarks' footers."""
    python = interpreter()
    if python is None:
        return "no venv"
    result = subprocess.run([python, "-c", "import adelie; print(adelie.__version__)"],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() or "missing"
