"""Seeded bootstrap of fitted models and of whole model-building procedures (:func:`bootstrap`).

:func:`bootstrap` refits a procedure on resamples of the training rows
(:mod:`.resampler`: case, stratified, cluster) with the engine for its kind
(:mod:`.engines_glm`, :mod:`.engines_path`, :mod:`.engines_stepwise`),
runs the replicates in fixed chunks (:mod:`.run`, results independent of
``n_jobs``) and returns a :class:`~.records.BootstrapResult`.

Resamples are frequency weights over the original rows, never copies of the
data: replicate ``r`` draws counts ``c`` from
``np.random.default_rng(np.random.SeedSequence(seed).spawn(n_boot)[r])``,
and the refit's total weight of row ``i`` is
``weights_i * freq_weights_i * c_i``; rows with ``c_i = 0`` are out-of-bag.
"""

from __future__ import annotations

import warnings as warnings_module
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._validation import check_choice, check_n_jobs, check_seed, check_whole
from ..distributed import DaskFitRefits, DaskPathRefitter
from ..errors import (
    ConvergenceWarning,
    DataError,
    InvalidParameterError,
    SeparationWarning,
)
from ..fit import PathRefitter
from ..results import SELECTION_CRITERIA, GLMResult, PathResult
from ..selection import StepwiseResult
from ..solvers import CDControl, IRLSControl
from .engines_glm import GLMEngine, PenalizedEngine
from .engines_path import PathEngine
from .engines_stepwise import StepwiseEngine
from .intervals import no_information_deviance
from .poisson import poisson_bootstrap
from .procedure import Procedure
from .records import BootstrapResult, separation_message
from .refit import REFIT_CONTROL
from .resampler import Resampler, resample_labels
from .run import ChunkOutput, chunks, coefficient_matrix, map_chunks, run_chunk

METHODS = ("case", "parametric")
PATH_GRIDS = ("resample", "original")


