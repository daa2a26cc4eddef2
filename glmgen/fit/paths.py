"""From a built design to a :class:`~glmgen.results.PathResult`, and the refits a path asks for.

:class:`PathRefitter` is the object behind ``path.fit_at``, ``path.cv`` and
``path.select``: it keeps the training rows (the caller's DataFrame, not a
copy), the design matrix and how the path was fitted, so the record itself
stays passive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..formula import VARIABLE_ROLES, DesignMatrix, DesignSpec, FormulaContext
from ..model import Family, GroupPenalty, Penalty
from ..results import CVResult, GLMResult, PathResult, PenaltySettings, build_result
from ..solvers import (
    CDControl,
    GLMProblem,
    IRLSControl,
    PathFit,
    PenalizedState,
    SolverOutput,
    fit_group_penalized,
    fit_penalized,
    solver_controls,
)
from ..stats import effective_df, effective_df_along
from .cv import cross_validate
from .fitting import emit, null_model
from .profile import ProfileRefits
from .relax import blend, relaxed_fit, relaxed_path

FloatArray = npt.NDArray[np.float64]


@dataclass(eq=False)
class PathRefitter:
    """Refits of one path on its training rows (see the module notes).

    ``fit_kwargs`` holds how the path was fitted (family, link, l1_ratio,
    penalty_factor, standardize, na_action, safe, and the weights / offset
    inputs as given); ``context`` the caller's names for the formula.
    """

    data: pd.DataFrame
    fit_kwargs: dict[str, Any]
    context: FormulaContext
    design: DesignMatrix
    problem: GLMProblem
    penalty: Penalty | GroupPenalty
    null: tuple[float, float | None]
    control: CDControl
    last_cv: CVResult | None = None
    _edf: FloatArray | None = field(default=None, repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        """The caller's rows the path was fitted on (NA rows dropped)."""
        return self.data[self.design.kept] if self.design.n_dropped else self.data

    def row_variables(self) -> dict[str, Any]:
        """The weights / offset inputs restricted to the path's rows (arrays subset; names and expressions kept)."""
        variables: dict[str, Any] = {}
        for role in VARIABLE_ROLES:
            value = self.fit_kwargs.get(role)
            if value is not None and not isinstance(value, str):
                value = np.asarray(value)[self.design.kept]
            variables[role] = value
        return variables

    def irls_control(self) -> IRLSControl:
        """The IRLS settings of the path's ``tol`` / ``max_iter`` (the relaxed fits')."""
        return solver_controls(self.fit_kwargs["tol"], self.fit_kwargs["max_iter"])[0]

    def fit_at(self, path: PathResult, alpha: float, gamma: float | None = None) -> GLMResult:
        """Exact fit at ``alpha``, warm-started from the nearest path point; with ``gamma``, blended with the
        relaxed fit on its active set (:mod:`glmgen.fit.relax`)."""
        nearest = int(np.argmin(np.abs(np.log(path.alphas) - math.log(alpha))))
        row = path.coefs.iloc[nearest].to_numpy()
        fit_intercept = path.spec.fit_intercept
        intercept = float(row[0]) if fit_intercept else 0.0
        coef = row[int(fit_intercept):].copy()
        problem = self.problem
        eta = problem.offset + intercept + problem.X @ coef
        start = PenalizedState(coef, intercept, eta, problem.link.inverse(eta))
        penalty = self.penalty.at(alpha)
        if isinstance(penalty, GroupPenalty):
            output = fit_group_penalized(problem, penalty, start, control=self.control)
            edf = float(np.count_nonzero(output.coef))
        else:
            output = fit_penalized(problem, penalty, start, coef != 0, control=self.control)[0]
            edf = effective_df(problem, penalty, output.coef, output.intercept)
        if gamma is not None:
            output = self._blended(output, gamma)
        settings = PenaltySettings(alpha=alpha, l1_ratio=path.l1_ratio, standardize=path.standardize,
                                   penalty_factor=dict(path.penalty_factor))
        return build_result(path.spec, self.design, path.family, path.link, output, penalty=settings,
                            null_deviance=self.null[0], null_intercept=self.null[1],
                            edf=edf, warnings=emit(list(output.notices), 3), refits=ProfileRefits())

    def _blended(self, lasso: SolverOutput, gamma: float) -> SolverOutput:
        """The blend ``gamma lasso + (1 - gamma) relaxed`` as a solver output (eta, mu and deviance at it)."""
        relaxed = relaxed_fit(self.problem, lasso.coef != 0, self.irls_control())
        coef = blend(gamma, lasso.coef, relaxed.coef)
        intercept = float(blend(gamma, np.array(lasso.intercept), np.array(relaxed.intercept)))
        eta = self.problem.offset + intercept + self.problem.X @ coef
        mu = self.problem.link.inverse(eta)
        return replace(lasso, coef=coef, intercept=intercept, eta=eta, mu=mu, deviance=self.problem.deviance(mu))

    def cross_validate(self, path: PathResult, folds: Any, *, seed: int, n_jobs: int, stratify: Any, groups: Any,
                       repeats: int, gammas: tuple[float, ...] | None = None, progress: bool | None = None
                       ) -> CVResult:
        return cross_validate(path, self, folds, seed=seed, n_jobs=n_jobs, stratify=stratify, groups=groups,
                              repeats=repeats, gammas=gammas, progress=progress)

    def effective_df(self, path: PathResult) -> FloatArray:
        """The elastic net's effective df per alpha; a group path's is its ``df`` (non-zero coefficients, as
        glmnet and grpreg report)."""
        if isinstance(self.penalty, GroupPenalty):
            return path.df
        if self._edf is None:
            values = path.coefs.to_numpy()
            start = int(path.spec.fit_intercept)
            intercepts = values[:, 0] if start else np.zeros(len(values))
            self._edf = effective_df_along(self.problem, self.penalty, path.alphas, values[:, start:], intercepts)
        return self._edf


