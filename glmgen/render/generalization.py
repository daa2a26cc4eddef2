"""Assemble the generalization report: result records in, sections of tables and figures out.

:func:`build_report` reads a :class:`glmgen.evaluation.GeneralizationAnalysis`
(every number already computed there or on the result records) and lays it
out as a :class:`~glmgen.render.document.Report`:

headline and key numbers, then

1. Data and model: formula, family/link, split, dropped rows, columns, warnings;
2. Generalization: training vs held-out deviance and D^2, bootstrap
   optimism-corrected deviance, learning curve;
3. Coefficients: Wald inference (unpenalized) and bootstrap intervals and
   inclusion frequencies;
4. Model selection: coefficient path, training vs CV deviance along the path,
   each criterion's choice;
5. Diagnostics: residuals, calibration, observed vs expected counts (Poisson).
6. Shift (``gg.report(..., new=frame)``): :func:`glmgen.render.shift.shift_section`.

Nothing here computes a statistic: numbers are only formatted (tables to 4
significant digits, the headline to 3).
"""

from __future__ import annotations

import datetime as _datetime
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._version import __version__
from ..evaluation import GeneralizationAnalysis
from .blocks import Block, Bullets, Callout, KeyNumber, ReportFigure, Section
from .document import Report
from .figures import (
    mark_alpha,
    new_figure,
    plot_calibration,
    plot_counts,
    plot_estimates,
    plot_residuals,
    plot_selection,
    styled,
    to_png,
)
from .plots import plot_learning_curve, plot_path
from .shift import shift_section
from .tables import COEFFICIENT_KINDS, Table, format_value

HEADLINE_DIGITS = 3

_SELECT_MEANING = {
    "cv": "the alpha with the smallest cross-validated deviance (alpha_min)",
    "cv_1se": "the largest alpha whose cross-validated deviance is within one standard error of the minimum "
              "(alpha_1se)",
    "aic": "the minimum AIC along the path",
    "bic": "the minimum BIC along the path",
    "aicc": "the minimum AICc along the path",
    "ebic": "the minimum extended BIC (gamma = 0.5) along the path",
}

_OPTIMISM_ROWS = {
    "apparent": ("training (apparent)", "the fitted model scored on its own training rows"),
    "held_out": ("held-out split", "the fitted model scored once on the held-out rows"),
    "bagged": ("bagged ({n} replicates)", "the mean prediction of the bootstrap replicates' models (bagging) scored "
                                          "on the same held-out rows"),
    "harrell": ("Harrell optimism bootstrap",
                "training deviance + mean over replicates of (replicate model on the original rows - on its own "
                "resample)"),
    "loo_boot": ("leave-one-out bootstrap", "each row scored only by replicates that did not draw it (Err(1))"),
    "e632": (".632 bootstrap", "0.368 training + 0.632 leave-one-out"),
    "e632plus": (".632+ bootstrap", ".632 with more weight on leave-one-out when the model overfits (Efron and "
                                    "Tibshirani 1997)"),
    "no_information": ("no-information error", "deviance if predictions and responses were unrelated (gamma)"),
}


def _f(value: Any, digits: int = 4) -> str:
    return format_value(value, digits)


def _h(value: float) -> str:
    """``HEADLINE_DIGITS`` significant digits, trailing zeros kept (4.30, not 4.3) so numbers line up."""
    value = float(value)
    if not np.isfinite(value) or abs(value) >= 10 ** HEADLINE_DIGITS:
        return format_value(value, HEADLINE_DIGITS)
    text = f"{value:#.{HEADLINE_DIGITS}g}"
    return text[:-1] if text.endswith(".") else text


def _signed(value: float) -> str:
    text = _h(value)
    return text if text.startswith("-") or not np.isfinite(value) else "+" + text


def _rows(n: float) -> str:
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"


def _estimation(analysis: GeneralizationAnalysis) -> str:
    settings, fit = analysis.settings, analysis.fit
    if analysis.path is not None:
        return (f"elastic-net path (l1_ratio={settings.l1_ratio:g}), alpha chosen by {settings.select} = "
                f"{fit.penalty.alpha:.4g}")
    if fit.penalty.is_penalized:
        return f"penalized fit at a fixed alpha={fit.penalty.alpha:.4g}, l1_ratio={fit.penalty.l1_ratio:g}"
    return "unpenalized maximum likelihood (IRLS)"