def bootstrap(
    obj: Any,
    n_boot: int = 1000,
    seed: int = 0,
    n_jobs: int = 1,
    strata: Any = None,
    groups: Any = None,
    select: str | None = None,
    method: str = "case",
    progress: bool | None = None,
    *,
    data: AnyFrame | None = None,
    control: IRLSControl | CDControl | None = None,
    path_grid: str = "resample",
    cv_folds: int | None = None,
) -> BootstrapResult:
    """Bootstrap a fitted model, or a whole model-building procedure, by refitting it on resamples.

    Parameters
    ----------
    obj : GLMResult, PathResult or StepwiseResult
        - a ``GLMResult``: the same model (design columns, alpha, l1_ratio,
          penalty factors) refitted on each resample; for penalized fits the
          standardization scales are re-computed on the resample, as glmnet
          would on that data;
        - a ``PathResult`` with ``select=``: the whole path and the selection
          re-run on each resample (see Notes);
        - a ``StepwiseResult``: the stepwise search re-run on each resample,
          on the rows it searched (kept on the result as ``step.data``).
    n_boot : int
        Number of replicates.
    seed : int
        Replicate ``r`` uses ``default_rng(SeedSequence(seed).spawn(n_boot)[r])``.
    n_jobs : int
        Worker processes (-1 = all cores); results are identical for any value.
    strata : str or array, optional
        Column name (of ``data``, or of the path's data) or one label per
        training row: rows are resampled within each stratum, so every
        stratum keeps its size.
    groups : str or array, optional
        Cluster labels: whole groups are resampled and each row gets its
        group's count (groups within strata when both are given).
    select : {"cv", "cv_1se", "aic", "bic", "aicc", "ebic"}
        Required with a ``PathResult``.
    method : {"case", "parametric"}
        ``"parametric"`` (unpenalized ``GLMResult`` only) simulates the
        response from the fitted model (gaussian ``mu + N(0, scale / w)``,
        binomial ``Binomial(trials, mu) / trials``, poisson ``Poisson(mu)``)
        and refits with the original weights.
    progress : bool, optional
        A bar ``glmgen bootstrap`` ticking once per replicate (for a fit on a
        Dask DataFrame, ``glmgen dask`` bars ticking once per pass over the
        data): ``None`` shows it on a terminal or in a notebook once the
        bootstrap has run 2 s, ``True`` at once, ``False`` never (results do
        not depend on it).
    data : DataFrame, optional
        pandas, polars or pyarrow (as :func:`glmgen.glm`). The training data: needed for ``strata`` / ``groups`` given as column
        names of a ``GLMResult``. A stepwise search uses the rows it kept
        (``step.data``); ``data=`` (the frame it was run on) is accepted too.
    control : IRLSControl or CDControl, optional
        Solver settings for the refits; default ``IRLSControl(tol=1e-10,
        coef_tol=1e-8)`` for unpenalized refits (coefficients settle to 1e-8
        relative) and ``CDControl()`` for penalized ones.
    path_grid : {"resample", "original"}
        Alpha grid of a path refit: a grid of the same spacing starting at the
        resample's own ``alpha_max`` (default, as glmnet would compute on the
        resample), or the original alphas. A path fitted on a user grid
        always reuses it.
    cv_folds : int, optional
        Folds of the per-replicate CV (default: the fold count and repeats of
        the path's last ``cv()``, else 10 folds). A ``CVResult`` does not
        record ``stratify``/``groups``, so replicate folds are plain random
        folds, grouped by ``groups`` when that is given here.

    Returns
    -------
    BootstrapResult
        ``replicates``, ``se``, ``bias``, ``conf_int()``, ``inclusion``,
        ``optimism()``, ``chosen_alpha`` / ``chosen_formula``, ``n_failed``,
        ``n_nonconverged``, ``n_separated``, ``plot()``.

    Notes
    -----
    Resamples are frequency weights (see the module notes): the refit's
    total weight of row ``i`` is ``weights_i * freq_weights_i * counts_i``.
    Each refit starts from the full-data solution and calls the solvers
    directly (:mod:`.engines_glm`, :mod:`.engines_path`, :mod:`.engines_stepwise`); it keeps the coefficients,
    the converged flag, the iteration count and the refitted linear
    predictor on every original row, from which each replicate's deviance
    on its resample, on the original rows and the out-of-bag unit deviances
    are computed inside the replicate's task.

    Path replicates re-run :func:`glmgen.solvers.fit_path` on the resample
    (penalty standardization re-learned; design columns as in the original
    fit, so coefficients are comparable) and then the selection: the
    information criteria as :class:`~glmgen.results.PathResult` defines
    them on the resample, or K-fold CV with folds assigned over the
    resample's distinct rows (so copies of a row never straddle a fold;
    grouped by ``groups`` when given), the design re-learned inside each
    fold as :func:`glmgen.fit.cross_validate` does, fold ids drawn from the
    replicate's generator. The original estimate is ``obj.select(select)``.

    Replicates that raise are recorded (``errors``, ``failed``) as NaN rows
    and left out of every summary; replicates that do not converge are
    counted (``n_nonconverged``) and kept; both raise a
    :class:`~glmgen.ConvergenceWarning` naming the counts.

    A resample can be (quasi-)separated even when the original data are
    not, e.g. a resample with no deaths in a cell of ``sex * class``: its
    maximum-likelihood estimate does not exist and the solver stops quietly
    with coefficients of 20-30 on the logit scale. Such a replicate is
    ``separated`` (counted in ``n_separated``, and as not converged) when
    its fitted means are numerically 0 or 1 (binomial) or 0 (poisson) on its
    resample rows, or when, for an unpenalized model, the resample's Fisher
    information at the refit has collapsed (some coefficient's Wald standard
    error over 100 times its full-data value; :mod:`.engines_glm`; for a
    stepwise search, compared with the original selected model's). One
    :class:`~glmgen.SeparationWarning` gives the count. Separated replicates
    are kept: ``se``, ``bias`` and every interval (percentile intervals
    too) include their arbitrary, very large coefficients, so for the
    coefficients involved they describe the resampling of an estimator that
    sometimes does not exist rather than the sampling error of the
    estimate. Then prefer a penalized fit (``alpha > 0``), or drop or merge
    the sparse cell; ``separated_replicates`` lists them.
    """
    data = as_pandas(data)
    method = check_choice("method", method, METHODS)
    path_grid = check_choice("path_grid", path_grid, PATH_GRIDS)
    n_boot, seed, n_jobs = check_whole("n_boot", n_boot, 2), check_seed(seed), check_n_jobs(n_jobs)
    if cv_folds is not None:
        check_whole("cv_folds", cv_folds, 2)
    _check_combination(obj, method, strata, groups, select)
    if isinstance(obj, GLMResult) and isinstance(obj.refits, DaskFitRefits):
        _check_dask(method, strata, groups, data)
        return poisson_bootstrap(obj, n_boot, seed, progress)
    if isinstance(obj, PathResult) and isinstance(obj.refits, DaskPathRefitter):
        raise InvalidParameterError(
            "bootstrapping a whole path and its selection is not available for a path fitted on a Dask DataFrame "
            "(each replicate would re-run the path and its CV over the partitions); bootstrap the selected fit "
            "instead: gg.bootstrap(path.select('cv_1se'), ...)."
        )
    if isinstance(obj, GLMResult):
        engine, target, original, frame, kept = _glm_engine(obj, control, data)
    elif isinstance(obj, PathResult):
        engine, select, original, frame, kept = _path_engine(obj, select, groups, path_grid, cv_folds)
        target = "path"
    else:
        searched = data if data is not None else obj.data
        if searched is None:
            raise InvalidParameterError(
                "this stepwise result does not hold the rows it searched; pass the data frame it was run on: "
                "gg.bootstrap(step, data=df, ...)."
            )
        engine = StepwiseEngine.of(obj, searched)
        original, frame, kept = obj.best, engine.data, np.ones(len(engine.data), dtype=bool)
        target = "stepwise"
    n_rows = engine.rows.n_rows
    strata_codes = None if strata is None else resample_labels(strata, "strata", n_rows, kept, frame)
    group_codes = None if groups is None else resample_labels(groups, "groups", n_rows, kept, frame)
    resampler = Resampler.build(n_rows, strata_codes, group_codes)
    estimate = original.params.rename("estimate")
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    pieces = chunks(n_boot)
    tasks = [(engine, resampler, method, [seeds[r] for r in c]) for c in pieces]
    parts = map_chunks(run_chunk, tasks, [len(c) for c in pieces], n_jobs, progress, "bootstrap")
    procedure = Procedure(engine, resampler, method, seed, n_boot, columns=[], n_jobs=n_jobs, progress=progress)
    return _assemble(parts, procedure, target, select, estimate, original)


