"""Formula-level entry points named in the public contract (``API.md``)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import patsy

from ._validation import first_bad, quoted, suggestion
from .design import DesignMatrix, DesignSpec, VariableInput, build_design, data_warnings
from .errors import DataError, DataWarning, DroppedRowsWarning, InvalidParameterError
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
    safe: bool = False,
) -> GLMResult:
    """Fit a generalized linear model from a formula.

    Parameters
    ----------
    formula : str
        patsy formula; ``y ~ .`` uses every other column, ``cbind(s, f) ~ ...``
        gives binomial counts. A formula is Python code evaluated in your
        session: never pass a formula from an untrusted source without
        ``safe=True``.
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
    safe : bool
        Before evaluating anything, check every expression of the formula and
        of ``weights``/``offset``/... against an allow-list (data columns,
        numbers, operators, patsy's ``C``/``I``/``Q``/transforms/contrasts,
        NumPy's elementwise maths) and raise :class:`UnsafeFormulaError`
        otherwise. Use it for formulas written by someone else.

    Returns
    -------
    GLMResult
    """
    resolved_family, resolved_link = resolve_family(family, link)
    control = IRLSControl(tol=_positive("tol", tol), max_iter=_count("max_iter", max_iter, 1))
    alpha = _non_negative("alpha", alpha)
    l1_ratio = _l1_ratio(l1_ratio)
    penalty_factor = _penalty_factor(penalty_factor)
    standardize = _flag("standardize", standardize)
    spec, design = build_design(
        formula, data, weights=weights, freq_weights=freq_weights, offset=offset, exposure=exposure,
        na_action=na_action, eval_env=patsy.EvalEnvironment.capture(1), safe=_flag("safe", safe),
    )
    notices = _data_notices(spec, design, data, resolved_family, penalized=alpha > 0)
    if alpha > 0:
        result = fit_penalized_at(spec, design, resolved_family, resolved_link, alpha=alpha, l1_ratio=l1_ratio,
                                  penalty_factor=penalty_factor, standardize=standardize,
                                  control=CDControl.from_tol(control.tol, control.max_iter), stacklevel=2)
    else:
        result = fit_unpenalized(spec, design, resolved_family, resolved_link, control=control, stacklevel=2)
    return replace(result, warnings=emit(notices, 2) + result.warnings) if notices else result


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
    safe: bool = False,
) -> PathResult:
    """Fit a penalized GLM along a decreasing grid of alphas (a regularization path).

    The grid starts at ``alpha_max``, the smallest alpha with every penalized
    coefficient zero, and runs ``n_alphas`` log-spaced steps down to
    ``alpha_min_ratio * alpha_max`` (default 1e-4 when n > p, else 1e-2, as
    glmnet), stopping early like glmnet when the deviance ratio stops
    changing; or it is the user's ``alphas``, fitted in full. Other arguments
    (``safe``: check the formula against the allow-list first) as :func:`glm`.
    A formula is Python code evaluated in your session: never pass a formula
    from an untrusted source without ``safe=True``.
    """
    resolved_family, resolved_link = resolve_family(family, link)
    l1_ratio = _l1_ratio(l1_ratio)
    if alphas is not None:
        alphas = _alpha_grid(alphas)
    n_alphas = _count("n_alphas", n_alphas, 1)
    penalty_factor = _penalty_factor(penalty_factor)
    standardize = _flag("standardize", standardize)
    if alpha_min_ratio is not None:
        alpha_min_ratio = _number("alpha_min_ratio", alpha_min_ratio)
        if not 0 < alpha_min_ratio < 1:
            raise InvalidParameterError(f"alpha_min_ratio={alpha_min_ratio!r} must be in (0, 1).")
    variables = {"weights": weights, "freq_weights": freq_weights, "offset": offset, "exposure": exposure}
    spec, design = build_design(formula, data, **variables, na_action=na_action,
                                eval_env=patsy.EvalEnvironment.capture(1), safe=_flag("safe", safe))
    problem, penalty = prepare_penalized(spec, design, resolved_family, resolved_link, l1_ratio=l1_ratio,
                                         penalty_factor=penalty_factor, standardize=standardize)
    notices = _data_notices(spec, design, data, resolved_family, penalized=True)
    if design.dropped_message:
        notices.append(Notice(DroppedRowsWarning, f"dropped {design.dropped_message}."))
    path, path_notices = fit_path(problem, penalty, alphas=alphas, n_alphas=n_alphas,
                                  alpha_min_ratio=alpha_min_ratio)
    fit_kwargs = dict(family=resolved_family, link=resolved_link, l1_ratio=l1_ratio, penalty_factor=penalty_factor,
                      standardize=standardize, na_action=na_action, safe=spec.safe, **variables)
    return build_path_result(spec, design, problem, penalty, path, data=data, fit_kwargs=fit_kwargs,
                             standardize=standardize, penalty_factor=penalty_factor,
                             warnings=emit(notices + path_notices, 2))


def _data_notices(
    spec: DesignSpec, design: DesignMatrix, data: Any, family: Family, *, penalized: bool
) -> list[Notice]:
    """DataWarnings about suspicious model columns and responses (``data`` as given: a dict is read as a
    DataFrame). The response check is R's ``glm``'s: penalized fits (glmnet's objective, weights
    normalised to sum to n) do not read prior weights as counts, so they skip it."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    messages = data_warnings(spec, design, frame)
    response = (family.response_warning(design.y, design.weights, spec.response.label)
                if design.y is not None and not penalized else None)
    return [Notice(DataWarning, message) for message in messages + ([response] if response else [])]


def _number(name: str, value: Any) -> float:
    """``value`` as a float if it is a real number (Python or NumPy scalar, not a bool), else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(
            f"{name}={value!r} must be a number, got {type(value).__name__}; pass a Python or NumPy int or "
            "float (not text or a bool)."
        )
    return float(value)


def _count(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int if it is a whole number >= ``minimum`` (Python or NumPy scalar), else raise."""
    number = _number(name, value)
    if not (number.is_integer() and number >= minimum):
        raise InvalidParameterError(f"{name}={value!r} must be a whole number >= {minimum}.")
    return int(number)


def _l1_ratio(value: Any) -> float:
    l1_ratio = _number("l1_ratio", value)
    if not 0.0 <= l1_ratio <= 1.0:
        raise InvalidParameterError(f"l1_ratio={value!r} must be in [0, 1] (0 = ridge, 1 = lasso).")
    return l1_ratio


def _positive(name: str, value: Any) -> float:
    number = _number(name, value)
    if not (math.isfinite(number) and number > 0):
        raise InvalidParameterError(f"{name}={value!r} must be a positive number.")
    return number


def _non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if not (math.isfinite(number) and number >= 0):
        raise InvalidParameterError(f"{name}={value!r} must be a finite number >= 0.")
    return number


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name}={value!r} must be True or False, got {type(value).__name__}.")
    return bool(value)


