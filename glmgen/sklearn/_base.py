"""What the four estimators share: input checks, the problem they solve, storing a fit, prediction.

:class:`_GLMBase` builds the :class:`~glmgen.solvers.GLMProblem` from validated
arrays (a scipy.sparse ``X`` becomes a one-block
:class:`~glmgen.matrices.ModelMatrix`, a dense one stays a NumPy array) and
stores a solver record as scikit-learn attributes;
:class:`_RegressorBase` adds ``predict`` and the D^2 ``score``,
:class:`_ClassifierBase` label encoding and the probability methods.
Family-specific behaviour comes from the family and link objects
(``response_kind``, ``y_interval``, ``is_canonical``, ``log_inverse``), never
from their names.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._frames import collected
from ..errors import (
    AliasedColumnsWarning,
    DataError,
    DomainWarning,
    GlmgenError,
    InvalidParameterError,
)
from ..fit import column_scales, emit
from ..matrices import Matrix, ModelMatrix, SparseBlock
from ..model import Family, Link, Penalty, resolve_family, tweedie
from ..solvers import GLMProblem, Notice, SolverOutput, fit_theta, solver_controls
from ..stats import d_squared

FloatArray = npt.NDArray[np.float64]
#: ``X`` after validation: a dense float64 array or a scipy.sparse matrix / array of :data:`SPARSE_FORMATS`
Input: TypeAlias = "FloatArray | scipy.sparse.sparray | scipy.sparse.spmatrix"

#: scipy.sparse formats kept as they are by validation (others are converted to the first, CSC, the fitting format)
SPARSE_FORMATS = ("csc", "csr", "coo")

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


def _design(X: Input) -> Matrix:
    """The solvers' ``X``: a dense array itself (a column-major copy when it is read-only, e.g. a memory map),
    a sparse one as a one-block :class:`~glmgen.matrices.ModelMatrix` in CSC, never densified.

    A CSC input in canonical form (sorted indices, no duplicates) is shared, not copied; another CSC input is
    copied first, because :class:`~glmgen.matrices.SparseBlock` canonicalizes in place.
    """
    if isinstance(X, np.ndarray):
        return X if X.flags.writeable else np.array(X, order="F")
    if X.format == "csc" and not X.has_canonical_format:
        X = X.copy()
    return ModelMatrix([SparseBlock(X)])


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


def _template_penalty(problem: GLMProblem, l1_ratio: float, standardize: bool) -> Penalty:
    """Penalty with every column penalized (factor 1), column scales from ``standardize``; alpha unset."""
    p = problem.X.shape[1]
    return Penalty(alpha=0.0, l1_ratio=l1_ratio, factors=np.ones(p), scales=column_scales(problem, standardize))


#: families whose estimators default to the log link, as scikit-learn's ``GammaRegressor`` (R's default is the
#: inverse link for the Gamma, 1/mu^2 for the inverse Gaussian)
SKLEARN_LOG_LINK_FAMILIES = frozenset({"gamma", "inverse_gaussian"})


def _needs_positive_y(family: Family, link: Link) -> bool:
    """Whether only ``y > 0`` is sure to fit: the family's range of ``y`` starts at 0, or IRLS's starting
    mean for ``y <= 0`` is outside the link's domain (gaussian fits start at ``mu = y``, as R's, so the
    log and inverse links need ``y > 0``). Tells scikit-learn's checks which ``y`` to draw."""
    if family.y_interval.low >= 0:
        return True
    y = np.array([-1.0, 0.0])
    with np.errstate(all="ignore"):
        eta = link.link(family.starting_mu(y, np.ones_like(y)))
    return not bool(np.all(np.isfinite(eta)))


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
        """The family and link: ``family="tweedie"`` takes ``var_power`` (default 1.5); without a ``link``, the
        positive continuous families use scikit-learn's links (``GammaRegressor``: log; ``TweedieRegressor``'s
        ``link="auto"``: identity at power 0, else log) rather than R's canonical ones."""
        family = self._family_name or getattr(self, "family")
        var_power = getattr(self, "var_power", None)
        if isinstance(family, str) and family == "tweedie":
            power = 1.5 if var_power is None else _check_number("var_power", var_power, 0.0)
            family = tweedie(power, link="identity" if power == 0 else "log")
        elif var_power is not None:
            raise InvalidParameterError(
                f"var_power={var_power!r} applies to family='tweedie' only, not family={family!r}; remove it or "
                "use family='tweedie'."
            )
        link = self.link
        if link is None and isinstance(family, str) and family in SKLEARN_LOG_LINK_FAMILIES:
            link = "log"
        return resolve_family(family, link)

    def _check_common(self) -> None:
        _check_number("max_iter", self.max_iter, 1, integer=True)
        _check_number("tol", self.tol, 0.0, low_closed=False)
        _check_number("l1_ratio", self.l1_ratio, 0.0, 1.0)
        for name in ("standardize", "fit_intercept"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InvalidParameterError(f"{name}={getattr(self, name)!r} must be True or False.")

    def _problem(
        self, X: Input, y: FloatArray, sample_weight: Any, offset: Any, family: Family, link: Link
    ) -> GLMProblem:
        """The problem to solve; a family shape still to be estimated (``negative_binomial`` without theta) is
        estimated here by maximum likelihood (``MASS::glm.nb``) and then held fixed: ``problem.family`` has it."""
        n = X.shape[0]
        family.check_y(y, None, "y")
        problem = GLMProblem(
            X=_design(X), y=y, weights=_check_sample_weight(sample_weight, n), offset=_check_offset(offset, n),
            family=family, link=link, fit_intercept=bool(self.fit_intercept),
        )
        if family.unknown_shape():
            irls_control = solver_controls(float(self.tol), int(self.max_iter))[0]
            problem = replace(problem, family=fit_theta(problem, irls_control)[1])
        return problem

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
            X = validate_data(self, collected(X), reset=False, dtype=np.float64, accept_sparse=SPARSE_FORMATS)
        return _check_offset(offset, X.shape[0]) + np.asarray(X @ self.coef_) + self.intercept_

    def _feature_names(self) -> npt.NDArray[Any] | None:
        return getattr(self, "feature_names_in_", None)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _RegressorBase(RegressorMixin, _GLMBase):
    """``predict`` and the D^2 ``score`` of the two regressors."""

    def _check_regressor_family(self) -> tuple[Family, Link]:
        """The family and link, refusing families of proportions (those are the classifier's)."""
        family, link = self._resolve()
        if family.response_kind == "proportion":
            raise InvalidParameterError(
                f"{type(self).__name__} fits a measured or counted response (e.g. family='gaussian', 'poisson', "
                f"'gamma' or 'tweedie'), "
                f"but family={family.name!r} models proportions; use GLMClassifier for a binary response."
            )
        return family, link

    def _validate_xy(self, X: Any, y: Any) -> tuple[Input, FloatArray]:
        with _data_errors("X, y"):
            X, y = validate_data(self, collected(X), y, dtype=np.float64, order="F", y_numeric=True,
                                 accept_sparse=SPARSE_FORMATS)
            return X, np.asarray(y, dtype=np.float64)

    def predict(self, X: Any, offset: Any = None) -> FloatArray:
        """Predicted mean ``mu = g^{-1}(offset + b0 + X b)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        tags.target_tags.positive_only = _needs_positive_y(family, link)
        return tags


class _ClassifierBase(ClassifierMixin, _GLMBase):
    """Label encoding, ``decision_function``, ``predict_proba`` and ``predict`` of the two classifiers.

    ``score`` is scikit-learn's accuracy (``ClassifierMixin.score``), so that
    ``GridSearchCV`` and ``cross_validate`` behave as with any scikit-learn
    classifier; use ``scoring="neg_log_loss"`` to compare deviances.
    """

    _family_name = "binomial"

    def _validate_xy(self, X: Any, y: Any, sample_weight: Any) -> tuple[Input, FloatArray]:
        with _data_errors("X, y"):
            X, y = validate_data(self, collected(X), y, dtype=np.float64, order="F", accept_sparse=SPARSE_FORMATS)
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

        For the canonical (logit) link this is the linear predictor
        ``offset + b0 + X b``; for other links it is ``log(mu) - log(1 - mu)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._linear_predictor(X, offset)
        if self.family_.is_canonical(self.link_):
            return eta
        log_failure, log_success = self._log_probabilities(eta, stacklevel=3)
        return log_success - log_failure

    def _probability(self, eta: FloatArray, stacklevel: int) -> FloatArray:
        """``mu``, clipped to [0, 1] with a :class:`DomainWarning` (only the log link can leave it) raised
        ``stacklevel`` frames up (1: this method)."""
        mu = self.link_.inverse(eta)
        outside = (mu < 0) | (mu > 1)
        if outside.any():
            warnings.warn(
                f"{int(outside.sum())} predicted probabilities of link={self.link_.name!r} fall outside [0, 1] "
                f"(first: row {np.flatnonzero(outside)[0]}, {mu[outside][0]:.4g}) and were clipped to [0, 1].",
                DomainWarning, stacklevel=stacklevel,
            )
            mu = np.clip(mu, 0.0, 1.0)
        return mu

    def _log_probabilities(self, eta: FloatArray, stacklevel: int) -> tuple[FloatArray, FloatArray]:
        """``log(1 - mu)`` and ``log(mu)``, the latter by :meth:`~glmgen.model.Link.log_inverse` (finite
        where ``mu`` underflows), capped at 0 as :meth:`_probability` clips ``mu``."""
        mu = self._probability(eta, stacklevel + 1)
        with np.errstate(divide="ignore"):
            return np.log1p(-mu), np.minimum(self.link_.log_inverse(eta), 0.0)

    def predict_proba(self, X: Any, offset: Any = None) -> FloatArray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        mu = self._probability(self._linear_predictor(X, offset), stacklevel=3)
        return np.column_stack([1.0 - mu, mu])

    def predict_log_proba(self, X: Any, offset: Any = None) -> FloatArray:
        """Logarithm of :meth:`predict_proba`, shape ``(n_samples, 2)``; ``log(mu)`` stays finite where
        ``mu`` underflows (:meth:`~glmgen.model.Link.log_inverse`)."""
        return np.column_stack(self._log_probabilities(self._linear_predictor(X, offset), stacklevel=3))

    def predict(self, X: Any, offset: Any = None) -> npt.NDArray[Any]:
        """``classes_[1]`` where its probability exceeds 1/2, else ``classes_[0]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
