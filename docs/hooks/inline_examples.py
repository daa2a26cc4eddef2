"""Keep the code shown on the documentation pages equal to the example scripts that run it.

The pages show their code inline, so they read the same on the repository
as on the site. Each such block is announced by a comment naming its source,
a section of a script in ``docs/examples/`` (marked there by
``# --8<-- [start:name]`` and ``# --8<-- [end:name]``)::

    <!-- example: getting_started.py:fit -->
    ```python
    (the section, dedented)
    ```

``python docs/hooks/inline_examples.py [PAGE.md ...]`` rewrites the blocks
of the pages named (default: every page) from the scripts, and turns any
``--8<-- "script.py:name"`` include into such a block; ``--check`` only
lists the pages that are out of date. As an MkDocs hook (``hooks:`` in
``mkdocs.yml``) it fails the build when a page is out of date;
``tests/render/test_docs_snippets.py`` checks the pages independently.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent
EXAMPLES = DOCS / "examples"

_SECTION = re.compile(r"^\s*#\s*-+8<-+\s+\[\s*(start|end)\s*:\s*([a-z][-_0-9a-z]*)\s*\]\s*$", re.IGNORECASE)
_MARKED_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)<!-- example: (?P<source>[\w.-]+\.py):(?P<name>[-\w]+) -->\n"
    r"(?P=indent)```python\n(?P<code>.*?)^(?P=indent)```$", re.MULTILINE | re.DOTALL)
_INCLUDE_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)```python\n(?P=indent)--8<-- \"(?P<source>[\w.-]+\.py):(?P<name>[-\w]+)\"\n"
    r"(?P=indent)```$", re.MULTILINE)


def section(source: str, name: str) -> str:
    """The lines of ``docs/examples/<source>`` between its ``start:name`` and ``end:name`` markers, dedented,
    other section markers left out (as ``pymdownx.snippets`` with ``dedent_subsections``)."""
    lines, inside, found = [], False, False
    for line in (EXAMPLES / source).read_text(encoding="utf-8").splitlines():
        marker = _SECTION.match(line)
        if marker and marker.group(2) == name:
            if marker.group(1).lower() == "end" and inside:
                break
            inside = found = True
        elif inside and not marker:
            lines.append(line)
    if not found:
        raise KeyError(f"docs/examples/{source} has no section {name!r} (expected a line '# --8<-- [start:{name}]').")
    return textwrap.dedent("\n".join(lines)).strip("\n")


def code_block(indent: str, source: str, name: str) -> str:
    """The marker comment and fenced block showing ``source:name``, every line indented by ``indent``."""
    code = "\n".join(indent + line if line else "" for line in section(source, name).splitlines())
    return f"{indent}<!-- example: {source}:{name} -->\n{indent}```python\n{code}\n{indent}```"


def inline(text: str) -> str:
    """``text`` with every example block rewritten from its script and every ``--8<--`` include inlined."""
    def replace(match: re.Match[str]) -> str:
        return code_block(match["indent"], match["source"], match["name"])

    return _MARKED_BLOCK.sub(replace, _INCLUDE_BLOCK.sub(replace, text))


def pages() -> list[Path]:
    """Every Markdown page of the documentation."""
    return sorted(DOCS.rglob("*.md"))


def stale_pages() -> list[Path]:
    """The pages whose example blocks differ from their scripts (or that still hold ``--8<--`` includes)."""
    return [page for page in pages() if inline(text := page.read_text(encoding="utf-8")) != text]


def on_pre_build(config: Any, **kwargs: Any) -> None:
    """MkDocs hook: stop the build when a page's code is out of date."""
    from mkdocs.exceptions import PluginError  # only when run by MkDocs

    stale = stale_pages()
    if stale:
        names = ", ".join(str(page.relative_to(DOCS)) for page in stale)
        raise PluginError(f"The code blocks of {names} differ from docs/examples/: run "
                          "python docs/hooks/inline_examples.py to copy the scripts' sections into the pages.")


def main(argv: list[str]) -> int:
    """Rewrite the pages named in ``argv`` (default: every page); with ``--check``, only list the stale pages
    and return 1 if there are any."""
    if "--check" in argv:
        stale = stale_pages()
        for page in stale:
            print(f"out of date: {page.relative_to(DOCS)}")
        return 1 if stale else 0
    for page in [Path(arg).resolve() for arg in argv if arg.endswith(".md")] or pages():
        text = page.read_text(encoding="utf-8")
        if (new := inline(text)) != text:
            page.write_text(new, encoding="utf-8")
            print(f"updated: {page.relative_to(DOCS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
