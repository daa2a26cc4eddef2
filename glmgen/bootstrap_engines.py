"""Refit engines of the bootstrap: one resample (a vector of row counts) in, coefficients out.

Every engine refits on **frequency weights**: the refit's total weight of
original row ``i`` is ``weights_i * freq_weights_i * counts_i`` (prior weights
times binomial trials times frequency weights times the resample count), so a
resample is never a copy of the data and a row with count 0 is out-of-bag.
Engines never build a :class:`~glmgen.results.GLMResult` for a refit (no
covariance, null model, formula or warnings): they call the solvers directly
and return a :class:`Refit` with what the bootstrap summaries need, including
the refitted linear predictor on **all** original rows (for the deviance on
the original data and the out-of-bag deviances).

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
- :class:`PathEngine`: the whole path and the selection re-run (see
  :func:`glmgen.bootstrap.bootstrap`).
- :class:`StepwiseEngine`: the stepwise search re-run with :func:`glmgen.stepwise`.
"""

from __future__ import annotations

import math
import warnings as warnings_module
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .cv import CVResult, FoldProblem, _summarise, make_fold_ids
from .design import DesignMatrix, DesignSpec
from .errors import InvalidParameterError, UnseenLevelError
from .families import Family
from .fitting import column_scales
from .links import Link
from .path import default_alpha_min_ratio, fit_path
from .penalized import CDControl, PenalizedState, fit_penalized
from .penalties import Penalty
from .solvers import GLMProblem, IRLSControl, irls

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: refits stop once coefficients settle to this relative change (plenty for bootstrap summaries)
REFIT_CONTROL = IRLSControl(tol=1e-10, coef_tol=1e-8, max_iter=100)
#: a column with at most this many rows away from its most common value is checked for being constant in a resample
_SPARSE_COLUMN_ROWS = 200
#: canonical (family, link) pairs: the score weight is w (y - mu)
_CANONICAL = {("gaussian", "identity"), ("binomial", "logit"), ("poisson", "log")}


@dataclass
class Refit:
    """One refit: coefficients (array in the engine's ``columns`` order, or a dict by name) and diagnostics.

    ``eta`` is the refitted linear predictor on all original rows (``None``
    when it cannot be computed, e.g. a stepwise model whose categorical level
    is absent from the resample); ``y`` is the simulated response of a
    parametric replicate.
    """

    coef: FloatArray | dict[str, float]
    converged: bool
    n_iter: int
    eta: FloatArray | None
    chosen_alpha: float = math.nan
    chosen_formula: str | None = None
    y: FloatArray | None = None
    mu: FloatArray | None = None
    separated: bool = False


@dataclass(frozen=True, eq=False)
class RowData:
    """The original rows every engine shares: response, total fitting weights, family and link."""

    y: FloatArray
    weights: FloatArray
    family: Family
    link: Link

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])


def take_rows(X: FloatArray, rows: IntArray) -> FloatArray:
    """``X[rows]`` as a column-major array (one copy)."""
    return X.T.take(rows, axis=1).T if X.flags.f_contiguous else np.asfortranarray(X[rows])


def resample_design(design: DesignMatrix, rows: IntArray, counts: IntArray) -> DesignMatrix:
    """The design restricted to ``rows``, frequency weights multiplied by the resample counts."""
    return replace(
        design, X=take_rows(design.X, rows), y=None if design.y is None else design.y[rows],
        weights=design.weights[rows], trials=design.trials[rows],
        freq_weights=design.freq_weights[rows] * counts[rows], offset=design.offset[rows],
        row_labels=design.row_labels[rows], kept=np.ones(rows.size, dtype=bool), n_dropped=0, dropped_message=None,
    )


# --- unpenalized GLM ---------------------------------------------------------------------------------

