"""Refit engines for fitted GLMs: unpenalized (:class:`GLMEngine`) and penalized at one alpha (:class:`PenalizedEngine`).

Every engine refits on **frequency weights**: the refit's total weight of
original row ``i`` is ``weights_i * freq_weights_i * counts_i`` (prior weights
times binomial trials times frequency weights times the resample count,
:func:`~.resampler.resample_weights`), so a resample is never a copy of the
data and a row with count 0 is out-of-bag.

- :class:`GLMEngine` (unpenalized fits): starts from the full-data
  coefficients and iterates ``b <- b + H^{-1} score(b)`` with ``H`` the
  full-data Fisher information rescaled to the resample's total weight (a
  chord/quasi-Newton iteration for the same score equations as IRLS; the
  resample's Fisher information is within ``O(sqrt(p/n))`` of it, so each
  step shrinks the error by about that factor, 0.03 on a 100,000 x 50
  logistic problem). Each step costs two passes over ``X`` and no
  ``X'WX``. With fewer than 100 rows per coefficient the iteration is
  Newton/IRLS instead (``H`` recomputed at every step until the steps fall
  below 1e-4). ``H`` is replaced by the resample's own Fisher information at
  the current coefficients whenever the contraction is slower than 0.25 or
  the deviance rises (an exact IRLS/Newton step), and any replicate that
  still does not converge, or whose resample makes a sparse column
  constant, is solved by :func:`glmgen.solvers.irls` warm-started at the
  full-data linear predictor. Converged means the relative deviance change
  is below ``control.tol`` and the largest relative coefficient change
  (``|step| / (|b| + 1)``) is below ``control.coef_tol``, or, once the
  iteration contracts linearly at an observed rate ``rho < 0.5``, that the
  predicted remaining change ``rho / (1 - rho)`` times the last one is.
- :class:`PenalizedEngine` (``alpha > 0``): the same alpha, l1_ratio and
  penalty factors; penalty standardization scales are re-computed on the
  resample (as glmnet would on that data); warm start from the full-data
  solution.

A model fitted with ``na_action="impute"`` re-learns its medians on each
resample (frequency-weighted by the counts,
:meth:`~glmgen.formula.DesignSpec.relearned_matrix`): the refit's ``X`` has
the same columns, filled with the resample's medians on every row, and the
iteration starts from the full-data coefficients on that ``X``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ..fit import column_scales, penalty_factors
from ..formula import DesignMatrix, DesignSpec
from ..matrices import Block, Matrix, ModelMatrix, weighted_gram
from ..model import Penalty
from ..results import GLMResult
from ..solvers import (
    CDControl,
    GLMProblem,
    IRLSControl,
    PenalizedState,
    fit_penalized,
    fit_theta,
    irls,
)
from .refit import Refit, RowData, take_rows
from .resampler import resample_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: a column with at most this many rows away from its most common value is checked for being constant in a resample
_SPARSE_COLUMN_ROWS = 200
#: a refit whose Wald standard error of some coefficient exceeds this multiple of its full-data value is separated
COLLAPSE_RATIO = 100.0
#: refits with a coefficient at least this many full-data standard errors from the estimate are checked for it
SCREEN_SES = 4.0


# --- unpenalized GLM ---------------------------------------------------------------------------------

def _fisher(X: Matrix, v: FloatArray, fit_intercept: bool) -> FloatArray:
    """``X1' diag(v) X1`` for ``X1 = [1, X]`` (intercept first when fitted)."""
    if isinstance(X, ModelMatrix):
        gram = weighted_gram(X, v, np.zeros(X.shape[1]))  # uncentred: block by block
    else:
        Xw = X * np.sqrt(v)[:, None]
        gram = Xw.T @ Xw
    if not fit_intercept:
        return gram
    q = gram.shape[0]
    full = np.empty((q + 1, q + 1))
    full[0, 0] = v.sum()
    full[0, 1:] = full[1:, 0] = X.T @ v
    full[1:, 1:] = gram
    return full


def _kept_columns(X: Matrix, kept: BoolArray) -> Matrix:
    """``X`` without its aliased columns (``kept`` False); a :class:`~glmgen.matrices.ModelMatrix` stays one
    (its categorical blocks are not made dense)."""
    if kept.all():
        return X
    return X[:, kept] if isinstance(X, ModelMatrix) else np.asfortranarray(X[:, kept])


