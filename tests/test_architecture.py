"""The package's shape is checked, not just described (docs/architecture.md, STYLE.md section 1).

- ``test_import_contract`` runs import-linter on the contract in ``pyproject.toml``
  (``[tool.importlinter]``): the layers point one way, and only ``glmgen.formula`` imports patsy.
- The AST checks read every module of ``glmgen/`` for what import-linter does not see:
  cross-subpackage imports go through the subpackage (``from ..model import Family``, never
  ``from ..model.families import Family``), no ``_private`` name crosses a subpackage, imports
  inside functions only for optional dependencies, no module over 600 lines, and no import
  cycle between the modules of one subpackage.
- ``test_mypy_strict`` runs mypy's strict flags on the lowest layers (``[tool.mypy]``).

Each checker takes the package directory, so the ``*_finds_*`` tests can show on a small
fake package that it reports what it should.
"""

from __future__ import annotations

import ast
import subprocess
import sysconfig
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "glmgen"

# Imports that may sit inside a function: optional dependencies (the test extra installs them).
OPTIONAL_DEPENDENCIES = frozenset({"sklearn"})
MAX_LINES = 600
TARGET_LINES = 500


# --------------------------------------------------------------------------- reading the package
@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "glmgen.fit.cv"; a package's __init__ is the package's name
    path: Path
    shown: str  # the path as messages show it, e.g. "glmgen/fit/cv.py"
    is_package: bool

    @property
    def unit(self) -> str:
        """The subpackage or top-level module this module belongs to ("" for the root)."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True)
class Import:
    importer: Module
    line: int
    source: str  # the module as written (absolute): `import source` or `from source import name`
    name: str | None  # the name imported from `source`; None for `import source`
    target: str  # the module this loads: `source.name` when that is a module, else `source`
    exported: bool  # `name` is bound at the top of the package `source`'s __init__
    in_function: bool
    type_checking: bool

    def where(self) -> str:
        what = self.source if self.name is None else f"{self.name} from {self.source}"
        return f"{self.importer.shown}:{self.line}: {what}"


def _modules(package: Path) -> dict[str, Module]:
    modules = {}
    for path in sorted(package.rglob("*.py")):
        shown = path.relative_to(package.parent)
        parts = list(shown.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = Module(".".join(parts), path, shown.as_posix(), is_package)
    return modules


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import statement with (node, inside a function, under ``if TYPE_CHECKING``)."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, in_function, type_checking))
        in_function = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            guarded = isinstance(node, ast.If) and _is_type_checking(node.test) and child in node.body
            visit(child, in_function, type_checking or guarded)

    visit(tree, False, False)
    return found


def _base(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` reads from."""
    if node.level == 0:
        return node.module or ""
    package = module.name.split(".")
    if not module.is_package:
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _exports(package: Module, modules: dict[str, Module]) -> dict[str, bool]:
    """Names bound at the top of a package's ``__init__``: name -> whether it is a module."""
    bound: dict[str, bool] = {}
    for node in _tree(package.path).body:
        if isinstance(node, ast.ImportFrom):
            base = _base(package, node)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{base}.{alias.name}" in modules
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[node.name] = False
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update({t.id: False for t in targets if isinstance(t, ast.Name)})
    return bound


def _imports(package: Path) -> list[Import]:
    """Every import of the package's modules, each name resolved as Python resolves it."""
    modules = _modules(package)
    found = []
    for module in modules.values():
        for node, in_function, type_checking in _import_nodes(_tree(module.path)):
            if isinstance(node, ast.Import):
                found += [
                    Import(module, node.lineno, alias.name, None, alias.name, False, in_function, type_checking)
                    for alias in node.names
                ]
                continue
            source = _base(module, node)
            exports = _exports(modules[source], modules) if source in modules and modules[source].is_package else {}
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                is_module = exports.get(alias.name, submodule in modules)
                found.append(
                    Import(
                        module, node.lineno, source, alias.name, submodule if is_module else source,
                        alias.name in exports, in_function, type_checking,
                    )
                )
    return found


