"""Named, seeded benchmark problems shared by ``benchmarks/`` and ``tests/``.

Every problem is built lazily by a factory in :data:`PROBLEMS`, so importing
this module costs nothing beyond NumPy and pandas::

    from benchmarks.problems import PROBLEMS, load_problem, make_problem

    prob = load_problem("binomial_100k_50")          # same as PROBLEMS[name]()
    prob = make_problem("poisson", n=2_000, p=20, seed=3)   # small, for tests

Synthetic design
----------------
Rows are independent draws of ``x ~ N(0, Sigma)`` with the AR(1) correlation
``Sigma[i, j] = 0.5 ** |i - j|``. They are generated column by column::

    x_1 = e_1,    x_j = 0.5 * x_{j-1} + sqrt(1 - 0.25) * e_j,    e_j ~ N(0, 1)

so every column has unit variance and no ``p x p`` Cholesky factor is needed.
``n_nonzero`` coefficients (10 by default) are non-zero, spread evenly over the
columns (so neighbouring true signals are only weakly correlated), with
alternating signs and magnitudes from 0.45 down to 0.15 (``0.3 * [1.5 .. 0.5]``).
The linear predictor then has a standard deviation of about 1: the binomial
problems are far from separable and Poisson means stay moderate (median about
``exp(intercept)``, a few dozen at the extremes).

| family   | intercept | response                             |
|----------|-----------|--------------------------------------|
| gaussian | 1.0       | ``eta + N(0, 1)`` (signal-to-noise about 1) |
| binomial | -0.5      | Bernoulli(``expit(eta)``), 0.0 / 1.0 |
| poisson  | 0.5       | Poisson(``exp(eta)``) as float64     |

For the same ``(n, p, seed)`` the design ``X`` is identical across families.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "FAMILIES",
    "PROBLEMS",
    "Problem",
    "SyntheticFactory",
    "load_problem",
    "make_problem",
    "problem_names",
]

FloatArray = npt.NDArray[np.float64]

FAMILIES: tuple[str, ...] = ("gaussian", "binomial", "poisson")

#: Intercept of the true model, per family.
_TRUE_INTERCEPT: dict[str, float] = {"gaussian": 1.0, "binomial": -0.5, "poisson": 0.5}

#: AR(1) correlation between neighbouring columns.
_RHO = 0.5


@dataclass(frozen=True, eq=False)
class Problem:
    """One benchmark / test problem.

    Attributes
    ----------
    name : str
        Registry name (or a descriptive name for ad-hoc problems).
    family : str
        ``"gaussian"``, ``"binomial"`` or ``"poisson"`` (canonical link).
    X : ndarray of shape (n_samples, n_features), float64, C-contiguous
        Predictors, without an intercept column. Column ``j`` is ``data[feature_names[j]]``.
    y : ndarray of shape (n_samples,), float64
        Response.
    weights : ndarray of shape (n_samples,) or None
        Prior weights (``None`` for every registered problem so far).
    data : pandas.DataFrame
        The response column followed by the predictors, for the formula API
        (``y, x1, ..., xp`` for synthetic problems; the original column names
        for real data sets).
    formula : str
        ``"<response> ~ <f1> + ... + <fp>"`` written out explicitly (no ``.``),
        so the design columns come out in the order of ``X``.
    response : str
        Name of the response column in ``data``.
    feature_names : tuple of str
        Names of the columns of ``X``, in order.
    true_coef : ndarray of shape (n_features,) or None
        Coefficients of the generating model (synthetic problems only).
    true_intercept : float or None
        Intercept of the generating model (synthetic problems only).
    l1_ratio : float or None
        Suggested penalty mix for penalized benchmarks (``1.0`` lasso, ``0.5``
        elastic net); ``None`` when the problem is meant for unpenalized fits.
        A hint, not part of the problem's data.
    description : str
        One line for tables and the README.
    """

    name: str
    family: str
    X: FloatArray
    y: FloatArray
    weights: FloatArray | None
    data: pd.DataFrame
    formula: str
    response: str = "y"
    feature_names: tuple[str, ...] = ()
    true_coef: FloatArray | None = None
    true_intercept: float | None = None
    l1_ratio: float | None = None
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def p(self) -> int:
        """Number of predictors (without the intercept)."""
        return int(self.X.shape[1])

    @property
    def coef_names(self) -> list[str]:
        """Design-column names with the intercept first, as glmgen labels them."""
        return ["Intercept", *self.feature_names]

    def __repr__(self) -> str:  # keep reprs short: never print the arrays
        return (
            f"Problem(name={self.name!r}, family={self.family!r}, n={self.n}, "
            f"p={self.p}, l1_ratio={self.l1_ratio!r})"
        )


# ---------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------


def _ar1_design(rng: np.random.Generator, n: int, p: int, rho: float = _RHO) -> FloatArray:
    """``(n, p)`` float64 draws of ``N(0, Sigma)``, ``Sigma_ij = rho**|i-j|``."""
    X = rng.standard_normal((n, p))
    scale = math.sqrt(1.0 - rho * rho)
    for j in range(1, p):
        col = X[:, j]
        col *= scale
        col += rho * X[:, j - 1]
    return X


def _true_coef(p: int, n_nonzero: int) -> FloatArray:
    """Sparse coefficient vector: ``n_nonzero`` evenly spaced, alternating-sign entries."""
    k = min(n_nonzero, p)
    coef = np.zeros(p)
    if k == 0:
        return coef
    positions = np.unique(np.round(np.linspace(0, p - 1, k)).astype(np.intp))
    magnitudes = 0.3 * np.linspace(1.5, 0.5, positions.size)
    signs = np.where(np.arange(positions.size) % 2 == 0, 1.0, -1.0)
    coef[positions] = signs * magnitudes
    return coef


def _formula(response: str, features: list[str] | tuple[str, ...]) -> str:
    return f"{response} ~ " + " + ".join(features)


def _frame(response: str, y: FloatArray, features: list[str], X: FloatArray) -> pd.DataFrame:
    data = pd.DataFrame(X, columns=features, copy=True)
    data.insert(0, response, y)
    return data


def make_problem(
    family: str,
    n: int,
    p: int,
    seed: int = 0,
    n_nonzero: int = 10,
    *,
    name: str | None = None,
    l1_ratio: float | None = None,
    description: str = "",
) -> Problem:
    """Build a seeded synthetic problem (see the module docstring for the model).

    Parameters
    ----------
    family : {"gaussian", "binomial", "poisson"}
    n, p : int
        Rows and predictors (``p`` excludes the intercept).
    seed : int
        Seed of ``np.random.default_rng``; the design depends only on
        ``(n, p, seed)``, the response also on ``family``.
    n_nonzero : int
        Number of non-zero true coefficients (capped at ``p``).
    name, l1_ratio, description
        Stored on the :class:`Problem` as given.

    Returns
    -------
    Problem
    """
    if family not in FAMILIES:
        hint = difflib.get_close_matches(family, FAMILIES, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(
            f"family={family!r} is not one of {', '.join(map(repr, FAMILIES))}.{did_you_mean}"
        )
    if n < 1 or p < 1:
        raise ValueError(f"make_problem needs n >= 1 and p >= 1, got n={n}, p={p}.")

    rng = np.random.default_rng(seed)
    X = _ar1_design(rng, n, p)
    coef = _true_coef(p, n_nonzero)
    intercept = _TRUE_INTERCEPT[family]
    eta = intercept + X @ coef

    if family == "gaussian":
        y = eta + rng.standard_normal(n)
    elif family == "binomial":
        mu = 1.0 / (1.0 + np.exp(-eta))
        y = (rng.random(n) < mu).astype(np.float64)
    else:  # poisson
        y = rng.poisson(np.exp(eta)).astype(np.float64)

    features = [f"x{j}" for j in range(1, p + 1)]
    return Problem(
        name=name or f"{family}_n{n}_p{p}_seed{seed}",
        family=family,
        X=X,
        y=y,
        weights=None,
        data=_frame("y", y, features, X),
        formula=_formula("y", features),
        response="y",
        feature_names=tuple(features),
        true_coef=coef,
        true_intercept=intercept,
        l1_ratio=l1_ratio,
        description=description,
        meta={"n_nonzero": int(np.count_nonzero(coef)), "seed": seed, "rho": _RHO},
    )


def _randhie(seed: int = 0) -> Problem:
    """RAND Health Insurance Experiment: doctor visits ``mdvis`` (Poisson counts).

    20,190 rows, 9 predictors; ``statsmodels.datasets.randhie`` ships it, so no
    network access is needed. ``seed`` is accepted for a uniform factory
    signature and ignored.
    """
    del seed
    from statsmodels.datasets import randhie  # local: keep the module import cheap

    raw = randhie.load_pandas().data
    response = "mdvis"
    features = [c for c in raw.columns if c != response]
    X = np.ascontiguousarray(raw[features].to_numpy(dtype=np.float64))
    y = raw[response].to_numpy(dtype=np.float64)
    return Problem(
        name="randhie_poisson",
        family="poisson",
        X=X,
        y=y,
        weights=None,
        data=_frame(response, y, features, X),
        formula=_formula(response, features),
        response=response,
        feature_names=tuple(features),
        description="RAND HIE (statsmodels.datasets.randhie): mdvis ~ all 9 other columns, poisson",
        meta={"source": "statsmodels.datasets.randhie"},
    )


# ---------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------

ProblemFactory = Callable[..., Problem]


@dataclass(frozen=True)
class SyntheticFactory:
    """Lazy recipe for a registered synthetic problem; call it to build the data."""

    name: str
    family: str
    n: int
    p: int
    l1_ratio: float | None
    description: str
    n_nonzero: int = 10

    def __call__(self, seed: int = 0, n: int | None = None) -> Problem:
        """Build the problem; ``n`` overrides the number of rows (e.g. for smoke runs)."""
        rows = self.n if n is None else n
        name = self.name if rows == self.n else f"{self.name}[n={rows}]"
        return make_problem(
            self.family,
            rows,
            self.p,
            seed=seed,
            n_nonzero=self.n_nonzero,
            name=name,
            l1_ratio=self.l1_ratio,
            description=self.description,
        )


#: name -> factory(seed=0) -> Problem. Nothing is generated until a factory is called.
PROBLEMS: dict[str, ProblemFactory] = {
    # unpenalized fits (bench_unpenalized.py)
    "binomial_100k_50": SyntheticFactory(
        "binomial_100k_50", "binomial", 100_000, 50, None,
        "unpenalized logistic regression, AR(1) design",
    ),
    "poisson_100k_50": SyntheticFactory(
        "poisson_100k_50", "poisson", 100_000, 50, None,
        "unpenalized Poisson regression, AR(1) design",
    ),
    # penalized fits and paths
    "gaussian_lasso_10k_200": SyntheticFactory(
        "gaussian_lasso_10k_200", "gaussian", 10_000, 200, 1.0,
        "lasso path, gaussian",
    ),
    "binomial_enet_50k_100": SyntheticFactory(
        "binomial_enet_50k_100", "binomial", 50_000, 100, 0.5,
        "elastic-net path (l1_ratio=0.5), binomial",
    ),
    "poisson_lasso_50k_100": SyntheticFactory(
        "poisson_lasso_50k_100", "poisson", 50_000, 100, 1.0,
        "lasso path, poisson",
    ),
    "binomial_wide_500_5000": SyntheticFactory(
        "binomial_wide_500_5000", "binomial", 500, 5_000, 1.0,
        "wide (p >> n) lasso, binomial",
    ),
    "poisson_lasso_1m_50": SyntheticFactory(
        "poisson_lasso_1m_50", "poisson", 1_000_000, 50, 1.0,
        "tall lasso path, poisson",
    ),
    # one large fit per family
    "single_gaussian_100k_100": SyntheticFactory(
        "single_gaussian_100k_100", "gaussian", 100_000, 100, None,
        "single large fit, gaussian",
    ),
    "single_binomial_100k_100": SyntheticFactory(
        "single_binomial_100k_100", "binomial", 100_000, 100, None,
        "single large fit, binomial",
    ),
    "single_poisson_100k_100": SyntheticFactory(
        "single_poisson_100k_100", "poisson", 100_000, 100, None,
        "single large fit, poisson",
    ),
    # real data
    "randhie_poisson": _randhie,
}


def problem_names() -> list[str]:
    """Registered problem names, in registration order."""
    return list(PROBLEMS)


def load_problem(name: str, seed: int = 0, n: int | None = None) -> Problem:
    """Build the registered problem ``name`` (``PROBLEMS[name](seed=seed)``).

    ``n`` builds a synthetic problem with fewer (or more) rows but the same
    family, ``p``, coefficients and penalty hint; real data sets refuse it.
    """
    try:
        factory = PROBLEMS[name]
    except KeyError:
        hint = difflib.get_close_matches(name, PROBLEMS, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        raise KeyError(
            f"no benchmark problem named {name!r}.{did_you_mean} "
            f"Known problems: {', '.join(PROBLEMS)}."
        ) from None
    if n is None:
        return factory(seed=seed)
    if not isinstance(factory, SyntheticFactory):
        raise ValueError(
            f"problem {name!r} is a real data set and has a fixed number of rows; "
            "call load_problem without n=."
        )
    return factory(seed=seed, n=n)
