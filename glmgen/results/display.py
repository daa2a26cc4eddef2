"""How records draw and summarise themselves without importing :mod:`glmgen.render`, which sits above them.

The renderer registers its functions here by name when it is imported
(``import glmgen`` imports it); a record's ``plot()`` or ``summary()`` looks
its renderer up with :func:`show`. The layers stay one-directional: records
never import tables, templates or matplotlib. The same registry serves a
record method that needs an analysis from a layer above (``fit.shift`` is
``evaluation.shift_of_fit``, registered as ``"shift_fit"``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Renderer = TypeVar("Renderer", bound=Callable[..., Any])

_RENDERERS: dict[str, Callable[..., Any]] = {}


def register(name: str) -> Callable[[Renderer], Renderer]:
    """Decorator: make ``function`` the renderer called ``name`` (e.g. ``"plot_path"``)."""
    def decorate(function: Renderer) -> Renderer:
        _RENDERERS[name] = function
        return function
    return decorate


def show(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the renderer called ``name``."""
    try:
        renderer = _RENDERERS[name]
    except KeyError:
        raise RuntimeError(f"no renderer {name!r} is registered; import glmgen (which imports glmgen.render) "
                           "before drawing or summarising results.") from None
    return renderer(*args, **kwargs)
