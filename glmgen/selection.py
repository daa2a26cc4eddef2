"""Model selection by information criteria: the criterion, term moves, searches and tests.

Everything here works on fitted :class:`~glmgen.results.GLMResult` records
and on formula terms (patsy :class:`~patsy.Term` objects); the formula-level
entry points that refit models live in :mod:`glmgen.stepwise`.

Conventions
-----------
The stepwise and best-subset criterion is R's ``extractAIC`` for ``glm`` fits,

    ``criterion = aic + (k - 2) * edf = -2 loglik + k * edf + 2 * [dispersion estimated]``

where ``aic`` is R's ``AIC()`` (``GLMResult.aic``), ``edf`` the number of
estimated coefficients (rank of the design, intercept included, aliased
columns excluded) and ``k`` the penalty per coefficient (2 for AIC,
``log(nobs)`` for BIC). For the binomial and poisson families this is
``-2 loglik + k * edf``; for the gaussian family it adds the constant 2 of
the estimated dispersion, exactly as ``MASS::stepAIC`` prints for a
``glm`` (R's ``extractAIC`` for an ``lm`` fit, ``n log(RSS/n) + k * edf``,
differs from it by a constant, so both choose the same models).

:func:`compare` reports each fit's own ``aic``, ``bic`` and ``aicc``, whose
``k`` counts the dispersion where it is estimated (R's ``AIC()``/``BIC()``).
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from patsy import Term
from scipy import stats

from ._validation import check_choice, quoted
from .errors import DataError, GLMGenWarning, InvalidParameterError
from .results import GLMResult

FitTerms = Callable[[tuple[Term, ...]], GLMResult]

CRITERIA = ("aic", "bic")
DIRECTIONS = ("both", "backward", "forward")
#: stepAIC stops when a move does not lower the criterion by more than this
_IMPROVEMENT = 1e-7
#: stepAIC's tolerance for a zero-df move that nevertheless changes the criterion
_ZERO_DF_CHANGE = 0.01


# --- the criterion ---------------------------------------------------------------------------------

def criterion_penalty(criterion: str | float, nobs: float) -> tuple[str, float]:
    """The criterion's name and its penalty ``k`` per coefficient.

    ``"aic"`` gives ``k = 2``, ``"bic"`` gives ``k = log(nobs)``, and a number
    is ``k`` itself (as ``stepAIC(k=)``).
    """
    if isinstance(criterion, str):
        name = check_choice("criterion", criterion, CRITERIA)
        return name, 2.0 if name == "aic" else math.log(nobs)
    if isinstance(criterion, (int, float, np.integer, np.floating)) and not isinstance(criterion, bool):
        k = float(criterion)
        if math.isfinite(k) and k >= 0:
            return f"k={k:g}", k
    raise InvalidParameterError(
        f"criterion={criterion!r} must be 'aic', 'bic' or a number k >= 0 (the penalty per coefficient: "
        "2 for AIC, log(n) for BIC)."
    )


def estimated_coefficients(fit: GLMResult) -> float:
    """``edf`` of R's ``extractAIC``: coefficients estimated, intercept included, aliased columns not."""
    return fit.df_model + float(fit.spec.fit_intercept)


def criterion_value(fit: GLMResult, k: float) -> float:
    """R's ``extractAIC(fit, k=k)[2]`` for a ``glm``: ``AIC + (k - 2) * edf`` (see the module notes)."""
    return fit.aic + (k - 2.0) * estimated_coefficients(fit)


# --- terms and marginality -------------------------------------------------------------------------

def term_label(term: Term) -> str:
    """The term as written in a formula (``age``, ``age:ftv``, ``I(x ** 2)``)."""
    return str(term.name())


def term_key(term: Term) -> frozenset[str]:
    """Order-free identity of a term: the set of its factors' codes (``a:b`` is ``b:a``)."""
    return frozenset(str(factor.name()) for factor in term.factors)


def by_degree(terms: Sequence[Term]) -> list[Term]:
    """Terms ordered as R's ``terms()`` orders them: by degree, then as given."""
    return sorted(terms, key=lambda term: len(term.factors))


