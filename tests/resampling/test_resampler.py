"""Resampling schemes and resample weights (glmgen.resampling.resampler).

- A replicate's total weight of row ``i`` is prior weight x frequency weight x
  resample count: checked against statsmodels' GLM with ``var_weights`` (R's
  prior weights) and ``freq_weights`` times the counts.
- The jackknife units behind BCa follow boot's ``usual.jack``: one unit (row
  or whole group) left out at a time with multiplier ``n_s - 1`` (``n_s``
  units in its stratum), or random blocks of whole units with ``G - 1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.resampling.resampler import Resampler

sm = pytest.importorskip("statsmodels.api")


def test_replicate_uses_prior_times_frequency_weights_times_counts():
    """Replicate = statsmodels GLM(var_weights=w, freq_weights=f * counts), the MLE on the weighted resample."""
    rng = np.random.default_rng(31)
    n = 200
    data = pd.DataFrame({"x": rng.normal(size=n), "w": rng.uniform(0.5, 2.0, n), "f": rng.integers(1, 4, n)})
    data["y"] = rng.poisson(np.exp(0.4 + 0.6 * data["x"]))
    fit = gg.glm("y ~ x", data, family="poisson", weights="w", freq_weights="f")
    boot = gg.bootstrap(fit, n_boot=3, seed=2, progress=False)
    X = sm.add_constant(data["x"].to_numpy())
    for r in range(3):
        counts = boot.resample_counts(r)
        reference = sm.GLM(data["y"].to_numpy(), X, family=sm.families.Poisson(), var_weights=data["w"].to_numpy(),
                           freq_weights=data["f"].to_numpy() * counts).fit(tol=1e-12)
        np.testing.assert_allclose(boot.replicates.iloc[r], reference.params, rtol=1e-6, atol=1e-8)


def test_cluster_jackknife_leaves_out_one_whole_group_at_a_time_within_strata():
    groups = np.array([0, 0, 1, 2, 2, 2, 3, 4, 4, 5])
    strata = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])  # groups 0-2 in stratum 0, groups 3-5 in stratum 1
    resampler = Resampler.build(groups.size, strata, groups)
    left_out, multipliers = resampler.jackknife_units(None, seed=0)
    assert [list(rows) for rows in left_out] == [list(np.flatnonzero(groups == g)) for g in range(6)]
    np.testing.assert_array_equal(multipliers, [2.0] * 3 + [2.0] * 3)  # 3 groups per stratum: n_s - 1 = 2
    uneven = Resampler.build(groups.size, None, groups)
    assert list(uneven.jackknife_units(None, seed=0)[1]) == [5.0] * 6  # one stratum of 6 groups


def test_block_jackknife_partitions_the_units():
    """Blocks of whole groups: every row is left out in exactly one block; multiplier G - 1."""
    groups = np.repeat(np.arange(12), 3)
    resampler = Resampler.build(groups.size, None, groups)
    left_out, multipliers = resampler.jackknife_units(4, seed=5)
    assert len(left_out) == 4
    np.testing.assert_array_equal(np.sort(np.concatenate(left_out)), np.arange(groups.size))
    for rows in left_out:
        assert all(np.isin(np.flatnonzero(groups == g), rows).all() for g in np.unique(groups[rows]))
    np.testing.assert_array_equal(multipliers, np.full(4, 3.0))


def test_stratified_cluster_draws_keep_groups_whole_and_counts_per_stratum():
    groups = np.repeat(np.arange(8), 2)
    strata = np.repeat([0, 1], 8)
    resampler = Resampler.build(groups.size, strata, groups)
    rng = np.random.default_rng(0)
    for _ in range(20):
        counts = resampler.draw(rng)
        per_group = pd.Series(counts).groupby(groups)
        assert (per_group.nunique() == 1).all()
        assert pd.Series(per_group.first().to_numpy()).groupby([0] * 4 + [1] * 4).sum().tolist() == [4, 4]
