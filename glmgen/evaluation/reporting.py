"""``gg.report``: run the generalization analysis of one model specification, then render it.

:func:`analyse` runs the analysis and collects result records in a
:class:`GeneralizationAnalysis`; :func:`report` hands that record to
:func:`glmgen.render.build_report`, which turns it into
sections of tables and figures without computing anything.

The analysis, in order (every random step seeded from ``seed``):

1. **Split.** ``gg.split(data, test_size, seed)``: the held-out part is
   touched only to score the final model (steps 5 and 8). The level set of
   each factor is schema, declared from the whole data before the split
   (:meth:`~glmgen.formula.DesignSpec.declare_levels`), so a level with no
   training rows gets an all-zero column instead of stopping the report;
   the notes name such levels.
2. **Fit** on the training part: an unpenalized GLM (``select=None``), a
   penalized GLM at a fixed ``alpha``, or a regularization path
   (``gg.glm_path``) with ``folds``-fold cross-validation on the training
   part and the alpha chosen by ``select`` (``"cv"``, ``"cv_1se"``, ``"aic"``,
   ``"bic"``, ``"aicc"`` or ``"ebic"``).
3. **Selection table** (paths): every criterion's choice side by side.
4. **Bootstrap** (``n_boot >= 2``): :func:`glmgen.bootstrap` of the
   whole procedure on the training part (for a path the path *and* the
   selection are re-run in every replicate, with ``boot_folds``-fold CV when
   the selection is by CV), giving bootstrap standard errors, intervals and
   inclusion frequencies, optimism-corrected deviance (Harrell, .632,
   .632+) and the held-out deviance of the bagged ensemble (the replicates'
   mean prediction, :meth:`glmgen.BootstrapResult.evaluate`).
5. **Generalization**: training versus held-out mean deviance, the gap, and
   D^2 on both (:func:`glmgen.api.generalization`).
6. **Learning curve** (``learning_curve=True``): :func:`glmgen.learning_curve`
   on the training part, with the penalty fixed at the chosen alpha.
7. **Diagnostics** on the training rows (deviance residuals binned by the
   linear predictor) and on the held-out rows (calibration bins; observed
   versus expected counts for Poisson models), from :mod:`glmgen.diagnostics`.
8. **Shift** (``new=``): ``fit.shift(new)`` (:mod:`.shift`), the new rows against the training part.

Warnings raised by any step are recorded with the step's name (and glmgen's
own warnings re-issued once at the end); a step that cannot run on this
model (e.g. counts for a weighted Poisson model) is skipped with a note.
"""

from __future__ import annotations

import contextlib
import re
import time
import warnings as warnings_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import errors
from .._progress import check_progress, progress_bar, rename
from .._validation import check_choice, check_level, is_dask_frame
from ..distributed import glm_on_dask, glm_path_on_dask, with_declared_levels
from ..errors import DataError, GLMGenWarning, InvalidParameterError
from ..fit import fit_glm, fit_glm_path
from ..formula import FormulaContext, build_design
from ..model import resolve_family
from ..resampling import BootstrapResult, bootstrap, split
from ..results import (
    SELECTION_CRITERIA,
    CVResult,
    GeneralizationResult,
    GLMResult,
    PathResult,
    ShiftResult,
)
from .curves import LearningCurveResult, ValidationCurveResult
from .curves import learning_curve as run_learning_curve
from .diagnostics import calibration_table, count_table, observed_rows, residual_bins
from .generalization import generalization
from .shift import shift_of_fit

SELECTIONS = (None,) + SELECTION_CRITERIA
INTERVAL_METHODS = ("percentile", "basic", "normal", "bca")
MAX_POINTS = 20_000
#: held-out rows whose predictions (with standard errors) the report shows
EXAMPLE_ROWS = 5
#: rows of each part of a Dask frame read into memory for the residual and calibration diagnostics
SAMPLE_ROWS = 20_000
_IGNORED_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ResourceWarning)


