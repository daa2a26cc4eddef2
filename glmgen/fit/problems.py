"""The solver's view of a built design: one place that turns a :class:`~glmgen.formula.DesignMatrix` into a
:class:`~glmgen.solvers.GLMProblem` (total weights = prior x frequency weights)."""

from __future__ import annotations

from ..formula import DesignMatrix, DesignSpec
from ..model import Family, Link
from ..solvers import GLMProblem


def problem_of(design: DesignMatrix, spec: DesignSpec, family: Family, link: Link) -> GLMProblem:
    """``design``'s arrays as a problem of ``family`` and ``link``, with ``spec``'s intercept."""
    assert design.y is not None
    return GLMProblem(
        X=design.X, y=design.y, weights=design.weights * design.freq_weights, offset=design.offset,
        family=family, link=link, fit_intercept=spec.fit_intercept,
    )
