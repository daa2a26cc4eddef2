"""K-fold cross-validation of regularization paths, leakage-safe by construction.

For each fold the formula's design (stateful transforms such as
``standardize(x)``, penalty standardization) is learned from the fold's
training rows only, with the caller's formula context, and applied to its
held-out rows, which are scored with the weighted mean unit deviance at
every alpha of the full-data grid (as ``cv.glmnet``). The level set of a
factor is not learned per fold: it is schema, fixed from all the path's rows
(:meth:`~glmgen.formula.DesignSpec.declare_levels`), so a level without
training rows in a fold gets an all-zero column, whose coefficient the
penalty keeps at exactly 0 (glmnet's treatment of a column of zeros), and
its held-out rows are predicted at the fold's reference level,
the first level with training rows there. Scoring and the summaries
are :mod:`glmgen.stats.cross_validation`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._parallel import deterministic_map
from .._progress import progress_bar
from .._validation import check_n_jobs, check_seed, check_whole, column_of, first_bad
from ..errors import DataError, InvalidParameterError, UnseenLevelError
from ..formula import FormulaContext, build_design
from ..results import CVResult, PathResult
from ..solvers import CDControl, IRLSControl
from ..stats import cv_summary, held_out_mean_deviance, relaxed_choice
from .fitting import prepare_penalized
from .groups import penalized_path, penalty_of
from .relax import blend, relaxed_path

if TYPE_CHECKING:
    from .paths import PathRefitter

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

def make_fold_ids(
    n_rows: int,
    folds: int,
    rng: np.random.Generator,
    *,
    stratify: npt.NDArray[Any] | None = None,
    groups: npt.NDArray[Any] | None = None,
) -> IntArray:
    """Fold ids ``0..folds-1`` for each row: balanced random, stratified by label, or by whole groups."""
    if groups is not None:
        codes, uniques = pd.factorize(groups)
        if len(uniques) < folds:
            raise InvalidParameterError(f"groups has {len(uniques)} distinct groups, fewer than folds={folds}.")
        group_fold = rng.permutation(np.arange(len(uniques)) % folds)
        return group_fold[codes].astype(np.int64)
    if stratify is not None:
        ids = np.empty(n_rows, dtype=np.int64)
        codes, _ = pd.factorize(stratify)
        offset = 0
        for code in np.unique(codes):
            members = np.flatnonzero(codes == code)
            # deal each class round-robin from a running offset so fold sizes stay balanced overall
            ids[rng.permutation(members)] = (np.arange(len(members)) + offset) % folds
            offset += len(members)
        return ids
    return rng.permutation(np.arange(n_rows) % folds).astype(np.int64)


def _subset(variables: dict[str, Any], rows: IntArray) -> dict[str, Any]:
    return {role: (value[rows] if isinstance(value, np.ndarray) else value) for role, value in variables.items()}


@dataclass(frozen=True)
class FoldProblem:
    """Everything a fold refit needs, picklable so folds can run in worker processes.

    ``data`` are the path's rows with the factor columns' level sets declared from all of them;
    ``variables`` are the weights / offset inputs restricted to the path's rows (arrays subset, names kept);
    ``context`` holds only the caller's names the formula and those inputs use.
    """

    formula: str
    data: pd.DataFrame
    variables: dict[str, Any]
    settings: dict[str, Any]
    alphas: FloatArray
    context: FormulaContext
    control: CDControl
    #: a relaxed CV's blends (``None``: the lasso path only), refitted with ``irls_control``
    gammas: tuple[float, ...] | None = None
    irls_control: IRLSControl = field(default_factory=IRLSControl)

    @classmethod
    def of(cls, path: PathResult, refits: PathRefitter, data: pd.DataFrame,
           gammas: tuple[float, ...] | None = None) -> FoldProblem:
        """The folds' problem over ``data``, the path's rows (rows dropped for NA hold no level a fold could see,
        so declaring the levels of these rows gives the same folds as declaring those of all rows)."""
        data = path.spec.declare_levels(data)
        variables = refits.row_variables()
        codes = [path.spec.formula] + [v for v in variables.values() if isinstance(v, str)]
        settings = {key: refits.fit_kwargs[key] for key in ("family", "link", "l1_ratio", "penalty_factor",
                                                              "standardize")}
        settings["penalty"] = path.penalty
        settings["safe"] = path.spec.safe  # a checked formula stays checked in every fold
        settings["na_action"] = "raise" if path.spec.imputation is None else "impute"  # each fold learns its own
        return cls(path.spec.formula, data, variables, settings, path.alphas, refits.context.restricted_to(codes),
                   refits.control, gammas, refits.irls_control() if gammas is not None else IRLSControl())

    def held_out_deviance(self, train: IntArray, test: IntArray) -> tuple[FloatArray, float]:
        """Held-out mean deviance at every alpha of the path refitted on ``train`` rows, and the test weight.

        With :attr:`gammas`, the means of every blend, gamma-major (``n_gammas * n_alphas``), the fold's relaxed
        fits refitted on its training rows."""
        settings = self.settings
        spec, design = build_design(self.formula, self.data.iloc[train], **_subset(self.variables, train),
                                    na_action=settings["na_action"], context=self.context, safe=settings["safe"])
        problem, penalty = prepare_penalized(
            spec, design, settings["family"], settings["link"], l1_ratio=settings["l1_ratio"],
            penalty_factor=settings["penalty_factor"], standardize=settings["standardize"],
        )
        fold_path, _ = penalized_path(problem, penalty_of(spec, penalty, settings["penalty"]), alphas=self.alphas,
                                      control=self.control)
        test_arrays = {role: v for role, v in _subset(self.variables, test).items() if isinstance(v, np.ndarray)}
        try:
            held_out = spec.build(self.data.iloc[test], na_action="raise", arrays=test_arrays)
        except UnseenLevelError as exc:  # a factor whose levels are learned per fold (an expression, Sum coding)
            raise UnseenLevelError(
                f"{exc} (in a cross-validation fold: the level occurs only in that fold's held-out rows of a term "
                "whose levels are learned from the training rows; write the column itself or C(column) instead, "
                "merge rare levels, or use fewer folds)"
            ) from None
        assert held_out.y is not None
        coefs, intercepts = fold_path.coefs, fold_path.intercepts
        if self.gammas is not None:
            relaxed, relaxed_intercepts, _ = relaxed_path(problem, coefs, self.irls_control)
            coefs = np.vstack([blend(g, fold_path.coefs, relaxed) for g in self.gammas])
            intercepts = np.concatenate([blend(g, fold_path.intercepts, relaxed_intercepts) for g in self.gammas])
        eta = held_out.offset[:, None] + intercepts[None, :] + held_out.X @ coefs.T
        return held_out_mean_deviance(problem.family, problem.link, held_out.y, eta,
                                      held_out.weights * held_out.freq_weights)


def _labels(refits: PathRefitter, data: pd.DataFrame, value: Any, name: str) -> npt.NDArray[Any] | None:
    """``stratify`` / ``groups`` labels of the path's rows: ``True`` (the response), a column name or one per row."""
    if value is None or value is False:
        return None
    if value is True:
        return np.asarray(refits.design.y)
    if isinstance(value, str):
        labels = column_of(data, value, name)
    else:
        labels = np.asarray(value)
        if len(labels) == len(refits.design.kept):
            labels = labels[refits.design.kept]
        if labels.ndim != 1 or len(labels) != len(data):
            raise DataError(
                f"{name} has shape {labels.shape} but the path was fitted on {len(data)} rows; give one label per row."
            )
    missing = np.asarray(pd.isna(labels))
    if missing.any():
        count, row = first_bad(missing, data.index)
        raise DataError(f"{name} has {count} missing labels (first: row {row}); fill them or drop those rows.")
    return labels


