"""Model selection by information criteria: stepwise (MASS::stepAIC), best subset, compare and lrtest.

US state crime data (gaussian) and STAR98 (binomial).
"""

import numpy as np

# --8<-- [start:stepwise]
import glmgen as gg
from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data.drop(columns="violent")
step = gg.stepwise("murder ~ .", states, criterion="aic", direction="both")
print(step)              # initial and final model, and the steps as stepAIC(...)$anova prints them
print(step.best.params)  # the selected GLMResult
print(step.history[["step", "resid_df", "resid_deviance", "criterion"]])
# --8<-- [end:stepwise]
assert step.formula == "murder ~ hs_grad + poverty + single"

# --8<-- [start:scope]
forward = gg.stepwise("murder ~ 1", states, direction="forward",
                      scope="~ poverty + single + urban + hs_grad + white")
interactions = gg.stepwise("murder ~ poverty + single", states, criterion="bic",
                           scope={"lower": "~ single", "upper": "~ (poverty + single + urban)^2"})
print(forward.formula, "|", interactions.formula)
print(interactions.candidates[0])     # every move considered at the first step, best first
# --8<-- [end:scope]

# --8<-- [start:best_subset]
subsets = gg.best_subset("murder ~ poverty + single + urban + hs_grad + white", states)
print(subsets.by_size)           # the best model of each size
print(subsets.formula)           # overall best by AIC
# --8<-- [end:best_subset]
assert subsets.n_fits == 32

# --8<-- [start:compare]
small = gg.glm("murder ~ single", states)
big = gg.glm("murder ~ single + poverty + urban", states)
print(gg.compare([small, big, step.best], names=["single", "three terms", "stepwise"]))
# df (k of AIC), deviance, aic, bic, aicc, delta_aic, akaike_weight
# --8<-- [end:compare]

# --8<-- [start:lrtest]
test = gg.lrtest(small, big)     # gaussian: F test, as anova(small, big, test = "F")
print(test)
print(test.to_frame())

from statsmodels.datasets import star98

schools = star98.load_pandas().data
narrow = gg.glm("cbind(NABOVE, NBELOW) ~ LOWINC", schools, family="binomial")
wide = gg.glm("cbind(NABOVE, NBELOW) ~ LOWINC + PERMINTE + AVSALK", schools, family="binomial")
print(gg.lrtest(narrow, wide))   # binomial: chi-squared test on the deviance change
# --8<-- [end:lrtest]
assert test.test == "F" and gg.lrtest(narrow, wide).test == "chi2"
assert np.isclose(test.statistic, (small.deviance - big.deviance) / 2 / (big.pearson_chi2 / big.df_resid))