def _imputed(fit: GLMResult) -> tuple[DesignSpec, DesignMatrix] | None:
    """The spec and training design a refit re-learns its imputation from, ``None`` for a fit without one."""
    assert fit.training is not None
    design = fit.training.design
    return (fit.spec, design) if fit.spec.imputation is not None and design.raw is not None else None


def _relearned_matrix(imputed: tuple[DesignSpec, DesignMatrix], counts: IntArray, kept: BoolArray) -> Matrix:
    """The training ``X`` (aliased columns left out) with the imputation re-learned on the resample ``counts``."""
    spec, design = imputed
    return _kept_columns(spec.relearned_matrix(design, counts), kept)


def _std_errors(hessian: FloatArray) -> FloatArray:
    """``sqrt(diag(H^{-1}))``, the unscaled Wald standard errors; infinite where ``H`` is singular."""
    try:
        return np.sqrt(np.abs(np.diag(np.linalg.inv(hessian))))
    except np.linalg.LinAlgError:
        return np.full(hessian.shape[0], np.inf)


def _factor(hessian: FloatArray) -> tuple[FloatArray, FloatArray] | None:
    """Inverse of the equilibrated ``hessian`` and the scaling, or ``None`` unless it is safely positive definite.

    The step is then ``(inverse @ (score / scale)) / scale``; refits iterate to
    convergence, so the explicit inverse costs no accuracy, and for small
    problems it avoids the per-call overhead of a triangular solve.
    """
    scale = np.sqrt(np.diag(hessian))
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        return None
    scaled = hessian / np.outer(scale, scale)
    try:
        diag = np.abs(np.diag(np.linalg.cholesky(scaled)))
    except np.linalg.LinAlgError:
        return None
    if diag.min() <= 1e-7 * diag.max():
        return None
    return np.linalg.inv(scaled), scale


