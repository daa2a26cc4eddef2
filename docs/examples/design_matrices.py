"""Large factors and sparse data: a factor is stored as one code per row, sparse input stays sparse.

A synthetic claims-like data set (a 1,000-level provider factor and numeric columns), checked against the
same model fitted on dense dummy columns; and a sparse bag-of-words classifier checked against its dense fit.
"""

import numpy as np
import pandas as pd

# --8<-- [start:factor]
import glmgen as gg

rng = np.random.default_rng(1)
n, levels = 50_000, 1_000
provider = rng.integers(0, levels, n)
claims = pd.DataFrame({
    "provider": pd.Categorical([f"P{p:04d}" for p in provider]),
    "age": rng.uniform(18, 90, n),
    "exposure": rng.uniform(0.2, 1.0, n),
})
rate = np.exp(-2.0 + 0.01 * claims["age"] + rng.normal(0, 0.3, levels)[provider])
claims["count"] = rng.poisson(rate * claims["exposure"])

fit = gg.glm("count ~ provider + age", claims, family="poisson", exposure="exposure")
print(fit.params.shape)                 # (1001,): the intercept, 999 provider levels, age
print(fit.bse.iloc[:3])                 # full R-style inference for every level
# --8<-- [end:factor]
assert fit.params.shape == (1001,) and np.isfinite(fit.bse).all()

# --8<-- [start:same-as-dummies]
small = claims[claims["provider"].cat.codes < 100].copy()          # 100 providers, ~50 rows each
small["provider"] = small["provider"].cat.remove_unused_categories()
by_codes = gg.glm("count ~ provider + age", small, family="poisson", exposure="exposure")
dummies = pd.get_dummies(small["provider"], prefix="d", drop_first=True, dtype=float)
dense = pd.concat([small[["count", "age", "exposure"]], dummies], axis=1)
by_dummies = gg.glm("count ~ " + " + ".join(list(dummies.columns) + ["age"]), dense, family="poisson",
                    exposure="exposure")
print(np.max(np.abs(by_codes.params.to_numpy() - by_dummies.params.to_numpy())))   # ~1e-13
# --8<-- [end:same-as-dummies]
assert np.allclose(by_codes.params.to_numpy(), by_dummies.params.to_numpy(), rtol=1e-9, atol=1e-10)
assert np.allclose(by_codes.bse.to_numpy(), by_dummies.bse.to_numpy(), rtol=1e-8)

# --8<-- [start:sparse]
import scipy.sparse as sp
from glmgen.sklearn import GLMClassifier

words = sp.random(20_000, 2_000, density=0.005, format="csr", random_state=2, data_rvs=lambda k: np.ones(k))
signal = words[:, :20] @ rng.normal(0, 1.5, 20)           # 20 words matter
label = rng.random(20_000) < 1 / (1 + np.exp(-(signal - 0.5)))

sparse_fit = GLMClassifier(alpha=1e-3, l1_ratio=1.0).fit(words, label)      # never densified
dense_fit = GLMClassifier(alpha=1e-3, l1_ratio=1.0).fit(words.toarray(), label)
print(np.flatnonzero(sparse_fit.coef_))                # words among the first 20
print(np.max(np.abs(sparse_fit.coef_ - dense_fit.coef_)))
# --8<-- [end:sparse]
assert 0 < np.count_nonzero(sparse_fit.coef_) and np.all(np.flatnonzero(sparse_fit.coef_) < 20)
assert np.allclose(sparse_fit.coef_, dense_fit.coef_, atol=1e-8)
