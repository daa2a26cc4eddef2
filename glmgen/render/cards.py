"""The :class:`~.notebook.Card` of each result record, and the records' ``notebook_html`` / ``notebook_text``
renderers (reached through :mod:`glmgen.results.display` by their ``_repr_html_`` and ``__repr__``).

Every number is one the record holds or one of its cheap summaries (``coef_table``, ``to_frame``,
``optimism``); nothing is refitted, and a path shows ``df`` (non-zero coefficients), never the elastic
net's ``edf``, which costs a Gram matrix per alpha. Figures are the records' ``plot()`` of one axes (a few
tenths of a second as SVG); the bootstrap's two-panel forest plot is left to ``boot.plot()``.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

import numpy as np
import pandas as pd

from ..evaluation import LearningCurveResult, ValidationCurveResult
from ..resampling import BiasVarianceResult, BootstrapResult
from ..results import (
    CVResult,
    GeneralizationResult,
    GLMResult,
    HeldOutResult,
    PathResult,
    ShiftResult,
    display,
)
from ..selection import BestSubsetResult, LRTestResult, LRTestTable, StepwiseResult
from .notebook import Card, card_html, card_text, head, spread
from .plots import (
    plot_bias_variance,
    plot_cv,
    plot_learning_curve,
    plot_path,
    plot_validation_curve,
)
from .shift import plot_shift, shift_table
from .summary import fit_summary
from .tables import Table, format_value

#: path points listed on a path's or a curve's card (the selected alphas are added)
PATH_POINTS = 8
#: a path is drawn inline only up to this many design columns (``path.plot()`` draws any)
MAX_PLOTTED_COLUMNS = 100
#: columns of the records' frames formatted as p-values (R's ``format.pval``)
P_VALUE_KINDS = {"pvalue": "p-value"}


def frame_table(title: str, frame: pd.DataFrame, *, index: bool = True, notes: list[str] | None = None) -> Table:
    """A data frame as a :class:`Table` (its index as the row header when ``index``); NaN cells are blank, as
    in R's analysis-of-deviance tables."""
    values = frame.astype(object).where(frame.notna(), None)
    if index:
        return Table(title, [str(frame.index.name or ""), *map(str, frame.columns)],
                     [[label, *row] for label, row in zip(frame.index, values.to_numpy().tolist())],
                     notes=notes or [], kinds=P_VALUE_KINDS)
    return Table(title, list(map(str, frame.columns)), values.to_numpy().tolist(), notes=notes or [],
                 row_header=False, kinds=P_VALUE_KINDS)


def _alphas(alphas: np.ndarray) -> str:
    return f"{len(alphas)}, from {format_value(alphas[0])} to {format_value(alphas[-1])}"


def _family(family: Any, link: Any) -> str:
    return f"{family.name} / {link.name}"


@singledispatch
def card(record: Any) -> Card:
    """The card of ``record`` (one builder per record type)."""
    raise TypeError(f"no notebook card for {type(record).__name__}")


@card.register
def _glm(fit: GLMResult) -> Card:
    header, coefficients = fit_summary(fit).tables
    facts = [(label, value) for label, value in header.cells()]
    kind = "penalized GLM" if fit.penalty.is_penalized else "GLM"
    return Card(f"GLMResult: {fit.family.name} {kind}, {fit.link.name} link", facts, [head(coefficients)],
                warnings=fit.warnings)


@card.register
def _path(path: PathResult) -> Card:
    penalty = "group lasso" if path.penalty == "group" else f"elastic net, l1_ratio={path.l1_ratio:g}"
    facts = [("Formula", path.spec.formula), ("Family / link", _family(path.family, path.link)),
             ("Penalty", penalty + (", relaxed" if path.relaxed_coefs is not None else "")
              + f", standardize={path.standardize}"),
             ("Alphas", _alphas(path.alphas)), ("Observations", format_value(path.nobs)),
             ("Null deviance", format_value(path.null_deviance)),
             ("Convergence", "every alpha" if path.converged.all()
              else f"{int((~path.converged).sum())} of {len(path.alphas)} alphas did not converge")]
    cv, marks = path.last_cv, {}
    if cv is not None and len(cv.alphas) == len(path.alphas):
        marks = {cv.index_min: "alpha_min", cv.index_1se: "alpha_1se"}
        facts += [("CV alpha_min", format_value(cv.alpha_min)), ("CV alpha_1se", format_value(cv.alpha_1se))]
    rows = [[f"{i + 1}" + (f" ({marks[i]})" if i in marks else ""), path.alphas[i], path.df[i],
             path.dev_ratio[i], path.deviance[i]] for i in spread(len(path.alphas), PATH_POINTS, tuple(marks))]
    table = Table(f"Path points ({len(rows)} of {len(path.alphas)} alphas)",
                  ["#", "alpha", "df", "dev. ratio", "deviance"], rows)
    columns = len(path.spec.column_names)
    drawable = columns <= MAX_PLOTTED_COLUMNS
    notes = [] if drawable else [f"{columns} design columns: the path is not drawn here (path.plot() draws it)."]
    return Card(f"PathResult: {path.family.name} regularization path", facts, [table], notes=notes,
                warnings=path.warnings, figure=(lambda: plot_path(path)) if drawable else None)


