"""The criterion of stepwise and best-subset searches (R's ``extractAIC`` for ``glm`` fits).

Conventions
-----------
The stepwise and best-subset criterion is R's ``extractAIC`` for ``glm`` fits,

    ``criterion = aic + (k - 2) * edf = -2 loglik + k * edf + 2 * [dispersion estimated]``

where ``aic`` is R's ``AIC()`` (``GLMResult.aic``), ``edf`` the number of
estimated coefficients (rank of the design, intercept included, aliased
columns excluded) and ``k`` the penalty per coefficient (2 for AIC,
``log(nobs)`` for BIC). For the binomial and poisson families this is
``-2 loglik + k * edf``; for the gaussian family it adds the constant 2 of
the estimated dispersion, exactly as ``MASS::stepAIC`` prints for a
``glm`` (R's ``extractAIC`` for an ``lm`` fit, ``n log(RSS/n) + k * edf``,
differs from it by a constant, so both choose the same models).

:func:`compare` reports each fit's own ``aic``, ``bic`` and ``aicc``, whose
``k`` counts the dispersion where it is estimated (R's ``AIC()``/``BIC()``).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_choice
from ..errors import InvalidParameterError
from ..results import GLMResult
from ..stats import extract_aic, parameter_count

CRITERIA = ("aic", "bic")


def criterion_penalty(criterion: str | float, nobs: float) -> tuple[str, float]:
    """The criterion's name and its penalty ``k`` per coefficient.

    ``"aic"`` gives ``k = 2``, ``"bic"`` gives ``k = log(nobs)``, and a number
    is ``k`` itself (as ``stepAIC(k=)``).
    """
    if isinstance(criterion, str):
        name = check_choice("criterion", criterion, CRITERIA)
        return name, 2.0 if name == "aic" else math.log(nobs)
    if isinstance(criterion, (int, float, np.integer, np.floating)) and not isinstance(criterion, bool):
        k = float(criterion)
        if math.isfinite(k) and k >= 0:
            return f"k={k:g}", k
    raise InvalidParameterError(
        f"criterion={criterion!r} must be 'aic', 'bic' or a number k >= 0 (the penalty per coefficient: "
        "2 for AIC, log(n) for BIC)."
    )


def estimated_coefficients(fit: GLMResult) -> float:
    """``edf`` of R's ``extractAIC``: coefficients estimated, intercept included, aliased columns not
    (the fit's ``edf``, :mod:`glmgen.stats.criteria`'s convention, plus the intercept)."""
    return fit.edf + float(fit.spec.fit_intercept)


def criterion_value(fit: GLMResult, k: float) -> float:
    """R's ``extractAIC(fit, k=k)[2]`` for a ``glm``: ``AIC + (k - 2) * edf`` (see the module notes), by
    :func:`glmgen.stats.extract_aic` over the fit's own log-likelihood and the parameters R's ``extractAIC``
    counts (:meth:`~glmgen.model.Family.criterion_parameters`: a negative binomial's theta is not)."""
    parameters = parameter_count(fit.edf, fit.spec.fit_intercept, fit.family.criterion_parameters())
    return extract_aic(fit.loglik, float(parameters), k, estimated_coefficients(fit))
