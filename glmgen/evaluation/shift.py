"""Shift checks: how far new rows are from the training rows, and what that costs a fitted model.

:func:`shift` compares two frames; :func:`shift_of_fit` (``fit.shift(new)``) compares a fitted model's
training rows with new rows in the model's own design columns (what the model sees: a factor's indicator
columns, a transform's values), since a fit keeps its design, not its data frame. Both give

1. **per-column statistics** (:mod:`.shift_columns`: SMD and Kolmogorov-Smirnov D for numeric columns, total
   variation distance for categorical ones, PSI, unseen levels, missingness);
2. **adversarial validation**: the training rows (label 0) and the new rows (label 1) stacked, and a lasso
   logistic path (:func:`glmgen.fit.fit_glm_path`, family binomial, columns standardized) fitted to tell them
   apart, its alpha chosen by ``folds``-fold cross-validated deviance (``alpha_min``, folds stratified by
   the label and seeded). Refitting at that alpha inside each fold gives every row an out-of-fold probability
   ``p`` of being new, whose Mann-Whitney AUC is reported (0.5: no detectable shift). A numeric column's
   missing values are replaced by its median over both frames plus an indicator column (``x[NA]``), a
   categorical column's become the level ``"(missing)"``; columns constant over both frames are left out. Each
   row counts once (weights play no part in telling the rows apart).

:func:`shift_of_fit` adds the **expected deviance**: the model is refitted on the training rows in
``folds`` folds by the bootstrap's refit engine (same family, link, penalty and design; only the coefficients
and an imputation are re-learned), each training row gets its held-out unit deviance ``d_i``, and

    held_out = sum_i v_i d_i / sum_i v_i,      expected = sum_i w_i v_i d_i / sum_i w_i v_i,

with ``v_i`` the row's weights (prior times frequency) and ``w_i = (n_train / n_new) p_i / (1 - p_i)`` the
density ratio ``p_new(x) / p_train(x)`` estimated from the out-of-fold probabilities (Sugiyama et al. 2012),
``p_i`` clipped to ``[P_CLIP, 1 - P_CLIP]`` so that no row weighs more than ``(1 - P_CLIP) / P_CLIP`` times
``n_train / n_new``. ``expected`` estimates the model's mean deviance on the new population when the shift is
in ``x`` only (the response given ``x`` unchanged).
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._validation import check_seed, check_whole, is_dask_frame, quoted, suggestion
from ..errors import DataError, GLMGenWarning, InvalidParameterError, UnseenLevelError
from ..fit import fit_glm, fit_glm_path, make_fold_ids
from ..formula import FormulaContext
from ..matrices import ModelMatrix
from ..resampling import refit_engine
from ..results import SHIFT_COLUMNS, GLMResult, ShiftResult, display
from .shift_columns import (
    auc_standard_error,
    column_statistics,
    is_numeric_column,
    mann_whitney_auc,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: alphas of the adversarial lasso path
N_ALPHAS = 50
#: out-of-fold probabilities are clipped to [P_CLIP, 1 - P_CLIP] before they become density ratios
P_CLIP = 0.01
#: the level a categorical column's missing values become in the adversarial model
MISSING_LEVEL = "(missing)"


def shift(train: AnyFrame, new: AnyFrame, columns: list[str] | None = None, seed: int = 0, *,
          folds: int = 5, progress: bool | None = None) -> ShiftResult:
    """Compare ``new`` rows with ``train`` rows: per-column statistics and adversarial validation.

    Parameters
    ----------
    train, new : DataFrame
        The rows to compare, in memory: pandas, polars or pyarrow frames (as :func:`glmgen.glm`; a Dask
        DataFrame raises :class:`InvalidParameterError`).
    columns : list of str, optional
        The columns to compare (default: every column of ``train`` that ``new`` also has).
    seed : int
        Seeds the adversarial model's cross-validation folds.
    folds : int
        Its number of folds (at least 2, and at most the rows of either frame).
    progress : bool, optional
        The bar of its cross-validation, as :meth:`PathResult.cv`'s.

    Returns
    -------
    ShiftResult
        ``table`` (one row per column: kind, KS D or total variation distance, SMD, PSI, unseen share,
        missingness), ``auc`` (0.5: no detectable shift), ``auc_se``, ``fold_auc``, ``terms_used``,
        ``columns_used`` and ``plot()``. The statistics and the adversarial model are described in
        :mod:`glmgen.evaluation.shift` and :mod:`glmgen.evaluation.shift_columns`.
    """
    train, new = _in_memory(train, "train"), _in_memory(new, "new")
    seed, folds = check_seed(seed), check_whole("folds", folds, 2)
    notes = []
    if columns is None:
        columns = [c for c in train.columns if c in new.columns]
        only = [str(c) for c in list(train.columns) + list(new.columns) if c not in columns]
        if only:
            notes.append(f"Columns in only one of the frames, not compared: {quoted(sorted(set(only)))}.")
    else:
        columns = _checked_columns(columns, train, new)
    if not columns:
        raise DataError("train and new have no column in common to compare; give frames with the same columns, or "
                        "name them with columns=[...].")
    fields, _ = _compare(train[columns], new[columns], seed, folds, notes, progress)
    return ShiftResult(**fields)


@display.register("shift_fit")
def shift_of_fit(fit: GLMResult, new: AnyFrame, *, folds: int = 5, seed: int = 0,
                 progress: bool | None = None) -> ShiftResult:
    """``fit.shift(new)``: :func:`shift` on the model's design columns plus the expected deviance (module notes;
    ``progress`` as :func:`shift`)."""
    new = _in_memory(new, "new")
    seed, folds = check_seed(seed), check_whole("folds", folds, 2)
    training = fit.training_rows()
    try:
        design = fit.spec.build(new, need_response=False, need_offset=False)
    except UnseenLevelError as exc:
        raise UnseenLevelError(f"{exc} (fit.shift compares the model's design columns, which have no column for an "
                               "unseen level: gg.shift(training_frame, new) measures unseen levels per column)"
                               ) from None
    names = fit.spec.column_names
    train_frame = pd.DataFrame(_dense(training.design.X), columns=names)
    new_frame = pd.DataFrame(_dense(design.X), columns=names)
    notes = ["Columns are the model's design columns (a factor as its indicator columns, a transform as its "
             "values): the fit keeps its design, not its data frame."]
    if design.n_dropped:
        notes.append(f"{design.n_dropped} of the {len(new)} new rows have missing model inputs and are left out.")
    fields, probability = _compare(train_frame, new_frame, seed, folds, notes, progress)
    with _recorded() as caught:
        unit = held_out_unit_deviance(fit, make_fold_ids(training.design.n_rows, folds, np.random.default_rng(seed)))
    weight = density_ratio(probability[: len(train_frame)], len(train_frame), len(new_frame))
    v = training.weights * training.freq_weights
    held_out = float(np.sum(v * unit) / np.sum(v))
    expected = float(np.sum(weight * v * unit) / np.sum(weight * v))
    notes.append(f"Held-out deviance: {folds}-fold refits of the model on its training rows (seed {seed}); expected "
                 f"deviance: the same, weighted by the density ratio from the adversarial model (probabilities "
                 f"clipped to [{P_CLIP:g}, {1 - P_CLIP:g}]).")
    fields["warnings"] = list(dict.fromkeys(fields["warnings"] + caught))
    return ShiftResult(**fields, held_out_deviance=held_out, expected_deviance=expected,
                       effective_n=float(weight.sum() ** 2 / np.sum(weight**2)))


def density_ratio(probability: FloatArray, n_train: int, n_new: int) -> FloatArray:
    """``w = (n_train / n_new) p / (1 - p)``, the classifier's estimate of ``p_new(x) / p_train(x)``, with ``p``
    clipped to ``[P_CLIP, 1 - P_CLIP]``."""
    p = np.clip(probability, P_CLIP, 1.0 - P_CLIP)
    return (n_train / n_new) * p / (1.0 - p)


def held_out_unit_deviance(fit: GLMResult, fold_ids: IntArray) -> FloatArray:
    """Each training row's unit deviance under the model refitted without its fold ``(n,)``: the bootstrap's
    refit engine (:func:`glmgen.resampling.refit_engine`) with the fold's rows given count 0 (same family, link,
    penalty and design; an imputation re-learned from the other folds)."""
    design = fit.training_rows().design
    assert design.y is not None
    engine = refit_engine(fit)
    rng = np.random.default_rng(0)  # case refits draw nothing
    unit = np.empty(design.n_rows)
    for k in range(int(fold_ids.max()) + 1):
        test = fold_ids == k
        eta = engine.refit((~test).astype(np.int64), rng).eta
        assert eta is not None
        unit[test] = fit.family.unit_deviance(design.y[test], fit.link.inverse(eta[test]))
    return unit


# --- the comparison shared by both entry points -------------------------------------------------------

def _compare(train: pd.DataFrame, new: pd.DataFrame, seed: int, folds: int,
             notes: list[str], progress: bool | None = None) -> tuple[dict[str, Any], FloatArray]:
    """The fields of a :class:`ShiftResult` comparing ``train`` with ``new`` (same columns): per-column
    statistics and the adversarial model; and the out-of-fold probabilities of being new (training rows first)."""
    if min(len(train), len(new)) < folds:
        raise DataError(f"the shift check needs at least folds={folds} rows in each frame, got {len(train)} training "
                        f"and {len(new)} new rows.")
    rows = [{"column": str(c)} | column_statistics(train[c], new[c]) for c in train.columns]
    with _recorded() as caught:
        adversarial = _adversarial(train, new, seed, folds, progress)
    table = pd.DataFrame(rows, columns=[c for c in SHIFT_COLUMNS if c != "used"])
    table["used"] = [c in adversarial["columns"] for c in table["column"]]
    label = np.r_[np.zeros(len(train), dtype=bool), np.ones(len(new), dtype=bool)]
    probability, fold_ids = adversarial["probability"], adversarial["fold_ids"]
    auc = mann_whitney_auc(probability, label)
    fold_auc = np.array([mann_whitney_auc(probability[fold_ids == k], label[fold_ids == k]) for k in range(folds)])
    notes = notes + [f"Adversarial model: lasso logistic regression, alpha by {folds}-fold CV (alpha_min, folds "
                     f"stratified, seed {seed}); AUC from the out-of-fold probabilities. Numeric NA: median plus an "
                     f"indicator column; categorical NA: the level {MISSING_LEVEL!r}."]
    fields = dict(table=table[list(SHIFT_COLUMNS)], auc=auc, auc_se=auc_standard_error(auc, len(new), len(train)),
                  fold_auc=fold_auc, alpha=adversarial["alpha"], terms_used=adversarial["terms"],
                  n_train=len(train), n_new=len(new), folds=folds, seed=seed, notes=notes, warnings=caught)
    return fields, probability


def _adversarial(train: pd.DataFrame, new: pd.DataFrame, seed: int, folds: int,
                 progress: bool | None = None) -> dict[str, Any]:
    """The adversarial lasso: out-of-fold probabilities of being new, fold ids, alpha, non-zero terms, columns."""
    frame, names = _model_frame(train, new)
    label = np.r_[np.zeros(len(train)), np.ones(len(new))]
    n = len(label)
    if not names:  # nothing varies: every row looks alike
        fold_ids = make_fold_ids(n, folds, np.random.default_rng(seed), stratify=label)
        return {"probability": np.full(n, len(new) / n), "fold_ids": fold_ids, "alpha": math.nan,
                "terms": pd.Series(dtype=float, name="coef"), "columns": set()}
    frame["_new_"] = label
    formula = "_new_ ~ " + " + ".join(names.values())
    context = FormulaContext()
    path = fit_glm_path(formula, frame, "binomial", context=context, n_alphas=N_ALPHAS)
    cv = path.cv(folds=folds, seed=seed, stratify=True, progress=progress)
    alpha = float(cv.alpha_min)
    declared = path.spec.declare_levels(frame)
    probability = np.empty(n)
    for k in range(folds):
        held = cv.fold_ids == k
        fold_fit = fit_glm(formula, declared[~held], "binomial", context=context, alpha=alpha, l1_ratio=1.0)
        probability[held] = fold_fit.predict(declared[held]).to_numpy()
    params = path.fit_at(alpha).params.drop("Intercept", errors="ignore")
    used = params[params != 0]
    readable = {f"v{j}": str(column) for j, column in enumerate(train.columns)}
    terms = used.rename(lambda term: _readable(term, readable))
    return {"probability": probability, "fold_ids": cv.fold_ids, "alpha": alpha, "terms": terms,
            "columns": {readable[_base(term)] for term in used.index}}


def _model_frame(train: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Both frames stacked under safe names ``v0, v1, ...`` with NA handled (module notes), and the terms:
    safe name of each column -> its formula terms (constant columns left out)."""
    stacked = pd.concat([train, new], ignore_index=True)
    frame: dict[str, Any] = {}
    terms: dict[str, str] = {}
    for j, column in enumerate(stacked.columns):
        values, name = stacked[column], f"v{j}"
        missing = values.isna().to_numpy()
        if is_numeric_column(values):
            numbers = values.to_numpy(dtype=float)
            present = numbers[~missing]
            frame[name] = np.where(missing, np.median(present) if present.size else 0.0, numbers)
            parts = [name] if present.size and np.ptp(present) > 0 else []
            if missing.any() and not missing.all():
                frame[f"{name}_na"] = missing.astype(float)
                parts.append(f"{name}_na")
        else:
            text = values.astype(object).where(~missing, MISSING_LEVEL).astype(str)
            frame[name] = pd.Categorical(text)
            parts = [name] if frame[name].categories.size > 1 else []
        if parts:
            terms[name] = " + ".join(parts)
    return pd.DataFrame(frame), terms


