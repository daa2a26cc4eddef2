"""Formula-level model searches: :func:`stepwise` (R's ``MASS::stepAIC``) and :func:`best_subset`.

These are public entry points: each captures the caller's formula context
once (or takes ``context=`` from an internal caller such as the bootstrap),
parses the formulas and the scope, drops rows with missing values once for the
whole search, and refits every candidate with :func:`glmgen.fit.fit_glm` in
that context (the bootstrap re-runs them with the same context). The search
itself, the criterion and the marginality rules are in
:mod:`glmgen.selection.search`.
"""

from __future__ import annotations

import warnings as warnings_module
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._progress import HIDDEN, Bar, check_progress, progress_bar
from .._validation import check_choice, quoted
from ..errors import DroppedRowsWarning, FormulaError, InvalidParameterError
from ..fit import fit_glm
from ..formula import (
    DOT_PATTERN,
    FormulaContext,
    Term,
    VariableInput,
    as_fitted,
    build_design,
    by_degree,
    check_frame,
    hierarchical_subsets,
    model_label,
    rhs_terms,
    split_formula,
    split_offset_terms,
    term_key,
    term_label,
    tilde_position,
)
from ..model import Family, Link
from ..results import GLMResult
from .criterion import criterion_penalty
from .search import (
    DIRECTIONS,
    BestSubsetResult,
    StepwiseResult,
    search_stepwise,
    search_subsets,
)

_SCOPE_KEYS = ("lower", "upper")


# --- formula text ----------------------------------------------------------------------------------

def r_powers(formula: str) -> str:
    """Rewrite R's interaction power ``(a + b + c)^2`` / ``.^2`` as patsy's ``**``.

    Only a ``^`` outside every function call is rewritten; inside a call
    such as ``I(x ** 2)`` the expression is Python and is left alone.
    """
    out: list[str] = []
    stack: list[bool] = []  # True for the parenthesis of a function call
    quote = ""
    for i, char in enumerate(formula):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            before = formula[:i].rstrip()
            stack.append(bool(before) and (before[-1].isalnum() or before[-1] in "_.)]"))
        elif char in ")]" and stack:
            stack.pop()
        elif char == "^" and not any(stack):
            out.append("**")
            continue
        out.append(char)
    return "".join(out)


def _right_hand_side(text: Any, role: str) -> str:
    if not isinstance(text, str):
        raise InvalidParameterError(
            f"scope {role} must be a formula string such as '~ x1 + x2 + x1:x2', got {type(text).__name__}."
        )
    rhs = text[tilde_position(text) + 1 :].strip()
    if not rhs:
        raise FormulaError(f"scope {role} {text!r} has no terms; write it as '~ x1 + x2' (use '~ 1' for none).")
    return rhs


def _terms_of(rhs: str) -> tuple[list[Term], bool]:
    terms = rhs_terms(rhs)
    return [t for t in terms if t.factors], any(not t.factors for t in terms)


def _scope_terms(text: Any, role: str, start_rhs: str, fitted: Callable[[str], str]) -> list[Term]:
    """Terms of a scope formula, ``.`` standing for the starting model's right-hand side (R's ``update``),
    written as the start model's are fitted (``fitted``: splines centred next to an intercept)."""
    rhs = DOT_PATTERN.sub(lambda _: f"({start_rhs})", _right_hand_side(text, role))
    return _terms_of(fitted(r_powers(rhs)))[0]


def _missing(terms: Sequence[Term], within: Sequence[Term]) -> list[str]:
    keys = {term_key(t) for t in within}
    return [term_label(t) for t in terms if term_key(t) not in keys]


# --- fitting every candidate through gg.glm --------------------------------------------------------

