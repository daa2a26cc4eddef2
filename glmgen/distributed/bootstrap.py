"""The Poisson bootstrap of a model fitted on a Dask DataFrame: every replicate refitted in shared passes.

Replicate ``r`` weighs each row by a count drawn from Poisson(1) (:mod:`.rows`: a seed stream per partition and
replicate), the standard bootstrap of distributed data: no row is shuffled between partitions, and each
replicate is a weighted fit of the same rows, whose in-memory twin is the fit with those counts as frequency
weights. All replicates' IRLS (or penalized) iterations run in the same passes, in batches bounding the memory
of the Gram matrices a partition task returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import check_seed, check_whole
from ..solvers import IRLSControl
from .driver import run
from .irls import irls_steps
from .partitions import map_partitions
from .paths import evaluate_once
from .penalized import path_steps
from .probes import Job, Probe
from .rows import RowSet, partition_counts

FloatArray = npt.NDArray[np.float64]

#: bytes of working Gram matrices one pass may return per partition (replicates are batched to stay below)
BATCH_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Replicates:
    """Per replicate: coefficients (intercept first, as ``params``), converged, whether some fitted mean sits on
    the boundary of its range, the unscaled standard errors (unpenalized refits), iterations, the replicate
    model's deviance and weight on its resample, and its deviance on the original rows; the out-of-bag error and
    the sums behind the no-information deviance at the full-data fit."""

    coefs: FloatArray
    converged: npt.NDArray[np.bool_]
    at_boundary: npt.NDArray[np.bool_]
    std_errors: FloatArray | None
    n_iter: npt.NDArray[np.int64]
    deviance_resample: FloatArray
    weight_resample: FloatArray
    deviance_original: FloatArray
    #: total weight of the original rows
    weight: float
    #: the leave-one-out bootstrap error Err(1) (NaN when no row was ever out-of-bag)
    loo_error: float
    #: ``(sum w a(y), sum w b(mu), sum w y, sum w c(mu))`` at the full-data fit, or ``None`` for a family whose
    #: deviance does not split (:meth:`~glmgen.model.Family.deviance_split`)
    split_sums: FloatArray | None


def poisson_replicates(frame: Any, job: Job, n_boot: int, seed: int, *, estimate: FloatArray, penalized: Any = None,
                       control: IRLSControl, progress: bool | None = None) -> Replicates:
    """Refit ``job``'s model on ``n_boot`` Poisson resamples of ``frame`` (``estimate``: the full-data
    coefficients, intercept first as in ``params``; ``penalized``: the path settings and alpha ``(settings,
    alpha)`` of a penalized fit). The last pass scores every replicate on the original rows, with the sums
    behind the out-of-bag error and the no-information deviance of .632+. ``progress``: as :func:`.driver.run`'s."""
    spec = job.spec
    p = len(spec.column_names)
    canonical = job.family.is_canonical(job.link)
    batch = max(1, BATCH_BYTES // (8 * (p + 1) ** 2))
    rows = [RowSet("replicate", replicate=r, seed=seed) for r in range(n_boot)]
    solutions: list[Any] = []
    for start in range(0, n_boot, batch):
        if penalized is None:
            fits = [irls_steps(p, spec.fit_intercept, canonical, control, rows=r) for r in rows[start:start + batch]]
        else:
            settings, alpha = penalized
            fits = [path_steps(p, spec.fit_intercept, canonical, job.family, job.link, factors=settings.factors,
                               l1_ratio=settings.l1_ratio, standardize=settings.standardize,
                               alphas=np.array([alpha]), n_alphas=1, alpha_min_ratio=None, control=settings.control,
                               has_offset=settings.has_offset, response=spec.response.label, rows=r)
                    for r in rows[start:start + batch]]
        solutions.extend(run(frame, job, fits, progress=progress))
    points = [s if penalized is None else s.points[0] for s in solutions]
    coefs = np.array([_with_intercept(pt.coef, pt.intercept, spec.fit_intercept) for pt in points])
    start = int(spec.fit_intercept)
    intercepts = coefs[:, 0] if spec.fit_intercept else np.zeros(n_boot)
    full_intercept = float(estimate[0]) if spec.fit_intercept else 0.0
    original, at_estimate = run(frame, job, [
        evaluate_once(Probe(np.nan_to_num(coefs[:, start:]).T, intercepts, many=True, oob_seed=seed)),
        evaluate_once(Probe(np.nan_to_num(estimate[start:]), full_intercept, no_information=True)),
    ], progress=progress)
    assert original.oob is not None
    return Replicates(
        coefs=coefs, converged=np.array([bool(pt.converged) for pt in points]),
        at_boundary=np.array([pt.outcome.boundary > 0 for pt in points]),
        std_errors=None if penalized is not None else np.array(
            [np.sqrt(np.abs(np.diag(s.cov_unscaled))) for s in solutions]),
        n_iter=np.array([pt.n_iter for pt in points], dtype=np.int64),
        deviance_resample=np.array([pt.outcome.deviance for pt in points]),
        weight_resample=np.array([pt.outcome.weight for pt in points]),
        deviance_original=np.asarray(original.deviances, dtype=float), weight=original.weight,
        loo_error=float(original.oob[0] / original.oob[1]) if original.oob[1] > 0 else np.nan,
        split_sums=at_estimate.split_sums,
    )


def _with_intercept(coef: FloatArray, intercept: float, fit_intercept: bool) -> FloatArray:
    return np.concatenate([[intercept], coef]) if fit_intercept else np.asarray(coef, dtype=float)


def poisson_counts(frame: Any, n_boot: int = 1000, seed: int = 0) -> Any:
    """The Poisson bootstrap counts of every row of the Dask DataFrame ``frame``: a lazy dask DataFrame with
    columns ``0..n_boot-1`` (replicate ``r``'s count of each row, from Poisson(1)), the counts
    ``gg.bootstrap(fit, n_boot, seed)`` of a fit on ``frame`` uses."""
    n_boot, seed = check_whole("n_boot", n_boot, 1), check_seed(seed)
    meta = pd.DataFrame({r: np.zeros(0, dtype=np.int64) for r in range(n_boot)})
    return map_partitions(frame, _count_frame, meta, n_boot, seed)


def _count_frame(part: pd.DataFrame, number: int, n_boot: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame({r: partition_counts(number, len(part), r, seed) for r in range(n_boot)}, index=part.index)
