"""Formula-level entry points named in the public contract (``API.md``)."""

from __future__ import annotations

from typing import Any

from ._frames import AnyFrame, as_pandas
from ._progress import check_progress
from ._validation import is_dask_frame
from .distributed import glm_on_dask, glm_path_on_dask
from .evaluation import analyse
from .fit import fit_glm, fit_glm_path, fit_statsmodels
from .formula import FormulaContext, VariableInput
from .model import Family, Link
from .render import Report, build_report
from .results import GLMResult, PathResult


def glm(
    formula: str,
    data: AnyFrame,
    family: str | Family | Any = "gaussian",
    *,
    link: str | Link | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    alpha: float = 0.0,
    l1_ratio: float = 0.0,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    tol: float = 1e-8,
    max_iter: int = 100,
    safe: bool = False,
    cov_type: str = "nonrobust",
    cluster: Any = None,
    progress: bool | None = None,
) -> GLMResult:
    """Fit a generalized linear model from a formula.

    Parameters
    ----------
    formula : str
        patsy formula; ``y ~ .`` uses every other column, ``cbind(s, f) ~ ...``
        gives binomial counts. A formula is Python code evaluated in your
        session: never pass a formula from an untrusted source without
        ``safe=True``.
    data : DataFrame
        pandas, polars (eager or lazy) or pyarrow (``Table``, ``RecordBatch``), converted to pandas
        once (``docs/interoperability.md``), or a Dask DataFrame (``docs/beyond-memory.md``).
    family : {"gaussian", "binomial", "poisson"} or a family object
        Canonical link unless ``link`` says otherwise.
    weights, freq_weights, offset, exposure
        Column name, expression (``"np.log(km)"``) or array. ``weights`` are
        prior (variance) weights as in R; ``freq_weights`` are row counts.
    alpha, l1_ratio, penalty_factor, standardize
        Elastic-net penalty ``alpha (l1_ratio |b|_1 + (1 - l1_ratio)/2 |b|_2^2)``
        added to ``deviance / (2 n)``; ``alpha=0`` (default) is unpenalized.
    na_action : {"drop", "raise", "impute"}
        Rows with NA in a model column are dropped with a warning, or refused.
        ``"impute"`` keeps them: NA in a numeric column the formula's terms
        read becomes the training median (plain, or frequency-weighted), with
        an indicator column ``<name>[NA]`` after the column's term when the
        training rows had NA there; NA in a categorical column becomes its own
        last level ``"NA"``. The values are learned from the training rows
        (``fit.spec.imputation``), saved with the model, applied to new data
        and re-learned in every CV fold and bootstrap resample. NA in the
        response, weights or offset still drops the row. Not available for a
        Dask DataFrame. See ``docs/imputation.md``.
    tol, max_iter
        ``tol`` bounds the relative gap to the optimal objective. Unpenalized
        IRLS stops when ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's rule and
        default), and for non-canonical links also once the coefficients settle.
        Penalized fits stop when the scaled KKT residual (the minimum-norm
        subgradient against each coordinate's curvature, relative to the
        objective: an estimate of the relative objective gap) is at most
        ``tol``, and warn when ``max_iter`` IRLS steps do not get there. The
        default ``1e-8`` leaves coefficients accurate to about ``1e-4``
        relative; compare with another solver's tight solution at ``1e-14``.
    safe : bool
        Before evaluating anything, check every expression of the formula and
        of ``weights``/``offset``/... against an allow-list (data columns,
        numbers, operators, patsy's ``C``/``I``/``Q``/transforms/contrasts,
        NumPy's elementwise maths) and raise :class:`UnsafeFormulaError`
        otherwise. Use it for formulas written by someone else.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        The covariance behind ``bse``, ``pvalues``, ``conf_int``, ``coef_table``,
        ``get_prediction`` and the summary. ``"nonrobust"``: the inverse Fisher
        information times the dispersion (R's ``summary.glm``). The others are
        sandwich covariances ``B M B`` of unpenalized fits (``B = (X'WX)^-1``,
        ``M`` from the score rows ``x_i w_i (y_i - mu_i) / (V(mu_i) g'(mu_i))``),
        with normal p-values: HC0 to HC3 as R's ``sandwich::vcovHC`` (HC0 also
        equals statsmodels'; statsmodels returns HC0 for HC1 to HC3 on a GLM,
        its issue #7798), ``"cluster"`` as statsmodels' default and R's
        ``sandwich::vcovCL(type="HC1")``. See ``docs/inference.md``.
    cluster : str or array, optional
        With ``cov_type="cluster"`` only: the group of each row, as a column
        name of ``data`` or an array of labels (one per row of ``data``; rows
        dropped for missing values are dropped from it too). Expressions are
        not read here: compute them into a column.
    progress : bool, optional
        On a Dask DataFrame, a bar ``glmgen dask`` ticking once per pass over
        the data: ``None`` (default) shows it on a terminal or in a notebook
        once the fit has run 2 s, ``True`` always, ``False`` never. An
        in-memory fit has no bar (it makes no passes over partitions).

    Returns
    -------
    GLMResult
    """
    data, progress = as_pandas(data), check_progress(progress)
    on_dask = is_dask_frame(data)
    fit = glm_on_dask if on_dask else fit_glm
    return fit(
        formula, data, family, context=FormulaContext.capture(), link=link, weights=weights,
        freq_weights=freq_weights, offset=offset, exposure=exposure, alpha=alpha, l1_ratio=l1_ratio,
        penalty_factor=penalty_factor, standardize=standardize, na_action=na_action, tol=tol, max_iter=max_iter,
        safe=safe, cov_type=cov_type, cluster=cluster, stacklevel=2, **({"progress": progress} if on_dask else {}),
    )