class _Refitter:
    """Fits term sets with :func:`glmgen.fit.fit_glm` on fixed rows, each distinct model once, collecting
    warnings."""

    def __init__(self, lhs: str, fit_intercept: bool, data: pd.DataFrame, family: Any, context: FormulaContext,
                 options: dict[str, Any], offsets: str = "", bar: Bar = HIDDEN):
        self.lhs = lhs
        self.offsets = offsets
        self.context = context
        self.fit_intercept = fit_intercept
        self.data = data
        self.family = family
        self.options = options
        self.bar = bar  # advances once per model fitted
        self.cache: dict[frozenset[frozenset[str]], GLMResult] = {}
        self.caught: list[tuple[type[Warning], str, str]] = []

    def formula(self, terms: Sequence[Term]) -> str:
        return f"{self.lhs} ~ {model_label(terms, self.fit_intercept)}{self.offsets}"

    def __call__(self, terms: tuple[Term, ...]) -> GLMResult:
        key = frozenset(term_key(t) for t in terms)
        if key not in self.cache:
            model_formula = self.formula(terms)
            with warnings_module.catch_warnings(record=True) as caught:
                warnings_module.simplefilter("always")
                self.cache[key] = fit_glm(model_formula, self.data, self.family, context=self.context,
                                          **self.options)
            self.caught += [(w.category, str(w.message), model_formula) for w in caught]
            self.bar.update(1)
        return self.cache[key]

    def summarise_warnings(self, what: str) -> list[str]:
        """One warning per kind raised while fitting (count and first example), raised and returned."""
        messages = []
        for category in dict.fromkeys(category for category, _, _ in self.caught):
            hits = [(message, formula) for kind, message, formula in self.caught if kind is category]
            n_models = len({formula for _, formula in hits})
            message, formula = hits[0]
            text = (
                f"{what}: {n_models} of {len(self.cache)} models fitted raised {category.__name__} "
                f"(first, for {formula!r}: {message}). The selected model's own warnings are in "
                "result.best.warnings."
            )
            warnings_module.warn(text, category, stacklevel=3)
            messages.append(text)
        return messages


def _offset_terms(formula: str) -> str:
    """The formula's ``offset(...)`` terms as text to append to every model of the search (R keeps them)."""
    return "".join(f" + offset({code})" for code in split_offset_terms(split_formula(formula)[1])[1])


def _codes(formula: Any, scope: Any, variables: dict[str, Any]) -> list[str]:
    """The strings a search evaluates: formula, scope formulas, weight and offset expressions."""
    scopes = list(scope.values()) if isinstance(scope, Mapping) else [scope]
    return [text for text in [formula, *scopes, *variables.values()] if isinstance(text, str)]


def _fit_options(
    link: Any, variables: dict[str, Any], tol: float, max_iter: int, na_action: str
) -> dict[str, Any]:
    """How every candidate model is fitted. The rows are fixed once (:func:`_drop_incomplete_rows`), so candidates
    refuse NA, except under ``na_action="impute"``: each candidate fills its own terms' NA (with the medians of
    the same rows, so every candidate sees the same values)."""
    return dict(link=link, **variables, na_action="impute" if na_action == "impute" else "raise", tol=tol,
                max_iter=max_iter)


def _drop_incomplete_rows(
    formula: str, data: pd.DataFrame, variables: dict[str, Any], na_action: str, what: str, context: FormulaContext
) -> tuple[pd.DataFrame, dict[str, Any], int, list[str]]:
    """Drop, once, the rows with missing values in any variable of ``formula`` (and weights, offsets)."""
    _, design = build_design(formula, data, **variables, na_action=na_action, context=context)
    if not design.n_dropped:
        return data, variables, 0, []
    message = (
        f"{what}: dropped {design.dropped_message}, once for every model of the search, so that all models "
        "are fitted to the same rows (as R's stepAIC requires)."
    )
    warnings_module.warn(message, DroppedRowsWarning, stacklevel=3)
    kept = design.kept
    subset = {role: value if value is None or isinstance(value, str) else np.asarray(value)[kept]
              for role, value in variables.items()}
    return data[kept], subset, int(design.n_dropped), [message]


# --- stepwise --------------------------------------------------------------------------------------