def _check_dask(method: str, strata: Any, groups: Any, data: Any) -> None:
    """What a Poisson bootstrap over Dask partitions refuses."""
    if method != "case" or strata is not None or groups is not None or data is not None:
        raise InvalidParameterError(
            "a fit on a Dask DataFrame is bootstrapped by the Poisson bootstrap (each row's count drawn from "
            "Poisson(1) per partition, glmgen.distributed.poisson_counts), a case bootstrap without strata= or "
            "groups=; method='parametric', strata=, groups= and data= need the rows in memory."
        )


def _check_combination(obj: Any, method: str, strata: Any, groups: Any, select: str | None) -> None:
    """Refuse what cannot be bootstrapped: an unknown object, or options that do not apply to it."""
    if not isinstance(obj, (GLMResult, PathResult, StepwiseResult)):
        raise InvalidParameterError(
            f"bootstrap needs a GLMResult, a PathResult (with select=) or a StepwiseResult, got {type(obj).__name__}."
        )
    if method == "parametric" and (strata is not None or groups is not None):
        raise InvalidParameterError("strata= and groups= apply to case resampling; drop them for method='parametric'.")
    if select is not None and not isinstance(obj, PathResult):
        raise InvalidParameterError(
            f"select={select!r} applies to a regularization path (gg.glm_path(...)), not to a "
            f"{type(obj).__name__}; drop it here."
        )
    if method == "parametric" and not (isinstance(obj, GLMResult) and not obj.penalty.is_penalized):
        what = f"a penalized fit (alpha={obj.penalty.alpha:g})" if isinstance(obj, GLMResult) else (
            f"a {type(obj).__name__}")
        raise InvalidParameterError(
            f"method='parametric' is available for unpenalized GLM fits only, not for {what}; use method='case'."
        )