def _base(term: str) -> str:
    """The safe column name of a coefficient name: ``v3`` of ``v3``, ``v3_na`` and ``v3[T.level]``."""
    base = term.split("[", 1)[0]
    return base[:-3] if base.endswith("_na") else base


def _readable(term: str, names: dict[str, str]) -> str:
    """A coefficient name with the safe column name replaced by the column's: ``x``, ``x[NA]``, ``g[T.level]``."""
    base = term.split("[", 1)[0]
    column = names[_base(term)]
    return f"{column}[NA]" if base.endswith("_na") else column + term[len(base):]


# --- checks and helpers ------------------------------------------------------------------------------

def _refuse_dask() -> None:
    raise InvalidParameterError(
        "the shift check needs both frames in memory (it compares the distributions of whole columns and "
        "cross-validates a model over the stacked rows), but a Dask DataFrame was given. Bring it into memory "
        "with .compute(), or compare a sample of its rows, e.g. frame.sample(frac=0.05, random_state=0).compute()."
    )


def _in_memory(frame: AnyFrame, name: str) -> pd.DataFrame:
    """``frame`` as pandas (:func:`~glmgen._frames.as_pandas`); a Dask DataFrame is refused."""
    if is_dask_frame(frame):
        _refuse_dask()
    return as_pandas(frame, name)


