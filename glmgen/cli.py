"""Command line: ``glmgen fit DATA --formula ...`` and ``glmgen demo``. Parsing and I/O only; no statistics."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import api
from .results import GLMResult
from .errors import GlmgenError, GLMGenWarning
from .report.tables import Table, render_text


def _read_table(path: str) -> pd.DataFrame:
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def _generalization_table(fit: GLMResult, train: pd.DataFrame, test: pd.DataFrame) -> Table:
    result = api.generalization(fit, train, test)
    return Table(
        "Generalization: training vs held-out",
        ["", "mean deviance", "D^2", "rows"],
        [["train", result.train.mean_deviance, result.train.d2, result.train.n],
         ["held-out", result.test.mean_deviance, result.test.d2, result.test.n]],
        notes=[f"Gap (held-out minus training mean deviance): {result.gap:.4g}"],
    )


def _fit_and_print(data: pd.DataFrame, formula: str, family: str, link: str | None, test_size: float,
                   seed: int, title: str | None = None) -> None:
    train, test = api.split(data, test_size=test_size, seed=seed)
    fit = api.glm(formula, train, family, link=link)
    if title:
        print(title + "\n")
    print(fit.summary())
    print()
    print(render_text(_generalization_table(fit, train, test)))


def load_demo_data() -> pd.DataFrame:
    """RAND Health Insurance Experiment data shipped with statsmodels (20,190 rows)."""
    from statsmodels.datasets import randhie

    return randhie.load_pandas().data


def _demo(args: argparse.Namespace) -> None:
    _fit_and_print(
        load_demo_data(), "mdvis ~ .", "poisson", None, test_size=0.25, seed=args.seed,
        title="glmgen demo: Poisson GLM of outpatient visits (mdvis) in the RAND Health Insurance Experiment,\n"
              f"fitted on a seeded 75% split (seed={args.seed}) and scored on the held-out 25%.",
    )


def _fit(args: argparse.Namespace) -> None:
    _fit_and_print(_read_table(args.data), args.formula, args.family, args.link, args.test_size, args.seed)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glmgen", description="GLMs that measure how well they generalize.")
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit", help="fit a GLM on a train split and report held-out deviance")
    fit.add_argument("data", help="CSV or Parquet file")
    fit.add_argument("--formula", required=True, help="e.g. 'y ~ x1 + C(region)' or 'y ~ .'")
    fit.add_argument("--family", default="gaussian", help="gaussian, binomial or poisson")
    fit.add_argument("--link", default=None, help="override the canonical link")
    fit.add_argument("--test-size", type=float, default=0.25, help="held-out share (default 0.25)")
    fit.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    fit.set_defaults(run=_fit)
    demo = commands.add_parser("demo", help="the generalization report on the shipped RAND HIE data")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input gives a one-line error and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GLMGenWarning)  # recorded on the result and shown in the summary
            args.run(args)
    except (GlmgenError, ValueError, FileNotFoundError, KeyError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"glmgen: error: {message}", file=sys.stderr)
        return 2
    return 0