def _fisher(X: FloatArray, v: FloatArray, fit_intercept: bool) -> FloatArray:
    """``X1' diag(v) X1`` for ``X1 = [1, X]`` (intercept first when fitted)."""
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
    X: FloatArray
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

    @classmethod
    def of(cls, fit: Any, control: IRLSControl) -> GLMEngine:
        training = fit.training
        design = training.design
        params = fit.params.to_numpy()
        fit_intercept = bool(fit.spec.fit_intercept)
        slopes = params[int(fit_intercept):]
        kept = np.isfinite(slopes)
        X = design.X if kept.all() else np.asfortranarray(design.X[:, kept])
        start = np.concatenate([[params[0] if fit_intercept else 0.0], slopes[kept]])
        weights = design.weights * design.freq_weights
        rows = RowData(design.y, weights, fit.family, fit.link)
        problem = GLMProblem(X, design.y, weights, design.offset, fit.family, fit.link, fit_intercept)
        v = problem.working(training.eta, training.mu)[0]
        return cls(
            rows=rows, X=X, offset=design.offset, prior=design.weights, trials=design.trials,
            fit_intercept=fit_intercept, columns=list(fit.params.index), kept_columns=kept, start=start,
            eta0=training.eta, mu0=training.mu, scale=float(fit.scale), control=control,
            hessian=_fisher(X, v, fit_intercept), sparse_columns=_sparse_columns(X),
        )

    @property
    def is_canonical(self) -> bool:
        return (self.rows.family.name, self.rows.link.name) in _CANONICAL

    def simulate(self, rng: np.random.Generator) -> FloatArray:
        """A response drawn from the fitted model (parametric bootstrap).

        gaussian: ``mu + N(0, scale / prior weight)``; binomial:
        ``Binomial(trials, mu) / trials``; poisson: ``Poisson(mu)``. Rows with
        zero prior weight keep their observed response.
        """
        family, mu = self.rows.family.name, self.mu0
        used = self.prior > 0
        y = self.rows.y.copy()
        if family == "gaussian":
            noise: FloatArray = np.asarray(rng.standard_normal(size=mu.shape[0]))
            y[used] = mu[used] + noise[used] * np.sqrt(self.scale / self.prior[used])
        elif family == "binomial":
            trials = np.round(self.trials).astype(np.int64)
            draws = rng.binomial(np.maximum(trials, 0), np.clip(mu, 0.0, 1.0))
            y = np.where(trials > 0, draws / np.maximum(trials, 1), 0.0)
        elif family == "poisson":
            y = rng.poisson(mu).astype(float)
        else:  # pragma: no cover - FAMILIES holds only these three
            raise InvalidParameterError(
                f"method='parametric' is not available for family={family!r}; use method='case'."
            )
        return y

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        y = self.rows.y if y is None else y
        weights = self.rows.weights * counts
        problem = GLMProblem(self.X, y, weights, self.offset, self.rows.family, self.rows.link, self.fit_intercept)
        if self._needs_full_solver(counts, weights):
            return self._solve_exactly(problem, 0)
        beta, eta, mu, converged, n_iter = self._chord(problem)
        if not converged:
            return self._solve_exactly(problem, n_iter)
        return Refit(self._full_coef(beta), True, n_iter, eta, mu=mu)

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
        """:func:`~glmgen.solvers.irls` on the rows with positive weight, warm-started at the full-data fit."""
        rows = np.flatnonzero(problem.weights > 0)
        sub = GLMProblem(take_rows(self.X, rows), problem.y[rows], problem.weights[rows],
                         self.offset[rows], problem.family, problem.link, self.fit_intercept)
        output = irls(sub, start_eta=self.eta0[rows], control=self.control)
        beta = np.concatenate([[output.intercept], output.coef])
        eta = self._eta(np.nan_to_num(beta, nan=0.0))
        return Refit(self._full_coef(beta), bool(output.converged), n_iter + output.n_iter, eta)

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
        X1 = np.column_stack([np.ones(self.X.shape[0]), self.X]) if self.fit_intercept else self.X
        influence = (X1 * u[:, None]) @ np.linalg.inv(self.hessian) * self.X.shape[0]
        full = np.full((influence.shape[0], len(self.columns)), np.nan)
        keep = np.concatenate([[True] * int(self.fit_intercept), self.kept_columns])
        full[:, keep] = influence
        return full


def _sparse_columns(X: FloatArray) -> tuple[IntArray, ...]:
    """For columns with few rows away from their most common value, those rows."""
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


