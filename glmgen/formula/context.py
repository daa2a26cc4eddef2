"""The formula context: the caller's names a formula may use besides data columns.

A formula such as ``y ~ double(x)`` calls ``double`` from the namespace of the
code that called :func:`glmgen.glm`. Every public entry point (fit, path,
stepwise, best subset, curves, report, CLI) captures that namespace once with
:meth:`FormulaContext.capture` and passes it down, so internal refits (CV
folds, stepwise moves, bootstrap replicates, worker processes) evaluate the
formula exactly as the user's own call would.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import patsy

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class FormulaContext:
    """Names visible to formula expressions: the caller's locals over its globals, captured once."""

    namespace: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def capture(cls, depth: int = 1) -> FormulaContext:
        """The namespace of the frame ``depth`` levels above the caller (1: the caller's caller).

        A public function calls ``FormulaContext.capture()`` first thing, to capture its own caller.
        """
        frame = sys._getframe(depth + 1)
        try:
            return cls({**frame.f_globals, **frame.f_locals})
        finally:
            del frame

    def restricted_to(self, codes: Iterable[str]) -> FormulaContext:
        """Only the names that occur in ``codes`` (formula and expression strings): small and picklable
        for worker processes, since a module's globals hold modules and other unpicklable objects."""
        names: set[str] = set()
        for code in codes:
            names.update(_NAME.findall(code))
        return FormulaContext({name: self.namespace[name] for name in sorted(names) if name in self.namespace})

    def eval_env(self) -> patsy.EvalEnvironment:
        """The context as patsy's evaluation environment."""
        return patsy.EvalEnvironment([dict(self.namespace)])
