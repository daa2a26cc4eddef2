"""A negative binomial with unknown theta over partitions: ``MASS::glm.nb``'s alternation, as in memory
(:func:`glmgen.solvers.fit_theta`), with every sum reduced over partitions.

A Poisson IRLS gives the first means; then each round estimates theta at the round's means by Newton's method
(:func:`glmgen.model.theta_newton`: one pass per step, the score and information summed over partitions), refits
IRLS at the previous theta from those means, and stops on the same rule. The log-likelihoods of the stopping
rule are reduced too, so the estimate equals the in-memory one.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import numpy.typing as npt

from ..model import Link, NegativeBinomial, ThetaEstimate, families, theta_newton
from ..solvers import IRLSControl, theta_notices
from .irls import IRLSFit, irls_steps
from .probes import Outcome, Probe

FloatArray = npt.NDArray[np.float64]


def theta_steps(n_columns: int, fit_intercept: bool, family: NegativeBinomial, link: Link,
                control: IRLSControl) -> Generator[Probe, Outcome, tuple[IRLSFit, NegativeBinomial]]:
    """The fit and the family at the estimated theta (with its standard error)."""
    poisson = families.Poisson()
    fit = yield from irls_steps(n_columns, fit_intercept, poisson.is_canonical(link), control,
                                covariance=False, totals=False, family=poisson)
    point = (np.nan_to_num(fit.coef), fit.intercept)
    rows_used = fit.outcome.positive_rows
    rank = int(np.count_nonzero(~fit.aliased)) + int(fit_intercept)
    d1 = math.sqrt(2.0 * max(1.0, rows_used - rank))
    estimate = yield from _theta_at(point, control.max_iter)
    log_likelihood = yield from _log_likelihood(point, family.with_theta(estimate.theta, None))
    previous, change, rounds = log_likelihood + 2.0 * d1, 1.0, 0
    canonical = family.is_canonical(link)
    while (rounds := rounds + 1) <= control.max_iter and abs(previous - log_likelihood) / d1 + abs(change) > control.tol:
        fit = yield from irls_steps(n_columns, fit_intercept, canonical, control, totals=False,
                                    family=family.with_theta(estimate.theta, None), start=point)
        last = estimate.theta
        estimate = yield from _theta_at(point, control.max_iter)
        point = (np.nan_to_num(fit.coef), fit.intercept)
        change = last - estimate.theta
        previous, log_likelihood = log_likelihood, (
            yield from _log_likelihood(point, family.with_theta(estimate.theta, None)))
    notices = list(fit.notices) + theta_notices(rounds > control.max_iter, estimate, control.max_iter)
    fitted = family.with_theta(estimate.theta, estimate.se)
    final = yield Probe(point[0], point[1], moments=False, totals=True, family=fitted)
    coef = fit.coef
    solved = IRLSFit(coef, fit.intercept, fit.deviance, final, fit.n_iter, fit.converged, fit.aliased,
                     fit.cov_unscaled, fit.history, tuple(notices))
    return solved, fitted


def _theta_at(point: tuple[FloatArray, float], limit: int) -> Generator[Probe, Outcome, ThetaEstimate]:
    """``MASS::theta.ml`` at the means of ``point``: a pass for the moment estimate, one per Newton step."""
    poisson = families.Poisson()  # the means are the link's; the probe's deviance is not used
    moments = yield Probe(point[0], point[1], theta_moments=True, family=poisson)
    assert moments.theta_sums is not None
    steps = theta_newton(float(moments.theta_sums[0]), float(moments.theta_sums[1]), limit=limit)
    try:
        theta = next(steps)
        while True:
            sums = yield Probe(point[0], point[1], theta=theta, family=poisson)
            assert sums.theta_sums is not None
            theta = steps.send((float(sums.theta_sums[2]), float(sums.theta_sums[3])))
    except StopIteration as stop:
        estimate: ThetaEstimate = stop.value
        return estimate


def _log_likelihood(point: tuple[FloatArray, float], family: NegativeBinomial) -> Generator[Probe, Outcome, float]:
    """The log-likelihood at the means of ``point`` (``glm.nb``'s ``loglik``)."""
    outcome = yield Probe(point[0], point[1], totals=True, family=family)
    assert outcome.loglik_parts is not None
    return family.log_likelihood_from_parts(outcome.loglik_parts)