def stepwise(
    formula: str,
    data: AnyFrame,
    family: str | Family | Any = "gaussian",
    *,
    criterion: str | float = "aic",
    direction: str = "both",
    scope: str | Mapping[str, str] | None = None,
    steps: int = 1000,
    link: str | Link | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    na_action: str = "drop",
    tol: float = 1e-10,
    max_iter: int = 100,
    context: FormulaContext | None = None,
    progress: bool | None = None,
) -> StepwiseResult:
    """Stepwise model selection over formula terms by AIC, BIC or any penalty ``k``, as ``MASS::stepAIC``.

    Starting from ``formula``, each step fits every model one term away —
    dropping a term or adding one from the upper scope, a categorical term
    entering or leaving with all its columns — and moves to the one with the
    smallest criterion, until no move improves it.

    Parameters
    ----------
    formula : str
        The starting model (``y ~ .`` allowed). R's interaction power
        ``(a + b)^2`` is accepted as well as patsy's ``(a + b)**2``.
    data : DataFrame
        pandas, polars or pyarrow (as :func:`glmgen.glm`).
    family : {"gaussian", "binomial", "poisson"} or a family object
    criterion : {"aic", "bic"} or float
        ``"aic"`` is ``k = 2``, ``"bic"`` is ``k = log(nobs)``, a number is
        ``k``. The criterion is R's ``extractAIC`` for a ``glm``,
        ``AIC + (k - 2) * edf`` (see :mod:`glmgen.selection.criterion`), so the
        numbers are those ``stepAIC`` prints.
    direction : {"both", "backward", "forward"}
    scope : str or dict, optional
        The upper model as a formula (``"~ .^2 + x5"``; ``.`` is the starting
        model's right-hand side, as R's ``update``), or
        ``{"lower": "~ x1", "upper": "~ ..."}``. Default: the starting model
        as upper and the intercept-only model as lower, so ``"both"`` may
        re-add a dropped term. ``"forward"`` needs an upper scope. The
        intercept (or its absence) is fixed by ``formula``.
    steps : int
        At most this many moves.
    link, weights, freq_weights, offset, exposure, tol, max_iter
        As :func:`glmgen.glm`, for every model fitted.
    na_action : {"drop", "raise", "impute"}
        Rows with missing values in any variable of the upper scope are
        dropped once, before the search, so every model uses the same rows;
        with ``"impute"`` only rows missing the response, weights or offset
        are dropped, and each candidate fills its terms' NA as :func:`glmgen.glm`
        does (the medians of those same rows).
    context : FormulaContext, optional
        The names formulas may use besides data columns; default: the
        caller's namespace (as :func:`glmgen.glm`). Kept as
        ``result.context`` so that refits (the bootstrap) see the same names.
    progress : bool, optional
        A bar ``glmgen stepwise`` counting the models fitted: ``None`` shows
        it on a terminal or in a notebook once the search has run 2 s,
        ``True`` at once, ``False`` never (results do not depend on it).

    Returns
    -------
    StepwiseResult
        ``best`` (GLMResult), ``history`` (as ``stepAIC(...)$anova``),
        ``path``, ``candidates`` (every move evaluated at every step), ...

    Raises
    ------
    ValueError
        Unknown ``criterion``/``direction``, a scope that does not contain
        the starting model (or a lower scope not inside it), or
        ``direction="forward"`` without an upper scope.

    Notes
    -----
    Moves respect marginality as R's ``drop1``/``add1`` do: an interaction
    can be added only when all its lower-order terms in the scope are in the
    model, and a term can be dropped only when no interaction containing it
    remains. Every model is refitted from scratch with :func:`glmgen.glm`.

    References
    ----------
    Venables, W. N. and Ripley, B. D. (2002) *Modern Applied Statistics with S*,
    4th ed., Springer, sections 6.8 and 7.2.
    """
    context = context if context is not None else FormulaContext.capture()
    direction = check_choice("direction", direction, DIRECTIONS)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise InvalidParameterError(f"steps={steps!r} must be a whole number >= 0.")
    criterion_penalty(criterion, 1.0)  # refuse a bad criterion before fitting anything
    progress, data = check_progress(progress), check_frame(as_pandas(data))
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    context = context.restricted_to(_codes(formula, scope, variables))
    call = dict(formula=formula, family=family, criterion=criterion, direction=direction, scope=scope,
                steps=steps, link=link, **variables, na_action=na_action, tol=tol, max_iter=max_iter)
    formula = r_powers(formula) if isinstance(formula, str) else formula
    start_spec, _ = build_design(formula, data, **variables, na_action=na_action, context=context)
    lhs = split_formula(formula)[0]
    start, fit_intercept = _terms_of(start_spec.rhs)
    fitted: Callable[[str], str] = (lambda rhs: as_fitted(rhs, context)) if fit_intercept else (lambda rhs: rhs)
    lower, upper = _resolve_scope(scope, direction, start, start_spec.rhs, fitted)
    offsets = _offset_terms(formula)
    upper_formula = f"{lhs} ~ {model_label(upper, fit_intercept)}{offsets}"
    data, variables, n_dropped, messages = _drop_incomplete_rows(upper_formula, data, variables, na_action,
                                                                 "stepwise", context)
    call.update(variables)  # arrays restricted to the searched rows, which the result keeps as ``data``
    with progress_bar(progress, None, "stepwise", unit="fit") as bar:
        refit = _Refitter(lhs, fit_intercept, data, family, context,
                          _fit_options(link, variables, tol, max_iter, na_action), offsets, bar)
        first = refit(tuple(start))
        criterion_name, k = criterion_penalty(criterion, first.nobs)
        path, history, candidates, search_messages = search_stepwise(
            start, lower, upper, refit, k=k, direction=direction, steps=int(steps)
        )
    messages += search_messages + refit.summarise_warnings("stepwise")
    return StepwiseResult(
        best=path[-1], history=history, path=path, candidates=candidates, criterion=criterion_name, k=k,
        direction=direction, lower=tuple(term_label(t) for t in lower),
        upper=tuple(term_label(t) for t in upper), n_fits=len(refit.cache), n_dropped=n_dropped,
        warnings=messages, call=call, context=context, data=data,
    )


