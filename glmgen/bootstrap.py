"""Seeded bootstrap of fitted models and of whole model-building procedures.

:func:`bootstrap` refits a procedure on resamples of the training rows and
returns a :class:`~glmgen.bootstrap_intervals.BootstrapResult`;
:func:`glmgen.bootstrap_bias_variance.bias_variance` decomposes the
held-out error of refitted predictions.

Resamples are frequency weights over the original rows, never copies of the
data: replicate ``r`` draws counts ``c`` (case resampling: ``n`` draws with
replacement; stratified: within each stratum; cluster: whole groups, each
row getting its group's count) from
``np.random.default_rng(np.random.SeedSequence(seed).spawn(n_boot)[r])``,
and the refit's total weight of row ``i`` is
``weights_i * freq_weights_i * c_i``; rows with ``c_i = 0`` are out-of-bag.
Results depend only on ``seed``, never on ``n_jobs``: replicates run in
fixed chunks through :func:`glmgen._parallel.deterministic_map` (one BLAS
thread per task) and are combined in replicate order. The refit engines are
in :mod:`glmgen.bootstrap_engines`, the record in
:mod:`glmgen.bootstrap_intervals`.
"""

from __future__ import annotations

import math
import sys
import warnings as warnings_module
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._parallel import deterministic_map
from ._validation import check_choice, check_n_jobs, check_seed, check_whole, column_of, first_bad
from .bootstrap_engines import (
    REFIT_CONTROL,
    GLMEngine,
    PathEngine,
    PenalizedEngine,
    Refit,
    StepwiseEngine,
)
from .bootstrap_intervals import BootstrapResult, no_information_deviance
from .errors import ConvergenceWarning, DataError, InvalidParameterError
from .penalized import CDControl
from .solvers import IRLSControl

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

METHODS = ("case", "parametric")
PATH_GRIDS = ("resample", "original")
#: units up to which BCa uses exact leave-one-out refits; beyond, blocks of units
EXACT_JACKKNIFE_UNITS = 2000
JACKKNIFE_BLOCKS = 200


# --- resampling schemes ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Resampler:
    """Draws resample counts for ``n_rows`` rows: case, stratified, cluster, or clusters within strata.

    ``strata`` and ``groups`` are integer codes per row (or ``None``); with
    both, every group must lie in one stratum and groups are resampled within
    their stratum.
    """

    n_rows: int
    strata: IntArray | None = None
    groups: IntArray | None = None
    _units: tuple[IntArray, ...] = field(default=(), repr=False)

    @classmethod
    def build(cls, n_rows: int, strata: IntArray | None, groups: IntArray | None) -> Resampler:
        if groups is not None and strata is not None:
            per_group = pd.Series(strata).groupby(groups).nunique()
            if (per_group > 1).any():
                raise DataError(
                    f"group {per_group.index[int(np.argmax(per_group.to_numpy() > 1))]!r} spans several strata; "
                    "with both "
                    "strata= and groups=, every group must lie within one stratum (groups are resampled within strata)."
                )
        # resampling units (rows or groups) per stratum
        unit_stratum = (np.zeros(n_rows if groups is None else int(groups.max()) + 1, dtype=np.int64)
                        if strata is None else
                        (strata if groups is None else pd.Series(strata).groupby(groups).first().to_numpy()))
        units = tuple(u for u in (np.flatnonzero(unit_stratum == s) for s in range(int(unit_stratum.max()) + 1))
                      if u.size)
        if all(u.size < 2 for u in units):
            unit = "row" if groups is None else "group"
            where = "the data has" if strata is None else f"each of the {len(units)} strata has"
            raise DataError(
                f"{where} a single {unit} to resample, so every bootstrap resample would equal the data (standard "
                f"errors 0). Give at least 2 {unit}s per stratum: fewer or coarser strata=, or groups= with "
                "several groups."
            )
        return cls(n_rows, strata, groups, units)

    def draw(self, rng: np.random.Generator) -> IntArray:
        """Counts per row; each stratum's units are drawn ``len(units)`` times with replacement."""
        n_units = self.n_rows if self.groups is None else int(self.groups.max()) + 1
        unit_counts = np.zeros(n_units, dtype=np.int64)
        for members in self._units:
            unit_counts[members] = np.bincount(rng.integers(0, members.size, members.size), minlength=members.size)
        return unit_counts if self.groups is None else unit_counts[self.groups]

    def jackknife_units(self, blocks: int | None, seed: int) -> tuple[list[IntArray], FloatArray]:
        """Rows left out by each jackknife refit and the multiplier ``n_s - 1`` of boot's ``usual.jack``.

        ``blocks=None``: one unit (row or group) at a time; an int: that many
        random blocks of units (multiplier ``G - 1``).
        """
        rows_of = (lambda unit: np.array([unit])) if self.groups is None else None
        if self.groups is not None:
            order = np.argsort(self.groups, kind="stable")
            bounds = np.searchsorted(self.groups[order], np.arange(int(self.groups.max()) + 2))
            rows_of = lambda unit: order[bounds[unit]:bounds[unit + 1]]  # noqa: E731
        assert rows_of is not None
        if blocks is None:
            left_out, multipliers = [], []
            for members in self._units:
                for unit in members:
                    left_out.append(rows_of(unit))
                    multipliers.append(members.size - 1.0)
            return left_out, np.array(multipliers)
        all_units = np.concatenate(self._units)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31,)))
        block_of = rng.permutation(np.arange(all_units.size) % blocks)
        left_out = [np.concatenate([rows_of(u) for u in all_units[block_of == g]]) for g in range(blocks)]
        return left_out, np.full(blocks, blocks - 1.0)

    @property
    def n_units(self) -> int:
        return int(sum(u.size for u in self._units))


