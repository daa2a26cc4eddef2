"""Bootstrap bias-variance decomposition of held-out predictions along a path (:func:`bias_variance`).

Each replicate refits the model (a path on a fixed alpha grid,
:meth:`~.engines_path.PathEngine.grid_coefficients`, or a single fit at its
own alpha) on a case resample of the training rows, exactly as
:func:`~.bootstrap.bootstrap` does, and predicts the mean at the held-out
rows; the tasks accumulate per-row sums, so memory does not grow with the
number of replicates.
"""

from __future__ import annotations

import warnings as warnings_module
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._validation import check_n_jobs, check_seed, check_whole
from ..errors import ConvergenceWarning, DataError, InvalidParameterError
from ..fit import problem_of
from ..results import GLMResult, PathResult
from ..solvers import CDControl, GLMProblem
from .engines_glm import GLMEngine, PenalizedEngine
from .engines_path import PathEngine
from .records import BiasVarianceResult
from .refit import REFIT_CONTROL
from .resampler import Resampler
from .run import chunks, map_chunks

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def bias_variance(
    obj: Any,
    data: AnyFrame,
    n_boot: int = 200,
    seed: int = 0,
    alphas: Any = None,
    *,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> BiasVarianceResult:
    """Bootstrap bias-variance decomposition of the predicted mean at held-out rows, per alpha.

    Parameters
    ----------
    obj : PathResult or GLMResult
        A path is refitted on each resample at the fixed grid ``alphas``
        (default: the path's alphas), warm-started along the grid; a
        ``GLMResult`` at its own alpha (0 for unpenalized fits).
    data : DataFrame
        pandas, polars or pyarrow (as :func:`glmgen.glm`). Held-out rows (response, weights and offsets read as at fit time).
    n_boot, seed, n_jobs, progress
        As :func:`bootstrap` (case resampling of the training rows).
    alphas : array, optional
        Alphas of a path to evaluate.

    Returns
    -------
    BiasVarianceResult
        ``table`` indexed by alpha: ``bias2``, ``variance``,
        ``expected_error`` (= bias2 + variance), ``mean_deviance``,
        ``bagged_deviance``, ``df``, ``n_boot``; the definitions are in
        :class:`~.records.BiasVarianceResult`.
    """
    data = as_pandas(data)
    if isinstance(obj, PathResult):
        try:
            grid = np.sort(np.asarray(obj.alphas if alphas is None else alphas, dtype=float))[::-1]
        except (TypeError, ValueError):
            grid = np.array([np.nan])
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
            raise InvalidParameterError(f"alphas={alphas!r} must be a non-empty list of positive numbers.")
        engine: Any = PathEngine.of(obj, "bic", grid="original", cv_folds=None, cv_groups=None)
        path_alphas: FloatArray | None = grid
    elif isinstance(obj, GLMResult):
        if obj.training is None:
            raise DataError("this model holds no training rows (it was loaded from a file, or fitted on a Dask DataFrame), so it cannot be refitted.")
        if alphas is not None:
            raise InvalidParameterError("alphas= applies to a path; a GLMResult is evaluated at its own alpha.")
        engine = (PenalizedEngine.of(obj, CDControl()) if obj.penalty.is_penalized
                  else GLMEngine.of(obj, REFIT_CONTROL))
        grid, path_alphas = np.array([obj.penalty.alpha]), None
    else:
        raise InvalidParameterError(f"bias_variance needs a PathResult or a GLMResult, got {type(obj).__name__}.")
    n_boot, seed, n_jobs = check_whole("n_boot", n_boot, 2), check_seed(seed), check_n_jobs(n_jobs)
    family = obj.family
    held_out = obj.spec.build(data)
    test = problem_of(held_out, obj.spec, family, obj.link)  # the held-out rows' arrays
    resampler = Resampler.build(engine.rows.n_rows, None, None)
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    pieces = chunks(n_boot)
    tasks = [(engine, resampler, test, path_alphas, [seeds[r] for r in c]) for c in pieces]
    parts = map_chunks(_bias_variance_chunk, tasks, [len(c) for c in pieces], n_jobs, progress, "bias-variance")
    sums = {key: sum(part[key] for part in parts) for key in ("mu", "mu2", "dev", "err", "df", "n")}
    n_ok = sums["n"]
    w = test.weights / test.weights.sum()
    mean_mu = sums["mu"] / n_ok
    variance = np.maximum(sums["mu2"] / n_ok - mean_mu**2, 0.0) @ w
    bias2 = np.square(mean_mu - test.y[None, :]) @ w
    with np.errstate(all="ignore"):
        bagged = np.array([family.deviance(test.y, m, test.weights) for m in mean_mu]) / test.weights.sum()
    table = pd.DataFrame({
        "bias2": bias2, "variance": variance, "expected_error": sums["err"] / n_ok @ w,
        "mean_deviance": sums["dev"] / n_ok @ w, "bagged_deviance": bagged, "df": sums["df"] / n_ok,
        "n_boot": np.full(grid.size, n_ok),
    }, index=pd.Index(grid, name="alpha"))
    n_failed = int(n_boot) - int(n_ok)
    messages = []
    if n_failed:
        messages.append(f"{n_failed} of {n_boot} bias-variance replicates failed and were left out.")
        warnings_module.warn(messages[-1], ConvergenceWarning, stacklevel=2)
    return BiasVarianceResult(table=table, n_failed=n_failed, warnings=messages)


def _bias_variance_chunk(engine: Any, resampler: Resampler, test: GLMProblem, path_alphas: FloatArray | None,
                         seeds: Sequence[np.random.SeedSequence]) -> dict[str, Any]:
    """Per-row sums over the chunk's replicates of the predicted means, their squares, unit deviances and
    squared errors at each alpha (``path_alphas`` of a path, else the fit's own alpha), and of df."""
    n_alphas = 1 if path_alphas is None else path_alphas.size
    n_test = test.y.size
    sums: dict[str, Any] = {"mu": np.zeros((n_alphas, n_test)), "mu2": np.zeros((n_alphas, n_test)),
                            "dev": np.zeros((n_alphas, n_test)), "err": np.zeros((n_alphas, n_test)),
                            "df": np.zeros(n_alphas), "n": 0}
    for child in seeds:
        rng = np.random.default_rng(child)
        counts = resampler.draw(rng)
        try:
            with warnings_module.catch_warnings():
                warnings_module.simplefilter("ignore")
                if path_alphas is not None:
                    coefs = engine.grid_coefficients(counts, path_alphas)
                else:
                    coef = engine.refit(counts, rng).coef
                    coefs = np.asarray(coef if test.fit_intercept else np.concatenate([[0.0], coef]))[None, :]
        except Exception:  # noqa: BLE001, S112 - failed replicates are counted by the caller
            continue
        coefs = np.nan_to_num(coefs, nan=0.0)
        with np.errstate(all="ignore"):
            mu = test.link.inverse(test.offset[None, :] + coefs[:, :1] + (test.X @ coefs[:, 1:].T).T)
            unit = test.family.unit_deviance(test.y[None, :], mu)
        sums["mu"] += mu
        sums["mu2"] += mu**2
        sums["dev"] += unit
        sums["err"] += np.square(mu - test.y[None, :])
        sums["df"] += np.count_nonzero(coefs[:, 1:], axis=1)
        sums["n"] += 1
    return sums
