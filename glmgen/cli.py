"""Command line: ``glmgen fit``, ``report``, ``shift`` and ``demo``. Parsing and I/O only; no statistics.

``fit`` fits the whole data it is given, as R's ``glm`` (the numbers of
:func:`glmgen.glm` on the same file), or a fixed penalty (``--alpha``), or a
path with its alpha chosen on the whole data (``--select``), and prints R's
summary; it holds rows out only when ``--test-size`` is given. ``report``
and ``demo`` run :func:`glmgen.report` (split, fit or path + CV selection,
generalization, optionally bootstrap and learning curve) and write it (with
``--new``, also the shift check of new rows). ``shift`` runs
:func:`glmgen.shift` on two files and prints (with ``-o``, writes) it. Bad
input (unreadable file, missing column, wrong family, ...) gives one line on
stderr and exit code 2.

A formula is Python code, and a command line often runs someone else's
(from a config file or a script). ``fit`` and ``report`` therefore check
formulas against the allow-list (``safe=True``) unless
``--allow-unsafe-formula`` is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from statsmodels.datasets import randhie

from .errors import DataError, GlmgenError, GLMGenWarning
from .evaluation import analyse, shift
from .fit import fit_glm, fit_glm_path
from .formula import FormulaContext
from .model import negative_binomial, tweedie
from .render import Report, build_report, shift_report
from .resampling import split
from .results import GLMResult

SELECT_CHOICES = ("cv", "cv_1se", "aic", "bic", "aicc", "ebic")
FAMILY_HELP = ("gaussian, binomial, poisson, gamma, inverse_gaussian, quasipoisson, quasibinomial, tweedie (with "
               "--var-power) or negative_binomial (theta estimated unless --theta) (default: gaussian)")
DEMO_FORMULA = "mdvis ~ ."
#: held-out share of ``glmgen report`` (``glmgen fit`` holds out rows only when --test-size is given)
DEFAULT_TEST_SIZE = 0.25
DEMO_N_BOOT = 500
DEMO_BOOT_FOLDS = 5
DEMO_N_ALPHAS = 40
#: read as missing besides pandas' defaults (NA, N/A, NaN, null, ...): the UCI repository's "?"
CSV_NA_MARKERS = ["?"]
#: characters after the header read to tell a decimal comma from a decimal point
CSV_SNIFF_CHARS = 65536


class UsageError(GlmgenError, ValueError):
    """A command-line option has a value the command cannot use."""


def read_table(path: str) -> pd.DataFrame:
    """Read CSV (any other suffix, ``.tsv`` tab-separated) or Parquet (``.parquet``/``.pq``, needs pyarrow)."""
    file = Path(path)
    if not file.exists():
        raise DataError(f"data file {path!r} does not exist.")
    if file.is_dir():
        raise DataError(f"{path!r} is a directory; give a CSV or Parquet file.")
    suffix = file.suffix.lower()
    if suffix in (".parquet", ".pq"):
        if importlib.util.find_spec("pyarrow") is None:
            raise DataError(f"reading Parquet ({path!r}) needs pyarrow, which is not installed: "
                            "run 'pip install pyarrow', or save the data as CSV.")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow's errors have no common base; report them in one line
            raise DataError(f"cannot read {path!r} as Parquet: {_first_line(exc)}") from None
    sep, decimal = ("\t", ".") if suffix == ".tsv" else _csv_dialect(file)
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal, na_values=CSV_NA_MARKERS, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path!r} as CSV: {_first_line(exc)}") from None
    if frame.shape[1] < 2:
        raise DataError(f"{path!r} has {frame.shape[1]} column(s) after reading it as {sep!r}-separated CSV; "
                        "is it a CSV file with a header row?")
    return frame


def _csv_dialect(file: Path) -> tuple[str, str]:
    """Separator and decimal mark of a CSV, from its header: the most frequent of ``,``, ``;`` and tab
    (``,`` on a tie); with ``;`` the decimal mark is ``,`` when the data show digits around a comma
    (Excel's European CSV)."""
    with file.open(encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
        sample = handle.read(CSV_SNIFF_CHARS)
    sep = max((",", ";", "\t"), key=header.count)
    if sep != ";":
        return sep, "."
    return ";", "," if re.search(r"\d,\d", sample) else "."


def load_demo_data() -> pd.DataFrame:
    """RAND Health Insurance Experiment data shipped with statsmodels (20,190 rows, 10 columns)."""
    return randhie.load_pandas().data


def _report(formula: str, data: pd.DataFrame, family: Any, *, context: FormulaContext, figures: bool = True,
            title: str | None = None, **options: Any) -> Report:
    """:func:`glmgen.report` with the formula ``context`` captured by :func:`main`."""
    analysis = analyse(formula, data, family, context=context, **options)
    return build_report(analysis, figures=figures, title=title)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def family_of(args: argparse.Namespace) -> Any:
    """``--family`` with ``--var-power`` (Tweedie) or ``--theta`` (negative binomial) applied."""
    if args.family == "tweedie":
        return tweedie(1.5 if args.var_power is None else args.var_power)
    if args.family == "negative_binomial":
        return negative_binomial(args.theta)
    if args.var_power is not None or args.theta is not None:
        raise UsageError(f"--var-power goes with --family tweedie and --theta with --family negative_binomial, not "
                         f"--family {args.family}.")
    return args.family


def _model_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.alpha is not None and args.alpha < 0:
        raise UsageError(f"--alpha {args.alpha:g} must be >= 0.")
    l1_ratio = 1.0 if args.l1_ratio is None else args.l1_ratio
    if args.l1_ratio is not None and args.alpha is None and args.select is None:
        raise UsageError("--l1-ratio needs --alpha (a fixed penalty) or --select (a penalty path).")
    test_size = DEFAULT_TEST_SIZE if args.test_size is None else args.test_size
    return dict(
        link=args.link, select=args.select, alpha=args.alpha, l1_ratio=l1_ratio, test_size=test_size,
        seed=args.seed, folds=args.folds, n_jobs=args.n_jobs, weights=args.weights, offset=args.offset,
        exposure=args.exposure, progress=args.progress, safe=not args.allow_unsafe_formula, context=args.context,
    )


def fit_model(args: argparse.Namespace, data: pd.DataFrame) -> GLMResult:
    """The model of ``glmgen fit`` on ``data``: as :func:`glmgen.glm` (with ``--alpha`` at that penalty), or
    with ``--select`` the path's fit at the alpha the criterion chooses on ``data`` (CV folds seeded)."""
    options = _model_options(args)
    common = {"context": args.context, "link": options["link"], "weights": args.weights, "offset": args.offset,
              "exposure": args.exposure, "safe": options["safe"]}
    robust = {"cov_type": args.cov_type, "cluster": args.cluster}
    if args.select is None:
        alpha = options["alpha"] or 0.0
        return fit_glm(args.formula, data, family_of(args), alpha=alpha,
                       l1_ratio=options["l1_ratio"] if alpha > 0 else 0.0, **common, **robust)
    if args.cov_type != "nonrobust" or args.cluster is not None:
        raise UsageError("--cov-type and --cluster apply to unpenalized fits; a penalized fit (--select) has no "
                         "sandwich covariance. Drop --select, or use 'glmgen report' for the bootstrap.")
    if args.folds < 2:
        raise UsageError(f"--folds {args.folds} must be at least 2.")
    path = fit_glm_path(args.formula, data, family_of(args), l1_ratio=options["l1_ratio"], progress=args.progress,
                        **common)
    if args.select in ("cv", "cv_1se"):
        path.cv(folds=args.folds, seed=args.seed, n_jobs=args.n_jobs, progress=args.progress)
    fit = path.select(args.select)
    table = path.selection_table().to_string(float_format=lambda v: f"{v:.6g}")
    print(f"Alpha chosen by each criterion (selected: {args.select})\n{table}\n")
    return fit


def _r_call(fit: GLMResult, args: argparse.Namespace) -> str:
    """The fit as R's ``Call:`` line would show it (with the penalty, if any, as glmnet's arguments)."""
    penalty = (f", lambda = {fit.penalty.alpha:.6g}, alpha = {fit.penalty.l1_ratio:g}"
               if fit.penalty.is_penalized else "")
    extras = "".join(f", {role} = {value}" for role, value in
                     (("weights", args.weights), ("offset", args.offset), ("exposure", args.exposure)) if value)
    return (f"glm(formula = {fit.spec.formula}, family = {fit.family.name}(link = \"{fit.link.name}\"), "
            f"data = {Path(args.data).name}{extras}{penalty})")


def r_footer(fit: GLMResult) -> str:
    """The closing lines of R's ``summary.glm``: dispersion, null and residual deviance with their degrees
    of freedom, AIC and the number of iterations."""
    dispersion = "taken to be 1" if not fit.family.estimates_dispersion else f"taken to be {fit.scale:.6g}"
    null_df = fit.df_resid + fit.df_model
    return (
        f"(Dispersion parameter for {fit.family.name} family {dispersion})\n\n"
        f"    Null deviance: {fit.null_deviance:.6g}  on {null_df:g}  degrees of freedom\n"
        f"Residual deviance: {fit.deviance:.6g}  on {fit.df_resid:g}  degrees of freedom\n"
        f"AIC: {fit.aic:.6g}\n\n"
        f"Number of {'Fisher Scoring' if not fit.penalty.is_penalized else 'IRLS'} iterations: {fit.n_iter}"
    )


def _run_fit(args: argparse.Namespace) -> None:
    data = read_table(args.data)
    if args.test_size is None or args.test_size == 0:
        fit, test = fit_model(args, data), None
    else:
        train, test = split(data, test_size=args.test_size, seed=args.seed)
        print(f"Fitted on a training split of {len(train)} of {len(data)} rows (--test-size {args.test_size:g}, "
              f"--seed {args.seed}); {len(test)} rows held out.\n")
        fit = fit_model(args, train)
    print(f"Call:\n{_r_call(fit, args)}\n")
    summary = str(fit.summary())
    print(summary)
    print()
    print(r_footer(fit))
    if test is not None:
        held_out = fit.evaluate(test)
        print(f"\nHeld-out deviance: {held_out.deviance:.6g} on {held_out.n:g} rows (mean deviance "
              f"{held_out.mean_deviance:.6g}, D² {held_out.d2:.4f}).")
    unshown = [message for message in fit.warnings if message not in summary]
    if unshown:
        print("\nWarnings:")
        for message in unshown:
            print(f"  - {message}")


def _format_of(args: argparse.Namespace, output: Path) -> str:
    if args.format is not None:
        return str(args.format)
    suffix = output.suffix.lower()
    formats = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".tex": "tex", ".txt": "txt"}
    if suffix not in formats:
        raise UsageError(f"cannot tell the report format from {str(output)!r}: use a .html, .md or .tex file name, "
                         "or --format html|md|tex.")
    return formats[suffix]


def _write(result: Any, output: Path, format: str) -> None:
    try:
        written = result.save(output, format=format)
    except OSError as exc:
        raise DataError(f"cannot write {str(output)!r}: {exc.strerror or _first_line(exc)}") from None
    extra = f" (figures in {output.stem}_figures/)" if format in ("md", "tex") and result.figures else ""
    print(f"Wrote {written.resolve()}{extra}")
    print(result.headline)


def _run_report(args: argparse.Namespace) -> None:
    output = Path(args.output)
    format = _format_of(args, output)
    data = read_table(args.data)
    new = None if args.new is None else read_table(args.new)
    result = _report(args.formula, data, family_of(args), **_model_options(args), n_boot=args.n_boot,
                     boot_folds=args.boot_folds, learning_curve=not args.no_learning_curve, title=args.title, new=new)
    _write(result, output, format)


def _run_shift(args: argparse.Namespace) -> None:
    columns = None if args.columns is None else [c.strip() for c in args.columns.split(",") if c.strip()]
    result = shift(read_table(args.train), read_table(args.new), columns=columns, seed=args.seed, folds=args.folds,
                   progress=args.progress)
    print(result.summary())
    if args.output is None:
        return
    output = Path(args.output)
    if output.suffix.lower() == ".csv":
        try:
            result.table.to_csv(output, index=False)
        except OSError as exc:
            raise DataError(f"cannot write {str(output)!r}: {exc.strerror or _first_line(exc)}") from None
        print(f"Wrote {output.resolve()}")
        return
    _write(shift_report(result), output, _format_of(args, output))


def _run_demo(args: argparse.Namespace) -> None:
    output = Path(args.output)
    format = _format_of(args, output)
    print(f"glmgen demo: Poisson elastic net (l1_ratio=0.5) of outpatient visits (mdvis) in the RAND Health "
          f"Insurance Experiment; alpha by 10-fold CV (cv_1se), {args.n_boot} bootstrap replicates of the whole "
          f"path + selection ({args.boot_folds}-fold CV inside each). A few minutes on 2 cores.", flush=True)
    result = _report(
        DEMO_FORMULA, load_demo_data(), "poisson", select="cv_1se", l1_ratio=0.5, n_alphas=DEMO_N_ALPHAS,
        test_size=DEFAULT_TEST_SIZE, seed=args.seed, n_boot=args.n_boot, folds=10, boot_folds=args.boot_folds,
        n_jobs=args.n_jobs, progress=args.progress, context=args.context,
        title="RAND Health Insurance Experiment: outpatient visits (mdvis), Poisson elastic net",
    )
    _write(result, output, format)
    seconds = sum(result.analysis.timings.values())
    print(f"Computed in {seconds:.0f} s.")


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="CSV file (or Parquet: .parquet / .pq, needs pyarrow)")
    parser.add_argument("--formula", required=True, help="e.g. 'y ~ x1 + C(region)' or 'y ~ .'")
    parser.add_argument("--family", default="gaussian", help=FAMILY_HELP)
    parser.add_argument("--link", default=None, help="override the canonical link (logit, probit, cloglog, log, "
                                                     "identity, inverse, sqrt, 1/mu^2)")
    parser.add_argument("--var-power", type=float, default=None, help="Tweedie variance power (default 1.5)")
    parser.add_argument("--theta", type=float, default=None, help="fixed negative binomial theta")
    penalty = parser.add_mutually_exclusive_group()
    penalty.add_argument("--alpha", type=float, default=None, help="fit at this fixed penalty")
    penalty.add_argument("--select", choices=SELECT_CHOICES, default=None,
                         help="fit an elastic-net path and choose alpha by this criterion")
    parser.add_argument("--l1-ratio", type=float, default=None,
                        help="elastic-net mix for --alpha / --select (default 1 = lasso)")
    parser.add_argument("--test-size", type=float, default=None,
                        help="held-out share (report: default 0.25; fit: none unless given, then the model is "
                             "fitted on the rest and its held-out deviance printed)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, folds and bootstrap (default 0)")
    parser.add_argument("--folds", type=int, default=10, help="cross-validation folds with --select (default 10)")
    parser.add_argument("--n-jobs", type=int, default=1, help="worker processes (-1 = all cores); results do "
                                                              "not depend on it")
    parser.add_argument("--weights", default=None, help="prior-weights column")
    parser.add_argument("--offset", default=None, help="offset column or expression")
    parser.add_argument("--exposure", default=None, help="exposure column (offset = log(exposure))")
    parser.add_argument("--allow-unsafe-formula", action="store_true",
                        help="evaluate formula, --weights, --offset and --exposure expressions that call functions "
                             "outside the allow-list (column names, numbers, operators, C(), I(), Q(), patsy's "
                             "transforms and contrasts, np.log and other NumPy maths). A formula is Python code: "
                             "only for formulas you trust")
    _add_progress(parser)