def _labels(value: Any, name: str, n_rows: int, kept: npt.NDArray[np.bool_], data: pd.DataFrame | None) -> IntArray:
    """Integer codes of strata/group labels given as a column name (of ``data``) or one label per row."""
    if isinstance(value, str):
        if data is None:
            raise InvalidParameterError(
                f"{name}={value!r} names a column, but this result holds no data frame: pass data=... (the training "
                f"data) or give {name} as one label per training row."
            )
        labels = column_of(data, value, name)
    else:
        labels = np.asarray(value)
    if labels.ndim != 1:
        raise DataError(f"{name} must be one label per row, got an array of shape {labels.shape}.")
    if len(labels) == len(kept) and len(labels) != n_rows:
        labels = labels[kept]
    if len(labels) != n_rows:
        raise DataError(f"{name} has {len(labels)} labels but the fit used {n_rows} rows; give one label per row.")
    missing = np.asarray(pd.isna(labels))
    if missing.any():
        count, row = first_bad(missing, None)
        raise DataError(f"{name} has {count} missing labels (first: position {row}); fill them or drop those rows.")
    return pd.factorize(labels, sort=True)[0].astype(np.int64)


# --- running replicates ------------------------------------------------------------------------------

@dataclass
class ChunkOutput:
    """What one task returns: per-replicate results and the out-of-bag sums over its replicates."""

    refits: list[Refit | None]
    errors: list[str | None]
    deviance_resample: list[float]
    weight_resample: list[float]
    deviance_original: list[float]
    oob_sum: FloatArray | None
    oob_count: IntArray | None
    warnings: dict[str, list[Any]]


def _refit_safely(engine: Any, counts: IntArray, rng: np.random.Generator, y: FloatArray | None,
                  caught: dict[str, list[Any]]) -> tuple[Refit | None, str | None]:
    with warnings_module.catch_warnings(record=True) as records:
        warnings_module.simplefilter("always")
        try:
            refit = engine.refit(counts, rng, y)
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed replicate is recorded, never raised
            refit, error = None, f"{type(exc).__name__}: {exc}"
    for record in records:
        entry = caught.setdefault(record.category.__name__, [0, str(record.message)])
        entry[0] += 1
    return refit, error


