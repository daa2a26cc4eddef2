"""Small summaries behind the report's diagnostic figures (binning, expected counts).

These are statistics, so they live here (api layer) and not in
:mod:`glmgen.render`, which only renders them. Each function takes a fitted
:class:`~glmgen.results.GLMResult` and either its training rows (``data=None``)
or new rows (``data=``, read through the training design, e.g. a held-out split),
and returns a small DataFrame.

Conventions: a row's weight ``w_i`` is its prior weight times its binomial
trials times its frequency weight (the weight the deviance uses); the
response ``y`` is on the model's scale (a proportion for ``cbind`` responses).

- :func:`calibration_table`: rows grouped into bins of the predicted mean
  (quantile bins, ties kept together), with the weighted mean prediction and
  the weighted mean response per bin, and the standard error of that mean
  *under the fitted model*, ``sqrt(phi sum_i w_i V(mu_i)) / sum_i w_i``: an
  observed mean more than 2 se from the predicted one is a calibration failure
  the sampling noise does not explain.
- :func:`residual_bins`: deviance residuals binned by the linear predictor (a
  binned smoother for residual-vs-fitted plots).
- :func:`count_table`: Poisson models, observed versus expected number of
  rows with each count ``k`` (``expected_k = sum_i f_i P(Y = k | mu_i)``), the
  last bin collecting ``k >= max_count``; Pearson residuals per count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import DataError, InvalidParameterError

if TYPE_CHECKING:
    from ..results import GLMResult

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ObservedRows:
    """Response, prediction and weights of the rows a diagnostic looks at (rows with missing inputs dropped).

    ``weights`` are prior weights times trials times frequency weights;
    ``freq_weights`` alone count rows; ``n_dropped`` rows of ``data`` had missing inputs.
    """

    y: FloatArray
    mu: FloatArray
    eta: FloatArray
    weights: FloatArray
    prior_weights: FloatArray
    freq_weights: FloatArray
    n_dropped: int


def observed_rows(fit: GLMResult, data: pd.DataFrame | None = None) -> ObservedRows:
    """The rows of ``data`` (``None``: the training rows) with the fit's predictions."""
    if data is None:
        training = fit.training_rows()
        return ObservedRows(training.y, training.mu, training.eta, training.weights * training.freq_weights,
                            training.weights, training.freq_weights, fit.n_dropped)
    design = fit.spec.build(data)
    assert design.y is not None
    eta = fit.predict(data, kind="link").to_numpy()[design.kept]
    return ObservedRows(design.y, fit.link.inverse(eta), eta, design.weights * design.freq_weights,
                        design.weights, design.freq_weights, int(design.n_dropped))


def _bins(values: FloatArray, bins: int) -> npt.NDArray[np.int64]:
    """Quantile bins of ``values`` (ties stay in one bin), numbered from 0 in increasing order."""
    if not (isinstance(bins, (int, np.integer)) and bins >= 1):
        raise InvalidParameterError(f"bins={bins!r} must be a whole number >= 1.")
    ranks = pd.Series(values).rank(method="dense")
    if ranks.nunique() < 2:  # one distinct value (an intercept-only model): a single bin
        return np.zeros(len(ranks), dtype=np.int64)
    codes = pd.qcut(ranks, int(bins), labels=False, duplicates="drop")
    return pd.factorize(codes, sort=True)[0].astype(np.int64)


def calibration_table(fit: GLMResult, data: pd.DataFrame | None = None, bins: int = 10) -> pd.DataFrame:
    """Observed versus predicted mean per bin of the prediction (see the module notes).

    Returns
    -------
    DataFrame
        One row per bin: ``rows`` (frequency-weighted count), ``weight``,
        ``mu_low``/``mu_high`` (range of predictions), ``mean_predicted``,
        ``mean_observed``, ``se_model`` (se of the observed mean if the model
        is right) and ``z = (mean_observed - mean_predicted) / se_model``.
    """
    rows = observed_rows(fit, data)
    used = rows.weights > 0
    y, mu, w, f = rows.y[used], rows.mu[used], rows.weights[used], rows.freq_weights[used]
    if y.size == 0:
        raise DataError("calibration needs at least one row with positive weight.")
    codes = _bins(mu, bins)
    dispersion = fit.scale if np.isfinite(fit.scale) else 1.0
    variance = fit.family.variance(mu)
    records = []
    for code in range(int(codes.max()) + 1):
        member = codes == code
        total = float(w[member].sum())
        predicted = float(w[member] @ mu[member] / total)
        observed = float(w[member] @ y[member] / total)
        se = float(np.sqrt(dispersion * (w[member] @ variance[member])) / total)
        records.append({
            "bin": code + 1, "rows": float(f[member].sum()), "weight": total,
            "mu_low": float(mu[member].min()), "mu_high": float(mu[member].max()),
            "mean_predicted": predicted, "mean_observed": observed, "se_model": se,
            "z": (observed - predicted) / se if se > 0 else np.nan,
        })
    return pd.DataFrame.from_records(records).set_index("bin")