@dataclass(frozen=True)
class ReportSettings:
    """What the analysis was asked to do (for the report's "how this was computed" notes)."""

    formula: str
    family: str
    link: str
    select: str | None
    alpha: float | None
    l1_ratio: float
    n_alphas: int
    test_size: float
    seed: int
    n_boot: int
    folds: int
    boot_folds: int | None
    n_jobs: int
    learning_curve: bool
    level: float
    interval: str


@dataclass(frozen=True)
class RecordedWarning:
    stage: str
    category: str
    message: str


@dataclass(frozen=True, eq=False)
class GeneralizationAnalysis:
    """Everything :func:`glmgen.render.build_report` renders; no field is computed there.

    Attributes
    ----------
    columns : DataFrame
        One row per data column: ``dtype``, ``missing`` (count) and ``role``
        (response, predictor, weights, offset, exposure, freq_weights, unused).
    train_rows, test_rows : int
        Rows of the split; ``train_dropped`` / ``test_dropped`` of them had
        missing values in a model column.
    selection : DataFrame or None
        ``PathResult.selection_table()``.
    validation : ValidationCurveResult or None
        Training and CV mean deviance along the path.
    intervals : DataFrame or None
        ``bootstrap.conf_int(level, interval)``.
    optimism : DataFrame or None
        Rows ``apparent``, ``held_out``, ``bagged`` (the held-out deviance of
        the bootstrap replicates' mean prediction; not for Dask data),
        ``harrell``, ``loo_boot``, ``e632``, ``e632plus``, ``no_information``;
        columns ``mean_deviance`` and ``minus_apparent``.
    residuals, calibration, counts : DataFrame
        From :mod:`glmgen.diagnostics` (``counts`` only for Poisson models).
    residual_points : DataFrame
        ``eta`` (linear predictor) and ``resid`` (deviance residual) of the
        training rows, a seeded random sample of ``MAX_POINTS`` of the
        ``residual_rows`` rows when there are more.
    predictions : DataFrame or None
        :meth:`GLMResult.get_prediction` at ``level`` for the first ``EXAMPLE_ROWS`` held-out rows (only ``mean``
        and ``link`` for a penalized fit, which has no covariance).
    notes : list of str
        Steps skipped and why.
    timings : dict
        Seconds per step.
    """

    settings: ReportSettings
    data_shape: tuple[int, int]
    columns: pd.DataFrame
    train_rows: int
    test_rows: int
    train_dropped: int
    test_dropped: int
    fit: GLMResult
    path: PathResult | None
    cv: CVResult | None
    selection: pd.DataFrame | None
    validation: ValidationCurveResult | None
    generalization: GeneralizationResult
    bootstrap: BootstrapResult | None
    intervals: pd.DataFrame | None
    optimism: pd.DataFrame | None
    learning: LearningCurveResult | None
    residuals: pd.DataFrame | None
    residual_points: pd.DataFrame | None
    residual_rows: int
    calibration: pd.DataFrame | None
    counts: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    warnings: list[RecordedWarning] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    predictions: pd.DataFrame | None = None
    #: ``fit.shift(new)`` when the report is given new data (``gg.report(..., new=frame)``)
    shift: ShiftResult | None = None


class _Steps:
    """Times each step, records its warnings and advances the report's bar (:mod:`glmgen._progress`)."""

    def __init__(self, total: int, progress: bool | None) -> None:
        self.timings: dict[str, float] = {}
        self.warnings: list[RecordedWarning] = []
        self._closing = contextlib.ExitStack()
        self._bar = self._closing.enter_context(progress_bar(progress, total, "report", unit="step"))

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        rename(self._bar, f"report: {name}")
        start = time.perf_counter()
        with warnings_module.catch_warnings(record=True) as caught:
            warnings_module.simplefilter("always")
            try:
                yield
            finally:
                self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
                for record in caught:
                    if issubclass(record.category, _IGNORED_WARNINGS):
                        continue
                    entry = RecordedWarning(name, record.category.__name__, str(record.message))
                    if entry not in self.warnings:
                        self.warnings.append(entry)
                self._bar.update(1)

    def close(self) -> None:
        self._closing.close()


