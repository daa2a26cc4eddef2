"""Refit engine for a regularization path: the whole path and its selection re-run on each resample.

:class:`PathEngine` refits the path on the resample's rows (frequency
weights times the resample counts, :func:`~.resampler.resample_weights`;
penalty standardization re-learned; design columns as in the original fit,
so coefficients are comparable) on a fresh grid from the resample's own
``alpha_max`` or on the original alphas, and then runs the selection: an
information criterion as :class:`~glmgen.results.PathResult` defines it on
the resample, or K-fold CV with folds over the resample's distinct rows,
scored by :func:`glmgen.stats.held_out_mean_deviance` and summarised by
:func:`glmgen.stats.cv_summary`. :meth:`PathEngine.grid_coefficients` gives
the refitted path on a fixed grid (the bias-variance decomposition).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..fit import (
    FoldProblem,
    PathRefitter,
    build_path_result,
    column_scales,
    make_fold_ids,
    penalized_path,
    problem_of,
)
from ..formula import DesignMatrix, DesignSpec, FormulaContext
from ..model import GroupPenalty, Penalty
from ..results import PathResult
from ..solvers import CDControl, GLMProblem, PathFit, default_alpha_min_ratio
from ..stats import cv_summary, held_out_mean_deviance, index_1se, index_min
from .refit import Refit, RowData, resample_design, take_rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SpecColumns:
    """What the path code reads from a :class:`~glmgen.formula.DesignSpec`, in a picklable record
    (patsy's ``DesignInfo`` refuses to pickle, and refits may run in worker processes)."""

    formula: str
    fit_intercept: bool
    column_names: list[str]
    term_slices: dict[str, slice]


@dataclass(frozen=True, eq=False)
class PathEngine:
    """The whole path (its own alpha grid) and the selection re-run on each resample.

    ``grid`` is ``("relative", n_alphas, alpha_min_ratio)`` (a fresh grid from
    the resample's ``alpha_max``, glmnet's early stopping on) or
    ``("fixed", alphas)`` (the original alphas). CV selection assigns folds
    over the resample's distinct rows (``cv_groups`` keeps groups together)
    and re-learns the design per fold through :class:`~glmgen.fit.FoldProblem`.
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
    #: a group-lasso path's groups (``factors`` then holds one factor per group), ``None`` for the elastic net
    groups: tuple[IntArray, ...] | None = None
    #: the path's spec when it imputes (``na_action="impute"``): each resample re-learns the medians
    imputing: DesignSpec | None = None

    @classmethod
    def of(cls, path: PathResult, criterion: str, *, grid: str, cv_folds: int | None,
           cv_groups: npt.NDArray[Any] | None) -> PathEngine:
        refits = path.refits
        assert isinstance(refits, PathRefitter)  # the fitting layer supplies a path's refits
        design = refits.design
        folds = None
        n_folds, repeats = 10, 1
        if criterion in ("cv", "cv_1se"):
            folds = FoldProblem.of(path, refits, refits.rows)
            if path.last_cv is not None:
                last = path.last_cv
                n_folds, repeats = int(np.max(last.fold_ids)) + 1, int(last.repeats)
            n_folds = int(cv_folds) if cv_folds is not None else n_folds
        return cls(
            rows=RowData.of(design, path.family, path.link),
            spec=SpecColumns(path.spec.formula, bool(path.spec.fit_intercept), list(path.spec.column_names),
                             dict(path.spec.term_slices)),
            design=design, columns=list(path.coefs.columns), l1_ratio=path.l1_ratio,
            factors=refits.penalty.factors, standardize=path.standardize, penalty_factor=dict(path.penalty_factor),
            criterion=criterion, grid=_grid_of(path, refits.problem, grid), fit_kwargs=refits.fit_kwargs, folds=folds,
            cv_folds=n_folds, cv_repeats=repeats, cv_groups=cv_groups, stateless=path.spec.is_stateless,
            imputing=path.spec if path.spec.imputation is not None and design.raw is not None else None,
            groups=refits.penalty.groups if isinstance(refits.penalty, GroupPenalty) else None,
        )

    def _training_design(self, counts: IntArray) -> DesignMatrix:
        """The training rows' design as the resample sees it: with ``na_action="impute"``, ``X`` filled with the
        medians re-learned on the resample (:meth:`~glmgen.formula.DesignSpec.relearned_matrix`), else as fitted."""
        design = self.design
        if self.imputing is None:
            return design
        return replace(design, X=self.imputing.relearned_matrix(design, counts))

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        rows = self.rows.resampled_rows(counts)
        training = self._training_design(counts)
        design = resample_design(training, rows, counts)
        problem, penalty, fitted = self._path(design, None)
        if self.criterion in ("cv", "cv_1se"):
            index = self._cv_index(rows, design, fitted.alphas, rng)
        else:
            result = build_path_result(self.spec, design, problem, penalty, fitted,  # type: ignore[arg-type]
                                       data=pd.DataFrame(), fit_kwargs=self.fit_kwargs, context=FormulaContext(),
                                       control=self.control, standardize=self.standardize,
                                       penalty_factor=self.penalty_factor, warnings=[])
            index = result.selected_index(self.criterion)
        output = fitted.outputs[index]
        eta = training.offset + output.intercept + training.X @ output.coef
        values = np.concatenate([[output.intercept], output.coef]) if self.spec.fit_intercept else output.coef.copy()
        converged = all(o.converged for o in fitted.outputs[: index + 1])
        n_iter = int(sum(o.n_iter for o in fitted.outputs))
        return Refit(values, converged, n_iter, eta, chosen_alpha=float(fitted.alphas[index]))

    def grid_coefficients(self, counts: IntArray, alphas: FloatArray) -> FloatArray:
        """Intercept and coefficients ``(len(alphas), 1 + p)`` of the path refitted on the resample at ``alphas``."""
        design = resample_design(self._training_design(counts), self.rows.resampled_rows(counts), counts)
        fitted = self._path(design, alphas)[2]
        return np.column_stack([fitted.intercepts, fitted.coefs])

    def _path(self, design: DesignMatrix, alphas: FloatArray | None
              ) -> tuple[GLMProblem, Penalty | GroupPenalty, PathFit]:
        """The path on ``design``, standardization re-learned: at ``alphas``, else on the engine's grid."""
        problem = problem_of(design, self.spec, self.rows.family, self.rows.link)
        scales = column_scales(problem, self.standardize)
        penalty: Penalty | GroupPenalty = (
            Penalty(0.0, self.l1_ratio, self.factors, scales) if self.groups is None
            else GroupPenalty(0.0, self.l1_ratio, self.groups, self.factors, scales))
        if alphas is None and self.grid[0] == "relative":
            fitted, _ = penalized_path(problem, penalty, n_alphas=self.grid[1], alpha_min_ratio=self.grid[2],
                                       control=self.control)
        else:
            fitted, _ = penalized_path(problem, penalty, alphas=self.grid[1] if alphas is None else alphas,
                                       control=self.control)
        return problem, penalty, fitted

    def _cv_index(self, rows: IntArray, design: DesignMatrix, alphas: FloatArray, rng: np.random.Generator) -> int:
        """CV along the resample's path: folds over its distinct rows, design re-learned per fold."""
        assert self.folds is not None
        problem = self.folds
        if not self.stateless:
            variables = {role: value[rows] if isinstance(value, np.ndarray) else value
                         for role, value in self.folds.variables.items()}
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
            mean, se = cv_summary(np.array([r[0] for r in results]), np.array([r[1] for r in results]))
            means.append(mean)
            ses.append(se)
        mean_deviance, se = np.mean(means, axis=0), np.mean(ses, axis=0)
        return index_min(mean_deviance) if self.criterion == "cv" else index_1se(mean_deviance, se)

    def _held_out(self, design: DesignMatrix, train: IntArray, test: IntArray, alphas: FloatArray
                  ) -> tuple[FloatArray, float]:
        """One fold of a stateless design: the path on ``train`` rows (standardization re-learned), scored on ``test``.

        Gives what :meth:`glmgen.fit.FoldProblem.held_out_deviance` gives, without rebuilding the design.
        """
        fitted = self._path(resample_design(design, train, np.ones(design.n_rows, dtype=np.int64)), alphas)[2]
        assert design.y is not None
        eta = design.offset[test][:, None] + fitted.intercepts[None, :] + take_rows(design.X, test) @ fitted.coefs.T
        return held_out_mean_deviance(self.rows.family, self.rows.link, design.y[test], eta,
                                      design.weights[test] * design.freq_weights[test])


def _grid_of(path: PathResult, problem: GLMProblem, grid: str) -> tuple[Any, ...]:
    """The resample grid: relative to the resample's alpha_max (``"resample"``) or the original alphas."""
    alphas = np.asarray(path.alphas, dtype=float)
    computed = alphas.size >= 2 and math.isclose(alphas[0], path.alpha_max, rel_tol=1e-9)
    if grid == "original" or not computed:
        return ("fixed", alphas.copy())
    step = alphas[1] / alphas[0]
    n, p = problem.X.shape
    ratio = min(alphas[-1] / alphas[0], default_alpha_min_ratio(n, p))
    n_alphas = round(math.log(ratio) / math.log(step)) + 1
    return ("relative", max(n_alphas, alphas.size), step ** (max(n_alphas, alphas.size) - 1))
