"""The documentation pages show their code inline, equal to the sections of ``docs/examples/`` scripts that
``tests/test_docs_examples.py`` runs (``docs/hooks/inline_examples.py`` copies them in).

The copying itself is checked on small hand-written pages and scripts with expected strings; the real pages
are then checked against the real scripts.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "docs" / "hooks" / "inline_examples.py"
PAGE_BLOCK = re.compile(r"^([ \t]*)<!-- example: ([\w.-]+\.py):([-\w]+) -->\n\1```python\n(.*?)^\1```$",
                        re.MULTILINE | re.DOTALL)


def _load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("inline_examples", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()

SCRIPT = """import glmgen as gg

# --8<-- [start:fit]
fit = gg.glm("y ~ x", data)
# --8<-- [start:inner]
print(fit)
# --8<-- [end:inner]
# --8<-- [end:fit]

def f():
    # --8<-- [start:body]
    return 1
    # --8<-- [end:body]
"""


@pytest.fixture()
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "demo.py").write_text(SCRIPT, encoding="utf-8")
    monkeypatch.setattr(hook, "EXAMPLES", tmp_path)
    return tmp_path


def test_a_section_is_its_lines_without_other_markers_dedented(examples: Path) -> None:
    assert hook.section("demo.py", "fit") == 'fit = gg.glm("y ~ x", data)\nprint(fit)'
    assert hook.section("demo.py", "body") == "return 1"
    with pytest.raises(KeyError, match=r"docs/examples/demo.py has no section 'missing'"):
        hook.section("demo.py", "missing")


def test_includes_become_inline_blocks_and_stale_blocks_are_rewritten(examples: Path) -> None:
    page = ("Text.\n\n```python\n--8<-- \"demo.py:body\"\n```\n\n"
            "!!! note\n    <!-- example: demo.py:fit -->\n    ```python\n    old code\n    ```\n")
    expected = ("Text.\n\n<!-- example: demo.py:body -->\n```python\nreturn 1\n```\n\n"
                "!!! note\n    <!-- example: demo.py:fit -->\n    ```python\n    fit = gg.glm(\"y ~ x\", data)\n"
                "    print(fit)\n    ```\n")
    assert hook.inline(page) == expected
    assert hook.inline(expected) == expected  # up-to-date pages are left as they are


def test_stale_pages_are_found_and_rewritten(examples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the MkDocs hook stops the build on (``make docs`` runs the hook itself): a page whose block differs
    from its script is stale until the rewrite."""
    docs = examples / "site-docs"
    docs.mkdir()
    (docs / "page.md").write_text("<!-- example: demo.py:body -->\n```python\nreturn 2\n```\n", encoding="utf-8")
    monkeypatch.setattr(hook, "DOCS", docs)
    assert hook.stale_pages() == [docs / "page.md"]
    assert hook.main(["--check"]) == 1
    assert hook.main([str(docs / "page.md")]) == 0
    assert hook.stale_pages() == []  # up to date after the rewrite
    assert hook.main(["--check"]) == 0


PAGES = sorted((ROOT / "docs").rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_pages_show_the_code_of_the_scripts_inline(page: Path) -> None:
    """No ``--8<--`` include is left, and every example block equals its script's section."""
    text = page.read_text(encoding="utf-8")
    assert '--8<-- "' not in text, (f"{page.name} includes code with --8<--; run python docs/hooks/inline_examples.py "
                                    f"docs/{page.relative_to(ROOT / 'docs')} to show it inline")
    for indent, source, name, code in PAGE_BLOCK.findall(text):
        shown = "\n".join(line[len(indent):] for line in code.rstrip("\n").splitlines())
        assert shown == hook.section(source, name), f"{page.name}: the block {source}:{name} is out of date"


def test_the_worked_examples_show_code() -> None:
    """The pages that used to include code now carry it (the block pattern finds them)."""
    for name in ("getting-started.md", "examples/randhie-poisson.md", "families.md"):
        assert PAGE_BLOCK.search((ROOT / "docs" / name).read_text(encoding="utf-8")), name
