"""Show a notebook's outputs on its page: each cell's displayed value, as Jupyter renders it, under its code.

A script in ``docs/examples/`` whose cells start with ``# %%`` (the "percent" notebook format) is a
notebook. Its code appears on a page as usual, as example blocks (``<!-- example: notebook.py:fit -->``,
kept equal to the script by ``inline_examples.py``). When the site is built, this hook runs the
notebook's cells in order in one namespace, as a kernel would, takes the value of each cell's last line
when it is an expression, and inserts that value's HTML (``_repr_html_``, else its escaped ``repr``)
under each block that shows part of the cell. ``python docs/hooks/notebook_outputs.py notebook.py``
prints the outputs' sizes.
"""

from __future__ import annotations

import ast
import html
import re
import sys
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

_CELL = re.compile(r"^# %%.*$", re.MULTILINE)
_START = re.compile(r"^\s*#\s*-+8<-+\s+\[\s*start\s*:\s*([a-z][-_0-9a-z]*)\s*\]\s*$", re.IGNORECASE | re.MULTILINE)
_BLOCK = re.compile(r"^<!-- example: (?P<source>[\w.-]+\.py):(?P<name>[-\w]+) -->\n```python\n.*?^```$",
                    re.MULTILINE | re.DOTALL)


def is_notebook(source: str) -> bool:
    """Whether ``docs/examples/<source>`` is split into ``# %%`` cells."""
    path = EXAMPLES / source
    return path.is_file() and _CELL.search(path.read_text(encoding="utf-8")) is not None


def display_html(value: Any) -> str:
    """What a notebook shows for ``value``: its ``_repr_html_()``, else its ``repr`` as preformatted text."""
    method = getattr(value, "_repr_html_", None)
    markup = method() if callable(method) else None
    return markup if isinstance(markup, str) else f"<pre>{html.escape(repr(value))}</pre>"


def run_cells(source: str) -> dict[str, str]:
    """Run the cells of ``docs/examples/<source>`` in order; the HTML of each cell's displayed value (``""``
    when its last statement is not an expression), keyed by the names of the sections in the cell."""
    path = EXAMPLES / source
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    outputs: dict[str, str] = {}
    for cell in _CELL.split(path.read_text(encoding="utf-8")):
        body = ast.parse(cell).body
        shown = body.pop() if body and isinstance(body[-1], ast.Expr) else None
        exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
        value = eval(compile(ast.Expression(shown.value), str(path), "eval"), namespace) if shown else None
        for name in _START.findall(cell):
            outputs[name] = "" if shown is None else display_html(value)
    return outputs


def output_block(markup: str) -> str:
    """``markup`` as a raw HTML block of the page, marked as a cell's output by a rule on its left; no blank line
    inside (Markdown would end the block there)."""
    lines = [line for line in markup.splitlines() if line.strip()]
    return ("<div class=\"notebook-output\" style=\"border-left:3px solid #c5cae9;padding:2px 0 2px 12px;"
            "margin:0 0 1.5em 0;overflow-x:auto\">\n" + "\n".join(lines) + "\n</div>")


def with_outputs(markdown: str) -> str:
    """``markdown`` with each notebook block followed by its cell's output."""
    runs: dict[str, dict[str, str]] = {}

    def add_output(match: re.Match[str]) -> str:
        source, name = match["source"], match["name"]
        if not is_notebook(source):
            return match[0]
        if source not in runs:
            runs[source] = run_cells(source)
        output = runs[source].get(name, "")
        return match[0] + ("\n\n" + output_block(output) if output else "")

    return _BLOCK.sub(add_output, markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs hook: insert the outputs of the notebooks a page shows."""
    return with_outputs(markdown)


if __name__ == "__main__":
    for script in sys.argv[1:]:
        for section, markup in run_cells(script).items():
            print(f"{script}:{section}: {len(markup)} characters of HTML")
