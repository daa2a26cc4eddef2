"""Regularization paths: the alpha grid, early stopping, fit_at and the coefficient plot.

A lasso path for the STAR98 binomial model (303 schools, 20 predictors).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np

# --8<-- [start:path]
import glmgen as gg
from statsmodels.datasets import star98

schools = star98.load_pandas().data
path = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", schools, family="binomial")   # l1_ratio=1.0: the lasso
print(path)                       # 100 alphas from alpha_max down to 1e-4 * alpha_max
print(path.alpha_max, path.alphas[0])
print(path.coefs.iloc[[0, 20, -1]])               # one row per alpha, one column per design column
print(path.to_frame().iloc[::20])                 # df, edf, deviance, dev_ratio, loglik, aic, bic, aicc, ebic
# --8<-- [end:path]
assert np.isclose(path.alphas[0], path.alpha_max) and len(path.alphas) == 100
assert (path.coefs.iloc[0].drop("Intercept") == 0.0).all()
assert np.all(np.diff(path.alphas) < 0)
assert np.all(np.diff(path.deviance) <= 1e-8 * path.deviance[:-1])   # training deviance never increases

# --8<-- [start:grid]
short = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", schools, family="binomial",
                    n_alphas=30, alpha_min_ratio=1e-3)             # a coarser, shorter grid
own = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", schools, family="binomial",
                  alphas=[0.05, 0.01, 0.002])                       # your own grid, fitted in full
ridge = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", schools, family="binomial", l1_ratio=0.0, n_alphas=20)
print(len(short.alphas), own.alphas, ridge.df[:3])                # ridge keeps every column: df = 20
# --8<-- [end:grid]
assert len(own.alphas) == 3 and ridge.df[1] == 20

# --8<-- [start:fit_at]
fit = path.fit_at(0.01)          # exact fit at any alpha, warm-started from the nearest path point
print(fit.params[fit.params != 0])
print(fit.penalty)               # alpha, l1_ratio, standardize, penalty_factor
# --8<-- [end:fit_at]
assert fit.penalty.alpha == 0.01

# --8<-- [start:plot]
figure = path.plot()             # coefficient paths against log10(alpha)
figure.savefig("star98_path.png", dpi=80)
# --8<-- [end:plot]