def glm_path(
    formula: str,
    data: AnyFrame,
    family: str | Family | Any = "gaussian",
    *,
    link: str | Link | None = None,
    l1_ratio: float = 1.0,
    alphas: Any = None,
    n_alphas: int = 100,
    alpha_min_ratio: float | None = None,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    tol: float = 1e-8,
    max_iter: int = 100,
    safe: bool = False,
    relax: bool = False,
    penalty: str = "elastic_net",
    progress: bool | None = None,
) -> PathResult:
    """Fit a penalized GLM along a decreasing grid of alphas (a regularization path).

    The grid starts at ``alpha_max``, the smallest alpha with every penalized
    coefficient zero, and runs ``n_alphas`` log-spaced steps down to
    ``alpha_min_ratio * alpha_max`` (default 1e-4 when n > p, else 1e-2, as
    glmnet), stopping early like glmnet when the deviance ratio stops
    changing; or it is the user's ``alphas``, fitted in full. Other arguments
    (``tol``/``max_iter`` for every alpha; ``safe``: check the formula against the allow-list first)
    as :func:`glm`.
    A formula is Python code evaluated in your session: never pass a formula
    from an untrusted source without ``safe=True``. ``na_action="impute"``
    (see :func:`glm`) is re-learned inside every fold of ``path.cv()``.

    ``relax=True`` (glmnet's relaxed lasso): at every alpha, also the
    unpenalized GLM on that alpha's active set (``path.relaxed_coefs``,
    ``path.relaxed_deviance``; an empty set is the null model). The blend
    ``gamma * lasso + (1 - gamma) * relaxed`` is ``path.fit_at(alpha, gamma=g)``;
    ``path.cv()`` then scores ``gamma = 0, 0.25, 0.5, 0.75, 1`` and chooses
    alpha and gamma together, which ``path.select("cv")`` uses. Not available
    for a Dask DataFrame. See ``docs/relaxed-lasso.md``.

    ``penalty="group"``: the group lasso (group elastic net with
    ``l1_ratio < 1``) with each formula term one group (a factor's dummies, a
    spline basis, an interaction; a numeric term alone), weighted by
    ``sqrt(size)`` times the term's ``penalty_factor`` (key it by the term
    name); a term enters or leaves the model whole. ``path.df`` / ``edf``
    count the non-zero coefficients (glmnet's and grpreg's df);
    ``path.groups`` lists each term's columns. Not available for a Dask
    DataFrame.

    ``progress``: a bar ``glmgen path`` ticking once per alpha (on a Dask
    DataFrame, ``glmgen dask``: once per pass over the data). ``None``
    shows it on a terminal or in a notebook once the path has run 2 s,
    ``True`` at once, ``False`` never; results do not depend on it.
    """
    data = as_pandas(data)
    fit = glm_path_on_dask if is_dask_frame(data) else fit_glm_path
    return fit(
        formula, data, family, context=FormulaContext.capture(), link=link, l1_ratio=l1_ratio, alphas=alphas,
        n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio, weights=weights, freq_weights=freq_weights,
        offset=offset, exposure=exposure, penalty_factor=penalty_factor, standardize=standardize,
        na_action=na_action, tol=tol, max_iter=max_iter, safe=safe, relax=relax, penalty=penalty,
        progress=progress, stacklevel=2,
    )


