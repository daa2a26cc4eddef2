"""Learning and validation curves: the over/underfitting picture as numbers.

- :func:`learning_curve`: training and held-out mean deviance of one model
  specification as the training set grows. Each repeat draws its own seeded
  train/test split; the training set of each size is a random subset of that
  repeat's training part, and every size is scored on the same held-out part.
- :func:`validation_curve`: training versus cross-validated mean deviance
  along a regularization path (complexity decreasing with alpha).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._parallel import deterministic_map
from .._progress import check_progress, progress_bar
from .._validation import check_n_jobs, check_seed, check_whole
from ..errors import DataWarning, GLMGenWarning, InvalidParameterError
from ..fit import fit_glm
from ..formula import VARIABLE_ROLES, FormulaContext, build_design
from ..resampling import split
from ..results import PathResult, display

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class LearningCurveResult:
    """``table``: one row per (repeat, size) with ``n_train``, ``train_mean_deviance`` and
    ``test_mean_deviance``; :meth:`summary` averages over repeats."""

    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation over repeats, per training-set size."""
        grouped = self.table.groupby("n_train")[["train_mean_deviance", "test_mean_deviance"]]
        summary = grouped.agg(["mean", "std"])
        summary.columns = [f"{column}_{stat}" for column, stat in summary.columns]
        return summary.reset_index()

    def plot(self, ax: Any = None) -> Figure:
        figure: Figure = display.show("plot_learning_curve", self, ax=ax)
        return figure

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


@dataclass(frozen=True)
class ValidationCurveResult:
    """``table``: one row per alpha with ``df``, ``train_mean_deviance``, ``cv_mean_deviance`` and ``cv_se``."""

    table: pd.DataFrame
    alpha_min: float
    alpha_1se: float

    def plot(self, ax: Any = None) -> Figure:
        figure: Figure = display.show("plot_validation_curve", self, ax=ax)
        return figure

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


