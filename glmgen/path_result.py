"""The regularization-path record :class:`PathResult` and its information criteria.

Degrees of freedom along a path:

- ``df``: non-zero coefficients excluding the intercept (glmnet's ``df``),
  an unbiased estimate of the lasso's degrees of freedom (Zou, Hastie and
  Tibshirani 2007);
- ``edf``: for the elastic net, the trace of the hat matrix of the final
  IRLS step on the active set ``A`` (Zou and Hastie 2005),
  ``tr[X_A (X_A' U X_A + diag(l2_A))^{-1} X_A' U]`` with ``X_A`` centred when
  there is an intercept; equal to ``df`` for the lasso.

The criteria use ``k = edf + 1 (intercept) + 1 (gaussian dispersion)`` and
the maximised log-likelihood at each solution (for the gaussian family the
dispersion is its maximum-likelihood estimate ``deviance / n``, as R's
``logLik``): ``aic = -2 loglik + 2k``, ``bic = -2 loglik + k log(n)``,
``aicc = aic + 2k(k+1)/(n-k-1)`` and ``ebic = bic + 2 gamma log C(p, df)``
(Chen and Chen 2008) with ``gamma = 0.5`` unless given, ``p`` the number of
penalized columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .design import DesignMatrix, DesignSpec
from .errors import InvalidParameterError
from .families import Family
from .fitting import emit, null_model
from .links import Link
from .path import PathFit
from .penalized import CDControl, PenalizedState, equilibrated_penalized, fit_penalized
from .penalties import Penalty
from .results import GLMResult, PenaltySettings, build_result
from .solvers import GLMProblem, IRLSControl

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .cv import CVResult

FloatArray = npt.NDArray[np.float64]

EBIC_GAMMA = 0.5
SELECTION_CRITERIA = ("cv", "cv_1se", "aic", "bic", "aicc", "ebic")


def effective_df(problem: GLMProblem, penalty: Penalty, coef: FloatArray, intercept: float) -> float:
    """Trace of the elastic-net hat matrix on the active set at a solution (see the module notes).

    Scale-invariant; evaluated on exactly rescaled columns (:func:`equilibrated_penalized`) so that
    columns of extreme scale neither overflow nor underflow.
    """
    problem, penalty, factors = equilibrated_penalized(problem, penalty)
    if factors is not None:
        coef = coef / factors
    active = np.flatnonzero(coef)
    if active.size == 0:
        return 0.0
    l2 = penalty.l2[active]
    if not np.any(l2 > 0):
        return float(active.size)
    eta = problem.offset + intercept + problem.X[:, active] @ coef[active]
    mu = problem.link.inverse(eta)
    dmu = problem.link.inverse_derivative(eta)
    u = problem.weights * dmu * (dmu / problem.family.variance(mu)) / problem.weights.sum()
    X_active = problem.X[:, active]
    if problem.fit_intercept:
        X_active = X_active - u @ X_active / u.sum()
    gram = (X_active * u[:, None]).T @ X_active
    return float(np.trace(np.linalg.solve(gram + np.diag(l2), gram)))


@dataclass(frozen=True, eq=False)
class PathResult:
    """Penalized fits along a decreasing grid of alphas.

    ``coefs`` is a DataFrame indexed by alpha with one column per design
    column (``Intercept`` first when fitted); coefficients that are zero are
    exactly ``0.0``.
    """

    spec: DesignSpec
    family: Family
    link: Link
    alphas: FloatArray
    coefs: pd.DataFrame
    deviance: FloatArray
    null_deviance: float
    loglik: FloatArray
    nobs: float
    alpha_max: float
    l1_ratio: float
    standardize: bool
    penalty_factor: dict[str, float]
    n_iter: FloatArray
    converged: npt.NDArray[np.bool_]
    warnings: list[str]
    data: pd.DataFrame = field(repr=False)
    fit_kwargs: dict[str, Any] = field(repr=False)
    _problem: GLMProblem = field(repr=False)
    _penalty: Penalty = field(repr=False)
    _design: DesignMatrix = field(repr=False)
    _null: tuple[float, float | None] = field(repr=False)
    _last_cv: list[CVResult] = field(default_factory=list, repr=False)

    # -- per-alpha summaries ------------------------------------------------------------------------

    @property
    def _penalized_columns(self) -> list[str]:
        return [c for c, f in zip(self.spec.column_names, self._penalty.factors) if f > 0]

    @property
    def df(self) -> FloatArray:
        """Non-zero coefficients per alpha, excluding the intercept (glmnet's ``df``)."""
        return np.count_nonzero(self.coefs[self.spec.column_names].to_numpy(), axis=1).astype(float)

    @cached_property
    def edf(self) -> FloatArray:
        """Effective degrees of freedom per alpha (equal to ``df`` for the lasso; see the module notes).

        Computed on first use: for the elastic net it costs one Gram matrix of
        the active set per alpha.
        """
        if self.l1_ratio == 1.0:
            return self.df
        values = self.coefs.to_numpy()
        start = int(self.spec.fit_intercept)
        return np.array([
            effective_df(self._problem, self._penalty.at(alpha), row[start:], row[0] if start else 0.0)
            for alpha, row in zip(self.alphas, values)
        ])

    @property
    def dev_ratio(self) -> FloatArray:
        """``1 - deviance / null_deviance`` per alpha."""
        return 1.0 - self.deviance / self.null_deviance

    @property
    def k(self) -> FloatArray:
        """Parameters counted by the criteria: edf + intercept + gaussian dispersion."""
        return self.edf + float(self.spec.fit_intercept) + float(self.family.estimates_dispersion)

    @property
    def aic(self) -> FloatArray:
        return -2.0 * self.loglik + 2.0 * self.k

    @property
    def bic(self) -> FloatArray:
        return -2.0 * self.loglik + self.k * math.log(self.nobs)

    @property
    def aicc(self) -> FloatArray:
        denominator = self.nobs - self.k - 1.0
        with np.errstate(divide="ignore"):
            return np.where(denominator > 0, self.aic + 2.0 * self.k * (self.k + 1.0) / denominator, np.inf)

    @property
    def ebic(self) -> FloatArray:
        """Extended BIC with ``gamma = 0.5`` (see :meth:`extended_bic`)."""
        return self.extended_bic(EBIC_GAMMA)

    def extended_bic(self, gamma: float = EBIC_GAMMA) -> FloatArray:
        """Extended BIC: ``bic + 2 gamma log C(p, df)`` over the ``p`` penalized columns (Chen and Chen 2008)."""
        n_penalized = len(self._penalized_columns)
        penalized_df = np.count_nonzero(self.coefs[self._penalized_columns].to_numpy(), axis=1)
        log_choose = special.gammaln(n_penalized + 1) - special.gammaln(penalized_df + 1) - special.gammaln(
            n_penalized - penalized_df + 1)
        return self.bic + 2.0 * gamma * log_choose

    def to_frame(self) -> pd.DataFrame:
        """One row per alpha: df, edf, deviance, dev_ratio, loglik, aic, bic, aicc, ebic."""
        return pd.DataFrame({
            "alpha": self.alphas, "df": self.df, "edf": self.edf, "deviance": self.deviance,
            "dev_ratio": self.dev_ratio, "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
            "aicc": self.aicc, "ebic": self.ebic,
        })

    # -- single fits --------------------------------------------------------------------------------

    def fit_at(self, alpha: float) -> GLMResult:
        """Exact fit at ``alpha``, warm-started from the nearest path point (any ``alpha > 0``, also
        beyond the path: ``alpha >= alphas[0]`` is solved, not assumed zero, for ridge-like penalties)."""
        number = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, (bool, np.bool_))
        if not (number and math.isfinite(alpha) and alpha > 0):
            raise InvalidParameterError(
                f"alpha={alpha!r} must be a positive finite number; the path spans "
                f"[{self.alphas[-1]:.4g}, {self.alphas[0]:.4g}]. Pass one of path.alphas or a value near them."
            )
        nearest = int(np.argmin(np.abs(np.log(self.alphas) - math.log(alpha))))
        row = self.coefs.iloc[nearest].to_numpy()
        intercept = float(row[0]) if self.spec.fit_intercept else 0.0
        coef = row[int(self.spec.fit_intercept):].copy()
        problem = self._problem
        eta = problem.offset + intercept + problem.X @ coef
        start = PenalizedState(coef, intercept, eta, problem.link.inverse(eta))
        output, _, _ = fit_penalized(problem, self._penalty.at(alpha), start, coef != 0, control=CDControl())
        settings = PenaltySettings(alpha=float(alpha), l1_ratio=self.l1_ratio, standardize=self.standardize,
                                   penalty_factor=dict(self.penalty_factor))
        return build_result(self.spec, self._design, self.family, self.link, output, penalty=settings,
                            null_deviance=self._null[0], null_intercept=self._null[1],
                            warnings=emit(list(output.notices), 2))

    # -- choosing alpha -----------------------------------------------------------------------------

    def cv(
        self,
        folds: int | Any = 10,
        seed: int = 0,
        n_jobs: int = 1,
        stratify: Any = None,
        groups: Any = None,
        repeats: int = 1,
    ) -> CVResult:
        """K-fold cross-validated held-out deviance along this path's alphas (see :mod:`glmgen.cv`).

        The design is re-learned inside every fold. ``folds`` is a count or one
        fold id per row (``cv.glmnet``'s ``foldid``). The result is kept for
        :meth:`select`.
        """
        from .cv import cross_validate

        result = cross_validate(self, folds, seed=seed, n_jobs=n_jobs, stratify=stratify, groups=groups,
                                repeats=repeats)
        self._last_cv[:] = [result]
        return result

    def _criterion_index(self, criterion: str) -> int:
        from ._validation import check_choice

        criterion = check_choice("criterion", criterion, SELECTION_CRITERIA)
        if criterion in ("cv", "cv_1se"):
            result = self._last_cv[0] if self._last_cv else self.cv()
            return result.index_min if criterion == "cv" else result.index_1se
        values = getattr(self, criterion)
        return int(np.nanargmin(values))

    def select(self, criterion: str = "cv") -> GLMResult:
        """The fit at the alpha chosen by ``criterion``: "cv", "cv_1se" (the last :meth:`cv`, else a
        default 10-fold CV), "aic", "bic", "aicc" or "ebic" (minimum along the path)."""
        return self.fit_at(float(self.alphas[self._criterion_index(criterion)]))

    def selection_table(self) -> pd.DataFrame:
        """Each criterion's choice side by side: alpha, df, training deviance and CV deviance (if run)."""
        cv_result = self._last_cv[0] if self._last_cv else None
        rows = {}
        for criterion in SELECTION_CRITERIA:
            if criterion.startswith("cv") and cv_result is None:
                continue
            k = self._criterion_index(criterion)
            rows[criterion] = {
                "alpha": self.alphas[k], "df": self.df[k], "edf": self.edf[k], "train_deviance": self.deviance[k],
                "train_mean_deviance": self.deviance[k] / float(self._problem.weights.sum()),
                "cv_mean_deviance": cv_result.mean_deviance[k] if cv_result is not None else np.nan,
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def plot(self, ax: Any = None) -> Figure:
        """Coefficient paths against log10(alpha), each labelled with its column."""
        from .report.plots import plot_path

        return plot_path(self, ax=ax)

    def __repr__(self) -> str:
        return (f"PathResult({self.spec.formula!r}, family={self.family.name!r}, l1_ratio={self.l1_ratio:g}, "
                f"{len(self.alphas)} alphas from {self.alphas[0]:.4g} to {self.alphas[-1]:.4g})")


def build_path_result(
    spec: DesignSpec,
    design: DesignMatrix,
    problem: GLMProblem,
    penalty: Penalty,
    path: PathFit,
    *,
    data: pd.DataFrame,
    fit_kwargs: dict[str, Any],
    standardize: bool,
    penalty_factor: dict[str, float] | None,
    warnings: list[str],
) -> PathResult:
    """Assemble a :class:`PathResult`, computing the log-likelihood per alpha now (``edf`` on demand)."""
    family = problem.family
    names = (["Intercept"] if spec.fit_intercept else []) + spec.column_names
    values = path.coefs if not spec.fit_intercept else np.column_stack([path.intercepts, path.coefs])
    loglik = np.array([
        family.log_likelihood(problem.y, o.mu, design.weights, design.trials, design.freq_weights)
        for o in path.outputs
    ])
    used = design.weights > 0
    null = null_model(problem, IRLSControl())
    return PathResult(
        spec=spec, family=family, link=problem.link, alphas=path.alphas,
        coefs=pd.DataFrame(values, index=pd.Index(path.alphas, name="alpha"), columns=names),
        deviance=path.deviances, null_deviance=null[0], loglik=loglik,
        nobs=float(design.freq_weights[used].sum()), alpha_max=path.alpha_max, l1_ratio=penalty.l1_ratio,
        standardize=standardize, penalty_factor=dict(penalty_factor or {}),
        n_iter=np.array([o.n_iter for o in path.outputs], dtype=float),
        converged=np.array([o.converged for o in path.outputs]), warnings=warnings, data=data,
        fit_kwargs=fit_kwargs, _problem=problem, _penalty=penalty, _design=design,
        _null=null,
    )