def _run_chunk(engine: Any, resampler: Resampler, method: str, seeds: Sequence[np.random.SeedSequence]) -> ChunkOutput:
    """Refit the replicates whose seeds are given (one task of :func:`deterministic_map`)."""
    rows = engine.rows
    n = rows.n_rows
    caught: dict[str, list[Any]] = {}
    out = ChunkOutput([], [], [], [], [], None if method == "parametric" else np.zeros(n),
                      None if method == "parametric" else np.zeros(n, dtype=np.int64), caught)
    used = rows.weights > 0
    weights = np.where(used, rows.weights, 0.0)
    total = float(weights.sum())
    for child in seeds:
        rng = np.random.default_rng(child)
        y_star = engine.simulate(rng) if method == "parametric" else None
        counts = np.ones(n, dtype=np.int64) if method == "parametric" else resampler.draw(rng)
        refit, error = _refit_safely(engine, counts, rng, y_star, caught)
        out.refits.append(refit)
        out.errors.append(error)
        deviances = (math.nan, math.nan, math.nan)
        if refit is not None and refit.eta is not None:
            with np.errstate(all="ignore"):
                mu = rows.link.inverse(refit.eta) if refit.mu is None else refit.mu
                # unit deviances on every original row; rows without weight contribute nothing
                unit = np.where(used, rows.family.unit_deviance(rows.y, mu), 0.0)
                original = float(weights @ unit)
                if y_star is not None:
                    star = np.where(used, rows.family.unit_deviance(y_star, mu), 0.0)
                    deviances = (float(weights @ star), total, original)
                else:
                    resample_weights = weights * counts
                    deviances = (float(resample_weights @ unit), float(resample_weights.sum()), original)
                    oob = used & (counts == 0)
                    assert out.oob_sum is not None and out.oob_count is not None
                    np.add(out.oob_sum, unit, out=out.oob_sum, where=oob)
                    np.add(out.oob_count, 1, out=out.oob_count, where=oob)
                if refit.converged and _at_boundary(rows.family.name, mu, used & (counts > 0)):
                    refit.converged, refit.separated = False, True
        if refit is not None:
            refit.eta = refit.y = refit.mu = None  # n-length arrays: not kept, not sent back to the main process
        out.deviance_resample.append(deviances[0])
        out.weight_resample.append(deviances[1])
        out.deviance_original.append(deviances[2])
    return out


def _at_boundary(family: str, mu: FloatArray, fitted: npt.NDArray[np.bool_]) -> bool:
    """R's "fitted probabilities numerically 0 or 1" / "fitted rates numerically 0" on the refitted rows.

    The maximum-likelihood estimate does not exist there ((quasi-)separation):
    the coefficients are wherever the solver stopped, so such a replicate
    counts as not converged.
    """
    threshold = 10 * np.finfo(float).eps
    if family == "binomial":
        return bool(np.any(fitted & ((mu < threshold) | (mu > 1 - threshold))))
    if family == "poisson":
        return bool(np.any(fitted & (mu < threshold)))
    return False


def _run_jackknife_chunk(engine: Any, left_out: Sequence[IntArray], seeds: Sequence[np.random.SeedSequence]
                         ) -> list[Refit | None]:
    caught: dict[str, list[Any]] = {}
    refits = []
    for rows, child in zip(left_out, seeds):
        counts = np.ones(engine.rows.n_rows, dtype=np.int64)
        counts[rows] = 0
        refit = _refit_safely(engine, counts, np.random.default_rng(child), None, caught)[0]
        if refit is not None:
            refit.eta = refit.mu = None
        refits.append(refit)
    return refits


def _chunks(n_tasks: int) -> list[range]:
    """Fixed chunks of replicate indices (they depend only on the number of replicates, never on n_jobs)."""
    size = min(100, max(1, math.ceil(n_tasks / 20)))
    return [range(start, min(start + size, n_tasks)) for start in range(0, n_tasks, size)]


