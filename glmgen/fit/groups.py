"""The penalty of a path: the elastic net on columns, or the group lasso on the formula's terms.

``penalty="group"`` makes each formula term one group (a factor's dummies, a spline basis, an interaction; a
numeric term is a group of one column); the intercept stays unpenalized. A group's weight is
``sqrt(size) * factor``, with ``factor`` the term's ``penalty_factor`` (keyed by the term's name, or by its
columns when they all have the same factor; 0 leaves the group unpenalized). Standardization is the elastic
net's (the penalty is on the standardized coefficients).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._progress import HIDDEN, Bar
from .._validation import check_choice
from ..errors import InvalidParameterError
from ..formula import DesignSpec
from ..model import GroupPenalty, Penalty
from ..solvers import CDControl, GLMProblem, Notice, PathFit, fit_group_path, fit_path

PENALTIES = ("elastic_net", "group")


def check_penalty_kind(penalty: Any) -> str:
    """``penalty=``: "elastic_net" or "group"."""
    kind: str = check_choice("penalty", penalty, PENALTIES)
    return kind


def group_penalty(spec: DesignSpec, penalty: Penalty) -> GroupPenalty:
    """The group lasso of ``spec``'s terms with ``penalty``'s l1_ratio, per-column factors and scales (module
    notes); refuses per-column factors that differ inside a term."""
    groups, factors = [], []
    for name, columns in spec.term_slices.items():
        indices = np.arange(columns.start, columns.stop, dtype=np.int64)
        if not len(indices):
            continue
        values = penalty.factors[indices]
        if np.ptp(values) > 0:
            raise InvalidParameterError(
                f"penalty_factor gives the columns of term {name!r} different factors ({sorted(set(values))}), "
                "but penalty='group' penalizes a term as one group; key the factor by the term name "
                f"(penalty_factor={{{name!r}: ...}})."
            )
        groups.append(indices)
        factors.append(np.sqrt(len(indices)) * values[0])
    return GroupPenalty(0.0, penalty.l1_ratio, tuple(groups), np.array(factors), penalty.scales)


def penalized_path(
    problem: GLMProblem,
    penalty: Penalty | GroupPenalty,
    *,
    alphas: Any = None,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    control: CDControl,
    bar: Bar = HIDDEN,
) -> tuple[PathFit, list[Notice]]:
    """The path of either penalty (:func:`~glmgen.solvers.fit_path` or :func:`~glmgen.solvers.fit_group_path`);
    ``bar`` advances once per alpha."""
    solver = fit_group_path if isinstance(penalty, GroupPenalty) else fit_path
    return solver(problem, penalty, alphas=alphas, n_alphas=n_alphas,  # type: ignore[arg-type]
                  alpha_min_ratio=alpha_min_ratio, control=control, bar=bar)


def penalty_of(spec: DesignSpec, penalty: Penalty, kind: str) -> Penalty | GroupPenalty:
    """The column penalty, or its group lasso for ``kind="group"``."""
    return group_penalty(spec, penalty) if kind == "group" else penalty