def _column_roles(fit: GLMResult, data: pd.DataFrame) -> pd.DataFrame:
    """Each data column's dtype, missing count and role in the model (by name in the model's expressions)."""
    spec = fit.spec

    def names_in(code: str) -> set[str]:
        tokens = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", code))
        tokens |= set(re.findall(r"""["']([^"']+)["']""", code))  # Q("odd name")
        return tokens

    roles: dict[str, str] = {}
    for code in spec.response.expressions:
        for name in names_in(code):
            roles.setdefault(name, "response")
    for variable in spec.variables:
        if variable.kind != "array":
            for name in names_in(str(variable.source)):
                roles.setdefault(name, variable.role)
    for factor in spec.design_info.factor_infos:
        for name in names_in(factor.code):
            roles.setdefault(name, "predictor")
    missing = data.isna().sum()
    missing = missing.compute() if is_dask_frame(data) else missing  # one pass over a Dask frame
    return pd.DataFrame({
        "dtype": [str(data[c].dtype) for c in data.columns],
        "missing": [int(missing[c]) for c in data.columns],
        "role": [roles.get(str(c), "unused") for c in data.columns],
    }, index=pd.Index([str(c) for c in data.columns], name="column"))


def _level_notes(fit: GLMResult, train: pd.DataFrame, test: pd.DataFrame, predictors: list[str]) -> list[str]:
    """One note per declared factor column (a Categorical ``predictor``) with levels absent from the fitted
    training rows: what the model does with them and how many held-out rows have them."""
    notes = []
    fitted = train[fit.training_rows().design.kept]
    for column in predictors:
        if not isinstance(train[column].dtype, pd.CategoricalDtype):
            continue
        present = set(fitted[column].dropna().unique())
        absent = [level for level in train[column].cat.categories if level not in present]
        if not absent:
            continue
        shown = ", ".join(repr(level) for level in absent[:8]) + (f", ... {len(absent)} in total"
                                                                  if len(absent) > 8 else "")
        n_test = int(test[column].isin(absent).sum())
        treatment = ("its coefficient is 0 under the penalty" if fit.penalty.is_penalized
                     else "its coefficient is NaN (aliased, R's NA)")
        notes.append(
            f"{len(absent)} level{'s' if len(absent) > 1 else ''} of {column!r} "
            f"{'have' if len(absent) > 1 else 'has'} no training rows ({shown}). The level set comes from the "
            f"whole data, so each such level has an all-zero design column: {treatment}, and the {n_test} "
            f"held-out row{'s' if n_test != 1 else ''} at these levels {'are' if n_test != 1 else 'is'} predicted "
            "at the reference level."
        )
    return notes


def _learning_sizes(n_train: int, n_coefficients: int, test_size: float) -> tuple[float, ...]:
    """Six shares of the learning curve's training part, the smallest with >= 5 rows per coefficient if possible."""
    available = n_train * (1.0 - test_size)
    smallest = min(max(0.1, 5.0 * n_coefficients / max(available, 1.0)), 0.5)
    return tuple(float(s) for s in np.round(np.geomspace(smallest, 1.0, 6), 4))


def _optimism_table(boot: BootstrapResult, held_out: float, bagged: float | None) -> pd.DataFrame:
    """The estimates of the mean deviance on new data; ``bagged``: the held-out deviance of the bootstrap
    ensemble's mean prediction (:meth:`BootstrapResult.evaluate`), a row when given."""
    estimates = boot.optimism()
    rows = {"apparent": estimates["apparent"], "held_out": held_out}
    if bagged is not None:
        rows["bagged"] = bagged
    rows.update({key: estimates[key] for key in ("harrell", "loo_boot", "e632", "e632plus", "no_information")})
    table = pd.DataFrame({"mean_deviance": pd.Series(rows, dtype=float)})
    table["minus_apparent"] = table["mean_deviance"] - estimates["apparent"]
    return table