def _map_chunks(function: Any, tasks: list[tuple[Any, ...]], sizes: list[int], n_jobs: int, progress: Any,
                description: str) -> list[Any]:
    """:func:`deterministic_map` over the tasks, in batches so that a progress bar can advance."""
    show = progress if progress is not None else (sys.stderr.isatty() and len(tasks) > 1)
    if not show:
        return deterministic_map(function, tasks, n_jobs)
    from tqdm.auto import tqdm

    if n_jobs == 1:
        batch = 1
    else:
        from joblib import cpu_count

        batch = 2 * (cpu_count() if n_jobs < 0 else n_jobs)
    results: list[Any] = []
    with tqdm(total=sum(sizes), desc=description, unit="refit") as bar:
        for start in range(0, len(tasks), batch):
            results += deterministic_map(function, tasks[start:start + batch], n_jobs)
            bar.update(sum(sizes[start:start + batch]))
    return results


# --- the procedure being bootstrapped ----------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Procedure:
    """A refit engine with its resampling scheme and settings; kept on the result for BCa and ``resample_counts``."""

    engine: Any
    resampler: Resampler
    method: str
    seed: int
    n_boot: int
    columns: list[str]
    n_jobs: int
    progress: Any

    def counts(self, replicate: int) -> IntArray:
        whole = isinstance(replicate, (int, np.integer)) and not isinstance(replicate, bool)
        if not (whole and 0 <= replicate < self.n_boot):
            raise InvalidParameterError(
                f"replicate={replicate!r} must be a whole number in [0, {self.n_boot}) (one of the n_boot replicates)."
            )
        if self.method == "parametric":
            return np.ones(self.resampler.n_rows, dtype=np.int64)
        child = np.random.SeedSequence(self.seed).spawn(self.n_boot)[replicate]
        return self.resampler.draw(np.random.default_rng(child))

    def influence(self, jackknife: str | int | None, estimate: pd.Series) -> FloatArray:
        """Empirical influence values ``(units, coefficients)`` for the BCa acceleration."""
        if self.method == "parametric":
            raise InvalidParameterError("BCa intervals need a nonparametric (case) bootstrap; use method='normal', "
                                        "'basic' or 'percentile' for a parametric bootstrap.")
        if isinstance(jackknife, str):
            jackknife = check_choice("jackknife", jackknife, ("exact", "infinitesimal"))
        elif jackknife is not None and not (isinstance(jackknife, (int, np.integer)) and jackknife >= 2):
            raise InvalidParameterError(
                f"jackknife={jackknife!r} must be None, 'exact', 'infinitesimal' or an int >= 2.")
        units = self.resampler.n_units
        if jackknife is None:
            if units <= EXACT_JACKKNIFE_UNITS:
                jackknife = "exact"
            elif isinstance(self.engine, GLMEngine) and self.resampler.groups is None:
                jackknife = "infinitesimal"
            else:
                jackknife = min(JACKKNIFE_BLOCKS, units)
        if jackknife == "infinitesimal":
            if not isinstance(self.engine, GLMEngine) or self.resampler.groups is not None:
                raise InvalidParameterError("jackknife='infinitesimal' is available for unpenalized GLM fits with "
                                            "case or stratified resampling only; use 'exact' or a number of blocks.")
            return self.engine.influence()
        left_out, multipliers = self.resampler.jackknife_units(None if jackknife == "exact" else int(jackknife),
                                                               self.seed)
        seeds = np.random.SeedSequence(self.seed).spawn(self.n_boot + len(left_out))[self.n_boot:]
        chunks = _chunks(len(left_out))
        tasks = [(self.engine, [left_out[i] for i in c], [seeds[i] for i in c]) for c in chunks]
        parts = _map_chunks(_run_jackknife_chunk, tasks, [len(c) for c in chunks], self.n_jobs, self.progress,
                            "jackknife")
        values = _coefficient_matrix([r for part in parts for r in part], self.columns)
        return multipliers[:, None] * (estimate.reindex(self.columns).to_numpy()[None, :] - values)


