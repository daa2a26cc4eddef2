"""Formula text: split at ``~``, check brackets and keywords, read the response, expand ``.``, list the terms.

Two R conveniences are added on top of patsy: ``y ~ .`` (every other column,
:func:`expand_dot`) and ``cbind(successes, failures) ~ ...`` for binomial
counts (:func:`parse_response`). Syntax errors put a ``^`` under the
offending character, as patsy does.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass

import patsy

from ..errors import FormulaError, InvalidParameterError, UnsafeFormulaError

DOT_PATTERN = re.compile(r"(?<![\w.\)\]'\"])\.(?![\w.])")
_CLOSING = {"(": ")", "[": "]", "{": "}"}
#: the Python keywords an allowed expression can hold (operators and constants)
_SAFE_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "True", "False", "None"})
#: a Python keyword not followed by a name's character: a screen before tokenizing a formula, which finds
#: every keyword token (and more: ``visitor`` ends with ``or``)
_KEYWORD_WORD = re.compile(r"(?:" + "|".join(keyword.kwlist) + r")(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class ResponseSpec:
    """The left-hand side: one expression, ``cbind(successes, failures)``, or a factor ``C(column, ...)``.

    A factor response (a two-level text or categorical column) is written ``C(column, levels=[failure,
    event])`` once its levels are known: ``y = 1`` where the column equals the second level, R's rule for a
    binomial factor response (the first level is the failure). ``C(column)`` without ``levels=`` waits for
    :func:`~glmgen.formula.response.factor_response` to learn them from the data. The levels live in the
    expression, so a saved spec keeps them.
    """

    expressions: tuple[str, ...]
    is_cbind: bool

    def __post_init__(self) -> None:
        self.factor  # noqa: B018 - refuse a malformed C(...) response when the spec is made, not when used

    @property
    def factor(self) -> tuple[str, tuple[object, ...] | None] | None:
        """``(column code, levels)`` of a factor response ``C(column[, levels=[...]])`` (levels ``None``
        until learned), else ``None``."""
        if self.is_cbind:
            return None
        code = self.expressions[0]
        node = ast.parse(code, mode="eval").body
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "C"):
            return None
        column = node.args[0] if len(node.args) == 1 else None
        levels = [kw.value for kw in node.keywords if kw.arg == "levels"]
        if (column is None or not (isinstance(column, ast.Name) or q_name(column) is not None)
                or len(levels) != len(node.keywords)):
            raise FormulaError(
                f"the response {code!r} is not a factor response glmgen can read: write C(column) (levels learned "
                "from the data, the second one modelled) or C(column, levels=['failure', 'event']), naming a data "
                "column and nothing else (a contrast means nothing for a response)."
            )
        if not levels:
            return ast.unparse(column), None
        try:
            values = ast.literal_eval(levels[0])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            values = None
        if not (isinstance(values, (list, tuple)) and len(values) == 2 and values[0] != values[1]
                and all(isinstance(v, (str, bool, int, float)) for v in values)):
            raise FormulaError(
                f"the response {code!r} needs levels= to list two distinct levels written as values, the failure "
                "first: e.g. C(survived, levels=['no', 'yes']) models P(survived == 'yes')."
            )
        return ast.unparse(column), tuple(values)

    @property
    def levels(self) -> tuple[object, ...] | None:
        """The ``(failure, event)`` levels of a factor response, else ``None``."""
        factor = self.factor
        return None if factor is None else factor[1]

    @property
    def label(self) -> str:
        """The response as a reader names it: the expression, ``cbind(...)``, or a factor response's column."""
        if self.is_cbind:
            return f"cbind({', '.join(self.expressions)})"
        factor = self.factor
        return self.expressions[0] if factor is None else factor[0]

    @property
    def modelled(self) -> str | None:
        """What the mean of a factor response is the probability of, e.g. ``P(surv == 'yes')``; else ``None``."""
        levels = self.levels
        return None if levels is None else f"P({self.label} == {levels[1]!r})"

    def with_levels(self, levels: Sequence[object]) -> ResponseSpec:
        """This factor response with its ``(failure, event)`` levels written into the expression."""
        return ResponseSpec((f"C({self.label}, levels={list(levels)!r})",), False)


# --- formula text ---------------------------------------------------------------------------------

def tilde_position(formula: str) -> int:
    """Index of the first ``~`` outside brackets, or -1."""
    depth = 0
    for i, char in enumerate(formula):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "~" and depth == 0:
            return i
    return -1


def split_formula(formula: str) -> tuple[str, str]:
    """The left- and right-hand sides of ``formula`` (stripped), refusing a missing response and unbalanced brackets."""
    if not isinstance(formula, str):
        raise InvalidParameterError(f"formula must be a string like 'y ~ x1 + x2', got {type(formula).__name__}.")
    _check_brackets(formula)
    split_at = tilde_position(formula)
    if split_at < 0 or not formula[:split_at].strip():
        raise FormulaError(
            f"formula {formula!r} has no response: write it as 'response ~ predictors', e.g. 'y ~ x1 + x2' or 'y ~ .'."
        )
    return formula[:split_at].strip(), formula[split_at + 1 :].strip()