def droppable(current: Sequence[Term], lower: Sequence[Term]) -> list[Term]:
    """Terms of ``current`` that may be dropped: not in ``lower``, and not marginal to another droppable term.

    This is R's ``factor.scope(...)$drop`` (used by ``drop1``, ``step`` and
    ``stepAIC``): a main effect cannot leave while an interaction containing
    it is still in the model (among the terms the scope allows to drop).
    """
    lower_keys = {term_key(t) for t in lower}
    candidates = [t for t in current if term_key(t) not in lower_keys]
    keys = [term_key(t) for t in candidates]
    return [t for t, key in zip(candidates, keys) if not any(key < other for other in keys)]


def addable(current: Sequence[Term], upper: Sequence[Term]) -> list[Term]:
    """Terms of ``upper`` not in ``current`` whose lower-order terms in ``upper`` are all present.

    This is R's ``factor.scope(...)$add`` (used by ``add1``, ``step`` and
    ``stepAIC``): ``a:b`` can enter only once ``a`` and ``b`` are in the model
    (a margin that is not in the upper scope at all does not block it).
    """
    current_keys = {term_key(t) for t in current}
    candidates = [t for t in upper if term_key(t) not in current_keys]
    keys = [term_key(t) for t in candidates]
    return [t for t, key in zip(candidates, keys) if not any(other < key for other in keys)]


def hierarchical_subsets(terms: Sequence[Term]) -> list[tuple[Term, ...]]:
    """Every subset of ``terms`` that respects marginality, smallest first.

    A subset is kept when each of its terms comes with all of its lower-order
    terms that are among ``terms`` (so ``a:b`` only with ``a`` and ``b``).
    """
    keys = [term_key(t) for t in terms]
    needs = [
        sum(1 << j for j, other in enumerate(keys) if other < key) for key in keys
    ]
    subsets = []
    for mask in range(1 << len(terms)):
        if all(not (mask >> i) & 1 or (needs[i] & mask) == needs[i] for i in range(len(terms))):
            subsets.append(tuple(t for i, t in enumerate(terms) if (mask >> i) & 1))
    return sorted(subsets, key=len)


def model_label(terms: Sequence[Term], fit_intercept: bool) -> str:
    """Right-hand side listing ``terms`` in R's order (``1`` / ``0`` alone for the empty model)."""
    labels = [term_label(t) for t in by_degree(terms)]
    if not labels:
        return "1" if fit_intercept else "0"
    return " + ".join(labels if fit_intercept else ["0", *labels])


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
        ``resid_deviance``, ``criterion`` (see :mod:`glmgen.selection`) and
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
        The arguments of the search except ``data``; ``gg.stepwise(data=new_data, **result.call)``
        re-runs it (e.g. on a bootstrap resample).
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

    def __repr__(self) -> str:
        table = self.history.drop(columns="formula").to_string(
            index=False, na_rep="", float_format=lambda v: f"{v:.7g}"
        )
        return (
            f"StepwiseResult(criterion={self.criterion!r}, k={self.k:.6g}, direction={self.direction!r}, "
            f"steps={self.n_steps}, fits={self.n_fits})\n"
            f"Initial model: {self.start.spec.formula}\n"
            f"Final model:   {self.best.spec.formula}\n\n{table}"
        )


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

    @property
    def formula(self) -> str:
        return self.best.spec.formula

    def __repr__(self) -> str:
        table = self.by_size.to_string(float_format=lambda v: f"{v:.7g}")
        return (
            f"BestSubsetResult(criterion={self.criterion!r}, k={self.k:.6g}, fits={self.n_fits})\n"
            f"Best model: {self.formula}\n\n{table}"
        )


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


# --- comparison table ------------------------------------------------------------------------------

def _check_fits(fits: Any, what: str) -> list[GLMResult]:
    if isinstance(fits, GLMResult) or not isinstance(fits, (list, tuple)) or not fits:
        raise InvalidParameterError(f"{what} takes a non-empty list of fitted models, e.g. [fit1, fit2].")
    for i, fit in enumerate(fits):
        if not isinstance(fit, GLMResult):
            raise InvalidParameterError(
                f"{what}: item {i} is a {type(fit).__name__}, not a fitted model (GLMResult from gg.glm or "
                "step.best)."
            )
    return list(fits)