def analyse(
    formula: str,
    data: pd.DataFrame,
    family: Any = "gaussian",
    *,
    link: str | None = None,
    select: str | None = "cv_1se",
    alpha: float | None = None,
    l1_ratio: float = 1.0,
    n_alphas: int = 100,
    test_size: float = 0.25,
    seed: int = 0,
    n_boot: int = 200,
    folds: int = 10,
    boot_folds: int | None = None,
    n_jobs: int = 1,
    learning_curve: bool = True,
    level: float = 0.95,
    interval: str = "percentile",
    weights: str | None = None,
    freq_weights: str | None = None,
    offset: str | None = None,
    exposure: str | None = None,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    progress: bool | None = None,
    safe: bool = False,
    context: FormulaContext | None = None,
    new: pd.DataFrame | None = None,
) -> GeneralizationAnalysis:
    """Run the analysis behind :func:`glmgen.report` and return its result records (arguments as
    :func:`glmgen.report`; ``context``: the caller's names for the formula, captured by the public entry point)."""
    context = context if context is not None else FormulaContext()
    if not isinstance(formula, str):
        raise InvalidParameterError(f"formula must be a string such as 'y ~ x1 + x2', got {type(formula).__name__}.")
    dask = is_dask_frame(data)
    if not dask and not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if select is not None:
        select = check_choice("select", select, SELECTION_CRITERIA)
    if select is not None and alpha is not None:
        raise InvalidParameterError(
            f"give either select={select!r} (alpha chosen along a path) or alpha={alpha!r} (a fixed penalty), not both."
        )
    interval = check_choice("interval", interval, INTERVAL_METHODS)
    level = check_level(level)
    for name, value in (("n_boot", n_boot), ("folds", folds), ("n_alphas", n_alphas)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InvalidParameterError(f"{name}={value!r} must be a whole number >= 0.")
    if n_boot == 1:
        raise InvalidParameterError("n_boot=1 is too few: use 0 (no bootstrap) or at least 2 replicates (200 or more "
                                    "for intervals).")
    if select is not None and folds < 2:
        raise InvalidParameterError(f"folds={folds!r} must be at least 2.")
    if boot_folds is not None and (isinstance(boot_folds, bool) or not isinstance(boot_folds, (int, np.integer))
                                   or boot_folds < 2):
        raise InvalidParameterError(f"boot_folds={boot_folds!r} must be a whole number >= 2 (or None: as folds).")
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    for role, given in variables.items():
        if given is not None and not isinstance(given, str):
            raise InvalidParameterError(
                f"{role} must be a column name or an expression such as 'np.log(km)' here: the report splits the "
                "rows into training and held-out parts, and an array cannot follow them."
            )
    family_object, link_object = resolve_family(family, link)
    settings = ReportSettings(
        formula=formula, family=family_object.name, link=link_object.name, select=select,
        alpha=None if alpha is None else float(alpha), l1_ratio=float(l1_ratio), n_alphas=int(n_alphas),
        test_size=float(test_size), seed=int(seed), n_boot=int(n_boot), folds=int(folds),
        boot_folds=None if boot_folds is None else int(boot_folds), n_jobs=int(n_jobs),
        learning_curve=bool(learning_curve), level=float(level), interval=interval,
    )
    progress = check_progress(progress)  # passed on to the path, CV, bootstrap and learning curve: nested bars
    if new is not None and (dask or is_dask_frame(new)):
        raise InvalidParameterError("new= (the shift check) needs the data and the new rows in memory; call "
                                    ".compute() on the Dask frames, or on a sample of their rows, first.")
    total = 5 + (new is not None) + (select is not None) + (n_boot >= 2) + bool(learning_curve)
    steps = _Steps(total, progress)
    notes: list[str] = []
    fit_kwargs: dict[str, Any] = dict(link=link_object, **variables, standardize=standardize, na_action=na_action,
                                      safe=safe)
    path = cv = selection = validation = boot = intervals = optimism = learning = None
    residuals = calibration = counts = points = predictions = None
    residual_rows = 0
    shift_result = None
    try:
        with steps.step("split"):
            train, test = _split(formula, data, variables, na_action, context, safe, test_size, seed)
        if select is None:
            with steps.step("fit"):
                penalized = alpha is not None and alpha > 0
                fit = (glm_on_dask if dask else fit_glm)(
                    formula, train, family_object, context=context, alpha=float(alpha or 0.0),
                    l1_ratio=float(l1_ratio) if penalized else 0.0, penalty_factor=penalty_factor,
                    **fit_kwargs)
        else:
            with steps.step("path"):
                path = (glm_path_on_dask if dask else fit_glm_path)(
                    formula, train, family_object, context=context, l1_ratio=l1_ratio, n_alphas=int(n_alphas),
                    penalty_factor=penalty_factor, progress=progress, **fit_kwargs)
            with steps.step("cross-validation"):
                cv = path.cv(folds=int(folds), seed=seed, n_jobs=n_jobs, progress=progress)
                fit = path.select(select)
                selection = path.selection_table()
                total_weight = path.weight_sum
                validation = ValidationCurveResult(
                    table=pd.DataFrame({
                        "alpha": path.alphas, "df": path.df, "train_mean_deviance": path.deviance / total_weight,
                        "cv_mean_deviance": cv.mean_deviance, "cv_se": cv.se,
                    }),
                    alpha_min=cv.alpha_min, alpha_1se=cv.alpha_1se,
                )
        with steps.step("generalization"):
            result = generalization(fit, train, test)
        if n_boot >= 2:
            with steps.step("bootstrap"):
                target: Any = path if path is not None and not dask else fit
                if dask and path is not None:
                    notes.append("Dask data: the bootstrap is a Poisson bootstrap of the selected fit (its alpha held "
                                 "fixed), not of the whole selection.")
                boot = bootstrap(target, n_boot=int(n_boot), seed=seed, progress=progress) if dask else bootstrap(
                    target, n_boot=int(n_boot), seed=seed, n_jobs=n_jobs, select=select, progress=progress,
                    cv_folds=boot_folds if select in ("cv", "cv_1se") else None,
                )
                intervals = boot.conf_int(level, interval)
                bagged = None
                if dask:
                    notes.append("Dask data: no bagged held-out deviance (the bootstrap ensemble predicts rows in "
                                 "memory).")
                elif boot.n_failed < boot.n_boot:
                    bagged = boot.evaluate(test).mean_deviance
                optimism = _optimism_table(boot, result.test_mean_deviance, bagged)
        if learning_curve and dask:
            notes.append("Dask data: no learning curve (it refits on nested subsamples of rows in memory).")
        if learning_curve and not dask:
            with steps.step("learning curve"):
                penalty = fit.penalty
                extra: dict[str, Any] = (dict(alpha=penalty.alpha, l1_ratio=penalty.l1_ratio,
                                              penalty_factor=penalty_factor) if penalty.is_penalized else {})
                try:
                    learning = run_learning_curve(
                        formula, train, family_object, context=context, test_size=test_size, seed=seed,
                        n_jobs=n_jobs, progress=progress,
                        sizes=_learning_sizes(len(train), len(fit.params), test_size), **fit_kwargs, **extra,
                    )
                except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                    notes.append(f"Learning curve skipped: {exc}")
        with steps.step("diagnostics"):
            test_rows = test
            if dask:
                train_rows, test_rows = train.head(SAMPLE_ROWS, npartitions=-1), test.head(SAMPLE_ROWS, npartitions=-1)
                notes.append(f"Dask data: residuals, calibration and the example predictions use the first "
                             f"{len(train_rows)} training and {len(test_rows)} held-out rows.")
                residuals = residual_bins(fit, train_rows)
                points = _residual_points(fit, train_rows)
            else:
                residuals = residual_bins(fit)
                points = pd.DataFrame({"eta": fit.predict(kind="link").to_numpy(),
                                       "resid": fit.resid("deviance").to_numpy()})
            predictions = _example_predictions(fit, test_rows, level)
            residual_rows = len(points)
            if residual_rows > MAX_POINTS:
                keep = np.sort(np.random.default_rng(seed).choice(residual_rows, MAX_POINTS, replace=False))
                points = points.iloc[keep]
            n_test = int(result.test.n) if not dask else len(test_rows)
            calibration = calibration_table(fit, test_rows, bins=int(min(10, max(2, n_test // 30))))
            if family_object.response_kind == "count":
                try:
                    counts = count_table(fit, test_rows)
                except InvalidParameterError as exc:
                    notes.append(f"Observed vs expected counts skipped: {exc}")
        with steps.step("data summary"):
            columns = _column_roles(fit, data)
            if dask:
                test_design_rows = int(fit.predict(test).count().compute())
            else:
                test_design_rows = int(fit.spec.build(test).n_rows)
                notes.extend(_level_notes(fit, train, test, [c for c in data.columns
                                                             if columns.loc[str(c), "role"] == "predictor"]))
        if new is not None:
            with steps.step("shift"):
                shift_result = shift_of_fit(fit, new, seed=seed, progress=progress)
    finally:
        steps.close()
    for entry in steps.warnings:  # re-issue glmgen's own warnings once (they were recorded above)
        category = _warning_class(entry.category)
        if category is not None:
            warnings_module.warn(f"[{entry.stage}] {entry.message}", category, stacklevel=3)
    return GeneralizationAnalysis(
        settings=settings, data_shape=(len(data), len(data.columns)), columns=columns,
        train_rows=len(train), test_rows=len(test), train_dropped=int(fit.n_dropped),
        test_dropped=len(test) - test_design_rows, fit=fit, path=path, cv=cv, selection=selection,
        validation=validation, generalization=result, bootstrap=boot, intervals=intervals, optimism=optimism,
        learning=learning, residuals=residuals, residual_points=points, residual_rows=residual_rows, calibration=calibration, counts=counts, notes=notes,
        warnings=steps.warnings, timings=steps.timings, predictions=predictions, shift=shift_result,
    )


def _split(formula: str, data: Any, variables: dict[str, Any], na_action: str, context: FormulaContext, safe: bool,
           test_size: float, seed: int) -> tuple[Any, Any]:
    """Training and held-out parts, with every factor's level set declared from all rows first."""
    if is_dask_frame(data):
        declared = with_declared_levels(formula, data, variables=variables, context=context, safe=safe)
        return split(declared, test_size=test_size, seed=seed)
    spec, _ = build_design(formula, data, **variables, na_action=na_action, context=context, safe=safe)
    return split(spec.declare_levels(data), test_size=test_size, seed=seed)


def _residual_points(fit: GLMResult, rows: pd.DataFrame) -> pd.DataFrame:
    """Linear predictor and deviance residual of in-memory ``rows`` (the sampled training rows of a Dask fit)."""
    observed = observed_rows(fit, rows)
    unit = np.maximum(fit.family.unit_deviance(observed.y, observed.mu), 0.0)
    return pd.DataFrame({"eta": observed.eta,
                         "resid": np.sign(observed.y - observed.mu) * np.sqrt(observed.prior_weights * unit)})


def _example_predictions(fit: GLMResult, test: pd.DataFrame, level: float) -> pd.DataFrame:
    """Predictions with standard errors and intervals for the first ``EXAMPLE_ROWS`` held-out rows; the mean and
    linear predictor only for a penalized fit."""
    rows = test.iloc[:EXAMPLE_ROWS]
    if fit.penalty.is_penalized:
        return pd.DataFrame({"mean": fit.predict(rows), "link": fit.predict(rows, kind="link")})
    return fit.get_prediction(rows, level)


def _warning_class(name: str) -> type[Warning] | None:
    category = getattr(errors, name, None)
    return category if isinstance(category, type) and issubclass(category, GLMGenWarning) else None


__all__ = ["GeneralizationAnalysis", "ReportSettings", "analyse"]
