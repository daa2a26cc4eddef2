"""glmgen -> statsmodels: a fitted :class:`~glmgen.results.GLMResult` as statsmodels' ``GLMResults`` on the same
rows, design, response, weights, offset, family, link, dispersion and covariance (``GLMResult.to_statsmodels``), so
that statsmodels' ``summary()``, ``wald_test``, ``t_test``, ``get_influence()`` ... work on a glmgen fit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.families import links as sm_links
from statsmodels.genmod.generalized_linear_model import GLM

from .._validation import quoted
from ..errors import DataError, InvalidParameterError
from ..matrices import ModelMatrix
from ..model import STATSMODELS_LINKS, Family

if TYPE_CHECKING:
    from .glm import GLMResult, TrainingData

FloatArray = npt.NDArray[np.float64]

#: glmgen's link names -> statsmodels' link classes: the model's table read backwards
_LINKS: dict[str, Callable[[], Any]] = {ours: getattr(sm_links, theirs) for theirs, ours in STATSMODELS_LINKS.items()}

#: glmgen's family names -> statsmodels' family with a given link; a quasi family is its base family, whose
#: dispersion is then estimated as glmgen (and R) estimate it: Pearson chi2 / df_resid (``scale="X2"``)
_FAMILIES: dict[str, Callable[[Family, Any], Any]] = {
    "gaussian": lambda family, link: sm_families.Gaussian(link),
    "binomial": lambda family, link: sm_families.Binomial(link),
    "quasibinomial": lambda family, link: sm_families.Binomial(link),
    "poisson": lambda family, link: sm_families.Poisson(link),
    "quasipoisson": lambda family, link: sm_families.Poisson(link),
    "gamma": lambda family, link: sm_families.Gamma(link),
    "inverse_gaussian": lambda family, link: sm_families.InverseGaussian(link),
    "tweedie": lambda family, link: sm_families.Tweedie(link, var_power=family.parameters()["var_power"]),
    "negative_binomial": lambda family, link: sm_families.NegativeBinomial(
        link, alpha=1.0 / family.parameters()["theta"]),
}

#: the covariance types glmgen and statsmodels' GLM compute the same way (HC1 to HC3 statsmodels answers with HC0's
#: numbers: its issue #7798); both directions of the conversion accept only these
STATSMODELS_COV_TYPES = ("nonrobust", "HC0", "cluster")


def to_statsmodels(fit: GLMResult, cluster: Any = None) -> Any:
    """statsmodels' fitted ``GLMResults`` of the model that ``fit`` is, started at ``fit``'s coefficients.

    The statsmodels model is built from arrays: the design columns named as ``fit.params`` (exog, a DataFrame
    indexed by the training rows' labels), the response, the offset (exposure included, as its log), prior
    weights as ``var_weights`` and frequency weights as ``freq_weights`` (the same meanings in both packages).
    A binomial response is given as ``(successes, failures)`` counts when they are whole numbers (statsmodels'
    log-likelihood is then R's, hence glmgen's); otherwise, and always for the quasibinomial (statsmodels'
    ``scale="X2"`` leaves the trials of counts out of its Pearson chi2), as proportions with the trials in
    ``var_weights``: the same fit, but statsmodels' log-likelihood is then that of one trial. The dispersion is
    1, or Pearson chi2 / df_resid (``scale="X2"``) where glmgen estimates it (quasi families become their base
    family with that dispersion), with t reference distributions there (``use_t``), as glmgen and R. A negative
    binomial's theta becomes statsmodels' ``alpha = 1 / theta``, held fixed (as ``MASS::glm.nb``'s standard
    errors are).

    Differences the caller should know: aliased columns (NaN coefficients) are left out of the design, since
    statsmodels cannot drop them; rows with zero weight are left out too (they do not count in R's or glmgen's
    ``df_resid``); statsmodels' ``aic`` counts neither the dispersion nor theta, and its log-likelihood uses
    ``scale`` where R uses the deviance over the weights (Gamma, inverse Gaussian, non-identity gaussian).

    Parameters
    ----------
    fit : GLMResult
        An unpenalized fit holding its training rows (fitted in memory by ``gg.glm``).
    cluster : array-like, optional
        For a fit with ``cov_type="cluster"`` only (glmgen does not keep the labels): the group labels given to
        ``gg.glm(cluster=...)``, one per row of the data the fit was given.

    Raises
    ------
    InvalidParameterError
        For a penalized fit, a covariance statsmodels' GLM does not compute (HC1 to HC3), a family statsmodels
        has not, or ``cluster`` not matching the fit.
    DataError
        When the fit holds no training rows (loaded from a file, or fitted on a Dask DataFrame).
    """
    _check_convertible(fit, cluster)
    assert fit.training is not None
    training = fit.training
    keep = training.weights * training.freq_weights > 0
    used = np.isfinite(fit.params.to_numpy())
    endog, var_weights = _response(fit, training)
    family = _FAMILIES[fit.family.name](fit.family, _LINKS[fit.link.name]())
    model = GLM(endog[keep], _exog(fit, training)[keep].loc[:, used], family=family, offset=training.offset[keep],
                var_weights=unless_ones(var_weights[keep]), freq_weights=unless_ones(training.freq_weights[keep]))
    estimated = fit.family.estimates_dispersion
    cov_kwds = None if cluster is None else {"groups": _cluster_codes(fit, cluster)[keep]}
    # scale=None: statsmodels' dispersion 1 for binomial, Poisson and negative binomial (a number given as scale
    # becomes a 0-d array there, on which its get_prediction and get_influence().summary_frame() fail)
    return model.fit(start_params=fit.params.to_numpy()[used], scale="X2" if estimated else None,
                     cov_type=fit.cov_type, cov_kwds=cov_kwds, use_t=estimated and fit.cov_type == "nonrobust")


def _check_convertible(fit: GLMResult, cluster: Any) -> None:
    """Raise unless ``fit`` maps onto a statsmodels GLM fit (see :func:`to_statsmodels`)."""
    if fit.penalty.is_penalized:
        raise InvalidParameterError(
            f"to_statsmodels needs an unpenalized fit; this one has alpha={fit.penalty.alpha:g}. statsmodels' "
            "inference (standard errors, Wald tests, influence) is that of the maximum-likelihood fit, which a "
            "penalized fit is not, and its fit_regularized penalizes another objective (the intercept too, no "
            "standardization) and returns no inference. Use gg.bootstrap for a penalized fit's uncertainty, or "
            "refit with alpha=0 and convert that."
        )
    if fit.training is None:
        raise DataError(
            "to_statsmodels rebuilds the model on the fit's training rows, which this result does not hold (it "
            "was loaded from a file, or fitted on a Dask DataFrame). Refit with gg.glm(...) on the data in memory "
            "and convert that fit."
        )
    if fit.family.name not in _FAMILIES:
        raise InvalidParameterError(
            f"family {fit.family.name!r} has no statsmodels counterpart; to_statsmodels converts "
            f"{quoted(_FAMILIES)}."
        )
    if fit.cov_type not in STATSMODELS_COV_TYPES:
        raise InvalidParameterError(
            f"this fit has cov_type={fit.cov_type!r}, which statsmodels' GLM does not compute: it answers "
            "cov_type='HC1', 'HC2' and 'HC3' with HC0's numbers (statsmodels issue #7798). Refit with "
            "cov_type='HC0' (or 'nonrobust', or 'cluster') to convert, or read this fit's own bse and coef_table()."
        )
    if (cluster is None) != (fit.cov_type != "cluster"):
        raise InvalidParameterError(
            "cluster= gives the group labels of a cov_type='cluster' fit (glmgen does not keep them), so it goes "
            f"with such a fit only and such a fit needs it; this fit has cov_type={fit.cov_type!r} and cluster "
            f"was {'not ' if cluster is None else ''}given. Pass the labels given to gg.glm(cluster=...), one per "
            "row of the data, exactly for a cluster-robust fit."
        )


def _exog(fit: GLMResult, training: TrainingData) -> pd.DataFrame:
    """The design as a DataFrame ``(n, p)``: one column per coefficient, the intercept's of ones included."""
    X = training.design.X
    dense = X.toarray() if isinstance(X, ModelMatrix) else np.asarray(X, dtype=float)
    if fit.spec.fit_intercept:
        dense = np.column_stack([np.ones(dense.shape[0]), dense])
    return pd.DataFrame(dense, index=training.row_labels, columns=fit.params.index)


def _response(fit: GLMResult, training: TrainingData) -> tuple[pd.Series | pd.DataFrame, FloatArray]:
    """statsmodels' ``endog`` and ``var_weights``: ``y`` and the prior weights, or, for binomial counts,
    ``(successes, failures)`` of ``m`` trials with ``var_weights = weights / m``, where ``m`` is R's choice for
    the binomial log-likelihood (the trials of a ``cbind`` response if any exceeds 1, else the prior weights)."""
    y, weights, trials = training.y, training.weights, training.design.trials
    response = fit.spec.response
    # counts, except for the quasibinomial: statsmodels' scale="X2" leaves their trials out of its Pearson chi2
    if fit.family.accepts_trials and not fit.family.estimates_dispersion:
        m = trials if np.any(trials > 1) else weights
        successes = m * y
        if np.all(np.abs(successes - np.round(successes)) < 1e-8) and np.all(m == np.round(m)):
            counts = np.round(np.column_stack([successes, m - successes]))
            names = list(response.expressions) if response.is_cbind else ["successes", "failures"]
            with np.errstate(divide="ignore", invalid="ignore"):
                return (pd.DataFrame(counts, index=training.row_labels, columns=names),
                        np.where(m > 0, weights / m, 0.0))
    return pd.Series(y, index=training.row_labels, name=response.label), weights


def unless_ones(weights: Any) -> FloatArray | None:
    """``weights`` as floats, or ``None`` (statsmodels' default) when they are all 1: statsmodels warns that robust
    covariances are "not fully supported" with weights, even weights of 1."""
    array = np.asarray(weights, dtype=float)
    return None if np.all(array == 1.0) else array


def _cluster_codes(fit: GLMResult, cluster: Any) -> npt.NDArray[np.intp]:
    """Codes of the cluster labels of the training rows: ``cluster`` has one label per row of the data."""
    assert fit.training is not None
    kept = fit.training.design.kept
    labels = np.asarray(cluster)
    if labels.ndim != 1 or len(labels) != len(kept):
        raise InvalidParameterError(
            f"cluster has {labels.shape} labels but the fit was given {len(kept)} rows of data; pass the labels "
            "given to gg.glm(cluster=...), one per row of that data (e.g. data['firm'])."
        )
    codes, uniques = pd.factorize(labels[kept])
    if len(uniques) != fit.n_clusters or np.any(codes < 0):
        raise InvalidParameterError(
            f"cluster gives {len(uniques)} groups (and {int(np.sum(codes < 0))} missing labels) on the rows "
            f"fitted, but the fit was made with {fit.n_clusters} clusters; pass the labels given to "
            "gg.glm(cluster=...)."
        )
    return codes