def _unit_of(target: str) -> str:
    parts = target.split(".")
    return parts[1] if len(parts) > 1 else ""


# --------------------------------------------------------------------------- the checks
def check_through_subpackage(package: Path) -> list[str]:
    """Across subpackages, import what the subpackage's ``__init__`` binds: not its modules, not the root's names."""
    subpackages = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    root = package.name
    problems = []
    for imp in _imports(package):
        unit = _unit_of(imp.target)
        if imp.target.split(".")[0] != root or unit == imp.importer.unit:
            continue
        if imp.target == root:
            problems.append(f"{imp.where()} (import it from the subpackage that defines it, not from {root})")
        elif unit in subpackages and imp.target != f"{root}.{unit}" and not (
            imp.source == f"{root}.{unit}" and imp.exported
        ):
            problems.append(f"{imp.where()} (import it from {root}.{unit}, which should export it)")
    return problems


def check_private_names(package: Path) -> list[str]:
    """No ``_private`` name is imported from another subpackage or top-level module."""
    return [
        f"{imp.where()} (private name across subpackages)"
        for imp in _imports(package)
        if imp.name is not None
        and imp.name.startswith("_")
        and not imp.name.startswith("__")
        and imp.source.split(".")[0] == package.name
        and _unit_of(imp.source) != imp.importer.unit
        and imp.target != f"{package.name}.{imp.name}"  # a top-level layer such as glmgen._validation
    ]


def check_function_imports(package: Path) -> list[str]:
    """Imports inside functions only for the optional dependencies."""
    statements = {
        f"{imp.importer.shown}:{imp.line}: {imp.source}": None
        for imp in _imports(package)
        if imp.in_function and imp.source.split(".")[0] not in OPTIONAL_DEPENDENCIES
    }
    return [f"{where} (import inside a function; move it to the top of the module)" for where in statements]


def module_lengths(package: Path) -> dict[str, int]:
    return {m.shown: len(m.path.read_text(encoding="utf-8").splitlines()) for m in _modules(package).values()}