def _checked_columns(columns: Any, train: pd.DataFrame, new: pd.DataFrame) -> list[Any]:
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise InvalidParameterError(f"columns={columns!r} must be a list of column names, e.g. ['age', 'region'].")
    for name, frame in (("train", train), ("new", new)):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            known = [str(c) for c in frame.columns]
            raise InvalidParameterError(
                f"columns names {quoted(absent)}, which {name} does not have (its columns: {quoted(known[:12])}"
                f"{', ...' if len(known) > 12 else ''}).{suggestion(absent[0], known)} Check the spelling, or leave "
                "columns=None to compare every column both frames have."
            )
    return list(dict.fromkeys(columns))


def _dense(X: Any) -> FloatArray:
    return X.toarray() if isinstance(X, ModelMatrix) else np.asarray(X)


@contextmanager
def _recorded() -> Iterator[list[str]]:
    """Record glmgen's warnings raised inside (re-issued once each when the block ends)."""
    messages: list[str] = []
    with warnings_module.catch_warnings(record=True) as caught:
        warnings_module.simplefilter("always", GLMGenWarning)
        try:
            yield messages
        finally:
            seen = [w for w in caught if issubclass(w.category, GLMGenWarning)]
            messages.extend(dict.fromkeys(str(w.message) for w in seen))
    for w in {str(w.message): w for w in seen}.values():
        warnings_module.warn(w.message, w.category, stacklevel=4)
