"""The fitted-model record :class:`GLMResult`: eager statistics, prediction, held-out evaluation, persistence."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._frames import AnyFrame, as_pandas
from .._validation import (
    check_choice,
    check_finite,
    check_level,
    is_dask_frame,
    refuse_dask_arrays,
)
from .._version import __version__ as _glmgen_version
from ..errors import DataError, DataWarning, InvalidParameterError, ModelFileError
from ..formula import DesignMatrix, DesignSpec
from ..matrices import Matrix, ModelMatrix
from ..model import Family, Link, family_from_saved, get_link
from ..stats import (
    COV_TYPE_LABELS,
    aic,
    aicc,
    bic,
    parameter_count,
    prediction_table,
    wald_table,
)
from . import display
from .held_out import HeldOutResult
from .model_file import (
    FORMAT,
    MAX_FILE_BYTES,
    SCHEMA_VERSION,
    STATISTICS,
    check_model_file,
    checksum,
    json_scalar,
    nan_to_none,
    none_to_nan,
    pack_covariance,
    read_model_file,
)
from .shift import ShiftResult
from .to_statsmodels import to_statsmodels

if TYPE_CHECKING:
    class Summary(Protocol):
        """What :meth:`GLMResult.summary` returns (built by :mod:`glmgen.render`)."""

        def to_markdown(self) -> str: ...

        def to_html(self) -> str: ...

        def to_latex(self) -> str: ...

FloatArray = npt.NDArray[np.float64]

_RESIDUAL_KINDS = ("deviance", "pearson", "response", "working")
_HELD_OUT_SUMS = ("deviance", "null_deviance", "weight", "n")
_PREDICTION_COLUMNS = ("mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "link", "link_se")
_PREDICT_KINDS = ("response", "link")
_INTERVAL_METHODS = ("wald", "profile")


class GLMRefits(Protocol):
    """What :meth:`GLMResult.conf_int` needs for ``method="profile"``: refits on the training rows (supplied by
    :mod:`glmgen.fit`; a loaded model has none)."""

    def profile_intervals(self, fit: GLMResult, level: float) -> pd.DataFrame: ...


@dataclass(frozen=True)
class PenaltySettings:
    """The penalty a fit used (``alpha=0`` for unpenalized fits)."""

    alpha: float = 0.0
    l1_ratio: float = 0.0
    standardize: bool = True
    penalty_factor: dict[str, float] = field(default_factory=dict)

    @property
    def is_penalized(self) -> bool:
        return self.alpha > 0


@dataclass(frozen=True)
class TrainingData:
    """The training design and fitted values, kept for ``fitted``, ``resid`` and refits (absent on loaded models)."""

    design: DesignMatrix
    mu: FloatArray
    eta: FloatArray

    @property
    def y(self) -> FloatArray:
        assert self.design.y is not None
        return self.design.y

    @property
    def weights(self) -> FloatArray:
        return self.design.weights

    @property
    def freq_weights(self) -> FloatArray:
        return self.design.freq_weights

    @property
    def offset(self) -> FloatArray:
        return self.design.offset

    @property
    def row_labels(self) -> pd.Index:
        return self.design.row_labels


@dataclass(frozen=True, eq=False)
class GLMResult:
    """A fitted GLM.

    Statistics follow R's ``glm``: ``deviance`` and ``null_deviance`` (the
    latter with the offset, from an intercept-only fit), ``loglik`` as
    ``logLik()``, ``aic = -2 loglik + 2k`` and ``bic = -2 loglik + k log(nobs)``
    where ``k`` counts the coefficients and the family's other likelihood parameters (the dispersion of the
    gaussian, Gamma and inverse Gaussian families, an estimated negative binomial theta);
    ``aicc = aic + 2k(k+1)/(nobs-k-1)``. ``scale`` is the dispersion: Pearson chi2 / df_resid where the family
    estimates it, 1 otherwise. ``theta`` and ``theta_se`` are a negative binomial's (``MASS::glm.nb``).

    ``cov_type`` names the covariance that ``cov_params``, ``bse``, ``pvalues``, ``conf_int`` and ``coef_table``
    use: ``"nonrobust"`` (``cov_unscaled * scale``) or a sandwich covariance (``"HC0"`` to ``"HC3"``,
    ``"cluster"`` with ``n_clusters`` groups: :func:`glmgen.stats.sandwich_covariance`), held in ``cov_robust``.
    """

    spec: DesignSpec
    family: Family
    link: Link
    params: pd.Series
    cov_unscaled: FloatArray | None
    scale: float
    deviance: float
    null_deviance: float
    loglik: float
    pearson_chi2: float
    df_model: float
    #: effective degrees of freedom besides the intercept (:mod:`glmgen.stats.criteria`, ``df="edf"``): the rank
    #: for unpenalized fits, non-zero coefficients for the lasso, the hat-matrix trace for the elastic net
    edf: float
    df_resid: float
    nobs: float
    converged: bool
    n_iter: int
    null_intercept: float | None
    penalty: PenaltySettings
    warnings: list[str]
    n_dropped: int = 0
    training: TrainingData | None = field(default=None, repr=False)
    history: dict[str, list[float]] = field(default_factory=dict, repr=False)
    cov_type: str = "nonrobust"
    cov_robust: FloatArray | None = field(default=None, repr=False)
    n_clusters: int | None = None
    refits: GLMRefits | None = field(default=None, repr=False)

    # -- information criteria -----------------------------------------------------------------------

    @property
    def theta(self) -> float | None:
        """The negative binomial's theta (estimated, or as given); ``None`` for other families."""
        return self.family.parameters().get("theta")

    @property
    def theta_se(self) -> float | None:
        """The standard error of an estimated theta (``MASS::theta.ml``); ``None`` when theta was given."""
        saved = self.family.saved_parameters()
        if "theta_se" not in saved:
            return None
        se = saved["theta_se"]
        return math.nan if se is None else se

    @property
    def k(self) -> float:
        """Parameters counted by AIC/BIC: ``edf``, the intercept, and the family's other likelihood parameters."""
        return float(parameter_count(self.edf, self.spec.fit_intercept, self.family.likelihood_parameters))

    @property
    def aic(self) -> float:
        return float(aic(self.loglik, self.k))

    @property
    def bic(self) -> float:
        return float(bic(self.loglik, self.k, self.nobs))

    @property
    def aicc(self) -> float:
        return float(aicc(self.loglik, self.k, self.nobs))

    # -- inference ----------------------------------------------------------------------------------

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the estimates of type ``cov_type``: ``cov_unscaled`` times the dispersion, or the robust
        covariance (which needs no dispersion). NaN for penalized fits and in the rows of aliased columns."""
        names = self.params.index
        matrix, factor = self._covariance()
        return pd.DataFrame(np.nan if matrix is None else matrix * factor, index=names, columns=names)

    def _covariance(self) -> tuple[FloatArray | None, float]:
        """``cov_params()`` as ``(matrix, factor)``, their product (``None``: NaN), without forming it."""
        return (self.cov_robust, 1.0) if self.cov_robust is not None else (self.cov_unscaled, self.scale)

    @property
    def cov_label(self) -> str:
        """The covariance in words, e.g. ``"HC3 (heteroscedasticity-robust)"``, ``"cluster-robust, 42 clusters"``."""
        label = COV_TYPE_LABELS[self.cov_type]
        return f"{label}, {self.n_clusters} clusters" if self.cov_type == "cluster" else label

    @property
    def bse(self) -> pd.Series:
        matrix, factor = self._covariance()  # the diagonal only: a 5,000-level factor's matrix is 200 MB
        variances = np.full(self.params.size, np.nan) if matrix is None else np.diag(matrix) * factor
        return pd.Series(np.sqrt(variances), index=self.params.index, name="std_err")

    def _wald(self, level: float = 0.95) -> pd.DataFrame:
        level = check_level(level)  # t reference only for the model-based covariance with an estimated dispersion
        df_resid = self.df_resid if self.family.estimates_dispersion and self.cov_type == "nonrobust" else None
        return wald_table(self.params, self.bse, df_resid, level)

    @property
    def tvalues(self) -> pd.Series:
        return self._wald()["statistic"]

    @property
    def pvalues(self) -> pd.Series:
        return self._wald()["p_value"]

    def conf_int(self, level: float = 0.95, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals, columns ``lower`` and ``upper``: ``method="wald"``, ``estimate -+ z std_err``
        with the covariance of ``cov_type`` (R's ``confint.default``), or ``"profile"``, profile likelihood
        (R's ``confint`` for a glm, ``MASS::confint.glm``), which refits on the training rows."""
        method = check_choice("method", method, _INTERVAL_METHODS)
        if method == "profile":
            if self.refits is None:
                raise DataError(
                    "profile-likelihood intervals refit the model on its training rows, which this result does not "
                    "hold (it was loaded from a file, or built without them). Refit with gg.glm(...) on the data "
                    "and call conf_int(method='profile') on that fit, or use method='wald'."
                )
            return self.refits.profile_intervals(self, check_level(level))
        table = self._wald(level)
        return table[["ci_lower", "ci_upper"]].set_axis(["lower", "upper"], axis=1)

    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        """Estimate, std_err, statistic, p_value, ci_lower, ci_upper per coefficient."""
        return self._wald(level)

    # -- training rows ------------------------------------------------------------------------------

    def training_rows(self) -> TrainingData:
        """The training rows kept on the result (design, fitted means); raises for a loaded model."""
        if self.training is None:
            raise DataError(
                "this result holds no training rows (it was loaded from a file, or fitted on a Dask DataFrame, whose "
                "rows stay in their partitions); fitted values and residuals need the data: use predict(data) and "
                "evaluate(data) instead (with a Dask DataFrame, predict returns a lazy dask Series)."
            )
        return self.training

    @property
    def fitted(self) -> pd.Series:
        training = self.training_rows()
        return pd.Series(training.mu, index=training.row_labels, name="fitted")

    def resid(self, kind: str = "deviance") -> pd.Series:
        """Residuals on the training rows, as R's ``residuals.glm`` (prior weights included)."""
        kind = check_choice("kind", kind, _RESIDUAL_KINDS)
        t = self.training_rows()
        raw = t.y - t.mu
        if kind == "response":
            values = raw
        elif kind == "working":
            values = raw / self.link.inverse_derivative(t.eta)
        elif kind == "pearson":
            values = raw * np.sqrt(t.weights / self.family.variance(t.mu))
        else:
            unit = np.maximum(self.family.unit_deviance(t.y, t.mu), 0.0)
            values = np.sign(raw) * np.sqrt(t.weights * unit)
        return pd.Series(values, index=t.row_labels, name=f"resid_{kind}")

    # -- new data -----------------------------------------------------------------------------------

    def linear_predictor(self, X: Matrix, offset: FloatArray) -> FloatArray:
        """``offset + intercept + X @ coef`` for a design matrix ``X`` ``(n, p)`` of this model's columns."""
        coef = np.nan_to_num(self.params.to_numpy(), nan=0.0)  # aliased columns contribute nothing, as R
        intercept = coef[0] if self.spec.fit_intercept else 0.0
        return offset + intercept + X @ coef[int(self.spec.fit_intercept):]

    def _warn_aliased_use(self, design: DesignMatrix) -> None:
        """Warn (:class:`DataWarning`) when rows of new data have non-zero values in design columns whose
        coefficient is NaN (aliased), naming the columns and their row counts: those columns count as 0, so
        rows at a level without training rows are predicted at the reference level."""
        start = int(self.spec.fit_intercept)
        aliased = np.flatnonzero(np.isnan(self.params.to_numpy()[start:]))
        if not aliased.size:
            return
        columns = design.X[:, aliased]
        nonzero = (columns.toarray() if isinstance(columns, ModelMatrix) else columns) != 0  # a few columns
        rows = int(np.count_nonzero(nonzero.any(axis=1)))
        if not rows:
            return
        used = ", ".join(f"{self.params.index[start + j]!r} ({n} row{'s' if n > 1 else ''})"
                         for j, n in zip(aliased, nonzero.sum(axis=0)) if n)
        warnings.warn(
            f"{rows} row{'s' if rows > 1 else ''} of the new data use{'' if rows > 1 else 's'} design columns whose "
            f"coefficient is NaN (aliased, R's NA), which count as 0: {used}. A categorical level without "
            "training rows (one of the data's levels that the training rows lack) is thereby predicted at the "
            "reference level. To estimate it, fit on rows that include that level, or merge rare levels into a "
            "common one.", DataWarning, stacklevel=3,
        )

    def predict(
        self, data: AnyFrame | None = None, kind: str = "response", offset: Any = None
    ) -> pd.Series:
        """Predicted mean (``kind="response"``) or linear predictor (``"link"``).

        New data goes through the training design (levels, transforms). An
        offset or exposure given as a column or expression is re-evaluated on
        the new rows; ``offset=`` (an array) replaces it. Rows with missing
        inputs get NaN. Aliased columns (NaN coefficients, e.g. a level with no
        training rows) count as 0, with a :class:`DataWarning` when new rows use them. ``data``: pandas,
        polars or pyarrow (as :func:`glmgen.glm`), or a Dask DataFrame.
        """
        data = as_pandas(data)
        kind = check_choice("kind", kind, _PREDICT_KINDS)
        if data is None:
            training = self.training_rows()
            values = training.mu if kind == "response" else training.eta
            return pd.Series(values, index=training.row_labels, name="predicted")
        if is_dask_frame(data):
            refuse_dask_arrays({"offset": offset}, names=False)
            return data.map_partitions(_predict_partition, self.portable(), kind,
                                       meta=pd.Series(np.zeros(0), name="predicted"))
        design, eta = self._new_rows(data, offset)
        values = np.full(len(data), np.nan)
        values[design.kept] = eta if kind == "link" else self.link.inverse(eta)
        return pd.Series(values, index=data.index, name="predicted")

    def _new_rows(self, data: pd.DataFrame, offset: Any) -> tuple[DesignMatrix, FloatArray]:
        """The design of new rows (the offset re-evaluated, or ``offset`` given per row) and their linear
        predictor, for the rows kept (no missing inputs)."""
        override = None if offset is None else np.asarray(offset, dtype=float)
        if override is not None and (override.ndim != 1 or len(override) != len(data)):
            raise DataError(f"offset has {override.shape} values but data has {len(data)} rows; give one offset "
                            "per row of the new data.")
        design = self.spec.build(data, need_response=False, need_offset=override is None)
        total_offset = design.offset if override is None else override[design.kept]
        if override is not None:
            check_finite("offset", total_offset, design.row_labels, "Give a finite offset for every row.")
        self._warn_aliased_use(design)
        return design, self.linear_predictor(design.X, total_offset)

    def get_prediction(self, data: AnyFrame | None = None, level: float = 0.95, *,
                       offset: Any = None) -> pd.DataFrame:
        """Predictions with standard errors and intervals, indexed like ``data`` (the training rows when None).

        Columns ``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper``, ``link``, ``link_se``:
        ``link_se = sqrt(x' C x)`` with ``C = cov_params()`` (so of ``cov_type``), ``mean_se = |dmu/deta| link_se``
        (delta method, R's ``predict.glm(se.fit=TRUE, type="response")``), and the interval
        ``g^-1(eta -+ z link_se)`` with the normal quantile ``z`` for every family (statsmodels'
        ``get_prediction().summary_frame()``; R's ``predict`` gives no interval). New rows are read as in
        :meth:`predict` (offsets and exposure re-evaluated, or ``offset=``); rows with missing inputs get NaN.
        Penalized fits have no covariance and raise :class:`InvalidParameterError`.
        """
        data = as_pandas(data)
        level = check_level(level)
        if self.cov_unscaled is None and self.cov_robust is None:
            raise InvalidParameterError(
                f"get_prediction needs the covariance of the estimates, which a penalized fit (alpha="
                f"{self.penalty.alpha:g}) does not have. Use predict() for the means, or the bootstrap "
                "(gg.bootstrap) for their uncertainty; an unpenalized fit (alpha=0) has standard errors."
            )
        if is_dask_frame(data):
            refuse_dask_arrays({"offset": offset}, names=False)
            meta = pd.DataFrame({name: np.zeros(0) for name in _PREDICTION_COLUMNS})
            return data.map_partitions(_prediction_partition, self.portable(), level, meta=meta)
        if data is None:
            training = self.training_rows()
            X, eta, index, kept = training.design.X, training.eta, training.row_labels, None
        else:
            design, eta = self._new_rows(data, offset)
            X, index, kept = design.X, data.index, design.kept
        table = prediction_table(X, eta, self.cov_params().to_numpy(), fit_intercept=self.spec.fit_intercept,
                                 link=self.link, level=level)
        if kept is None:
            return table.set_axis(index)
        full = pd.DataFrame(np.nan, index=index, columns=table.columns)
        full.iloc[np.flatnonzero(kept)] = table.to_numpy()
        return full

    def evaluate(self, data: AnyFrame, *, weights: Any = None, offset: Any = None) -> HeldOutResult:
        """Held-out fit on ``data``: weighted mean unit deviance, deviance, D^2 and n.

        D^2 compares with the training intercept-only model (intercept plus the
        new rows' offset). Weights and offsets are read from the new rows the
        way they were at fit time; variables given as arrays at fit time must
        be passed again here for the new rows. Aliased columns count as 0, as in :meth:`predict`.
        ``data``: pandas, polars or pyarrow (as :func:`glmgen.glm`), or a Dask DataFrame.
        """
        data = as_pandas(data)
        if is_dask_frame(data):
            refuse_dask_arrays({"weights": weights, "offset": offset}, names=False)
            sums = data.map_partitions(_held_out_partition, self.portable(),
                                       meta=pd.DataFrame({name: np.zeros(0) for name in _HELD_OUT_SUMS})).compute()
            model_deviance, null_deviance, weight, n = (float(sums[name].sum()) for name in _HELD_OUT_SUMS)
        else:
            model_deviance, null_deviance, weight, n = self._held_out_sums(data, weights, offset)
        return HeldOutResult.of(model_deviance, null_deviance, weight, n)

    def _held_out_sums(self, data: pd.DataFrame, weights: Any = None,
                       offset: Any = None) -> tuple[float, float, float, float]:
        """Model and null deviance of the rows of ``data``, their total weight and row count (frequency weights)."""
        design = self.spec.build(data, arrays={"weights": weights, "offset": offset})
        assert design.y is not None
        self.family.check_y(design.y, design.row_labels, self.spec.response.label)
        self._warn_aliased_use(design)
        return self.held_out_sums(design, self.link.inverse(self.linear_predictor(design.X, design.offset)))

    def held_out_sums(self, design: DesignMatrix, mu: FloatArray) -> tuple[float, float, float, float]:
        """Deviance of the means ``mu`` and of the training intercept-only model (plus offsets) on ``design``'s
        rows, their total weight and row count (frequency weights)."""
        assert design.y is not None
        fit_weights = design.weights * design.freq_weights
        model_deviance = self.family.deviance(design.y, mu, fit_weights)
        null_eta = design.offset + (self.null_intercept or 0.0)
        null_deviance = self.family.deviance(design.y, self.link.inverse(null_eta), fit_weights)
        return model_deviance, null_deviance, float(fit_weights.sum()), float(design.freq_weights.sum())

    def shift(self, new: AnyFrame, *, folds: int = 5, seed: int = 0, progress: bool | None = None) -> ShiftResult:
        """How far ``new`` is from the training rows in the model's design columns (:func:`glmgen.shift`), and
        ``expected_deviance``: the ``folds``-fold held-out deviance of the training rows weighted by the
        estimated density ratio, next to the plain ``held_out_deviance`` (:mod:`glmgen.evaluation.shift`).
        ``new``: pandas, polars or pyarrow (as :func:`glmgen.glm`); ``progress`` as :func:`glmgen.shift`."""
        result: ShiftResult = display.show("shift_fit", self, new, folds=folds, seed=seed, progress=progress)
        return result

    def portable(self) -> GLMResult:
        """The model without its training rows and refits, and with the formula's namespace reduced to the names
        it uses: what a cluster's processes need to predict and evaluate (small and picklable)."""
        return replace(self, spec=self.spec.portable(), training=None, refits=None)

    # -- presentation -------------------------------------------------------------------------------

    def summary(self) -> Summary:
        """Printable summary; also ``to_markdown()``, ``to_html()``, ``to_latex()``."""
        summary: Summary = display.show("fit_summary", self)
        return summary

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))

    def to_statsmodels(self, cluster: Any = None) -> Any:
        """statsmodels' fitted ``GLMResults`` of this model: same design, rows, weights, offset, family, dispersion
        and covariance (``cluster``: a cluster-robust fit's labels); see :mod:`glmgen.results.to_statsmodels`."""
        return to_statsmodels(self, cluster)

    # -- persistence --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record of the model (not of the training rows); see :func:`glmgen.load`.

        Non-finite numbers are written as ``null``; ``params.aliased`` names the coefficients
        written as ``null`` (aliased columns, R's ``NA``); ``cov_unscaled`` is packed
        (:func:`~glmgen.results.model_file.pack_covariance`); ``checksum`` is the SHA-256 of the rest.
        ``covariance`` is the robust covariance (``null`` for the model-based one) and ``family_parameters`` what
        :meth:`~glmgen.model.Family.saved_parameters` gives.
        """
        self.spec.check_savable()
        values = self.params.to_numpy(dtype=float)
        saved = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "glmgen_version": _glmgen_version,
            "design": self.spec.to_dict(),
            "family": self.family.name,
            "family_parameters": self.family.saved_parameters(),
            "link": self.link.name,
            "params": {"names": [str(n) for n in self.params.index], "values": nan_to_none(values),
                       "aliased": [str(n) for n, v in zip(self.params.index, values) if not np.isfinite(v)]},
            "cov_unscaled": None if self.cov_unscaled is None else pack_covariance(self.cov_unscaled),
            "statistics": {name: json_scalar(getattr(self, name)) for name in STATISTICS}
            | {"n_iter": int(self.n_iter), "n_dropped": int(self.n_dropped)},
            "penalty": {
                "alpha": float(self.penalty.alpha), "l1_ratio": float(self.penalty.l1_ratio),
                "standardize": bool(self.penalty.standardize),
                "penalty_factor": {str(k): float(v) for k, v in self.penalty.penalty_factor.items()},
            },
            "warnings": [str(w) for w in self.warnings],
        }
        saved["covariance"] = None if self.cov_robust is None else {
            "cov_type": self.cov_type, "n_clusters": self.n_clusters, "robust": pack_covariance(self.cov_robust)}
        return saved | {"checksum": checksum(saved)}

    def save(self, path: str | Path) -> None:
        """Write the model to exactly ``path`` as JSON (format documented in ``docs/persistence.md``).

        Refuses (:class:`ModelFileError`, nothing written) a model whose file would exceed what
        :func:`glmgen.load` reads (``MAX_FILE_BYTES``), e.g. the covariance of ~7,000 coefficients.
        """
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        size = len(text.encode("utf-8"))
        if size > MAX_FILE_BYTES:
            raise ModelFileError(
                f"the model file would be {size / 2**20:.0f} MiB, more than the {MAX_FILE_BYTES // 2**20} MiB "
                f"glmgen.load reads ({len(self.params)} coefficients; the covariance matrix grows with their "
                "square). Merge rare levels (lump(x, min_count=...)) to save a smaller model."
            )
        Path(path).write_text(text, encoding="utf-8")

    @classmethod
    def from_dict(cls, saved: Any) -> GLMResult:
        """The model of a :meth:`to_dict` document, after :func:`glmgen.results.model_file.check_model_file` has
        proved it intact and consistent; raises :class:`ModelFileError` naming the field otherwise."""
        try:
            cov_unscaled, cov_robust = check_model_file(saved)
        except RecursionError:
            raise ModelFileError("the model file is nested too deeply to be a glmgen model file.") from None
        family = family_from_saved(saved["family"], saved.get("family_parameters", {}))
        try:
            link = family.check_link(get_link(saved["link"]))
        except InvalidParameterError as exc:
            raise ModelFileError(f"model file field 'link': {exc}") from None
        statistics = {name: math.nan if value is None and name != "null_intercept" else value
                      for name, value in saved["statistics"].items()}
        statistics.setdefault("edf", statistics["df_model"])  # schema version 2 counted k with df_model
        covariance = saved.get("covariance") or {"cov_type": "nonrobust", "n_clusters": None}  # version 5 only
        return cls(
            spec=DesignSpec.from_dict(saved["design"]),
            family=family,
            link=link,
            params=pd.Series(none_to_nan(saved["params"]["values"]), index=saved["params"]["names"], dtype=float,
                             name="coef"),
            cov_unscaled=cov_unscaled,
            penalty=PenaltySettings(**saved["penalty"]),
            warnings=list(saved["warnings"]),
            training=None,
            cov_type=covariance["cov_type"],
            cov_robust=cov_robust,
            n_clusters=covariance["n_clusters"],
            **statistics,
        )


def load(path: str | Path) -> GLMResult:
    """Read a model written by :meth:`GLMResult.save`; executes no code from the file.

    The file (at most 256 MiB of strict JSON) must match the closed schema of
    :mod:`glmgen.results.model_file` and its checksum; every formula expression is checked
    against glmgen's allow-list (numpy's elementwise maths, patsy's transforms and
    contrasts) before use, and again before each evaluation. Any problem raises one
    :class:`ModelFileError` naming the field.
    """
    return GLMResult.from_dict(read_model_file(path))


def _predict_partition(part: pd.DataFrame, fit: GLMResult, kind: str) -> pd.Series:
    """:meth:`GLMResult.predict` on one partition of a Dask DataFrame."""
    if not len(part):
        return pd.Series(np.zeros(0), index=part.index, name="predicted")
    return fit.predict(part, kind)


def _prediction_partition(part: pd.DataFrame, fit: GLMResult, level: float) -> pd.DataFrame:
    """:meth:`GLMResult.get_prediction` on one partition of a Dask DataFrame."""
    if not len(part):
        return pd.DataFrame({name: np.zeros(0) for name in _PREDICTION_COLUMNS}, index=part.index)
    return fit.get_prediction(part, level)[list(_PREDICTION_COLUMNS)]


def _held_out_partition(part: pd.DataFrame, fit: GLMResult) -> pd.DataFrame:
    """The sums behind :meth:`GLMResult.evaluate` on one partition of a Dask DataFrame (one row)."""
    sums = fit._held_out_sums(part) if len(part) else (0.0, 0.0, 0.0, 0.0)
    return pd.DataFrame([sums], columns=list(_HELD_OUT_SUMS))