def _replicate_health(boot: Any) -> str:
    """``0 failed, 2 not converged, 6 separated``: the bootstrap's counters of troubled replicates."""
    separated = getattr(boot, "n_separated", None)
    return (f"{boot.n_failed} failed, {boot.n_nonconverged} not converged"
            + (f", {separated} separated" if separated is not None else ""))


def _separation_callouts(boot: Any) -> list[Block]:
    """The bootstrap's account of separated replicates, as a warning, when it has one."""
    message = getattr(boot, "separated_message", None)
    return [Callout(message, "warning")] if message else []


def _figure(key: str, title: str, caption: str, draw: Callable[[], Figure]) -> ReportFigure:
    """Draw a figure in the report's style and keep it as PNG bytes."""
    with styled():
        figure = draw()
    png, width, height = to_png(figure)
    return ReportFigure(key=key, title=title, caption=caption, png=png, width=width, height=height)


def _on_new_axes(draw: Callable[[Axes], object]) -> Figure:
    """A new 7 x 4.5 inch figure (the size of :mod:`glmgen.render.plots` figures) with ``draw`` applied to its axes."""
    figure = new_figure(7.0, 4.5)
    draw(figure.add_subplot())
    return figure


# --- headline ----------------------------------------------------------------------------------------

def _headline(analysis: GeneralizationAnalysis) -> tuple[str, list[KeyNumber]]:
    g = analysis.generalization
    text = (f"Held-out mean deviance {_h(g.test_mean_deviance)} vs training {_h(g.train_mean_deviance)} "
            f"(gap {_signed(g.gap)}); D² {_h(g.test_d2)} held-out vs {_h(g.train_d2)} training.")
    numbers = [
        KeyNumber("Held-out mean deviance", _h(g.test_mean_deviance), f"{_rows(g.test.n)} held-out rows"),
        KeyNumber("Training mean deviance", _h(g.train_mean_deviance), f"{_rows(g.train.n)} training rows"),
        KeyNumber("Gap", _signed(g.gap), "held-out minus training; > 0: worse on new rows"),
        KeyNumber("D² held-out", _h(g.test_d2), f"training {_h(g.train_d2)}"),
    ]
    if analysis.optimism is not None and analysis.bootstrap is not None:
        estimate = analysis.optimism["mean_deviance"].to_dict()
        optimism = analysis.optimism["minus_apparent"].to_dict()
        text += (f" Bootstrap estimate of the deviance on new data: {_h(estimate['e632plus'])} (.632+; optimism "
                 f"{_signed(optimism['e632plus'])}), Harrell {_h(estimate['harrell'])}, from "
                 f"{analysis.bootstrap.n_boot} {_replicates_of(analysis.bootstrap)}.")
        numbers.append(KeyNumber(".632+ bootstrap estimate", _h(estimate["e632plus"]),
                                 f"optimism {_signed(optimism['e632plus'])} over training"))
    return text, numbers


def _replicates_of(boot: Any) -> str:
    """What the bootstrap replicated: the whole procedure, or (a Poisson bootstrap of Dask data) the selected fit."""
    return ("Poisson-bootstrap replicates of the selected fit" if boot.method == "poisson" and boot.target != "path"
            else "replicates of the whole procedure")


# --- sections ----------------------------------------------------------------------------------------

