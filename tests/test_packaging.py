"""Packaging: the wheel built from this tree is complete on its own, installs and imports without warnings.

The wheel is built from a copy of what a build reads (``pyproject.toml``, ``README.md``, ``LICENSE``, ``glmgen/``), so
nothing of the working tree (``build/``, ``tests/``, the editable install) can stand in for a missing file.
It is installed with its declared dependencies only (resolved by pip, from its cache after ``make test``'s
install) into a new virtual environment without this one's packages, and ``glmgen demo`` runs there from a
directory outside the repository. About 50 s on 2 idle cores, half of it pip installing the dependencies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement

import glmgen

ROOT = Path(__file__).resolve().parents[1]
#: what setuptools reads to build the wheel
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "glmgen")
#: files of the source package that are build by-products, not package files (bytecode, numba's cache)
NOT_SHIPPED = re.compile(r"(^|/)__pycache__/|\.py[co]$|\.nb[ic]$")
TEMPLATE = "glmgen/render/templates/report.html.j2"
LICENSE = "BSD-3-Clause"
#: what pip or setuptools print when the project uses something on its way out
DEPRECATION = re.compile(r"deprecat|SetuptoolsWarning|BuildBackendWarning", re.IGNORECASE)
TIMEOUT = 300


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd`` with no PYTHONPATH or PYTHONWARNINGS of ours leaking in."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONWARNINGS")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def _deprecations(log: str) -> list[str]:
    return [line for line in log.splitlines() if DEPRECATION.search(line)]


class Built(NamedTuple):
    wheel: Path
    log: str  # pip's verbose log of the build: the backend's warnings
    source: Path  # the copy of the build inputs it was built from


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The wheel pip builds from a copy of the build inputs."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in BUILD_INPUTS:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", "*.nb[ic]"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    run = _run([sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--wheel-dir", str(work / "dist"),
                str(source)], cwd=work)
    assert run.returncode == 0, f"pip wheel failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    (wheel,) = (work / "dist").glob("glmgen-*.whl")
    return Built(wheel, run.stdout + run.stderr, source)


@pytest.fixture(scope="module")
def venv(built: Built, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A new virtual environment (no system site-packages) with the wheel and its declared dependencies only,
    and pip's stderr."""
    work = tmp_path_factory.mktemp("venv")
    run = _run([sys.executable, "-m", "venv", "--without-pip", str(work / "env")], cwd=work)
    assert run.returncode == 0, run.stderr
    python = work / "env" / "bin" / "python"
    run = _run([sys.executable, "-m", "pip", "--python", str(python), "install", str(built.wheel)], cwd=work)
    assert run.returncode == 0, f"pip install of the wheel failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return python, run.stderr


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A working directory outside the repository (so ``import glmgen`` cannot find the source tree)."""
    assert ROOT not in tmp_path.resolve().parents
    return tmp_path


def test_wheel_ships_every_package_file(built: Built) -> None:
    """Every module and data file of ``glmgen/`` (the report template among them) is in the wheel, and nothing
    from outside the package is (no tests/, benchmarks/, docs/)."""
    wheel = built.wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    source = {path.relative_to(ROOT).as_posix() for path in (ROOT / "glmgen").rglob("*") if path.is_file()}
    package_files = {name for name in source if not NOT_SHIPPED.search(name)}
    assert TEMPLATE in package_files and "glmgen/cli.py" in package_files
    missing = sorted(package_files - names)
    assert not missing, f"files of glmgen/ missing from {wheel.name}: {missing}"
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"glmgen", f"glmgen-{glmgen.__version__}.dist-info"}, sorted(tops)
    stray = sorted(name for name in names if NOT_SHIPPED.search(name))
    assert not stray, f"build by-products in the wheel: {stray}"


def test_build_and_install_print_no_deprecation(built: Built, venv: tuple[Path, str],
                                                tmp_path: Path) -> None:
    """Neither setuptools building the wheel (verbose log), nor pip installing it, nor pip's editable install
    (``make``'s) warns of a deprecation (``project.license`` as a table, ...) or anything else the backend says."""
    _, install_log = venv
    run = _run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    editable = _run([sys.executable, "-m", "pip", "--python", str(tmp_path / "env" / "bin" / "python"), "install",
                     "--no-deps", "--editable", str(built.source)], cwd=tmp_path)
    assert editable.returncode == 0, editable.stderr[-3000:]
    for step, log in (("build", built.log), ("install", install_log), ("editable install", editable.stderr)):
        assert not _deprecations(log), f"{step}:\n" + "\n".join(_deprecations(log))


def test_installed_metadata(venv: tuple[Path, str], outside: Path) -> None:
    """``importlib.metadata`` in the new environment: the SPDX licence expression (no legacy licence field or
    classifier), the version of ``glmgen.__version__``, the console script, and every dependency and extra
    bounded on both sides (``>=`` a tested minimum, ``<`` the next incompatible release), none pinned."""
    python, _ = venv
    script = ("import importlib.metadata as m, json; d = m.distribution('glmgen'); import glmgen; "
              "print(json.dumps({'meta': {k: d.metadata.get_all(k) for k in set(d.metadata.keys())}, "
              "'version': glmgen.__version__, 'file': glmgen.__file__, "
              "'scripts': [e.value for e in d.entry_points if e.group == 'console_scripts']}))")
    run = _run([str(python), "-c", script], cwd=outside)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    meta = found["meta"]
    assert Path(found["file"]).is_relative_to(python.parents[1]), found["file"]
    assert meta["License-Expression"] == [LICENSE]
    assert meta.get("License-File") == ["LICENSE"]  # the licence text ships with the wheel, as BSD-3 requires
    assert "License" not in meta and not any(c.startswith("License ::") for c in meta.get("Classifier", []))
    assert meta["Version"] == [found["version"]] == [glmgen.__version__]
    assert meta["Requires-Python"] == [">=3.11"]
    assert found["scripts"] == ["glmgen.cli:main"]
    requirements = [Requirement(line) for line in meta["Requires-Dist"]]
    assert {"numpy", "pandas", "scipy", "numba"} <= {r.name for r in requirements}
    for requirement in requirements:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement}: want '>=tested_min,<next_incompatible'"