def refit_engine(fit: GLMResult, control: IRLSControl | CDControl | None = None) -> GLMEngine | PenalizedEngine:
    """What refits ``fit`` (penalized or not) on resampled rows: ``engine.refit(counts, rng)`` is the same model
    (design columns, alpha, imputation re-learned) on the training rows weighted by ``counts``."""
    if fit.training is None:
        raise DataError("this model holds no training rows (it was loaded from a file, or fitted on a Dask DataFrame), so it cannot be refitted; "
                        "refit it with gg.glm(...) and bootstrap that.")
    if fit.penalty.is_penalized:
        return PenalizedEngine.of(fit, control if isinstance(control, CDControl) else CDControl())
    return GLMEngine.of(fit, control if isinstance(control, IRLSControl) else REFIT_CONTROL)


def _glm_engine(fit: GLMResult, control: IRLSControl | CDControl | None, data: pd.DataFrame | None
                ) -> tuple[Any, str, GLMResult, pd.DataFrame | None, npt.NDArray[np.bool_]]:
    """The engine refitting one fit (penalized or not), its target name, and where strata/group columns live."""
    engine = refit_engine(fit, control)
    target = "penalized" if fit.penalty.is_penalized else "glm"
    assert fit.training is not None
    return engine, target, fit, data, fit.training.design.kept


def _path_engine(path: PathResult, select: str | None, groups: Any, grid: str, cv_folds: int | None
                 ) -> tuple[PathEngine, str, GLMResult, pd.DataFrame, npt.NDArray[np.bool_]]:
    """The engine re-running a path and its selection, the checked criterion, the original selected fit, and
    the path's rows (where strata/group columns live)."""
    if select is None:
        raise InvalidParameterError(
            f"bootstrapping a path needs select= (one of {', '.join(map(repr, SELECTION_CRITERIA))}): the "
            "selection is re-run on every resample."
        )
    select = check_choice("select", select, SELECTION_CRITERIA)
    refits = path.refits
    assert isinstance(refits, PathRefitter)  # the fitting layer supplies a path's refits
    kept, frame = refits.design.kept, refits.rows
    original = path.select(select)  # before the engine: a first "cv" selection runs the CV whose folds it reuses
    group_codes = None if groups is None else resample_labels(groups, "groups", refits.design.n_rows, kept, frame)
    engine = PathEngine.of(path, select, grid=grid, cv_folds=cv_folds, cv_groups=group_codes)
    return engine, select, original, frame, kept


