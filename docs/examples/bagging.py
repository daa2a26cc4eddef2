"""Bagging: the bootstrap replicates' models as one ensemble (boot.predict, boot.evaluate) on the RAND HIE data.

Small n_boot values keep this script fast; use a few hundred replicates in practice.
"""

import numpy as np

# --8<-- [start:fit]
import glmgen as gg
from statsmodels.datasets import randhie

hie = randhie.load_pandas().data
train, test = gg.split(hie, test_size=0.25, seed=0)
formula = "mdvis ~ lncoins + idp + lpi + fmde + physlm + disea + hlthg + hlthf + hlthp"
fit = gg.glm(formula, train, "poisson")

boot = gg.bootstrap(fit, n_boot=100, seed=0)
bagged = boot.predict(test.head(), level=0.9)        # mean, lower, upper, n_boot; indexed like the rows
print(bagged.join(fit.predict(test.head()).rename("single model")))
# --8<-- [end:fit]
assert list(bagged.columns) == ["mean", "lower", "upper", "n_boot"] and bagged.index.equals(test.head().index)

# --8<-- [start:by-hand]
design = fit.spec.build(test.head(), need_response=False)   # the fit's design of the new rows
beta = boot.replicates.to_numpy()                           # one row of coefficients per replicate
eta = design.offset[:, None] + beta[:, 0] + design.X @ beta[:, 1:].T
print(np.exp(eta).mean(axis=1))                             # = bagged["mean"]
# --8<-- [end:by-hand]
assert np.allclose(np.exp(eta).mean(axis=1), bagged["mean"], rtol=1e-12)

# --8<-- [start:evaluate]
print(fit.evaluate(test).mean_deviance)      # the single model on the held-out rows
print(boot.evaluate(test).mean_deviance)     # the bagged ensemble on the same rows
# --8<-- [end:evaluate]

# --8<-- [start:selection]
interactions = "mdvis ~ (lncoins + idp + lpi + fmde + physlm + disea + hlthg + hlthf + hlthp) ** 2"
path = gg.glm_path(interactions, train, "poisson", n_alphas=40)
selected = path.select("bic")
bagged_selection = gg.bootstrap(path, n_boot=20, seed=0, select="bic")   # each replicate re-runs path + BIC
print(int((selected.params != 0).sum()), "coefficients in the selected model")
print(bagged_selection.inclusion.between(0.05, 0.95).sum(), "coefficients selected in some replicates only")
print(selected.evaluate(test).mean_deviance, bagged_selection.evaluate(test).mean_deviance)
# --8<-- [end:selection]
assert bagged_selection.evaluate(test).mean_deviance < selected.evaluate(test).mean_deviance