def _caret(formula: str, position: int) -> str:
    """The formula on one line and a ``^`` under character ``position`` on the next (patsy's style)."""
    return "" if "\n" in formula else f"\n    {formula}\n    {' ' * position}^"


def _check_brackets(formula: str) -> None:
    """Refuse unbalanced ``()``, ``[]`` and ``{}`` (outside quoted strings), pointing at the offending bracket."""
    opened: list[int] = []
    quote = None
    escaped = False
    for i, char in enumerate(formula):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in _CLOSING:
            opened.append(i)
        elif char in ")]}":
            if not opened or _CLOSING[formula[opened[-1]]] != char:
                found = (f"where {_CLOSING[formula[opened[-1]]]!r} was expected" if opened
                         else "that closes nothing")
                raise FormulaError(
                    f"formula {formula!r} has a {char!r} at character {i + 1} {found}; check the brackets."
                    + _caret(formula, i)
                )
            opened.pop()
    if opened:
        i = opened[-1]
        raise FormulaError(
            f"formula {formula!r} has a {formula[i]!r} at character {i + 1} that is never closed; add the "
            f"matching {_CLOSING[formula[i]]!r}." + _caret(formula, i)
        )


def is_plain_name(code: str) -> bool:
    """Whether ``code`` is one bare ASCII name (``x1``, not a keyword): its syntax tree is that name alone, so
    the expression helpers below answer it without parsing (what makes a formula of thousands of columns fast)."""
    return code.isascii() and code.isidentifier() and not keyword.iskeyword(code)


def _keyword_tokens(formula: str) -> list[tokenize.TokenInfo]:
    """The Python keywords (``class``, ``lambda``, ``and``, ...) written bare in ``formula``, as tokens."""
    if not _KEYWORD_WORD.search(formula):  # no keyword anywhere in the text: nothing to tokenize
        return []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(formula).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [t for t in tokens if t.type == tokenize.NAME and keyword.iskeyword(t.string)]


def check_keyword_columns(formula: str, columns: Sequence[object]) -> None:
    """Refuse a data column named by a Python keyword (``class``, ``lambda``) written bare in ``formula``."""
    tokens = _keyword_tokens(formula)
    names = {str(c) for c in columns} if tokens else set()
    for token in tokens:
        if token.string in names:
            name = token.string
            raise FormulaError(
                f"column {name!r} is a Python keyword, so a formula cannot name it bare: write Q({name!r}) "
                f"instead, e.g. \"y ~ Q({name!r}) + x\" ('y ~ .' quotes such columns itself)."
                + _caret(formula, token.start[1])
            )


def check_safe_keywords(formula: str) -> None:
    """Under ``safe=True``, refuse keywords no allowed expression uses (``lambda``, ``import``, ...) before
    patsy's parser reads them as formula operators (``lambda v: v`` holds patsy's ``:``)."""
    for token in _keyword_tokens(formula):
        if token.string not in _SAFE_KEYWORDS:
            raise UnsafeFormulaError(
                f"formula {formula!r} uses the Python keyword {token.string!r}, which a checked formula may not "
                "contain (allowed: column names, numbers, operators, patsy's functions and NumPy's elementwise "
                "maths). Pass safe=False only for a formula you trust." + _caret(formula, token.start[1])
            )


def parse_response(lhs: str) -> ResponseSpec:
    """The response of a left-hand side: one expression, the two counts of ``cbind(successes, failures)``, or
    a factor ``C(column[, levels=[failure, event]])`` (refused here if malformed)."""
    try:
        tree = ast.parse(lhs, mode="eval").body
    except SyntaxError:
        raise FormulaError(f"the response {lhs!r} is not a valid expression.") from None
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "cbind":
        if len(tree.args) != 2 or tree.keywords:
            raise FormulaError(
                f"{lhs!r}: cbind() takes exactly two arguments, cbind(successes, failures)."
            )
        return ResponseSpec(tuple(ast.unparse(arg) for arg in tree.args), True)
    return ResponseSpec((lhs,), False)


def _quote_column(name: str) -> str:
    return name if name.isidentifier() and not keyword.iskeyword(name) else f'Q({name!r})'


def referenced_names(code: str) -> set[str]:
    """Bare names and ``Q("...")`` strings referenced by ``code``."""
    if is_plain_name(code):
        return {code}
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif (quoted_name := q_name(node)) is not None:
            names.add(quoted_name)
    return names


