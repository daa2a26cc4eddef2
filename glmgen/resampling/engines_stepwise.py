"""Refit engine for a stepwise search: the search re-run on each resample with :func:`glmgen.selection.stepwise`.

The search's ``call`` (its options) and ``context`` (the caller's names the
formula uses, see :class:`~glmgen.selection.StepwiseResult`) are replayed on the resample's
distinct rows with frequency weights times the resample counts
(:func:`~.resampler.resample_weights`), so a user-defined function in the
formula means the same in every replicate and in worker processes. A
replicate is separated when a coefficient's Wald standard error in its
selected model exceeds :data:`~.engines_glm.COLLAPSE_RATIO` times the
original selected model's (as :class:`~.engines_glm.GLMEngine` decides).
"""

from __future__ import annotations

import warnings as warnings_module
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import DataError, UnseenLevelError
from ..formula import FormulaContext
from ..selection import StepwiseResult, stepwise
from .engines_glm import COLLAPSE_RATIO
from .refit import Refit, RowData
from .resampler import resample_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class StepwiseEngine:
    """The stepwise search re-run on each resample (its frequency weights times the resample counts)."""

    rows: RowData
    data: pd.DataFrame
    call: dict[str, Any]
    context: FormulaContext
    freq_weights: FloatArray
    arrays: dict[str, FloatArray]
    std_errors: dict[str, float]
    columns: None = None

    @classmethod
    def of(cls, result: StepwiseResult, data: pd.DataFrame) -> StepwiseEngine:
        best = result.best
        assert best.training is not None  # a search's fits keep their training rows
        design = best.training.design
        labels = design.row_labels
        if len(data) == design.n_rows and data.index.equals(labels):
            positions = np.arange(len(data))
        elif data.index.is_unique:
            positions = data.index.get_indexer(labels)
            if np.any(positions < 0):
                raise DataError(
                    "data does not hold every row the stepwise search used (row labels differ); pass the data frame "
                    "the search was run on."
                )
        else:
            raise DataError(
                "data has duplicated row labels and the stepwise search dropped rows, so its rows cannot be matched; "
                "reset the index (data.reset_index(drop=True)) and re-run the search."
            )
        used = data.iloc[positions]
        arrays = {}
        for role in ("weights", "offset", "exposure"):
            value = result.call.get(role)
            if value is not None and not isinstance(value, str):
                values = np.asarray(value, dtype=float)  # given for the searched rows, or for the rows of data
                arrays[role] = values if values.shape[0] == design.n_rows else values[positions]
        rows = RowData.of(design, best.family, best.link)
        check = best.spec.build(used, arrays=arrays | {"freq_weights": design.freq_weights})
        if check.n_rows != design.n_rows or check.y is None or not np.array_equal(check.y, rows.y):
            raise DataError("data is not the data frame the stepwise search was run on (the responses differ).")
        return cls(rows, used, dict(result.call), result.context, design.freq_weights, arrays,
                   best.bse.to_dict())

    def refit(self, counts: IntArray, rng: np.random.Generator, y: FloatArray | None = None) -> Refit:
        rows = self.rows.resampled_rows(counts)
        call = dict(self.call)
        for role, values in self.arrays.items():
            call[role] = values[rows]
        call["freq_weights"] = resample_weights(self.freq_weights, counts)[rows]
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("ignore")
            result = stepwise(data=self.data.iloc[rows], context=self.context, **call)
        best = result.best
        coef = {str(name): float(value) for name, value in best.params.items()}
        try:
            design = best.spec.build(self.data, need_response=False,
                                     arrays=self.arrays | {"freq_weights": self.freq_weights})
            eta: FloatArray | None = best.linear_predictor(design.X, design.offset)
        except UnseenLevelError:
            eta = None
        return Refit(coef, bool(best.converged), int(best.n_iter), eta, chosen_formula=best.spec.formula,
                     separated=self._diverged(best.bse))

    def _diverged(self, std_errors: pd.Series) -> bool:
        """Whether a coefficient's Wald standard error in the selected model exceeds ``COLLAPSE_RATIO`` times the
        original selected model's (the resample's information collapsed: a separated resample)."""
        reference = std_errors.index.map(self.std_errors).to_numpy(dtype=float, na_value=np.nan)
        return bool(np.any(std_errors.to_numpy(dtype=float) > COLLAPSE_RATIO * reference))
