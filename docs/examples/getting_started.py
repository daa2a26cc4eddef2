"""Getting started: a Poisson GLM on the RAND Health Insurance Experiment data, and the held-out question.

Run from anywhere: ``python docs/examples/getting_started.py``. It writes
``model.json`` to the current directory.
"""

# --8<-- [start:fit]
import glmgen as gg
from statsmodels.datasets import randhie

data = randhie.load_pandas().data          # 20,190 people, outpatient visits `mdvis` and 9 predictors
train, test = gg.split(data, test_size=0.25, seed=0)

fit = gg.glm("mdvis ~ .", train, family="poisson")
print(fit.summary())
# --8<-- [end:fit]

# --8<-- [start:attributes]
print(fit.params["idp"], fit.bse["idp"])   # one coefficient and its standard error
print(fit.deviance, fit.null_deviance)     # as R's glm reports them
print(fit.aic, fit.bic)                    # R's AIC() and BIC()
print(fit.conf_int().loc["physlm"])        # Wald interval, columns lower / upper
# --8<-- [end:attributes]

# --8<-- [start:heldout]
held_out = fit.evaluate(test)
print(held_out.mean_deviance, held_out.d2)  # held-out mean deviance and D^2

report = gg.generalization(fit, train, test)
print(report)                               # training vs held-out deviance, gap, D^2
print(report.to_frame())
# --8<-- [end:heldout]

# --8<-- [start:predict]
expected_visits = fit.predict(test)                # mean on the response scale
linear_predictor = fit.predict(test, kind="link")  # log of the mean
print(expected_visits.head())
# --8<-- [end:predict]

# --8<-- [start:save]
fit.save("model.json")
same = gg.load("model.json")          # plain JSON; loading never executes code from the file
assert (same.predict(test) == fit.predict(test)).all()
# --8<-- [end:save]

# The numbers quoted on the Getting started page.
assert fit.nobs == 15142 and fit.converged
assert abs(held_out.mean_deviance - 3.9195) < 1e-3
assert abs(report.gap - (-0.318)) < 1e-3
