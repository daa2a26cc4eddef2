"""R habits in patsy formulas: ``offset()`` terms, bare maths names, ``lump()`` for rare levels, centred splines.

- ``y ~ x + offset(np.log(e))``: :func:`split_offset_terms` takes the
  ``offset()`` terms out of the right-hand side; the design adds them to the
  model's offset, as R and statsmodels do.
- ``log(x)``, ``exp(x)``, ``sqrt(x)`` and ``abs(x)`` (and ``log1p``, ``expm1``,
  ``log2``, ``log10``) are NumPy's elementwise functions (:data:`R_MATHS`);
  :func:`check_called_names` says what to write for other R names.
- ``lump(x, min_count=10)`` is a stateful transform, like patsy's ``center()``:
  which levels are kept is learned from the rows a design is built on (the
  fit's rows, each cross-validation fold's training rows), saved in model
  files, and applied unchanged to new rows.
- ``cr()``, ``cc()`` and ``te()`` next to an intercept get
  ``constraints='center'`` unless they name their constraints
  (:func:`center_splines`): patsy's unconstrained bases span the intercept.
"""

from __future__ import annotations

import ast
import builtins
import io
import math
import tokenize
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import patsy
from patsy.util import SortAnythingKey

from .._validation import suggestion
from ..errors import FormulaError
from .parse import is_plain_name

#: R's spelling of NumPy's elementwise maths: ``log(x)`` in a formula is ``np.log(x)``
R_MATHS: dict[str, Callable[..., Any]] = {
    name: getattr(np, name) for name in ("log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs")
}
#: what to write in a glmgen formula for R's functions that patsy spells differently
_R_EQUIVALENTS = {
    "factor": "C(x) for a categorical (C(x, levels=[...]) to order its levels)",
    "relevel": "C(x, Treatment('level')) to choose the reference level",
    "ns": "cr(x, df=4), a natural cubic regression spline (R's ns(x, 4) has 4 columns too)",
    "s": "cr(x, df=4), a cubic regression spline",
    "poly": "x + I(x**2) for raw powers, or bs(x, degree=2, df=...)",
    "ifelse": "np.where(condition, a, b)",
    "pmin": "np.minimum(a, b)",
    "pmax": "np.maximum(a, b)",
    "ln": "log(x), the natural logarithm",
    "offset": "offset(expr) as a term of its own, added with '+': y ~ x + offset(np.log(exposure))",
    "interaction": "a:b for the interaction of a and b",
}
#: the level the rare levels of ``lump()`` become, unless ``other=`` names another
OTHER_LEVEL = "Other"


def _as_objects(x: Any) -> npt.NDArray[Any]:
    """The values of ``x`` (a column, a Categorical, a list) as a 1-d object array; a Categorical's unused
    categories are not values, so they cannot count as levels seen in training."""
    values = np.asarray(pd.Series(x).astype(object).to_numpy(), dtype=object)
    if values.ndim != 1:
        raise FormulaError(f"lump() takes one column, got values of shape {values.shape}.")
    return values


def _check_thresholds(min_count: Any, min_share: Any, other: Any) -> None:
    if min_count is None and min_share is None:
        raise FormulaError(
            "lump() needs min_count= (levels with fewer training rows become 'Other') or min_share= (levels "
            "with a smaller share of the training rows), e.g. lump(title, min_count=10)."
        )
    if min_count is not None and not (isinstance(min_count, (int, np.integer)) and not isinstance(min_count, bool)
                                      and min_count >= 1):
        raise FormulaError(f"lump(min_count={min_count!r}): expected a whole number of rows >= 1, e.g. min_count=10.")
    if min_share is not None and not (isinstance(min_share, (int, float, np.integer, np.floating))
                                      and not isinstance(min_share, bool) and 0 < min_share <= 1):
        raise FormulaError(f"lump(min_share={min_share!r}): expected a share of the rows in (0, 1], e.g. 0.01.")
    if not isinstance(other, str):
        raise FormulaError(f"lump(other={other!r}): expected the name of the merged level as text, e.g. 'Other'.")


