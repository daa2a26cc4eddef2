"""Write ``group_adelie.json``: adelie's group elastic net on small simulated problems, the reference of
``tests/solvers/test_group.py``.

Run under adelie's own environment (it pins numpy < 2; ``python benchmarks/bench_group.py --setup-adelie`` or
``benchmarks/_adelie.py``'s ``setup()`` creates it), from the repository root::

    benchmarks/.venv-adelie/bin/python tests/reference/penalized/make_group_adelie.py

Each case stores the design (columns: a 4-level factor's 3 dummies, a 3-column numeric group, two single
columns), response, prior weights, the groups, adelie's arguments and its solutions at its own lambda path.
adelie's conventions, matched by the test: weights normalised to sum 1 (glmgen's ``deviance / (2 sum w)``),
``alpha`` = glmgen's ``l1_ratio``, ``penalty`` = the group factors ``sqrt(|g|) x user factor``, ``lmda`` =
glmgen's ``alpha``, an unpenalized intercept, no standardization (the columns are used as given).
"""

from __future__ import annotations

import json
from pathlib import Path

import adelie as ad
import numpy as np

TARGET = Path(__file__).with_name("group_adelie.json")
N_ROWS = 90
N_LAMBDAS = 12
#: groups by their first column, and the user factors multiplying sqrt(size)
STARTS = [0, 3, 6, 7]
SIZES = [3, 3, 1, 1]


def design(rng: np.random.Generator) -> np.ndarray:
    levels = rng.integers(0, 4, N_ROWS)
    dummies = (levels[:, None] == np.arange(1, 4)).astype(float)
    numeric = rng.standard_normal((N_ROWS, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.4], [0.0, 0.0, 1.0]])
    singles = rng.standard_normal((N_ROWS, 2))
    return np.column_stack([dummies, numeric, singles])


def response(family: str, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if family == "gaussian":
        return eta + rng.standard_normal(N_ROWS)
    if family == "binomial":
        return (rng.random(N_ROWS) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return rng.poisson(np.exp(eta)).astype(float)


def glm_of(family: str, y: np.ndarray, weights: np.ndarray):
    normalised = weights / weights.sum()
    if family == "gaussian":
        return ad.glm.gaussian(y, weights=normalised)
    if family == "binomial":
        return ad.glm.binomial(y, weights=normalised)
    return ad.glm.poisson(y, weights=normalised)


def case(name: str, family: str, l1_ratio: float, user_factors: list[float], weighted: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    X = design(rng)
    eta = 0.3 + X @ np.array([0.6, -0.4, 0.2, 0.5, 0.0, -0.3, 0.25, 0.0])
    y = response(family, eta, rng)
    weights = rng.uniform(0.5, 2.0, N_ROWS) if weighted else np.ones(N_ROWS)
    factors = np.sqrt(SIZES) * np.array(user_factors)
    state = ad.grpnet(np.asfortranarray(X), glm_of(family, y, weights), groups=np.array(STARTS), alpha=l1_ratio,
                      penalty=factors, lmda_path_size=N_LAMBDAS, min_ratio=0.02, early_exit=False, tol=1e-14,
                      irls_tol=1e-14, newton_tol=1e-14, intercept=True, progress_bar=False)
    betas = np.asarray(state.betas.todense())
    return {"name": name, "family": family, "l1_ratio": l1_ratio, "X": X.tolist(), "y": y.tolist(),
            "weights": weights.tolist(), "groups": [list(range(s, s + k)) for s, k in zip(STARTS, SIZES)],
            "factors": factors.tolist(), "lambdas": np.asarray(state.lmdas).tolist(), "coefs": betas.tolist(),
            "intercepts": np.asarray(state.intercepts).tolist()}


def main() -> None:
    cases = [
        case("gaussian_lasso", "gaussian", 1.0, [1.0, 1.0, 1.0, 1.0], False, 1),
        case("gaussian_mix_weights", "gaussian", 0.6, [1.0, 2.0, 1.0, 0.5], True, 2),
        case("binomial_mix_weights", "binomial", 0.5, [1.0, 1.0, 1.0, 1.0], True, 3),
        case("poisson_lasso_weights", "poisson", 1.0, [1.0, 1.0, 1.0, 1.0], True, 4),
    ]
    TARGET.write_text(json.dumps({"adelie": ad.__version__, "numpy": np.__version__, "cases": cases}) + "\n")


if __name__ == "__main__":
    main()
