"""scikit-learn estimators: GLMRegressor, GLMClassifier and the path-CV variants, in pipelines.

RAND HIE visits (poisson) and a binary version of the US state crime data.
"""

import numpy as np

# --8<-- [start:regressor]
from glmgen.sklearn import GLMClassifier, GLMClassifierCV, GLMRegressor, GLMRegressorCV
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from statsmodels.datasets import randhie

visits = randhie.load_pandas().data.iloc[:2000]
X, y = visits.drop(columns="mdvis"), visits["mdvis"]

model = GLMRegressor(family="poisson", alpha=1e-3, l1_ratio=0.5).fit(X, y)
print(model.coef_, model.intercept_)
print(model.score(X, y))            # D^2 (fraction of deviance explained), as PoissonRegressor.score
print(cross_val_score(make_pipeline(StandardScaler(), GLMRegressor(family="poisson")), X, y, cv=3))
# --8<-- [end:regressor]

# --8<-- [start:equivalence]
from sklearn.linear_model import LogisticRegression, PoissonRegressor

ours = GLMRegressor(family="poisson", alpha=0.01).fit(X, y)      # l1_ratio=0: ridge, like PoissonRegressor
theirs = PoissonRegressor(alpha=0.01, solver="newton-cholesky", tol=1e-12).fit(X, y)
assert np.allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-6)

from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data
Xs = states[["poverty", "single", "urban", "hs_grad", "white"]]
high = np.where(states["murder"] > states["murder"].median(), "high", "low")
alpha = 0.02
clf = GLMClassifier(alpha=alpha, tol=1e-14).fit(Xs, high)   # tol: the relative objective gap (1e-8 by default)
lr = LogisticRegression(C=1 / (alpha * len(Xs)), tol=1e-12, max_iter=10_000).fit(Xs, high)
assert np.allclose(clf.coef_, lr.coef_[0], atol=1e-5)
print(clf.classes_, clf.predict_proba(Xs)[:2])      # columns follow classes_; classes_[1] is the "success"
# --8<-- [end:equivalence]

# --8<-- [start:cv]
lasso = GLMRegressorCV(family="poisson", cv=3, criterion="cv_1se", n_alphas=20).fit(X, y)
print(lasso.alpha_, lasso.coef_)
print(lasso.cv_mean_deviance_[:3], lasso.cv_se_[:3])
by_bic = GLMClassifierCV(criterion="bic", standardize=True).fit(Xs, high)
print(by_bic.alpha_, by_bic.coef_)
# --8<-- [end:cv]

# --8<-- [start:offset]
exposure = np.random.default_rng(0).uniform(0.5, 2.0, len(X))
rate = GLMRegressor(family="poisson").fit(X, y, offset=np.log(exposure))
print(rate.predict(X.iloc[:3], offset=np.log(exposure[:3])))
# --8<-- [end:offset]