def _resolve_scope(
    scope: Any, direction: str, start: list[Term], start_rhs: str, fitted: Callable[[str], str]
) -> tuple[list[Term], list[Term]]:
    """Lower and upper term lists (upper in R's order), checked to bracket the starting model."""
    if scope is None:
        if direction == "forward":
            raise InvalidParameterError(
                "direction='forward' needs an upper scope, the largest model to consider: pass "
                "scope='~ x1 + x2 + ...' (or scope={'upper': ...}) and start from a small formula such as 'y ~ 1'."
            )
        return [], by_degree(start)
    if isinstance(scope, Mapping):
        unknown = [key for key in scope if key not in _SCOPE_KEYS]
        if unknown:
            raise InvalidParameterError(
                f"scope has unknown key {unknown[0]!r}; use {{'lower': '~ ...', 'upper': '~ ...'}}."
            )
        lower = _scope_terms(scope["lower"], "lower", start_rhs, fitted) if scope.get("lower") is not None else []
        upper = _scope_terms(scope["upper"], "upper", start_rhs, fitted) if scope.get("upper") is not None else start
    elif isinstance(scope, str):
        lower, upper = [], _scope_terms(scope, "upper", start_rhs, fitted)
    else:
        raise InvalidParameterError(
            f"scope must be a formula string (the upper model) or a dict with 'lower' and/or 'upper' formulas, "
            f"got {type(scope).__name__}."
        )
    outside = _missing(start, upper)
    if outside:
        raise InvalidParameterError(
            f"the upper scope does not include the starting model's term{'s' if len(outside) > 1 else ''} "
            f"{quoted(outside)}. Add {'them' if len(outside) > 1 else 'it'} to the upper scope (e.g. "
            "'~ . + ...' keeps every starting term)."
        )
    beyond = _missing(lower, start)
    if beyond:
        raise InvalidParameterError(
            f"the lower scope has term{'s' if len(beyond) > 1 else ''} {quoted(beyond)} that the starting model "
            "does not include. Start from a model that contains the lower scope."
        )
    return lower, by_degree(upper)


