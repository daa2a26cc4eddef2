"""The Poisson bootstrap of a fit on a Dask DataFrame, as a :class:`~.records.BootstrapResult`.

The replicates are refitted over partitions (:func:`glmgen.distributed.poisson_replicates`): each row's count in
replicate ``r`` is drawn from Poisson(1) (the standard bootstrap of distributed data; the in-memory bootstrap
draws a multinomial, unchanged). Standard errors, bias, percentile/basic/normal intervals, inclusion and
Harrell's and the .632/.632+ optimism follow as in memory: the out-of-bag error is reduced over partitions
(each row's mean unit deviance over the replicates where its count is 0), and so is the no-information
deviance where the family's deviance splits (gaussian, binomial, Poisson; NaN otherwise). BCa intervals (their
jackknife refits every row's deletion) are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..distributed import DaskFitRefits, poisson_counts, poisson_replicates
from ..errors import InvalidParameterError
from ..results import GLMResult
from .engines_glm import COLLAPSE_RATIO
from .intervals import no_information_from_sums
from .records import BootstrapResult
from .refit import REFIT_CONTROL


@dataclass(frozen=True)
class PoissonProcedure:
    """What a Poisson-bootstrap result keeps: the frame and seed, to regenerate a replicate's counts."""

    frame: Any
    seed: int
    n_boot: int

    def counts(self, replicate: int) -> npt.NDArray[np.int64]:
        """Replicate ``replicate``'s count of every row of the frame (computed from the frame's partitions)."""
        if not (isinstance(replicate, (int, np.integer)) and 0 <= replicate < self.n_boot):
            raise InvalidParameterError(f"replicate={replicate!r} must be a whole number in [0, {self.n_boot}).")
        counts = poisson_counts(self.frame, int(replicate) + 1, self.seed)[int(replicate)]
        return np.asarray(counts.compute(), dtype=np.int64)

    def influence(self, jackknife: Any, estimate: pd.Series) -> Any:
        raise InvalidParameterError(
            "BCa intervals need the jackknife influence of every row, which glmgen does not compute over Dask "
            "partitions; use method='percentile', 'basic' or 'normal'."
        )


def poisson_bootstrap(fit: GLMResult, n_boot: int, seed: int, progress: bool | None = None) -> BootstrapResult:
    """The Poisson bootstrap of ``fit`` (fitted on a Dask DataFrame; see the module notes); ``progress``: the bars
    of its passes over the data."""
    refits = fit.refits
    assert isinstance(refits, DaskFitRefits)
    table = poisson_replicates(refits.frame, refits.job, n_boot, seed, estimate=fit.params.to_numpy(dtype=float),
                               penalized=refits.penalized, control=REFIT_CONTROL, progress=progress)
    separated = table.at_boundary
    if table.std_errors is not None and fit.cov_unscaled is not None:
        separated = separated | _collapsed(table.std_errors, fit.cov_unscaled)
    no_information = math.nan if table.split_sums is None else no_information_from_sums(*table.split_sums,
                                                                                        table.weight)
    index = pd.RangeIndex(n_boot, name="replicate")
    replicates = pd.DataFrame(table.coefs, columns=fit.params.index, index=index)
    failed = np.zeros(n_boot, dtype=bool)
    messages = []
    if separated.any():
        messages.append(f"{int(separated.sum())} of {n_boot} Poisson-bootstrap replicates are separated "
                        "(fitted means on the boundary, or a collapsed Fisher information); they are kept.")
    return BootstrapResult(
        estimate=fit.params.rename("estimate"), replicates=replicates, method="poisson",
        target="penalized" if fit.penalty.is_penalized else "glm", select=None, seed=seed,
        converged=table.converged & ~separated, separated=separated, failed=failed, errors={}, n_iter=table.n_iter,
        chosen_alpha=None, chosen_formula=None,
        deviances=pd.DataFrame({"resample": table.deviance_resample, "resample_weight": table.weight_resample,
                                "original": table.deviance_original}, index=index),
        apparent_deviance=fit.deviance / table.weight, no_information=no_information,
        oob_sum=np.zeros(0), oob_count=np.zeros(0, dtype=np.int64), row_weights=np.zeros(0), warnings=messages, total_weight=table.weight, oob_error=table.loo_error,
        model=fit, _procedure=PoissonProcedure(refits.frame, seed, n_boot),
    )


def _collapsed(std_errors: npt.NDArray[np.float64], cov_unscaled: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Per replicate, whether its Fisher information collapsed: an unscaled standard error over
    :data:`~.engines_glm.COLLAPSE_RATIO` times the full-data one (a separated resample, as in memory)."""
    full = np.sqrt(np.abs(np.diag(cov_unscaled)))
    usable = np.isfinite(full)[None, :] & np.isfinite(std_errors)
    return np.asarray(np.any(usable & (std_errors > COLLAPSE_RATIO * full[None, :]), axis=1), dtype=bool)