def numeric_names(code: str) -> set[str]:
    """Names ``code`` uses as numbers: every name except the bare first argument of ``C(...)`` and ``lump(...)``."""
    if is_plain_name(code):
        return {code}
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return set()
    names: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        quoted_name = q_name(node)
        if quoted_name is not None:
            names.add(quoted_name)
            continue
        if isinstance(node, ast.Name):
            names.add(node.id)
        children = list(ast.iter_child_nodes(node))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("C", "lump")
                and node.args
                and (isinstance(node.args[0], ast.Name) or q_name(node.args[0]) is not None)):
            children.remove(node.args[0])
        pending.extend(children)
    return names


def q_name(node: ast.AST) -> str | None:
    """The column name of ``Q("name")``, else ``None``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Q" and node.args
            and isinstance(node.args[0], ast.Constant)):
        return str(node.args[0].value)
    return None


def expand_dot(rhs: str, columns: Sequence[str], exclude: set[str]) -> str:
    """Replace R's ``.`` in a right-hand side with every column not in ``exclude``."""
    if not DOT_PATTERN.search(rhs):
        return rhs
    others = [c for c in columns if c not in exclude]
    if not others:
        raise FormulaError("'~ .' found no columns besides the response, weights and offsets.")
    return DOT_PATTERN.sub("(" + " + ".join(_quote_column(str(c)) for c in others) + ")", rhs)


def _normalized_code(code: str) -> str:
    if is_plain_name(code):
        return code
    try:
        return ast.unparse(ast.parse(code.strip(), mode="eval"))
    except (SyntaxError, RecursionError):  # too deep to normalise: compare the text as written
        return code.strip()


def check_response_not_predictor(response: ResponseSpec, rhs_codes: Sequence[str]) -> None:
    """Refuse ``y ~ y + x``: the response predicts itself exactly (R drops it from the right side with a
    warning; a silent perfect fit is never the intended model)."""
    if response.is_cbind:
        return
    target = _normalized_code(response.expressions[0])
    if any(_normalized_code(code) == target for code in rhs_codes):
        raise FormulaError(
            f"the response {response.label!r} is also a predictor on the right side of the formula, so it "
            f"would predict itself exactly. Remove {response.label!r} from the right side ('y ~ .' leaves the "
            "response out by itself)."
        )


# --- terms ----------------------------------------------------------------------------------------

def rhs_terms(rhs: str) -> list[patsy.Term]:
    """The right-hand side's terms (intercept first), as patsy parses them."""
    simple = _sum_of_names(rhs)
    if simple is not None:
        return simple
    try:
        return list(patsy.ModelDesc.from_formula(rhs).rhs_termlist)
    except patsy.PatsyError as exc:
        raise FormulaError(str(exc)) from None


def _sum_of_names(rhs: str) -> list[patsy.Term] | None:
    """Terms of ``a + b - c + ...`` without patsy's parser, which recurses once per ``+`` and overflows the
    stack on thousands of columns (``y ~ .`` on wide data); ``None`` for anything else.

    Follows patsy's (and R's) rules: ``+ 1`` / ``- 0`` add the intercept and ``+ 0`` / ``- 1`` remove it,
    the last one written wins; ``- name`` removes a term added before it. A bracketed group (what
    ``y ~ .`` expands to) may follow a ``+`` and hold names joined by ``+`` only.
    """
    tokens = re.findall(r"[()+-]|[^\s()+-]+", rhs)
    intercept = True
    names: dict[str, None] = {}
    sign, depth, position = "+", 0, 0
    for position, token in enumerate(tokens):
        expects_item = position == 0 or tokens[position - 1] in "+-("
        if token in "+-":
            if expects_item and not (position == 0 and token == "-"):
                return None
            sign = token
        elif token == "(":
            if depth or sign == "-" or not expects_item:
                return None
            depth = 1
        elif token == ")":
            if not depth or expects_item:
                return None
            depth = 0
        elif not expects_item:
            return None
        elif token in ("0", "1"):
            if depth:
                return None
            intercept = (token == "1") == (sign == "+")
        elif not token.isidentifier() or keyword.iskeyword(token) or (depth and sign == "-"):
            return None
        elif sign == "+":
            names.setdefault(token)
        elif position == 1:  # a leading "- name": patsy refuses it with its own message
            return None
        else:
            names.pop(token, None)
    if not tokens or depth or tokens[-1] in "+-":
        return None
    return ([patsy.Term([])] if intercept else []) + [patsy.Term([name_factor(name)]) for name in names]


def name_factor(name: str) -> patsy.EvalFactor:
    """patsy's ``EvalFactor(name)`` for a plain name (:func:`is_plain_name`), made without patsy re-tokenizing
    the name to normalise its spacing, which leaves one name unchanged (and costs most of reading ``y ~ .``
    on thousands of columns). Equal to patsy's, attribute for attribute."""
    factor = object.__new__(patsy.EvalFactor)
    factor.code, factor.origin = name, None
    return factor