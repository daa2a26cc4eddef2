"""scikit-learn estimators over glmgen's solvers: arrays in, the same objective as scikit-learn out.

:class:`GLMRegressor` (gaussian or poisson, any link the family allows),
:class:`GLMClassifier` (binomial, two classes) and their cross-validated
counterparts :class:`GLMRegressorCV` and :class:`GLMClassifierCV`, which
choose ``alpha`` along a regularization path. All four pass
``sklearn.utils.estimator_checks`` (the unpenalized classifier excepted on the
sample-weight check whose data are separable, see
``tests/test_sklearn_compat.py``) and work in ``Pipeline``, ``GridSearchCV``
and ``cross_validate``. ``fit``, ``predict`` and ``score`` take an ``offset``;
with metadata routing on, ``set_fit_request(offset=True)`` routes it.

Objective
---------
With prior weights ``s_i`` (``sample_weight``, default 1), ``W = sum_i s_i``,
the family's unit deviance ``d`` and ``mu_i = g^{-1}(offset_i + b0 + x_i'b)``,
the estimators minimise

.. math::

    \\frac{1}{2W} \\sum_i s_i\\, d(y_i, \\mu_i)
    + \\alpha \\sum_j \\Big( \\rho\\, \\sigma_j |b_j| + \\frac{1 - \\rho}{2} \\sigma_j^2 b_j^2 \\Big)

with ``alpha`` the penalty strength, ``rho = l1_ratio``, and the intercept
never penalized. ``sigma_j = 1`` by default (``standardize=False``); with
``standardize=True`` it is the weighted 1/n standard deviation of column
``j`` (glmnet's convention: the penalty acts on standardized coefficients,
which are reported on the original scale). ``alpha=0`` is solved by IRLS
(R's ``glm``); ``alpha > 0`` by penalized IRLS with coordinate descent.

Because the weights are normalised by ``W``, an integer weight is the same
as repeating the row, and scaling all weights changes nothing.

Relation to scikit-learn's estimators (``standardize=False``, same ``alpha``):

==========================================  ===========================================================
glmgen                                      scikit-learn
==========================================  ===========================================================
``GLMRegressor(alpha=a, l1_ratio=r)``       ``ElasticNet(alpha=a, l1_ratio=r)`` (``alpha=0``: ``LinearRegression``)
``GLMRegressor("poisson", alpha=a)``        ``PoissonRegressor(alpha=a)`` (L2 only there)
``GLMClassifier(alpha=a, l1_ratio=r)``      ``LogisticRegression(C=1 / (a * W), l1_ratio=r)``
==========================================  ===========================================================

``standardize`` defaults to ``False`` here, unlike :func:`glmgen.glm` and
:func:`glmgen.glm_path` (``True``, glmnet's default): scikit-learn's own
linear models penalize the raw coefficients, and users of a scikit-learn
estimator expect scikit-learn's objective. Put a ``StandardScaler`` in the
pipeline, or pass ``standardize=True``, to penalize standardized columns.

Warnings (convergence, separation, aliased columns) are glmgen's warning
classes (subclasses of :class:`glmgen.GLMGenWarning`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from .cv import make_fold_ids
from ._validation import suggestion
from .errors import AliasedColumnsWarning, DataError, DomainWarning, GlmgenError, InvalidParameterError
from .families import Family, resolve_family
from .fitting import column_scales, emit
from .links import Link
from .metrics import d_squared
from .path import PathFit, default_alpha_min_ratio, fit_path
from .penalized import CDControl
from .penalties import Penalty
from .solvers import GLMProblem, IRLSControl, Notice, SolverOutput, irls

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["GLMClassifier", "GLMClassifierCV", "GLMRegressor", "GLMRegressorCV"]

#: criteria the CV estimators accept
CRITERIA = ("cv", "cv_1se", "aic", "bic", "aicc", "ebic")
#: gamma of the extended BIC (Chen and Chen 2008), as :meth:`glmgen.PathResult.extended_bic`
EBIC_GAMMA = 0.5


# ----------------------------------------------------------------------------- validation


@contextmanager
def _data_errors(what: str) -> Iterator[None]:
    """Re-raise scikit-learn's input-validation ``ValueError`` about ``what`` as :class:`DataError`.

    The text is scikit-learn's (which its estimator checks match), prefixed with
    ``what`` and joined into one paragraph.
    """
    try:
        yield
    except ValueError as exc:
        if isinstance(exc, GlmgenError):
            raise
        raise DataError(f"{what}: {' '.join(str(exc).split())}") from None


def _check_number(
    name: str, value: Any, low: float, high: float = math.inf, *, low_closed: bool = True, integer: bool = False
) -> float:
    """``value`` as a number in ``[low, high]`` (``(low, high]`` without ``low_closed``), else raise."""
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value >= low if low_closed else value > low) and value <= high
    if not ok:
        bound = f"{'>=' if low_closed else '>'} {low:g}" + (f" and <= {high:g}" if math.isfinite(high) else "")
        raise InvalidParameterError(
            f"{name}={value!r} must be {'an integer' if integer else 'a finite number'} {bound}."
        )
    return float(value)


def _check_sample_weight(sample_weight: Any, n_samples: int) -> FloatArray:
    """Prior weights ``(n_samples,)``: finite, non-negative, not all zero; ``None`` gives ones."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        weights = np.full(n_samples, float(sample_weight))  # type: ignore[arg-type]
    else:
        with _data_errors("sample_weight"):
            weights = check_array(sample_weight, ensure_2d=False, dtype=np.float64, copy=True,
                                  input_name="sample_weight", ensure_all_finite=False)
        if weights.shape != (n_samples,):
            raise DataError(
                f"sample_weight must have shape ({n_samples},), one weight per row of X, but has shape "
                f"{weights.shape}. Pass a 1-D array of length {n_samples}."
            )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        raise DataError(
            f"sample_weight must be finite and >= 0, but {bad.size} value{'s are' if bad.size > 1 else ' is'} not "
            f"(first: row {bad[0]}, value {weights[bad[0]]}). Fix or drop those rows."
        )
    if not np.any(weights > 0):
        raise DataError(
            f"all {n_samples} rows have zero sample_weight, so there is nothing to fit. "
            "Give at least one row a positive weight."
        )
    return weights


