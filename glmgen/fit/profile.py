"""Profile-likelihood confidence intervals, as R 4.2's ``confint.glm`` (MASS's ``profile.glm`` and
``confint.profile.glm``).

For each coefficient ``b_j`` (estimate ``b0_j``, model-based standard error ``se_j``) the profile holds
``b_j`` at ``b0_j + s * step * delta * se_j`` (``s = -1, 1``; ``step = 1, 2, ...``), refits the other
coefficients by IRLS with ``x_j b_j`` added to the offset (warm-started from the previous point), and
records the signed root

    z = s * sqrt((deviance(b_j) - deviance) / dispersion),

stopping once ``|z| >= zmax`` or after ``maxsteps - 1 = 9`` steps. With ``a = (1 - level) / 4``,
``zmax = sqrt(qchisq(1 - a, 1))`` for the binomial and poisson families and ``sqrt(qf(1 - a, 1, n - p))``
otherwise (every family with an estimated dispersion or a shape parameter: MASS's switch names only
``binomial`` and ``poisson``), ``delta = zmax / 5``, ``n`` the rows and ``p`` the coefficients. The interval
ends are where an interpolating cubic spline of ``z`` against ``b_j`` (R's ``spline()``: Forsythe, Malcolm
and Moler's end conditions, evaluated at ``3 m`` equally spaced points over the ``m`` profile points) crosses
the normal quantiles ``qnorm((1 -+ level) / 2)``, found by linear interpolation of those points (R's
``approx``); an end the profile does not reach is NaN, with an :class:`~glmgen.IntervalWarning`.
"""

from __future__ import annotations

import math
import warnings as warnings_module
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import interpolate, linalg, stats

from .._validation import check_level
from ..errors import DataError, IntervalWarning, InvalidParameterError, SolverError
from ..matrices import take_columns
from ..results import GLMResult
from ..solvers import GLMProblem, IRLSControl, irls
from .problems import problem_of

FloatArray = npt.NDArray[np.float64]

#: MASS's ``maxsteps``: at most ``MAX_STEPS - 1`` refits on each side of the estimate
MAX_STEPS = 10
#: MASS's tolerance for a refit below the fitted deviance (on the ``z**2`` scale)
BETTER_FIT_TOL = 1e-3
#: the refits' convergence: tighter than a default fit, so that the profile's deviance differences carry several
#: more digits than the intervals need
REFIT_CONTROL = IRLSControl(tol=1e-12, coef_tol=1e-12)


@dataclass(frozen=True)
class Profile:
    """One coefficient's profile: the values it was held at and the signed root deviance there, sorted by ``z``."""

    name: str
    values: FloatArray
    z: FloatArray


@dataclass(frozen=True)
class ProfileRefits:
    """The refits behind ``fit.conf_int(method="profile")``: IRLS on the fit's own training rows, with the
    convergence settings ``control``."""

    control: IRLSControl = REFIT_CONTROL

    def profile_intervals(self, fit: GLMResult, level: float) -> pd.DataFrame:
        """Profile-likelihood intervals of every coefficient (see :func:`profile_intervals`)."""
        level = check_level(level)
        _check_profilable(fit)
        profiles = self.profiles(fit, alpha=(1.0 - level) / 4.0)
        cutoffs = stats.norm.ppf([(1.0 - level) / 2.0, (1.0 + level) / 2.0])
        bounds = pd.DataFrame(math.nan, index=fit.params.index, columns=["lower", "upper"])
        for profile in profiles:
            bounds.loc[profile.name] = _crossings(profile, cutoffs, level)
        return bounds

    def profiles(self, fit: GLMResult, alpha: float) -> list[Profile]:
        """MASS's ``profile.glm(fit, alpha=alpha)`` for every estimable coefficient (aliased ones are skipped)."""
        training = fit.training_rows()
        design = training.design
        problem = problem_of(design, fit.spec, fit.family, fit.link)
        params = fit.params.to_numpy(dtype=float)
        assert fit.cov_unscaled is not None
        std_errors = np.sqrt(np.diag(fit.cov_unscaled) * fit.scale)
        n_rows, n_params = float(np.sum(design.freq_weights)), len(params)
        zmax = _zmax(fit, alpha, n_rows - n_params)
        profiles = []
        for index, name in enumerate(fit.params.index):
            if math.isfinite(params[index]):
                values, z = self._profile_one(fit, problem, index, std_errors[index] * zmax / 5.0, zmax)
                profiles.append(Profile(str(name), values, z))
        return profiles

    def _profile_one(
        self, fit: GLMResult, problem: GLMProblem, index: int, delta: float, zmax: float
    ) -> tuple[FloatArray, FloatArray]:
        """The profile of coefficient ``index`` (of ``fit.params``): values held and ``z``, sorted by ``z``."""
        params = fit.params.to_numpy(dtype=float)
        estimate = params[index]
        held, rest = _split(problem, fit.spec.fit_intercept, index, np.isnan(params))
        name = fit.params.index[index]
        eta0 = fit.training_rows().eta
        values, z = [estimate], [0.0]
        notices: dict[type[Warning], list[str]] = {}
        for sign in (-1.0, 1.0):
            eta, step, root = eta0, 0, 0.0
            while (step := step + 1) < MAX_STEPS and abs(root) < zmax:
                value = estimate + sign * step * delta
                refit = replace(rest, offset=problem.offset + held * value)
                output = irls(refit, start_eta=eta, control=self.control, covariance=False)
                for notice in output.notices:
                    notices.setdefault(notice.category, []).append(notice.message)
                eta = output.eta
                root = sign * math.sqrt(_scaled_increase(fit, output.deviance, name))
                values.append(value)
                z.append(root)
        for category, messages in notices.items():
            warnings_module.warn(f"profile of {name!r} ({len(messages)} of {len(values) - 1} refits): {messages[0]}",
                                 category, stacklevel=5)
        order = np.argsort(z, kind="stable")
        return np.asarray(values)[order], np.asarray(z)[order]