def _alpha_grid(alphas: Any) -> np.ndarray:
    """A user's alphas as a float array, refusing text, bools and non-positive values."""
    values = np.asarray(alphas)
    if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iuf":
        raise InvalidParameterError(
            f"alphas={alphas!r} must be a non-empty list of positive numbers, e.g. alphas=[1.0, 0.1, 0.01]."
        )
    values = values.astype(float)
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise InvalidParameterError(f"alphas={alphas!r} must all be positive and finite.")
    return values


def _penalty_factor(penalty_factor: Any) -> dict[str, float] | None:
    """``penalty_factor`` with each value as a float (NumPy scalars accepted; text and bools refused)."""
    if penalty_factor is None:
        return None
    if not isinstance(penalty_factor, dict):
        raise InvalidParameterError(
            f"penalty_factor must be a dict of column or term name -> factor, got {type(penalty_factor).__name__}."
        )
    return {key: _number(f"penalty_factor[{key!r}]", value) for key, value in penalty_factor.items()}


def split(
    data: pd.DataFrame, test_size: float = 0.25, seed: int = 0, stratify: str | Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random train/test split of the rows of ``data``, each part in the original row order.

    ``test_size`` is a fraction in (0, 1) or a row count. ``stratify`` (a
    column name or one label per row) keeps each class's share in both parts:
    every class contributes ``round(test_size * class size)`` test rows.
    """
    if not isinstance(data, pd.DataFrame) or len(data) < 2:
        shape = f"a DataFrame with {len(data)} rows" if isinstance(data, pd.DataFrame) else type(data).__name__
        raise DataError(f"split needs a DataFrame with at least 2 rows, got {shape}.")
    n = len(data)
    size = _number("test_size", test_size)
    fraction = size / n if isinstance(test_size, (int, np.integer)) and size >= 1 else size
    if not 0.0 < fraction < 1.0:
        raise InvalidParameterError(f"test_size={test_size!r} must be a fraction in (0, 1) or a count in [1, {n - 1}].")
    rng = np.random.default_rng(None if seed is None else _count("seed", seed, 0))
    if stratify is None:
        n_test = min(max(int(math.ceil(fraction * n)), 1), n - 1)
        test_positions = rng.permutation(n)[:n_test]
    else:
        if isinstance(stratify, str) and stratify not in data.columns:
            columns = [str(c) for c in data.columns]
            raise InvalidParameterError(
                f"stratify={stratify!r} is not a column of the data (columns: {quoted(columns[:12])}"
                f"{', ...' if len(columns) > 12 else ''}).{suggestion(stratify, columns)}"
            )
        labels = data[stratify].to_numpy() if isinstance(stratify, str) else np.asarray(stratify)
        if len(labels) != n:
            raise DataError(f"stratify has {len(labels)} labels but data has {n} rows.")
        missing = pd.isna(labels)
        if missing.any():
            count, row = first_bad(np.asarray(missing), data.index)
            raise DataError(f"stratify labels are missing for {count} rows (first: row {row}); fill them first.")
        codes, classes = pd.factorize(labels)
        sizes = np.bincount(codes)
        if sizes.min() < 2:
            raise DataError(
                f"stratify needs at least 2 rows per class, but {np.sum(sizes < 2)} of its {len(classes)} classes "
                f"have 1 row (first: {str(classes[int(np.argmin(sizes))])!r}), so they cannot be in both parts. A "
                "continuous column has one class per value: bin it first, e.g. stratify=pd.qcut(data['x'], 4)."
            )
        groups = pd.Series(np.arange(n)).groupby(codes)
        test_positions = np.concatenate([
            rng.permutation(members.to_numpy())[: int(round(fraction * len(members)))] for _, members in groups
        ])
        if not 0 < len(test_positions) < n:
            raise DataError(
                f"stratify: test_size={test_size!r} rounds to {len(test_positions)} test rows of {n} over "
                f"{len(classes)} classes (round(test_size * class size) per class); use a larger test_size or "
                "fewer classes."
            )
    is_test = np.zeros(n, dtype=bool)
    is_test[test_positions] = True
    return data[~is_test], data[is_test]


def generalization(fit: GLMResult, train: pd.DataFrame, test: pd.DataFrame) -> GeneralizationResult:
    """Training versus held-out mean deviance of ``fit``, their gap, and D^2 on both."""
    if not isinstance(fit, GLMResult):
        hint = " Pick one fit first, e.g. path.select('cv_1se')." if isinstance(fit, PathResult) else ""
        raise InvalidParameterError(f"generalization needs a fitted model (GLMResult), got {type(fit).__name__}.{hint}")
    return GeneralizationResult(train=fit.evaluate(train), test=fit.evaluate(test))