def _data_section(analysis: GeneralizationAnalysis) -> Section:
    settings, fit = analysis.settings, analysis.fit
    expanded = fit.spec.formula
    rows: list[list[Any]] = [["Formula", settings.formula]]
    if expanded.replace(" ", "") != settings.formula.replace(" ", ""):
        rows.append(["Formula (expanded)", expanded])
    n_columns = len(fit.spec.column_names)
    rows += [
        ["Response", fit.spec.response.label],
        ["Family / link", f"{settings.family} / {settings.link}"],
        ["Estimation", _estimation(analysis)],
        ["Design columns", f"{n_columns} (+ intercept)" if fit.spec.fit_intercept else str(n_columns)],
        ["Data", f"{analysis.data_shape[0]:,} rows x {analysis.data_shape[1]} columns"],
        ["Split", f"{1 - settings.test_size:.0%} training / {settings.test_size:.0%} held-out, seed {settings.seed}"],
        ["Training rows", f"{analysis.train_rows:,} ({analysis.train_dropped:,} dropped for missing values)"],
        ["Held-out rows", f"{analysis.test_rows:,} ({analysis.test_dropped:,} dropped for missing values)"],
    ]
    if analysis.path is not None:
        rows.append(["Cross-validation", f"{settings.folds}-fold, on the training rows"])
    if analysis.bootstrap is not None:
        boot = analysis.bootstrap
        kind = "Poisson-bootstrap" if boot.method == "poisson" else "case-resampling"
        rows.append(["Bootstrap", f"{boot.n_boot} {kind} replicates of the training rows "
                                  f"({_replicate_health(boot)})"])
    blocks: list[Block] = [Table("Model", ["", "value"], rows, by_column=False)]
    for note in analysis.notes:
        blocks.append(Callout(note, "note"))
    columns = analysis.columns
    shown = columns if len(columns) <= 60 else columns[columns["role"] != "unused"]
    blocks.append(Table(
        "Columns of the data", ["column", "type", "missing values", "role in the model"],
        [[name, row["dtype"], int(row["missing"]), row["role"]] for name, row in shown.iterrows()],
        notes=([] if len(shown) == len(columns) else [f"{len(columns) - len(shown)} unused columns not listed."]),
    ))
    if analysis.warnings:
        blocks.append(f"Warnings raised while the report was computed ({len(analysis.warnings)}):")
        blocks.append(Bullets([f"{w.stage} - {w.category}: {w.message}" for w in analysis.warnings]))
    else:
        blocks.append("No warnings were raised while the report was computed.")
    blocks.append(Table("Run time by step", ["step", "seconds"],
                        [[name, round(seconds, 2)] for name, seconds in analysis.timings.items()]))
    return Section("data", "Data and model", blocks)


def _generalization_section(analysis: GeneralizationAnalysis, figures: bool) -> Section:
    settings, g = analysis.settings, analysis.generalization
    blocks: list[Block] = [
        f"The model was fitted{' and its penalty chosen' if analysis.path is not None else ''} on the "
        f"{_rows(g.train.n)} training rows only; the {_rows(g.test.n)} held-out rows were used once, to score it. "
        f"Mean deviance is the weighted mean unit deviance of the {settings.family} family (lower is better). "
        "D² is the share of the deviance of the intercept-only model (fitted on the training rows) that the "
        "model removes: 1 - deviance / null deviance, on the same rows.",
        Table(
            "Training vs held-out fit",
            ["", "rows", "mean deviance", "deviance", "null deviance", "D²"],
            [["training", g.train.n, g.train.mean_deviance, g.train.deviance, g.train.null_deviance, g.train.d2],
             ["held-out", g.test.n, g.test.mean_deviance, g.test.deviance, g.test.null_deviance, g.test.d2]],
            notes=[f"Gap (held-out minus training mean deviance): {_f(g.gap)}. A positive gap means the model fits "
                   "new rows worse than the rows it was fitted on."],
        ),
    ]
    if g.gap < 0:
        blocks.append(Callout(
            "The held-out rows happen to be fitted better than the training rows. On average a fitted model does no "
            "better on new rows than on the rows it was fitted on, so a negative gap is mostly the noise of one "
            "random split (large with heavy-tailed responses); the bootstrap estimates below average over many "
            "resamples.", "note"))
    if analysis.optimism is not None and analysis.bootstrap is not None:
        boot = analysis.bootstrap
        what = ("the whole path and the " + str(settings.select) + " selection"
                + (f" ({settings.boot_folds or settings.folds}-fold CV inside each replicate)"
                   if settings.select in ("cv", "cv_1se") else "")
                if analysis.path is not None else "the fit")
        table = analysis.optimism
        keys = [k for k in _OPTIMISM_ROWS if k in table.index]
        labels = {k: _OPTIMISM_ROWS[k][0].format(n=boot.n_boot - boot.n_failed) for k in keys}
        blocks.append(Table(
            "Estimates of the mean deviance on new data",
            ["", "mean deviance", "minus training"],
            [[labels[k], table.loc[k, "mean_deviance"], table.loc[k, "minus_apparent"]] for k in keys],
            notes=[f"Bootstrap: {boot.n_boot} replicates, each re-running {what} on a resample of the training "
                   f"rows; {_replicate_health(boot)}."],
        ))
        if "e632plus" in table.index:
            blocks.append(Callout(
                f"Which to quote: the .632+ bootstrap estimate ({_f(table.loc['e632plus', 'mean_deviance'])}) is "
                "the headline estimate of the mean deviance on new data, because it corrects the training deviance "
                "for optimism, includes the cost of re-running the whole fit, and (unlike the .632 estimate) does "
                "not understate the deviance when the model overfits; the other rows are shown for comparison.",
                "note"))
        blocks.append(Bullets([f"{labels[k]}: {_OPTIMISM_ROWS[k][1]}." for k in keys]))
        if figures:
            blocks.append(_figure(
                "estimates", "Deviance on new data, estimated four ways",
                "The training deviance is optimistic: the model was chosen to fit those rows. The held-out split "
                "scores this one model once; the bootstrap estimates average over resamples and include the cost "
                "of re-running the model selection.",
                lambda: plot_estimates(table),
            ))
    else:
        blocks.append(Callout("No bootstrap was run (n_boot=0), so there are no optimism-corrected estimates.",
                              "note"))
    learning = analysis.learning
    if learning is not None and figures:
        repeats = int(learning.table["repeat"].nunique())
        penalty = analysis.fit.penalty
        at = f" with the penalty fixed at alpha = {penalty.alpha:.4g}" if penalty.is_penalized else ""
        blocks.append(_figure(
            "learning-curve", "Learning curve",
            f"Training and held-out mean deviance against the number of training rows{at}: mean ± 1 sd over "
            f"{repeats} random splits of the training part ({settings.test_size:.0%} held out each time; the "
            "report's held-out rows are not used). Curves that have come together mean more rows would help "
            "little; a persistent gap means the model still overfits.",
            lambda: _on_new_axes(lambda ax: plot_learning_curve(learning, ax=ax)),
        ))
    return Section("generalization", "Generalization", blocks)