def _check_profilable(fit: GLMResult) -> None:
    """Refuse what has no profile likelihood: penalized fits, loaded models."""
    if fit.penalty.is_penalized:
        raise InvalidParameterError(
            f"profile-likelihood intervals need a maximum-likelihood fit, but this one is penalized "
            f"(alpha={fit.penalty.alpha:g}). Refit with alpha=0, or use gg.bootstrap(fit).conf_int()."
        )
    if fit.training is None:
        raise DataError(
            "profile-likelihood intervals refit the model on its training rows, but this result holds none (it "
            "was loaded from a file, or fitted on a Dask DataFrame). Refit the model with gg.glm on its data, or use method='wald'."
        )


def _zmax(fit: GLMResult, alpha: float, df: float) -> float:
    """MASS's profile limit: the chi-squared(1) quantile for families without a free dispersion or shape
    parameter (binomial, poisson), else the F(1, n - p) quantile, at ``1 - alpha``, square-rooted."""
    fixed = not fit.family.estimates_dispersion and not fit.family.parameters()
    quantile = stats.chi2.ppf(1.0 - alpha, 1) if fixed else stats.f.ppf(1.0 - alpha, 1, df)
    return float(np.sqrt(quantile))


def _split(problem: GLMProblem, fit_intercept: bool, index: int, aliased: npt.NDArray[np.bool_]) -> tuple[
        FloatArray, GLMProblem]:
    """The column of coefficient ``index`` (ones for the intercept) and the problem over the other estimable
    coefficients (R's ``X[, a]``: aliased columns left out)."""
    columns = ~aliased[int(fit_intercept):]
    if fit_intercept and index == 0:
        return np.ones(problem.X.shape[0]), replace(problem, X=take_columns(problem.X, columns), fit_intercept=False)
    column = index - int(fit_intercept)
    held = np.asarray(take_columns(problem.X, column), dtype=float)
    columns[column] = False
    return held, replace(problem, X=take_columns(problem.X, columns))


def _scaled_increase(fit: GLMResult, deviance: float, name: object) -> float:
    """``(deviance - fit.deviance) / dispersion``, at least 0; raises when a refit is clearly better than the fit."""
    increase = (deviance - fit.deviance) / fit.scale
    if increase < -BETTER_FIT_TOL:
        raise SolverError(
            f"profiling {name!r} found a better fit than the model's (deviance {deviance:.10g} < "
            f"{fit.deviance:.10g}), so the original fit had not converged. Refit with a smaller tol (e.g. "
            "tol=1e-10) or a larger max_iter, then profile again."
        )
    return max(increase, 0.0)


def _crossings(profile: Profile, cutoffs: FloatArray, level: float) -> FloatArray:
    """Where the profile crosses ``cutoffs``, as MASS: ``approx(spline(values, z)$y, ..., xout=cutoffs)``."""
    grid, z = fmm_spline_points(profile.values, profile.z)
    ends = _approx(z, grid, cutoffs)
    if np.any(np.diff(z) < 0):
        warnings_module.warn(
            f"the profile of {profile.name!r} is not monotone (the likelihood is far from quadratic, or a refit "
            "stopped early), so its profile interval may be wrong. Check the fit, or use the Wald interval.",
            IntervalWarning, stacklevel=4,
        )
    if np.isnan(ends).any():
        side = "lower" if np.isnan(ends[0]) else "upper"
        warnings_module.warn(
            f"the profile of {profile.name!r} does not reach the {side} end of the {level:.0%} interval within "
            f"{MAX_STEPS - 1} steps (R's NA), so that end is NaN. The likelihood is very flat in that direction "
            "(e.g. separation in a binomial model); try the Wald interval or the bootstrap.",
            IntervalWarning, stacklevel=4,
        )
    return ends