def cross_validate(
    path: PathResult,
    refits: PathRefitter,
    folds: int | Any = 10,
    *,
    seed: int = 0,
    n_jobs: int = 1,
    stratify: Any = None,
    groups: Any = None,
    repeats: int = 1,
    gammas: tuple[float, ...] | None = None,
    progress: bool | None = None,
) -> CVResult:
    """K-fold CV of ``path`` (see the module notes); ``folds`` is a count or one fold id per row.

    ``stratify``: ``True`` (by the response), a column name or labels;
    ``groups``: a column name or labels whose rows stay in one fold. Results
    depend only on ``seed``, never on ``n_jobs``. ``progress``: a bar ticking once per fold and repeat
    (:mod:`glmgen._progress`).
    """
    seed, n_jobs, repeats = check_seed(seed), check_n_jobs(n_jobs), check_whole("repeats", repeats, 1)
    data = refits.rows
    n_rows = len(data)
    if np.ndim(folds) == 0:
        if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= n_rows:
            raise InvalidParameterError(
                f"folds={folds!r} must be a whole number between 2 and the number of rows ({n_rows}), or one "
                "fold id per row."
            )
        n_folds = int(folds)
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(repeats)]
        strata = _labels(refits, data, stratify, "stratify")
        group_labels = _labels(refits, data, groups, "groups")
        if strata is not None and group_labels is not None:
            raise InvalidParameterError(
                "give stratify= or groups=, not both: folds keep whole groups, so they cannot also be stratified."
            )
        assignments = [make_fold_ids(n_rows, n_folds, rng, stratify=strata, groups=group_labels) for rng in rngs]
    else:
        given = np.asarray(folds)
        if len(given) == len(refits.design.kept) and len(given) != n_rows:
            given = given[refits.design.kept]
        if len(given) != n_rows:
            raise DataError(f"folds has {len(given)} fold ids but the path was fitted on {n_rows} rows.")
        if pd.isna(given).any():
            count, row = first_bad(np.asarray(pd.isna(given)), data.index)
            raise DataError(f"folds has {count} missing fold ids (first: row {row}).")
        assignments = [pd.factorize(given, sort=True)[0].astype(np.int64)]
        if assignments[0].max() < 1:
            raise InvalidParameterError(
                f"folds has one distinct fold id ({given[0]}) for all {n_rows} rows; give at least 2 folds."
            )
    tasks = [(r, k, ids) for r, ids in enumerate(assignments) for k in range(int(ids.max()) + 1)]
    if any(not np.any(ids == k) for _, k, ids in tasks):
        raise DataError("a fold has no rows; use fewer folds.")

    problem = FoldProblem.of(path, refits, data, gammas)
    splits = [(np.flatnonzero(ids != k), np.flatnonzero(ids == k)) for _, k, ids in tasks]
    with progress_bar(progress, len(splits), "cv", unit="fold") as bar:
        results = deterministic_map(problem.held_out_deviance, splits, n_jobs, bar=bar)
    fold_means = np.array([r[0] for r in results])
    fold_weights = np.array([r[1] for r in results])
    means, ses = [], []
    for r in range(len(assignments)):
        rows = np.array([i for i, (rep, _, _) in enumerate(tasks) if rep == r])
        mean, se = cv_summary(fold_means[rows], fold_weights[rows])
        means.append(mean)
        ses.append(se)
    relaxed: dict[str, Any] = {}
    if gammas is not None:  # the tables per (gamma, alpha); the lasso-path summaries are gamma_min's row
        shape = (len(gammas), len(path.alphas))
        table, table_se = np.mean(means, axis=0).reshape(shape), np.mean(ses, axis=0).reshape(shape)
        relaxed = {"gammas": np.array(gammas), "relaxed_mean": table, "relaxed_se": table_se}
        row, _ = relaxed_choice(table, table_se, np.array(gammas), "min")
        means, ses = [table[row]], [table_se[row]]
        fold_means = fold_means.reshape(len(fold_means), *shape)[:, row]
    index = pd.MultiIndex.from_tuples([(r, k) for r, k, _ in tasks], names=["repeat", "fold"]) if len(
        assignments) > 1 else pd.Index([k for _, k, _ in tasks], name="fold")
    return CVResult(
        alphas=path.alphas, mean_deviance=np.mean(means, axis=0), se=np.mean(ses, axis=0),
        folds=pd.DataFrame(fold_means, index=index, columns=pd.Index(path.alphas, name="alpha")),
        fold_weights=fold_weights, fold_ids=assignments[0], repeats=len(assignments), df=path.df, **relaxed,
    )
