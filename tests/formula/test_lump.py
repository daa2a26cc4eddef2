"""``lump(x, min_count=..., min_share=...)``: rare levels merged into "Other", learned from the training rows.

References: statsmodels' GLM on the column recoded by hand (pandas
``value_counts`` on the training rows), which is what R's
``forcats::fct_lump_min`` / ``fct_lump_prop`` produce before ``glm``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmgen as gg
from glmgen.errors import FormulaError, ModelFileError, UnsafeFormulaError
from glmgen.formula import build_design

smf = pytest.importorskip("statsmodels.formula.api")
sm = pytest.importorskip("statsmodels.api")

TITLES = {"Mr": 0.45, "Mrs": 0.2, "Miss": 0.2, "Master": 0.1, "Dr": 0.02, "Rev": 0.015, "Col": 0.01, "Sir": 0.005}


@pytest.fixture(scope="module")
def titanic() -> pd.DataFrame:
    """Titles with rare levels, as in carData::TitanicSurvival (8 levels with a handful of rows)."""
    rng = np.random.default_rng(5)
    n = 400
    title = rng.choice(list(TITLES), n, p=list(TITLES.values()))
    age = rng.uniform(1.0, 80.0, n)
    effect = pd.Series(title).map({"Mr": -1.0, "Mrs": 0.8, "Miss": 0.6, "Master": 0.3}).fillna(0.0).to_numpy()
    survived = (rng.uniform(size=n) < 1 / (1 + np.exp(-(effect - 0.01 * age)))).astype(float)
    return pd.DataFrame({"title": title, "age": age, "survived": survived, "district": rng.integers(1, 6, n)})


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)
        yield


def _lumped_by_hand(values: pd.Series, min_count: int) -> tuple[pd.Series, list[str]]:
    counts = values.value_counts()
    kept = sorted(counts[counts >= min_count].index)
    return values.where(values.isin(kept), "Other"), kept + ["Other"]


def test_lump_matches_statsmodels_on_the_column_recoded_by_hand(titanic):
    fit = gg.glm("survived ~ lump(title, min_count=20) + age", titanic, family="binomial")
    recoded, levels = _lumped_by_hand(titanic["title"], 20)
    ref = smf.glm(f"survived ~ C(t, levels={levels!r}) + age", titanic.assign(t=recoded),
                  family=sm.families.Binomial()).fit(tol=1e-12)
    assert [name.split("[T.")[-1].rstrip("]") for name in fit.params.index[1:-1]] == levels[1:]
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-7)


def test_min_share_and_both_thresholds(titanic):
    n = len(titanic)
    share = gg.glm("survived ~ lump(title, min_share=0.05)", titanic, family="binomial")
    count = gg.glm(f"survived ~ lump(title, min_count={int(np.ceil(0.05 * n))})", titanic, family="binomial")
    np.testing.assert_array_equal(share.params.to_numpy(), count.params.to_numpy())
    both = gg.glm("survived ~ lump(title, min_count=3, min_share=0.05)", titanic, family="binomial")
    np.testing.assert_array_equal(both.params.to_numpy(), share.params.to_numpy())  # the stricter test wins


def test_levels_are_counted_on_the_training_rows_only(titanic):
    """A fold's training rows decide what is rare: a level with k rows overall but k - 1 in training is merged
    there (min_count=k), and its held-out row becomes "Other" too."""
    rows = np.flatnonzero(titanic["title"] == "Mrs")
    threshold = len(rows)
    train = np.setdiff1d(np.arange(len(titanic)), rows[:1])
    full, _ = build_design(f"survived ~ lump(title, min_count={threshold})", titanic)
    fold, _ = build_design(f"survived ~ lump(title, min_count={threshold})", titanic.iloc[train])
    assert f"lump(title, min_count={threshold})[T.Mrs]" in full.column_names
    assert f"lump(title, min_count={threshold})[T.Mrs]" not in fold.column_names
    held_out = fold.build(titanic.iloc[rows[:1]])
    other = fold.column_names.index(f"lump(title, min_count={threshold})[T.Other]")
    assert held_out.X.toarray()[0, other] == 1.0


def test_cv_with_rare_levels_in_held_out_rows(titanic):
    """Each fold learns its own levels; a title seen only in a fold's held-out rows becomes "Other"."""
    data = titanic.copy()
    data.loc[data.index[:3], "title"] = ["Lady", "Don", "Capt"]  # one row each
    path = gg.glm_path("survived ~ lump(title, min_count=10) + age", data, family="binomial", n_alphas=5)
    cv = path.cv(folds=5, seed=0)
    assert np.isfinite(cv.mean_deviance).all()


