"""Unpenalized IRLS over partitions: :func:`glmgen.solvers.irls` step for step, one pass over the data per step.

Each pass evaluates the candidate coefficients on every partition and returns, reduced, the deviance there
and the working moments (``X'VX`` and ``X'Vz``, centred: :data:`~.probes.AnyMoments`) for the next step. The
iteration is the in-memory one: the same start (R's ``mustart``), the same weighted least-squares solve
(equilibrated Cholesky of the centred Gram matrix), aliased columns found once at the starting weights by R's
rule (from an R factor merged over partitions when the Gram matrix cannot rule aliasing out), step-halving,
convergence test and final covariance step. So the result equals the in-memory fit on the same rows to
round-off. When the Gram matrix is too ill-conditioned for Cholesky, a pass forms the R factor of
``sqrt(v) [1, X, z]`` (merged over partitions, TSQR) and the step is solved from it, as the in-memory QR.

The iteration is a generator: it yields the :class:`~.probes.Probe` it needs evaluated and receives its
:class:`~.probes.Outcome`, so that many fits (the null model, CV folds, bootstrap replicates) share passes.
The totals a result needs (Pearson's chi-squared, the log-likelihood) are asked for in the final step's pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.linalg

from ..errors import SolverError
from ..model import Family
from ..solvers import (
    DEVIANCE_SLACK,
    IRLSControl,
    Notice,
    WLSStep,
    aliased_in_factor,
    clearly_full_rank,
    convergence_notice,
    relative_change,
    solve_normal_equations,
)
from .probes import AnyMoments, Outcome, Probe
from .rows import ALL_ROWS, RowSet

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Steps = Generator[Probe, Outcome, "IRLSFit"]


@dataclass(frozen=True)
class IRLSFit:
    """The solution: coefficients over all ``p`` columns (NaN where aliased), intercept, deviance, the outcome
    of the last pass (totals at the solution), iterations, convergence, aliasing, covariance, history."""

    coef: FloatArray
    intercept: float
    deviance: float
    outcome: Outcome
    n_iter: int
    converged: bool
    aliased: BoolArray
    cov_unscaled: FloatArray | None
    history: dict[str, list[float]]
    notices: tuple[Notice, ...]


@dataclass(frozen=True)
class _Point:
    coef: FloatArray  # over the solved columns
    intercept: float
    outcome: Outcome

    @property
    def deviance(self) -> float:
        return self.outcome.deviance


def normal_equations(moments: AnyMoments, columns: npt.NDArray[np.int64],
                     fit_intercept: bool) -> tuple[FloatArray, FloatArray, FloatArray, float, float]:
    """``(G, q, xbar, zbar, total)`` of the weighted least-squares step over ``columns`` from the moments of
    ``[X, z]``: centred at the weighted means with an intercept, uncentred (``G = C + total m m'``) without."""
    z = moments.mean.size - 1
    gram = moments.cross[np.ix_(columns, columns)]
    rhs = moments.cross[columns, z]
    x_mean, z_mean = moments.mean[columns], float(moments.mean[z])
    if fit_intercept:
        return gram, rhs, x_mean, z_mean, moments.total
    return (gram + moments.total * np.outer(x_mean, x_mean), rhs + moments.total * x_mean * z_mean,
            np.zeros(columns.size), 0.0, moments.total)


def irls_steps(n_columns: int, fit_intercept: bool, canonical: bool, control: IRLSControl, *,
               rows: RowSet = ALL_ROWS, columns: npt.NDArray[np.int64] | None = None,
               covariance: bool = True, totals: bool = True, family: Family | None = None,
               start: tuple[FloatArray, float] | None = None) -> Steps:
    """IRLS of the model over ``columns`` of ``X`` (all by default; the others held at 0) on ``rows``, with
    ``family`` instead of the model's when given, from the linear predictor of ``start`` (coefficients over all
    columns and intercept) instead of R's ``mustart`` when given."""
    solved = np.arange(n_columns, dtype=np.int64) if columns is None else np.asarray(columns, dtype=np.int64)

    def probe(coef: FloatArray | None, intercept: float, **flags: bool) -> Probe:
        full = None
        if coef is not None:
            full = np.zeros(n_columns)
            full[kept] = coef
        return Probe(full, intercept, rows, moments=True, family=family, **flags)

    kept = solved
    first = probe(None, 0.0) if start is None else Probe(start[0], start[1], rows, moments=True, family=family)
    initial = yield first
    deviance, moments = initial.deviance, initial.moments
    assert moments is not None
    aliased: BoolArray | None = None
    current: _Point | None = None
    history: dict[str, list[float]] = {"deviance": [], "step": [], "active": [], "seconds": []}
    converged = False
    change = coef_change = math.inf
    n_iter = 0
    for n_iter in range(1, control.max_iter + 1):
        started = time.perf_counter()
        if aliased is None:
            aliased = yield from _aliased(moments, solved, fit_intercept, control.alias_tol, first)
            kept = solved[~aliased]
        step = yield from _solve(moments, kept, fit_intercept, current, probe, first)
        new = _Point(step.coef, step.intercept, (yield probe(step.coef, step.intercept)))
        new, fraction = yield from _halving(new, current, deviance, control.max_halvings, probe)
        if not math.isfinite(new.deviance):
            raise SolverError("IRLS over the partitions found no coefficients with a finite deviance: the deviance "
                              "overflowed or the mean left its valid range. Check the response and the columns for "
                              "extreme values, or try another link.")
        change = abs(new.deviance - deviance) / (abs(new.deviance) + 0.1) if math.isfinite(deviance) else math.inf
        previous = np.zeros(new.coef.size + 1) if current is None else np.append(current.coef, current.intercept)
        coef_change = relative_change(np.append(new.coef, new.intercept), previous)
        current, deviance = new, new.deviance
        moments = new.outcome.moments
        assert moments is not None
        history["deviance"].append(deviance)
        history["step"].append(fraction)
        history["active"].append(float(np.count_nonzero(new.coef)))
        history["seconds"].append(time.perf_counter() - started)
        if change < control.tol and (canonical or coef_change < control.coef_tol):
            converged = True
            break
    assert current is not None and aliased is not None, "max_iter >= 1: the first iteration sets both"
    notices = [] if converged else [convergence_notice(n_iter, change, coef_change, control, current.outcome.eta_max)]
    cov_unscaled = None
    if covariance:
        final = yield from _solve(moments, kept, fit_intercept, current, probe, first)
        candidate = _Point(final.coef, final.intercept, (yield probe(final.coef, final.intercept, totals=totals)))
        if candidate.deviance <= current.deviance * (1 + DEVIANCE_SLACK) + DEVIANCE_SLACK:
            current = candidate
        cov_unscaled = final.covariance(fit_intercept, aliased)
    if totals and current.outcome.loglik_parts is None:  # the totals at the solution, where no pass gave them
        current = _Point(current.coef, current.intercept, (yield probe(current.coef, current.intercept, totals=True)))
    coef = np.full(n_columns, np.nan)
    coef[np.setdiff1d(np.arange(n_columns), solved)] = 0.0
    coef[kept] = current.coef
    return IRLSFit(coef, current.intercept if fit_intercept else 0.0, current.deviance, current.outcome, n_iter,
                   converged, aliased, cov_unscaled, history, tuple(notices))


def _aliased(moments: AnyMoments, solved: npt.NDArray[np.int64], fit_intercept: bool, tol: float,
             at_start: Probe) -> Generator[Probe, Outcome, BoolArray]:
    """The aliased columns among ``solved`` at the starting weights: none when the Gram matrix rules it out
    (:func:`~glmgen.solvers.clearly_full_rank`), else R's rule on the merged R factor (one more pass)."""
    gram, _, x_mean, _, total = normal_equations(moments, solved, fit_intercept)
    norms_squared = np.diag(gram) + (total * np.square(x_mean) if fit_intercept else 0.0)
    if clearly_full_rank(gram, norms_squared):
        return np.zeros(solved.size, dtype=bool)
    outcome = yield replace(at_start, moments=False, r_factor=True)
    assert outcome.r_factor is not None
    factor = outcome.r_factor[:, :-1]  # without z
    offset = int(fit_intercept)
    columns = np.concatenate([np.arange(offset), solved + offset])
    return aliased_in_factor(_r_of_columns(factor, columns), fit_intercept, tol)


def _r_of_columns(factor: FloatArray, columns: npt.NDArray[np.int64]) -> FloatArray:
    """The R factor of a subset of the columns behind ``factor`` (``R' R`` restricted, refactored by QR)."""
    if columns.size == factor.shape[1]:
        return factor
    return np.asarray(scipy.linalg.qr(factor[:, columns], mode="r", check_finite=False)[0])


def _solve(moments: AnyMoments, kept: npt.NDArray[np.int64], fit_intercept: bool, current: _Point | None,
           probe: object, first: Probe) -> Generator[Probe, Outcome, WLSStep | _FactorStep]:
    """The weighted least-squares step over ``kept``: from the normal equations, or, when they are too
    ill-conditioned, from the R factor of ``sqrt(v) [1, X_kept, z]`` (one more pass at the same point)."""
    step = solve_normal_equations(*normal_equations(moments, kept, fit_intercept))
    if step is not None:
        return step
    assert callable(probe)
    at = first if current is None else probe(current.coef, current.intercept)
    outcome = yield replace(at, moments=False, r_factor=True)
    assert outcome.r_factor is not None
    p = outcome.r_factor.shape[1] - 1 - int(fit_intercept)
    offset = int(fit_intercept)
    columns = np.concatenate([np.arange(offset), kept + offset, [p + offset]])
    factor = _r_of_columns(outcome.r_factor, columns)
    upper, rhs = factor[:-1, :-1], factor[:-1, -1]
    solution = scipy.linalg.solve_triangular(upper, rhs, check_finite=False)
    intercept = float(solution[0]) if fit_intercept else 0.0
    return _FactorStep(solution[offset:], intercept, upper)


@dataclass(frozen=True)
class _FactorStep:
    """A step solved from the R factor ``upper`` of ``sqrt(v) [1, X_kept]``: its covariance is ``(R' R)^-1``."""

    coef: FloatArray
    intercept: float
    upper: FloatArray

    def covariance(self, fit_intercept: bool, aliased: BoolArray) -> FloatArray:
        kept = np.concatenate([[True] * int(fit_intercept), ~aliased]).astype(bool)
        covariance = np.full((kept.size, kept.size), np.nan)
        inverse = scipy.linalg.solve_triangular(self.upper, np.eye(self.upper.shape[0]), check_finite=False)
        covariance[np.ix_(kept, kept)] = inverse @ inverse.T
        return covariance


def _halving(candidate: _Point, current: _Point | None, deviance: float, max_halvings: int,
             probe: object) -> Generator[Probe, Outcome, tuple[_Point, float]]:
    """The in-memory step-halving: towards ``current`` while the deviance is not finite or rises."""
    fraction = 1.0
    assert callable(probe)
    for _ in range(max_halvings):
        increased = math.isfinite(deviance) and candidate.deviance > deviance * (1 + DEVIANCE_SLACK) + DEVIANCE_SLACK
        if current is None or (math.isfinite(candidate.deviance) and not increased):
            break
        fraction *= 0.5
        coef = 0.5 * (candidate.coef + current.coef)
        intercept = 0.5 * (candidate.intercept + current.intercept)
        candidate = _Point(coef, intercept, (yield probe(coef, intercept)))
    return candidate, fraction


def null_steps(n_columns: int, fit_intercept: bool, has_offset: bool, canonical: bool, link_of: Any,
               control: IRLSControl, rows: RowSet = ALL_ROWS,
               family: Family | None = None) -> Generator[Probe, Outcome, tuple[float, float | None]]:
    """The null model as R computes it (:func:`glmgen.fit.null_model`): its deviance and intercept. Without an
    intercept ``mu = linkinv(offset)``; with one and no offset the weighted mean response; else an
    intercept-only IRLS with the offset."""
    zeros = np.zeros(n_columns)
    if not fit_intercept:
        outcome = yield Probe(zeros, 0.0, rows, family=family)
        return outcome.deviance, None
    if not has_offset:
        start = yield Probe(None, 0.0, rows, family=family)
        intercept = float(link_of(np.array([start.weighted_y / start.weight]))[0])
        outcome = yield Probe(zeros, intercept, rows, family=family)
        return outcome.deviance, intercept
    fit = yield from irls_steps(n_columns, True, canonical, control, rows=rows, columns=np.zeros(0, dtype=np.int64),
                                covariance=False, totals=False, family=family)
    return fit.deviance, fit.intercept
