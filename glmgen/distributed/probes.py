"""What one pass over the data computes: statistics of the rows at given coefficients, reduced over partitions.

A :class:`Probe` asks for the statistics of one model (coefficients, intercept, a :class:`~.rows.RowSet`) at
one point: always the deviance and the total weight; on request the working moments (the weighted Gram
matrix of IRLS), the gradient of the smooth objective, the totals a result needs (Pearson's chi-squared, the
log-likelihood's additive parts), an R factor (aliasing, ill-conditioned solves), or the moments of the prior
weights (penalty standardization). Every statistic is a sum over rows, so partitions are reduced exactly:
sums add, :class:`Moments` merge by Chan's formula (no cancellation from uncentred sums), R factors stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import DataError
from ..fit import problem_of
from ..formula import DesignMatrix, DesignSpec
from ..matrices import (
    GroupedMoments,
    Matrix,
    ModelMatrix,
    column_means,
    column_sums,
    weighted_gram,
)
from ..model import Family, Link, theta_moments, theta_sums
from ..results import FitTotals, row_sums
from ..solvers import GLMProblem, r_factor, stacked_r_factor
from .rows import ALL_ROWS, RowSet, partition_counts

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Moments:
    """Weighted moments of the columns ``[X, z]``: ``total = sum v``, ``mean = [X, z]' v / total`` and the centred
    cross-products ``cross = sum_i v_i (c_i - mean)(c_i - mean)'`` (``c_i`` the row of ``[X, z]``)."""

    total: float
    mean: FloatArray
    cross: FloatArray

    @classmethod
    def of(cls, X: Matrix, v: FloatArray, z: FloatArray) -> Moments:
        total = float(v.sum())
        p = X.shape[1]
        if total <= 0:
            return cls(0.0, np.zeros(p + 1), np.zeros((p + 1, p + 1)))
        x_mean = column_means(X, v, True)
        z_mean = float(v @ z) / total
        centred_z = z - z_mean
        cross = np.empty((p + 1, p + 1))
        cross[:p, :p] = weighted_gram(X, v, x_mean)
        cross[:p, p] = cross[p, :p] = column_sums(X, v * centred_z)  # the x centring drops: sum v (z - zbar) = 0
        cross[p, p] = float(v @ np.square(centred_z))
        return cls(total, np.append(x_mean, z_mean), cross)

    def merge(self, other: Moments) -> Moments:
        """The moments of both row sets (Chan, Golub and LeVeque's pairwise update)."""
        if other.total <= 0:
            return self
        if self.total <= 0:
            return other
        total = self.total + other.total
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.total / total)
        cross = self.cross + other.cross + np.outer(delta, delta) * (self.total * other.total / total)
        return Moments(total, mean, cross)


#: the moments of ``[X, z]`` as a pass reduces them: compact for a design of dense columns and at most one
#: categorical block (:class:`~glmgen.matrices.GroupedMoments`, the same ``total``, ``mean`` and ``cross``)
AnyMoments = Moments | GroupedMoments


def moments_of(X: Matrix, v: FloatArray, z: FloatArray) -> AnyMoments:
    """The moments of ``[X, z]`` with weights ``v``: :class:`~glmgen.matrices.GroupedMoments` when ``X``'s layout
    allows (one read of the rows, no ``k x k`` block per partition), else :meth:`Moments.of`."""
    grouped = GroupedMoments.of(X, v, z)
    return grouped if grouped is not None else Moments.of(X, v, z)


@dataclass(frozen=True)
class Probe:
    """One model at one point: ``coef`` ``(p,)`` and ``intercept`` (``coef=None``: the family's starting means,
    R's ``mustart``), or with ``many`` columns ``coef`` ``(p, k)`` and intercepts ``(k,)`` scored by their
    weighted deviance sums only (held-out scoring of a path). The flags name what else to compute."""

    coef: FloatArray | None
    intercept: Any
    rows: RowSet = ALL_ROWS
    moments: bool = False
    gradient: bool = False
    totals: bool = False
    r_factor: bool = False
    scales: bool = False
    many: bool = False
    #: with ``many``: the seed of a Poisson bootstrap whose replicates the columns of ``coef`` are (the
    #: out-of-bag unit deviances of each row are averaged over the replicates where its count is 0)
    oob_seed: int | None = None
    #: the sums behind the no-information deviance at this point (:meth:`~glmgen.model.Family.deviance_split`)
    no_information: bool = False
    #: the family to evaluate with instead of the model's (a negative binomial's theta being estimated)
    family: Family | None = None
    #: the sums of a negative binomial's theta at the means of this point: its moment estimate's, and the score
    #: and information at this theta (:func:`~glmgen.model.theta_sums`)
    theta_moments: bool = False
    theta: float | None = None