def _coefficient_section(analysis: GeneralizationAnalysis, figures: bool) -> Section:
    fit, settings, boot, intervals = analysis.fit, analysis.settings, analysis.bootstrap, analysis.intervals
    level = f"{settings.level:.0%}"
    names = list(fit.params.index)
    penalized = fit.penalty.is_penalized
    blocks: list[Block] = []
    notes = []
    if not penalized:
        wald = fit.coef_table(settings.level)
        statistic = "t" if fit.family.estimates_dispersion else "z"
        columns = ["", "estimate", "std. error", statistic, "p-value", f"{level} Wald lower", f"{level} Wald upper"]
        rows = [[name, *wald.loc[name, ["estimate", "std_err", "statistic", "p_value", "ci_lower", "ci_upper"]]]
                for name in names]
        notes.append(f"Wald intervals and tests as R's confint.default / summary.glm"
                     f"{' (t with the estimated dispersion)' if statistic == 't' else ''}.")
    else:
        columns = ["", "estimate"]
        rows = [[name, fit.params[name]] for name in names]
        notes.append("Penalized estimates are shrunk toward zero and Wald inference does not apply; uncertainty "
                     "comes from the bootstrap." if boot is not None else
                     "Penalized estimates are shrunk toward zero and Wald inference does not apply; run the report "
                     "with a bootstrap (n_boot > 0) for intervals.")
    if boot is not None and intervals is not None:
        columns += ["bootstrap se", f"{level} boot lower", f"{level} boot upper"]
        if penalized:
            columns.append("share non-zero")
        for row, name in zip(rows, names):
            row += [boot.se.get(name, np.nan), intervals.loc[name, "lower"] if name in intervals.index else np.nan,
                    intervals.loc[name, "upper"] if name in intervals.index else np.nan]
            if penalized:
                row.append(boot.inclusion.get(name, np.nan))
        notes.append(f"Bootstrap: {settings.interval} {level} intervals from {boot.n_boot - boot.n_failed} "
                     f"successful replicates"
                     + (f"; each replicate re-ran the path and the {settings.select} selection, so the intervals "
                        "and the share of replicates with a non-zero coefficient include the selection's "
                        "variability" if analysis.path is not None else "") + ".")
    if fit.params.isna().any():
        notes.append("NA: aliased column (a linear combination of earlier columns).")
    if penalized:
        nonzero = int((fit.params.drop("Intercept", errors="ignore") != 0).sum())
        blocks.append(f"{nonzero} of {len(fit.spec.column_names)} coefficients {'is' if nonzero == 1 else 'are'} "
                      f"non-zero at alpha = "
                      f"{fit.penalty.alpha:.4g}; coefficients are on the original scale of the columns.")
    blocks.append(Table("Coefficients", columns, rows, notes=notes, kinds=COEFFICIENT_KINDS))
    if analysis.predictions is not None:
        blocks.append(_predictions_table(analysis.predictions, level, penalized))
    if boot is not None:
        blocks += _separation_callouts(boot)
    if boot is not None and figures:
        blocks.append(_figure(
            "bootstrap", "Bootstrap intervals and inclusion",
            f"Left: estimate (dot) and {level} {settings.interval} bootstrap interval per coefficient. Right: share "
            "of replicates in which the coefficient is non-zero.",
            lambda: boot.plot(level=settings.level, method=settings.interval),
        ))
    return Section("coefficients", "Coefficients", blocks)


