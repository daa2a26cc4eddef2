"""Worked example: California schools in 1998 (binomial counts with cbind).

303 school districts; for each, ``NABOVE`` pupils scored above the national
median in maths and ``NBELOW`` did not. The 20 predictors include the share
of low-income pupils ``LOWINC``, ethnic composition (``PERASIAN``,
``PERBLACK``, ``PERHISP``, ``PERMINTE``), teacher experience and salaries
(``AVYRSEXP``, ``AVSALK``), spending ``PERSPENK``, the pupil-teacher ratio
``PTRATIO``, ``PCTAF``, ``PCTCHRT``, ``PCTYRRND`` and eight precomputed
interaction columns.
"""

import warnings

import numpy as np

# --8<-- [start:fit]
import glmgen as gg
from statsmodels.datasets import star98

schools = star98.load_pandas().data
train, test = gg.split(schools, test_size=0.25, seed=0)
full = gg.glm("cbind(NABOVE, NBELOW) ~ .", train, family="binomial")
print(full.nobs, full.df_model, round(full.deviance, 1), round(full.aic, 1))
print(full.pearson_chi2 / full.df_resid)     # about 13: strongly overdispersed
# --8<-- [end:fit]
assert full.nobs == 227 and full.df_model == 20
assert full.pearson_chi2 / full.df_resid > 5

# --8<-- [start:heldout]
print(gg.generalization(full, train, test))
# --8<-- [end:heldout]

# --8<-- [start:path]
path = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", train, family="binomial", n_alphas=40)
path.cv(folds=10, seed=0)
table = path.selection_table()
print(table[["alpha", "df", "train_mean_deviance", "cv_mean_deviance"]])
# --8<-- [end:path]
# With binomial likelihoods that ignore the overdispersion, AIC and BIC keep nearly every column;
# cross-validation chooses far fewer.
assert table.loc["aic", "df"] == 17 and table.loc["cv", "df"] == 9   # quoted on the Information criteria page

# --8<-- [start:compare]
candidates = {name: path.select(name) for name in ("cv", "cv_1se", "bic")}
for name, fit in candidates.items():
    print(f"{name:7s} df={int((fit.params != 0).sum() - 1):2d}  held-out mean deviance="
          f"{fit.evaluate(test).mean_deviance:.5f}")
print(f"full    df=20  held-out mean deviance={full.evaluate(test).mean_deviance:.5f}")
# --8<-- [end:compare]
held_out = {name: fit.evaluate(test).mean_deviance for name, fit in candidates.items()}
assert abs(held_out["cv"] - 0.0221) < 1e-4 and abs(held_out["cv_1se"] - 0.0279) < 1e-4
assert abs(table.loc["cv", "cv_mean_deviance"] - 0.0185) < 1e-4 and abs(table.loc["aic", "cv_mean_deviance"] - 0.0334) < 1e-4

# --8<-- [start:bootstrap]
chosen = path.select("cv")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gg.GLMGenWarning)
    boot = gg.bootstrap(chosen, n_boot=100, seed=0)   # the lasso at the chosen alpha, refitted per resample
print(boot.inclusion.sort_values(ascending=False).round(2))
# --8<-- [end:bootstrap]
assert boot.inclusion["LOWINC"] == 1.0