def check_cycles(package: Path) -> list[str]:
    """Cycles (strongly connected components) in each subpackage's module graph.

    Imports under ``if TYPE_CHECKING`` do not run, so they are left out, as in the contract.
    """
    modules = _modules(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for imp in _imports(package):
        target = imp.target if imp.target in modules else None
        if target and not imp.type_checking and imp.importer.unit and _unit_of(target) == imp.importer.unit:
            if target != imp.importer.name:
                graph[imp.importer.name].add(target)
    return [" -> ".join(sorted(c)) for c in _strongly_connected(graph) if len(c) > 1]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, recursive (a subpackage has a few dozen modules at most)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                connect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


# --------------------------------------------------------------------------- glmgen itself
def test_import_contract() -> None:
    """import-linter keeps every contract of pyproject.toml."""
    lint_imports = Path(sysconfig.get_path("scripts")) / "lint-imports"
    assert lint_imports.is_file(), f"{lint_imports} not found: install the test extra (pip install -e '.[test]')."
    run = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, f"import contract broken:\n{run.stdout}\n{run.stderr}"


def test_imports_go_through_subpackages() -> None:
    problems = check_through_subpackage(PACKAGE)
    assert not problems, "cross-subpackage imports that skip the subpackage:\n" + "\n".join(problems)


def test_no_private_names_across_subpackages() -> None:
    problems = check_private_names(PACKAGE)
    assert not problems, "private names imported across subpackages:\n" + "\n".join(problems)


def test_imports_inside_functions_only_for_optional_dependencies() -> None:
    problems = check_function_imports(PACKAGE)
    assert not problems, (
        f"imports inside functions (allowed only for {sorted(OPTIONAL_DEPENDENCIES)}):\n" + "\n".join(problems)
    )


def test_module_size() -> None:
    """No module over 600 lines; those over the 500-line target are named (and warned about)."""
    lengths = module_lengths(PACKAGE)
    over = {path: n for path, n in sorted(lengths.items()) if n > TARGET_LINES}
    too_long = [f"{path}: {n} lines" for path, n in over.items() if n > MAX_LINES]
    near = [f"{path}: {n} lines" for path, n in over.items() if n <= MAX_LINES]
    if near:
        warnings.warn(f"modules over the {TARGET_LINES}-line target: {', '.join(near)}", UserWarning, stacklevel=1)
    assert not too_long, (
        f"modules over {MAX_LINES} lines (split them):\n" + "\n".join(too_long)
        + f"\nover the {TARGET_LINES}-line target: " + (", ".join(near) or "none")
    )


def test_no_cycles_inside_subpackages() -> None:
    cycles = check_cycles(PACKAGE)
    assert not cycles, "import cycles between modules of one subpackage:\n" + "\n".join(cycles)


def test_mypy_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy with the --strict flags on the lowest layers (model, matrices, formula, solvers; pyproject.toml).

    The paths and the cache (.mypy_cache) in the configuration are relative to the repository root;
    a warm cache keeps this to a few seconds.
    """
    from mypy import api as mypy_api  # heavy; only this test needs it

    monkeypatch.chdir(ROOT)
    stdout, stderr, status = mypy_api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-pretty"])
    assert status == 0, f"mypy found type errors:\n{stdout}{stderr}"


# --------------------------------------------------------------------------- the checkers can fail
FAKE = {
    "__init__.py": "from .api import run\n",
    "api.py": (
        "from .core.engine import step\nfrom .core import _secret\nfrom . import errors\n"
        "from .core import helpers\nfrom .core import extra\n"
    ),
    "_tools.py": "",
    "errors.py": "class Oops(ValueError):\n    pass\n",
    "core/__init__.py": "from .engine import step\nfrom . import helpers\n_secret = 1\n",
    "core/engine.py": "from .helpers import h\n\ndef step():\n    import json\n    from sklearn import base\n",
    "core/helpers.py": "from typing import TYPE_CHECKING\nfrom .engine import step\nif TYPE_CHECKING:\n    from .extra import E\n",
    "core/extra.py": "from .helpers import h\nfrom .. import run\nfrom .. import _tools\n",
}


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    package = tmp_path / "fakepkg"
    for name, text in FAKE.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_through_subpackage_finds_module_and_root_imports(fake: Path) -> None:
    """A module the subpackage exports (helpers) may be imported; one it does not export (extra) may not."""
    problems = check_through_subpackage(fake)
    assert [p.split(" (")[0] for p in problems] == [
        "fakepkg/api.py:1: step from fakepkg.core.engine",
        "fakepkg/api.py:5: extra from fakepkg.core",
        "fakepkg/core/extra.py:2: run from fakepkg",
    ]


def test_private_names_finds_the_private_import(fake: Path) -> None:
    """A private top-level layer module (_tools, like glmgen._validation) may be imported; _secret may not."""
    assert [p.split(" (")[0] for p in check_private_names(fake)] == ["fakepkg/api.py:2: _secret from fakepkg.core"]


def test_function_imports_allows_only_optional_dependencies(fake: Path) -> None:
    assert [p.split(" (")[0] for p in check_function_imports(fake)] == ["fakepkg/core/engine.py:4: json"]


def test_cycles_finds_the_runtime_cycle_only(fake: Path) -> None:
    """engine <-> helpers is a cycle; helpers -> extra runs only under TYPE_CHECKING, so no second one."""
    assert check_cycles(fake) == ["fakepkg.core.engine -> fakepkg.core.helpers"]


def test_module_lengths_counts_lines(fake: Path) -> None:
    assert module_lengths(fake)["fakepkg/core/engine.py"] == 5
