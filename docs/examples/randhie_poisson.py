"""Worked example: outpatient visits in the RAND Health Insurance Experiment (Poisson).

20,190 person-years; the response ``mdvis`` counts outpatient visits to a
doctor. Predictors: ``lncoins`` log(coinsurance + 1), ``idp`` individual
deductible plan, ``lpi`` log(annual participation incentive payment),
``fmde`` log(max medical deductible expenditure) (0 when idp is 0),
``physlm`` physical limitation, ``disea`` number of chronic diseases, and the
self-rated health dummies ``hlthg``, ``hlthf``, ``hlthp`` (good, fair, poor;
excellent is the reference).
"""

import warnings

import numpy as np

# --8<-- [start:fit]
import glmgen as gg
from statsmodels.datasets import randhie

data = randhie.load_pandas().data
train, test = gg.split(data, test_size=0.25, seed=0)
fit = gg.glm("mdvis ~ .", train, family="poisson")
print(fit.summary())
# --8<-- [end:fit]

# --8<-- [start:rates]
table = fit.coef_table()
rate_ratios = np.exp(table[["estimate", "ci_lower", "ci_upper"]])
print(rate_ratios.round(3))          # multiplicative effect on the expected number of visits
# --8<-- [end:rates]
assert rate_ratios.loc["idp", "estimate"] < 1 < rate_ratios.loc["physlm", "estimate"]

# --8<-- [start:dispersion]
print(fit.pearson_chi2 / fit.df_resid)   # about 6.5: the counts vary far more than a Poisson would
# --8<-- [end:dispersion]
dispersion = fit.pearson_chi2 / fit.df_resid
assert 5 < dispersion < 8

# --8<-- [start:heldout]
print(gg.generalization(fit, train, test))
# --8<-- [end:heldout]
gap = gg.generalization(fit, train, test)
assert abs(gap.gap) < 0.5 and gap.test_d2 > 0.05

# --8<-- [start:health]
without_health = gg.glm("mdvis ~ lncoins + idp + lpi + fmde + physlm + disea", train, family="poisson")
print(gg.lrtest(without_health, fit))                    # chi-squared on 3 df
print(gg.compare([without_health, fit], names=["no self-rated health", "full"], test=test))
# --8<-- [end:health]
assert abs(without_health.evaluate(test).mean_deviance - 3.9252) < 1e-4

# --8<-- [start:quasi]
from scipy import stats

lr = gg.lrtest(without_health, fit)
scaled = lr.statistic / dispersion                     # the deviance change in units of the dispersion
print(scaled, stats.chi2.sf(scaled, lr.df))            # about 7.4 on 3 df: p about 0.06
# --8<-- [end:quasi]
assert 0.04 < stats.chi2.sf(scaled, lr.df) < 0.08

# --8<-- [start:lasso]
path = gg.glm_path("mdvis ~ .", train, family="poisson", n_alphas=30)
cv = path.cv(folds=5, seed=0)
print(cv)
print(path.selection_table()[["alpha", "df", "train_mean_deviance", "cv_mean_deviance"]])
sparse = path.select("cv_1se")
print(sparse.params[sparse.params != 0])
print(sparse.evaluate(test).mean_deviance, fit.evaluate(test).mean_deviance)
# --8<-- [end:lasso]
assert abs(sparse.evaluate(test).mean_deviance - 4.052) < 1e-3 and (sparse.params != 0).sum() == 4
assert path.selection_table().loc["cv", "df"] == 9

# --8<-- [start:bootstrap]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gg.GLMGenWarning)
    boot = gg.bootstrap(fit, n_boot=50, seed=0)
print(boot.se.round(4).to_dict())        # bootstrap SEs: two to three times the Poisson Wald SEs
print(fit.bse.round(4).to_dict())
print(boot.optimism()[["apparent", "harrell", "e632plus"]])
# --8<-- [end:bootstrap]
assert (boot.se["disea"] > 1.5 * fit.bse["disea"])
