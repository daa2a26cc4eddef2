"""Worked example for positive amounts: Gamma, inverse Gaussian and Tweedie (docs/families-continuous.md).

Scotland (statsmodels.datasets.scotland): the share of "yes" votes for a Scottish parliament with
tax-raising powers in the 1997 referendum, by council area (32 rows). Fair (statsmodels.datasets.fair):
time spent in extramarital affairs, 6,366 women surveyed by Redbook in 1974, two thirds of them exact zeros.
The asserts check the numbers the page quotes; the R numbers are R 4.2.2's
(tests/reference/r/families.R and its JSON).
"""

import math

import numpy as np

# --8<-- [start:gamma]
import glmgen as gg
from statsmodels.datasets import scotland

scot = scotland.load_pandas().data
formula = "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + AGE + COUTAX_FEMALEUNEMP"
fit = gg.glm(formula, scot, family="gamma")        # the inverse link, R's default for Gamma()
print(fit.summary())
# --8<-- [end:gamma]
# R: glm(YES ~ ..., family = Gamma, data = scotland)
assert math.isclose(fit.params["COUTAX"], 4.9617682994236982e-05, rel_tol=1e-6)
assert math.isclose(fit.bse["COUTAX"], 1.6215765104761627e-05, rel_tol=1e-4)
assert math.isclose(fit.deviance, 0.087388516416999698, rel_tol=1e-6)
assert math.isclose(fit.aic, 182.94704595472083, rel_tol=1e-6)

# --8<-- [start:dispersion]
phi = fit.pearson_chi2 / fit.df_resid      # summary.glm's dispersion: what scales the standard errors
print(fit.scale, phi)                      # 0.003584 for both
print(math.sqrt(fit.scale))                # coefficient of variation of YES around its mean: 6%
# --8<-- [end:dispersion]
assert math.isclose(fit.scale, 0.0035842831752687485, rel_tol=1e-6) and math.isclose(fit.scale, phi, rel_tol=1e-12)

# --8<-- [start:links]
by_link = {link: gg.glm(formula, scot, family="gamma", link=link) for link in ("inverse", "log", "identity")}
for link, model in by_link.items():
    print(f"{link:9s} deviance={model.deviance:.5f}  AIC={model.aic:.2f}")
log_fit = by_link["log"]
print(np.exp(log_fit.params["AGE"]))    # log link: one more point of AGE multiplies the mean yes share by 1.03
# --8<-- [end:links]
assert [round(model.aic, 2) for model in by_link.values()] == [182.95, 183.17, 183.51]  # R's AIC()

# --8<-- [start:inverse_gaussian]
inverse_gaussian = gg.glm(formula, scot, family="inverse_gaussian", link="log")
table = gg.compare([log_fit, inverse_gaussian], names=["gamma", "inverse Gaussian"])
print(table[["deviance", "aic", "akaike_weight"]])
# --8<-- [end:inverse_gaussian]
assert math.isclose(inverse_gaussian.aic, 184.396927349, rel_tol=1e-8)  # R's AIC()

# --8<-- [start:stepwise]
step = gg.stepwise(formula, scot, family="gamma")
print(step.history[["step", "resid_deviance", "criterion"]])    # MASS::stepAIC: "- GDP", AIC 182.73
# --8<-- [end:stepwise]
assert "GDP" not in step.best.params.index and math.isclose(step.best.aic, 182.7299184427363, rel_tol=1e-6)

# --8<-- [start:tweedie]
from statsmodels.datasets import fair

affairs = fair.load_pandas().data
print((affairs["affairs"] == 0).mean())       # 0.68: exact zeros, and positive amounts otherwise
tweedie = gg.glm("affairs ~ rate_marriage + age + yrs_married + religious", affairs, family=gg.tweedie(1.5))
print(tweedie.summary())
print(tweedie.loglik, tweedie.aic)            # nan nan: no closed-form density for 1 < p < 2
# --8<-- [end:tweedie]
assert math.isnan(tweedie.aic) and tweedie.params["rate_marriage"] < 0 and tweedie.scale > 1

# --8<-- [start:sklearn]
from sklearn.linear_model import TweedieRegressor

columns = ["rate_marriage", "age", "yrs_married", "religious"]
ridge = gg.glm("affairs ~ " + " + ".join(columns), affairs, family=gg.tweedie(1.5), alpha=0.01, l1_ratio=0.0,
               standardize=False, tol=1e-12)
sklearn_fit = TweedieRegressor(power=1.5, link="log", alpha=0.01, tol=1e-12, max_iter=10_000,
                               solver="newton-cholesky").fit(affairs[columns], affairs["affairs"])
print(ridge.params.drop("Intercept").to_numpy() - sklearn_fit.coef_)    # below 1e-6: the same objective
# --8<-- [end:sklearn]
assert np.allclose(ridge.params.drop("Intercept").to_numpy(), sklearn_fit.coef_, rtol=1e-5, atol=1e-8)