@card.register
def _cv(result: CVResult) -> Card:
    folds = result.n_folds
    facts = [("Folds", f"{folds}" + (f" x {result.repeats} repeats" if result.repeats > 1 else "")),
             ("Alphas", _alphas(result.alphas))]
    if result.gammas is not None:
        facts += [("gamma_min", format_value(result.gamma_min)), ("gamma_1se", format_value(result.gamma_1se))]
    rows = [[name, result.alphas[i], result.mean_deviance[i], result.se[i], result.df[i]]
            for name, i in (("alpha_min", result.index_min), ("alpha_1se", result.index_1se))]
    table = Table("Selected alphas", ["", "alpha", "CV mean deviance", "se", "df"], rows)
    return Card(f"CVResult: {folds}-fold cross-validation", facts, [table], figure=lambda: plot_cv(result))


@card.register
def _bootstrap(boot: BootstrapResult) -> Card:
    facts = [("Refitted", boot.target + (f", select={boot.select!r}" if boot.select else "")),
             ("Resampling", boot.method), ("Seed", str(boot.seed)),
             ("Replicates", f"{boot.n_boot} (n_failed={boot.n_failed}, n_nonconverged={boot.n_nonconverged}, "
                            f"n_separated={boot.n_separated})"),
             ("Apparent mean deviance", format_value(boot.apparent_deviance)),
             ("Optimism-corrected (.632+)", format_value(boot.optimism()["e632plus"]))]
    table = frame_table("Coefficients (95% percentile intervals)", boot.to_frame())
    return Card(f"BootstrapResult: {boot.n_boot} replicates", facts, [head(table, more="see to_frame()")],
                notes=["boot.plot() draws the intervals and inclusion shares."], warnings=boot.warnings)


def _points(title: str, frame: pd.DataFrame, keep: tuple[int, ...] = (), index: bool = True) -> Table:
    """About :data:`PATH_POINTS` rows of a per-alpha ``frame`` spread over it (rows ``keep`` included)."""
    shown = spread(len(frame), PATH_POINTS, keep)
    return frame_table(f"{title} ({len(shown)} of {len(frame)} alphas)", frame.iloc[shown], index=index)


@card.register
def _bias_variance(result: BiasVarianceResult) -> Card:
    facts = [("Alphas", _alphas(result.table.index.to_numpy())), ("Failed replicates", str(result.n_failed))]
    return Card("BiasVarianceResult: bootstrap bias-variance decomposition", facts,
                [_points("Held-out decomposition", result.table)], warnings=result.warnings,
                figure=lambda: plot_bias_variance(result))


@card.register
def _stepwise(step: StepwiseResult) -> Card:
    facts = [("Criterion", step.criterion), ("Direction", step.direction),
             ("Initial model", step.start.spec.formula), ("Final model", step.formula),
             ("Steps", str(step.n_steps)), ("Models fitted", str(step.n_fits))]
    if step.n_dropped:
        facts.append(("Rows dropped", str(step.n_dropped)))
    history = step.history.drop(columns="formula").set_index("step")
    history.index = history.index.where(history.index != "", "(initial)")
    return Card(f"StepwiseResult: {step.direction} stepwise search by {step.criterion}", facts,
                [head(frame_table("Steps", history), more="see .history")], warnings=step.warnings)