def _assemble(parts: list[ChunkOutput], procedure: Procedure, target: str, select: str | None,
              estimate: pd.Series, original: Any) -> BootstrapResult:
    """The result record from the chunks' outputs, in replicate order."""
    engine, method, seed, n_boot = procedure.engine, procedure.method, procedure.seed, procedure.n_boot
    refits = [r for part in parts for r in part.refits]
    errors = [e for part in parts for e in part.errors]
    columns = list(engine.columns) if engine.columns is not None else list(estimate.index)
    if engine.columns is None:
        for refit in refits:
            if refit is not None and isinstance(refit.coef, dict):
                columns += [name for name in refit.coef if name not in columns]
    replicates = pd.DataFrame(coefficient_matrix(refits, columns), columns=columns,
                              index=pd.RangeIndex(n_boot, name="replicate"))
    failed = np.array([r is None for r in refits])
    converged = np.array([r is not None and r.converged for r in refits])
    separated = np.array([r is not None and r.separated for r in refits])
    rows = engine.rows
    oob_sum, oob_count = np.zeros(rows.n_rows), np.zeros(rows.n_rows, dtype=np.int64)
    caught: dict[str, list[Any]] = {}
    for part in parts:
        if part.oob_sum is not None and part.oob_count is not None:
            oob_sum += part.oob_sum
            oob_count += part.oob_count
        for name, (count, message) in part.warnings.items():
            caught.setdefault(name, [0, message])[0] += count
    deviances = pd.DataFrame({
        "resample": [d for p in parts for d in p.deviance_resample],
        "resample_weight": [d for p in parts for d in p.weight_resample],
        "original": [d for p in parts for d in p.deviance_original],
    }, index=replicates.index)
    estimate = estimate.reindex(columns).fillna(0.0) if target == "stepwise" else estimate.reindex(columns)
    mu0 = original.training.mu
    apparent = float(rows.weights @ rows.family.unit_deviance(rows.y, mu0) / rows.weights.sum())
    messages = _summary_warnings(failed, converged, separated, errors, caught, target)
    chosen_alpha = (pd.Series([r.chosen_alpha if r is not None else np.nan for r in refits], index=replicates.index,
                              name="chosen_alpha") if target == "path" else None)
    chosen_formula = (pd.Series([r.chosen_formula if r is not None else None for r in refits],
                                index=replicates.index, name="chosen_formula") if target == "stepwise" else None)
    return BootstrapResult(
        estimate=estimate, replicates=replicates, method=method, target=target, select=select, seed=seed,
        converged=converged, separated=separated, failed=failed,
        errors={i: e for i, e in enumerate(errors) if e is not None},
        n_iter=np.array([r.n_iter if r is not None else 0 for r in refits], dtype=np.int64),
        chosen_alpha=chosen_alpha, chosen_formula=chosen_formula, deviances=deviances,
        apparent_deviance=apparent, no_information=no_information_deviance(rows.family, rows.y, mu0, rows.weights,
                                                                            seed=seed),
        oob_sum=oob_sum, oob_count=oob_count, row_weights=rows.weights, warnings=messages,
        model=None if target == "stepwise" else original, _procedure=replace(procedure, columns=columns),
    )


def _summary_warnings(failed: npt.NDArray[np.bool_], converged: npt.NDArray[np.bool_],
                      separated: npt.NDArray[np.bool_], errors: list[str | None],
                      caught: dict[str, list[Any]], target: str) -> list[str]:
    messages = []
    n_boot = failed.size
    if failed.any():
        first = int(np.flatnonzero(failed)[0])
        messages.append(
            f"{int(failed.sum())} of {n_boot} bootstrap replicates failed and are left out of every summary (NaN rows "
            f"in replicates; first: replicate {first}, {errors[first]}). See result.errors."
        )
    nonconverged = ~converged & ~failed & ~separated
    if nonconverged.any():
        messages.append(
            f"{int(nonconverged.sum())} of {n_boot} bootstrap replicates did not converge"
            f"{' besides the separated ones' if separated.any() else ''} (first: replicate "
            f"{int(np.flatnonzero(nonconverged)[0])}); they are kept in the summaries and listed in "
            "result.nonconverged_replicates."
        )
    for message in messages:
        warnings_module.warn(message, ConvergenceWarning, stacklevel=3)
    separation = separation_message(separated)
    if separation is not None:
        warnings_module.warn(separation, SeparationWarning, stacklevel=3)
        messages.append(separation)
    for name, (count, example) in caught.items():
        if target == "stepwise" and name in ("DroppedRowsWarning",):
            continue
        messages.append(f"{count} {name} raised during the refits (first: {example})")
    return messages
