"""Formula-level entry points named in the public contract (``API.md``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import patsy

from ._validation import first_bad
from .design import VariableInput, build_design
from .errors import DataError, DroppedRowsWarning, InvalidParameterError
from .families import Family, resolve_family
from .fitting import emit, fit_penalized_at, fit_unpenalized, prepare_penalized
from .links import Link
from .metrics import GeneralizationResult
from .path import fit_path
from .path_result import PathResult, build_path_result
from .penalized import CDControl
from .results import GLMResult
from .solvers import IRLSControl, Notice


def glm(
    formula: str,
    data: pd.DataFrame,
    family: str | Family | Any = "gaussian",
    *,
    link: str | Link | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    alpha: float = 0.0,
    l1_ratio: float = 0.0,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    tol: float = 1e-8,
    max_iter: int = 100,
) -> GLMResult:
    """Fit a generalized linear model from a formula.

    Parameters
    ----------
    formula : str
        patsy formula; ``y ~ .`` uses every other column, ``cbind(s, f) ~ ...``
        gives binomial counts.
    data : DataFrame
    family : {"gaussian", "binomial", "poisson"} or a family object
        Canonical link unless ``link`` says otherwise.
    weights, freq_weights, offset, exposure
        Column name, expression (``"np.log(km)"``) or array. ``weights`` are
        prior (variance) weights as in R; ``freq_weights`` are row counts.
    alpha, l1_ratio, penalty_factor, standardize
        Elastic-net penalty ``alpha (l1_ratio |b|_1 + (1 - l1_ratio)/2 |b|_2^2)``
        added to ``deviance / (2 n)``; ``alpha=0`` (default) is unpenalized.
    na_action : {"drop", "raise"}
        Rows with NA in a model column are dropped with a warning, or refused.
    tol, max_iter
        IRLS stops when ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's rule and
        default), and for non-canonical links also once the coefficients settle.
        Penalized fits stop when the penalized objective changes by less than
        ``tol`` (relative), with coordinate descent solved to ``tol * 1e-4``.

    Returns
    -------
    GLMResult
    """
    resolved_family, resolved_link = resolve_family(family, link)
    control = IRLSControl(tol=_positive("tol", tol), max_iter=int(_positive("max_iter", max_iter)))
    alpha = _non_negative("alpha", alpha)
    _check_l1_ratio(l1_ratio)
    spec, design = build_design(
        formula, data, weights=weights, freq_weights=freq_weights, offset=offset, exposure=exposure,
        na_action=na_action, eval_env=patsy.EvalEnvironment.capture(1),
    )
    if alpha > 0:
        return fit_penalized_at(spec, design, resolved_family, resolved_link, alpha=alpha, l1_ratio=l1_ratio,
                                penalty_factor=penalty_factor, standardize=standardize,
                                control=CDControl.from_tol(control.tol, control.max_iter), stacklevel=2)
    return fit_unpenalized(spec, design, resolved_family, resolved_link, control=control, stacklevel=2)


def glm_path(
    formula: str,
    data: pd.DataFrame,
    family: str | Family | Any = "gaussian",
    *,
    link: str | Link | None = None,
    l1_ratio: float = 1.0,
    alphas: Any = None,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
) -> PathResult:
    """Fit a penalized GLM along a decreasing grid of alphas (a regularization path).

    The grid starts at ``alpha_max``, the smallest alpha with every penalized
    coefficient zero, and runs ``n_alphas`` log-spaced steps down to
    ``alpha_min_ratio * alpha_max`` (default 1e-4 when n > p, else 1e-2, as
    glmnet), stopping early like glmnet when the deviance ratio stops
    changing; or it is the user's ``alphas``, fitted in full. Other arguments
    as :func:`glm`.
    """
    resolved_family, resolved_link = resolve_family(family, link)
    _check_l1_ratio(l1_ratio)
    if alphas is not None:
        alphas = np.asarray(alphas, dtype=float)
        if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
            raise InvalidParameterError("alphas must be a non-empty list of positive numbers.")
    if int(n_alphas) < 1:
        raise InvalidParameterError(f"n_alphas={n_alphas!r} must be at least 1.")
    if alpha_min_ratio is not None and not 0 < float(alpha_min_ratio) < 1:
        raise InvalidParameterError(f"alpha_min_ratio={alpha_min_ratio!r} must be in (0, 1).")
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    spec, design = build_design(formula, data, **variables, na_action=na_action,
                                eval_env=patsy.EvalEnvironment.capture(1))
    problem, penalty = prepare_penalized(spec, design, resolved_family, resolved_link, l1_ratio=l1_ratio,
                                         penalty_factor=penalty_factor, standardize=standardize)
    notices: list[Notice] = []
    if design.dropped_message:
        notices.append(Notice(DroppedRowsWarning, f"dropped {design.dropped_message}."))
    path, path_notices = fit_path(problem, penalty, alphas=alphas, n_alphas=int(n_alphas),
                                  alpha_min_ratio=alpha_min_ratio)
    fit_kwargs = dict(family=resolved_family, link=resolved_link, l1_ratio=float(l1_ratio),
                      penalty_factor=penalty_factor, standardize=standardize, na_action=na_action, **variables)
    return build_path_result(spec, design, problem, penalty, path, data=data, fit_kwargs=fit_kwargs,
                             standardize=standardize, penalty_factor=penalty_factor,
                             warnings=emit(notices + path_notices, 2))


def _check_l1_ratio(l1_ratio: float) -> None:
    if not (isinstance(l1_ratio, (int, float, np.floating)) and 0.0 <= float(l1_ratio) <= 1.0):
        raise InvalidParameterError(f"l1_ratio={l1_ratio!r} must be in [0, 1] (0 = ridge, 1 = lasso).")


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InvalidParameterError(f"{name}={value!r} must be a positive number.")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value >= 0):
        raise InvalidParameterError(f"{name}={value!r} must be a finite number >= 0.")
    return float(value)


def split(
    data: pd.DataFrame, test_size: float = 0.25, seed: int = 0, stratify: str | Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random train/test split of the rows of ``data``, each part in the original row order.

    ``test_size`` is a fraction in (0, 1) or a row count. ``stratify`` (a
    column name or one label per row) keeps each class's share in both parts:
    every class contributes ``round(test_size * class size)`` test rows.
    """
    if not isinstance(data, pd.DataFrame) or len(data) < 2:
        raise DataError("split needs a DataFrame with at least 2 rows.")
    n = len(data)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool) and test_size >= 1:
        fraction = float(test_size) / n
    else:
        fraction = float(test_size)
    if not 0.0 < fraction < 1.0:
        raise InvalidParameterError(f"test_size={test_size!r} must be a fraction in (0, 1) or a count in [1, {n - 1}].")
    rng = np.random.default_rng(seed)
    if stratify is None:
        n_test = min(max(int(math.ceil(fraction * n)), 1), n - 1)
        test_positions = rng.permutation(n)[:n_test]
    else:
        labels = data[stratify].to_numpy() if isinstance(stratify, str) else np.asarray(stratify)
        if len(labels) != n:
            raise DataError(f"stratify has {len(labels)} labels but data has {n} rows.")
        missing = pd.isna(labels)
        if missing.any():
            count, row = first_bad(np.asarray(missing), data.index)
            raise DataError(f"stratify labels are missing for {count} rows (first: row {row}); fill them first.")
        groups = pd.Series(np.arange(n)).groupby(pd.factorize(labels)[0])
        test_positions = np.concatenate([
            rng.permutation(members.to_numpy())[: int(round(fraction * len(members)))] for _, members in groups
        ])
    is_test = np.zeros(n, dtype=bool)
    is_test[test_positions] = True
    return data[~is_test], data[is_test]


def generalization(fit: GLMResult, train: pd.DataFrame, test: pd.DataFrame) -> GeneralizationResult:
    """Training versus held-out mean deviance of ``fit``, their gap, and D^2 on both."""
    return GeneralizationResult(train=fit.evaluate(train), test=fit.evaluate(test))