class Lump:
    """``lump(x, min_count=None, min_share=None, other="Other")``: merge rare levels into one level.

    Learned from the training rows: a level is rare when it has fewer than
    ``min_count`` rows or a share of the rows below ``min_share`` (either
    test, when both are given); missing values are not counted. The levels are
    the frequent ones in patsy's order (a pandas Categorical's declared order,
    so ``na_action="impute"``'s level ``"NA"`` stays last; else sorted), then
    ``other`` last (never the reference level of a treatment coding) when some
    level was merged. New
    rows: a rare level, or one not seen in training, becomes ``other`` when
    ``other`` is a level; when no level was merged there is no ``other`` level,
    and an unseen level is left as it is, for the design's check of unseen
    levels. Like R's ``forcats::fct_lump_min`` / ``fct_lump_prop``.
    """

    def __init__(self) -> None:
        self._counts: dict[Any, int] = {}
        self._thresholds: tuple[Any, Any, str] = (None, None, OTHER_LEVEL)
        #: learned: the levels of the result, in order, and the merged level's name if it is one of them
        self._levels: list[Any] = []
        self._other: str | None = None
        #: while learning: a Categorical's declared categories, the order of its levels
        self._order: list[Any] = []

    def memorize_chunk(self, x: Any, min_count: Any = None, min_share: Any = None, other: Any = OTHER_LEVEL) -> None:
        _check_thresholds(min_count, min_share, other)
        self._thresholds = (min_count, min_share, other)
        if isinstance(getattr(x, "dtype", None), pd.CategoricalDtype):
            self._order = list(x.dtype.categories)
        for value, count in pd.Series(_as_objects(x)).value_counts(dropna=True).items():
            self._counts[value] = self._counts.get(value, 0) + int(count)

    def memorize_finish(self) -> None:
        min_count, min_share, other = self._thresholds
        n_rows = sum(self._counts.values())
        needed = max(min_count or 0, math.ceil(min_share * n_rows - 1e-9) if min_share is not None else 0)
        rank = {level: i for i, level in enumerate(self._order)}
        kept = sorted((v for v, c in self._counts.items() if c >= needed and v != other),
                      key=lambda v: (rank.get(v, len(rank)), SortAnythingKey(v)))
        merged = len(kept) < len(self._counts)
        self._levels, self._other = kept + [other] * merged, other if merged else None
        del self._counts, self._thresholds, self._order  # the saved state is the levels only

    def transform(self, x: Any, min_count: Any = None, min_share: Any = None,
                  other: Any = OTHER_LEVEL) -> pd.Categorical | npt.NDArray[Any]:
        """``x`` with rare and unseen levels replaced by ``other``, as a Categorical of the learned levels
        (as plain values when an unseen level has no ``other`` level to go to)."""
        values = _as_objects(x)
        unknown = ~pd.Series(values).isin(self._levels).to_numpy() & ~pd.isna(values)
        if unknown.any():
            if self._other is None:
                return values
            values = values.copy()
            values[unknown] = self._other
        return pd.Categorical(values, categories=self._levels)


lump = patsy.stateful_transform(Lump)


# --- formula text ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    """A significant token of a formula, with its character span and the brackets around it."""

    text: str
    kind: int
    start: int
    end: int
    enclosing: tuple[str, ...]