def _predictions_table(predictions: pd.DataFrame, level: str, penalized: bool) -> Table:
    """The fit's predictions for the first held-out rows (``GLMResult.get_prediction``)."""
    headers = {"mean": "mean", "mean_se": "std. error", "mean_ci_lower": f"{level} lower",
               "mean_ci_upper": f"{level} upper", "link": "linear predictor", "link_se": "its std. error"}
    note = ("Penalized fit: no standard errors (they need the covariance of an unpenalized fit; the bootstrap "
            "gives the coefficients' uncertainty)." if penalized else
            f"std. error of the mean by the delta method (R's predict.glm(se.fit=TRUE)); the {level} interval is "
            "the Wald interval of the linear predictor mapped through the inverse link.")
    rows = [[str(label), *values] for label, values in zip(predictions.index, predictions.to_numpy().tolist())]
    return Table(f"Predictions for the first {len(predictions)} held-out rows", ["row"] +
                 [headers[c] for c in predictions.columns], rows, notes=[note])


def _selection_section(analysis: GeneralizationAnalysis, figures: bool) -> Section:
    path, settings, fit = analysis.path, analysis.settings, analysis.fit
    if path is None or analysis.selection is None or analysis.validation is None:
        text = ("No model selection: every term of the formula was fitted "
                + (f"with a fixed penalty alpha = {fit.penalty.alpha:.4g}." if fit.penalty.is_penalized
                   else "by unpenalized maximum likelihood.")
                + " Use select='cv_1se' (or --select on the command line) to choose a penalty along an elastic-net "
                  "path.")
        return Section("selection", "Model selection", [text])
    select = str(settings.select)
    blocks: list[Block] = [
        f"An elastic-net path (l1_ratio = {settings.l1_ratio:g}) of {len(path.alphas)} alphas, from "
        f"{path.alphas[0]:.4g} (every coefficient zero) down to {path.alphas[-1]:.4g}, was fitted on the training "
        f"rows and scored by {settings.folds}-fold cross-validation (the design and standardization re-learned "
        f"in each fold). The model reported is the fit at {_SELECT_MEANING[select]}: alpha = "
        f"{fit.penalty.alpha:.4g}."
    ]
    if figures:
        blocks.append(_figure(
            "path", "Coefficient path",
            "Each line is one coefficient (original scale) as the penalty decreases; the green line marks the "
            f"alpha used ({select}).",
            lambda: mark_alpha(_on_new_axes(lambda ax: plot_path(path, ax=ax)), fit.penalty.alpha, f"used ({select})"),
        ))
        validation = analysis.validation
        blocks.append(_figure(
            "cv-curve", "Cross-validation curve",
            f"Training mean deviance (blue) keeps falling as the penalty decreases; the {settings.folds}-fold CV "
            "deviance (red, ± 1 se) shows where extra coefficients stop helping on rows not used for fitting. "
            "Top axis: non-zero coefficients.",
            lambda: plot_selection(validation.table, validation.alpha_min, validation.alpha_1se, fit.penalty.alpha,
                                   select, settings.folds),
        ))
    table = analysis.selection
    with_edf = settings.l1_ratio < 1.0
    columns = ["criterion", "alpha", "df"] + (["edf"] if with_edf else []) + [
        "training mean deviance", "CV mean deviance", "used"]
    rows = []
    for criterion, row in table.iterrows():
        rows.append([criterion, row["alpha"], row["df"]] + ([row["edf"]] if with_edf else [])
                    + [row["train_mean_deviance"], row["cv_mean_deviance"], "yes" if criterion == select else ""])
    notes = ["cv: minimum CV deviance; cv_1se: largest alpha within 1 se of it; aic/bic/aicc/ebic: minimum along "
             "the path with k = edf + 1 (+1 for an estimated dispersion)."]
    if with_edf:
        notes.append("df counts non-zero coefficients; edf is the elastic net's effective degrees of freedom.")
    blocks.append(Table("Alpha chosen by each criterion", columns, rows, notes=notes))
    return Section("selection", "Model selection", blocks)


