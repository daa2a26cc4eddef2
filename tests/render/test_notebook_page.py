"""The "In a notebook" page: ``docs/hooks/notebook_outputs.py`` runs ``docs/examples/notebook.py`` cell by cell
and puts each displayed value's HTML under its code block; every cell the page shows produces HTML."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from html_tags import start_tags

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "notebook.md"


def _load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebook_outputs", ROOT / "docs" / "hooks" / "notebook_outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()

NOTEBOOK = '''"""A small notebook."""
# %% one
# --8<-- [start:first]
x = 2 + 3
x
# --8<-- [end:first]

# %% two
# --8<-- [start:second]
y = "<b>&"
# --8<-- [end:second]
y

# %% three
# --8<-- [start:third]
z = x * 2
# --8<-- [end:third]
'''

PAGE_TEXT = """# Demo

<!-- example: nb.py:first -->
```python
x = 2 + 3
x
```

<!-- example: nb.py:third -->
```python
z = x * 2
```

<!-- example: plain.py:code -->
```python
print(1)
```
"""


@pytest.fixture()
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "nb.py").write_text(NOTEBOOK, encoding="utf-8")
    (tmp_path / "plain.py").write_text("# --8<-- [start:code]\nprint(1)\n# --8<-- [end:code]\n", encoding="utf-8")
    monkeypatch.setattr(hook, "EXAMPLES", tmp_path)
    return tmp_path


def test_cells_run_in_one_namespace_and_show_their_last_expression(examples: Path) -> None:
    outputs = hook.run_cells("nb.py")
    assert outputs == {"first": "<pre>5</pre>", "second": "<pre>&#x27;&lt;b&gt;&amp;&#x27;</pre>", "third": ""}


def test_outputs_follow_the_notebook_blocks_only(examples: Path) -> None:
    text = hook.with_outputs(PAGE_TEXT)
    assert text.count("notebook-output") == 1  # the third cell shows nothing, plain.py is not a notebook
    assert re.search(r"^x\n```\n\n<div class=\"notebook-output\"[^>]*>\n<pre>5</pre>\n</div>$", text, re.MULTILINE)
    assert text.endswith("print(1)\n```\n")


def test_every_cell_of_the_page_produces_html(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = re.findall(r"<!-- example: notebook\.py:([-\w]+) -->", PAGE.read_text(encoding="utf-8"))
    assert shown == ["load", "fit", "path", "cv", "bootstrap", "stepwise", "compare", "generalization"]
    outputs = hook.run_cells("notebook.py")
    for name in shown:
        tags = start_tags(outputs[name])
        assert "table" in tags, name
        assert not {"html", "body", "script"} & set(tags), name
    for name in ("fit", "path", "cv", "bootstrap", "stepwise", "generalization"):
        card = ET.fromstring(outputs[name])  # glmgen's cards are well formed
        assert card.get("class") == "glmgen-card", name
    assert "<svg" in outputs["path"] and "<svg" in outputs["cv"]
    monkeypatch.setattr(hook, "run_cells", lambda source: outputs)  # run the notebook once
    page = hook.with_outputs(PAGE.read_text(encoding="utf-8"))
    assert page.count("class=\"notebook-output\"") == len(shown)