def report(
    formula: str,
    data: AnyFrame,
    family: Any = "gaussian",
    *,
    link: str | None = None,
    select: str | None = "cv_1se",
    alpha: float | None = None,
    l1_ratio: float = 1.0,
    n_alphas: int = 100,
    test_size: float = 0.25,
    seed: int = 0,
    n_boot: int = 200,
    folds: int = 10,
    boot_folds: int | None = None,
    n_jobs: int = 1,
    learning_curve: bool = True,
    level: float = 0.95,
    interval: str = "percentile",
    weights: str | None = None,
    freq_weights: str | None = None,
    offset: str | None = None,
    exposure: str | None = None,
    penalty_factor: dict[str, float] | None = None,
    standardize: bool = True,
    na_action: str = "drop",
    progress: bool | None = None,
    figures: bool = True,
    title: str | None = None,
    safe: bool = False,
    new: AnyFrame | None = None,
) -> Report:
    """Fit a model, measure how well it generalizes, and return the report.

    Parameters
    ----------
    formula, data, family, link
        As :func:`glmgen.glm`.
    select : {"cv_1se", "cv", "aic", "bic", "aicc", "ebic"} or None
        How alpha is chosen along an elastic-net path (``l1_ratio``,
        ``n_alphas`` alphas) fitted on the training part. ``None``: a single
        fit, unpenalized unless ``alpha`` is given.
    alpha : float, optional
        A fixed penalty (with ``select=None``).
    l1_ratio : float
        Elastic-net mix of the path or of the fixed penalty (1 = lasso).
    test_size, seed
        The held-out share and the seed of every random step.
    n_boot : int
        Bootstrap replicates of the whole procedure (0: no bootstrap).
    folds, boot_folds
        CV folds on the training part, and inside each bootstrap replicate
        (default: ``folds``; fewer is faster).
    n_jobs : int
        Worker processes; results do not depend on it.
    learning_curve : bool
        Training and held-out deviance against training size (at the chosen alpha).
    level, interval
        Bootstrap interval coverage and method (``conf_int``).
    weights, freq_weights, offset, exposure
        Column names or expressions (not arrays: the rows are split).
    penalty_factor, standardize, na_action
        As :func:`glmgen.glm_path`; with ``na_action="impute"`` the training
        part's medians fill the test part, and every CV fold and bootstrap
        replicate re-learns its own.
    progress : bool, optional
        Progress bars on stderr: one for the report's steps and, nested, the
        path, CV, bootstrap and learning curve it runs. ``None`` (default)
        shows them on a terminal or in a notebook once a step has run 2 s,
        ``True`` at once, ``False`` never.
    figures : bool
        Draw the figures (``False``: tables only, faster).
    title : str, optional
    safe : bool
        Check the formula (and weight/offset expressions) against the
        allow-list before evaluating anything, as :func:`glmgen.glm`. A
        formula is Python code: use ``safe=True`` for formulas from someone
        else (the command line does by default).
    new : DataFrame, optional
        pandas, polars or pyarrow, as ``data``. New rows to check for shift against the training part: the report
        adds a section with ``fit.shift(new)`` (per-column statistics, the
        adversarial AUC and the expected deviance on the new rows).

    Returns
    -------
    Report
        ``to_html()`` (one self-contained file), ``to_markdown()``,
        ``to_latex()``, ``to_text()``, ``save(path)``; the result records are
        in ``report.analysis``.
    """
    data, new = as_pandas(data), as_pandas(new, "new")
    analysis = analyse(
        formula, data, family, link=link, select=select, alpha=alpha, l1_ratio=l1_ratio, n_alphas=n_alphas,
        test_size=test_size, seed=seed, n_boot=n_boot, folds=folds, boot_folds=boot_folds, n_jobs=n_jobs,
        learning_curve=learning_curve, level=level, interval=interval, weights=weights, freq_weights=freq_weights,
        offset=offset, exposure=exposure, penalty_factor=penalty_factor, standardize=standardize,
        na_action=na_action, progress=progress, safe=safe, context=FormulaContext.capture(), new=new,
    )
    return build_report(analysis, figures=figures, title=title)



def from_statsmodels(
    model: Any,
    *,
    weights: VariableInput = None,
    freq_weights: VariableInput = None,
    offset: VariableInput = None,
    exposure: VariableInput = None,
) -> GLMResult:
    """glmgen's fit of a GLM made with statsmodels' formula API: the same model on the same rows, for held-out
    deviance (``evaluate``), ``glm_path``/CV on its formula, the bootstrap and the report.

    ``model`` is ``smf.glm(formula, data, family=...)`` or its fitted result (``.fit(...)``). glmgen fits the
    model's formula (a two-column binomial response ``s + f`` read as ``cbind(s, f)``) on the rows of ``data``
    statsmodels kept, with its family and link (a negative binomial with theta = 1 / alpha, held fixed), prior
    weights (``var_weights``), frequency weights, offset and exposure. From a fitted result it also takes the
    dispersion (``scale="X2"`` on a Poisson or binomial model is R's quasi family) and the covariance
    (``"nonrobust"``, ``"HC0"``, ``"cluster"`` with its groups). glmgen uses t reference distributions where the
    dispersion is estimated (R's rule); statsmodels does with ``fit(use_t=True)``. The reverse is
    :meth:`GLMResult.to_statsmodels`.

    Parameters
    ----------
    model : statsmodels GLM or GLMResults
    weights, freq_weights, offset, exposure : str or array, optional
        The column or expression (``exposure="km"``) statsmodels' ``var_weights``, ``freq_weights``, ``offset``
        and ``exposure`` arrays were computed from, so that ``predict``, ``evaluate``, CV and the bootstrap read
        them from other rows too; each is checked against the model's array. Not named, the model's arrays are
        used (then ``evaluate``/``predict`` on new rows need them passed again).

    Raises
    ------
    InvalidParameterError
        For a model built from arrays (``sm.GLM(endog, exog)``: no formula or data frame to refit), a family,
        link, scale or covariance glmgen does not fit the same way (refused with the reason), or a named
        variable whose values differ from the model's.
    """
    return fit_statsmodels(model, context=FormulaContext.capture(), weights=weights, freq_weights=freq_weights,
                           offset=offset, exposure=exposure, stacklevel=2)