def path_log_likelihoods(family: Family, problem: GLMProblem, design: DesignMatrix, path: PathFit) -> FloatArray:
    """R's log-likelihood at every alpha: evaluated once and shifted by half the deviance changes where the
    family's likelihood follows its deviance (:meth:`~glmgen.model.Family.log_likelihood_follows_deviance`),
    else at each alpha."""
    def exact(mu: FloatArray) -> float:
        return family.log_likelihood(problem.y, mu, design.weights, design.trials, design.freq_weights)

    if not path.outputs or not family.log_likelihood_follows_deviance(problem.y, design.weights, design.trials):
        return np.array([exact(o.mu) for o in path.outputs])
    deviances = path.deviances
    return exact(path.outputs[0].mu) - 0.5 * (deviances - deviances[0])


def build_path_result(
    spec: DesignSpec,
    design: DesignMatrix,
    problem: GLMProblem,
    penalty: Penalty | GroupPenalty,
    path: PathFit,
    *,
    data: pd.DataFrame,
    fit_kwargs: dict[str, Any],
    context: FormulaContext,
    control: CDControl,
    standardize: bool,
    penalty_factor: dict[str, float] | None,
    warnings: list[str],
    relax: bool = False,
) -> PathResult:
    """Assemble a :class:`PathResult`, computing the log-likelihood per alpha now (``edf`` on demand), and with
    ``relax`` the relaxed fits (:mod:`glmgen.fit.relax`)."""
    family = problem.family
    names = (["Intercept"] if spec.fit_intercept else []) + spec.column_names
    values = path.coefs if not spec.fit_intercept else np.column_stack([path.intercepts, path.coefs])
    loglik = path_log_likelihoods(family, problem, design, path)
    used = design.weights > 0
    null = null_model(problem, IRLSControl())
    refits = PathRefitter(data=data, fit_kwargs=fit_kwargs, context=context, design=design, problem=problem,
                          penalty=penalty, null=null, control=control)
    optional: dict[str, Any] = {}  # the relaxed fits, the group penalty
    if relax:
        coefs, intercepts, deviances = relaxed_path(problem, path.coefs, refits.irls_control())
        stacked = coefs if not spec.fit_intercept else np.column_stack([intercepts, coefs])
        optional["relaxed_coefs"] = pd.DataFrame(stacked, index=pd.Index(path.alphas, name="alpha"), columns=names)
        optional["relaxed_deviance"] = deviances
    if isinstance(penalty, GroupPenalty):
        names_of = spec.column_names
        optional["penalty"] = "group"
        optional["groups"] = {term: tuple(names_of[j] for j in range(s.start, s.stop))
                             for term, s in spec.term_slices.items() if s.stop > s.start}
        factors = np.zeros(len(names_of))
        for columns, factor in zip(penalty.groups, penalty.factors):
            factors[columns] = factor
    else:
        factors = penalty.factors
    return PathResult(
        spec=spec, family=family, link=problem.link, alphas=path.alphas,
        coefs=pd.DataFrame(values, index=pd.Index(path.alphas, name="alpha"), columns=names),
        deviance=path.deviances, null_deviance=null[0], loglik=loglik,
        nobs=float(design.freq_weights[used].sum()), alpha_max=path.alpha_max, l1_ratio=penalty.l1_ratio,
        standardize=standardize, penalty_factor=dict(penalty_factor or {}),
        n_iter=np.array([o.n_iter for o in path.outputs], dtype=float),
        converged=np.array([o.converged for o in path.outputs]), warnings=warnings,
        penalized_columns=tuple(c for c, f in zip(spec.column_names, factors) if f > 0),
        weight_sum=float(problem.weights.sum()), refits=refits, **optional,
    )