def _row_names(fits: list[GLMResult], names: Sequence[str] | None) -> list[str]:
    if names is None:
        labels = [fit.spec.formula for fit in fits]
        return [label if labels[:i].count(label) == 0 else f"{label} [{labels[:i].count(label) + 1}]"
                for i, label in enumerate(labels)]
    if isinstance(names, str) or not isinstance(names, (list, tuple, pd.Index)) or len(names) != len(fits):
        raise InvalidParameterError(f"names must be a list of {len(fits)} labels, one per fit, got {names!r}.")
    labels = [str(n) for n in names]
    duplicated = sorted({n for n in labels if labels.count(n) > 1})
    if duplicated:
        raise InvalidParameterError(f"names must be unique, but {quoted(duplicated)} appear more than once.")
    return labels


def compare(
    fits: Sequence[GLMResult], *, names: Sequence[str] | None = None, test: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Information criteria of several fits side by side, with Akaike weights.

    Parameters
    ----------
    fits : list of GLMResult
    names : list of str, optional
        Row labels; default the formulas (repeated formulas get ``" [2]"``, ...).
    test : DataFrame, optional
        Held-out rows: adds ``test_mean_deviance`` (``fit.evaluate(test).mean_deviance``).

    Returns
    -------
    DataFrame
        One row per fit, in input order, indexed by ``names``: ``df`` (the
        ``k`` of AIC: coefficients plus the dispersion where estimated),
        ``deviance``, ``aic``, ``bic``, ``aicc``, ``delta_aic`` (``aic`` minus
        the smallest ``aic``), ``akaike_weight``
        (``exp(-delta_aic / 2)`` normalised to sum to 1) and, with ``test``,
        ``test_mean_deviance``.

    Notes
    -----
    Information criteria compare models of the same response fitted to the
    same rows; a warning says so when the fits' ``nobs`` or responses differ.
    """
    fits = _check_fits(fits, "compare")
    index = _row_names(fits, names)
    differences = {what for fit in fits[1:] if (what := _data_difference(fits[0], fit, False)) is not None}
    if len({fit.nobs for fit in fits}) > 1 or len({fit.spec.response.label for fit in fits}) > 1 or differences:
        described = ", ".join(f"{fit.spec.response.label} (nobs={fit.nobs:g})" for fit in fits)
        detail = f"; their {' and '.join(sorted(differences))} differ" if differences else ""
        warnings_module.warn(
            f"compare: the fits do not share the same response and rows ({described}{detail}); their AIC and "
            "BIC are not comparable. Fit every model to the same rows of the same response.",
            GLMGenWarning,
            stacklevel=2,
        )
    aic = np.array([fit.aic for fit in fits], dtype=float)
    finite = np.isfinite(aic)
    delta = aic - (aic[finite].min() if finite.any() else np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        relative = np.where(finite, np.exp(-0.5 * delta), 0.0)
        weights = relative / relative.sum() if relative.sum() > 0 else np.full(len(fits), np.nan)
    table = pd.DataFrame({
        "df": [fit.k for fit in fits],
        "deviance": [fit.deviance for fit in fits],
        "aic": aic,
        "bic": [fit.bic for fit in fits],
        "aicc": [fit.aicc for fit in fits],
        "delta_aic": delta,
        "akaike_weight": np.where(finite, weights, np.nan),
    }, index=pd.Index(index, name="model"))
    if test is not None:
        if not isinstance(test, pd.DataFrame):
            raise InvalidParameterError(f"test must be a DataFrame of held-out rows, got {type(test).__name__}.")
        table["test_mean_deviance"] = [fit.evaluate(test).mean_deviance for fit in fits]
    return table


# --- likelihood-ratio test -------------------------------------------------------------------------

@dataclass(frozen=True)
class LRTestResult:
    """Likelihood-ratio (analysis of deviance) test of a model against a larger one that nests it.

    ``test`` is ``"chi2"`` when the dispersion is known (binomial, poisson):
    ``statistic = deviance_small - deviance_big`` on ``df`` degrees of
    freedom. It is ``"F"`` when the dispersion is estimated (gaussian), as
    R's ``anova(small, big, test="F")``:
    ``statistic = (deviance_small - deviance_big) / df / dispersion`` with
    the big model's dispersion (Pearson chi2 / residual df) on
    ``(df, df_denominator)`` degrees of freedom.
    """

    statistic: float
    df: float
    pvalue: float
    test: str
    deviance_small: float
    deviance_big: float
    df_resid_small: float
    df_resid_big: float
    dispersion: float
    df_denominator: float
    formula_small: str
    formula_big: str

    def to_frame(self) -> pd.DataFrame:
        """R's analysis-of-deviance table: one row per model."""
        statistic = "F" if self.test == "F" else "chi2"
        return pd.DataFrame({
            "resid_df": [self.df_resid_small, self.df_resid_big],
            "resid_deviance": [self.deviance_small, self.deviance_big],
            "df": [math.nan, self.df],
            "deviance": [math.nan, self.deviance_small - self.deviance_big],
            statistic: [math.nan, self.statistic],
            "pvalue": [math.nan, self.pvalue],
        }, index=pd.Index([self.formula_small, self.formula_big], name="model"))

    def __str__(self) -> str:
        degrees = f"{self.df:g}" if self.test == "chi2" else f"{self.df:g}, {self.df_denominator:g}"
        return (
            f"Likelihood-ratio test ({self.test})\n  small: {self.formula_small}\n  big:   {self.formula_big}\n"
            f"  statistic = {self.statistic:.6g} on {degrees} df, p-value = {self.pvalue:.4g}"
        )


def _term_keys(fit: GLMResult) -> dict[frozenset[str], str]:
    return {term_key(term): ("Intercept" if not term.factors else term_label(term))
            for term in fit.spec.design_info.terms}


def _check_same_rows(small: GLMResult, big: GLMResult) -> None:
    if small.nobs != big.nobs:
        raise DataError(
            f"lrtest needs both models fitted to the same rows, but small has nobs={small.nobs:g} and big "
            f"nobs={big.nobs:g} (rows with missing values in the big model's extra variables are dropped only "
            "there). Drop those rows from the data first and refit both models on it."
        )
    if small.spec.response.label != big.spec.response.label:
        raise DataError(
            f"lrtest needs the same response in both models, got {small.spec.response.label!r} and "
            f"{big.spec.response.label!r}."
        )
    what = _data_difference(small, big)
    if what is not None:
        raise DataError(
            f"lrtest needs both models fitted to the same rows, but their {what} differ. Refit both on "
            "the same data (same rows, same weights)."
        )


def _data_difference(first: GLMResult, second: GLMResult, prior_weights: bool = True) -> str | None:
    """What differs between the training rows of two fits ("response values", "prior weights", ...), or
    ``None`` when they agree (or a fit keeps no training arrays). ``prior_weights=False`` leaves prior
    weights out: they are part of the model (a variance model), not of the data."""
    if first.training is None or second.training is None:
        return None
    a, b = first.training, second.training
    parts = [("response values", a.y, b.y), ("frequency weights", a.freq_weights, b.freq_weights)]
    if prior_weights:
        parts.insert(1, ("prior weights", a.weights, b.weights))
    for what, x, y in parts:
        if x.shape != y.shape or not np.allclose(x, y, rtol=1e-12, atol=0.0):
            return what
    return None


def _check_nested(small: GLMResult, big: GLMResult) -> None:
    small_terms, big_terms = _term_keys(small), _term_keys(big)
    if set(small_terms) <= set(big_terms):
        return
    if set(small.params.index) <= set(big.params.index):
        return
    if set(big_terms) < set(small_terms) or set(big.params.index) < set(small.params.index):
        raise InvalidParameterError(
            f"lrtest(small, big) got the larger model first: {small.spec.formula!r} contains "
            f"{big.spec.formula!r}. Swap the arguments: lrtest(smaller_fit, larger_fit)."
        )
    missing = [label for key, label in small_terms.items() if key not in big_terms]
    if missing == ["Intercept"]:
        raise InvalidParameterError(
            f"the models are not nested: {small.spec.formula!r} has an intercept but {big.spec.formula!r} "
            "has none. Add the intercept to the big model, or remove it from the small one."
        )
    raise InvalidParameterError(
        f"the models are not nested: term {missing[0]!r} of the small model {small.spec.formula!r} is not in "
        f"the big model {big.spec.formula!r}. lrtest compares a model with a larger one containing all of its "
        "terms; for non-nested models compare AIC or BIC with gg.compare([...])."
    )


def lrtest(small: GLMResult, big: GLMResult) -> LRTestResult:
    """Likelihood-ratio test of ``small`` against ``big``, which must contain it.

    As R's ``anova(small, big, test="Chisq")`` for binomial and poisson
    fits, and ``anova(small, big, test="F")`` where the dispersion is
    estimated (gaussian); see :class:`LRTestResult`.

    Raises
    ------
    ValueError
        If the fits have different families or links, were fitted to
        different rows (``nobs``, response values or weights differ), are
        penalized, are not nested (a term of ``small`` is not in ``big``), or
        come in the wrong order.
    """
    for name, fit in (("small", small), ("big", big)):
        if not isinstance(fit, GLMResult):
            raise InvalidParameterError(f"lrtest: {name} must be a fitted model (GLMResult), got {type(fit).__name__}.")
        if fit.penalty.is_penalized:
            raise InvalidParameterError(
                f"lrtest: the {name} model is penalized (alpha={fit.penalty.alpha:g}); the likelihood-ratio "
                "test needs maximum-likelihood fits (alpha=0)."
            )
    if small.family.name != big.family.name:
        raise InvalidParameterError(
            f"lrtest needs both models from the same family, got family={small.family.name!r} (small) and "
            f"family={big.family.name!r} (big). Refit them with the same family."
        )
    if small.link.name != big.link.name:
        raise InvalidParameterError(
            f"lrtest needs both models with the same link, got link={small.link.name!r} (small) and "
            f"link={big.link.name!r} (big); models with different links are not nested."
        )
    _check_same_rows(small, big)
    _check_nested(small, big)
    df = small.df_resid - big.df_resid
    if df < 0:
        raise InvalidParameterError(
            f"lrtest(small, big): the small model {small.spec.formula!r} estimates more coefficients "
            f"({small.df_resid:g} residual df) than the big model {big.spec.formula!r} ({big.df_resid:g}). "
            "Swap the arguments: lrtest(smaller_fit, larger_fit)."
        )
    if df == 0:
        raise InvalidParameterError(
            f"lrtest: the big model {big.spec.formula!r} estimates no more coefficients than the small one "
            "(its extra columns are aliased or it has the same terms), so there is nothing to test."
        )
    change = small.deviance - big.deviance
    if big.family.estimates_dispersion:
        dispersion = big.pearson_chi2 / big.df_resid if big.df_resid > 0 else math.nan
        statistic = change / df / dispersion
        pvalue = float(stats.f.sf(statistic, df, big.df_resid))
        test, df_denominator = "F", big.df_resid
    else:
        dispersion, statistic = 1.0, change
        pvalue = float(stats.chi2.sf(statistic, df))
        test, df_denominator = "chi2", math.inf
    return LRTestResult(
        statistic=float(statistic), df=float(df), pvalue=pvalue, test=test,
        deviance_small=small.deviance, deviance_big=big.deviance,
        df_resid_small=small.df_resid, df_resid_big=big.df_resid,
        dispersion=float(dispersion), df_denominator=float(df_denominator),
        formula_small=small.spec.formula, formula_big=big.spec.formula,
    )


__all__ = [
    "BestSubsetResult",
    "LRTestResult",
    "StepwiseResult",
    "addable",
    "by_degree",
    "compare",
    "criterion_penalty",
    "criterion_value",
    "droppable",
    "hierarchical_subsets",
    "lrtest",
    "search_stepwise",
    "search_subsets",
]

