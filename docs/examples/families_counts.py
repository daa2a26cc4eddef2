"""Worked example for over-dispersed counts and proportions: quasi-Poisson, negative binomial, quasi-binomial
(docs/families-counts.md).

quine (MASS::quine, Venables and Ripley, Modern Applied Statistics with S, section 7.4): days absent from school
in a year for 146 children in Walgett, New South Wales, by ethnicity (Eth: Aboriginal or not), sex, age group
(F0 primary, F1-F3 forms) and learner status (Lrn: average or slow). The CSV is the copy in
tests/reference/data/ (online: ``statsmodels.api.datasets.get_rdataset("quine", "MASS").data``). STAR98
(statsmodels.datasets.star98): students above the national median in maths, out of those tested, in 303
California school districts. The asserts check the numbers the page quotes against R 4.2.2
(tests/reference/r/families.R).
"""

import math
import warnings

import numpy as np

# --8<-- [start:poisson]
from pathlib import Path

import pandas as pd

import glmgen as gg

DATA = Path(__file__).resolve().parents[2] / "tests" / "reference" / "data"
quine = pd.read_csv(DATA / "quine.csv")          # MASS::quine
formula = "Days ~ Eth + Sex + Age + Lrn"
poisson = gg.glm(formula, quine, family="poisson")
print(poisson.pearson_chi2 / poisson.df_resid)   # 13.2: thirteen times the variance a Poisson allows
# --8<-- [end:poisson]
assert math.isclose(poisson.pearson_chi2 / poisson.df_resid, 13.166842627771254, rel_tol=1e-6)

# --8<-- [start:quasipoisson]
quasi = gg.glm(formula, quine, family="quasipoisson")
print(quasi.coef_table()[["estimate", "std_err", "p_value"]])
print((quasi.bse / poisson.bse).iloc[0], math.sqrt(quasi.scale))   # 3.63 for both
print(quasi.aic)                                                    # nan: a quasi-likelihood has no AIC
# --8<-- [end:quasipoisson]
assert np.allclose(quasi.params, poisson.params, rtol=1e-10)
assert np.allclose(quasi.bse, poisson.bse * math.sqrt(quasi.scale), rtol=1e-8) and math.isnan(quasi.aic)

# --8<-- [start:quasi_test]
without_sex = gg.glm("Days ~ Eth + Age + Lrn", quine, family="quasipoisson")
print(gg.lrtest(without_sex, quasi))      # F test, as R's anova(..., test = "F"): p = 0.30
# --8<-- [end:quasi_test]
assert gg.lrtest(without_sex, quasi).test == "F"

# --8<-- [start:negative_binomial]
nb = gg.glm(formula, quine, family=gg.negative_binomial())    # theta estimated, as MASS::glm.nb
print(nb.summary())
print(nb.theta, nb.theta_se)                                  # 1.275 (0.161), glm.nb's theta and SE.theta
print(poisson.aic, nb.aic)                                    # 2299 vs 1109 (R's AIC(), theta counted)
# --8<-- [end:negative_binomial]
# R: MASS::glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine)
assert math.isclose(nb.params["Eth[T.N]"], -0.56937169735818849, rel_tol=1e-6)
assert math.isclose(nb.theta, 1.2748926450536133, rel_tol=1e-3)
assert math.isclose(nb.theta_se, 0.1610351787734726, rel_tol=1e-3)
assert math.isclose(nb.loglik, -546.575509144992, rel_tol=1e-6)
assert math.isclose(nb.aic, 1109.151018289984, rel_tol=1e-6)

# --8<-- [start:zeros]
from scipy import stats

mu_poisson, mu_nb = poisson.fitted.to_numpy(), nb.fitted.to_numpy()
theta = nb.theta
print((quine["Days"] == 0).sum(),                                   # 9 children never absent
      stats.poisson.pmf(0, mu_poisson).sum().round(2),              # a Poisson model expects 0.01
      stats.nbinom.pmf(0, theta, theta / (theta + mu_nb)).sum().round(2))   # the negative binomial 6.2
# --8<-- [end:zeros]
assert (quine["Days"] == 0).sum() == 9

# --8<-- [start:fixed_theta]
fixed = gg.glm(formula, quine, family=gg.negative_binomial(theta=2.0))   # glm(..., negative.binomial(2))
print(fixed.aic)          # theta given, not estimated: AIC counts the coefficients only
# --8<-- [end:fixed_theta]
assert math.isclose(fixed.aic, 1120.5192045247636, rel_tol=1e-6)

# --8<-- [start:stepwise]
step = gg.stepwise(formula, quine, family=gg.negative_binomial())
print(step.history[["step", "resid_deviance", "criterion"]])     # MASS::stepAIC drops Sex as well
# --8<-- [end:stepwise]
assert "Sex[T.M]" not in step.best.params.index

# --8<-- [start:bootstrap]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gg.GLMGenWarning)
    boot = gg.bootstrap(fixed, n_boot=200, seed=0, method="parametric")   # responses drawn from the model
print(pd.DataFrame({"wald": fixed.bse, "parametric bootstrap": boot.se}).round(3))
# --8<-- [end:bootstrap]
assert np.allclose(boot.se[fixed.params.index], fixed.bse, rtol=0.25)

# --8<-- [start:quasibinomial]
from statsmodels.datasets import star98

schools = star98.load_pandas().data
proportions = "cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT"
binomial = gg.glm(proportions, schools, family="binomial")
quasibinomial = gg.glm(proportions, schools, family="quasibinomial")
print(quasibinomial.scale)                                     # 18.1: over-dispersed proportions
print((quasibinomial.bse / binomial.bse).round(2).to_dict())  # every standard error 4.26 times larger
# --8<-- [end:quasibinomial]
assert math.isclose(quasibinomial.scale, 18.14212280320152, rel_tol=1e-6)
