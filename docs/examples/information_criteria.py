"""Information criteria along a path: df, edf, AIC, BIC, AICc and EBIC, and their definitions.

A gaussian elastic-net path on the US state crime data.
"""

import math

import numpy as np
from scipy.special import comb

# --8<-- [start:table]
import glmgen as gg
from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data
formula = "murder ~ poverty + single + urban + hs_grad + white"
lasso = gg.glm_path(formula, states, l1_ratio=1.0)
enet = gg.glm_path(formula, states, l1_ratio=0.5)
print(enet.to_frame().iloc[::10])     # alpha, df, edf, deviance, dev_ratio, loglik, aic, bic, aicc, ebic
print(lasso.selection_table())        # each criterion's choice side by side
# --8<-- [end:table]
assert len(lasso.alphas) == 71                                  # glmnet's early stop (see Paths)
assert np.array_equal(lasso.edf, lasso.df)                     # lasso: edf is the number of non-zeros
assert np.all(enet.edf <= enet.df + 1e-9)                      # ridge shrinkage: edf below the non-zeros

# --8<-- [start:definitions]
i = 30                                              # any point of the path
n, k = enet.nobs, enet.edf[i] + 1 + 1               # edf + intercept + the gaussian dispersion
deviance = enet.deviance[i]
loglik = -0.5 * n * (math.log(2 * math.pi * deviance / n) + 1)   # dispersion at its MLE, deviance / n
assert math.isclose(enet.loglik[i], loglik, rel_tol=1e-10)
assert math.isclose(enet.aic[i], -2 * loglik + 2 * k, rel_tol=1e-10)
assert math.isclose(enet.bic[i], -2 * loglik + k * math.log(n), rel_tol=1e-10)
assert math.isclose(enet.aicc[i], enet.aic[i] + 2 * k * (k + 1) / (n - k - 1), rel_tol=1e-10)
p = 5                                               # penalized columns
assert math.isclose(enet.ebic[i], enet.bic[i] + 2 * 0.5 * math.log(comb(p, enet.df[i])), rel_tol=1e-10)
# --8<-- [end:definitions]

# --8<-- [start:select]
by_bic = lasso.select("bic")          # GLMResult at the alpha minimising BIC along the path
by_ebic = lasso.select("ebic")        # EBIC with gamma = 0.5
print(lasso.extended_bic(gamma=1.0)[:5])   # other gammas
print(by_bic.params[by_bic.params != 0])
# --8<-- [end:select]
