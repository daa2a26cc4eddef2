"""The cross-validation record :class:`CVResult` (computed by :mod:`glmgen.fit.cv`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..stats import index_1se, index_min
from . import display

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CVResult:
    """Cross-validated held-out deviance along a path (:mod:`glmgen.stats.cross_validation` summaries).

    ``folds`` is a DataFrame (one row per fold, and per repeat when
    ``repeats > 1``; one column per alpha) of held-out mean deviances;
    ``fold_ids`` gives each training row's fold (first repeat).
    """

    alphas: FloatArray
    mean_deviance: FloatArray
    se: FloatArray
    folds: pd.DataFrame
    fold_weights: FloatArray
    fold_ids: IntArray
    repeats: int
    df: FloatArray

    @property
    def index_min(self) -> int:
        return index_min(self.mean_deviance)

    @property
    def index_1se(self) -> int:
        return index_1se(self.mean_deviance, self.se)

    @property
    def alpha_min(self) -> float:
        return float(self.alphas[self.index_min])

    @property
    def alpha_1se(self) -> float:
        return float(self.alphas[self.index_1se])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"alpha": self.alphas, "mean_deviance": self.mean_deviance, "se": self.se,
                             "df": self.df})

    def plot(self, ax: Any = None) -> Figure:
        """CV curve (mean held-out deviance +- se against log10 alpha) with both chosen alphas marked."""
        figure: Figure = display.show("plot_cv", self, ax=ax)
        return figure

    def __repr__(self) -> str:
        return (f"CVResult({len(self.folds)} folds, alpha_min={self.alpha_min:.4g}, alpha_1se={self.alpha_1se:.4g}, "
                f"min mean deviance={self.mean_deviance[self.index_min]:.6g})")