@dataclass
class Outcome:
    """A probe's statistics summed over the rows seen so far (``None``: not asked for)."""

    deviance: float = 0.0
    weight: float = 0.0
    #: the rows of the model's design (a fold's training rows; all rows for a bootstrap replicate, whose
    #: in-memory twin is the fit with the counts as frequency weights)
    rows: float = 0.0
    weighted_y: float = 0.0
    moments: AnyMoments | None = None
    gradient: FloatArray | None = None
    gradient_0: float = 0.0
    pearson: float = 0.0
    loglik_parts: FloatArray | None = None
    nobs: float = 0.0
    r_factor: FloatArray | None = None
    deviances: FloatArray | None = None
    prior: AnyMoments | None = None
    low: FloatArray | None = None
    high: FloatArray | None = None
    eta_max: float = 0.0
    boundary: float = 0.0
    oob: FloatArray | None = None
    split_sums: FloatArray | None = None
    theta_sums: FloatArray | None = None
    low_y: float = math.inf
    high_y: float = -math.inf
    positive_rows: float = 0.0

    def fit_totals(self, family: Family) -> FitTotals:
        """The totals of a result at this point (asked for with ``totals=True``)."""
        assert self.loglik_parts is not None
        return FitTotals(self.pearson, family.log_likelihood_from_parts(self.loglik_parts), self.nobs)

    def merge(self, other: Outcome) -> Outcome:
        merged = {}
        for entry in fields(self):
            a, b = getattr(self, entry.name), getattr(other, entry.name)
            if a is None or b is None:
                merged[entry.name] = b if a is None else a
            elif isinstance(a, (Moments, GroupedMoments)):
                merged[entry.name] = a.merge(b)
            elif entry.name == "r_factor":
                merged[entry.name] = stacked_r_factor(a, b)
            elif entry.name in ("low", "low_y"):
                merged[entry.name] = np.minimum(a, b)
            elif entry.name in ("high", "high_y", "eta_max"):
                merged[entry.name] = np.maximum(a, b)
            else:
                merged[entry.name] = a + b
        return Outcome(**merged)


@dataclass(frozen=True)
class RowCount:
    """Rows seen and rows dropped for missing values: per column, and the first such row's label."""

    n_rows: int = 0
    n_dropped: int = 0
    missing: tuple[tuple[str, int], ...] = ()
    first: Any = None

    @classmethod
    def of(cls, part: pd.DataFrame, columns: list[Any], missing: npt.NDArray[np.bool_]) -> RowCount:
        rows = missing.any(axis=1)
        counts = tuple((str(c), int(n)) for c, n in zip(columns, missing.sum(axis=0)))
        first = part.index[int(np.argmax(rows))] if rows.any() else None
        return cls(len(part), int(rows.sum()), counts, first)

    def merge(self, other: RowCount) -> RowCount:
        counts = dict(self.missing)
        for column, count in other.missing:
            counts[column] = counts.get(column, 0) + count
        return RowCount(self.n_rows + other.n_rows, self.n_dropped + other.n_dropped, tuple(counts.items()),
                        self.first if self.first is not None else other.first)

    @property
    def dropped_message(self) -> str | None:
        """As the in-memory message (:func:`glmgen.formula.build_design`'s), over all partitions."""
        if not self.n_dropped:
            return None
        per_column = ", ".join(f"{c!r} ({n})" for c, n in self.missing if n > 0)
        return f"{self.n_dropped} of {self.n_rows} rows with missing values in {per_column} (first: row {self.first!r})"


