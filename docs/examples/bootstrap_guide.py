"""The bootstrap: resampling schemes, intervals, inclusion frequencies and optimism (.632, .632+).

Small n_boot values keep this script fast; use 1000 or more in practice.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np

# --8<-- [start:fit]
import glmgen as gg
from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data
fit = gg.glm("murder ~ poverty + single + urban", states)

boot = gg.bootstrap(fit, n_boot=200, seed=0)     # case resampling: refit on rows drawn with replacement
print(boot)
print(boot.to_frame())                           # estimate, se, bias, inclusion, lower, upper
# --8<-- [end:fit]
assert boot.n_boot == 200 and boot.replicates.shape == (200, 4)

# --8<-- [start:intervals]
for method in ("percentile", "basic", "normal", "bca"):
    print(method, boot.conf_int(level=0.95, method=method).loc["single"].round(3).tolist())
print(fit.conf_int().loc["single"].round(3).tolist())   # the Wald interval, for comparison
# --8<-- [end:intervals]

# --8<-- [start:reproducible]
again = gg.bootstrap(fit, n_boot=200, seed=0)   # same seed, same replicates (also with n_jobs=-1)
assert again.replicates.equals(boot.replicates)
first = gg.bootstrap(fit, n_boot=20, seed=0)    # replicate r depends only on (seed, r)
assert first.replicates.equals(boot.replicates.iloc[:20])
counts = boot.resample_counts(0)                          # how often each row appears in replicate 0
assert counts.sum() == len(states)
# --8<-- [end:reproducible]

# --8<-- [start:schemes]
from statsmodels.datasets import grunfeld

firms = grunfeld.load_pandas().data
panel = gg.glm("np.log(invest) ~ np.log(value) + np.log(capital)", firms)
clustered = gg.bootstrap(panel, n_boot=100, seed=0, groups=firms["firm"])       # whole firms resampled
stratified = gg.bootstrap(fit, n_boot=100, seed=0, strata=states["single"] > 30)  # row counts kept per stratum
parametric = gg.bootstrap(fit, n_boot=100, seed=0, method="parametric")        # y simulated from the fit
print(clustered.se.round(4).to_dict())
print(panel.bse.round(4).to_dict())     # the Wald standard errors ignore the within-firm correlation
# --8<-- [end:schemes]
assert clustered.se["np.log(value)"] > 2 * panel.bse["np.log(value)"]

# --8<-- [start:path]
path = gg.glm_path("murder ~ poverty + single + urban + hs_grad + white", states)
selected = gg.bootstrap(path, n_boot=30, seed=0, select="bic")   # the path and the BIC choice on every resample
print(selected.inclusion)               # share of replicates in which each coefficient is non-zero
print(selected.chosen_alpha.describe())
# --8<-- [end:path]
assert selected.inclusion["single"] > 0.9

# --8<-- [start:stepwise]
step = gg.stepwise("murder ~ poverty + single + hs_grad + white", states)
searched = gg.bootstrap(step, n_boot=10, seed=0, data=states)     # the search itself is re-run
print(searched.chosen_formula.value_counts())
# --8<-- [end:stepwise]

# --8<-- [start:optimism]
print(boot.optimism())
# apparent, harrell, loo_boot, e632, e632plus, no_information, overfitting_rate (mean-deviance scale)
# --8<-- [end:optimism]
o = boot.optimism()
assert o["apparent"] <= o["e632"] <= o["loo_boot"]
assert np.isclose(o["e632"], 0.368 * o["apparent"] + 0.632 * o["loo_boot"])
assert abs(o["apparent"] - 2.7948) < 1e-3 and o["harrell"] > 1.3 * o["apparent"]   # quoted on the page

# --8<-- [start:plot]
boot.plot(method="percentile").savefig("bootstrap.png", dpi=80)   # forest plot and inclusion bars
# --8<-- [end:plot]