# --- penalized GLM at one alpha ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PenalizedEngine:
    """Refits of a penalized GLM at its alpha, warm-started from the full-data solution."""

    rows: RowData
    X: FloatArray
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

    @classmethod
    def of(cls, fit: Any, control: CDControl) -> PenalizedEngine:
        from .fitting import penalty_factors

        design = fit.training.design
        params = fit.params.to_numpy()
        fit_intercept = bool(fit.spec.fit_intercept)
        settings = fit.penalty
        return cls(
            rows=RowData(design.y, design.weights * design.freq_weights, fit.family, fit.link),
            X=design.X, offset=design.offset, fit_intercept=fit_intercept, columns=list(fit.params.index),
            alpha=settings.alpha, l1_ratio=settings.l1_ratio,
            factors=penalty_factors(fit.spec, settings.penalty_factor), standardize=settings.standardize,
            coef0=params[int(fit_intercept):].copy(), intercept0=float(params[0]) if fit_intercept else 0.0,
            eta0=fit.training.eta, mu0=fit.training.mu, control=control,
        )

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        weights = self.rows.weights * counts
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


# --- regularization path + selection -----------------------------------------------------------------

@dataclass(frozen=True)
class SpecColumns:
    """What the path code reads from a :class:`~glmgen.design.DesignSpec`, in a picklable record
    (patsy's ``DesignInfo`` refuses to pickle, and refits may run in worker processes)."""

    formula: str
    fit_intercept: bool
    column_names: list[str]


