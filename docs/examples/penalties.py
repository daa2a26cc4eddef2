"""Penalties: the elastic-net objective, standardization, penalty factors and scikit-learn's parameters.

Uses the US state crime data (51 states) shipped with statsmodels.
"""

import numpy as np

# --8<-- [start:penalized]
import glmgen as gg
from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data
formula = "murder ~ poverty + single + urban + hs_grad + white"

lasso = gg.glm(formula, states, alpha=0.5, l1_ratio=1.0)      # standardize=True (glmnet's default)
print(lasso.params)                                             # zeros are exactly 0.0
print(lasso.bse.isna().all())                                   # True: no Wald inference for penalized fits
# --8<-- [end:penalized]
assert (lasso.params == 0.0).any() and lasso.bse.isna().all()

# --8<-- [start:objective]
columns = ["poverty", "single", "urban", "hs_grad", "white"]
X, y = states[columns].to_numpy(), states["murder"].to_numpy()


def objective(params, alpha, l1_ratio):
    """(1 / 2n) * deviance + alpha * (l1_ratio * |b|_1 + (1 - l1_ratio) / 2 * |b|_2^2), intercept excluded."""
    b = params[columns].to_numpy()
    mu = params["Intercept"] + X @ b                 # gaussian family, identity link
    deviance = np.sum((y - mu) ** 2)
    return deviance / (2 * len(y)) + alpha * (l1_ratio * np.abs(b).sum() + (1 - l1_ratio) / 2 * (b**2).sum())


raw = gg.glm(formula, states, alpha=0.1, l1_ratio=0.5, standardize=False)
best = objective(raw.params, 0.1, 0.5)
for name in raw.params.index:                        # moving any coefficient raises the objective
    for step in (-1e-4, 1e-4):
        moved = raw.params.copy()
        moved[name] += step
        assert objective(moved, 0.1, 0.5) > best
# --8<-- [end:objective]

# --8<-- [start:sklearn]
from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge

# tol bounds the relative objective gap (1e-8 by default); matching another solver's coefficients to 1e-6
# needs a tighter one.
ours = gg.glm(formula, states, alpha=0.1, l1_ratio=0.5, standardize=False, tol=1e-14)
theirs = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-12, max_iter=100_000).fit(X, y)
assert np.allclose(ours.params[columns], theirs.coef_, atol=1e-6)

# Logistic regression: scikit-learn's C is 1 / (n * alpha).
states["high"] = (states["murder"] > states["murder"].median()).astype(float)
alpha, n = 0.02, len(states)
logit = gg.glm("high ~ poverty + single + urban + hs_grad + white", states, family="binomial",
               alpha=alpha, l1_ratio=0.0, standardize=False, tol=1e-14)
sk = LogisticRegression(C=1 / (n * alpha), tol=1e-12, max_iter=10_000).fit(X, states["high"])
assert np.allclose(logit.params[columns], sk.coef_[0], atol=1e-5)

# Ridge: scikit-learn's Ridge minimises |y - Xb|^2 + alpha_R |b|^2, so alpha_R = n * alpha.
ridge = gg.glm(formula, states, alpha=0.3, l1_ratio=0.0, standardize=False)
assert np.allclose(ridge.params[columns], Ridge(alpha=n * 0.3).fit(X, y).coef_, atol=1e-6)
# --8<-- [end:sklearn]

# --8<-- [start:standardize]
# standardize=True penalizes s_j * b_j, with s_j the 1/n standard deviation of column j:
# the same as fitting standardized columns with standardize=False and dividing back by s_j.
scales = states[columns].std(ddof=0)
scaled = states.copy()
scaled[columns] = states[columns] / scales
on_standardized = gg.glm(formula, scaled, alpha=0.1, l1_ratio=0.5, standardize=False)
glmnet_style = gg.glm(formula, states, alpha=0.1, l1_ratio=0.5, standardize=True)
assert np.allclose(glmnet_style.params[columns], on_standardized.params[columns] / scales, atol=1e-6)
# --8<-- [end:standardize]

# --8<-- [start:factor]
# Keep 'poverty' unpenalized (factor 0) and penalize 'white' twice as hard.
kept = gg.glm(formula, states, alpha=0.5, l1_ratio=1.0, penalty_factor={"poverty": 0, "white": 2})
print(kept.params)
# A formula term sets every column it makes, e.g. {"C(region)": 0.5}.
# --8<-- [end:factor]
assert kept.params["poverty"] != 0.0