def _add_progress(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bars on stderr (default: on a terminal, for steps that run over 2 s)")


def _add_output(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument("-o", "--output", default=default, required=default is None,
                        help="report file; its suffix (.html, .md, .tex) picks the format"
                             + (f" (default {default})" if default else ""))
    parser.add_argument("--format", choices=("html", "md", "tex"), default=None,
                        help="report format, overriding the file suffix")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glmgen", description="GLMs that measure how well they generalize.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{fit,report,shift,demo}")
    fit = commands.add_parser("fit", help="fit the data as R's glm and print its summary",
                              description="Fit the whole data (as R's glm; --alpha: a fixed penalty; --select: "
                                          "a penalty path with alpha chosen on the data) and print the summary: "
                                          "coefficients, dispersion, null and residual deviance, AIC. With "
                                          "--test-size, fit on a seeded training split and print the held-out "
                                          "deviance too.")
    _add_model_arguments(fit)
    fit.add_argument("--cov-type", default="nonrobust", help="standard errors: nonrobust (default), HC0, HC1, HC2, "
                                                            "HC3, or cluster (with --cluster COLUMN)")
    fit.add_argument("--cluster", default=None, help="column of cluster labels for --cov-type cluster")
    fit.set_defaults(run=_run_fit)
    report = commands.add_parser("report", help="write the whole generalization report (HTML, Markdown, LaTeX)",
                                 description="Write the generalization report: fit, selection, held-out "
                                             "deviance, bootstrap optimism, learning curve, diagnostics.")
    _add_model_arguments(report)
    report.add_argument("--n-boot", type=int, default=200, help="bootstrap replicates (0 = none; default 200)")
    report.add_argument("--boot-folds", type=int, default=None,
                        help="CV folds inside each bootstrap replicate (default: --folds)")
    report.add_argument("--no-learning-curve", action="store_true", help="skip the learning curve")
    report.add_argument("--title", default=None, help="report title")
    report.add_argument("--new", default=None, help="new rows (CSV or Parquet) to check for shift against the "
                                                    "training part: adds the shift section")
    _add_output(report, None)
    report.set_defaults(run=_run_report)
    shift_command = commands.add_parser(
        "shift", help="compare new rows with training rows: per-column shift and the adversarial AUC",
        description="Compare NEW with TRAIN column by column (KS D or total variation, SMD, PSI, unseen levels, "
                    "missingness) and by adversarial validation (a lasso logistic model telling the rows apart, "
                    "its cross-validated AUC); print the table, and write it with -o.")
    shift_command.add_argument("train", help="training rows: CSV file (or Parquet: .parquet / .pq)")
    shift_command.add_argument("new", help="new rows: CSV file (or Parquet)")
    shift_command.add_argument("--columns", default=None, help="comma-separated columns to compare (default: every "
                                                               "column both files have)")
    shift_command.add_argument("--seed", type=int, default=0, help="seed of the CV folds (default 0)")
    shift_command.add_argument("--folds", type=int, default=5, help="CV folds of the adversarial model (default 5)")
    shift_command.add_argument("-o", "--output", default=None,
                               help="also write the result: .html, .md, .tex (a report) or .csv (the table)")
    shift_command.add_argument("--format", choices=("html", "md", "tex"), default=None,
                               help="report format, overriding the file suffix")
    _add_progress(shift_command)
    shift_command.set_defaults(run=_run_shift)
    demo = commands.add_parser("demo", help="the report on the RAND HIE data shipped with statsmodels",
                               description="Write the generalization report of a Poisson elastic net for "
                                           "outpatient visits in the RAND Health Insurance Experiment.")
    _add_output(demo, "report.html")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--n-boot", type=int, default=DEMO_N_BOOT, help=f"(default {DEMO_N_BOOT})")
    demo.add_argument("--boot-folds", type=int, default=DEMO_BOOT_FOLDS, help=f"(default {DEMO_BOOT_FOLDS})")
    demo.add_argument("--n-jobs", type=int, default=-1, help="worker processes (default -1 = all cores)")
    _add_progress(demo)
    demo.set_defaults(run=_run_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input gives a one-line error on stderr and exit code 2.

    Formulas see the data columns and NumPy's functions; called from Python with
    ``--allow-unsafe-formula``, they also see the caller's names, as :func:`glmgen.glm` does.
    """
    args = build_parser().parse_args(argv)
    args.context = FormulaContext.capture()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GLMGenWarning)  # recorded in the report instead
            args.run(args)
    except (GlmgenError, ValueError, OSError, ImportError) as exc:
        print(f"glmgen: error: {_first_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("glmgen: interrupted", file=sys.stderr)
        return 130
    return 0
