"""Worked example: murder rates of the US states (gaussian).

51 rows (the states and DC, 2009): ``murder`` per 100,000 people, with
``poverty`` (% below the poverty line), ``single`` (% of households with a
single parent), ``urban`` (% urban population), ``hs_grad`` (% high-school
graduates) and ``white`` (% white). With 51 rows, how much a model's
training fit flatters it is the main question.
"""

import warnings

import numpy as np

# --8<-- [start:fit]
import glmgen as gg
from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data.drop(columns="violent")
full = gg.glm("murder ~ .", states)
print(full.summary())
# --8<-- [end:fit]
assert full.nobs == 51 and full.df_resid == 45

# --8<-- [start:stepwise]
step = gg.stepwise("murder ~ .", states)
print(step)
print(gg.lrtest(step.best, full))            # F test of the two dropped terms
# --8<-- [end:stepwise]
assert step.formula == "murder ~ hs_grad + poverty + single"

# --8<-- [start:loo]
path = gg.glm_path("murder ~ .", states, l1_ratio=1.0)
loo = path.cv(folds=len(states))             # leave-one-out: one fold per state
print(loo)
print(path.selection_table()[["alpha", "df", "train_mean_deviance", "cv_mean_deviance"]])
# --8<-- [end:loo]

# --8<-- [start:optimism]
n_boot = 10                                   # small to keep this script fast; use 500 or more in practice
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gg.GLMGenWarning)
    estimates = {
        "full model": gg.bootstrap(full, n_boot=n_boot, seed=0).optimism(),
        "stepwise model, fixed": gg.bootstrap(step.best, n_boot=n_boot, seed=0).optimism(),
        "stepwise search": gg.bootstrap(step, n_boot=n_boot, seed=0, data=states).optimism(),  # search re-run
    }
for name, optimism in estimates.items():
    print(f"{name:22s}", optimism[["apparent", "harrell", "e632plus"]].round(3).to_dict())
# --8<-- [end:optimism]
searched, fixed = estimates["stepwise search"], estimates["stepwise model, fixed"]
assert searched["e632plus"] > fixed["e632plus"] and searched["harrell"] > fixed["harrell"]
