"""Shift checks: per-column statistics, adversarial validation and the expected deviance of a fitted model.

RAND Health Insurance Experiment (statsmodels): 20,190 person-years. The new population is the people with a
physical limitation (physlm > 0, 3,439 rows); the training rows are everyone else (16,751 rows).
"""

import matplotlib

matplotlib.use("Agg")

# --8<-- [start:frames]
import glmgen as gg
from statsmodels.datasets import randhie

hie = randhie.load_pandas().data
limited = hie["physlm"] > 0
train, new = hie[~limited], hie[limited]

columns = ["lncoins", "idp", "lpi", "fmde", "disea", "hlthg", "hlthf", "hlthp"]
check = gg.shift(train, new, columns=columns, seed=0)
print(check)                       # the per-column table, the adversarial AUC and the columns it uses
print(check.auc, check.auc_se)     # 0.68 (se 0.005)
print(check.terms_used)            # the adversarial model's non-zero coefficients
# --8<-- [end:frames]
table = check.table.set_index("column")
assert 0.64 < check.auc < 0.72 and check.auc_se < 0.01
assert table["psi"].idxmax() == "disea" and table.loc["disea", "psi"] > 0.25
assert table.loc["disea", "smd"] > 0.5 and "disea" in check.columns_used
assert (table["unseen_share"] == 0).all() and (table["na_new"] == 0).all()

# --8<-- [start:control]
half_a, half_b = gg.split(train, test_size=0.5, seed=1)
control = gg.shift(half_a, half_b, columns=columns, seed=0)
print(control.auc, control.auc_se)    # 0.5 within noise: two random halves look alike
# --8<-- [end:control]
assert abs(control.auc - 0.5) < 3 * control.auc_se

# --8<-- [start:fit]
fit = gg.glm("mdvis ~ lncoins + idp + lpi + fmde + disea + hlthg + hlthf + hlthp", train, family="poisson")
shifted = fit.shift(new, seed=0)
print(shifted.held_out_deviance)      # 3.90: 5-fold CV mean deviance on the training rows
print(shifted.expected_deviance)      # 4.37: the same, reweighted to look like the new rows
print(shifted.effective_n)            # 5,588 of 16,751 training rows carry the reweighted estimate
print(fit.evaluate(new).mean_deviance)   # 5.69: what the model actually does on the new rows
# --8<-- [end:fit]
actual = fit.evaluate(new).mean_deviance
assert shifted.held_out_deviance < shifted.expected_deviance < actual
assert abs(shifted.expected_deviance - 4.37) < 0.1 and abs(actual - 5.69) < 0.01
assert shifted.columns_used == check.columns_used      # the same columns: here the design columns are the data's

# --8<-- [start:plot]
figure = check.plot()
figure.savefig("shift.png")
report = gg.report("mdvis ~ lncoins + idp + lpi + fmde + disea + hlthg + hlthf + hlthp", train, "poisson",
                   select=None, n_boot=0, learning_curve=False, new=new)
report.save("report.html")          # ends with the section "Shift between training and new data"
# --8<-- [end:plot]
assert report.section("shift").title == "Shift between training and new data"
