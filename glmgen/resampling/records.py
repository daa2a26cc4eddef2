"""The bootstrap records: :class:`BootstrapResult` (intervals, optimism) and :class:`BiasVarianceResult`.

Records are passive apart from BCa's jackknife, which asks the procedure
kept in ``_procedure`` for refits, and bagging (``predict``, ``evaluate``),
which reads new rows through the original model's design (:mod:`.bagging`);
the interval maths is in :mod:`.intervals`, drawing in :mod:`glmgen.render`
(through :mod:`glmgen.results.display`).
"""

from __future__ import annotations

import math
import warnings as warnings_module
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._validation import check_choice, check_level, is_dask_frame
from ..errors import IntervalWarning, InvalidParameterError
from ..formula import DesignMatrix
from ..results import GLMResult, HeldOutResult, display
from .bagging import replicate_predictions
from .intervals import (
    acceleration,
    bca_interval,
    column_quantiles,
    normal_interval,
    quantiles,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]

INTERVAL_METHODS = ("percentile", "basic", "normal", "bca")
INTERPOLATIONS = ("normal", "linear")
PREDICT_KINDS = ("response", "link")


def separation_message(separated: npt.NDArray[np.bool_]) -> str | None:
    """The warning about separated replicates (count, first one, what it means for the summaries), or ``None``."""
    if not separated.any():
        return None
    return (
        f"{int(separated.sum())} of {separated.size} bootstrap replicates are separated (first: replicate "
        f"{int(np.flatnonzero(separated)[0])}): in those resamples the maximum-likelihood estimate does not exist "
        "(fitted means at 0 or 1, coefficients running off towards infinity), typically because a cell of a factor "
        "or interaction has no events in the resample. They are kept, so se, bias and the intervals (percentile "
        "intervals too) include their arbitrary, very large coefficients and are inflated for the coefficients "
        "involved. Consider a penalized fit (alpha > 0), or dropping or merging the sparse cell; the replicates are "
        "listed in result.separated_replicates."
    )


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Bootstrap replicates of a fitting procedure, with standard errors, intervals and optimism.

    Attributes
    ----------
    estimate : Series
        The original procedure's coefficients (``t0``).
    replicates : DataFrame
        ``(n_boot, n_coefficients)``: one row per replicate, in replicate
        order. A coefficient not selected in a replicate is ``0.0``; failed
        replicates are NaN rows.
    method : {"case", "parametric"}
    target : {"glm", "penalized", "path", "stepwise"}
        What was refitted.
    select : str or None
        The path's selection criterion.
    converged, separated, failed : array of bool ``(n_boot,)``
        ``separated``: the resample is (quasi-)separated, its estimate does
        not exist: the refit's fitted means hit the boundary, or its
        coefficients ran off (the resample's Fisher information collapsed,
        see :mod:`.engines_glm`), typically a resample with no events in one
        cell. Such replicates also count as not converged, and they are
        kept in the replicates: ``se``, ``bias`` and every interval include
        them, so for the coefficients involved the bootstrap distribution has
        a far tail of arbitrary values (|coefficient| ~ 20-30) that inflates
        ``se`` and stretches percentile intervals towards it. When
        ``n_separated > 0``, prefer a penalized fit (``alpha > 0``), or drop or
        merge the sparse cell, over reading those intervals.
    errors : dict
        Replicate -> exception message, for failed replicates.
    n_iter : array of int ``(n_boot,)``
        Solver iterations per replicate.
    chosen_alpha : Series or None
        Per replicate, the alpha the selection chose (paths).
    chosen_formula : Series or None
        Per replicate, the formula the search chose (stepwise).
    deviances : DataFrame
        Per replicate: ``resample`` and ``original`` (total deviance of the
        replicate's model on its own resample and on the original rows) and
        ``resample_weight`` (total weight of the resample).
    apparent_deviance : float
        Training mean deviance of the original procedure.
    no_information : float
        The no-information error gamma (:func:`~.intervals.no_information_deviance`).
    oob_sum, oob_count : arrays ``(n,)``
        Per original row, the summed unit deviance over the replicates where
        it was out-of-bag, and their number.
    row_weights : array ``(n,)``
        Total fitting weight of each original row (empty for a Poisson bootstrap over Dask partitions).
    total_weight : float
        Total fitting weight of the original rows.
    oob_error : float or None
        The leave-one-out bootstrap error ``Err(1)`` when it was reduced without per-row arrays (a Poisson
        bootstrap over Dask partitions).
    warnings : list of str
    model : GLMResult or None
        The original model (``obj``, or the path's selected fit): its design (spec) turns new rows into the
        replicates' predictions (:meth:`predict`); ``None`` for a stepwise search, whose replicates choose
        different designs.
    """

    estimate: pd.Series
    replicates: pd.DataFrame
    method: str
    target: str
    select: str | None
    seed: int
    converged: npt.NDArray[np.bool_]
    separated: npt.NDArray[np.bool_]
    failed: npt.NDArray[np.bool_]
    errors: dict[int, str]
    n_iter: npt.NDArray[np.int64]
    chosen_alpha: pd.Series | None
    chosen_formula: pd.Series | None
    deviances: pd.DataFrame
    apparent_deviance: float
    no_information: float
    oob_sum: FloatArray = field(repr=False)
    oob_count: npt.NDArray[np.int64] = field(repr=False)
    row_weights: FloatArray = field(repr=False)
    warnings: list[str] = field(default_factory=list)
    total_weight: float | None = None
    oob_error: float | None = None
    model: GLMResult | None = field(default=None, repr=False)
    _procedure: Any = field(default=None, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    # -- counts -------------------------------------------------------------------------------------

    @property
    def n_boot(self) -> int:
        return len(self.replicates)

    @property
    def n_failed(self) -> int:
        """Replicates whose refit raised an exception (NaN rows, left out of every summary)."""
        return int(self.failed.sum())

    @property
    def n_nonconverged(self) -> int:
        """Replicates that finished without meeting the solver's convergence criterion, separated ones included
        (kept in summaries)."""
        return int((~self.converged & ~self.failed).sum())

    @property
    def n_separated(self) -> int:
        """Replicates whose resample is separated (see ``separated``; kept in summaries)."""
        return int(self.separated.sum())

    @property
    def separated_replicates(self) -> list[int]:
        return [int(r) for r in np.flatnonzero(self.separated)]

    @property
    def separated_message(self) -> str | None:
        """What the separated replicates mean for the summaries (the :class:`SeparationWarning`), or ``None``."""
        return separation_message(self.separated)

    @property
    def failed_replicates(self) -> list[int]:
        return [int(r) for r in np.flatnonzero(self.failed)]

    @property
    def nonconverged_replicates(self) -> list[int]:
        return [int(r) for r in np.flatnonzero(~self.converged & ~self.failed)]

    def _used(self) -> pd.DataFrame:
        return self.replicates[~self.failed]

    # -- summaries ----------------------------------------------------------------------------------

    @property
    def se(self) -> pd.Series:
        """Standard deviation of the successful replicates (``R - 1`` denominator, as R's ``sd``)."""
        return self._used().std(ddof=1).rename("se")

    @property
    def bias(self) -> pd.Series:
        """Mean of the successful replicates minus the original estimate."""
        return (self._used().mean() - self.estimate).rename("bias")

    @property
    def inclusion(self) -> pd.Series:
        """Share of successful replicates in which each coefficient is non-zero."""
        used = self._used()
        return ((used != 0) & used.notna()).mean().rename("inclusion")

    def resample_counts(self, replicate: int) -> npt.NDArray[np.int64]:
        """The resample counts of ``replicate`` (one per original row), regenerated from the seed."""
        if self._procedure is None:
            raise InvalidParameterError("this result does not hold its resampling scheme.")
        return self._procedure.counts(replicate)

    def conf_int(self, level: float = 0.95, method: str = "percentile", *, interpolation: str = "normal",
                 jackknife: str | int | None = None) -> pd.DataFrame:
        """Bootstrap confidence intervals, columns ``lower`` and ``upper`` indexed by coefficient.

        Parameters
        ----------
        level : float
            Coverage in (0, 1).
        method : {"percentile", "basic", "normal", "bca"}
            As R's ``boot.ci`` (see the module notes).
        interpolation : {"normal", "linear"}
            ``"normal"``: R boot's ``norm.inter`` (default); ``"linear"``:
            ``numpy.quantile``'s default (R's type 7).
        jackknife : {None, "exact", "infinitesimal"} or int
            Empirical influence values for the BCa acceleration. ``None``
            chooses: exact leave-one-out refits (leave-one-group-out for a
            cluster bootstrap) when there are at most 2,000 units; beyond that
            the infinitesimal jackknife ``L_i = n H^{-1} x_i s_i`` (``s_i``
            the score of row ``i``, ``H`` the Fisher information) for an
            unpenalized GLM, and otherwise a grouped jackknife over 200
            random blocks of units, ``L_g = (G - 1)(t0 - t_{-g})``. An int
            asks for that many blocks. Refits run once and are cached.
        """
        method = check_choice("method", method, INTERVAL_METHODS)
        interpolation = check_choice("interpolation", interpolation, INTERPOLATIONS)
        if not (isinstance(level, (int, float)) and 0 < level < 1):
            raise InvalidParameterError(f"level={level!r} must be a number in (0, 1), e.g. 0.95.")
        used = self._used()
        alpha = (1.0 + np.array([-level, level])) / 2.0
        accelerations = self._accelerations(jackknife) if method == "bca" else None
        rows = {}
        undefined = []
        for j, name in enumerate(used.columns):
            t, t0 = used[name].to_numpy(dtype=float), float(self.estimate[name])
            if method == "percentile":
                bounds = quantiles(t, alpha, interpolation)
            elif method == "basic":
                bounds = 2.0 * t0 - quantiles(t, alpha[::-1], interpolation)
            elif method == "normal":
                bounds = normal_interval(t, t0, level)
            else:
                assert accelerations is not None
                bounds = bca_interval(t, t0, level, accelerations[j], interpolation)
                if not np.all(np.isfinite(bounds)) and np.isfinite(t0):
                    undefined.append(name)
            rows[name] = bounds
        if undefined:
            warnings_module.warn(
                f"BCa intervals are undefined (NaN) for {len(undefined)} coefficient(s) whose replicates all lie on "
                f"one side of the estimate or do not vary (first: {undefined[0]!r}); use method='percentile' for "
                "them.", IntervalWarning, stacklevel=2,
            )
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])

    def _accelerations(self, jackknife: str | int | None) -> FloatArray:
        if self._procedure is None:
            raise InvalidParameterError("BCa needs the bootstrap's refitting procedure, which this result lacks.")
        key = ("influence", jackknife)
        if key not in self._cache:
            self._cache[key] = self._procedure.influence(jackknife, self.estimate)
        influence = self._cache[key]
        return np.array([acceleration(influence[:, j]) for j in range(influence.shape[1])])

    def influence(self, jackknife: str | int | None = None) -> pd.DataFrame:
        """Empirical influence values used for the BCa acceleration (one row per jackknife unit)."""
        self._accelerations(jackknife)
        return pd.DataFrame(self._cache[("influence", jackknife)], columns=self.replicates.columns)

    # -- optimism -----------------------------------------------------------------------------------

    def optimism(self) -> pd.Series:
        """Optimism-corrected estimates of the held-out mean deviance of the original procedure.

        All on the mean-deviance scale (weighted mean unit deviance,
        ``sum_i w_i d(y_i, mu_i) / sum_i w_i``), over the successful
        replicates ``b`` with finite deviances:

        - ``apparent``: the original procedure's training mean deviance ``err``;
        - ``harrell``: ``err + mean_b [D_b(original) / W - D_b(resample) / W_b]``,
          Harrell's optimism bootstrap: the replicate's model scored on the
          original rows minus on its own resample (weighted by the counts);
        - ``loo_boot``: the leave-one-out bootstrap ``Err(1)`` (Efron and
          Tibshirani 1997): for each row, the mean of its unit deviance over
          the replicates in which it is out-of-bag; then the weighted mean
          over rows (rows never out-of-bag are left out);
        - ``e632``: ``0.368 err + 0.632 Err(1)``;
        - ``e632plus``: Efron and Tibshirani's .632+ (their eq. 32): with the
          no-information error ``gamma`` (:func:`~.intervals.no_information_deviance`),
          ``Err(1)' = min(Err(1), gamma)`` and the relative overfitting rate
          ``R = (Err(1)' - err) / (gamma - err)`` when ``Err(1) > err`` and
          ``gamma > err``, else 0 (so ``0 <= R <= 1``),
          ``e632plus = e632 + (Err(1)' - err) 0.368 * 0.632 R / (1 - 0.368 R)``,
          which is ``(1 - w) err + w Err(1)`` with ``w = 0.632 / (1 - 0.368 R)``
          whenever ``Err(1) <= gamma``;
        - ``no_information`` (gamma) and ``overfitting_rate`` (R), for reference.

        A parametric bootstrap has no out-of-bag rows: ``loo_boot``, ``e632``
        and ``e632plus`` are NaN and ``harrell`` compares the original and the
        simulated responses.
        """
        total = float(self.row_weights.sum()) if self.total_weight is None else self.total_weight
        apparent = self.apparent_deviance
        dev = self.deviances
        ok = (~self.failed & np.isfinite(dev["original"].to_numpy()) & np.isfinite(dev["resample"].to_numpy()))
        gaps = dev["original"].to_numpy()[ok] / total - (dev["resample"] / dev["resample_weight"]).to_numpy()[ok]
        harrell = apparent + float(np.mean(gaps)) if gaps.size else math.nan
        loo = math.nan if self.oob_error is None else self.oob_error
        seen = (self.oob_count > 0) & (self.row_weights > 0)
        if self.method == "case" and seen.any():
            per_row = self.oob_sum[seen] / self.oob_count[seen]
            loo = float(self.row_weights[seen] @ per_row / self.row_weights[seen].sum())
        gamma = self.no_information
        e632 = 0.368 * apparent + 0.632 * loo
        loo_clipped = min(loo, gamma) if math.isfinite(loo) else math.nan
        rate = (loo_clipped - apparent) / (gamma - apparent) if (loo > apparent and gamma > apparent) else 0.0
        e632plus = e632 + (loo_clipped - apparent) * 0.368 * 0.632 * rate / (1.0 - 0.368 * rate)
        if not math.isfinite(loo):
            e632plus, rate = math.nan, math.nan
        return pd.Series({
            "apparent": apparent, "harrell": harrell, "loo_boot": loo, "e632": e632, "e632plus": e632plus,
            "no_information": gamma, "overfitting_rate": rate,
        }, name="mean_deviance")

    # -- bagging ------------------------------------------------------------------------------------

    def predict(self, data: AnyFrame, level: float = 0.95, kind: str = "response", *,
                interpolation: str = "linear") -> pd.DataFrame:
        """The bagged prediction of new rows: the replicates' mean prediction with percentile bands.

        Each successful replicate's coefficients (a row of ``replicates``) predict the rows of ``data`` through
        the original model's design, offsets and exposure re-evaluated as :meth:`GLMResult.predict` does; failed
        replicates are left out (separated ones are kept, as in every summary). Columns:

        - ``mean``: ``mean_b mu_bi`` (``kind="response"``) or ``mean_b eta_bi`` (``kind="link"``), the bagged
          prediction;
        - ``lower``, ``upper``: the ``(1 -+ level) / 2`` quantiles of the replicates' predictions of the row,
          ``interpolation="linear"`` as ``numpy.percentile``'s default (R's type 7), or ``"normal"`` as
          :meth:`conf_int` (R boot's ``norm.inter``). A band of the ensemble's predictions, not a prediction
          interval for a new response;
        - ``n_boot``: the successful replicates averaged.

        Indexed like ``data``; rows with missing inputs get NaN. For a path bootstrap each replicate predicts
        with the model its own selection chose, so this bags the whole selection procedure. ``data``: pandas,
        polars or pyarrow (as :func:`glmgen.glm`).
        """
        data = as_pandas(data)
        kind = check_choice("kind", kind, PREDICT_KINDS)
        interpolation = check_choice("interpolation", interpolation, INTERPOLATIONS)
        level = check_level(level)
        model, design = self._bagging_design(data, need_response=False)
        values = replicate_predictions(model, self._used(), design, kind)
        alpha = (1.0 + np.array([-level, level])) / 2.0
        bands = column_quantiles(values, alpha, interpolation)
        table = pd.DataFrame(np.nan, index=data.index, columns=["mean", "lower", "upper"])
        kept = np.flatnonzero(design.kept)
        table.iloc[kept, 0] = values.mean(axis=0)
        table.iloc[kept, 1:] = bands
        table["n_boot"] = len(values)
        return table

    def evaluate(self, data: AnyFrame, *, weights: Any = None, offset: Any = None) -> HeldOutResult:
        """Held-out fit of the bagged prediction on ``data``, defined as :meth:`GLMResult.evaluate` with the bagged
        mean ``mbar_i = mean_b mu_bi`` in place of the model's: mean deviance ``sum_i w_i d(y_i, mbar_i) / W``,
        deviance, D^2 against the original model's intercept-only fit, and n. ``weights`` / ``offset`` supply
        variables given as arrays at fit time, as there. ``data``: pandas, polars or pyarrow."""
        model, design = self._bagging_design(as_pandas(data), need_response=True, arrays={"weights": weights, "offset": offset})
        assert design.y is not None
        model.family.check_y(design.y, design.row_labels, model.spec.response.label)
        bagged = replicate_predictions(model, self._used(), design, "response").mean(axis=0)
        return HeldOutResult.of(*model.held_out_sums(design, bagged))

    def _bagging_design(self, data: pd.DataFrame, need_response: bool,
                        arrays: dict[str, Any] | None = None) -> tuple[GLMResult, DesignMatrix]:
        """The original model and its design of ``data``, after refusing what cannot be bagged."""
        if self.model is None:
            raise InvalidParameterError(
                f"bagging needs the design every replicate predicts with, and the replicates of this {self.target} "
                "bootstrap have none in common (each stepwise replicate chose its own formula). Bootstrap the chosen "
                "model instead: gg.bootstrap(step.best, ...).predict(data)."
            )
        if is_dask_frame(data):
            raise InvalidParameterError(
                "boot.predict and boot.evaluate need the new rows in memory (a pandas, polars or pyarrow frame); got a Dask "
                "DataFrame. Pass a pandas frame, e.g. frame.compute() or frame.head(n), or one partition at a time "
                "(frame.get_partition(i).compute())."
            )
        if self.n_failed == self.n_boot:
            raise InvalidParameterError(f"all {self.n_boot} bootstrap replicates failed (see result.errors), so there "
                                        "is no ensemble to predict with.")
        return self.model, self.model.spec.build(data, need_response=need_response, arrays=arrays)

    # -- presentation -------------------------------------------------------------------------------

    def to_frame(self, level: float = 0.95, method: str = "percentile") -> pd.DataFrame:
        """Estimate, se, bias, inclusion and the interval, one row per coefficient."""
        table = pd.concat([self.estimate.rename("estimate"), self.se, self.bias, self.inclusion], axis=1)
        return table.join(self.conf_int(level, method))

    def plot(self, level: float = 0.95, method: str = "percentile", ax: Any = None) -> Figure:
        """Forest plot of the intervals next to a bar chart of the inclusion shares (matplotlib Figure)."""
        figure: Figure = display.show("plot_bootstrap", self, level=level, method=method, axes=ax)
        return figure

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


@dataclass(frozen=True, eq=False)
class BiasVarianceResult:
    """Bootstrap bias-variance decomposition of held-out predictions, one row per alpha.

    ``table`` columns (weighted means over the held-out rows ``i`` with
    weights ``w_i``; ``mu_bi`` is replicate ``b``'s predicted mean for row
    ``i``, ``mbar_i`` its average over the replicates):

    - ``bias2``: ``sum_i w_i (mbar_i - y_i)^2 / W``, the squared bias against
      the *observed* response (the true mean is unknown, so it includes the
      noise variance of ``y``);
    - ``variance``: ``sum_i w_i mean_b (mu_bi - mbar_i)^2 / W``, the spread of
      the predictions across replicates (divisor ``B``);
    - ``expected_error``: ``sum_i w_i mean_b (mu_bi - y_i)^2 / W``, which equals
      ``bias2 + variance`` exactly;
    - ``mean_deviance``: ``sum_i w_i mean_b d(y_i, mu_bi) / W``, the expected
      held-out deviance of a refitted model;
    - ``bagged_deviance``: held-out mean deviance of the averaged prediction ``mbar``;
    - ``df``: mean number of non-zero coefficients (intercept excluded);
    - ``n_boot``: successful replicates.
    """

    table: pd.DataFrame
    n_failed: int
    warnings: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self, ax: Any = None) -> Figure:
        """bias^2, variance and expected error (and the mean deviance) against log10(alpha)."""
        figure: Figure = display.show("plot_bias_variance", self, ax=ax)
        return figure

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))