def residual_bins(fit: GLMResult, data: pd.DataFrame | None = None, bins: int = 20) -> pd.DataFrame:
    """Mean deviance residual per quantile bin of the linear predictor.

    Returns
    -------
    DataFrame
        One row per bin: ``rows``, ``eta_mean`` (weighted mean linear
        predictor), ``resid_mean`` (mean deviance residual, weighted by
        frequency weights) and ``resid_sd``.
    """
    rows = observed_rows(fit, data)
    unit = np.maximum(fit.family.unit_deviance(rows.y, rows.mu), 0.0)
    resid = np.sign(rows.y - rows.mu) * np.sqrt(rows.prior_weights * unit)
    used = rows.weights > 0
    eta, resid, f = rows.eta[used], resid[used], rows.freq_weights[used]
    codes = _bins(eta, bins)
    records = []
    for code in range(int(codes.max()) + 1):
        member = codes == code
        weight = f[member]
        mean = float(weight @ resid[member] / weight.sum())
        spread = float(np.sqrt(weight @ np.square(resid[member] - mean) / weight.sum()))
        records.append({"bin": code + 1, "rows": float(weight.sum()),
                        "eta_mean": float(weight @ eta[member] / weight.sum()),
                        "resid_mean": mean, "resid_sd": spread})
    return pd.DataFrame.from_records(records).set_index("bin")


def count_table(fit: GLMResult, data: pd.DataFrame | None = None, max_count: int | None = None) -> pd.DataFrame:
    """Observed and expected number of rows with each count, for count models (the family's
    :meth:`~glmgen.model.families.Family.count_distribution`: Poisson).

    Parameters
    ----------
    max_count : int, optional
        Counts ``>= max_count`` are pooled in the last row (labelled
        ``"12+"``, say). Default: the 99th percentile of the observed counts,
        between 2 and 30.

    Returns
    -------
    DataFrame
        Indexed by ``count`` (strings ``"0"``, ``"1"``, ..., ``"K+"``):
        ``observed``, ``expected`` and ``pearson = (observed - expected) /
        sqrt(expected)``.

    Raises
    ------
    InvalidParameterError
        The family is not a count family, the response has non-integer
        values, or the model has prior weights other than 1 (then ``y`` is
        not a count with the family's distribution of mean ``mu``).
    """
    if fit.family.count_distribution(np.ones(1)) is None:
        raise InvalidParameterError(
            f"observed vs expected counts apply to count families such as family='poisson', not "
            f"{fit.family.name!r}.")
    rows = observed_rows(fit, data)
    if not np.allclose(rows.prior_weights, 1.0):
        raise InvalidParameterError("observed vs expected counts need a Poisson model without prior weights "
                                    "(weighted rows are not counts with mean mu).")
    y, mu, f = rows.y, rows.mu, rows.freq_weights
    if not np.allclose(y, np.round(y)):
        raise InvalidParameterError("observed vs expected counts need whole-number responses; this response "
                                    "has fractional values (a rate?).")
    y = np.round(y).astype(np.int64)
    if max_count is None:
        max_count = int(min(max(np.ceil(np.quantile(y, 0.99)), 2), 30))
    elif not (isinstance(max_count, (int, np.integer)) and max_count >= 1):
        raise InvalidParameterError(f"max_count={max_count!r} must be a whole number >= 1.")
    counts = np.arange(int(max_count))
    observed = [float(f[y == k].sum()) for k in counts] + [float(f[y >= max_count].sum())]
    distribution = fit.family.count_distribution(mu)
    assert distribution is not None
    expected = [float(f @ distribution.pmf(k)) for k in counts] + [float(f @ distribution.sf(max_count - 1))]
    table = pd.DataFrame({"observed": observed, "expected": expected},
                         index=pd.Index([str(k) for k in counts] + [f"{max_count}+"], name="count"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pearson"] = (table["observed"] - table["expected"]) / np.sqrt(table["expected"])
    return table