def _check_offset(offset: Any, n_samples: int) -> FloatArray:
    """Offset ``(n_samples,)`` on the linear-predictor scale; ``None`` gives zeros, a scalar is repeated."""
    if offset is None:
        return np.zeros(n_samples)
    if isinstance(offset, numbers.Number):
        return np.full(n_samples, float(offset))  # type: ignore[arg-type]
    with _data_errors("offset"):
        values = check_array(offset, ensure_2d=False, dtype=np.float64, copy=True, input_name="offset")
    if values.shape != (n_samples,):
        raise DataError(
            f"offset must have shape ({n_samples},), one value per row of X, but has shape {values.shape}. "
            "Pass a 1-D array on the scale of the linear predictor (e.g. log(exposure) for the log link)."
        )
    return values


def _writeable(X: FloatArray) -> FloatArray:
    """``X`` itself, or a Fortran-ordered copy when it is read-only (e.g. a memory map)."""
    return X if X.flags.writeable else np.array(X, order="F")


def _column_label(j: int, feature_names: npt.NDArray[Any] | None) -> str:
    return repr(str(feature_names[j])) if feature_names is not None else f"x{j}"


def _aliased_notice(
    aliased: npt.NDArray[np.bool_], feature_names: npt.NDArray[Any] | None, fit_intercept: bool
) -> Notice:
    columns = np.flatnonzero(aliased)
    labels = ", ".join(_column_label(j, feature_names) for j in columns[:10])
    more = f", ... {columns.size} in total" if columns.size > 10 else ""
    plural = columns.size > 1
    return Notice(
        AliasedColumnsWarning,
        f"{columns.size} column{'s' if plural else ''} of X {'are' if plural else 'is'} a linear combination of "
        f"earlier columns{' and the intercept' if fit_intercept else ''} ({labels}{more}); "
        f"{'their coefficients are' if plural else 'its coefficient is'} set to 0 in coef_ (R reports NA). "
        "Remove the redundant columns, or use alpha > 0, to silence this warning.",
    )


# ----------------------------------------------------------------------------- fitting with arrays


def _controls(max_iter: int, tol: float) -> tuple[IRLSControl, CDControl]:
    """IRLS settings for ``alpha=0`` and penalized-solver settings (inner tolerance 100x tighter)."""
    return (IRLSControl(tol=tol, coef_tol=tol, max_iter=max_iter),
            CDControl(tol=tol, inner_tol=tol * 1e-2, max_iter=max_iter))


def _template_penalty(problem: GLMProblem, l1_ratio: float, standardize: bool) -> Penalty:
    """Penalty with every column penalized (factor 1), column scales from ``standardize``; alpha unset."""
    p = problem.X.shape[1]
    return Penalty(alpha=0.0, l1_ratio=l1_ratio, factors=np.ones(p), scales=column_scales(problem, standardize))


def _fit_at_alpha(
    problem: GLMProblem, alpha: float, l1_ratio: float, standardize: bool, max_iter: int, tol: float,
    feature_names: npt.NDArray[Any] | None,
) -> tuple[SolverOutput, list[Notice]]:
    """One fit: IRLS when ``alpha == 0``, else the penalized solver started from the null model.

    The penalized fit is :func:`glmgen.path.fit_path` on the one-point grid
    ``[alpha]``, as :func:`glmgen.fitting.fit_penalized_at` does.
    """
    irls_control, cd_control = _controls(max_iter, tol)
    if alpha == 0.0:
        output = irls(problem, control=irls_control)
        notices = ([_aliased_notice(output.aliased, feature_names, problem.fit_intercept)]
                   if output.aliased.any() else [])
        return output, notices + list(output.notices)
    path, notices = fit_path(problem, _template_penalty(problem, l1_ratio, standardize),
                             alphas=np.array([alpha]), control=cd_control)
    return path.outputs[0], notices


