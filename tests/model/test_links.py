"""Links (glmgen/model/links.py): ``log_inverse`` against closed forms and exact arithmetic.

Exact references use :mod:`decimal` with enough digits that ``1 - exp(-t)`` keeps its
significant digits for the smallest ``t`` used; nothing is compared with glmgen itself
except ``log(inverse(eta))`` where that is exact to rounding.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import numpy.typing as npt
import pytest

from glmgen.model import LINKS, get_link

FloatArray = npt.NDArray[np.float64]


def moderate_eta(name: str) -> FloatArray:
    """Linear predictors where ``inverse`` neither clips nor loses precision."""
    if name in ("identity", "inverse", "sqrt"):
        return np.linspace(0.1, 8.0, 41)  # positive means (the log of a negative mean is undefined)
    return np.linspace(-5.0, 5.0, 41) if name != "log" else np.linspace(-30.0, 30.0, 41)


@pytest.mark.parametrize("name", sorted(LINKS))
def test_log_inverse_is_log_of_inverse_in_the_bulk(name: str) -> None:
    link = get_link(name)
    eta = moderate_eta(name)
    np.testing.assert_allclose(link.log_inverse(eta), np.log(link.inverse(eta)), rtol=1e-13, atol=1e-15)


def test_log_log_inverse_is_eta_exactly() -> None:
    eta = np.array([-1000.0, -30.0, 0.0, 1e-300, 30.0, 1000.0])
    result = get_link("log").log_inverse(eta)
    np.testing.assert_array_equal(result, eta)
    result[0] = 0.0
    assert eta[0] == -1000.0  # a new array, not the caller's


@pytest.mark.parametrize(
    ("eta", "expected"),
    [
        (-800.0, -800.0),  # eta - log1p(exp(eta)), exp(-800) below double precision
        (-40.0, -40.0 - math.exp(-40.0)),  # eta - log1p(exp(eta)) = eta - exp(eta) + O(exp(2 eta))
        (0.0, -math.log(2.0)),
        (40.0, -math.exp(-40.0)),  # -log1p(exp(-eta)); log(expit(40)) rounds to 0
        (800.0, 0.0),
    ],
)
def test_logit_log_inverse_tails(eta: float, expected: float) -> None:
    """``log(1 / (1 + exp(-eta)))`` in closed form where the mean underflows or rounds to 1."""
    result = get_link("logit").log_inverse(np.array([eta]))
    np.testing.assert_allclose(result, [expected], rtol=1e-15, atol=0)


def log_normal_cdf_lower_tail(x: float) -> float:
    """``log Phi(-x)`` for large ``x`` from Mills' ratio: ``phi(x)/x (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...)``
    (asymptotic; at ``x >= 20`` the first 30 terms leave an error far below double precision)."""
    total, term = 1.0, 1.0
    for k in range(1, 30):
        term *= -(2 * k - 1) / x**2
        total += term
    return -0.5 * x * x - math.log(x) - 0.5 * math.log(2.0 * math.pi) + math.log(total)


@pytest.mark.parametrize("x", [20.0, 40.0, 300.0])
def test_probit_log_inverse_lower_tail(x: float) -> None:
    """``log Phi(-x)``: where ``Phi(-x)`` underflows (x = 40, 300) or is clipped by ``inverse``."""
    result = get_link("probit").log_inverse(np.array([-x]))
    np.testing.assert_allclose(result, [log_normal_cdf_lower_tail(x)], rtol=1e-13, atol=0)


def exact_log_cloglog_mean(eta: float) -> float:
    """``log(1 - exp(-exp(eta)))`` in 700-digit decimal arithmetic."""
    with localcontext() as context:
        context.prec = 700
        t = Decimal(eta).exp()
        return float((1 - (-t).exp()).ln())


@pytest.mark.parametrize("eta", [-800.0, -100.0, -30.5, -30.0, -29.5, -5.0, math.log(math.log(2.0)), 0.0, 2.0, 3.5])
def test_cloglog_log_inverse_matches_exact_arithmetic(eta: float) -> None:
    """Both branches of ``log1mexp`` and the series below eta = -30, against exact arithmetic."""
    result = get_link("cloglog").log_inverse(np.array([eta]))
    np.testing.assert_allclose(result, [exact_log_cloglog_mean(eta)], rtol=1e-14, atol=0)


def test_cloglog_log_inverse_upper_tail() -> None:
    """``log(1 - exp(-t)) = -exp(-t) + O(exp(-2t))``, with ``t = exp(eta)``; 0 where ``exp(-t)`` underflows."""
    eta = np.array([4.0, 6.0, 800.0])
    expected = -np.exp(-np.exp(eta[:2]))
    result = get_link("cloglog").log_inverse(eta)
    np.testing.assert_allclose(result[:2], expected, rtol=1e-13, atol=0)
    assert result[2] == 0.0