def _tokens(text: str) -> list[_Token] | None:
    """The tokens of ``text`` with character offsets and, for each, the brackets it is inside (``"group"`` for
    a formula's grouping parenthesis, ``"call"`` for a call's, ``"other"`` for ``[]`` / ``{}``); ``None``
    when Python's tokenizer cannot read it (the formula's own checks report that)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    try:
        raw = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    skipped = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    tokens: list[_Token] = []
    stack: list[str] = []
    for token in raw:
        if token.type in skipped:
            continue
        start, end = starts[token.start[0] - 1] + token.start[1], starts[token.end[0] - 1] + token.end[1]
        if token.string in ")]}" and stack:
            stack.pop()
        tokens.append(_Token(token.string, token.type, start, end, tuple(stack)))
        if token.string == "(":
            before = tokens[-2] if len(tokens) > 1 else None
            called = before is not None and (before.kind in (tokenize.NAME, tokenize.STRING) or before.text in ")]")
            stack.append("call" if called else "group")
        elif token.string in "[{":
            stack.append("other")
    return tokens


def _calls(tokens: list[_Token], names: Collection[str]) -> list[tuple[int, int]]:
    """``(name index, closing-bracket index)`` of each bare call ``name(...)`` (not ``x.name(...)``)."""
    found = []
    for i, token in enumerate(tokens[:-1]):
        if (token.kind == tokenize.NAME and token.text in names and tokens[i + 1].text == "("
                and (i == 0 or tokens[i - 1].text != ".")):
            depth = len(tokens[i + 1].enclosing) + 1
            close = next((j for j in range(i + 2, len(tokens))
                          if tokens[j].text == ")" and len(tokens[j].enclosing) == depth - 1), None)
            if close is not None:
                found.append((i, close))
    return found


def split_offset_terms(rhs: str) -> tuple[str, list[str]]:
    """The right-hand side without its ``offset(expr)`` terms, and the ``expr`` of each, in order.

    An ``offset()`` term is added with ``+`` (or first); anywhere else (inside an interaction, a call or
    an expression) it is refused. ``y ~ offset(z)`` leaves ``1``, the intercept-only model (as R).
    """
    codes: list[str] = []
    while "offset" in rhs:  # else no offset() call: nothing to tokenize
        tokens = _tokens(rhs)
        calls = _calls(tokens, ("offset",)) if tokens is not None else []
        if not calls or tokens is None:
            return rhs, codes
        first, close = calls[0]
        before = tokens[first - 1].text if first else None
        after = tokens[close + 1].text if close + 1 < len(tokens) else None
        if "call" in tokens[first].enclosing or "other" in tokens[first].enclosing or (
                before not in (None, "+", "(") or after not in (None, "+", "-", ")") or (before, after) == ("(", ")")):
            raise FormulaError(
                f"the formula term offset(...) in {rhs!r} must be a term of its own, added with '+', as in "
                "'y ~ x + offset(np.log(exposure))': it cannot be part of an interaction, a call or an expression."
            )
        call = ast.parse(rhs[tokens[first].start:tokens[close].end], mode="eval").body
        assert isinstance(call, ast.Call)
        if len(call.args) != 1 or call.keywords:
            raise FormulaError(f"offset() takes one expression, e.g. offset(np.log(exposure)); got "
                               f"{rhs[tokens[first].start:tokens[close].end]!r}.")
        codes.append(ast.unparse(call.args[0]))
        if before == "+":
            start, end = tokens[first - 1].start, tokens[close].end
        else:
            start, end = tokens[first].start, tokens[close + 1].end if after == "+" else tokens[close].end
        rhs = (rhs[:start] + rhs[end:]).strip() or "1"
    return rhs, codes


def center_splines(rhs: str, shadowed: Collection[str] = ()) -> str:
    """``rhs`` with ``constraints='center'`` added to each ``cr()``, ``cc()`` and ``te()`` call that names no
    constraints (splines inside ``te()`` are its margins, left as they are), for a model with an intercept.

    patsy's cubic regression and tensor-product bases sum to one, so next to an intercept one coefficient is
    aliased; centred, a spline of ``df`` columns is identifiable, as R's ``ns(x, df)`` and mgcv's smooths
    are. Names in ``shadowed`` (the caller's own functions) are not patsy's splines and are left alone.
    """
    tokens = _tokens(rhs)
    if tokens is None:
        return rhs
    calls = _calls(tokens, {"cr", "cc", "te"} - set(shadowed))
    tensors = [(i, close) for i, close in calls if tokens[i].text == "te"]
    inserts = []
    for i, close in calls:
        inside_te = any(start < i < end for start, end in tensors)
        depth = len(tokens[i + 1].enclosing) + 1
        named = any(tokens[j].text == "constraints" and tokens[j + 1].text == "=" and len(tokens[j].enclosing) == depth
                    for j in range(i + 2, close))
        if not inside_te and not named and close > i + 2:
            inserts.append(tokens[close].start)
    for position in sorted(inserts, reverse=True):
        rhs = rhs[:position] + ", constraints='center'" + rhs[position:]
    return rhs


def check_called_names(codes: Collection[str], visible: Collection[str]) -> None:
    """Refuse a bare call ``name(...)`` in ``codes`` whose name no formula can see (not in ``visible``, the
    formula's namespace and patsy's functions, nor a Python builtin), saying what to write instead:
    R's ``factor(x)`` is ``C(x)``, NumPy's maths are ``np.<name>``, or the closest known name."""
    for code in codes:
        if is_plain_name(code):  # a column name calls nothing
            continue
        try:
            tree = ast.parse(code, mode="eval")
        except (SyntaxError, RecursionError):
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name = node.func.id
            if name in visible or hasattr(builtins, name):
                continue
            if name in _R_EQUIVALENTS:
                hint = f" In a glmgen formula write {_R_EQUIVALENTS[name]}."
            elif callable(getattr(np, name, None)):
                hint = f" Use NumPy's np.{name}(...)."
            else:
                hint = suggestion(name, [n for n in visible if not n.startswith("_")])
            raise FormulaError(
                f"formula expression {code[:80]!r} calls {name}(), which is neither a function glmgen formulas know "
                "(patsy's C, I, Q, bs, cr, center, ...; lump; R's log, exp, sqrt, abs; np.<function>) nor one "
                f"defined where the model is fitted.{hint}"
            )
