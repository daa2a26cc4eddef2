"""The single-alpha estimators :class:`GLMRegressor` and :class:`GLMClassifier`.

``alpha = 0`` is solved by IRLS (R's ``glm``), ``alpha > 0`` by penalized IRLS
with coordinate descent from the null model (the one-point path
``[alpha]``, as :func:`glmgen.glm`); ``tol`` and ``max_iter`` mean what they
mean there (:func:`glmgen.solvers.solver_controls`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..model import Family, Link
from ..solvers import GLMProblem, Notice, SolverOutput, fit_path, irls, solver_controls
from ._base import (
    FloatArray,
    Input,
    _aliased_notice,
    _check_number,
    _ClassifierBase,
    _GLMBase,
    _RegressorBase,
    _template_penalty,
)

__all__ = ["GLMClassifier", "GLMRegressor"]


def _fit_at_alpha(
    problem: GLMProblem, alpha: float, l1_ratio: float, standardize: bool, max_iter: int, tol: float,
    feature_names: npt.NDArray[Any] | None,
) -> tuple[SolverOutput, list[Notice]]:
    """One fit: IRLS when ``alpha == 0``, else the penalized solver started from the null model.

    The penalized fit is :func:`glmgen.solvers.fit_path` on the one-point grid
    ``[alpha]``, as :func:`glmgen.glm` does for ``alpha > 0``.
    """
    irls_control, cd_control = solver_controls(tol, max_iter)
    if alpha == 0.0:
        output = irls(problem, control=irls_control)
        notices = ([_aliased_notice(output.aliased, feature_names, problem.fit_intercept)]
                   if output.aliased.any() else [])
        return output, notices + list(output.notices)
    path, notices = fit_path(problem, _template_penalty(problem, l1_ratio, standardize),
                             alphas=np.array([alpha]), control=cd_control)
    return path.outputs[0], notices


# ----------------------------------------------------------------------------- single-alpha estimators


class _SingleAlphaMixin(_GLMBase):
    """``fit`` at a given ``alpha``."""

    alpha: float

    def _fit_single(self, X: Input, y: FloatArray, sample_weight: Any, offset: Any,
                    family: Family, link: Link) -> None:
        self._check_common()
        alpha = _check_number("alpha", self.alpha, 0.0)
        problem = self._problem(X, y, sample_weight, offset, family, link)
        output, notices = _fit_at_alpha(problem, alpha, float(self.l1_ratio), bool(self.standardize),
                                        int(self.max_iter), float(self.tol), self._feature_names())
        self._store(problem.family, link, output, notices)


class GLMRegressor(_SingleAlphaMixin, _RegressorBase):
    """GLM of a measured or counted response (gaussian, poisson, gamma, inverse Gaussian, Tweedie, negative
    binomial, quasi-Poisson) with an optional elastic-net penalty.

    Minimises ``deviance / (2 sum(sample_weight)) + penalty`` (see the module
    notes); with ``standardize=False`` (the default) the coefficients equal
    scikit-learn's ``ElasticNet`` / ``Ridge``-type, ``PoissonRegressor``,
    ``GammaRegressor`` and ``TweedieRegressor`` (log link) at the same ``alpha``
    and ``l1_ratio``.

    Parameters
    ----------
    family : {"gaussian", "poisson", "gamma", "inverse_gaussian", "tweedie", "negative_binomial", "quasipoisson"} \
or a glmgen / statsmodels family, default="gaussian"
    link : str, optional
        Link function; default the canonical link (``"identity"``, ``"log"``)
        and, as scikit-learn, ``"log"`` for the gamma, inverse Gaussian and
        Tweedie families. Gaussian allows ``"identity"``, ``"log"``,
        ``"inverse"``; poisson ``"log"``, ``"identity"``, ``"sqrt"``.
    var_power : float, optional
        The Tweedie power (``family="tweedie"`` only; default 1.5): 0 normal,
        1 Poisson, (1, 2) compound Poisson-gamma, 2 gamma, 3 inverse Gaussian.
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
        Bound on the relative gap to the optimal (penalized) objective, as in
        :func:`glmgen.glm`: R's deviance rule when ``alpha=0``, the scaled KKT
        residual otherwise (:func:`glmgen.solvers.solver_controls` says what it
        sets for each solver).

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
        var_power: float | None = None,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        standardize: bool = False,
        fit_intercept: bool = True,
        max_iter: int = 100,
        tol: float = 1e-8,
    ) -> None:
        self.family = family
        self.link = link
        self.var_power = var_power
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Numeric predictors (no intercept column); scipy.sparse input is never densified.
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
