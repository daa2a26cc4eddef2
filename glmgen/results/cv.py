"""The cross-validation record :class:`CVResult` (computed by :mod:`glmgen.fit.cv`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InvalidParameterError
from ..stats import index_1se, index_min, relaxed_choice
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

    On a relaxed path (``path.cv(gamma=...)``), ``gammas`` is the grid and
    ``relaxed_mean`` / ``relaxed_se`` the ``(n_gammas, n_alphas)`` tables (see
    :meth:`gamma_table`); ``mean_deviance`` and ``se`` are then the row of
    ``gamma_min``, and ``index_min`` / ``index_1se`` the joint choice.
    """

    alphas: FloatArray
    mean_deviance: FloatArray
    se: FloatArray
    folds: pd.DataFrame
    fold_weights: FloatArray
    fold_ids: IntArray
    repeats: int
    df: FloatArray
    gammas: FloatArray | None = None
    relaxed_mean: FloatArray | None = None
    relaxed_se: FloatArray | None = None

    @property
    def n_folds(self) -> int:
        """Folds per repeat (``folds`` has a row per fold of each repeat)."""
        return len(self.folds) // self.repeats

    @property
    def index_min(self) -> int:
        if self.relaxed_mean is not None:
            return self.relaxed_choice("cv")[1]
        return index_min(self.mean_deviance)

    @property
    def index_1se(self) -> int:
        if self.relaxed_mean is not None:
            return self.relaxed_choice("cv_1se")[1]
        return index_1se(self.mean_deviance, self.se)

    @property
    def gamma_min(self) -> float | None:
        """The gamma chosen with ``alpha_min`` (relaxed CV), else ``None``."""
        return None if self.gammas is None else self.relaxed_choice("cv")[0]

    @property
    def gamma_1se(self) -> float | None:
        """The gamma chosen with ``alpha_1se`` (relaxed CV), else ``None``."""
        return None if self.gammas is None else self.relaxed_choice("cv_1se")[0]

    def relaxed_choice(self, criterion: str, gamma: float | None = None) -> tuple[float, int]:
        """``(gamma, alpha index)`` chosen by "cv" (min) or "cv_1se" jointly (``cv.glmnet(relax=TRUE)``), or
        for the given ``gamma`` (one of :attr:`gammas`) along its row."""
        if self.gammas is None or self.relaxed_mean is None or self.relaxed_se is None:
            raise InvalidParameterError("this cross-validation scored no gamma; run path.cv() on a relax=True path.")
        rule = "1se" if criterion == "cv_1se" else "min"
        if gamma is None:
            row, col = relaxed_choice(self.relaxed_mean, self.relaxed_se, self.gammas, rule)
            return float(self.gammas[row]), col
        matches = np.flatnonzero(np.isclose(self.gammas, gamma, rtol=0, atol=1e-12))
        if not len(matches):
            raise InvalidParameterError(
                f"gamma={gamma!r} was not cross-validated (the grid is {list(self.gammas)}); pass one of them or "
                "run path.cv(gamma=[...]) with it."
            )
        mean, se = self.relaxed_mean[matches[0]], self.relaxed_se[matches[0]]
        return float(gamma), index_min(mean) if rule == "min" else index_1se(mean, se)

    def gamma_table(self) -> pd.DataFrame:
        """Mean held-out deviance per gamma (rows) and alpha (columns) of a relaxed CV."""
        if self.gammas is None or self.relaxed_mean is None:
            raise InvalidParameterError("this cross-validation scored no gamma; run path.cv() on a relax=True path.")
        return pd.DataFrame(self.relaxed_mean, index=pd.Index(self.gammas, name="gamma"),
                            columns=pd.Index(self.alphas, name="alpha"))

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

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))