@dataclass(frozen=True, eq=False)
class PathEngine:
    """The whole path (its own alpha grid) and the selection re-run on each resample.

    ``grid`` is ``("relative", n_alphas, alpha_min_ratio)`` (a fresh grid from
    the resample's ``alpha_max``, glmnet's early stopping on) or
    ``("fixed", alphas)`` (the original alphas). CV selection assigns folds
    over the resample's distinct rows (``cv_groups`` keeps groups together)
    and re-learns the design per fold through :class:`~glmgen.cv.FoldProblem`.
    """

    rows: RowData
    spec: SpecColumns
    design: DesignMatrix
    columns: list[str]
    l1_ratio: float
    factors: FloatArray
    standardize: bool
    penalty_factor: dict[str, float]
    criterion: str
    grid: tuple[Any, ...]
    fit_kwargs: dict[str, Any]
    folds: FoldProblem | None = None
    cv_folds: int = 10
    cv_repeats: int = 1
    cv_groups: npt.NDArray[Any] | None = None
    stateless: bool = False
    control: CDControl = field(default_factory=CDControl)

    @classmethod
    def of(cls, path: Any, criterion: str, *, grid: str, cv_folds: int | None, cv_groups: Any) -> PathEngine:
        from .cv import _row_variables

        design = path._design
        folds = None
        n_folds, repeats = 10, 1
        if criterion in ("cv", "cv_1se"):
            data = path.data[design.kept] if design.n_dropped else path.data
            folds = FoldProblem.of(path, data, _row_variables(path))
            if path._last_cv:
                last = path._last_cv[0]
                n_folds, repeats = int(np.max(last.fold_ids)) + 1, int(last.repeats)
            n_folds = int(cv_folds) if cv_folds is not None else n_folds
        return cls(
            rows=RowData(design.y, design.weights * design.freq_weights, path.family, path.link),
            spec=SpecColumns(path.spec.formula, bool(path.spec.fit_intercept), list(path.spec.column_names)),
            design=design, columns=list(path.coefs.columns), l1_ratio=path.l1_ratio,
            factors=path._penalty.factors, standardize=path.standardize, penalty_factor=dict(path.penalty_factor),
            criterion=criterion, grid=_grid_of(path, grid), fit_kwargs=path.fit_kwargs, folds=folds,
            cv_folds=n_folds, cv_repeats=repeats, cv_groups=cv_groups, stateless=_is_stateless(path.spec),
        )

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        from .path_result import build_path_result

        rows = np.flatnonzero(self.rows.weights * counts > 0)
        design = resample_design(self.design, rows, counts)
        assert design.y is not None
        problem = GLMProblem(design.X, design.y, design.weights * design.freq_weights, design.offset,
                             self.rows.family, self.rows.link, self.spec.fit_intercept)
        penalty = Penalty(0.0, self.l1_ratio, self.factors, column_scales(problem, self.standardize))
        if self.grid[0] == "fixed":
            fitted, _ = fit_path(problem, penalty, alphas=self.grid[1], control=self.control)
        else:
            fitted, _ = fit_path(problem, penalty, n_alphas=self.grid[1], alpha_min_ratio=self.grid[2],
                                 control=self.control)
        if self.criterion in ("cv", "cv_1se"):
            index = self._cv_index(rows, design, fitted.alphas, rng)
        else:
            result = build_path_result(self.spec, design, problem, penalty, fitted,  # type: ignore[arg-type]
                                       data=pd.DataFrame(), fit_kwargs=self.fit_kwargs, standardize=self.standardize,
                                       penalty_factor=self.penalty_factor, warnings=[])
            index = result._criterion_index(self.criterion)
        output = fitted.outputs[index]
        X = self.design.X
        eta = self.design.offset + output.intercept + X @ output.coef
        values = np.concatenate([[output.intercept], output.coef]) if self.spec.fit_intercept else output.coef.copy()
        converged = all(o.converged for o in fitted.outputs[: index + 1])
        n_iter = int(sum(o.n_iter for o in fitted.outputs))
        return Refit(values, converged, n_iter, eta, chosen_alpha=float(fitted.alphas[index]))

    def _cv_index(self, rows: IntArray, design: DesignMatrix, alphas: FloatArray, rng: np.random.Generator) -> int:
        """CV along the resample's path: folds over its distinct rows, design re-learned per fold."""
        assert self.folds is not None
        problem = self.folds
        if not self.stateless:
            variables = {}
            for role, value in self.folds.variables.items():
                variables[role] = value[rows] if isinstance(value, np.ndarray) else value
            variables["freq_weights"] = design.freq_weights
            problem = replace(self.folds, data=self.folds.data.iloc[rows], variables=variables, alphas=alphas)
        groups = None if self.cv_groups is None else self.cv_groups[rows]
        n_folds = min(self.cv_folds, rows.size)
        if groups is not None:
            n_folds = min(n_folds, len(pd.unique(groups)))
        means, ses = [], []
        for _ in range(self.cv_repeats):
            ids = make_fold_ids(rows.size, n_folds, rng, groups=groups)
            splits = [(np.flatnonzero(ids != k), np.flatnonzero(ids == k)) for k in range(n_folds)]
            if self.stateless:
                results = [self._held_out(design, train, test, alphas) for train, test in splits]
            else:
                results = [problem.held_out_deviance(train, test) for train, test in splits]
            mean, se = _summarise(np.array([r[0] for r in results]), np.array([r[1] for r in results]))
            means.append(mean)
            ses.append(se)
        summary = CVResult(alphas=alphas, mean_deviance=np.mean(means, axis=0), se=np.mean(ses, axis=0),
                           folds=pd.DataFrame(), fold_weights=np.zeros(0), fold_ids=np.zeros(0, dtype=np.int64),
                           repeats=self.cv_repeats, df=np.zeros(alphas.size))
        return summary.index_min if self.criterion == "cv" else summary.index_1se

    def _held_out(self, design: DesignMatrix, train: IntArray, test: IntArray, alphas: FloatArray
                  ) -> tuple[FloatArray, float]:
        """One fold of a stateless design: the path on ``train`` rows (standardization re-learned), scored on ``test``.

        Gives what :meth:`glmgen.cv.FoldProblem.held_out_deviance` gives, without rebuilding the design.
        """
        fold = resample_design(design, train, np.ones(design.n_rows, dtype=np.int64))
        assert fold.y is not None
        problem = GLMProblem(fold.X, fold.y, fold.weights * fold.freq_weights, fold.offset, self.rows.family,
                             self.rows.link, self.spec.fit_intercept)
        penalty = Penalty(0.0, self.l1_ratio, self.factors, column_scales(problem, self.standardize))
        fitted, _ = fit_path(problem, penalty, alphas=alphas, control=self.control)
        X = take_rows(design.X, test)
        assert design.y is not None
        weights = design.weights[test] * design.freq_weights[test]
        eta = design.offset[test][:, None] + fitted.intercepts[None, :] + X @ fitted.coefs.T
        mu = self.rows.link.inverse(eta)
        family = self.rows.family
        deviances = np.array([family.deviance(design.y[test], mu[:, k], weights) for k in range(mu.shape[1])])
        total = float(weights.sum())
        return deviances / total, total