def _fit_size(repeat: int, formula: str, train: pd.DataFrame, test: pd.DataFrame, n_train: int, seed: int,
              family: Any, context: FormulaContext, fit_kwargs: dict[str, Any]
              ) -> tuple[int, int, float, float, list[str]]:
    """One point of the curve, and the messages of the warnings its fit and scoring raised (the caller
    summarises them once instead of once per point)."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(train), size=n_train, replace=False))
    subset = train.iloc[rows]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GLMGenWarning)
        fit = fit_glm(formula, subset, family, context=context, **fit_kwargs)
        scores = fit.evaluate(subset).mean_deviance, fit.evaluate(test).mean_deviance
    held_out = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    return repeat, n_train, *scores, held_out


def _check_sizes(sizes: Any) -> list[float]:
    """``sizes`` as a list of positive finite numbers (shares in (0, 1] or row counts), else raise."""
    values = list(sizes) if isinstance(sizes, (Sequence, np.ndarray)) and not isinstance(sizes, str) else []
    if not values:
        raise InvalidParameterError(
            f"sizes={sizes!r} must be a non-empty list of shares in (0, 1] or row counts, e.g. (0.25, 0.5, 1.0)."
        )
    for size in values:
        if (isinstance(size, bool) or not isinstance(size, (int, float, np.integer, np.floating))
                or not math.isfinite(size) or size <= 0):
            raise InvalidParameterError(
                f"sizes has {size!r}; each size must be a share in (0, 1] or a row count >= 2."
            )
    return [float(size) for size in values]


def learning_curve(
    formula: str,
    data: AnyFrame,
    family: Any = "gaussian",
    *,
    sizes: Sequence[float] = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
    test_size: float = 0.25,
    repeats: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
    context: FormulaContext | None = None,
    progress: bool | None = None,
    **fit_kwargs: Any,
) -> LearningCurveResult:
    """Training and held-out mean deviance against training-set size.

    Parameters
    ----------
    formula, data, family
        As :func:`glmgen.glm` (``data``: pandas, polars or pyarrow).
    sizes : sequence of float or int
        Shares (in (0, 1]) of the training part, or row counts (> 1).
    test_size, repeats, seed
        Each repeat splits ``data`` with its own seed from
        ``SeedSequence(seed)``; results do not depend on ``n_jobs``.
    **fit_kwargs
        Passed to :func:`glmgen.glm` (``alpha``, ``l1_ratio``, ``weights``, ...).
        Column-valued weights/offsets are needed: arrays cannot follow the subsets.
    context : FormulaContext, optional
        The names the formula may use besides data columns; default: the
        caller's namespace (as :func:`glmgen.glm`).
    progress : bool, optional
        A bar ``glmgen learning curve`` ticking once per fit (sizes x
        repeats): ``None`` shows it on a terminal or in a notebook once the
        curve has run 2 s, ``True`` at once, ``False`` never.
    """
    context = context if context is not None else FormulaContext.capture()
    data = as_pandas(data)
    for name, value in fit_kwargs.items():
        if name in VARIABLE_ROLES and value is not None and not isinstance(value, str):
            raise InvalidParameterError(
                f"learning_curve needs {name} as a column name or expression, not a {type(value).__name__}: the "
                "rows are split and subsampled, and an array cannot follow them."
            )
    seed, n_jobs, repeats = check_seed(seed), check_n_jobs(n_jobs), check_whole("repeats", repeats, 1)
    shares, progress = _check_sizes(sizes), check_progress(progress)
    seeds = np.random.SeedSequence(seed).spawn(repeats)
    codes = [formula] + [v for v in fit_kwargs.values() if isinstance(v, str)]
    context = context.restricted_to(codes)  # picklable for worker processes
    # The level set of a factor is schema, from all of data: a level missing from a subset gets a zero column.
    spec, _ = build_design(formula, data, **{role: fit_kwargs.get(role) for role in VARIABLE_ROLES}, context=context,
                           na_action=fit_kwargs.get("na_action", "drop"), safe=fit_kwargs.get("safe", False))
    data = spec.declare_levels(data)
    tasks = []
    for repeat, child in enumerate(seeds):
        split_seed, size_seed = (int(s.generate_state(1)[0]) for s in child.spawn(2))
        train, test = split(data, test_size=test_size, seed=split_seed)
        counts = sorted({int(round(s * len(train))) if s <= 1 else int(s) for s in shares})
        if counts[0] < 2 or counts[-1] > len(train):
            raise InvalidParameterError(
                f"sizes={tuple(shares)} gives {counts} training rows, but each must be between 2 and {len(train)} "
                "(the training part of the split). Use shares in (0, 1] or smaller counts."
            )
        tasks += [(repeat, formula, train, test, count, size_seed + count, family, context, fit_kwargs) for count in counts]
    with progress_bar(progress, len(tasks), "learning curve", unit="fit") as bar:
        results = deterministic_map(_fit_size, tasks, n_jobs, bar=bar)
    noted = [messages for *_, messages in results if messages]
    if noted:
        warnings.warn(f"{len(noted)} of the {len(results)} fits of the learning curve raised data warnings (first: "
                      f"{noted[0][0]})", DataWarning, stacklevel=2)
    table = pd.DataFrame([point[:4] for point in results],
                         columns=["repeat", "n_train", "train_mean_deviance", "test_mean_deviance"])
    return LearningCurveResult(table=table)


def validation_curve(path: PathResult, folds: int | Any = 10, seed: int = 0, n_jobs: int = 1,
                     progress: bool | None = None) -> ValidationCurveResult:
    """Training mean deviance and cross-validated mean deviance (± se) at every alpha of ``path``
    (``progress``: the CV's bar, as :meth:`PathResult.cv`)."""
    if not isinstance(path, PathResult):
        raise InvalidParameterError(
            f"validation_curve needs a regularization path (gg.glm_path(...)), got a {type(path).__name__}."
        )
    result = path.cv(folds=folds, seed=seed, n_jobs=n_jobs, progress=progress)
    table = pd.DataFrame({
        "alpha": path.alphas,
        "df": path.df,
        "train_mean_deviance": path.deviance / path.weight_sum,
        "cv_mean_deviance": result.mean_deviance,
        "cv_se": result.se,
    })
    return ValidationCurveResult(table=table, alpha_min=result.alpha_min, alpha_1se=result.alpha_1se)
