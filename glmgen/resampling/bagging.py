"""Bagging: the bootstrap replicates' models as one ensemble predicting new rows.

Replicate ``b`` (coefficients ``beta_b``, a row of ``BootstrapResult.replicates``) predicts row ``i`` of new data
through the original model's design (its spec: levels, transforms, offset and exposure re-evaluated on the new
rows, as :meth:`glmgen.GLMResult.predict`): ``eta_bi = offset_i + beta_b0 + x_i' beta_b`` and
``mu_bi = g^-1(eta_bi)``. Aliased (NaN) coefficients of a replicate count as 0, as in ``predict``. The bagged
prediction is the mean over the ``B`` successful replicates, ``mbar_i = mean_b mu_bi`` on the response scale
(or ``mean_b eta_bi`` on the link scale); failed replicates are left out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..formula import DesignMatrix
from ..results import GLMResult

FloatArray = npt.NDArray[np.float64]


def replicate_etas(model: GLMResult, coefs: pd.DataFrame, design: DesignMatrix) -> FloatArray:
    """``(B, n_kept)`` linear predictors of the design's rows, one row per replicate of ``coefs``."""
    beta = np.nan_to_num(coefs.reindex(columns=model.params.index).to_numpy(dtype=float), nan=0.0)
    start = int(model.spec.fit_intercept)
    intercept = beta[:, 0] if start else np.zeros(len(beta))
    return np.asarray(design.offset[None, :] + intercept[:, None] + (design.X @ beta[:, start:].T).T, dtype=float)


def replicate_predictions(model: GLMResult, coefs: pd.DataFrame, design: DesignMatrix, kind: str) -> FloatArray:
    """``(B, n_kept)`` predictions: the replicates' linear predictors (``kind="link"``) or means (``"response"``)."""
    eta = replicate_etas(model, coefs, design)
    if kind == "link":
        return eta
    with np.errstate(over="ignore"):
        return np.asarray(model.link.inverse(eta), dtype=float)
