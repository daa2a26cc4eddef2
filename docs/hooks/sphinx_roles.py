"""MkDocs hook: render the Sphinx roles left in numpydoc docstrings as plain code.

glmgen's docstrings use Sphinx cross-reference roles (``:func:`glmgen.glm```,
``:class:`~glmgen.results.GLMResult```). mkdocstrings renders the backticked
part as ``<code>`` but leaves the role name in front of it; this hook drops
the role name and, for the ``~`` form, keeps only the last component, as
Sphinx displays it.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|obj|exc|const|ref):<code>(~?)([^<]*)</code>")


def _replace(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_replace, html)
