"""The bootstrap of a negative binomial fit whose theta was estimated re-estimates theta on every resample, as
refitting ``MASS::glm.nb`` on the resampled rows would (glmgen/resampling/engines_glm.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.resampling.engines_glm import GLMEngine
from glmgen.solvers import IRLSControl

QUINE = Path(__file__).resolve().parents[1] / "reference" / "data" / "quine.csv"
FORMULA = "Days ~ Eth + Sex + Age + Lrn"


@pytest.fixture(scope="module")
def quine() -> pd.DataFrame:
    return pd.read_csv(QUINE)


def test_a_resample_refit_is_glm_nb_on_the_resampled_rows(quine: pd.DataFrame) -> None:
    """Replicate ``r`` with counts ``c``: the coefficients of a fresh theta-estimating fit with ``c`` as frequency
    weights (the resampled rows), not of a fit holding the full data's theta."""
    fit = gg.glm(FORMULA, quine, gg.negative_binomial(), tol=1e-12)
    engine = GLMEngine.of(fit, IRLSControl(tol=1e-12))
    rng = np.random.default_rng(4)
    counts = rng.multinomial(len(quine), np.full(len(quine), 1.0 / len(quine)))
    refit = engine.refit(counts, rng)
    fresh = gg.glm(FORMULA, quine, gg.negative_binomial(), freq_weights=counts.astype(float), tol=1e-12)
    held = gg.glm(FORMULA, quine, gg.negative_binomial(fit.theta), freq_weights=counts.astype(float), tol=1e-12)
    np.testing.assert_allclose(refit.coef, fresh.params.to_numpy(), rtol=1e-7, atol=1e-9)
    assert abs(fresh.theta - fit.theta) > 1e-3  # the resample's theta differs, so holding it would differ too
    assert not np.allclose(refit.coef, held.params.to_numpy(), rtol=1e-7, atol=1e-9)


def test_a_fixed_theta_stays_fixed(quine: pd.DataFrame) -> None:
    """With theta given (``negative.binomial(2)`` in R) a refit is an ordinary IRLS fit at that theta."""
    fit = gg.glm(FORMULA, quine, gg.negative_binomial(2.0), tol=1e-12)
    engine = GLMEngine.of(fit, IRLSControl(tol=1e-12))
    rng = np.random.default_rng(5)
    counts = rng.multinomial(len(quine), np.full(len(quine), 1.0 / len(quine)))
    fresh = gg.glm(FORMULA, quine, gg.negative_binomial(2.0), freq_weights=counts.astype(float), tol=1e-12)
    np.testing.assert_allclose(engine.refit(counts, rng).coef, fresh.params.to_numpy(), rtol=1e-6, atol=1e-8)
