"""The relaxed lasso (relax=True) and the group lasso (penalty="group") on real data.

statsmodels' Fair affairs survey (6366 married women; here a sample of 1500): whether the woman reported any
extramarital affair, against marriage rating, age, years married, children, religiousness, education and
occupation. MASS's quine (146 Australian schoolchildren): days absent against ethnicity, sex, age group and
learner status, four factors.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "tests" / "reference" / "data"

# --8<-- [start:relax]
import numpy as np
import pandas as pd
import statsmodels.api as sm

import glmgen as gg

fair = sm.datasets.fair.load_pandas().data.sample(1500, random_state=0)
fair["any_affair"] = (fair["affairs"] > 0).astype(float)
formula = ("any_affair ~ rate_marriage + age + yrs_married + children + religious + educ"
           " + C(occupation) + C(occupation_husb)")
path = gg.glm_path(formula, fair, family="binomial", relax=True, n_alphas=30)
print(path.relaxed_coefs.iloc[8].round(3))      # the unpenalized logistic fit on alpha[8]'s active set
print(np.round(path.relaxed_deviance[:6], 2))   # <= the lasso's deviance at each alpha
print(np.round(path.deviance[:6], 2))
# --8<-- [end:relax]
assert np.all(path.relaxed_deviance <= path.deviance + 1e-6)

# --8<-- [start:cv]
cv = path.cv(folds=10, seed=1)                  # scores gamma = 0, 0.25, 0.5, 0.75, 1 at every alpha
print(cv.gamma_table().iloc[:, ::5].round(4))   # mean held-out deviance per (gamma, alpha)
print(cv.gamma_min, round(cv.alpha_min, 5))     # the (gamma, alpha) of the smallest CV deviance
print(cv.gamma_1se, round(cv.alpha_1se, 5))     # glmnet's one-standard-error choice
chosen = path.select("cv")                      # the blend at (gamma_min, alpha_min)
print(chosen.params[chosen.params != 0].round(3))
half = path.fit_at(cv.alpha_min, gamma=0.5)     # 0.5 * lasso + 0.5 * relaxed at alpha_min
# --8<-- [end:cv]
assert cv.gamma_table().shape == (5, len(path.alphas))

# --8<-- [start:group]
quine = pd.read_csv(DATA / "quine.csv")     # MASS::quine
grouped = gg.glm_path("Days ~ Eth + Sex + Age + Lrn", quine, family="poisson", penalty="group", n_alphas=10)
print(grouped.groups["Age"])                   # the term's three dummies: one group
print(grouped.coefs.round(3).iloc[:4])         # Age's dummies enter together
print(grouped.df[:4])                           # df (and edf) count the non-zero coefficients
# --8<-- [end:group]
age = grouped.coefs[list(grouped.groups["Age"])].to_numpy()
assert np.all((age != 0).all(axis=1) | (age == 0).all(axis=1))
