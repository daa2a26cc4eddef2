"""A negative binomial with unknown theta on Dask data: ``MASS::glm.nb``'s alternation over partitions gives R's
estimate (reference values from R 4.2.2 / MASS, ``tests/reference/data/r_families.json``) and the in-memory
fit's, at several partitionings."""

from __future__ import annotations

import json
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import glmgen as gg

DATA = Path(__file__).resolve().parent.parent / "reference" / "data"
CASE = json.loads((DATA / "r_families.json").read_text())["cases"]["quine_negative_binomial"]


@pytest.fixture(scope="module")
def quine() -> pd.DataFrame:
    return pd.read_csv(DATA / "quine.csv")


@pytest.mark.parametrize("npartitions", [1, 4])
def test_theta_estimated_over_partitions_equals_r_and_the_in_memory_fit(quine: pd.DataFrame,
                                                                        npartitions: int) -> None:
    frame = dd.from_pandas(quine, npartitions=npartitions)
    fit = gg.glm(CASE["formula"], frame, gg.negative_binomial())
    in_memory = gg.glm(CASE["formula"], quine, gg.negative_binomial())
    np.testing.assert_allclose(fit.theta, CASE["estimated_theta"], rtol=1e-8)
    np.testing.assert_allclose(fit.theta_se, CASE["estimated_theta_se"], rtol=1e-6)
    np.testing.assert_allclose(fit.aic, CASE["aic"], rtol=1e-9)
    np.testing.assert_allclose(fit.theta, in_memory.theta, rtol=1e-10)
    np.testing.assert_allclose(fit.params, in_memory.params, rtol=1e-8)
    np.testing.assert_allclose(fit.bse, in_memory.bse, rtol=1e-8)
    np.testing.assert_allclose(fit.null_deviance, in_memory.null_deviance, rtol=1e-8)


def test_a_path_holds_the_theta_estimated_once_as_in_memory(quine: pd.DataFrame) -> None:
    frame = dd.from_pandas(quine, npartitions=3)
    path = gg.glm_path(CASE["formula"], frame, gg.negative_binomial(), n_alphas=8)
    in_memory = gg.glm_path(CASE["formula"], quine, gg.negative_binomial(), n_alphas=8)
    np.testing.assert_allclose(path.family.theta, in_memory.family.theta, rtol=1e-10)
    np.testing.assert_allclose(path.alphas, in_memory.alphas, rtol=1e-10)
    np.testing.assert_allclose(path.deviance, in_memory.deviance, rtol=1e-7)
