"""Shared fixtures and data loaders for glmgen's tests.

``seed``
    The random seed every randomised test uses. It defaults to ``0``; set the
    environment variable ``GLMGEN_TEST_SEED`` to widen it (after
    ``global_random_seed`` in scikit-learn's ``sklearn/conftest.py``):

    - ``GLMGEN_TEST_SEED=7``     -> seed 7 only
    - ``GLMGEN_TEST_SEED=0-9``   -> seeds 0, 1, ..., 9 (each test runs once per seed)
    - ``GLMGEN_TEST_SEED=all``   -> seeds 0, 1, ..., 99

    Tests must pass for every seed.

Reference data
    ``tests/reference/glm_r_stata.json`` holds R and Stata results shipped with
    statsmodels, and ``tests/reference/data/*.csv`` the data they were computed
    on; ``tests/reference/README.md`` records where each number comes from.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import xlogy

import glmgen as gg

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
DATA_DIR = REFERENCE_DIR / "data"


# --------------------------------------------------------------------------- seeds
def _seeds_from_env() -> list[int]:
    raw = os.environ.get("GLMGEN_TEST_SEED", "0").strip()
    if raw == "":
        return [0]
    if raw == "all":
        return list(range(100))
    if "-" in raw:
        low, high = (int(part) for part in raw.split("-", 1))
        if high < low:
            raise ValueError(f"GLMGEN_TEST_SEED={raw!r}: the range must be 'low-high' with low <= high.")
        return list(range(low, high + 1))
    try:
        return [int(raw)]
    except ValueError:
        raise ValueError(
            f"GLMGEN_TEST_SEED={raw!r} is not understood; use an integer ('7'), a range ('0-9') or 'all'."
        ) from None


@pytest.fixture(params=_seeds_from_env(), scope="session")
def seed(request: pytest.FixtureRequest) -> int:
    """The random seed of this test run (``GLMGEN_TEST_SEED``, default 0)."""
    return int(request.param)


# --------------------------------------------------------------------------- data
def load_csv(name: str) -> pd.DataFrame:
    """A fresh copy of ``tests/reference/data/<name>``."""
    return _read_csv(name).copy()


@lru_cache(maxsize=None)
def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name)


@lru_cache(maxsize=None)
def _reference_json() -> dict[str, Any]:
    return json.loads((REFERENCE_DIR / "glm_r_stata.json").read_text())


def load_longley() -> pd.DataFrame:
    """Longley (16 rows): TOTEMP and six predictors, as ``statsmodels.datasets.longley``."""
    return load_csv("longley.csv")


def load_cpunish() -> pd.DataFrame:
    """cpunish (17 US states), as ``statsmodels.datasets.cpunish``, plus columns for the weighted models.

    Added columns:

    - ``pop``: 100 in every row, the exposure of R's model m2 in ``R_cpunish.s``;
    - ``fweight``: the Stata ``fweight`` of ``poisson_weights_v2.do``
      (1,1,1,2,2,2,3,3,3,1,1,1,2,2,2,3,3);
    - ``aweight``: ``fweight`` normalised to sum to 17, Stata's ``aweight``;
    - ``weight``: R's prior weights in ``test_get_R_tweedie_var_weight.R``
      (1,2,3,4,5,4,3,2,1,2,3,4,5,4,3,2,1);
    - ``INCOME_K``: INCOME / 1000 (the scaling of that R script; well-scaled for live comparisons).
    """
    df = load_csv("cpunish.csv")
    ref = _reference_json()["cases"]
    fweight = np.asarray(ref["poisson_fweight_stata"]["fweight"], dtype=float)
    df["pop"] = 100.0
    df["fweight"] = fweight
    df["aweight"] = fweight / fweight.sum() * len(df)
    df["weight"] = np.asarray(ref["gaussian_log_weights"]["weights"], dtype=float)
    df["INCOME_K"] = df["INCOME"] / 1000.0
    return df


def load_star98() -> pd.DataFrame:
    """Star98 (303 school districts): NABOVE, NBELOW counts and 20 predictors, as ``statsmodels.datasets.star98``."""
    return load_csv("star98.csv")


def load_lbw() -> pd.DataFrame:
    """Hosmer-Lemeshow low birth weight data (189 rows), with 0/1 dummies ``race_black``, ``race_other``."""
    df = load_csv("lbw.csv")
    df["race_black"] = (df["race"] == "black").astype(float)
    df["race_other"] = (df["race"] == "other").astype(float)
    return df


def load_gaussian_log() -> pd.DataFrame:
    """The generated data of statsmodels' ``TestGaussianLog`` (``RandomState(54321)``, 100 rows)."""
    return load_csv("gaussian_log.csv")


_LOADERS = {
    "longley.csv": load_longley,
    "cpunish.csv": load_cpunish,
    "star98.csv": load_star98,
    "lbw.csv": load_lbw,
    "gaussian_log.csv": load_gaussian_log,
}


def load_reference(case: str) -> SimpleNamespace:
    """One case of ``glm_r_stata.json`` as a namespace, with its data frame as ``.data``.

    Numeric lists become float arrays; ``params`` and ``bse`` become Series
    indexed by glmgen's design column names.
    """
    raw = dict(_reference_json()["cases"][case])
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("params", "bse"):
            out[key] = pd.Series(value, dtype=float)
        elif isinstance(value, list):
            out[key] = np.asarray(value, dtype=float)
        else:
            out[key] = value
    out["data"] = _LOADERS[raw["data"]]()
    out["name"] = case
    return SimpleNamespace(**out)


@pytest.fixture
def longley() -> pd.DataFrame:
    return load_longley()


@pytest.fixture
def cpunish() -> pd.DataFrame:
    return load_cpunish()


@pytest.fixture
def star98() -> pd.DataFrame:
    return load_star98()


@pytest.fixture
def lbw() -> pd.DataFrame:
    return load_lbw()


@pytest.fixture
def csv(tmp_path, frame) -> str:
    """The requesting module's ``frame`` written as a CSV file; its path."""
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.fixture
def run_cli(capsys):
    """Run ``glmgen`` in-process: ``run_cli("fit", path, ...)`` -> (exit code, stdout, stderr)."""
    from glmgen.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def unit_deviance(family: str, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The unit deviance of the gaussian, binomial and poisson families, written from their textbook definitions
    (McCullagh and Nelder, table 2.1): the reference the tests compute objectives and deviances with."""
    if family == "gaussian":
        return np.square(y - mu)
    if family == "binomial":
        return 2.0 * (xlogy(y, y / mu) + xlogy(1.0 - y, (1.0 - y) / (1.0 - mu)))
    if family == "poisson":
        return 2.0 * (xlogy(y, y / mu) - (y - mu))
    raise ValueError(family)


def model_file_refused(saved: Any, *needles: str) -> Exception:
    """The :class:`glmgen.ModelFileError` that reading the model-file document ``saved`` raises; its message must
    contain every one of ``needles`` (the field it names)."""
    with pytest.raises(gg.ModelFileError) as info:
        gg.GLMResult.from_dict(saved)
    for needle in needles:
        assert needle in str(info.value), str(info.value)
    return info.value