def _fold_deviances(
    problem: GLMProblem, penalty: Penalty, standardize: bool, grid: FloatArray,
    splits: list[tuple[IntArray, IntArray]], control: CDControl,
) -> tuple[FloatArray, FloatArray]:
    """Held-out weighted mean deviance ``(K, k)`` at each alpha of ``grid`` and each fold's weight ``(K,)``.

    Each fold refits the whole grid on its training rows, with the column
    scales (``standardize=True``) re-learned on those rows.
    """
    family, link = problem.family, problem.link
    deviances = np.full((len(splits), grid.size), np.nan)
    fold_weights = np.zeros(len(splits))
    for k, (train, test) in enumerate(splits):
        weights_test = problem.weights[test]
        fold_weights[k] = weights_test.sum()
        if fold_weights[k] <= 0:
            continue  # a fold without weight says nothing about held-out fit
        sub = GLMProblem(
            X=problem.X[train], y=problem.y[train], weights=problem.weights[train], offset=problem.offset[train],
            family=family, link=link, fit_intercept=problem.fit_intercept,
        )
        if not np.any(sub.weights > 0):
            raise DataError(
                f"cross-validation fold {k} has no training row with positive sample_weight. "
                "Use fewer folds, or another cv splitter."
            )
        fold_penalty = Penalty(0.0, penalty.l1_ratio, penalty.factors, column_scales(sub, standardize))
        fold_path, _ = fit_path(sub, fold_penalty, alphas=grid, control=control)
        eta = problem.offset[test, None] + fold_path.intercepts[None, :] + problem.X[test] @ fold_path.coefs.T
        mu = link.inverse(eta)
        deviances[k] = [family.deviance(problem.y[test], mu[:, j], weights_test) / fold_weights[k]
                        for j in range(grid.size)]
    return deviances, fold_weights


def _cv_summary(deviances: FloatArray, fold_weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``cv.glmnet``'s fold-weighted mean and standard error of the held-out mean deviance."""
    used = fold_weights > 0
    deviances, fold_weights = deviances[used], fold_weights[used]
    total = fold_weights.sum()
    mean = fold_weights @ deviances / total
    n_folds = deviances.shape[0]
    if n_folds < 2:
        return mean, np.full_like(mean, np.nan)
    se = np.sqrt(fold_weights @ np.square(deviances - mean) / total / (n_folds - 1))
    return mean, se


def _information_criterion(problem: GLMProblem, path: PathFit, criterion: str) -> FloatArray:
    """AIC, BIC, AICc or EBIC at each alpha of the path.

    ``k`` = non-zero coefficients (glmnet's df) + intercept + 1 for an
    estimated dispersion. The log-likelihood treats the prior weights as
    frequency weights (``family.log_likelihood(y, mu, 1, 1, weights)``), so a
    weight of 2 counts as a repeated row and ``n = sum(weights)`` in BIC;
    R's prior-weight log-likelihood would round non-integer binomial weights.
    EBIC adds ``2 gamma log C(p, df)`` with ``gamma = EBIC_GAMMA``.
    """
    family = problem.family
    n_rows = problem.y.size
    weights = problem.weights
    nobs = float(weights.sum())
    coefs = path.coefs
    df = np.count_nonzero(coefs, axis=1).astype(float)
    k = df + float(problem.fit_intercept) + float(family.estimates_dispersion)
    loglik = np.array([family.log_likelihood(problem.y, output.mu, np.ones(n_rows), np.ones(n_rows), weights)
                       for output in path.outputs])
    if criterion == "aic":
        return -2.0 * loglik + 2.0 * k
    if criterion == "aicc":
        aic = -2.0 * loglik + 2.0 * k
        denominator = nobs - k - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, aic + 2.0 * k * (k + 1.0) / denominator, np.inf)
    bic = -2.0 * loglik + k * math.log(nobs)
    if criterion == "bic":
        return bic
    p = coefs.shape[1]
    log_choose = special.gammaln(p + 1) - special.gammaln(df + 1) - special.gammaln(p - df + 1)
    return bic + 2.0 * EBIC_GAMMA * log_choose