def _diagnostics_section(analysis: GeneralizationAnalysis, figures: bool) -> Section:
    fit, settings = analysis.fit, analysis.settings
    response = fit.spec.response.label
    blocks: list[Block] = []
    if figures and analysis.residual_points is not None and analysis.residuals is not None:
        points, bins = analysis.residual_points, analysis.residuals
        sampled = analysis.residual_rows if analysis.residual_rows > len(points) else None
        blocks.append(_figure(
            "residuals", "Residuals vs linear predictor",
            f"Deviance residuals of the training rows against the linear predictor, with their mean (± 1 sd) in "
            f"{len(bins)} bins. A binned mean that bends away from zero points to a missing term or a wrong link.",
            lambda: plot_residuals(points, bins, settings.link, sampled),
        ))
    calibration = analysis.calibration
    proportion = fit.family.response_kind == "proportion"
    if calibration is not None:
        if figures:
            blocks.append(_figure(
                "calibration", "Calibration on held-out rows",
                f"Held-out rows grouped into {len(calibration)} bins of the predicted "
                f"{'probability' if proportion else 'mean'}; each dot is a bin's observed mean "
                "against its predicted mean. Dots outside the shaded band (± 2 se under the model) are "
                "miscalibrated beyond sampling noise.",
                lambda: plot_calibration(calibration, fit.family.response_kind, response),
            ))
        blocks.append(Table(
            "Calibration on held-out rows",
            ["bin", "rows", "predicted from", "predicted to", "mean predicted", "mean observed", "se (model)", "z"],
            [[str(b), r["rows"], r["mu_low"], r["mu_high"], r["mean_predicted"], r["mean_observed"], r["se_model"],
              r["z"]] for b, r in calibration.iterrows()],
            notes=["z = (observed - predicted) / se, with se the standard error of the bin's observed mean if the "
                   "model is right; |z| > 2 in several bins signals miscalibration."],
        ))
    counts = analysis.counts
    if counts is not None:
        if figures:
            blocks.append(_figure(
                "counts", "Observed vs expected counts",
                f"Held-out rows with each value of {response} (bars) against the number the fitted Poisson means "
                "predict (line). Too many zeros or a long tail beyond the line means overdispersion or zero "
                "inflation that a Poisson model misses.",
                lambda: plot_counts(counts, response),
            ))
        blocks.append(Table(
            f"Observed vs expected counts of {response} on held-out rows",
            ["count", "observed rows", "expected rows", "Pearson residual"],
            [[str(k), r["observed"], r["expected"], r["pearson"]] for k, r in counts.iterrows()],
            notes=["Expected rows: sum over held-out rows of the Poisson probability of that count under the fitted "
                   "mean; the last row pools the tail."],
        ))
    if not blocks:
        blocks.append("No diagnostics were computed.")
    return Section("diagnostics", "Diagnostics", blocks)


# --- entry point -------------------------------------------------------------------------------------

def build_report(analysis: GeneralizationAnalysis, *, figures: bool = True, title: str | None = None) -> Report:
    """Lay out ``analysis`` as a :class:`Report` (see the module notes); ``figures=False`` leaves the figures out."""
    fit, settings = analysis.fit, analysis.settings
    headline, numbers = _headline(analysis)
    sections = [
        _data_section(analysis),
        _generalization_section(analysis, figures),
        _coefficient_section(analysis, figures),
        _selection_section(analysis, figures),
        _diagnostics_section(analysis, figures),
    ]
    if analysis.shift is not None:
        sections.append(shift_section(analysis.shift, figures))
    family = settings.family.capitalize()
    subtitle = f"{fit.spec.formula}  ·  {settings.family} / {settings.link}  ·  {_estimation(analysis)}"
    stamp = _datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    footer = (f"Generated by glmgen {__version__} on {stamp}. Every random step is seeded (seed {settings.seed}); "
              "results do not depend on the number of worker processes.")
    return Report(
        title=title or f"{family} GLM of {fit.spec.response.label}: how well does it generalize?",
        subtitle=subtitle, headline=headline, key_numbers=numbers, sections=sections, footer=footer,
        analysis=analysis,
    )