@dataclass(frozen=True)
class Job:
    """What every partition task needs to build its rows' problem: the learned design and the model."""

    spec: DesignSpec
    family: Family
    link: Link
    na_action: str
    columns: tuple[Any, ...]

    def design(self, part: pd.DataFrame) -> tuple[DesignMatrix | None, RowCount]:
        """The partition's design (``None`` when no row is left) and its row count. The columns are scanned
        for missing values once, by :meth:`~glmgen.formula.DesignSpec.build`; only a partition with dropped
        rows (or none left, which ``build`` refuses) is scanned again, for the count per column."""
        if not len(part):
            return None, RowCount()
        columns = list(self.columns)
        try:
            design = self.spec.build(part, na_action=self.na_action)
        except DataError:
            count = RowCount.of(part, columns, part[columns].isna().to_numpy())
            if count.n_dropped == len(part) and self.na_action == "drop":
                return None, count
            raise  # the usual message: missing values with na_action="raise", or another error in the rows
        count = (RowCount(len(part), 0, tuple((str(c), 0) for c in columns)) if not design.n_dropped else
                 RowCount.of(part, columns, part[columns].isna().to_numpy()))
        assert design.y is not None
        self.family.check_y(design.y, design.row_labels, self.spec.response.label)  # names the row, as in memory
        return design, count

    def problem(self, design: DesignMatrix) -> GLMProblem:
        return problem_of(design, self.spec, self.family, self.link)


def probe_partition(part: pd.DataFrame, number: int, job: Job, probes: list[Probe]) -> tuple[RowCount, list[Outcome]]:
    """Every probe's statistics on one partition."""
    design, count = job.design(part)
    if design is None:
        return count, [Outcome() for _ in probes]
    model = job.problem(design)
    outcomes = []
    for probe in probes:
        multiplier = probe.rows.multiplier(number, len(part))
        problem = model if probe.family is None else replace(model, family=probe.family)  # this probe's only
        if multiplier is None:
            outcome = _evaluate(problem, design, probe, None, number)
            outcome.rows = float(design.n_rows)
        else:
            kept = multiplier[design.kept]
            outcome = _evaluate(replace(problem, weights=problem.weights * kept), design, probe, kept, number)
            outcome.rows = float(design.n_rows if probe.rows.kind == "replicate" else np.count_nonzero(kept))
        outcomes.append(outcome)
    return count, outcomes


def merge_results(a: tuple[RowCount, list[Outcome]], b: tuple[RowCount, list[Outcome]]) -> tuple[RowCount, list[Outcome]]:
    return a[0].merge(b[0]), [x.merge(y) for x, y in zip(a[1], b[1])]


def _evaluate(problem: GLMProblem, design: DesignMatrix, probe: Probe, multiplier: FloatArray | None,
              number: int) -> Outcome:
    """One probe on one partition's rows (``problem.weights`` already multiplied by the row multiplicities)."""
    weights = problem.weights
    out = Outcome(weight=float(weights.sum()), weighted_y=float(weights @ problem.y))
    if probe.many:
        _score_many(out, problem, design, probe, number)
        return out
    if probe.coef is None:
        mu = problem.family.starting_mu(problem.y, weights)
        eta = problem.link.link(mu)
    else:
        eta = problem.offset + probe.intercept + problem.X @ probe.coef
        mu = problem.link.inverse(eta)
    out.deviance = problem.checked_deviance(eta, mu)
    out.eta_max = float(np.max(np.abs(eta), initial=0.0))
    out.positive_rows = float(np.count_nonzero(weights > 0))
    if probe.moments or probe.gradient or probe.r_factor:
        v, z = problem.working(eta, mu)
        if probe.moments:
            out.moments = moments_of(problem.X, v, z)
        if probe.gradient:
            scores = v * (z - eta + problem.offset)  # w (y - mu) (dmu/deta) / V(mu)
            out.gradient, out.gradient_0 = column_sums(problem.X, scores), float(scores.sum())
        if probe.r_factor:
            out.r_factor = r_factor(problem.X, v, problem.fit_intercept, z)
    if probe.totals:
        _add_totals(out, problem, design, mu, multiplier)
    if probe.theta_moments or probe.theta is not None:
        used = weights > 0
        y, mu_used, w = problem.y[used], mu[used], weights[used]
        sums = list(theta_moments(y, mu_used, w)) if probe.theta_moments else [0.0, 0.0]
        sums += list(theta_sums(y, mu_used, w, probe.theta)) if probe.theta is not None else [0.0, 0.0]
        out.theta_sums = np.array(sums)
    if probe.no_information:
        split = problem.family.deviance_split(problem.y, mu)
        if split is not None:
            a, b, c = split
            used = weights > 0
            w = weights[used]
            out.split_sums = np.array([w @ a[used], w @ b[used], w @ problem.y[used], w @ c[used]])
    if probe.scales:
        out.prior = moments_of(problem.X, weights, problem.y)
        positive = weights > 0
        out.low, out.high = _column_ranges(problem.X, positive)
        if out.positive_rows:
            out.low_y, out.high_y = float(problem.y[positive].min()), float(problem.y[positive].max())
    return out


