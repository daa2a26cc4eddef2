"""Data beyond memory: the RAND HIE visits model fitted from Parquet files through Dask, and checked against
the same model fitted in memory.

The 20,190 person-years of ``statsmodels.datasets.randhie`` are written as 8 Parquet files (a stand-in for a
directory far larger than memory), read lazily with ``dask.dataframe.read_parquet`` and fitted partition by
partition. Self-rated health is one factor (``health``) built from the data's three dummies.
"""

import warnings

import numpy as np
import pandas as pd

# --8<-- [start:write]
import dask.dataframe as dd
from statsmodels.datasets import randhie

visits = randhie.load_pandas().data
visits["health"] = np.select([visits.hlthg == 1, visits.hlthf == 1, visits.hlthp == 1],
                             ["good", "fair", "poor"], "excellent")
visits = visits.drop(columns=["hlthg", "hlthf", "hlthp"])
dd.from_pandas(visits, npartitions=8).to_parquet("visits/")        # 8 files

frame = dd.read_parquet("visits/")                                  # lazy: nothing is read yet
print(frame.npartitions)
# --8<-- [end:write]
assert frame.npartitions == 8

# --8<-- [start:client]
from distributed import Client, LocalCluster

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
client = Client(cluster)      # from now on Dask work runs on this cluster; without it, on Dask's local scheduler
# --8<-- [end:client]

# --8<-- [start:fit]
import glmgen as gg

formula = "mdvis ~ lncoins + idp + lpi + fmde + physlm + disea + health"
fit = gg.glm(formula, frame, family="poisson")
print(fit.summary())
print(fit.history["passes"])                 # passes over the data: the start, each IRLS step, the final step
# --8<-- [end:fit]

# --8<-- [start:same]
in_memory = gg.glm(formula, visits, family="poisson")
print(np.max(np.abs(fit.params - in_memory.params) / np.abs(in_memory.params)))    # about 1e-14
print(np.max(np.abs(fit.bse - in_memory.bse) / in_memory.bse))
print(fit.aic, in_memory.aic)
# --8<-- [end:same]
assert np.max(np.abs(fit.params - in_memory.params) / np.abs(in_memory.params)) < 1e-8
assert np.max(np.abs(fit.bse - in_memory.bse) / in_memory.bse) < 1e-8
assert abs(fit.aic - in_memory.aic) < 1e-8 * abs(in_memory.aic)

# --8<-- [start:heldout]
train, test = gg.split(frame, test_size=0.25, seed=0)    # a seeded draw per row, partition by partition
model = gg.glm(formula, train, family="poisson")
print(gg.generalization(model, train, test))             # deviances reduced over the partitions
predicted = model.predict(test)                          # a lazy dask Series
print(predicted.head())
# --8<-- [end:heldout]
result = gg.generalization(model, train, test)
assert 0 < result.test_d2 < 1 and abs(result.gap) < 0.5

# --8<-- [start:path]
path = gg.glm_path(formula, train, family="poisson", n_alphas=20)
cv = path.cv(folds=5, seed=0)                  # every fold's path in the same passes over the data
print(cv.alpha_1se, path.select("cv_1se").params.round(3))

folds = gg.distributed.fold_ids(train, folds=5, seed=0).compute().to_numpy()
train_rows = train.compute()                   # to check: the same folds in memory give the same CV curve
same = gg.glm_path(formula, train_rows, family="poisson", n_alphas=20).cv(folds=folds)
print(np.max(np.abs(cv.mean_deviance - same.mean_deviance) / same.mean_deviance))
# --8<-- [end:path]
assert np.max(np.abs(cv.mean_deviance - same.mean_deviance) / same.mean_deviance) < 1e-6

# --8<-- [start:bootstrap]
boot = gg.bootstrap(model, n_boot=30, seed=0)    # the Poisson bootstrap: each row's count from Poisson(1)
print(boot.conf_int().round(3))
print(boot.optimism()[["apparent", "harrell", "e632plus"]])
# --8<-- [end:bootstrap]
assert boot.n_boot == 30 and boot.method == "poisson"

# --8<-- [start:report]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    report = gg.report(formula, frame, family="poisson", folds=5, n_boot=10, n_alphas=20)
report.save("visits-report.html")
# --8<-- [end:report]
assert "Poisson-bootstrap" in report.to_markdown()

client.close()
cluster.close()
