"""Saving and loading fitted models; train/test splits; held-out evaluation.

Expected held-out deviances are computed from statsmodels fits on the
training rows and the families' unit deviances:

- gaussian  d(y, mu) = (y - mu)^2
- binomial  d(y, mu) = 2 [y log(y/mu) + (1 - y) log((1 - y)/(1 - mu))]
- poisson   d(y, mu) = 2 [y log(y/mu) - (y - mu)]

D^2 = 1 - deviance / deviance of the training intercept-only model on the
same rows (with the model's offset / exposure, as R's null deviance).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import load_cpunish, load_lbw, unit_deviance

import glmgen as gg


# --------------------------------------------------------------------------- save / load
def make_design_data(rng: np.random.Generator, n: int) -> pd.DataFrame:
    x = rng.standard_normal(n)
    z = rng.uniform(0.5, 4.0, size=n)
    w = rng.uniform(0.0, 10.0, size=n)
    g = np.array(["a", "b", "c", "d"])[rng.permutation(np.arange(n) % 4)]
    eta = 0.5 + 0.3 * x - 0.4 * np.log(z) + 0.2 * np.sin(w / 2) + np.where(g == "c", 0.4, 0.0)
    y = rng.poisson(np.exp(eta)).astype(float)
    return pd.DataFrame({"y": y, "g": g, "x": x, "z": z, "w": w})


FORMULA = "y ~ C(g) + center(x) + np.log(z) + bs(w, df=4)"


@pytest.fixture
def fitted(seed: int):
    rng = np.random.default_rng(seed)
    train = make_design_data(rng, 200)
    new = make_design_data(rng, 25)
    new["x"] = new["x"] + 1.5  # a different mean: centring must use the training mean
    new["w"] = np.clip(new["w"], train["w"].min(), train["w"].max())  # stay inside the spline's boundary knots
    fit = gg.glm(FORMULA, train, family="poisson")
    return fit, train, new


def test_save_load_round_trip_gives_identical_predictions(fitted, tmp_path) -> None:
    fit, train, new = fitted
    path = tmp_path / "model.json"
    fit.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"], "save writes exactly `path`"
    json.loads(path.read_text())  # the file is JSON text

    loaded = gg.load(path)
    assert list(loaded.params.index) == list(fit.params.index)
    np.testing.assert_array_equal(loaded.params.to_numpy(dtype=float), fit.params.to_numpy(dtype=float))
    for kind in ("response", "link"):
        np.testing.assert_array_equal(
            np.asarray(loaded.predict(new, kind=kind), dtype=float), np.asarray(fit.predict(new, kind=kind), dtype=float)
        )
    # also with a str path
    loaded2 = gg.load(str(path))
    np.testing.assert_array_equal(np.asarray(loaded2.predict(new), dtype=float), np.asarray(fit.predict(new), dtype=float))


def test_predict_reuses_training_transforms(fitted, tmp_path) -> None:
    """center(x) subtracts the training mean, C(g) keeps the training levels, bs(w) the training knots:
    a row's prediction does not depend on which other rows are predicted with it, before and after load.
    """
    fit, train, new = fitted
    path = tmp_path / "model.json"
    fit.save(path)
    loaded = gg.load(path)
    for model in (fit, loaded):
        batch = np.asarray(model.predict(new, kind="link"), dtype=float)
        single = np.array([np.asarray(model.predict(new.iloc[[i]], kind="link"), dtype=float)[0] for i in range(3)])
        np.testing.assert_allclose(single, batch[:3], rtol=1e-12, atol=1e-12)
        # a new-data frame with only one level of g still uses the training coding
        only_b = new[new["g"] == "b"]
        np.testing.assert_allclose(
            np.asarray(model.predict(only_b, kind="link"), dtype=float), batch[(new["g"] == "b").to_numpy()], rtol=1e-12
        )


def test_predict_by_hand_for_simple_stateful_formula(seed: int) -> None:
    """eta = b0 + b_g + b_x * (x - mean(x_train)) + b_z * log(z), from the fitted coefficients."""
    rng = np.random.default_rng(seed)
    train = make_design_data(rng, 150)
    new = make_design_data(rng, 10)
    new["x"] += 2.0
    fit = gg.glm("y ~ C(g) + center(x) + np.log(z)", train, family="poisson")
    p = fit.params
    level = new["g"].map(lambda g: 0.0 if g == "a" else p[f"C(g)[T.{g}]"])
    eta = p["Intercept"] + level + p["center(x)"] * (new["x"] - train["x"].mean()) + p["np.log(z)"] * np.log(new["z"])
    np.testing.assert_allclose(np.asarray(fit.predict(new, kind="link"), dtype=float), eta.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(fit.predict(new), dtype=float), np.exp(eta.to_numpy()), rtol=1e-10)


@pytest.mark.parametrize(
    "payload",
    [
        "__import__('os').system('touch {marker}')",
        "os.system('touch {marker}')",
        "open('{marker}', 'w')",
    ],
    ids=["__import__", "os.system", "open"],
)
def test_load_refuses_a_formula_edited_to_run_code(fitted, tmp_path, payload: str) -> None:
    fit, train, new = fitted
    path = tmp_path / "model.json"
    fit.save(path)
    text = path.read_text()
    assert "np.log(z)" in text
    marker = tmp_path / "code_was_executed"
    bad = text.replace("np.log(z)", payload.format(marker=marker.as_posix()))
    json.loads(bad)  # still valid JSON: only the formula changed
    bad_path = tmp_path / "edited.json"
    bad_path.write_text(bad)

    with pytest.raises(ValueError):
        model = gg.load(bad_path)
        model.predict(new)  # not reached if load refuses, as it must
    assert not marker.exists(), "loading executed code from the file"


# --------------------------------------------------------------------------- split
def _frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": np.arange(n), "x": rng.standard_normal(n), "cls": (np.arange(n) % 10 < 3).astype(int)},
        index=pd.RangeIndex(1000, 1000 + n),
    )


@pytest.mark.parametrize("n", [100, 200])
def test_split_partitions_the_rows(seed: int, n: int) -> None:
    data = _frame(n, np.random.default_rng(seed))
    train, test = gg.split(data, test_size=0.25, seed=seed)
    assert isinstance(train, pd.DataFrame) and isinstance(test, pd.DataFrame)
    assert len(test) == n // 4
    assert len(train) == n - n // 4
    assert set(train["id"]).isdisjoint(test["id"])
    assert set(train["id"]) | set(test["id"]) == set(range(n))
    assert list(train.columns) == list(data.columns)
    # rows are carried whole
    both = pd.concat([train, test]).sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(both, data.reset_index(drop=True))


def test_split_is_reproducible_for_a_seed(seed: int) -> None:
    data = _frame(100, np.random.default_rng(0))
    train1, test1 = gg.split(data, test_size=0.25, seed=seed)
    train2, test2 = gg.split(data, test_size=0.25, seed=seed)
    assert list(test1["id"]) == list(test2["id"])
    assert list(train1["id"]) == list(train2["id"])
    _, test3 = gg.split(data, test_size=0.25, seed=seed + 1)
    assert set(test3["id"]) != set(test1["id"])


@pytest.mark.parametrize("as_array", [False, True], ids=["column", "array"])
def test_split_stratify_keeps_class_proportions(seed: int, as_array: bool) -> None:
    data = _frame(200, np.random.default_rng(seed))  # 30% of rows have cls == 1
    stratify = data["cls"].to_numpy() if as_array else "cls"
    train, test = gg.split(data, test_size=0.25, seed=seed, stratify=stratify)
    assert len(test) == 50
    assert abs(int(test["cls"].sum()) - 15) <= 1
    assert abs(int(train["cls"].sum()) - 45) <= 1


# --------------------------------------------------------------------------- evaluate / generalization


def _sm_glm(sm, y, exog, family: str, **kwargs):
    fam = {"gaussian": sm.families.Gaussian, "binomial": sm.families.Binomial, "poisson": sm.families.Poisson}[family]()
    return sm.GLM(y, exog, family=fam, **kwargs).fit(tol=1e-13, maxiter=200)


def _exog(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    exog = df[columns].astype(float).copy()
    exog.insert(0, "Intercept", 1.0)
    return exog


def _evaluation_case(case: str, seed: int):
    """(train, test, glm kwargs, y, columns, family, weight column, exposure column)."""
    rng = np.random.default_rng(seed)
    if case == "binomial":
        data = load_lbw()
        columns = ["age", "lwt", "smoke", "ht", "ui"]
        y, family, weight, exposure = "low", "binomial", None, None
    elif case == "poisson_exposure":
        data = load_cpunish()
        data["years"] = np.linspace(1.0, 4.0, len(data))
        columns = ["INCOME_K", "SOUTH"]
        y, family, weight, exposure = "EXECUTIONS", "poisson", None, "years"
    elif case == "gaussian_weights":
        n = 120
        x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
        data = pd.DataFrame({"y": 1.0 + 0.5 * x1 - 0.3 * x2 + rng.standard_normal(n), "x1": x1, "x2": x2,
                             "w": rng.uniform(0.5, 2.0, size=n)})
        columns = ["x1", "x2"]
        y, family, weight, exposure = "y", "gaussian", "w", None
    else:
        raise AssertionError(case)
    test_rows = rng.permutation(len(data))[: max(5, len(data) // 4)]
    is_test = np.zeros(len(data), dtype=bool)
    is_test[test_rows] = True
    train, test = data[~is_test].copy(), data[is_test].copy()
    kwargs = {}
    if weight:
        kwargs["weights"] = weight
    if exposure:
        kwargs["exposure"] = exposure
    return train, test, kwargs, y, columns, family, weight, exposure


def _expected_evaluation(case: str, seed: int):
    """statsmodels-based held-out deviance, mean deviance and D^2 on the test rows."""
    sm = pytest.importorskip("statsmodels.api")
    train, test, kwargs, y, columns, family, weight, exposure = _evaluation_case(case, seed)
    sm_kw_train = {}
    sm_kw_test = {}
    if weight:
        sm_kw_train["var_weights"] = train[weight].to_numpy()
    if exposure:
        sm_kw_train["exposure"] = train[exposure].to_numpy()
        sm_kw_test["exposure"] = test[exposure].to_numpy()
    full = _sm_glm(sm, train[y], _exog(train, columns), family, **sm_kw_train)
    null = _sm_glm(sm, train[y], np.ones((len(train), 1)), family, **sm_kw_train)

    def held_out(rows: pd.DataFrame, kw: dict) -> tuple[float, float, float]:
        yv = rows[y].to_numpy(dtype=float)
        w = rows[weight].to_numpy() if weight else np.ones(len(rows))
        mu = np.asarray(full.predict(_exog(rows, columns), **kw))
        mu0 = np.asarray(null.predict(np.ones((len(rows), 1)), **kw))
        dev = float(np.sum(w * unit_deviance(family, yv, mu)))
        dev0 = float(np.sum(w * unit_deviance(family, yv, mu0)))
        return dev, dev / float(np.sum(w)), 1.0 - dev / dev0

    test_kw = sm_kw_test
    train_kw = {"exposure": train[exposure].to_numpy()} if exposure else {}
    return train, test, kwargs, y, columns, family, held_out(test, test_kw), held_out(train, train_kw)


CASES = ["binomial", "poisson_exposure", "gaussian_weights"]


@pytest.mark.parametrize("case", CASES)
def test_evaluate_matches_statsmodels_held_out_deviance(seed: int, case: str) -> None:
    train, test, kwargs, y, columns, family, (dev, mean_dev, d2), _ = _expected_evaluation(case, seed)
    fit = gg.glm(f"{y} ~ {' + '.join(columns)}", train, family=family, **kwargs)
    ev = fit.evaluate(test)
    assert ev.n == len(test)
    np.testing.assert_allclose(ev.deviance, dev, rtol=1e-7)
    np.testing.assert_allclose(ev.mean_deviance, mean_dev, rtol=1e-7)
    np.testing.assert_allclose(ev.d2, d2, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_evaluate_on_training_rows_reproduces_the_fit(seed: int, case: str) -> None:
    """On the training rows: deviance = fit.deviance and D^2 = 1 - deviance / null_deviance (R's null model)."""
    train, test, kwargs, y, columns, family, *_ = _evaluation_case(case, seed)
    fit = gg.glm(f"{y} ~ {' + '.join(columns)}", train, family=family, **kwargs)
    ev = fit.evaluate(train)
    assert ev.n == len(train)
    np.testing.assert_allclose(ev.deviance, fit.deviance, rtol=1e-8)
    np.testing.assert_allclose(ev.d2, 1.0 - fit.deviance / fit.null_deviance, rtol=1e-7)
    total_weight = train[kwargs["weights"]].sum() if "weights" in kwargs else len(train)
    np.testing.assert_allclose(ev.mean_deviance, fit.deviance / total_weight, rtol=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_generalization_reports_train_and_held_out_deviance(seed: int, case: str) -> None:
    train, test, kwargs, y, columns, family, held, on_train = _expected_evaluation(case, seed)
    fit = gg.glm(f"{y} ~ {' + '.join(columns)}", train, family=family, **kwargs)
    gen = gg.generalization(fit, train, test)
    np.testing.assert_allclose(gen.train_mean_deviance, on_train[1], rtol=1e-7)
    np.testing.assert_allclose(gen.test_mean_deviance, held[1], rtol=1e-7)
    np.testing.assert_allclose(gen.gap, held[1] - on_train[1], rtol=1e-6, atol=1e-10)  # held-out minus training
    np.testing.assert_allclose(gen.train_d2, on_train[2], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gen.test_d2, held[2], rtol=1e-6, atol=1e-9)