#: cells (rows x columns) of the linear predictors scored at once by a ``many`` probe (32 MiB of float64)
SCORE_BLOCK_CELLS = 2**22


def _score_many(out: Outcome, problem: GLMProblem, design: DesignMatrix, probe: Probe, number: int) -> None:
    """The deviance sums of every column of ``probe.coef`` and, for bootstrap replicates, the out-of-bag pieces
    ``[sum_i w_i m_i, sum_i w_i]`` over the rows out-of-bag in at least one replicate (``m_i``: the mean of row
    ``i``'s unit deviance over the replicates where its Poisson count is 0), the leave-one-out bootstrap error
    ``Err(1)`` reduced over partitions. Rows are taken in blocks of :data:`SCORE_BLOCK_CELLS` cells."""
    assert probe.coef is not None
    k = probe.coef.shape[1]
    intercepts = np.asarray(probe.intercept, dtype=float)
    counts = (None if probe.oob_seed is None else
              np.column_stack([partition_counts(number, design.kept.size, r, probe.oob_seed)[design.kept]
                               for r in range(k)]))
    deviances, oob = np.zeros(k), np.zeros(2)
    step = max(1, SCORE_BLOCK_CELLS // max(k, 1))
    for start in range(0, problem.y.size, step):
        rows = slice(start, start + step)
        eta = problem.offset[rows, None] + intercepts[None, :] + problem.X[rows] @ probe.coef
        unit = problem.family.unit_deviance(problem.y[rows, None], problem.link.inverse(eta))
        weights = problem.weights[rows]
        deviances += weights @ unit
        if counts is not None:
            out_of_bag = counts[rows] == 0
            seen = out_of_bag.any(axis=1) & (weights > 0)
            per_row = np.where(out_of_bag, unit, 0.0).sum(axis=1)[seen] / out_of_bag.sum(axis=1)[seen]
            oob += [float(weights[seen] @ per_row), float(weights[seen].sum())]
    out.deviances = deviances
    out.oob = oob if counts is not None else None


def _add_totals(out: Outcome, problem: GLMProblem, design: DesignMatrix, mu: FloatArray,
                multiplier: FloatArray | None) -> None:
    """The row sums behind a result (:func:`glmgen.results.row_sums`, the row multiplicities counted as frequency
    weights) and the rows whose means sit on the boundary of their range."""
    family = problem.family
    freq = design.freq_weights if multiplier is None else design.freq_weights * multiplier
    out.pearson, out.loglik_parts, out.nobs = row_sums(family, problem.y, mu, design.weights, design.trials, freq)
    out.boundary = float(np.count_nonzero((problem.weights > 0) & family.at_boundary(mu)))


def _column_ranges(X: Matrix, rows: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Each column's smallest and largest value on ``rows`` (``+inf``/``-inf`` when there are none)."""
    p = X.shape[1]
    if not rows.any():
        return np.full(p, math.inf), np.full(p, -math.inf)
    if isinstance(X, ModelMatrix):
        low, high = X.column_ranges(rows)
        return low, high
    sub = X[rows]
    return np.min(sub, axis=0), np.max(sub, axis=0)


def check_rows_left(count: RowCount) -> None:
    """Refuse data where no row is left to fit."""
    if count.n_rows == 0:
        raise DataError("the Dask DataFrame has no rows; there is nothing to fit.")
    if count.n_dropped == count.n_rows:
        raise DataError(f"no rows are left to fit: all {count.n_rows} rows have missing values in the model's columns.")
