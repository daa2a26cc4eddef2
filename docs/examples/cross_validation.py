"""Cross-validation of a regularization path: folds, fold ids, stratification, groups and repeats.

STAR98 lasso path (binomial) and a grouped CV on the Grunfeld panel (11 firms).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np

# --8<-- [start:cv]
import glmgen as gg
from statsmodels.datasets import star98

schools = star98.load_pandas().data
path = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", schools, family="binomial", n_alphas=25)

cv = path.cv(folds=5, seed=0)
print(cv)                              # folds, alpha range, alpha_min and alpha_1se with CV deviance and se
print(cv.to_frame().head())            # alpha, mean_deviance, se, df
print(cv.folds.shape)                  # (5, 25): held-out mean deviance per fold and alpha
chosen = path.select("cv_1se")         # GLMResult at alpha_1se (uses the last cv() run)
print(chosen.params[chosen.params != 0])
# --8<-- [end:cv]
assert cv.alpha_1se >= cv.alpha_min
assert np.isclose(chosen.penalty.alpha, cv.alpha_1se)

# --8<-- [start:summaries]
# cv.glmnet's summaries, recomputed from the per-fold table
weights = cv.fold_weights                                   # total weight of each held-out fold
mean = weights @ cv.folds.to_numpy() / weights.sum()
se = np.sqrt(weights @ (cv.folds.to_numpy() - mean) ** 2 / weights.sum() / (len(weights) - 1))
assert np.allclose(mean, cv.mean_deviance) and np.allclose(se, cv.se)
best = np.argmin(cv.mean_deviance)
one_se = np.flatnonzero(cv.mean_deviance <= cv.mean_deviance[best] + cv.se[best])[0]   # largest such alpha
assert cv.alpha_min == path.alphas[best] and cv.alpha_1se == path.alphas[one_se]
# --8<-- [end:summaries]

# --8<-- [start:foldid]
fold_ids = np.random.default_rng(42).permutation(np.arange(len(schools)) % 5)   # as cv.glmnet(foldid=)
given = path.cv(folds=fold_ids)
assert np.array_equal(given.fold_ids, fold_ids)
repeated = path.cv(folds=5, seed=0, repeats=2)    # two fold assignments, summaries averaged
print(repeated.folds.index.names)                 # ['repeat', 'fold']
# --8<-- [end:foldid]

# --8<-- [start:groups]
from statsmodels.datasets import grunfeld

firms = grunfeld.load_pandas().data
panel = gg.glm_path("np.log(invest) ~ np.log(value) + np.log(capital) + year", firms, n_alphas=30)
by_firm = panel.cv(folds=5, groups="firm", seed=0)   # each firm's 20 years stay in one fold
ids = by_firm.fold_ids
assert all(len(set(ids[firms["firm"] == f])) == 1 for f in firms["firm"].unique())
# --8<-- [end:groups]

# --8<-- [start:stratify]
states_cv = path.cv(folds=5, seed=0, stratify=schools["PCTYRRND"] > 0)   # labels, a column name, or True
# --8<-- [end:stratify]

# --8<-- [start:leakage]
# Stateful transforms are re-learned inside every fold, so held-out rows never shape the design.
scaled = gg.glm_path("np.log(invest) ~ standardize(np.log(value)) + center(np.log(capital))", firms,
                     n_alphas=20)
print(scaled.cv(folds=5, seed=0))
# --8<-- [end:leakage]

# --8<-- [start:select]
at_min = path.select("cv")          # GLMResult at alpha_min (uses the last cv() run on this path)
at_1se = path.select("cv_1se")      # GLMResult at alpha_1se
print(path.selection_table())       # every criterion's alpha, df, training and CV deviance side by side
# --8<-- [end:select]
assert np.isclose(at_1se.penalty.alpha, states_cv.alpha_1se)   # the last cv() run above

# --8<-- [start:plot]
figure = cv.plot()                 # mean held-out deviance +- se against log10(alpha), both choices marked
figure.savefig("star98_cv.png", dpi=80)
# --8<-- [end:plot]