@dataclass(frozen=True, eq=False)
class GLMEngine:
    """Refits of an unpenalized GLM on resample weights (see the module notes for the iteration)."""

    rows: RowData
    X: Matrix
    offset: FloatArray
    prior: FloatArray
    trials: FloatArray
    fit_intercept: bool
    columns: list[str]
    kept_columns: BoolArray
    start: FloatArray
    eta0: FloatArray
    mu0: FloatArray
    scale: float
    control: IRLSControl
    hessian: FloatArray
    sparse_columns: tuple[IntArray, ...]
    std_errors: FloatArray
    imputed: tuple[DesignSpec, DesignMatrix] | None = None

    @classmethod
    def of(cls, fit: GLMResult, control: IRLSControl) -> GLMEngine:
        training = fit.training
        assert training is not None  # checked by the caller: a loaded model cannot be refitted
        design = training.design
        params = fit.params.to_numpy()
        fit_intercept = bool(fit.spec.fit_intercept)
        slopes = params[int(fit_intercept):]
        kept = np.isfinite(slopes)
        X = _kept_columns(design.X, kept)
        start = np.concatenate([[params[0] if fit_intercept else 0.0], slopes[kept]])
        rows = RowData.of(design, fit.family, fit.link)
        problem = GLMProblem(X, rows.y, rows.weights, design.offset, fit.family, fit.link, fit_intercept)
        v = problem.working(training.eta, training.mu)[0]
        hessian = _fisher(X, v, fit_intercept)
        return cls(
            rows=rows, X=X, offset=design.offset, prior=design.weights, trials=design.trials,
            fit_intercept=fit_intercept, columns=list(fit.params.index), kept_columns=kept, start=start,
            eta0=training.eta, mu0=training.mu, scale=float(fit.scale), control=control,
            hessian=hessian, sparse_columns=_sparse_columns(X), std_errors=_std_errors(hessian),
            imputed=_imputed(fit),
        )

    @property
    def is_canonical(self) -> bool:
        return self.rows.family.is_canonical(self.rows.link)

    def simulate(self, rng: np.random.Generator) -> FloatArray:
        """A response drawn from the fitted model (parametric bootstrap, :meth:`Family.sample`).

        Rows with zero prior weight keep their observed response.
        """
        drawn = self.rows.family.sample(rng, self.mu0, self.scale, self.prior, self.trials)
        return np.where(self.prior > 0, drawn, self.rows.y)

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        if self.imputed is not None:  # the resample's own medians: its X, and the start's linear predictor on it
            X = _relearned_matrix(self.imputed, counts, self.kept_columns)
            eta = self.offset + self.start[0] + X @ self.start[1:]
            engine = replace(self, X=X, eta0=eta, mu0=self.rows.link.inverse(eta), imputed=None)
            return engine.refit(counts, rng, y)
        y = self.rows.y if y is None else y
        weights = resample_weights(self.rows.weights, counts)
        problem = GLMProblem(self.X, y, weights, self.offset, self.rows.family, self.rows.link, self.fit_intercept)
        specified = self.rows.family.as_specified()
        if specified.unknown_shape():  # re-estimate theta on the resample, as glm.nb would
            return self._solve_exactly(replace(problem, family=specified), 0)
        if self._needs_full_solver(counts, weights):
            return self._solve_exactly(problem, 0)
        beta, eta, mu, converged, n_iter = self._chord(problem)
        if not converged:
            return self._solve_exactly(problem, n_iter)
        return Refit(self._full_coef(beta), True, n_iter, eta, mu=mu, separated=self._diverged(problem, beta, eta))

    def _diverged(self, problem: GLMProblem, beta: FloatArray, eta: FloatArray) -> bool:
        """Whether the resample's Fisher information at the refit ``beta`` has collapsed (see the module notes)."""
        params, start = (beta, self.start) if self.fit_intercept else (beta[1:], self.start[1:])
        if not np.all(np.isfinite(params)) or not np.any(np.abs(params - start) > SCREEN_SES * self.std_errors):
            return False
        with np.errstate(all="ignore"):
            refit_errors = _std_errors(self._exact_hessian(problem, eta, problem.link.inverse(eta)))
            return bool(np.any(~(refit_errors <= COLLAPSE_RATIO * self.std_errors)))

    def _needs_full_solver(self, counts: IntArray, weights: FloatArray) -> bool:
        if np.count_nonzero(weights) <= self.X.shape[1] + 1:
            return True
        # a sparse column (e.g. a rare dummy) whose off-mode rows are all out-of-bag is constant: aliased
        return any(not np.any(counts[rows]) for rows in self.sparse_columns)

    def _score(self, problem: GLMProblem, eta: FloatArray, mu: FloatArray) -> FloatArray:
        u = problem.weights * (problem.y - mu)
        if not self.is_canonical:
            u *= problem.link.inverse_derivative(eta) / problem.family.variance(mu)
        slopes = self.X.T @ u
        return np.concatenate([[u.sum()], slopes]) if self.fit_intercept else slopes

    def _exact_hessian(self, problem: GLMProblem, eta: FloatArray, mu: FloatArray) -> FloatArray:
        return _fisher(self.X, problem.working(eta, mu)[0], self.fit_intercept)

    def _eta(self, beta: FloatArray) -> FloatArray:
        return self.offset + beta[0] + self.X @ beta[1:]

    def _chord(self, problem: GLMProblem) -> tuple[FloatArray, FloatArray, FloatArray, bool, int]:
        """Quasi-Newton iteration from the full-data fit; returns (beta, eta, mu, converged, iterations).

        The deviance (one more pass over the rows) is evaluated only where it
        decides something: while steps are large (> 1e-3) or contract slowly,
        for non-canonical links, and at the last two iterates for the
        convergence test; elsewhere the observed contraction rate guards the
        iteration.
        """
        control = self.control
        beta, eta, mu = self.start, self.eta0, self.mu0
        deviance, known = problem.deviance(mu), True  # ``known``: ``deviance`` belongs to the current iterate
        # with few rows per coefficient the resample's information is far from the full data's: start exact
        newton = exact = self.X.shape[0] < 100 * (self.X.shape[1] + 1)
        if exact:
            factored = _factor(self._exact_hessian(problem, eta, mu))
        else:
            factored = _factor(self.hessian * (problem.weights.sum() / self.rows.weights.sum()))
        canonical = self.is_canonical  # mu is in range for every finite eta; a non-finite deviance rejects the step
        previous_change = math.inf
        for iteration in range(1, control.max_iter + 1):
            if factored is None:
                return beta, eta, mu, False, iteration
            inverse, scale = factored
            step = inverse @ (self._score(problem, eta, mu) / scale) / scale
            if not self.fit_intercept:
                step = np.concatenate([[0.0], step])
            new_beta = beta + step
            new_eta = self._eta(new_beta)
            new_mu = problem.link.inverse(new_eta)
            change = float(np.max(np.abs(step) / (np.abs(new_beta) + 1.0)))
            rate = change / previous_change  # 0 at the first step
            remaining = change * rate / (1.0 - rate) if iteration > 1 and rate < 0.5 else change
            settled = remaining < control.coef_tol or change < control.coef_tol
            new_deviance = math.nan
            if settled or not (change <= 1e-3 and rate <= 0.25 and canonical):
                if not known:
                    deviance, known = problem.deviance(mu), True
                valid = canonical or problem.valid(new_eta, new_mu)
                new_deviance = problem.deviance(new_mu) if valid else math.inf
                if not (new_deviance <= deviance * (1 + 1e-12) + 1e-12):
                    if exact:
                        return beta, eta, mu, False, iteration  # leave step-halving to irls()
                    factored, exact = _factor(self._exact_hessian(problem, eta, mu)), True
                    continue
            deviance_change = (abs(new_deviance - deviance) / (abs(new_deviance) + 0.1) if known
                               and not math.isnan(new_deviance) else math.inf)
            beta, eta, mu = new_beta, new_eta, new_mu
            deviance, known = new_deviance, not math.isnan(new_deviance)
            if settled and deviance_change < control.tol:
                return beta, eta, mu, True, iteration
            if rate > 0.25 or (newton and change > 1e-4):
                factored, exact = _factor(self._exact_hessian(problem, eta, mu)), True
            previous_change = change
        return beta, eta, mu, False, control.max_iter

    def _solve_exactly(self, problem: GLMProblem, n_iter: int) -> Refit:
        """:func:`~glmgen.solvers.irls` on the rows with positive weight, warm-started at the full-data fit; for a
        family whose shape the fit estimated (a negative binomial's theta), ``MASS::glm.nb``'s alternation
        (:func:`~glmgen.solvers.fit_theta`), so theta is re-estimated on each resample."""
        rows = np.flatnonzero(problem.weights > 0)
        sub = GLMProblem(take_rows(self.X, rows), problem.y[rows], problem.weights[rows],
                         self.offset[rows], problem.family, problem.link, self.fit_intercept)
        if sub.family.unknown_shape():
            output, family = fit_theta(sub, self.control)
            problem = replace(problem, family=family)
        else:
            output = irls(sub, start_eta=self.eta0[rows], control=self.control)
        beta = np.concatenate([[output.intercept], output.coef])
        eta = self._eta(np.nan_to_num(beta, nan=0.0))
        return Refit(self._full_coef(beta), bool(output.converged), n_iter + output.n_iter, eta,
                     separated=self._diverged(problem, beta, eta))

    def _full_coef(self, beta: FloatArray) -> FloatArray:
        slopes = np.full(self.kept_columns.size, np.nan)
        slopes[self.kept_columns] = beta[1:]
        return np.concatenate([[beta[0]], slopes]) if self.fit_intercept else slopes

    def influence(self) -> FloatArray:
        """Empirical influence of each row on each coefficient, ``n H^{-1} x1_i s_i`` (infinitesimal jackknife).

        ``s_i`` is row ``i``'s score weight ``w_i (y_i - mu_i) dmu/deta / V(mu_i)`` and
        ``H`` the Fisher information at the fit; shape ``(n, n_coefficients)``
        with NaN columns for aliased coefficients.
        """
        problem = GLMProblem(self.X, self.rows.y, self.rows.weights, self.offset, self.rows.family,
                             self.rows.link, self.fit_intercept)
        u = problem.weights * (problem.y - self.mu0)
        u *= problem.link.inverse_derivative(self.eta0) / problem.family.variance(self.mu0)
        inverse = np.linalg.inv(self.hessian)
        linear = self.X @ inverse[int(self.fit_intercept):]  # X1 H^-1, one row per observation
        if self.fit_intercept:
            linear += inverse[0]
        influence = linear * (u * self.X.shape[0])[:, None]
        full = np.full((influence.shape[0], len(self.columns)), np.nan)
        keep = np.concatenate([[True] * int(self.fit_intercept), self.kept_columns])
        full[:, keep] = influence
        return full


