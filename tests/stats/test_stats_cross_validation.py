"""cv.glmnet's summaries (glmgen.stats.cross_validation), checked against its published definitions.

glmnet's ``cv.glmnet`` (R/cvcompute.R and R/cv.elnet.R in glmnet 4.1):
``cvm = apply(cvraw, 2, weighted.mean, w = weights)`` and
``cvsd = sqrt(apply(scale(cvraw, cvm, FALSE)^2, 2, weighted.mean, w = weights) / (N - 1))``,
with one row per fold (``N`` folds) and fold weights the total observation weight of the fold;
``lambda.1se`` is the largest lambda with ``cvm <= min(cvm) + cvsd[which.min(cvm)]``.
"""

from __future__ import annotations

import numpy as np
import pytest

import glmgen as gg
from glmgen.stats import cv_summary, held_out_mean_deviance, index_1se, index_min


def test_summary_is_cv_glmnets_weighted_mean_and_sd():
    rng = np.random.default_rng(0)
    folds = rng.gamma(2.0, size=(5, 7))
    weights = rng.uniform(1.0, 4.0, size=5)
    mean, se = cv_summary(folds, weights)
    expected_mean = np.array([np.average(folds[:, j], weights=weights) for j in range(7)])
    expected_se = np.sqrt(np.array([np.average((folds[:, j] - expected_mean[j]) ** 2, weights=weights)
                                    for j in range(7)]) / 4)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-14)
    np.testing.assert_allclose(se, expected_se, rtol=1e-14)


def test_folds_without_weight_are_left_out():
    folds = np.array([[1.0, 2.0], [np.nan, np.nan], [3.0, 6.0]])
    weights = np.array([1.0, 0.0, 1.0])
    mean, se = cv_summary(folds, weights)
    np.testing.assert_allclose(mean, [2.0, 4.0], rtol=1e-15)
    np.testing.assert_allclose(se, [np.sqrt(1.0 / 1), np.sqrt(4.0 / 1)], rtol=1e-15)


def test_one_fold_has_no_standard_error_and_1se_falls_back_to_the_minimum():
    mean, se = cv_summary(np.array([[3.0, 1.0, 2.0]]), np.array([2.0]))
    np.testing.assert_allclose(mean, [3.0, 1.0, 2.0])
    assert np.all(np.isnan(se))
    assert index_1se(mean, se) == index_min(mean) == 1


def test_one_standard_error_rule():
    mean = np.array([5.0, 3.0, 2.2, 2.0, 2.1])  # alphas decreasing: index 0 is the largest alpha
    se = np.array([0.1, 0.1, 0.1, 0.25, 0.1])
    assert index_min(mean) == 3
    assert index_1se(mean, se) == 2  # the largest alpha with mean <= 2.0 + 0.25


def test_held_out_mean_deviance_is_the_weighted_mean_unit_deviance():
    family, link = gg.families.Poisson(), gg.links.get_link("log")
    y = np.array([0.0, 2.0, 5.0, 1.0])
    eta = np.log(np.array([[0.5, 1.0], [2.0, 1.5], [4.0, 6.0], [1.0, 0.2]]))
    weights = np.array([1.0, 2.0, 0.5, 1.0])
    means, total = held_out_mean_deviance(family, link, y, eta, weights)
    mu = np.exp(eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = 2.0 * (np.where(y[:, None] > 0, y[:, None] * np.log(y[:, None] / mu), 0.0) - (y[:, None] - mu))
    np.testing.assert_allclose(means, weights @ unit / weights.sum(), rtol=1e-12)
    assert total == pytest.approx(4.5)
    empty, none = held_out_mean_deviance(family, link, y, eta, np.zeros(4))
    assert none == 0.0 and np.all(np.isnan(empty))
