"""Generalization: split, evaluate, D^2, the train-vs-held-out gap, learning and validation curves.

STAR98 binomial model with all 20 predictors on 303 schools.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np

# --8<-- [start:split]
import glmgen as gg
from statsmodels.datasets import star98

schools = star98.load_pandas().data
train, test = gg.split(schools, test_size=0.25, seed=0)     # rows keep their original order
print(len(train), len(test))                                 # 227 76

fit = gg.glm("cbind(NABOVE, NBELOW) ~ .", train, family="binomial")
held_out = fit.evaluate(test)
print(held_out)          # mean_deviance, deviance, null_deviance, d2, n
# --8<-- [end:split]
assert len(test) == 76

# --8<-- [start:d2]
# D^2 compares with the *training* intercept-only model, evaluated on the same rows:
null_probability = 1 / (1 + np.exp(-fit.null_intercept))
y = test["NABOVE"] / (test["NABOVE"] + test["NBELOW"])
trials = test["NABOVE"] + test["NBELOW"]
null_deviance = fit.family.deviance(y.to_numpy(), np.full(len(test), null_probability), trials.to_numpy())
assert np.isclose(held_out.null_deviance, null_deviance)
assert np.isclose(held_out.d2, 1 - held_out.deviance / null_deviance)
assert np.isclose(held_out.mean_deviance, held_out.deviance / trials.sum())   # per pupil: weights are the trials
# --8<-- [end:d2]

# --8<-- [start:gap]
gap = gg.generalization(fit, train, test)
print(gap)               # train_mean_deviance, test_mean_deviance, gap, train_d2, test_d2
print(gap.to_frame())
# --8<-- [end:gap]
assert 1.35 < gap.test_mean_deviance / gap.train_mean_deviance < 1.55   # "about 45% above the training one"

# --8<-- [start:stratified]
schools["year_round"] = schools["PCTYRRND"] > 0
train_s, test_s = gg.split(schools, test_size=0.25, seed=0, stratify="year_round")
print(train_s["year_round"].mean(), test_s["year_round"].mean())   # the same share in both parts
# --8<-- [end:stratified]

# --8<-- [start:learning]
formula = "cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PERMINTE + AVYRSEXP + AVSALK"
curve = gg.learning_curve(formula, schools, "binomial", sizes=(0.2, 0.4, 0.7, 1.0), repeats=3, seed=0)
print(curve.summary())   # per training size: mean and std of training and held-out mean deviance
curve.plot().savefig("learning_curve.png", dpi=80)
# --8<-- [end:learning]

# --8<-- [start:validation]
path = gg.glm_path("cbind(NABOVE, NBELOW) ~ .", train, family="binomial", n_alphas=25)
validation = gg.validation_curve(path, folds=5, seed=0)
print(validation.table.iloc[::6])   # alpha, df, train_mean_deviance, cv_mean_deviance, cv_se
print(validation.alpha_min, validation.alpha_1se)
validation.plot().savefig("validation_curve.png", dpi=80)
# --8<-- [end:validation]
