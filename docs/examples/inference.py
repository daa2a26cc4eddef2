"""Worked example for robust standard errors and predictions with intervals (docs/inference.md).

lbw (Hosmer and Lemeshow, Applied Logistic Regression): 189 births at Baystate Medical Center, Springfield MA,
1986; ``low`` is a birth weight under 2500 g. The CSV is the copy in tests/reference/data/ (statsmodels' test
data). Grunfeld (statsmodels.datasets.grunfeld): yearly investment of 11 US firms, 1935-1954. The asserts check
the numbers the page quotes against R 4.2.2 with sandwich 3.0.2 (tests/reference/r/covariance.R) and
statsmodels, fitted here.
"""

import json
import math
import warnings

import numpy as np

# --8<-- [start:hc3]
from pathlib import Path

import pandas as pd

import glmgen as gg

DATA = Path(__file__).resolve().parents[2] / "tests" / "reference" / "data"
lbw = pd.read_csv(DATA / "lbw.csv")
formula = "low ~ age + lwt + race + smoke"
plain = gg.glm(formula, lbw, family="binomial")
robust = gg.glm(formula, lbw, family="binomial", cov_type="HC3")
print(pd.DataFrame({"model-based": plain.bse, "HC3": robust.bse}))
print(robust.summary())            # "Standard errors: HC3 (heteroscedasticity-robust)", z tests
# --8<-- [end:hc3]
R = json.loads((DATA / "r_covariance.json").read_text())["cases"]["binomial_lbw"]
by_r_name = robust.bse.rename({"race[T.other]": "raceother", "race[T.white]": "racewhite", "Intercept": "(Intercept)"})
assert np.allclose(by_r_name[R["names"]], R["bse_HC3"], rtol=1e-6)
assert math.isclose(robust.bse["smoke"], 0.3851, rel_tol=1e-3) and math.isclose(plain.bse["smoke"], 0.3800, rel_tol=1e-3)

# --8<-- [start:cluster]
import statsmodels.api as sm

grunfeld = sm.datasets.grunfeld.load_pandas().data
panel = gg.glm("invest ~ value + capital", grunfeld, cov_type="cluster", cluster="firm")
print(panel.coef_table()[["estimate", "std_err", "p_value"]])
print(panel.cov_label)             # cluster-robust, 11 clusters
# --8<-- [end:cluster]
X = sm.add_constant(grunfeld[["value", "capital"]])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    reference = sm.GLM(grunfeld["invest"], X).fit(cov_type="cluster", cov_kwds={"groups": grunfeld["firm"]})
assert np.allclose(panel.bse.to_numpy(), reference.bse.to_numpy(), rtol=1e-6)
assert panel.cov_label == "cluster-robust, 11 clusters"

# --8<-- [start:prediction]
new = lbw.iloc[:3]
table = plain.get_prediction(new, level=0.95)
print(table)                       # mean, mean_se, mean_ci_lower, mean_ci_upper, link, link_se
# --8<-- [end:prediction]
X_lbw = pd.get_dummies(lbw[["age", "lwt", "race", "smoke"]], columns=["race"], drop_first=True, dtype=float)
fit_sm = sm.GLM(lbw["low"], sm.add_constant(X_lbw), family=sm.families.Binomial()).fit()
frame = fit_sm.get_prediction(sm.add_constant(X_lbw).iloc[:3]).summary_frame()
for column in ("mean", "mean_se", "mean_ci_lower", "mean_ci_upper"):
    assert np.allclose(table[column], frame[column], rtol=1e-6), column
assert np.allclose(table["link_se"], R["predict_link_se"][:3], rtol=1e-6)
