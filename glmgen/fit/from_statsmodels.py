"""statsmodels -> glmgen: the glmgen fit of a GLM that statsmodels' formula API describes (``gg.from_statsmodels``):
the same formula, rows, family, link, weights, offset, dispersion and covariance, so that held-out deviance, CV,
the bootstrap and the report apply to it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from statsmodels.genmod.generalized_linear_model import GLM

from .._validation import quoted
from ..errors import DataError, DataWarning, InvalidParameterError
from ..formula import FormulaContext, VariableInput, split_formula
from ..model import Family, Link, resolve_family
from ..results import STATSMODELS_COV_TYPES, GLMResult, unless_ones
from ..solvers import Notice
from .fitting import emit
from .models import fit_glm

FloatArray = npt.NDArray[np.float64]

#: the family whose dispersion R estimates by Pearson chi2 / df_resid (statsmodels' ``scale="X2"``) where the
#: base family fixes it at 1
_QUASI = {"poisson": "quasipoisson", "binomial": "quasibinomial"}


def fit_statsmodels(
    source: Any,
    *,
    context: FormulaContext,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    stacklevel: int = 2,
) -> GLMResult:
    """glmgen's fit of the model of ``source`` (a statsmodels GLM made by ``smf.glm``, or its fitted result);
    see :func:`glmgen.from_statsmodels`. Weights, offset and exposure named here are checked against the model's
    arrays on its rows; those not named are passed as the model's arrays."""
    model = source if isinstance(source, GLM) else getattr(source, "model", None)
    if not isinstance(model, GLM):
        raise InvalidParameterError(
            "from_statsmodels takes a statsmodels GLM made through the formula API (smf.glm(formula, data, "
            f"family=...)) or its fitted result (.fit()); got {type(source).__name__}."
        )
    family, link = _family(model)
    cov_type, cluster = _covariance(source)
    fit = fit_glm(
        _formula(model), _rows(model), family, context=context, link=link,
        weights=_given(weights, unless_ones(model.var_weights)),
        freq_weights=_given(freq_weights, unless_ones(model.freq_weights)),
        offset=_given(offset, _array(model, "offset")),
        exposure=_given(exposure, None if (log_exposure := _array(model, "exposure")) is None
                        else np.exp(log_exposure)),
        cov_type=cov_type, cluster=cluster, stacklevel=stacklevel + 1,
    )
    _check_same_inputs(fit, model, {"weights": weights, "freq_weights": freq_weights, "offset": offset,
                                    "exposure": exposure})
    notice = _scale_notice(source, fit)
    return fit if notice is None else replace(fit, warnings=fit.warnings + emit([notice], stacklevel + 1))


def _scale_notice(source: Any, fit: GLMResult) -> Notice | None:
    """A warning when a fitted statsmodels result's dispersion is not glmgen's (R's), with the reason where it is
    known: statsmodels' ``scale="X2"`` leaves the trials of a two-column binomial response out of Pearson chi2."""
    theirs = getattr(source, "scale", None)
    if isinstance(source, GLM) or theirs is None or np.isclose(float(theirs), fit.scale, rtol=1e-6, atol=0):
        return None
    reason = ("With a two-column binomial response statsmodels' scale='X2' leaves the trials out of its Pearson chi2 "
              f"(its own pearson_chi2 / df_resid is {float(source.pearson_chi2 / source.df_resid):.6g}); give "
              "statsmodels proportions with the trials as var_weights to get R's quasibinomial there too."
              if _response_columns(source.model) == 2 else "")
    return Notice(DataWarning, f"glmgen's dispersion is {fit.scale:.6g} (Pearson chi2 / df_resid, as R's) where "
                  f"statsmodels' result has scale={float(theirs):.6g}, so the standard errors differ. {reason}".strip())


def _formula(model: GLM) -> str:
    """The model's formula, with a two-column binomial response ``s + f`` written ``cbind(s, f)``."""
    formula = getattr(model, "formula", None)
    if not isinstance(formula, str):
        raise InvalidParameterError(
            "this statsmodels GLM was built from arrays (sm.GLM(endog, exog)), so it has no formula and no data "
            "frame for glmgen to refit; build it with statsmodels' formula API, smf.glm(formula, data, family="
            "...), or fit the formula with gg.glm directly."
        )
    columns = _response_columns(model)
    if columns == 1:
        return formula
    left, right = split_formula(formula)
    names = [str(name) for name in model.data.orig_endog.columns]
    if columns != 2 or [term.strip() for term in left.split("+")] != names:
        raise InvalidParameterError(
            f"the response {left!r} of this statsmodels model gives {columns} columns ({quoted(names)}), which "
            "statsmodels reads as (successes, failures) counts: for a text or categorical response the success is "
            f"the first level ({names[0]!r}). glmgen maps only a response written 'successes + failures' (to "
            "cbind(successes, failures)); give statsmodels a 0/1 number column as the response, or fit with gg.glm, "
            "whose factor response models the second level."
        )
    return f"cbind({names[0]}, {names[1]}) ~ {right}"


def _response_columns(model: GLM) -> int:
    """How many columns the model's formula response gives (2 for binomial ``successes + failures``)."""
    endog = model.data.orig_endog
    return 1 if np.ndim(endog) < 2 else int(endog.shape[1])


