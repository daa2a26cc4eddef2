"""Interoperability: the same fit from pandas, polars (eager and lazy) and Arrow frames.

Grunfeld's investment data: 10 US firms over 20 years, ``invest`` against the firm's ``value`` and
``capital``, with ``firm`` as a categorical whose first level is the reference.
"""

# --8<-- [start:frames]
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
from statsmodels.datasets import grunfeld

import glmgen as gg

firms = grunfeld.load_pandas().data
levels = ["US Steel"] + sorted(set(firms["firm"]) - {"US Steel"})   # the first level is the reference
firms["firm"] = pd.Categorical(firms["firm"], categories=levels)
formula = "np.log(invest) ~ np.log(value) + np.log(capital) + C(firm)"

polars_frame = pl.from_pandas(firms).with_columns(pl.col("firm").cast(pl.Enum(levels)))   # Enum: ordered levels

from_pandas = gg.glm(formula, firms)
from_polars = gg.glm(formula, polars_frame)
from_lazy = gg.glm(formula, polars_frame.lazy())               # a LazyFrame is collected once
from_arrow = gg.glm(formula, pa.Table.from_pandas(firms))      # a dictionary column keeps its categories
print(from_polars.params.index[:3].tolist())   # Intercept, C(firm)[T.American Steel], ...: US Steel is the reference
# --8<-- [end:frames]
for other in (from_polars, from_lazy, from_arrow):
    assert other.params.index.equals(from_pandas.params.index)
    assert np.allclose(other.params, from_pandas.params, rtol=1e-12, atol=1e-12)
    assert np.allclose(other.bse, from_pandas.bse, rtol=1e-12)
assert "C(firm)[T.US Steel]" not in from_polars.params.index

# --8<-- [start:back_to_polars]
table = pl.from_pandas(from_polars.coef_table().reset_index(names="term"))   # results are pandas
print(table.head(3))
# --8<-- [end:back_to_polars]
assert table.height == len(from_pandas.params)