def _is_stateless(spec: DesignSpec) -> bool:
    """Whether every design column is a numeric expression of its own row (no levels, no stateful transform).

    Then re-learning the design on a fold's training rows gives exactly the
    columns of the full design, and fold refits can slice them directly.
    """
    return all(info.type == "numerical" and not info.state.get("transforms")
               for info in spec.design_info.factor_infos.values())


def _grid_of(path: Any, grid: str) -> tuple[Any, ...]:
    """The resample grid: relative to the resample's alpha_max (``"resample"``) or the original alphas."""
    alphas = np.asarray(path.alphas, dtype=float)
    computed = alphas.size >= 2 and math.isclose(alphas[0], path.alpha_max, rel_tol=1e-9)
    if grid == "original" or not computed:
        return ("fixed", alphas.copy())
    step = alphas[1] / alphas[0]
    n, p = path._problem.X.shape
    ratio = min(alphas[-1] / alphas[0], default_alpha_min_ratio(n, p))
    n_alphas = int(round(math.log(ratio) / math.log(step))) + 1
    return ("relative", max(n_alphas, alphas.size), step ** (max(n_alphas, alphas.size) - 1))


# --- stepwise search ---------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class StepwiseEngine:
    """The stepwise search re-run on each resample (its frequency weights times the resample counts)."""

    rows: RowData
    data: pd.DataFrame
    call: dict[str, Any]
    freq_weights: FloatArray
    arrays: dict[str, FloatArray]
    columns: None = None

    @classmethod
    def of(cls, result: Any, data: pd.DataFrame) -> StepwiseEngine:
        from .errors import DataError

        best = result.best
        design = best.training.design
        labels = design.row_labels
        if len(data) == design.n_rows and data.index.equals(labels):
            positions = np.arange(len(data))
        elif data.index.is_unique:
            positions = data.index.get_indexer(labels)
            if np.any(positions < 0):
                raise DataError(
                    "data does not hold every row the stepwise search used (row labels differ); pass the data frame "
                    "the search was run on."
                )
        else:
            raise DataError(
                "data has duplicated row labels and the stepwise search dropped rows, so its rows cannot be matched; "
                "reset the index (data.reset_index(drop=True)) and re-run the search."
            )
        used = data.iloc[positions]
        arrays = {}
        for role in ("weights", "offset", "exposure"):
            value = result.call.get(role)
            if value is not None and not isinstance(value, str):
                arrays[role] = np.asarray(value, dtype=float)[positions]
        check = best.spec.build(used, arrays=arrays | {"freq_weights": design.freq_weights})
        if check.n_rows != design.n_rows or not np.array_equal(check.y, design.y):
            raise DataError("data is not the data frame the stepwise search was run on (the responses differ).")
        return cls(RowData(design.y, design.weights * design.freq_weights, best.family, best.link), used,
                   dict(result.call), design.freq_weights, arrays)

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        from .stepwise import stepwise

        rows = np.flatnonzero(self.rows.weights * counts > 0)
        call = dict(self.call)
        for role, values in self.arrays.items():
            call[role] = values[rows]
        call["freq_weights"] = self.freq_weights[rows] * counts[rows]
        formula = call.pop("formula")
        family = call.pop("family")
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("ignore")
            result = stepwise(formula, self.data.iloc[rows], family, **call)
        best = result.best
        coef = {str(name): float(value) for name, value in best.params.items()}
        try:
            design = best.spec.build(self.data, need_response=False,
                                     arrays=self.arrays | {"freq_weights": self.freq_weights})
            eta: FloatArray | None = best._linear_predictor(design.X, design.offset)
        except UnseenLevelError:
            eta = None
        return Refit(coef, bool(best.converged), int(best.n_iter), eta, chosen_formula=best.spec.formula)
