"""Separated bootstrap replicates: counted against a hand count of resamples with an empty cell, and warned about.

A logistic model with a factor whose level ``"rare"`` has few events: a resample that draws none of them is
quasi-separated (the maximum-likelihood estimate of that level's coefficient is -infinity), and only those.
The hand count uses the resample counts the bootstrap used (regenerated from the seed by the resampler).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg


def _rare_cell_data() -> pd.DataFrame:
    """240 rows: levels "a" and "b" with about half events, level "rare" with 2 events in 40 rows."""
    rng = np.random.default_rng(3)
    group = np.repeat(["a", "b", "rare"], [100, 100, 40])
    x = rng.normal(size=group.size)
    y = np.concatenate([rng.random(100) < 0.5, rng.random(100) < 0.4, np.arange(40) < 2]).astype(float)
    return pd.DataFrame({"y": y, "g": group, "x": x})


def _bootstrap_quietly(fit: gg.GLMResult, **options: object) -> gg.BootstrapResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gg.bootstrap(fit, progress=False, **options)


def test_separated_replicates_are_the_resamples_with_an_empty_cell() -> None:
    data = _rare_cell_data()
    fit = gg.glm("y ~ C(g) + x", data, family="binomial")
    boot = _bootstrap_quietly(fit, n_boot=60, seed=1)
    events = ((data["g"] == "rare") & (data["y"] == 1)).to_numpy()
    empty = np.array([boot.resample_counts(r)[events].sum() == 0 for r in range(60)])
    assert 0 < empty.sum() < 60  # e^-2: about 8 of 60 resamples draw neither event
    np.testing.assert_array_equal(boot.separated, empty)
    assert boot.n_separated == int(empty.sum()) and boot.separated_replicates == list(np.flatnonzero(empty))
    assert not boot.converged[empty].any()  # a separated replicate is not a converged one
    assert boot.n_failed == 0 and boot.n_nonconverged == boot.n_separated
    # the separated replicates are those whose rare-level coefficient ran off (the others stay near the estimate)
    rare = boot.replicates["C(g)[T.rare]"].to_numpy()
    assert np.all(rare[empty] < -15) and np.all(rare[~empty] > -6)


def test_separation_warning_gives_count_and_meaning() -> None:
    data = _rare_cell_data()
    fit = gg.glm("y ~ C(g) + x", data, family="binomial")
    with pytest.warns(gg.SeparationWarning) as record:
        boot = gg.bootstrap(fit, n_boot=60, seed=1, progress=False)
    separation = [str(w.message) for w in record if issubclass(w.category, gg.SeparationWarning)]
    assert len(separation) == 1  # warned once
    message = separation[0]
    assert message.startswith(f"{boot.n_separated} of 60 bootstrap replicates are separated")
    assert "percentile" in message and "penalized fit" in message and "merging" in message
    assert boot.separated_message == message and message in boot.warnings
    assert f"n_separated={boot.n_separated}" in repr(boot)


def test_well_conditioned_model_has_no_separated_replicates() -> None:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x1": rng.normal(size=300), "g": rng.choice(["a", "b", "c"], 300)})
    eta = 0.3 + 0.8 * data["x1"] - 0.5 * (data["g"] == "b")
    data["y"] = (rng.random(300) < 1 / (1 + np.exp(-eta))).astype(float)
    fit = gg.glm("y ~ x1 + C(g)", data, family="binomial")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gg.SeparationWarning)
        boot = gg.bootstrap(fit, n_boot=100, seed=0, progress=False)
    assert boot.n_separated == 0 and boot.separated_message is None
    assert not any("separated" in message for message in boot.warnings)


def test_penalized_refits_of_the_rare_cell_are_not_separated() -> None:
    """A ridge penalty keeps every resample's estimate finite: the same resamples are not separated."""
    data = _rare_cell_data()
    fit = gg.glm("y ~ C(g) + x", data, family="binomial", alpha=0.05, l1_ratio=0.0)
    boot = _bootstrap_quietly(fit, n_boot=60, seed=1)
    assert boot.n_separated == 0


def test_stepwise_replicates_with_an_empty_cell_are_separated() -> None:
    """The search re-run on a resample with no event in the rare level keeps C(g), whose estimate then runs off."""
    data = _rare_cell_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step = gg.stepwise("y ~ C(g) + x", data, family="binomial")
        boot = gg.bootstrap(step, n_boot=12, seed=1, progress=False)
    events = ((data["g"] == "rare") & (data["y"] == 1)).to_numpy()
    empty = np.array([boot.resample_counts(r)[events].sum() == 0 for r in range(12)])
    assert empty.any()
    np.testing.assert_array_equal(boot.separated, empty)