def _sparse_columns(X: Matrix) -> tuple[IntArray, ...]:
    """For columns with few rows away from their most common value, those rows."""
    if isinstance(X, ModelMatrix):
        return tuple(rows for block in X.blocks for rows in _block_sparse_columns(block))
    found = []
    for j in range(X.shape[1]):
        column = X[:, j]
        values, counts = np.unique(column, return_counts=True)
        if values.size == 1:
            continue
        mode = values[np.argmax(counts)]
        off = np.flatnonzero(column != mode)
        if off.size <= _SPARSE_COLUMN_ROWS:
            found.append(off.astype(np.int64))
    return tuple(found)


def _block_sparse_columns(block: Block) -> tuple[IntArray, ...]:
    """:func:`_sparse_columns` of one block of a :class:`ModelMatrix` (a categorical column's rows are its 1s)."""
    if isinstance(block, np.ndarray):
        return _sparse_columns(block)
    csc = block.to_csc()
    n = csc.shape[0]
    found = []
    for j in range(csc.shape[1]):
        rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]].astype(np.int64)
        values = csc.data[csc.indptr[j]:csc.indptr[j + 1]]
        if rows.size == n and np.all(values == values[0]):
            continue  # constant
        off = rows if rows.size <= n - rows.size else np.setdiff1d(np.arange(n), rows)  # away from the mode
        if off.size <= _SPARSE_COLUMN_ROWS:
            found.append(off)
    return tuple(found)