def test_import_with_warnings_as_errors(venv: tuple[Path, str], outside: Path) -> None:
    """``python -W error -c 'import glmgen'`` (every warning an error, so ``-W error::DeprecationWarning`` too)
    is silent in the new environment (base dependencies only) and in this one (with the optional ones:
    scikit-learn, pyarrow, Dask DataFrame), ``glmgen.sklearn`` included."""
    python, _ = venv
    for interpreter, modules in ((str(python), "glmgen"), (sys.executable, "glmgen, glmgen.sklearn")):
        run = _run([interpreter, "-W", "error", "-c", f"import {modules}"], cwd=outside)
        assert run.returncode == 0 and not run.stderr, f"{interpreter} -W error:\n{run.stderr[-3000:]}"


def test_demo_runs_from_the_installed_wheel(venv: tuple[Path, str], outside: Path) -> None:
    """``glmgen demo`` (the console script, a few bootstrap replicates) writes the HTML report from the template
    in the wheel, outside the repository; ``python -m glmgen`` answers too."""
    python, _ = venv
    glmgen_script = python.parent / "glmgen"
    run = _run([str(glmgen_script), "demo", "--n-boot", "4", "--boot-folds", "2", "--n-jobs", "1",
                "--no-progress", "-o", "report.html"], cwd=outside)
    assert run.returncode == 0, f"glmgen demo failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    html = (outside / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>RAND Health Insurance Experiment" in html
    assert "from 4 replicates" in run.stdout
    run = _run([str(python), "-m", "glmgen", "--help"], cwd=outside)
    assert run.returncode == 0 and "{fit,report,shift,demo}" in run.stdout, run.stderr