def _generator(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise InvalidParameterError(
        f"random_state={random_state!r} must be None, an int, a numpy Generator or a RandomState."
    )


# ----------------------------------------------------------------------------- shared estimator code


class _GLMBase(BaseEstimator):
    """Validation, problem building, result storage and the linear predictor shared by all four estimators."""

    # parameters every estimator has (set by the subclasses' __init__)
    link: Any
    l1_ratio: float
    standardize: bool
    fit_intercept: bool
    max_iter: int
    tol: float
    _family_name: str | None = None  # fixed family of the classifiers

    def _resolve(self) -> tuple[Family, Link]:
        return resolve_family(self._family_name or getattr(self, "family"), self.link)

    def _check_common(self) -> None:
        _check_number("max_iter", self.max_iter, 1, integer=True)
        _check_number("tol", self.tol, 0.0, low_closed=False)
        _check_number("l1_ratio", self.l1_ratio, 0.0, 1.0)
        for name in ("standardize", "fit_intercept"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InvalidParameterError(f"{name}={getattr(self, name)!r} must be True or False.")

    def _problem(
        self, X: FloatArray, y: FloatArray, sample_weight: Any, offset: Any, family: Family, link: Link
    ) -> GLMProblem:
        n = X.shape[0]
        family.check_y(y, None, "y")
        return GLMProblem(
            X=_writeable(X), y=y, weights=_check_sample_weight(sample_weight, n), offset=_check_offset(offset, n),
            family=family, link=link, fit_intercept=bool(self.fit_intercept),
        )

    def _store(self, family: Family, link: Link, output: SolverOutput, notices: list[Notice]) -> None:
        self.family_ = family
        self.link_ = link
        self.coef_ = np.nan_to_num(output.coef, nan=0.0)
        self.intercept_ = float(output.intercept)
        self.n_iter_ = int(output.n_iter)
        self.result_ = output
        emit(notices, stacklevel=4)

    def _linear_predictor(self, X: Any, offset: Any) -> FloatArray:
        check_is_fitted(self)
        with _data_errors("X"):
            X = validate_data(self, X, reset=False, dtype=np.float64)
        return _check_offset(offset, X.shape[0]) + X @ self.coef_ + self.intercept_

    def _feature_names(self) -> npt.NDArray[Any] | None:
        return getattr(self, "feature_names_in_", None)


class _RegressorBase(RegressorMixin, _GLMBase):
    """``predict`` and the D^2 ``score`` of the two regressors."""

    def _check_regressor_family(self) -> tuple[Family, Link]:
        family, link = self._resolve()
        if family.name not in ("gaussian", "poisson"):
            raise InvalidParameterError(
                f"{type(self).__name__} fits family='gaussian' or 'poisson', not {family.name!r}; "
                "use GLMClassifier for a binary response."
            )
        return family, link

    def _validate_xy(self, X: Any, y: Any) -> tuple[FloatArray, FloatArray]:
        with _data_errors("X, y"):
            X, y = validate_data(self, X, y, dtype=np.float64, order="F", y_numeric=True)
            return X, np.asarray(y, dtype=np.float64)

    def predict(self, X: Any, offset: Any = None) -> FloatArray:
        """Predicted mean ``mu = g^{-1}(offset + b0 + X b)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,) or float, optional
            Added to the linear predictor, e.g. ``log(exposure)`` for a
            poisson rate model with the log link.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._linear_predictor(X, offset)  # checks that the model is fitted
        return self.link_.inverse(eta)

    def score(self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None) -> float:
        """D^2, the fraction of deviance explained, as scikit-learn's ``PoissonRegressor.score``.

        ``D^2 = 1 - D(y, mu) / D(y, ybar)`` with the family's deviance ``D``
        weighted by ``sample_weight`` and ``ybar`` the weighted mean of the
        scored ``y`` (the intercept-only model of the scored data, without
        offset). For the gaussian family this is R^2. It is 1 for a perfect
        fit, can be negative, and is NaN when ``y`` is constant.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        float
        """
        mu = self.predict(X, offset=offset)
        with _data_errors("y"):
            y = column_or_1d(check_array(y, ensure_2d=False, dtype=np.float64, input_name="y"))
        if y.shape != mu.shape:
            raise DataError(f"y has {y.size} values but X has {mu.size} rows; pass one response per row.")
        weights = _check_sample_weight(sample_weight, y.size)
        self.family_.check_y(y, None, "y")
        null_mu = np.full_like(y, float(np.average(y, weights=weights)))
        return d_squared(self.family_.deviance(y, mu, weights), self.family_.deviance(y, null_mu, weights))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        try:
            family, link = self._resolve()
        except (ValueError, TypeError):
            return tags  # invalid parameters are reported by fit
        # poisson needs y >= 0; IRLS starts gaussian fits with a log or inverse link at mu = y (as R does)
        tags.target_tags.positive_only = family.name == "poisson" or link.name != "identity"
        return tags


class _ClassifierBase(ClassifierMixin, _GLMBase):
    """Label encoding, ``decision_function``, ``predict_proba`` and ``predict`` of the two classifiers.

    ``score`` is scikit-learn's accuracy (``ClassifierMixin.score``), so that
    ``GridSearchCV`` and ``cross_validate`` behave as with any scikit-learn
    classifier; use ``scoring="neg_log_loss"`` to compare deviances.
    """

    _family_name = "binomial"

    def _validate_xy(self, X: Any, y: Any, sample_weight: Any) -> tuple[FloatArray, FloatArray]:
        with _data_errors("X, y"):
            X, y = validate_data(self, X, y, dtype=np.float64, order="F")
        with _data_errors("y"):
            check_classification_targets(y)
            y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise DataError(
                f"Only binary classification is supported. The type of the target is {y_type} "
                f"({np.unique(y).size} classes); {type(self).__name__} fits a binomial GLM for two classes. "
                "Use one-vs-rest (sklearn.multiclass.OneVsRestClassifier) for more."
            )
        classes = np.unique(y)
        if classes.size < 2:
            raise DataError(
                f"{type(self).__name__} needs samples of 2 classes, but y has only one class ({classes[0]!r})."
            )
        weights = _check_sample_weight(sample_weight, X.shape[0])
        weighted = np.unique(y[weights > 0])
        if weighted.size < 2:
            raise DataError(
                f"{type(self).__name__} needs samples of 2 classes with positive sample_weight, but only class "
                f"{weighted[0]!r} has any. Give rows of both classes a positive weight."
            )
        self.classes_ = classes
        return X, (y == classes[1]).astype(np.float64)

    def decision_function(self, X: Any, offset: Any = None) -> FloatArray:
        """Log-odds of ``classes_[1]``; positive values predict ``classes_[1]``.

        For the logit link this is the linear predictor
        ``offset + b0 + X b``; for other links it is ``logit(mu)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._linear_predictor(X, offset)
        if self.link_.name == "logit":
            return eta
        mu = self._probability(eta)
        with np.errstate(divide="ignore"):
            return np.log(mu) - np.log1p(-mu)

    def _probability(self, eta: FloatArray) -> FloatArray:
        mu = self.link_.inverse(eta)
        outside = (mu < 0) | (mu > 1)
        if outside.any():  # only the log link can leave [0, 1], on new data
            warnings.warn(
                f"{int(outside.sum())} predicted probabilities of link={self.link_.name!r} fall outside [0, 1] "
                f"(first: row {np.flatnonzero(outside)[0]}, {mu[outside][0]:.4g}) and were clipped to [0, 1].",
                DomainWarning, stacklevel=3,
            )
            mu = np.clip(mu, 0.0, 1.0)
        return mu

    def predict_proba(self, X: Any, offset: Any = None) -> FloatArray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        mu = self._probability(self._linear_predictor(X, offset))
        return np.column_stack([1.0 - mu, mu])

    def predict_log_proba(self, X: Any, offset: Any = None) -> FloatArray:
        """Logarithm of :meth:`predict_proba`, shape ``(n_samples, 2)``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, offset=offset))

    def predict(self, X: Any, offset: Any = None) -> npt.NDArray[Any]:
        """``classes_[1]`` where its probability exceeds 1/2, else ``classes_[0]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        positive = self.decision_function(X, offset=offset) > 0  # checks that the model is fitted
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


# ----------------------------------------------------------------------------- single-alpha estimators


class _SingleAlphaMixin(_GLMBase):
    """``fit`` at a given ``alpha``."""

    alpha: float

    def _fit_single(self, X: FloatArray, y: FloatArray, sample_weight: Any, offset: Any,
                    family: Family, link: Link) -> None:
        self._check_common()
        alpha = _check_number("alpha", self.alpha, 0.0)
        problem = self._problem(X, y, sample_weight, offset, family, link)
        output, notices = _fit_at_alpha(problem, alpha, float(self.l1_ratio), bool(self.standardize),
                                        int(self.max_iter), float(self.tol), self._feature_names())
        self._store(family, link, output, notices)


class GLMRegressor(_SingleAlphaMixin, _RegressorBase):
    """Gaussian or poisson GLM with an optional elastic-net penalty.

    Minimises ``deviance / (2 sum(sample_weight)) + penalty`` (see the module
    notes); with ``standardize=False`` (the default) the coefficients equal
    scikit-learn's ``ElasticNet`` / ``Ridge``-type and ``PoissonRegressor`` at
    the same ``alpha`` and ``l1_ratio``.

    Parameters
    ----------
    family : {"gaussian", "poisson"} or a glmgen / statsmodels family, default="gaussian"
    link : str, optional
        Link function; default the canonical link (``"identity"``, ``"log"``).
        Gaussian allows ``"identity"``, ``"log"``, ``"inverse"``; poisson
        ``"log"``, ``"identity"``, ``"sqrt"``.
    alpha : float, default=0.0
        Penalty strength; ``0`` fits the unpenalized GLM by IRLS.
    l1_ratio : float, default=0.0
        Share of the L1 part of the penalty (0: ridge, 1: lasso).
    standardize : bool, default=False
        Penalize coefficients of columns scaled to unit weighted standard
        deviation (glmnet's default); coefficients are always reported on the
        original scale. ``False`` is scikit-learn's objective.
    fit_intercept : bool, default=True
    max_iter : int, default=100
        Maximum number of IRLS iterations.
    tol : float, default=1e-8
        Convergence tolerance on the relative change of the (penalized)
        deviance, and for ``alpha=0`` also of the coefficients.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients; columns that are linear combinations of others
        (unpenalized fits only) get 0 and an :class:`~glmgen.AliasedColumnsWarning`.
    intercept_ : float
    n_iter_ : int
    family_, link_ : Family, Link
        The resolved family and link objects.
    result_ : glmgen.solvers.SolverOutput
        The solver's record (deviance, convergence, iteration history; ``coef``
        with NaN for aliased columns, as R).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from glmgen.sklearn import GLMRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([1.0, 2.0, 4.0, 9.0])
    >>> GLMRegressor(family="poisson").fit(X, y).coef_.round(3)
    array([0.748])
    """

    def __init__(
        self,
        family: Any = "gaussian",
        link: str | Link | None = None,
        *,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        standardize: bool = False,
        fit_intercept: bool = True,
        max_iter: int = 100,
        tol: float = 1e-8,
    ) -> None:
        self.family = family
        self.link = link
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None) -> GLMRegressor:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Dense numeric predictors (no intercept column).
        y : array-like of shape (n_samples,)
            Response; ``y >= 0`` for the poisson family.
        sample_weight : array-like of shape (n_samples,), optional
            Prior weights (R's ``weights``), normalised to their sum in the
            penalized objective; an integer weight equals repeating the row.
        offset : array-like of shape (n_samples,) or float, optional
            Known part of the linear predictor, e.g. ``log(exposure)``; pass
            the matching offset to :meth:`predict` and :meth:`score`.

        Returns
        -------
        self
        """
        family, link = self._check_regressor_family()
        X, y = self._validate_xy(X, y)
        self._fit_single(X, y, sample_weight, offset, family, link)
        return self


class GLMClassifier(_SingleAlphaMixin, _ClassifierBase):
    """Binomial GLM (logistic regression and its probit / cloglog / log relatives) for two classes.

    Minimises ``deviance / (2 sum(sample_weight)) + penalty`` (see the module
    notes); with ``standardize=False`` (the default) and the logit link the
    coefficients equal scikit-learn's ``LogisticRegression(C=1 / (alpha *
    sum(sample_weight)), l1_ratio=l1_ratio)``. ``classes_[1]`` is the
    "success" of the binomial model. More than two classes raise ``ValueError``.

    Parameters
    ----------
    link : {"logit", "probit", "cloglog", "log"}, default="logit"
    alpha : float, default=0.0
        Penalty strength; ``0`` fits the unpenalized GLM by IRLS (which
        diverges, with a :class:`~glmgen.SeparationWarning`, on separable data).
    l1_ratio : float, default=0.0
    standardize : bool, default=False
    fit_intercept : bool, default=True
    max_iter : int, default=100
    tol : float, default=1e-8

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    family_, link_ : Family, Link
    result_ : glmgen.solvers.SolverOutput
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Notes
    -----
    ``score`` is accuracy (scikit-learn's classifier convention), not D^2.
    """

    def __init__(
        self,
        link: str | Link = "logit",
        *,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        standardize: bool = False,
        fit_intercept: bool = True,
        max_iter: int = 100,
        tol: float = 1e-8,
    ) -> None:
        self.link = link
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None) -> GLMClassifier:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Two class labels of any type (numbers, strings, booleans).
        sample_weight : array-like of shape (n_samples,), optional
            Prior weights, normalised to their sum in the penalized objective.
        offset : array-like of shape (n_samples,) or float, optional
            Known part of the linear predictor.

        Returns
        -------
        self
        """
        family, link = self._resolve()
        X, y01 = self._validate_xy(X, y, sample_weight)
        self._fit_single(X, y01, sample_weight, offset, family, link)
        return self


# ----------------------------------------------------------------------------- cross-validated estimators


class _PathCVMixin(_GLMBase):
    """``fit`` along a path with ``alpha`` chosen by cross-validation or an information criterion."""

    alphas: Any
    n_alphas: int
    alpha_min_ratio: float | None
    cv: Any
    criterion: str
    random_state: Any

    def _fit_path_cv(self, X: FloatArray, y: FloatArray, sample_weight: Any, offset: Any,
                     family: Family, link: Link, labels: npt.NDArray[Any] | None) -> None:
        self._check_common()
        n_alphas = int(_check_number("n_alphas", self.n_alphas, 1, integer=True))
        if self.criterion not in CRITERIA:
            raise InvalidParameterError(
                f"criterion={self.criterion!r} is not one of {', '.join(map(repr, CRITERIA))}."
                f"{suggestion(str(self.criterion), CRITERIA)}"
            )
        _, cd_control = _controls(int(self.max_iter), float(self.tol))
        problem = self._problem(X, y, sample_weight, offset, family, link)
        penalty = _template_penalty(problem, float(self.l1_ratio), bool(self.standardize))
        use_cv = self.criterion in ("cv", "cv_1se")
        splits = self._splits(X, y if labels is None else labels, labels is not None) if use_cv else []
        path, notices = fit_path(problem, penalty, alphas=self._user_alphas(), n_alphas=n_alphas,
                                 alpha_min_ratio=self._alpha_min_ratio(problem), control=cd_control)
        self.cv_mean_deviance_: FloatArray | None = None
        self.cv_se_: FloatArray | None = None
        self.information_criterion_: FloatArray | None = None
        if use_cv:
            deviances, fold_weights = _fold_deviances(problem, penalty, bool(self.standardize), path.alphas, splits,
                                                      cd_control)
            mean, se = _cv_summary(deviances, fold_weights)
            best = int(np.nanargmin(mean))
            if self.criterion == "cv_1se":
                if np.isnan(se[best]):
                    raise InvalidParameterError("criterion='cv_1se' needs at least 2 folds with positive weight.")
                best = int(np.flatnonzero(mean <= mean[best] + se[best])[0])  # largest alpha: grid is decreasing
            self.cv_mean_deviance_, self.cv_se_ = mean, se
        else:
            values = _information_criterion(problem, path, self.criterion)
            best = int(np.argmin(values))
            self.information_criterion_ = values
        self.alphas_ = path.alphas
        self.alpha_ = float(path.alphas[best])
        self.coef_path_ = path.coefs
        self.intercept_path_ = path.intercepts
        self._store(family, link, path.outputs[best], notices)

    def _user_alphas(self) -> FloatArray | None:
        if self.alphas is None:
            return None
        try:
            alphas = column_or_1d(check_array(self.alphas, ensure_2d=False, dtype=np.float64, input_name="alphas"))
        except (TypeError, ValueError):
            alphas = np.array([np.nan])
        if alphas.size == 0 or not np.all(alphas >= 0):
            raise InvalidParameterError(f"alphas={self.alphas!r} must be a non-empty array of numbers >= 0.")
        return alphas

    def _alpha_min_ratio(self, problem: GLMProblem) -> float:
        """The given ratio, or glmnet's default from the rows with positive weight and the columns."""
        if self.alpha_min_ratio is None:
            return default_alpha_min_ratio(int(np.count_nonzero(problem.weights)), problem.X.shape[1])
        return _check_number("alpha_min_ratio", self.alpha_min_ratio, 0.0, 1.0, low_closed=False)

    def _splits(self, X: FloatArray, labels: npt.NDArray[Any], classifier: bool) -> list[tuple[IntArray, IntArray]]:
        cv = self.cv
        n = X.shape[0]
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise InvalidParameterError(f"cv={cv} must be at least 2 folds.")
            if n < cv:
                raise DataError(f"cv={cv} folds need at least {cv} samples, but n_samples={n}. Use fewer folds.")
            fold_ids = make_fold_ids(n, int(cv), _generator(self.random_state),
                                     stratify=labels if classifier else None)
            return [(np.flatnonzero(fold_ids != k), np.flatnonzero(fold_ids == k)) for k in range(int(cv))]
        splitter = check_cv(cv, labels, classifier=classifier)
        return [(np.asarray(train), np.asarray(test)) for train, test in splitter.split(X, labels)]


_CV_PARAMETERS = """
    l1_ratio : float, default=1.0
        Share of the L1 part of the penalty; the default is the lasso path
        (glmnet's default). ``0`` gives a ridge path whose first alpha is
        computed as glmnet does (as if ``l1_ratio`` were 1e-3).
    alphas : array-like, optional
        Grid to use (sorted decreasing); default ``n_alphas`` values from
        the smallest alpha that zeroes every coefficient down to
        ``alpha_min_ratio`` times it, stopped early as glmnet does.
    n_alphas : int, default=100
    alpha_min_ratio : float, optional
        Default 1e-4 when rows with positive weight outnumber columns, else 1e-2.
    cv : int, cross-validation splitter or iterable of (train, test), default=5
        An int gives that many random folds from ``random_state`` (stratified
        by class for the classifier).
    criterion : {"cv", "cv_1se", "aic", "bic", "aicc", "ebic"}, default="cv"
        ``"cv"``: the alpha minimising the fold-weighted mean held-out
        deviance (weighted mean unit deviance of each held-out fold, as
        ``cv.glmnet``); ``"cv_1se"``: the largest alpha within one standard
        error of that minimum. The information criteria are computed on the
        full-data path without cross-validation: ``-2 loglik + c k`` with
        ``k`` = non-zero coefficients + intercept (+ 1 for the gaussian
        dispersion), the log-likelihood treating ``sample_weight`` as
        frequency weights (so ``n = sum(sample_weight)`` in BIC), and EBIC
        adding ``2 gamma log C(p, df)`` with ``gamma = 0.5``.
    standardize : bool, default=False
        Re-learned on each fold's training rows.
    fit_intercept : bool, default=True
    max_iter : int, default=100
    tol : float, default=1e-8
    random_state : int, Generator, RandomState or None, default=0
        Seed of the folds when ``cv`` is an int (``0``: the same folds on every fit).
"""

_CV_ATTRIBUTES = """
    alpha_ : float
        The chosen alpha.
    alphas_ : ndarray of shape (n_alphas_fitted,)
        The grid, decreasing.
    cv_mean_deviance_, cv_se_ : ndarray of shape (n_alphas_fitted,) or None
        Held-out mean deviance and its standard error per alpha (None for
        information criteria).
    information_criterion_ : ndarray of shape (n_alphas_fitted,) or None
        The criterion per alpha (None for ``"cv"`` and ``"cv_1se"``).
    coef_path_ : ndarray of shape (n_alphas_fitted, n_features)
    intercept_path_ : ndarray of shape (n_alphas_fitted,)
    coef_ : ndarray of shape (n_features,)
        Coefficients at ``alpha_`` (exact zeros where the L1 part removes a column).
    intercept_ : float
    n_iter_ : int
        IRLS iterations of the full-data fit at ``alpha_``.
    family_, link_ : Family, Link
    result_ : glmgen.solvers.SolverOutput
        The full-data solver record at ``alpha_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
"""


class GLMRegressorCV(_PathCVMixin, _RegressorBase):
    __doc__ = f"""Gaussian or poisson elastic-net GLM with ``alpha`` chosen along a path.

    The path is fitted on all rows; each fold refits the same grid on its
    training rows and scores its held-out rows. The final model is the
    full-data fit at the chosen ``alpha`` (``cv.glmnet``'s procedure).
    Warnings of the fold fits are not raised; those of the full-data path are.

    Parameters
    ----------
    family : {{"gaussian", "poisson"}}, default="gaussian"
    link : str, optional
{_CV_PARAMETERS}
    Attributes
    ----------
{_CV_ATTRIBUTES}"""

    def __init__(
        self,
        family: Any = "gaussian",
        link: str | Link | None = None,
        *,
        l1_ratio: float = 1.0,
        alphas: Any = None,
        n_alphas: int = 100,
        alpha_min_ratio: float | None = None,
        cv: Any = 5,
        criterion: str = "cv",
        standardize: bool = False,
        fit_intercept: bool = True,
        max_iter: int = 100,
        tol: float = 1e-8,
        random_state: Any = 0,
    ) -> None:
        self.family = family
        self.link = link
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.cv = cv
        self.criterion = criterion
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None) -> GLMRegressorCV:
        """Fit the path, choose ``alpha`` and keep the fit there.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Prior weights; they also weight each held-out fold's mean deviance.
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        family, link = self._check_regressor_family()
        X, y = self._validate_xy(X, y)
        self._fit_path_cv(X, y, sample_weight, offset, family, link, labels=None)
        return self


class GLMClassifierCV(_PathCVMixin, _ClassifierBase):
    __doc__ = f"""Binomial elastic-net GLM for two classes with ``alpha`` chosen along a path.

    As :class:`GLMRegressorCV`, with held-out binomial deviance (twice the
    log-loss) and folds stratified by class when ``cv`` is an int.

    Parameters
    ----------
    link : {{"logit", "probit", "cloglog", "log"}}, default="logit"
{_CV_PARAMETERS}
    Attributes
    ----------
    classes_ : ndarray of shape (2,)
{_CV_ATTRIBUTES}"""

    def __init__(
        self,
        link: str | Link = "logit",
        *,
        l1_ratio: float = 1.0,
        alphas: Any = None,
        n_alphas: int = 100,
        alpha_min_ratio: float | None = None,
        cv: Any = 5,
        criterion: str = "cv",
        standardize: bool = False,
        fit_intercept: bool = True,
        max_iter: int = 100,
        tol: float = 1e-8,
        random_state: Any = 0,
    ) -> None:
        self.link = link
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.cv = cv
        self.criterion = criterion
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None) -> GLMClassifierCV:
        """Fit the path, choose ``alpha`` and keep the fit there.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Two class labels of any type.
        sample_weight : array-like of shape (n_samples,), optional
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        family, link = self._resolve()
        X, y01 = self._validate_xy(X, y, sample_weight)
        self._fit_path_cv(X, y01, sample_weight, offset, family, link, labels=y01)
        return self
