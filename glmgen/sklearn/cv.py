"""The cross-validated estimators :class:`GLMRegressorCV` and :class:`GLMClassifierCV`.

Both fit a regularization path on all rows and choose ``alpha`` on it, as
``gg.glm_path(...)`` followed by ``.cv()`` / ``.select()``, with the same
statistics (:mod:`glmgen.stats`):

- ``"cv"`` / ``"cv_1se"``: each fold refits the grid on its training rows and
  scores its held-out rows by :func:`~glmgen.stats.held_out_mean_deviance`;
  :func:`~glmgen.stats.cv_summary` gives ``cv.glmnet``'s mean and standard
  error (folds without weight left out), :func:`~glmgen.stats.index_min` and
  :func:`~glmgen.stats.index_1se` its choices;
- ``"aic"``, ``"bic"``, ``"aicc"``, ``"ebic"``: :func:`~glmgen.stats.criterion`
  with ``df="edf"`` (:func:`~glmgen.stats.effective_df`: the non-zero count
  for the lasso, the hat-matrix trace for the elastic net and ridge) and R's
  log-likelihood with ``sample_weight`` as prior weights (R's ``glm(weights=)``,
  one trial per row); ``n`` is the number of rows with positive
  ``sample_weight``, and EBIC's candidates are all ``n_features`` columns.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_array, column_or_1d

from .._validation import suggestion
from ..errors import DataError, InvalidParameterError
from ..fit import column_scales, make_fold_ids
from ..model import Family, Link, Penalty
from ..solvers import (
    CDControl,
    GLMProblem,
    PathFit,
    default_alpha_min_ratio,
    fit_path,
    solver_controls,
)
from ..stats import CRITERIA as INFORMATION_CRITERIA
from ..stats import criterion as criterion_values
from ..stats import (
    cv_summary,
    effective_df_along,
    held_out_mean_deviance,
    index_1se,
    index_min,
    parameter_count,
)
from ._base import (
    FloatArray,
    Input,
    _check_number,
    _ClassifierBase,
    _GLMBase,
    _RegressorBase,
    _template_penalty,
)

IntArray = npt.NDArray[np.int64]

__all__ = ["GLMClassifierCV", "GLMRegressorCV"]

#: criteria the CV estimators accept
CRITERIA = ("cv", "cv_1se", *INFORMATION_CRITERIA)


def _fold_deviances(
    problem: GLMProblem, penalty: Penalty, standardize: bool, grid: FloatArray,
    splits: list[tuple[IntArray, IntArray]], control: CDControl,
) -> tuple[FloatArray, FloatArray]:
    """Held-out weighted mean deviance ``(K, n_alphas)`` at each alpha of ``grid`` and each fold's weight ``(K,)``.

    Each fold refits the whole grid on its training rows, with the column
    scales (``standardize=True``) re-learned on those rows. A fold whose
    held-out rows have no weight is not refitted (NaN, weight 0).
    """
    family, link = problem.family, problem.link
    fold_means = np.full((len(splits), grid.size), np.nan)
    fold_weights = np.zeros(len(splits))
    for k, (train, test) in enumerate(splits):
        if not np.any(problem.weights[test] > 0):
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
        fold_means[k], fold_weights[k] = held_out_mean_deviance(family, link, problem.y[test], eta,
                                                                problem.weights[test])
    return fold_means, fold_weights


def _information_criterion(problem: GLMProblem, penalty: Penalty, path: PathFit, name: str) -> FloatArray:
    """The criterion ``name`` at each alpha of ``path`` (the module notes give the convention).

    ``loglik = family.log_likelihood(y, mu, sample_weight, 1, 1)``,
    ``k = edf + intercept + [dispersion estimated]``, ``n = #{sample_weight > 0}``.
    """
    family = problem.family
    ones = np.ones(problem.y.size)
    loglik = np.array([family.log_likelihood(problem.y, output.mu, problem.weights, ones, ones)
                       for output in path.outputs])
    edf = effective_df_along(problem, penalty, path.alphas, path.coefs, path.intercepts)
    k = parameter_count(edf, problem.fit_intercept, family.likelihood_parameters)
    nobs = float(np.count_nonzero(problem.weights > 0))
    selected = np.count_nonzero(path.coefs, axis=1)
    return np.asarray(criterion_values(name, loglik, k, nobs, n_candidates=problem.X.shape[1], n_selected=selected),
                      dtype=float)


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


class _PathCVMixin(_GLMBase):
    """``fit`` along a path with ``alpha`` chosen by cross-validation or an information criterion."""

    alphas: Any
    n_alphas: int
    alpha_min_ratio: float | None
    cv: Any
    criterion: str
    random_state: Any

    def _fit_path_cv(self, X: Input, y: FloatArray, sample_weight: Any, offset: Any,
                     family: Family, link: Link, labels: npt.NDArray[Any] | None) -> None:
        self._check_common()
        n_alphas = int(_check_number("n_alphas", self.n_alphas, 1, integer=True))
        if self.criterion not in CRITERIA:
            raise InvalidParameterError(
                f"criterion={self.criterion!r} is not one of {', '.join(map(repr, CRITERIA))}."
                f"{suggestion(str(self.criterion), CRITERIA)}"
            )
        _, cd_control = solver_controls(float(self.tol), int(self.max_iter))
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
            best = self._choose_by_cv(problem, penalty, path.alphas, splits, cd_control)
        else:
            self.information_criterion_ = _information_criterion(problem, penalty, path, self.criterion)
            if np.all(np.isnan(self.information_criterion_)):
                raise InvalidParameterError(
                    f"criterion={self.criterion!r} needs a likelihood, which the {family.name} family does not have; "
                    "use criterion='cv'."
                )
            best = int(np.nanargmin(self.information_criterion_))
        self.alphas_ = path.alphas
        self.alpha_ = float(path.alphas[best])
        self.coef_path_ = path.coefs
        self.intercept_path_ = path.intercepts
        self._store(problem.family, link, path.outputs[best], notices)

    def _choose_by_cv(self, problem: GLMProblem, penalty: Penalty, grid: FloatArray,
                      splits: list[tuple[IntArray, IntArray]], control: CDControl) -> int:
        """Position in ``grid`` of ``cv.glmnet``'s ``lambda.min`` or ``lambda.1se``; sets the CV curve."""
        fold_means, fold_weights = _fold_deviances(problem, penalty, bool(self.standardize), grid, splits, control)
        mean, se = cv_summary(fold_means, fold_weights)
        if self.criterion == "cv_1se" and not np.isfinite(se[index_min(mean)]):
            raise InvalidParameterError("criterion='cv_1se' needs at least 2 folds with positive weight.")
        self.cv_mean_deviance_, self.cv_se_ = mean, se
        return index_min(mean) if self.criterion == "cv" else index_1se(mean, se)

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

    def _splits(self, X: Input, labels: npt.NDArray[Any], classifier: bool) -> list[tuple[IntArray, IntArray]]:
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
        full-data path without cross-validation, as ``gg.glm_path(...).aic``
        etc. (:mod:`glmgen.stats.criteria`): ``AIC = -2 loglik + 2 k``,
        ``BIC = -2 loglik + k log(n)``, ``AICc = AIC + 2 k (k + 1) / (n - k - 1)``,
        ``EBIC = BIC + 2 gamma log C(p, s)`` (``gamma = 0.5``, ``p =
        n_features``, ``s`` non-zero coefficients), with ``k`` = effective
        degrees of freedom (``df="edf"``: non-zero coefficients for the lasso,
        the hat-matrix trace for the elastic net and ridge) + intercept (+ 1
        for the gaussian dispersion). ``loglik`` is R's ``logLik`` with
        ``sample_weight`` as R's prior weights (``glm(weights=)``, one trial
        per row: for the binomial family a weight counts trials, rounded to a
        whole number), and ``n`` is the number of rows with positive
        ``sample_weight``.
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
    family : {{"gaussian", "poisson", "gamma", "inverse_gaussian", "tweedie", ...}} or a family, default="gaussian"
        As :class:`GLMRegressor` (the gamma, inverse Gaussian and Tweedie families default to the log link).
    link : str, optional
    var_power : float, optional
        The Tweedie power, ``family="tweedie"`` only (default 1.5).
{_CV_PARAMETERS}
    Attributes
    ----------
{_CV_ATTRIBUTES}"""

    def __init__(
        self,
        family: Any = "gaussian",
        link: str | Link | None = None,
        *,
        var_power: float | None = None,
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
        self.var_power = var_power
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