# --- penalized GLM at one alpha ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PenalizedEngine:
    """Refits of a penalized GLM at its alpha, warm-started from the full-data solution."""

    rows: RowData
    X: Matrix
    offset: FloatArray
    fit_intercept: bool
    columns: list[str]
    alpha: float
    l1_ratio: float
    factors: FloatArray
    standardize: bool
    coef0: FloatArray
    intercept0: float
    eta0: FloatArray
    mu0: FloatArray
    control: CDControl
    imputed: tuple[DesignSpec, DesignMatrix] | None = None

    @classmethod
    def of(cls, fit: GLMResult, control: CDControl) -> PenalizedEngine:
        training = fit.training
        assert training is not None  # checked by the caller: a loaded model cannot be refitted
        design = training.design
        params = fit.params.to_numpy()
        fit_intercept = bool(fit.spec.fit_intercept)
        settings = fit.penalty
        return cls(
            rows=RowData.of(design, fit.family, fit.link),
            X=design.X, offset=design.offset, fit_intercept=fit_intercept, columns=list(fit.params.index),
            alpha=settings.alpha, l1_ratio=settings.l1_ratio,
            factors=penalty_factors(fit.spec, settings.penalty_factor), standardize=settings.standardize,
            coef0=params[int(fit_intercept):].copy(), intercept0=float(params[0]) if fit_intercept else 0.0,
            eta0=training.eta, mu0=training.mu, control=control, imputed=_imputed(fit),
        )

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        if self.imputed is not None:  # the resample's own medians: its X, and the start's linear predictor on it
            X = _relearned_matrix(self.imputed, counts, np.ones(self.X.shape[1], dtype=bool))
            eta = self.offset + self.intercept0 + X @ self.coef0
            engine = replace(self, X=X, eta0=eta, mu0=self.rows.link.inverse(eta), imputed=None)
            return engine.refit(counts, rng, y)
        weights = resample_weights(self.rows.weights, counts)
        rows = np.flatnonzero(weights > 0)
        problem = GLMProblem(take_rows(self.X, rows), self.rows.y[rows], weights[rows], self.offset[rows],
                             self.rows.family, self.rows.link, self.fit_intercept)
        penalty = Penalty(self.alpha, self.l1_ratio, self.factors, column_scales(problem, self.standardize))
        coef = self.coef0.copy()
        constant = (penalty.scales == 0) & (penalty.factors > 0) & (coef != 0)
        if constant.any():  # constant on the resample: its effect belongs to the intercept
            coef[constant] = 0.0
            eta = self.offset[rows] + self.intercept0 + problem.X @ coef
        else:
            eta = self.eta0[rows]
        start = PenalizedState(coef, self.intercept0, eta, problem.link.inverse(eta))
        output, _, _ = fit_penalized(problem, penalty, start, coef != 0, control=self.control)
        eta_all = self.offset + output.intercept + self.X @ output.coef
        values = np.concatenate([[output.intercept], output.coef]) if self.fit_intercept else output.coef.copy()
        return Refit(values, bool(output.converged), int(output.n_iter), eta_all)
