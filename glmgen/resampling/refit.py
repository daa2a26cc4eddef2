"""What every refit engine shares: the original rows, the refit record, and resampled designs.

An engine takes one resample (a vector of row counts, see
:mod:`.resampler`) and returns a :class:`Refit`. Engines never build a
:class:`~glmgen.results.GLMResult` for a refit (no covariance, null model,
formula or warnings): they call the solvers directly and return what the
bootstrap summaries need, including the refitted linear predictor on
**all** original rows (for the deviance on the original data and the
out-of-bag deviances).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ..formula import DesignMatrix
from ..matrices import Matrix, ModelMatrix
from ..model import Family, Link
from ..solvers import IRLSControl
from .resampler import resample_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: refits stop once coefficients settle to this relative change (plenty for bootstrap summaries)
REFIT_CONTROL = IRLSControl(tol=1e-10, coef_tol=1e-8, max_iter=100)


@dataclass
class Refit:
    """One refit: coefficients (array in the engine's ``columns`` order, or a dict by name) and diagnostics.

    ``eta`` is the refitted linear predictor on all original rows (``None``
    when it cannot be computed, e.g. a stepwise model whose categorical level
    is absent from the resample); ``y`` is the simulated response of a
    parametric replicate.
    """

    coef: FloatArray | dict[str, float]
    converged: bool
    n_iter: int
    eta: FloatArray | None
    chosen_alpha: float = math.nan
    chosen_formula: str | None = None
    y: FloatArray | None = None
    mu: FloatArray | None = None
    separated: bool = False


@dataclass(frozen=True, eq=False)
class RowData:
    """The original rows every engine shares: response, total fitting weights, family and link."""

    y: FloatArray
    weights: FloatArray
    family: Family
    link: Link

    @classmethod
    def of(cls, design: DesignMatrix, family: Family, link: Link) -> RowData:
        """The rows of a fit's design; fitting weights are prior weights x trials x frequency weights."""
        assert design.y is not None
        return cls(design.y, design.weights * design.freq_weights, family, link)

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])

    def resampled_rows(self, counts: IntArray) -> IntArray:
        """Positions of the rows with positive weight in the resample ``counts``."""
        return np.flatnonzero(resample_weights(self.weights, counts) > 0)


def take_rows(X: Matrix, rows: IntArray) -> Matrix:
    """``X[rows]`` as a column-major array (one copy), or the rows of each block of a :class:`ModelMatrix`."""
    if isinstance(X, ModelMatrix):
        return X.take_rows(rows)
    return X.T.take(rows, axis=1).T if X.flags.f_contiguous else np.asfortranarray(X[rows])


def resample_design(design: DesignMatrix, rows: IntArray, counts: IntArray) -> DesignMatrix:
    """The design restricted to ``rows``, frequency weights multiplied by the resample counts."""
    return replace(
        design, X=take_rows(design.X, rows), y=None if design.y is None else design.y[rows],
        weights=design.weights[rows], trials=design.trials[rows],
        freq_weights=resample_weights(design.freq_weights, counts)[rows], offset=design.offset[rows],
        row_labels=design.row_labels[rows], kept=np.ones(rows.size, dtype=bool), n_dropped=0, dropped_message=None,
    )
