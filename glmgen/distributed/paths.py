"""Regularization paths of Dask data as :class:`~glmgen.results.PathResult` records, and their refits:
``fit_at``, ``cv`` (all folds' paths in shared passes, then one scoring pass) and ``edf``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import check_seed
from ..errors import InvalidParameterError
from ..fit import emit
from ..results import (
    CVResult,
    GLMResult,
    PathResult,
    PenaltySettings,
    result_from_totals,
)
from ..solvers import CDControl
from ..stats import cv_summary
from .driver import run
from .irls import normal_equations
from .partitions import map_partitions
from .penalized import DaskPath, PathPoint, path_steps, penalized_steps
from .probes import Job, Probe
from .rows import RowSet, partition_fold_ids

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PathSettings:
    """How a Dask path was fitted (what its refits repeat)."""

    factors: FloatArray
    l1_ratio: float
    standardize: bool
    penalty_factor: dict[str, float]
    control: CDControl
    has_offset: bool


@dataclass(eq=False)
class DaskFitRefits:
    """What a fit on a Dask DataFrame keeps for refits: the frame, the learned design and, for a penalized fit,
    its path settings and alpha (the Poisson bootstrap refits it; :mod:`.bootstrap`)."""

    frame: Any
    job: Job
    penalized: tuple[PathSettings, float] | None = None

    def profile_intervals(self, fit: GLMResult, level: float) -> Any:
        raise InvalidParameterError(
            "profile-likelihood intervals refit the model once per grid point and coefficient, which glmgen does not "
            "do over Dask partitions; use the Wald intervals (conf_int(method='wald')) or the bootstrap."
        )


@dataclass(eq=False)
class DaskPathRefitter:
    """The refits of a path fitted on a Dask DataFrame (:class:`~glmgen.results.PathRefits`)."""

    frame: Any
    job: Job
    path: DaskPath
    settings: PathSettings
    null: tuple[float, float | None]
    last_cv: CVResult | None = None
    _edf: FloatArray | None = field(default=None, repr=False)

    def fit_at(self, path: PathResult, alpha: float) -> GLMResult:
        """Exact fit at ``alpha``, warm-started from the nearest path point (passes over the data)."""
        nearest = int(np.argmin(np.abs(np.log(self.path.alphas) - math.log(alpha))))
        start = self.path.points[nearest]
        penalty = self.path.penalty.at(alpha)
        scale = self.path.null_deviance / (2.0 * self.path.weight)
        (solved,) = run(self.frame, self.job, [_single(penalized_steps(
            start, penalty, start.coef != 0, self.settings.control, scale, self.path.weight,
            self.job.spec.fit_intercept, RowSet()))])
        result = point_result(self.job, solved, penalty, self.settings, self.null, warnings=emit(list(solved.notices), 3),
                              weight=self.path.weight)
        return replace(result, refits=self.refits_at(alpha))

    def refits_at(self, alpha: float) -> DaskFitRefits:
        """The refits of the fit at ``alpha`` (for its bootstrap)."""
        return DaskFitRefits(self.frame, self.job, (self.settings, alpha))

    def cross_validate(self, path: PathResult, folds: Any, *, seed: int, n_jobs: int, stratify: Any, groups: Any,
                       repeats: int, progress: bool | None = None) -> CVResult:
        if stratify is not None or groups is not None or repeats != 1 or np.ndim(folds) != 0:
            raise InvalidParameterError(
                "cross-validation of a path fitted on a Dask DataFrame takes folds as a number (folds=10) and "
                "assigns rows by a seeded draw per partition (glmgen.distributed.fold_ids); stratify=, groups=, "
                "repeats= and fold ids per row need the rows in memory."
            )
        if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
            raise InvalidParameterError(f"folds={folds!r} must be a whole number of at least 2.")
        self.last_cv = cross_validate_dask(self, path, int(folds), check_seed(seed), progress)
        return self.last_cv

    def effective_df(self, path: PathResult) -> FloatArray:
        if self._edf is None:
            self._edf = np.array([point_edf(point, self.path.penalty.at(alpha), self.job.spec.fit_intercept,
                                            self.path.weight) for alpha, point in zip(path.alphas, self.path.points)])
        return self._edf


def _single(steps: Any) -> Any:
    """``penalized_steps`` returning only its solution."""
    point, _, _ = yield from steps
    return point


def point_edf(point: PathPoint, penalty: Any, fit_intercept: bool, weight: float) -> float:
    """:func:`glmgen.stats.effective_df` from the working moments at the solution: ``tr[(G + diag l2)^-1 G]`` over
    the non-zero coefficients, ``G`` the centred working Gram matrix normalised by the total weight."""
    active = np.flatnonzero(point.coef).astype(np.int64)
    if active.size == 0:
        return 0.0
    l2 = penalty.l2[active]
    if not np.any(l2 > 0):
        return float(active.size)
    assert point.outcome.moments is not None
    gram = normal_equations(point.outcome.moments, active, fit_intercept)[0] / weight
    return float(np.trace(np.linalg.solve(gram + np.diag(l2), gram)))


def point_result(job: Job, point: PathPoint, penalty: Any, settings: PathSettings, null: tuple[float, float | None],
                 *, warnings: list[str], weight: float | None = None) -> GLMResult:
    """The :class:`GLMResult` of one penalized solution."""
    family = job.family
    outcome = point.outcome
    penalty_settings = PenaltySettings(alpha=float(penalty.alpha), l1_ratio=settings.l1_ratio,
                                       standardize=settings.standardize, penalty_factor=dict(settings.penalty_factor))
    return result_from_totals(
        job.spec, family, job.link, point, outcome.fit_totals(family), penalty=penalty_settings, null_deviance=null[0],
        null_intercept=null[1], warnings=warnings,
        edf=point_edf(point, penalty, job.spec.fit_intercept, outcome.weight if weight is None else weight),
        n_dropped=0,
    )


def path_result(job: Job, path: DaskPath, settings: PathSettings, null: tuple[float, float | None], frame: Any, *,
                warnings: list[str], n_dropped: int) -> PathResult:
    """The :class:`PathResult` of a Dask path."""
    spec, family = job.spec, job.family
    names = (["Intercept"] if spec.fit_intercept else []) + spec.column_names
    coefs = np.array([point.coef for point in path.points]).reshape(len(path.points), -1)
    if spec.fit_intercept:
        coefs = np.column_stack([[point.intercept for point in path.points], coefs])
    loglik = np.array([family.log_likelihood_from_parts(point.outcome.loglik_parts) for point in path.points])
    refits = DaskPathRefitter(frame, job, path, settings, null)
    return PathResult(
        spec=spec, family=family, link=job.link, alphas=path.alphas,
        coefs=pd.DataFrame(coefs, index=pd.Index(path.alphas, name="alpha"), columns=names),
        deviance=np.array([point.deviance for point in path.points]), null_deviance=null[0], loglik=loglik,
        nobs=float(path.points[0].outcome.nobs), alpha_max=path.alpha_max, l1_ratio=settings.l1_ratio,
        standardize=settings.standardize, penalty_factor=dict(settings.penalty_factor),
        n_iter=np.array([point.n_iter for point in path.points], dtype=float),
        converged=np.array([point.converged for point in path.points]), warnings=warnings,
        penalized_columns=tuple(c for c, f in zip(spec.column_names, settings.factors) if f > 0),
        weight_sum=path.weight, refits=refits,
    )


def cross_validate_dask(refits: DaskPathRefitter, path: PathResult, folds: int, seed: int,
                        progress: bool | None = None) -> CVResult:
    """K-fold CV of a Dask path: every fold's path (its standardization learned from its training rows) in shared
    passes, then one pass scoring each fold's held-out rows at every alpha (as :func:`glmgen.fit.cross_validate`).
    The design's levels and transforms are those learned from all rows (a Dask frame is not re-read per fold)."""
    job, settings = refits.job, refits.settings
    spec = job.spec
    p = len(spec.column_names)
    fold_paths = run(refits.frame, job, [
        path_steps(p, spec.fit_intercept, job.family.is_canonical(job.link), job.family, job.link,
                   factors=settings.factors, l1_ratio=settings.l1_ratio, standardize=settings.standardize,
                   alphas=path.alphas, n_alphas=len(path.alphas), alpha_min_ratio=None, control=settings.control,
                   has_offset=settings.has_offset, response=spec.response.label,
                   rows=RowSet("train", folds=folds, fold=k, seed=seed))
        for k in range(folds)], progress=progress)
    probes = []
    for k, fold_path in enumerate(fold_paths):
        coefs = np.array([point.coef for point in fold_path.points]).T
        intercepts = np.array([point.intercept for point in fold_path.points])
        probes.append(Probe(coefs, intercepts, RowSet("test", folds=folds, fold=k, seed=seed), many=True))
    scored = run(refits.frame, job, [evaluate_once(probe) for probe in probes], progress=progress)
    fold_means = np.array([o.deviances / o.weight if o.weight > 0 else np.full(len(path.alphas), np.nan)
                           for o in scored])
    fold_weights = np.array([o.weight for o in scored])
    mean, se = cv_summary(fold_means, fold_weights)
    return CVResult(
        alphas=path.alphas, mean_deviance=mean, se=se,
        folds=pd.DataFrame(fold_means, index=pd.Index(range(folds), name="fold"),
                           columns=pd.Index(path.alphas, name="alpha")),
        fold_weights=fold_weights, fold_ids=fold_ids(refits.frame, folds, seed), repeats=1, df=path.df,
    )


def evaluate_once(probe: Probe) -> Any:
    """A fit that asks for ``probe`` once and returns its outcome (to evaluate many probes in one pass)."""
    outcome = yield probe
    return outcome


def fold_ids(frame: Any, folds: int = 10, seed: int = 0) -> Any:
    """The cross-validation fold (``0..folds-1``) of every row of the Dask DataFrame ``frame``, as a lazy dask
    Series: a seeded permutation per partition (balanced within it), the same on every pass and after a lost
    partition is recomputed, changing with the partitioning. ``path.cv(folds, seed)`` of a path fitted on
    ``frame`` uses these folds; pass them (computed) to an in-memory ``path.cv(folds=...)`` to compare."""
    meta = pd.Series(np.zeros(0, dtype=np.int64), name="fold")
    return map_partitions(frame, _fold_series, meta, int(folds), check_seed(seed))


def _fold_series(part: pd.DataFrame, number: int, folds: int, seed: int) -> pd.Series:
    return pd.Series(partition_fold_ids(number, len(part), folds, seed), index=part.index, name="fold")
