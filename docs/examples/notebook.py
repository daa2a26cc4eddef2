"""In a notebook: the RAND HIE Poisson model, one cell at a time, each result shown as it displays in Jupyter.

A notebook in the "percent" format (``# %%`` starts a cell): Jupyter (with jupytext), VS Code and
PyCharm open it as cells; ``python docs/examples/notebook.py`` runs it as a script. The last line of each
cell is the value a notebook displays; ``docs/hooks/notebook_outputs.py`` runs the cells when the site is
built and puts each value's HTML (``_repr_html_``) under its cell on the "In a notebook" page.
"""

# %% load
# --8<-- [start:load]
import glmgen as gg
from statsmodels.datasets import randhie

data = randhie.load_pandas().data          # 20,190 person-years: outpatient visits `mdvis` and 9 predictors
train, test = gg.split(data, test_size=0.25, seed=0)
train.head()
# --8<-- [end:load]

# %% fit
# --8<-- [start:fit]
fit = gg.glm("mdvis ~ .", train, family="poisson")
fit
# --8<-- [end:fit]

# %% path
# --8<-- [start:path]
path = gg.glm_path("mdvis ~ .", train, family="poisson", n_alphas=50)
path
# --8<-- [end:path]

# %% cv
# --8<-- [start:cv]
cv = path.cv(folds=5, seed=0)
cv
# --8<-- [end:cv]

# %% bootstrap
# --8<-- [start:bootstrap]
boot = gg.bootstrap(fit, n_boot=100, seed=0)
boot
# --8<-- [end:bootstrap]

# %% stepwise
# --8<-- [start:stepwise]
step = gg.stepwise("mdvis ~ .", train, family="poisson", criterion="bic")
step
# --8<-- [end:stepwise]

# %% compare
# --8<-- [start:compare]
models = [fit, step.best, path.select("cv_1se")]
table = gg.compare(models, names=["full", "stepwise (BIC)", "lasso (cv_1se)"], test=test)
table.round(3)
# --8<-- [end:compare]

# %% generalization
# --8<-- [start:generalization]
gg.generalization(step.best, train, test)
# --8<-- [end:generalization]

# %% checks
# What the page says about these results.
assert fit.nobs == 15142 and fit.converged
assert step.n_steps >= 1 and len(step.best.params) < len(fit.params)
assert cv.alpha_1se > cv.alpha_min
assert boot.n_failed == 0
assert list(table.index) == ["full", "stepwise (BIC)", "lasso (cv_1se)"]