@card.register
def _best_subset(result: BestSubsetResult) -> Card:
    facts = [("Criterion", result.criterion), ("Best model", result.formula), ("Models fitted", str(result.n_fits))]
    if result.n_dropped:
        facts.append(("Rows dropped", str(result.n_dropped)))
    return Card(f"BestSubsetResult: best subset by {result.criterion}", facts,
                [head(frame_table("Best model of each size", result.by_size), more="see .by_size")],
                warnings=result.warnings)


@card.register
def _lrtest(result: LRTestResult) -> Card:
    degrees = f"{result.df:g}" if result.test == "chi2" else f"{result.df:g}, {result.df_denominator:g}"
    facts = [("Small model", result.formula_small), ("Big model", result.formula_big),
             ("Statistic", f"{format_value(result.statistic, 6)} on {degrees} df"),
             ("p-value", format_value(result.pvalue))]
    return Card(f"LRTestResult: likelihood-ratio test ({result.test})", facts,
                [frame_table("Analysis of deviance", result.to_frame())])


@card.register
def _lrtest_table(result: LRTestTable) -> Card:
    return Card(f"LRTestTable: analysis of deviance ({result.test} test)", [("Models", str(len(result.formulas)))],
                [head(frame_table("Analysis of deviance", result.to_frame()), more="see to_frame()")])


def _held_out_facts(result: HeldOutResult) -> list[tuple[str, str]]:
    return [("Mean deviance", format_value(result.mean_deviance, 6)), ("D²", format_value(result.d2)),
            ("Deviance", format_value(result.deviance, 6)), ("Null deviance", format_value(result.null_deviance, 6)),
            ("Rows", format_value(result.n))]


@card.register
def _held_out(result: HeldOutResult) -> Card:
    return Card("HeldOutResult: fit on held-out rows", _held_out_facts(result))


@card.register
def _generalization(result: GeneralizationResult) -> Card:
    frame = pd.DataFrame({"train": result.train.to_dict(), "test": result.test.to_dict()}).T
    frame.columns = ["mean deviance", "deviance", "null deviance", "D²", "n"]
    frame.index.name = "rows"
    facts = [("Gap (test - train mean deviance)", format_value(result.gap)),
             ("D² train / test", f"{format_value(result.train_d2)} / {format_value(result.test_d2)}")]
    return Card("GeneralizationResult: training versus held-out fit", facts, [frame_table("Fit", frame)])


@card.register
def _shift(result: ShiftResult) -> Card:
    facts = [("Adversarial AUC", f"{format_value(result.auc)} (se {format_value(result.auc_se)}; 0.5 = no shift)"),
             ("Rows", f"{result.n_train} training, {result.n_new} new"),
             ("Columns used", ", ".join(result.columns_used) or "none")]
    if result.expected_deviance is not None and result.held_out_deviance is not None:
        facts.append(("Expected / held-out mean deviance",
                      f"{format_value(result.expected_deviance)} / {format_value(result.held_out_deviance)}"))
    return Card("ShiftResult: training versus new rows", facts, [head(shift_table(result))],
                warnings=result.warnings, figure=lambda: plot_shift(result))


@card.register
def _learning_curve(result: LearningCurveResult) -> Card:
    summary = result.summary().set_index("n_train")
    summary.columns = ["train mean", "train sd", "test mean", "test sd"]
    facts = [("Training sizes", str(len(summary))), ("Repeats", str(result.table["repeat"].nunique()))]
    return Card("LearningCurveResult: mean deviance against training rows", facts,
                [head(frame_table("Mean and sd over repeats", summary))], figure=lambda: plot_learning_curve(result))


@card.register
def _validation_curve(result: ValidationCurveResult) -> Card:
    table = result.table
    keep = tuple(int(np.argmin(np.abs(table["alpha"].to_numpy() - a))) for a in (result.alpha_min, result.alpha_1se))
    facts = [("Alphas", _alphas(table["alpha"].to_numpy())), ("alpha_min", format_value(result.alpha_min)),
             ("alpha_1se", format_value(result.alpha_1se))]
    return Card("ValidationCurveResult: training versus cross-validated deviance", facts,
                [_points("Curve", table, keep, index=False)], figure=lambda: plot_validation_curve(result))


@display.register("notebook_html")
def notebook_html(record: Any) -> str:
    """``record._repr_html_()``: its card as HTML."""
    return card_html(card(record))


@display.register("notebook_text")
def notebook_text(record: Any) -> str:
    """``repr(record)``: its card as text."""
    return card_text(card(record))