def _coefficient_matrix(refits: Sequence[Refit | None], columns: list[str]) -> FloatArray:
    """Refit coefficients as rows aligned to ``columns`` (0.0 for names a refit lacks; NaN for failed refits)."""
    matrix = np.full((len(refits), len(columns)), np.nan)
    position = {name: j for j, name in enumerate(columns)}
    for i, refit in enumerate(refits):
        if refit is None:
            continue
        if isinstance(refit.coef, dict):
            matrix[i] = 0.0
            for name, value in refit.coef.items():
                if name in position:
                    matrix[i, position[name]] = value
        else:
            matrix[i] = refit.coef
    return matrix


# --- entry point -------------------------------------------------------------------------------------

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
    data: pd.DataFrame | None = None,
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
        - a ``StepwiseResult``: the stepwise search re-run on each resample
          (needs ``data=``, the data frame the search was run on).
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
        tqdm progress bar; by default shown when stderr is a terminal.
    data : DataFrame, optional
        The training data: needed for stepwise results and for ``strata`` /
        ``groups`` given as column names of a ``GLMResult``.
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
        ``n_nonconverged``, ``plot()``.

    Notes
    -----
    Resamples are frequency weights (see the module notes): the refit's
    total weight of row ``i`` is ``weights_i * freq_weights_i * counts_i``.
    Each refit starts from the full-data solution and calls the solvers
    directly (:mod:`glmgen.bootstrap_engines`); it keeps the coefficients,
    the converged flag, the iteration count and the refitted linear
    predictor on every original row, from which each replicate's deviance
    on its resample, on the original rows and the out-of-bag unit deviances
    are computed inside the replicate's task.

    Path replicates re-run :func:`glmgen.path.fit_path` on the resample
    (penalty standardization re-learned; design columns as in the original
    fit, so coefficients are comparable) and then the selection: the
    information criteria as :class:`~glmgen.path_result.PathResult` defines
    them on the resample, or K-fold CV with folds assigned over the
    resample's distinct rows (so copies of a row never straddle a fold;
    grouped by ``groups`` when given), the design re-learned inside each
    fold as :func:`glmgen.cv.cross_validate` does, fold ids drawn from the
    replicate's generator. The original estimate is ``obj.select(select)``.

    Replicates that raise are recorded (``errors``, ``failed``) as NaN rows
    and left out of every summary; replicates that do not converge are
    counted (``n_nonconverged``) and kept. A refit whose fitted means are
    numerically 0 or 1 (binomial) or 0 (poisson) on its resample rows is
    separated, its estimate does not exist, and it counts as not converged
    (``separated`` marks it) even when the solver stopped quietly, as R's
    ``glm`` does with a warning. Both raise a
    :class:`~glmgen.ConvergenceWarning` naming the counts.
    """
    from .path_result import SELECTION_CRITERIA, PathResult
    from .results import GLMResult
    from .selection import StepwiseResult

    method = check_choice("method", method, METHODS)
    path_grid = check_choice("path_grid", path_grid, PATH_GRIDS)
    n_boot, seed, n_jobs = check_whole("n_boot", n_boot, 2), check_seed(seed), check_n_jobs(n_jobs)
    if cv_folds is not None:
        check_whole("cv_folds", cv_folds, 2)
    if method == "parametric" and (strata is not None or groups is not None):
        raise InvalidParameterError("strata= and groups= apply to case resampling; drop them for method='parametric'.")
    if select is not None and not isinstance(obj, PathResult):
        raise InvalidParameterError(
            f"select={select!r} applies to a regularization path (gg.glm_path(...)), not to a "
            f"{type(obj).__name__}; drop it here."
        )
    refittable = (GLMResult, PathResult, StepwiseResult)
    if method == "parametric" and isinstance(obj, refittable) and not (
            isinstance(obj, GLMResult) and not obj.penalty.is_penalized):
        what = f"a penalized fit (alpha={obj.penalty.alpha:g})" if isinstance(obj, GLMResult) else (
            f"a {type(obj).__name__}")
        raise InvalidParameterError(
            f"method='parametric' is available for unpenalized GLM fits only, not for {what}; use method='case'."
        )

    if isinstance(obj, GLMResult):
        if obj.training is None:
            raise DataError("this model holds no training rows (it was loaded from a file), so it cannot be refitted; "
                            "refit it with gg.glm(...) and bootstrap that.")
        if obj.penalty.is_penalized:
            engine: Any = PenalizedEngine.of(obj, control if isinstance(control, CDControl) else CDControl())
            target = "penalized"
        else:
            engine = GLMEngine.of(obj, control if isinstance(control, IRLSControl) else REFIT_CONTROL)
            target = "glm"
        original, frame, kept = obj, data, obj.training.design.kept
    elif isinstance(obj, PathResult):
        if select is None:
            raise InvalidParameterError(
                f"bootstrapping a path needs select= (one of {', '.join(map(repr, SELECTION_CRITERIA))}): the "
                "selection is re-run on every resample."
            )
        select = check_choice("select", select, SELECTION_CRITERIA)
        kept = obj._design.kept
        frame = obj.data[kept] if obj._design.n_dropped else obj.data
        original = obj.select(select)
        group_codes = None if groups is None else _labels(groups, "groups", obj._design.n_rows, kept, frame)
        engine = PathEngine.of(obj, select, grid=path_grid, cv_folds=cv_folds, cv_groups=group_codes)
        target = "path"
    elif isinstance(obj, StepwiseResult):
        if data is None:
            raise InvalidParameterError(
                "bootstrapping a stepwise search needs the data it was run on: gg.bootstrap(step, data=df, ...)."
            )
        engine = StepwiseEngine.of(obj, data)
        original, frame, kept = obj.best, engine.data, np.ones(len(engine.data), dtype=bool)
        target = "stepwise"
    else:
        raise InvalidParameterError(
            f"bootstrap needs a GLMResult, a PathResult (with select=) or a StepwiseResult, got {type(obj).__name__}."
        )

    n_rows = engine.rows.n_rows
    strata_codes = None if strata is None else _labels(strata, "strata", n_rows, kept, frame)
    group_codes = None if groups is None else _labels(groups, "groups", n_rows, kept, frame)
    resampler = Resampler.build(n_rows, strata_codes, group_codes)
    estimate = original.params.rename("estimate")
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    chunks = _chunks(n_boot)
    tasks = [(engine, resampler, method, [seeds[r] for r in c]) for c in chunks]
    parts = _map_chunks(_run_chunk, tasks, [len(c) for c in chunks], n_jobs, progress, "bootstrap")
    return _assemble(parts, engine, resampler, method, target, select, seed, n_boot, estimate, original,
                     n_jobs, progress)


def _assemble(parts: list[ChunkOutput], engine: Any, resampler: Resampler, method: str, target: str,
              select: str | None, seed: int, n_boot: int, estimate: pd.Series, original: Any, n_jobs: int,
              progress: Any) -> BootstrapResult:
    refits = [r for part in parts for r in part.refits]
    errors = [e for part in parts for e in part.errors]
    columns = list(engine.columns) if engine.columns is not None else list(estimate.index)
    if engine.columns is None:
        for refit in refits:
            if refit is not None and isinstance(refit.coef, dict):
                columns += [name for name in refit.coef if name not in columns]
    replicates = pd.DataFrame(_coefficient_matrix(refits, columns), columns=columns,
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
        _procedure=Procedure(engine, resampler, method, seed, n_boot, columns, n_jobs, progress),
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
    nonconverged = ~converged & ~failed
    if nonconverged.any():
        n_separated = int(separated.sum())
        messages.append(
            f"{int(nonconverged.sum())} of {n_boot} bootstrap replicates did not converge (first: replicate "
            f"{int(np.flatnonzero(nonconverged)[0])}; {n_separated} of them separated: fitted means numerically at "
            "the boundary, so the estimate does not exist); they are kept in the summaries and listed in "
            "result.nonconverged_replicates."
        )
    for message in messages:
        warnings_module.warn(message, ConvergenceWarning, stacklevel=3)
    for name, (count, example) in caught.items():
        if target == "stepwise" and name in ("DroppedRowsWarning",):
            continue
        messages.append(f"{count} {name} raised during the refits (first: {example})")
    return messages
