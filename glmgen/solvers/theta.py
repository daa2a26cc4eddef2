"""The negative binomial with unknown theta: maximum likelihood alternating with IRLS, as ``MASS::glm.nb``."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..errors import ConvergenceWarning
from ..model import NegativeBinomial, ThetaEstimate, families, theta_ml
from .irls import irls
from .problem import GLMProblem, IRLSControl, Notice, SolverOutput


def fit_theta(problem: GLMProblem, control: IRLSControl) -> tuple[SolverOutput, NegativeBinomial]:
    """Fit a negative binomial GLM whose ``theta`` is unknown, as ``MASS::glm.nb`` does, step for step:

    a Poisson fit with the same link gives ``mu``; then, until
    ``|L - L_prev| / d1 + |theta - theta_prev| < tol`` (``L`` the log-likelihood, ``d1 = sqrt(2 max(1, df_resid))``)
    or ``max_iter`` rounds: IRLS at the current theta from the current ``mu``, theta by maximum likelihood at the
    ``mu`` the round started from (:func:`~glmgen.model.theta_ml`), then ``mu`` from the new fit.

    Returns the last IRLS output and the family at the last theta, carrying its standard error.
    """
    assert isinstance(problem.family, NegativeBinomial)
    family = problem.family
    notices: list[Notice] = []
    output = irls(replace(problem, family=families.Poisson()), control=control, covariance=False)
    used = problem.weights > 0
    y, weights = problem.y[used], problem.weights[used]
    rank = int(np.count_nonzero(~output.aliased)) + int(problem.fit_intercept)
    d1 = math.sqrt(2.0 * max(1.0, float(np.count_nonzero(used)) - rank))
    mu = output.mu
    estimate = theta_ml(y, mu[used], weights, limit=control.max_iter)
    log_likelihood = _log_likelihood(family, estimate.theta, problem, mu)
    previous, change, rounds = log_likelihood + 2.0 * d1, 1.0, 0
    while (rounds := rounds + 1) <= control.max_iter and abs(previous - log_likelihood) / d1 + abs(change) > control.tol:
        output = irls(replace(problem, family=family.with_theta(estimate.theta, None)),
                      start_eta=problem.link.link(mu), control=control)
        last = estimate.theta
        estimate = theta_ml(y, mu[used], weights, limit=control.max_iter)
        mu = output.mu
        change = last - estimate.theta
        previous, log_likelihood = log_likelihood, _log_likelihood(family, estimate.theta, problem, mu)
    notices.extend(theta_notices(rounds > control.max_iter, estimate, control.max_iter))
    fitted = family.with_theta(estimate.theta, estimate.se)
    return replace(output, notices=output.notices + tuple(notices)), fitted


def theta_notices(unsettled: bool, estimate: ThetaEstimate, max_iter: int) -> list[Notice]:
    """The warnings of ``glm.nb``'s alternation: the rounds ran out (``unsettled``), or theta.ml warned."""
    notices = []
    if unsettled:
        notices.append(Notice(ConvergenceWarning, f"the estimate of theta did not settle in {max_iter} "
                                                  "rounds of IRLS and theta (MASS's 'alternation limit reached'); "
                                                  "raise max_iter, or give theta."))
    if estimate.warning:
        notices.append(Notice(ConvergenceWarning, f"{estimate.warning} (MASS::theta.ml); the fit's theta is not "
                                                  "a maximum-likelihood estimate."))
    return notices


def _log_likelihood(family: NegativeBinomial, theta: float, problem: GLMProblem, mu: np.ndarray) -> float:
    """The log-likelihood at ``theta`` and ``mu`` (``glm.nb``'s ``loglik``)."""
    ones = np.ones_like(problem.y)
    return family.with_theta(theta, None).log_likelihood(problem.y, mu, problem.weights, ones, ones)
