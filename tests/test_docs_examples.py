"""Every script in ``docs/examples/`` runs: the code shown in the documentation cannot rot.

The documentation pages include their code blocks from these scripts
(``pymdownx.snippets``), and each script asserts the numbers and identities
its page states. Each runs in-process, in a temporary working directory
(scripts write model files and figures to the current directory), with
matplotlib's non-interactive backend. Scripts whose name starts with ``_``
are helpers and are skipped.
"""

from __future__ import annotations

import runpy
import warnings
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def test_examples_exist() -> None:
    """The directory is found and holds the worked examples the site links to."""
    names = {p.name for p in SCRIPTS}
    assert {"randhie_poisson.py", "star98_binomial.py", "statecrime_gaussian.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script runs to the end without an exception; its own asserts check what the page claims."""
    pytest.importorskip("statsmodels.datasets")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    with warnings.catch_warnings():
        # glmgen's own warnings (dropped rows, convergence) are part of what some pages show.
        warnings.simplefilter("ignore")
        runpy.run_path(str(script), run_name="__main__")
    import matplotlib.pyplot as plt

    plt.close("all")
