"""The regularization-path record :class:`PathResult` and its information criteria.

Degrees of freedom along a path:

- ``df``: non-zero coefficients excluding the intercept (glmnet's ``df``),
  an unbiased estimate of the lasso's degrees of freedom (Zou, Hastie and
  Tibshirani 2007);
- ``edf``: for the elastic net, the trace of the hat matrix of the final
  IRLS step on the active set ``A`` (Zou and Hastie 2005),
  ``tr[X_A (X_A' U X_A + diag(l2_A))^{-1} X_A' U]`` with ``X_A`` centred when
  there is an intercept; equal to ``df`` for the lasso.

The criteria are :mod:`glmgen.stats.criteria`'s with ``df="edf"`` and the
maximised log-likelihood at each solution (for the gaussian family the
dispersion is its maximum-likelihood estimate ``deviance / n``, as R's
``logLik``), so ``path.aic[i]`` is ``path.fit_at(path.alphas[i]).aic``.

The record is passive: refits (:meth:`PathResult.fit_at`, :meth:`PathResult.cv`,
:meth:`PathResult.select`) go through :attr:`PathResult.refits`, an object the
fitting layer (:mod:`glmgen.fit`) supplies, which holds the training rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import check_choice
from ..errors import InvalidParameterError
from ..formula import DesignSpec
from ..model import Family, Link
from ..stats import EBIC_GAMMA, aic, aicc, bic, ebic, parameter_count
from . import display
from .cv import CVResult
from .glm import GLMResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]

SELECTION_CRITERIA = ("cv", "cv_1se", "aic", "bic", "aicc", "ebic")
#: the blends ``path.cv()`` scores on a relaxed path (glmnet's default ``gamma``)
RELAX_GAMMAS = (0.0, 0.25, 0.5, 0.75, 1.0)


class PathRefits(Protocol):
    """What a path asks the fitting layer for: refits on its training rows, and its last CV."""

    last_cv: CVResult | None

    def fit_at(self, path: PathResult, alpha: float, gamma: float | None = None) -> GLMResult: ...

    def cross_validate(self, path: PathResult, folds: Any, *, seed: int, n_jobs: int, stratify: Any, groups: Any,
                       repeats: int, gammas: tuple[float, ...] | None = None, progress: bool | None = None
                       ) -> CVResult: ...

    def effective_df(self, path: PathResult) -> FloatArray: ...


@dataclass(frozen=True, eq=False)
class PathResult:
    """Penalized fits along a decreasing grid of alphas.

    ``coefs`` is a DataFrame indexed by alpha with one column per design
    column (``Intercept`` first when fitted); coefficients that are zero are
    exactly ``0.0``.
    """

    spec: DesignSpec
    family: Family
    link: Link
    alphas: FloatArray
    coefs: pd.DataFrame
    deviance: FloatArray
    null_deviance: float
    loglik: FloatArray
    nobs: float
    alpha_max: float
    l1_ratio: float
    standardize: bool
    penalty_factor: dict[str, float]
    n_iter: FloatArray
    converged: npt.NDArray[np.bool_]
    warnings: list[str]
    #: the design columns with a positive penalty factor (EBIC's candidates)
    penalized_columns: tuple[str, ...]
    #: total prior x frequency weight of the training rows (the divisor of a mean deviance)
    weight_sum: float
    refits: PathRefits = field(repr=False)
    #: ``relax=True``: the unpenalized refit on each alpha's active set (same columns as ``coefs``), and its deviance
    relaxed_coefs: pd.DataFrame | None = None
    relaxed_deviance: FloatArray | None = None
    #: "elastic_net", or "group" (``groups``: formula term -> its design columns, one group each)
    penalty: str = "elastic_net"
    groups: dict[str, tuple[str, ...]] | None = None

    # -- per-alpha summaries ------------------------------------------------------------------------

    @property
    def df(self) -> FloatArray:
        """Non-zero coefficients per alpha, excluding the intercept (glmnet's ``df``)."""
        return np.count_nonzero(self.coefs[self.spec.column_names].to_numpy(), axis=1).astype(float)

    @property
    def edf(self) -> FloatArray:
        """Effective degrees of freedom per alpha (:func:`glmgen.stats.effective_df`; ``df`` for the lasso and
        for a group path, as glmnet and grpreg report).

        Computed once on first use: for the elastic net it costs one Gram matrix of the active set per alpha.
        """
        return self.df if self.l1_ratio == 1.0 or self.penalty == "group" else self.refits.effective_df(self)

    @property
    def dev_ratio(self) -> FloatArray:
        """``1 - deviance / null_deviance`` per alpha."""
        return 1.0 - self.deviance / self.null_deviance

    @property
    def k(self) -> FloatArray:
        """Parameters counted by the criteria: edf + intercept + estimated dispersion."""
        return np.asarray(parameter_count(self.edf, self.spec.fit_intercept, self.family.likelihood_parameters))

    @property
    def aic(self) -> FloatArray:
        return np.asarray(aic(self.loglik, self.k))

    @property
    def bic(self) -> FloatArray:
        return np.asarray(bic(self.loglik, self.k, self.nobs))

    @property
    def aicc(self) -> FloatArray:
        return np.asarray(aicc(self.loglik, self.k, self.nobs))

    @property
    def ebic(self) -> FloatArray:
        """Extended BIC with ``gamma = 0.5`` (see :meth:`extended_bic`)."""
        return self.extended_bic(EBIC_GAMMA)

    def extended_bic(self, gamma: float = EBIC_GAMMA) -> FloatArray:
        """Extended BIC: ``bic + 2 gamma log C(p, s)`` over the ``p`` penalized columns, ``s`` of them
        non-zero (Chen and Chen 2008)."""
        selected = np.count_nonzero(self.coefs[list(self.penalized_columns)].to_numpy(), axis=1)
        return np.asarray(ebic(self.loglik, self.k, self.nobs, len(self.penalized_columns), selected, gamma))

    def to_frame(self) -> pd.DataFrame:
        """One row per alpha: df, edf, deviance, dev_ratio, loglik, aic, bic, aicc, ebic."""
        return pd.DataFrame({
            "alpha": self.alphas, "df": self.df, "edf": self.edf, "deviance": self.deviance,
            "dev_ratio": self.dev_ratio, "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
            "aicc": self.aicc, "ebic": self.ebic,
        })

    # -- single fits --------------------------------------------------------------------------------

    def blended_coefs(self, gamma: float) -> pd.DataFrame:
        """glmnet's relaxed coefficients along the path, ``gamma coefs + (1 - gamma) relaxed_coefs``."""
        relaxed, gamma = self._relaxed(), _check_gamma(gamma)
        return gamma * self.coefs + (1.0 - gamma) * relaxed

    def _relaxed(self) -> pd.DataFrame:
        if self.relaxed_coefs is None:
            raise InvalidParameterError(
                "gamma= needs the relaxed fits, but this path was fitted without them; fit it with "
                "gg.glm_path(..., relax=True)."
            )
        return self.relaxed_coefs

    def fit_at(self, alpha: float, gamma: float | None = None) -> GLMResult:
        """Exact fit at ``alpha``, warm-started from the nearest path point (any ``alpha > 0``, also
        beyond the path: ``alpha >= alphas[0]`` is solved, not assumed zero, for ridge-like penalties).

        ``gamma`` (a ``relax=True`` path): the blend ``gamma lasso + (1 - gamma) relaxed`` at ``alpha``, the
        relaxed part refitted on the exact fit's active set; its result has the coefficients, fitted values
        and deviance, with no standard errors."""
        if gamma is not None:
            self._relaxed()
            gamma = _check_gamma(gamma)
        number = isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, (bool, np.bool_))
        if not (number and math.isfinite(alpha) and alpha > 0):
            raise InvalidParameterError(
                f"alpha={alpha!r} must be a positive finite number; the path spans "
                f"[{self.alphas[-1]:.4g}, {self.alphas[0]:.4g}]. Pass one of path.alphas or a value near them."
            )
        if gamma is None:  # the refitters of other backends (Dask) know no gamma
            return self.refits.fit_at(self, float(alpha))
        return self.refits.fit_at(self, float(alpha), gamma)

    # -- choosing alpha -----------------------------------------------------------------------------

    def cv(
        self,
        folds: int | Any = 10,
        seed: int = 0,
        n_jobs: int = 1,
        stratify: Any = None,
        groups: Any = None,
        repeats: int = 1,
        gamma: Any = None,
        progress: bool | None = None,
    ) -> CVResult:
        """K-fold cross-validated held-out deviance along this path's alphas (see :mod:`glmgen.fit.cv`).

        The design is re-learned inside every fold. ``folds`` is a count or one
        fold id per row (``cv.glmnet``'s ``foldid``). The result is kept for
        :meth:`select` (in :attr:`refits`; the record itself does not change).

        ``gamma`` (a ``relax=True`` path; default ``(0, 0.25, 0.5, 0.75, 1)`` there): the blends scored,
        each fold refitting the path and its relaxed fits on its training rows; alpha and gamma are then
        chosen together (``CVResult.gamma_min`` / ``gamma_1se``, ``cv.glmnet(relax=TRUE)``).

        ``progress``: a bar ``glmgen cv`` ticking once per fold and repeat; ``None`` shows it on a terminal or
        in a notebook once CV has run 2 s, ``True`` at once, ``False`` never (results do not depend on it).
        """
        gammas = None
        if self.relaxed_coefs is not None or gamma is not None:
            self._relaxed()
            grid = RELAX_GAMMAS if gamma is None else np.atleast_1d(np.asarray(gamma, dtype=float))
            gammas = tuple(sorted({_check_gamma(float(g)) for g in grid}))
        relaxed = {} if gammas is None else {"gammas": gammas}  # other backends' refitters know no gamma
        result = self.refits.cross_validate(self, folds, seed=seed, n_jobs=n_jobs, stratify=stratify,
                                            groups=groups, repeats=repeats, progress=progress, **relaxed)
        self.refits.last_cv = result
        return result

    @property
    def last_cv(self) -> CVResult | None:
        """The last :meth:`cv` run on this path, or ``None``."""
        return self.refits.last_cv

    def selected_index(self, criterion: str) -> int:
        """Position in :attr:`alphas` of the alpha ``criterion`` chooses (as :meth:`select`)."""
        criterion = check_choice("criterion", criterion, SELECTION_CRITERIA)
        if criterion in ("cv", "cv_1se"):
            result = self.refits.last_cv if self.refits.last_cv is not None else self.cv()
            return result.index_min if criterion == "cv" else result.index_1se
        values = getattr(self, criterion)
        if np.all(np.isnan(values)):
            raise InvalidParameterError(
                f"criterion={criterion!r} needs a likelihood, which the {self.family.name} family does not have "
                f"({criterion} is NaN along the path); choose alpha by cross-validation: criterion='cv'."
            )
        return int(np.nanargmin(values))

    def select(self, criterion: str = "cv", gamma: float | None = None) -> GLMResult:
        """The fit at the alpha chosen by ``criterion``: "cv", "cv_1se" (the last :meth:`cv`, else a
        default 10-fold CV), "aic", "bic", "aicc" or "ebic" (minimum along the path).

        On a ``relax=True`` path "cv" / "cv_1se" choose gamma with alpha (the relaxed CV), and ``gamma=g``
        chooses alpha for that blend (by CV, the CV table's row ``g``; by a criterion, the lasso's alpha)."""
        if self.relaxed_coefs is None and gamma is None:
            return self.fit_at(float(self.alphas[self.selected_index(criterion)]))
        self._relaxed()
        criterion = check_choice("criterion", criterion, SELECTION_CRITERIA)
        if criterion not in ("cv", "cv_1se"):
            return self.fit_at(float(self.alphas[self.selected_index(criterion)]), gamma)
        result = self.refits.last_cv if self.refits.last_cv is not None and self.refits.last_cv.gammas \
            is not None else self.cv()
        g, k = result.relaxed_choice(criterion, gamma)
        return self.fit_at(float(self.alphas[k]), g)

    def selection_table(self) -> pd.DataFrame:
        """Each criterion's choice side by side: alpha, df, training deviance and CV deviance (if run)."""
        cv_result = self.refits.last_cv
        rows = {}
        for criterion in SELECTION_CRITERIA:
            if criterion.startswith("cv") and cv_result is None:
                continue
            if not criterion.startswith("cv") and np.all(np.isnan(getattr(self, criterion))):
                continue  # no likelihood (quasi families): the information criteria choose nothing
            k = self.selected_index(criterion)
            rows[criterion] = {
                "alpha": self.alphas[k], "df": self.df[k], "edf": self.edf[k], "train_deviance": self.deviance[k],
                "train_mean_deviance": self.deviance[k] / self.weight_sum,
                "cv_mean_deviance": cv_result.mean_deviance[k] if cv_result is not None else np.nan,
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def plot(self, ax: Any = None) -> Figure:
        """Coefficient paths against log10(alpha), each labelled with its column."""
        figure: Figure = display.show("plot_path", self, ax=ax)
        return figure

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))


def _check_gamma(gamma: Any) -> float:
    """A relaxation ``gamma`` in [0, 1]."""
    number = isinstance(gamma, (int, float, np.integer, np.floating)) and not isinstance(gamma, (bool, np.bool_))
    if not (number and 0.0 <= gamma <= 1.0):
        raise InvalidParameterError(
            f"gamma={gamma!r} must be a number in [0, 1] (1: the lasso, 0: the relaxed fit); pass e.g. gamma=0.5."
        )
    return float(gamma)
