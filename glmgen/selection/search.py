"""Searches over formula terms: stepwise moves (R's ``MASS::stepAIC``) and exhaustive best subsets.

Everything here works on fitted :class:`~glmgen.results.GLMResult` records
and on formula terms; the entry points that refit models are in
:mod:`glmgen.selection.stepwise`, the criterion in :mod:`glmgen.selection.criterion`.
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import GLMGenWarning
from ..formula import (
    FormulaContext,
    Term,
    addable,
    droppable,
    hierarchical_subsets,
    term_label,
)
from ..results import GLMResult, display
from .criterion import criterion_value, estimated_coefficients

FitTerms = Callable[[tuple[Term, ...]], GLMResult]

DIRECTIONS = ("both", "backward", "forward")
#: stepAIC stops when a move does not lower the criterion by more than this
_IMPROVEMENT = 1e-7
#: stepAIC's tolerance for a zero-df move that nevertheless changes the criterion
_ZERO_DF_CHANGE = 0.01


# --- stepwise search -------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class StepwiseResult:
    """Outcome of a stepwise search over formula terms (R's ``MASS::stepAIC``).

    Attributes
    ----------
    best : GLMResult
        The selected model.
    history : DataFrame
        One row per accepted model, as ``stepAIC(...)$anova``: ``step``
        (``""`` for the initial model, then ``"+ term"`` / ``"- term"``),
        ``df`` and ``deviance`` (absolute changes), ``resid_df``,
        ``resid_deviance``, ``criterion`` (see :mod:`glmgen.selection.criterion`) and
        ``formula`` (the model after the step).
    path : tuple of GLMResult
        The accepted models, initial first and ``best`` last.
    candidates : tuple of DataFrame
        For each step, every move evaluated (``"<none>"`` = stay), sorted by
        criterion as ``stepAIC(trace=TRUE)`` prints them: ``move``, ``df``,
        ``resid_deviance``, ``criterion``, ``formula``.
    criterion : str
        ``"aic"``, ``"bic"`` or ``"k=<value>"``; ``k`` is the penalty per coefficient.
    direction : str
    lower, upper : tuple of str
        The scope's term labels.
    n_fits : int
        Models fitted during the search (each distinct model once).
    n_dropped : int
        Rows dropped once, up front, for missing values in the upper scope's variables.
    warnings : list of str
        Warnings raised during the search (summarised per kind).
    call : dict
        The arguments of the search except ``data`` (weights or offsets given as arrays restricted to the
        searched rows); ``gg.stepwise(data=result.data, **result.call)`` re-runs it, and the bootstrap
        re-runs it on resamples of ``data``.
    data : DataFrame or None
        The rows the search used: the data frame it was given, after the rows with missing values were dropped
        (a reference to the frame the search fitted, not a copy), as a fit keeps its training design.
    """

    best: GLMResult
    history: pd.DataFrame
    path: tuple[GLMResult, ...]
    candidates: tuple[pd.DataFrame, ...]
    criterion: str
    k: float
    direction: str
    lower: tuple[str, ...]
    upper: tuple[str, ...]
    n_fits: int
    n_dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    call: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the caller's names the formulas use (refits such as the bootstrap's run the search in it)
    context: FormulaContext = field(default_factory=FormulaContext, repr=False)
    data: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def start(self) -> GLMResult:
        """The initial model."""
        return self.path[0]

    @property
    def formula(self) -> str:
        """Formula of the selected model."""
        return self.best.spec.formula

    @property
    def n_steps(self) -> int:
        return len(self.path) - 1

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


def _fits_table(rows: list[tuple[str, GLMResult]], reference: GLMResult, k: float) -> pd.DataFrame:
    return pd.DataFrame({
        "move": [move for move, _ in rows],
        "df": [abs(fit.df_resid - reference.df_resid) for _, fit in rows],
        "resid_deviance": [fit.deviance for _, fit in rows],
        "criterion": [criterion_value(fit, k) for _, fit in rows],
        "formula": [fit.spec.formula for _, fit in rows],
    })


def search_stepwise(
    start: Sequence[Term],
    lower: Sequence[Term],
    upper: Sequence[Term],
    fit_terms: FitTerms,
    *,
    k: float,
    direction: str,
    steps: int = 1000,
) -> tuple[tuple[GLMResult, ...], pd.DataFrame, tuple[pd.DataFrame, ...], list[str]]:
    """The ``stepAIC`` loop over term sets; every model is obtained from ``fit_terms``.

    At each step the candidate moves are dropping a term of
    :func:`droppable` (``direction`` "both"/"backward") and adding a term of
    :func:`addable` ("both"/"forward"). As in ``stepAIC``:

    - a drop that removes no coefficient (an aliased term) is made at once;
    - otherwise moves that change no coefficient are ignored and the move
      with the smallest criterion is made, unless staying is at least as
      good (ties go to staying, then to the earlier move: drops before adds,
      in model / scope order);
    - the search stops when the new model does not improve the criterion
      by more than 1e-7, or after ``steps`` moves.

    Returns
    -------
    path, history, candidates, warnings
        As the :class:`StepwiseResult` fields of the same names.
    """
    backward = direction in ("both", "backward")
    forward = direction in ("both", "forward")
    current = list(start)
    fit = fit_terms(tuple(current))
    value = criterion_value(fit, k)
    path = [fit]
    moves = [""]
    candidates: list[pd.DataFrame] = []
    messages: list[str] = []
    for _ in range(steps):
        drops = [(t, fit_terms(tuple(u for u in current if u is not t))) for t in droppable(current, lower)] \
            if backward else []
        change: tuple[str, Term] | None = None
        zero_df = [(t, f) for t, f in drops if f.df_resid == fit.df_resid]
        if zero_df:
            steady = [(t, f) for t, f in zero_df if abs(criterion_value(f, k) - value) <= _ZERO_DF_CHANGE]
            if len(steady) < len(zero_df):
                message = "stepwise: dropping a term that removes no coefficient changed the criterion; such terms were kept."
                warnings_module.warn(message, GLMGenWarning, stacklevel=3)
                messages.append(message)
            if steady:
                change = ("-", steady[-1][0])
        adds = [(t, fit_terms(tuple(current) + (t,))) for t in addable(current, upper)] \
            if forward and change is None else []
        rows = [("<none>", fit)]
        rows += [(f"- {term_label(t)}", f) for t, f in drops if f.df_resid != fit.df_resid]
        rows += [(f"+ {term_label(t)}", f) for t, f in adds if f.df_resid != fit.df_resid]
        table = _fits_table(rows, fit, k)
        candidates.append(table.sort_values("criterion", kind="stable").reset_index(drop=True))
        if change is None:
            best_row = int(np.argmin(table["criterion"].to_numpy()))  # first minimum: "<none>" wins ties
            if best_row == 0:
                break
            sign, label = rows[best_row][0].split(" ", 1)
            pool = drops if sign == "-" else adds
            change = (sign, next(t for t, _ in pool if term_label(t) == label))
        sign, term = change
        new_terms = [u for u in current if u is not term] if sign == "-" else current + [term]
        new_fit = fit_terms(tuple(new_terms))
        new_value = criterion_value(new_fit, k)
        if new_value >= value + _IMPROVEMENT:
            break
        current, fit, value = new_terms, new_fit, new_value
        path.append(fit)
        moves.append(f"{sign} {term_label(term)}")
    history = pd.DataFrame({
        "step": moves,
        "df": [math.nan] + [abs(a.df_resid - b.df_resid) for a, b in zip(path, path[1:])],
        "deviance": [math.nan] + [abs(a.deviance - b.deviance) for a, b in zip(path, path[1:])],
        "resid_df": [f.df_resid for f in path],
        "resid_deviance": [f.deviance for f in path],
        "criterion": [criterion_value(f, k) for f in path],
        "formula": [f.spec.formula for f in path],
    })
    return tuple(path), history, tuple(candidates), messages


# --- best subsets ----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BestSubsetResult:
    """Outcome of an exhaustive search over the hierarchical subsets of a formula's terms.

    Attributes
    ----------
    best : GLMResult
        The subset with the smallest criterion (ties: the smaller model, then the earlier one).
    by_size : DataFrame
        The best model for each number of terms, indexed by ``n_terms``:
        ``formula``, ``edf`` (estimated coefficients, as R's ``extractAIC``),
        ``deviance``, ``criterion``.
    models : DataFrame
        Every subset fitted, sorted by criterion (same columns plus ``n_terms``).
    criterion, k, n_fits, n_dropped, warnings, call
        As in :class:`StepwiseResult`.
    """

    best: GLMResult
    by_size: pd.DataFrame
    models: pd.DataFrame
    criterion: str
    k: float
    n_fits: int
    n_dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    call: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the caller's names the formulas use (refits such as the bootstrap's run the search in it)
    context: FormulaContext = field(default_factory=FormulaContext, repr=False)

    @property
    def formula(self) -> str:
        return self.best.spec.formula

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


def search_subsets(
    terms: Sequence[Term], fit_terms: FitTerms, *, k: float
) -> tuple[GLMResult, pd.DataFrame, pd.DataFrame]:
    """Fit every subset of :func:`hierarchical_subsets` and tabulate; returns ``best, by_size, models``."""
    subsets = hierarchical_subsets(terms)
    fits = [fit_terms(subset) for subset in subsets]
    models = pd.DataFrame({
        "n_terms": [len(s) for s in subsets],
        "formula": [f.spec.formula for f in fits],
        "edf": [estimated_coefficients(f) for f in fits],
        "deviance": [f.deviance for f in fits],
        "criterion": [criterion_value(f, k) for f in fits],
    })
    order = models.sort_values(["criterion", "n_terms"], kind="stable").index
    best = fits[int(order[0])]
    by_size = models.loc[models.groupby("n_terms")["criterion"].idxmin()].set_index("n_terms")
    return best, by_size, models.loc[order].reset_index(drop=True)
