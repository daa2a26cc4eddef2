"""Interoperability: pandas results, and glmgen <-> statsmodels on the California schools data (STAR98).

303 school districts; ``NABOVE`` pupils scored above the national median in maths and ``NBELOW`` did not
(binomial counts). The polars and Arrow examples of the same page are in ``interoperability_frames.py``.
"""

# --8<-- [start:pandas]
from statsmodels.datasets import star98

import glmgen as gg

schools = star98.load_pandas().data
fit = gg.glm("cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERHISP + AVSALK + PTRATIO", schools, family="binomial")
print(type(fit.params).__name__, type(fit.coef_table()).__name__)   # Series DataFrame
print(fit.coef_table().round(4))
# --8<-- [end:pandas]
import numpy as np  # for the checks of what the page says
import pandas as pd

assert isinstance(fit.params, pd.Series) and isinstance(fit.coef_table(), pd.DataFrame)
assert isinstance(fit.predict(schools), pd.Series) and fit.predict(schools).index.equals(schools.index)

# --8<-- [start:to_statsmodels]
sm_fit = fit.to_statsmodels()            # statsmodels' GLMResults on the same design, rows and weights
print(sm_fit.summary())
print(sm_fit.wald_test("PERASIAN = PERHISP", scalar=True))           # chi2 with 1 df
influence = sm_fit.get_influence()
print(influence.summary_frame()["cooks_d"].nlargest(3))
# --8<-- [end:to_statsmodels]
assert list(sm_fit.params.index) == list(fit.params.index)
assert np.allclose(sm_fit.params, fit.params, rtol=1e-8) and np.allclose(sm_fit.bse, fit.bse, rtol=1e-8)
assert np.isclose(sm_fit.llf, fit.loglik, rtol=1e-10) and np.isclose(sm_fit.deviance, fit.deviance, rtol=1e-10)
contrast = np.array([0, 0, 1, -1, 0, 0])                   # PERASIAN - PERHISP, by hand from glmgen's covariance
wald = (contrast @ fit.params) ** 2 / (contrast @ fit.cov_params().to_numpy() @ contrast)
assert np.isclose(sm_fit.wald_test("PERASIAN = PERHISP", scalar=True).statistic, wald, rtol=1e-8)

# --8<-- [start:from_statsmodels]
import statsmodels.api as sm
import statsmodels.formula.api as smf

train, test = gg.split(schools, test_size=0.25, seed=0)
theirs = smf.glm("NABOVE + NBELOW ~ LOWINC + PERASIAN + PERHISP + AVSALK + PTRATIO", train,
                 family=sm.families.Binomial()).fit()
ours = gg.from_statsmodels(theirs)        # the same model on the same rows, fitted by glmgen
print(ours.spec.formula)                  # cbind(NABOVE, NBELOW) ~ LOWINC + ...
print(ours.evaluate(test))                # held-out deviance and D^2, which statsmodels does not give
# --8<-- [end:from_statsmodels]
assert np.allclose(ours.params, theirs.params, rtol=1e-6) and np.allclose(ours.bse, theirs.bse, rtol=1e-5)
assert ours.nobs == theirs.nobs == 227

# --8<-- [start:generalize]
import warnings

path = gg.glm_path(ours.spec.formula, train, family="binomial", n_alphas=30)
cv = path.cv(folds=10, seed=0)
print(cv.alpha_min, cv.alpha_1se)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gg.GLMGenWarning)
    boot = gg.bootstrap(ours, n_boot=100, seed=0)
print(boot.conf_int().round(4))           # percentile intervals next to statsmodels' Wald ones
# --8<-- [end:generalize]
assert cv.alpha_1se >= cv.alpha_min
assert list(boot.conf_int().index) == list(ours.params.index)
assert abs(ours.pearson_chi2 / ours.df_resid - 17.5) < 0.1               # "about 17.5" on the page
wald_width = np.diff(ours.conf_int().to_numpy(), axis=1).ravel()
boot_width = np.diff(boot.conf_int().to_numpy(), axis=1).ravel()
assert np.all((4 < boot_width / wald_width) & (boot_width / wald_width < 6))   # "four to six times wider"
