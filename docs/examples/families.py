"""Families and links: R's definitions of deviance, log-likelihood, AIC/BIC and dispersion.

Compares glmgen with statsmodels' GLM on the US state crime data (gaussian)
and the STAR98 data (binomial with other links), and recomputes the gaussian
log-likelihood and AIC by hand from R's formulas.
"""

import math

import numpy as np

# --8<-- [start:links]
import glmgen as gg
import statsmodels.api as sm
from statsmodels.datasets import star98, statecrime

schools = star98.load_pandas().data
formula = "cbind(NABOVE, NBELOW) ~ LOWINC + PERMINTE + AVSALK"
for link in ("logit", "probit", "cloglog"):
    fit = gg.glm(formula, schools, family="binomial", link=link)
    print(f"{link:8s} deviance={fit.deviance:.2f}  aic={fit.aic:.2f}")

# A statsmodels family object works too, and carries its link.
probit = gg.glm(formula, schools, family=sm.families.Binomial(link=sm.families.links.Probit()))
assert probit.link.name == "probit"
# --8<-- [end:links]

# --8<-- [start:gaussian]
states = statecrime.load_pandas().data
fit = gg.glm("murder ~ poverty + single + urban", states)   # family="gaussian", identity link

n, deviance = fit.nobs, fit.deviance
loglik = -0.5 * n * (math.log(2 * math.pi * deviance / n) + 1)   # R's logLik: dispersion at its MLE deviance / n
k = fit.df_model + 1 + 1                                          # 3 slopes + intercept + the dispersion
assert math.isclose(fit.loglik, loglik, rel_tol=1e-12)
assert math.isclose(fit.aic, -2 * loglik + 2 * k, rel_tol=1e-12)                  # R's AIC()
assert math.isclose(fit.bic, -2 * loglik + k * math.log(n), rel_tol=1e-12)        # R's BIC()
assert math.isclose(fit.aicc, fit.aic + 2 * k * (k + 1) / (n - k - 1), rel_tol=1e-12)
assert math.isclose(fit.scale, fit.pearson_chi2 / fit.df_resid, rel_tol=1e-12)    # summary(fit)$dispersion
print(fit.aic, fit.bic, fit.scale)
# --8<-- [end:gaussian]

# --8<-- [start:statsmodels]
reference = sm.GLM.from_formula("murder ~ poverty + single + urban", states).fit()
assert np.allclose(fit.params, reference.params, rtol=1e-8)
assert np.allclose(fit.bse, reference.bse, rtol=1e-6)
assert math.isclose(fit.loglik, reference.llf, rel_tol=1e-10)
# statsmodels' GLM.aic does not count the gaussian dispersion: R's AIC() (and glmgen's) is 2 larger.
print(fit.aic - reference.aic)     # 2.0
# --8<-- [end:statsmodels]
assert math.isclose(fit.aic - reference.aic, 2.0, rel_tol=1e-9)


# --8<-- [start:inference]
print(fit.coef_table())           # estimate, std_err, statistic, p_value, ci_lower, ci_upper
# gaussian: p-values from Student's t on df_resid (summary.glm); intervals are confint.default (normal)
counts = gg.glm(formula, schools, family="binomial")
print(counts.coef_table())        # binomial / poisson: z statistics, dispersion fixed at 1
# --8<-- [end:inference]

# --8<-- [start:residuals]
residuals = {kind: counts.resid(kind) for kind in ("deviance", "pearson", "response", "working")}
print({kind: round(float(r.iloc[0]), 4) for kind, r in residuals.items()})
assert math.isclose((residuals["deviance"] ** 2).sum(), counts.deviance, rel_tol=1e-10)
assert math.isclose((residuals["pearson"] ** 2).sum(), counts.pearson_chi2, rel_tol=1e-10)
# --8<-- [end:residuals]
