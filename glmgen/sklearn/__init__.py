"""scikit-learn estimators over glmgen's solvers and statistics: arrays in, the same objective as scikit-learn out.

:class:`GLMRegressor` (gaussian or poisson, any link the family allows),
:class:`GLMClassifier` (binomial, two classes) and their cross-validated
counterparts :class:`GLMRegressorCV` and :class:`GLMClassifierCV`, which
choose ``alpha`` along a regularization path. All four pass
``sklearn.utils.estimator_checks``, the sparse-input checks included (the
unpenalized classifier excepted on the two sample-weight checks, dense and
sparse, whose data are separable, see ``tests/sklearn/test_sklearn_compat.py``)
and work in ``Pipeline``, ``GridSearchCV`` and ``cross_validate``. ``fit``,
``predict`` and ``score`` take an ``offset``; with metadata routing on,
``set_fit_request(offset=True)`` routes it.

Sparse input
------------
``X`` may be a ``scipy.sparse`` matrix or array (``*_matrix`` or ``*_array``)
in every method: CSC, CSR and COO are accepted as they are, other formats are
converted to CSC. It is never densified: the solvers receive it as a one-block
:class:`glmgen.matrices.ModelMatrix` in CSC form (shared with the caller when
already canonical CSC, otherwise a sparse copy), and ``standardize=True``
takes the column scales from sums over the stored entries. As in glmnet, the
intercept and the centring of the columns are implicit, never subtracted from
``X``, so zeros stay zeros and the fit equals the fit on the dense array. A
dense ``X`` stays a plain column-major array, as before.

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

Modules: :mod:`._base` (input checks, the shared estimator bases),
:mod:`.linear` (:class:`GLMRegressor`, :class:`GLMClassifier`) and
:mod:`.cv` (:class:`GLMRegressorCV`, :class:`GLMClassifierCV`). The CV
estimators score folds, summarise them and compute information criteria with
:mod:`glmgen.stats` (as ``gg.glm_path(...).cv()`` and ``.select()`` do), and
``tol`` / ``max_iter`` become solver settings through
:func:`glmgen.solvers.solver_controls`, as in :func:`glmgen.glm`.
"""

from .cv import GLMClassifierCV, GLMRegressorCV
from .linear import GLMClassifier, GLMRegressor

__all__ = ["GLMClassifier", "GLMClassifierCV", "GLMRegressor", "GLMRegressorCV"]