def _rows(model: GLM) -> pd.DataFrame:
    """The rows of the model's data frame that statsmodels fitted (those without missing values)."""
    frame = model.data.frame
    labels = model.data.row_labels
    if len(labels) == len(frame):
        return frame
    if not frame.index.is_unique:
        raise DataError(
            f"statsmodels fitted {len(labels)} of the {len(frame)} rows of its data (it dropped rows with missing "
            "values), which glmgen finds by their labels, but the data frame's index repeats labels. Give "
            "statsmodels a frame with a unique index (data.reset_index(drop=True)) and convert again."
        )
    return frame.loc[labels]


def _family(model: GLM) -> tuple[Family, Link]:
    """glmgen's family and link for the model's, the dispersion statsmodels estimated included: Pearson chi2 /
    df_resid (``scale="X2"``) for a Poisson or binomial is R's quasi family."""
    family, link = resolve_family(model.family)
    scale = getattr(model, "scaletype", None)  # set by GLM.fit
    if scale is None or (isinstance(scale, str) and scale.lower() == "x2" and family.estimates_dispersion):
        return family, link
    if isinstance(scale, str) and scale.lower() == "x2" and family.name in _QUASI:
        return resolve_family(_QUASI[family.name], link)
    if not isinstance(scale, str) and float(scale) == 1.0 and not family.estimates_dispersion:
        return family, link
    fixed = "its dispersion estimated by Pearson chi2 / df_resid (scale='X2')" if family.estimates_dispersion else (
        "dispersion 1" + (", or scale='X2' for the quasi family" if family.name in _QUASI else ""))
    raise InvalidParameterError(
        f"this statsmodels model was fitted with scale={scale!r}; glmgen fits the {family.name} family with "
        f"{fixed}, as R does, so its standard errors would differ. Refit statsmodels with that scale, or fit with "
        "gg.glm directly."
    )


def _covariance(source: Any) -> tuple[str, Any]:
    """glmgen's ``cov_type`` and ``cluster`` for the covariance of a fitted statsmodels result."""
    cov_type = getattr(source, "cov_type", "nonrobust")
    if isinstance(source, GLM) or cov_type == "nonrobust":
        return "nonrobust", None
    kwds = getattr(source, "cov_kwds", None) or {}
    if cov_type in STATSMODELS_COV_TYPES and kwds.get("use_correction", True) is True:
        return cov_type, None if cov_type == "HC0" else np.asarray(kwds["groups"])
    raise InvalidParameterError(
        f"this statsmodels result has cov_type={cov_type!r}"
        f"{' with use_correction=' + repr(kwds.get('use_correction')) if cov_type == 'cluster' else ''}; glmgen "
        f"computes {quoted(STATSMODELS_COV_TYPES)} (cluster with statsmodels' default correction) with "
        "statsmodels' numbers, and statsmodels' GLM answers HC1 to HC3 with HC0's numbers (its issue #7798). Refit "
        "statsmodels with one of those, or call gg.glm(..., cov_type=...) for glmgen's own HC1 to HC3."
    )


def _array(model: GLM, name: str) -> FloatArray | None:
    value = getattr(model, name, None)
    return None if value is None else np.asarray(value, dtype=float)


def _given(named: VariableInput, array: FloatArray | None) -> VariableInput:
    """What the caller named for a variable, else the model's array of it."""
    return array if named is None else named


def _check_same_inputs(fit: GLMResult, model: GLM, named: dict[str, VariableInput]) -> None:
    """Raise unless glmgen fitted the model's rows with its weights and offset (what the caller named for them
    evaluates to the model's arrays)."""
    assert fit.training is not None
    design = fit.training.design
    if design.n_rows != len(model.endog):
        raise DataError(
            f"glmgen fitted {design.n_rows} rows where statsmodels fitted {len(model.endog)}: a column named in "
            f"{quoted(k for k, v in named.items() if v is not None) or 'the formula'} has missing values on rows "
            "statsmodels kept. Fill them, or leave those arguments out to use the model's arrays."
        )
    offset = np.zeros(len(model.endog))
    for name in ("offset", "exposure"):
        if (values := _array(model, name)) is not None:
            offset = offset + values  # statsmodels keeps log(exposure)
    trials = np.where(design.trials > 0, design.trials, 1.0)
    pairs = {"weights": (design.weights / trials, model.var_weights, ("weights",)),
             "freq_weights": (design.freq_weights, model.freq_weights, ("freq_weights",)),
             "offset": (design.offset, offset, ("offset", "exposure"))}
    for role, (ours, theirs, sources) in pairs.items():
        theirs = np.asarray(theirs, dtype=float)
        differs = ~np.isclose(ours, theirs, rtol=1e-10, atol=1e-12)
        if differs.any():
            row = int(np.flatnonzero(differs)[0])
            given = " and ".join(f"{name}={named[name]!r}" for name in sources if named[name] is not None)
            raise InvalidParameterError(
                f"{given or role} gives {role} that differ from the statsmodels model's on {int(differs.sum())} "
                f"rows (first: row {design.row_labels[row]}, {ours[row]:g} here, {theirs[row]:g} in "
                "statsmodels). Name the column or expression statsmodels' array was computed from, or leave it out "
                "to use the model's array."
            )