# --- best subsets ----------------------------------------------------------------------------------

def best_subset(
    formula: str,
    data: AnyFrame,
    family: str | Family | Any = "gaussian",
    *,
    criterion: str | float = "aic",
    max_terms: int = 15,
    link: str | Link | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    na_action: str = "drop",
    tol: float = 1e-10,
    max_iter: int = 100,
    context: FormulaContext | None = None,
    progress: bool | None = None,
) -> BestSubsetResult:
    """Exhaustive search over the subsets of the formula's terms that respect marginality.

    Every subset of the terms of ``formula`` in which each interaction comes
    with its lower-order terms is fitted with :func:`glmgen.glm` (the
    intercept, if any, is always kept), on the rows complete for the full
    formula.

    Parameters
    ----------
    formula, data, family
        As :func:`glmgen.glm`; ``formula`` is the largest model.
    criterion : {"aic", "bic"} or float
        As :func:`stepwise` (R's ``extractAIC`` with penalty ``k``).
    max_terms : int
        Refuse formulas with more terms than this (``2**terms`` models).
    link, weights, freq_weights, offset, exposure, na_action, tol, max_iter, context
        As :func:`stepwise`.
    progress : bool, optional
        A bar ``glmgen best subset`` over the subsets, as :func:`stepwise`'s.

    Returns
    -------
    BestSubsetResult
        ``best`` (GLMResult), ``by_size`` (the best model for each number of
        terms) and ``models`` (every subset, sorted by criterion).
    """
    context = context if context is not None else FormulaContext.capture()
    if isinstance(max_terms, bool) or not isinstance(max_terms, (int, np.integer)) or max_terms < 0:
        raise InvalidParameterError(f"max_terms={max_terms!r} must be a whole number >= 0.")
    criterion_penalty(criterion, 1.0)  # refuse a bad criterion before fitting anything
    progress, data = check_progress(progress), check_frame(as_pandas(data))
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    context = context.restricted_to(_codes(formula, None, variables))
    call = dict(formula=formula, family=family, criterion=criterion, max_terms=max_terms, link=link,
                **variables, na_action=na_action, tol=tol, max_iter=max_iter)
    formula = r_powers(formula) if isinstance(formula, str) else formula
    spec, _ = build_design(formula, data, **variables, na_action=na_action, context=context)
    lhs = split_formula(formula)[0]
    terms, fit_intercept = _terms_of(spec.rhs)
    if len(terms) > max_terms:
        raise InvalidParameterError(
            f"best_subset: {formula!r} has {len(terms)} terms, more than max_terms={max_terms} (up to "
            f"2**{len(terms)} = {2 ** len(terms):,} models to fit). Use gg.stepwise(...) for a greedy search, "
            f"or pass max_terms={len(terms)} to run the exhaustive search anyway."
        )
    terms = by_degree(terms)
    offsets = _offset_terms(formula)
    data, variables, n_dropped, messages = _drop_incomplete_rows(
        f"{lhs} ~ {model_label(terms, fit_intercept)}{offsets}", data, variables, na_action, "best_subset", context
    )
    with progress_bar(progress, len(hierarchical_subsets(terms)), "best subset", unit="fit") as bar:
        refit = _Refitter(lhs, fit_intercept, data, family, context,
                          _fit_options(link, variables, tol, max_iter, na_action), offsets, bar)
        criterion_name, k = criterion_penalty(criterion, refit(()).nobs)
        best, by_size, models = search_subsets(terms, refit, k=k)
    messages += refit.summarise_warnings("best_subset")
    return BestSubsetResult(
        best=best, by_size=by_size, models=models, criterion=criterion_name, k=k, n_fits=len(refit.cache),
        n_dropped=n_dropped, warnings=messages, call=call, context=context,
    )
