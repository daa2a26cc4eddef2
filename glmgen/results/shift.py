"""The record of a shift check: :class:`ShiftResult` (built by :mod:`glmgen.evaluation`, drawn by :mod:`glmgen.render`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import display

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]

#: the columns of :attr:`ShiftResult.table`, in order
SHIFT_COLUMNS = ("column", "kind", "statistic_name", "statistic", "smd", "ks", "psi", "unseen_share", "na_train",
                 "na_new", "na_change", "used")


@dataclass(frozen=True, eq=False)
class ShiftResult:
    """How far ``new`` rows are from the training rows, column by column and jointly.

    Attributes
    ----------
    table : DataFrame
        One row per column compared (:data:`SHIFT_COLUMNS`): ``kind`` (``"numeric"`` or ``"categorical"``);
        ``statistic`` (``statistic_name``: ``"ks"``, the Kolmogorov-Smirnov D, for numeric columns,
        ``"tvd"``, the total variation distance between the level shares, for categorical ones); ``smd`` (the
        standardized mean difference) and ``ks`` (numeric only); ``psi`` (population stability index);
        ``unseen_share`` (share of the new rows whose level never occurs in the training rows); ``na_train``,
        ``na_new`` (shares of missing values) and ``na_change`` (their difference); ``used`` (the adversarial
        model has a non-zero coefficient on the column).
    auc : float
        Cross-validated AUC of the adversarial model (penalized logistic regression telling new rows, label 1,
        from training rows, label 0): 0.5 means no detectable shift.
    auc_se : float
        Its standard error (Hanley and McNeil 1982).
    fold_auc : ndarray ``(folds,)``
        The AUC within each cross-validation fold.
    alpha : float
        The adversarial model's penalty, chosen by cross-validated deviance (``alpha_min``); NaN when no column
        varies.
    terms_used : Series
        The adversarial model's non-zero coefficients at ``alpha`` (intercept excluded), by term.
    n_train, n_new : int
        Rows compared.
    held_out_deviance : float or None
        For ``fit.shift(new)``: the model's mean held-out deviance over its training rows (K-fold CV refits);
        ``None`` for :func:`glmgen.shift`.
    expected_deviance : float or None
        The same held-out deviances weighted by the estimated density ratio ``w = p_new(x) / p_train(x)``: the
        mean deviance to expect on the new population.
    effective_n : float or None
        Kish's effective number of training rows under those weights, ``(sum w)^2 / sum w^2``.
    notes : list of str
        How the numbers were computed, and anything left out.
    warnings : list of str
        Warnings raised while fitting the adversarial model and the refits.
    """

    table: pd.DataFrame
    auc: float
    auc_se: float
    fold_auc: FloatArray
    alpha: float
    terms_used: pd.Series
    n_train: int
    n_new: int
    folds: int
    seed: int
    held_out_deviance: float | None = None
    expected_deviance: float | None = None
    effective_n: float | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def columns_used(self) -> list[str]:
        """The columns the adversarial model uses (non-zero coefficients at ``alpha``)."""
        return [str(c) for c in self.table.loc[self.table["used"], "column"]]

    @property
    def deviance_ratio(self) -> float | None:
        """``expected_deviance / held_out_deviance``: how much worse the model is likely to do on the new rows."""
        if self.expected_deviance is None or self.held_out_deviance is None:
            return None
        return self.expected_deviance / self.held_out_deviance

    def plot(self, ax: Any = None) -> Figure:
        """Population stability index per column, the AUC in the title."""
        figure: Figure = display.show("plot_shift", self, ax=ax)
        return figure

    def summary(self) -> str:
        """The table and the adversarial AUC (and the expected deviance, for a fitted model) as text."""
        text: str = display.show("shift_text", self)
        return text

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))