def test_unseen_level_goes_to_other_and_the_model_file_round_trips(titanic, tmp_path):
    fit = gg.glm("survived ~ lump(title, min_count=20) + age", titanic, family="binomial", safe=True)
    new = pd.DataFrame({"title": ["Mr", "Dr", "Countess", "Miss"], "age": [30.0, 40.0, 50.0, 20.0]})
    as_other = new.assign(title=["Mr", "Other", "Other", "Miss"])
    np.testing.assert_array_equal(fit.predict(new).to_numpy(), fit.predict(as_other).to_numpy())
    fit.save(tmp_path / "lump.json")
    loaded = gg.load(tmp_path / "lump.json")
    np.testing.assert_array_equal(loaded.predict(new).to_numpy(), fit.predict(new).to_numpy())
    saved = json.loads((tmp_path / "lump.json").read_text())
    factor = next(f for f in saved["design"]["design_info"]["factors"] if f["code"].startswith("lump("))
    attrs = next(iter(factor["transforms"].values()))["attrs"]
    assert attrs == {"_levels": ["Master", "Miss", "Mr", "Mrs", "Other"], "_other": "Other"}


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda attrs: attrs.update(_levels=["Other", "Master", "Miss", "Mr", "Mrs"]), "_other"),
    (lambda attrs: attrs.update(_levels=["Master", "Miss", "Mr", "Mr", "Other"]), "twice"),
    (lambda attrs: attrs.update(_levels=["Master", "Miss", "Mr", "Other"]), "categories"),
    (lambda attrs: attrs.update(_counts={}), "_counts"),
])
def test_edited_lump_state_is_refused(titanic, tmp_path, edit, needle):
    fit = gg.glm("survived ~ lump(title, min_count=20)", titanic, family="binomial")
    fit.save(tmp_path / "lump.json")
    saved = json.loads((tmp_path / "lump.json").read_text())
    factor = next(f for f in saved["design"]["design_info"]["factors"] if f["code"].startswith("lump("))
    edit(next(iter(factor["transforms"].values()))["attrs"])
    (tmp_path / "edited.json").write_text(json.dumps(saved))
    with pytest.raises(ModelFileError, match=needle):
        gg.load(tmp_path / "edited.json")


def test_lump_inside_c_takes_a_contrast(titanic):
    fit = gg.glm("survived ~ C(lump(title, min_count=20), Treatment('Mr'))", titanic, family="binomial")
    recoded, _ = _lumped_by_hand(titanic["title"], 20)
    ref = smf.glm("survived ~ C(t, Treatment('Mr'))", titanic.assign(t=recoded),
                  family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(np.sort(fit.params.to_numpy()), np.sort(ref.params.to_numpy()), rtol=1e-8)


def test_integer_levels_keep_their_names_and_other_is_last(titanic):
    data = titanic.assign(district=np.where(np.arange(len(titanic)) < 4, 9, titanic["district"]))
    fit = gg.glm("survived ~ lump(district, min_count=10, other='rest')", data, family="binomial")
    assert [name.split("[T.")[-1].rstrip("]") for name in fit.params.index[1:]] == ["2", "3", "4", "5", "rest"]


def test_no_rare_level_means_no_other_level(titanic):
    fit = gg.glm("survived ~ lump(title, min_count=1)", titanic, family="binomial")
    assert not any("Other" in name for name in fit.params.index)
    assert len(fit.params) == len(TITLES)


@pytest.mark.parametrize(("term", "error", "needle"), [
    ("lump(title)", FormulaError, "min_count="),
    ("lump(title, min_count=0)", FormulaError, "whole number of rows >= 1"),
    ("lump(title, min_share=1.5)", FormulaError, r"\(0, 1\]"),
    ("lump(title, min_count=5, other=3)", FormulaError, "name of the merged level"),
])
def test_bad_arguments_say_what_to_write(titanic, term, error, needle):
    with pytest.raises(error, match=needle):
        gg.glm(f"survived ~ {term}", titanic, family="binomial")


def test_safe_mode_checks_lump_arguments(titanic):
    with pytest.raises(UnsafeFormulaError, match="lump"):
        gg.glm("survived ~ lump(title, min_count=5, cutoff=2)", titanic, family="binomial", safe=True)