def fmm_spline_points(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """R's ``spline(x, y)`` (method ``"fmm"``): the interpolating cubic spline through the points, with ties
    in ``x`` averaged, evaluated at ``3 m`` equally spaced points from ``min(x)`` to ``max(x)`` (``m`` distinct
    ``x``). Returns ``(grid, values)``.

    The end conditions are Forsythe, Malcolm and Moler's: the spline's third derivative on the first (last)
    interval equals that of the cubic through the first (last) four points; with three points the spline is
    the interpolating parabola, with two the line.
    """
    knots, values = _unique_mean(x, y)
    grid = np.linspace(knots[0], knots[-1], 3 * knots.size)
    if knots.size < 2:
        return grid, np.full(grid.size, values[0])
    return grid, _fmm_spline(knots, values)(grid)


def _fmm_spline(x: FloatArray, y: FloatArray) -> interpolate.PPoly:
    """The FMM cubic spline through ``(x, y)`` (``x`` increasing) as a piecewise polynomial.

    Unknowns: the second derivatives ``M_i`` at the knots. Interior rows are the usual continuity equations
    ``h_{i-1} M_{i-1} + 2 (h_{i-1} + h_i) M_i + h_i M_{i+1} = 6 (s_i - s_{i-1})``
    (``h_i`` the knot spacings, ``s_i`` the slopes); the end rows set ``(M_1 - M_0) / h_0`` and
    ``(M_{m-1} - M_{m-2}) / h_{m-2}`` to ``6`` times the third divided differences of the end four points.
    """
    h = np.diff(x)
    slopes = np.diff(y) / h
    m = x.size
    if m == 2:
        return interpolate.PPoly(np.array([[slopes[0]], [y[0]]]), x)
    bands = np.zeros((3, m))  # rows: super-diagonal, diagonal, sub-diagonal (scipy's banded layout)
    rhs = np.zeros(m)
    bands[1, 1:-1] = 2.0 * (h[:-1] + h[1:])
    bands[0, 2:] = h[1:]
    bands[2, :-2] = h[:-1]
    rhs[1:-1] = 6.0 * np.diff(slopes)
    bands[1, 0], bands[0, 1] = -1.0 / h[0], 1.0 / h[0]
    bands[1, -1], bands[2, -2] = 1.0 / h[-1], -1.0 / h[-1]
    if m > 3:
        rhs[0] = 6.0 * _third_divided_difference(x[:4], y[:4])
        rhs[-1] = 6.0 * _third_divided_difference(x[-4:], y[-4:])
    second = linalg.solve_banded((1, 1), bands, rhs)
    coefficients = np.vstack([
        np.diff(second) / (6.0 * h),
        second[:-1] / 2.0,
        slopes - h * (2.0 * second[:-1] + second[1:]) / 6.0,
        y[:-1],
    ])
    return interpolate.PPoly(coefficients, x)


def _third_divided_difference(x: FloatArray, y: FloatArray) -> float:
    """``f[x0, x1, x2, x3]``: the leading coefficient of the cubic through four points."""
    first = np.diff(y) / np.diff(x)
    second = np.diff(first) / (x[2:] - x[:-2])
    return float((second[1] - second[0]) / (x[3] - x[0]))


def _unique_mean(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """R's ``regularize.values(x, y, mean)``: pairs with a NaN dropped, sorted by ``x``, ties in ``x`` averaged."""
    keep = ~(np.isnan(x) | np.isnan(y))
    knots, inverse = np.unique(x[keep], return_inverse=True)
    values = np.bincount(inverse, weights=y[keep]) / np.bincount(inverse)
    return knots, values


def _approx(x: FloatArray, y: FloatArray, xout: FloatArray) -> FloatArray:
    """R's ``approx(x, y, xout)$y``: linear interpolation after :func:`_unique_mean`, NaN outside ``x``'s range."""
    knots, values = _unique_mean(x, y)
    return np.interp(xout, knots, values, left=math.nan, right=math.nan)


def profile_intervals(fit: GLMResult, level: float = 0.95) -> pd.DataFrame:
    """Profile-likelihood confidence intervals, as R's ``confint(fit)`` for a ``glm`` (MASS's method).

    Parameters
    ----------
    fit : GLMResult
        An unpenalized fit that keeps its training rows (not a loaded model).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        Indexed by the coefficient names, columns ``lower`` and ``upper``; NaN rows for aliased
        coefficients, and NaN where the profile does not reach an end (with an :class:`~glmgen.IntervalWarning`).

    Raises
    ------
    InvalidParameterError
        For a penalized fit.
    DataError
        For a model loaded from a file (it keeps no training rows).
    SolverError
        When a profile refit finds a smaller deviance than the fit's (the fit had not converged).

    Notes
    -----
    See the module notes for the grid, the stopping rule and the interpolation, which follow MASS
    exactly, so that the numbers agree with R's to the precision of the fits. The dispersion is the fit's
    ``scale`` (Pearson chi2 / df_resid where it is estimated, as ``summary.glm``); the step is the
    model-based standard error whatever covariance the fit reports.
    """
    return ProfileRefits().profile_intervals(fit, level)
