"""Rendering: tables, summaries, figures and the generalization report in text, Markdown, LaTeX and HTML.

Computes nothing statistical: every number comes from the result records.
Importing this package registers the record renderers (``plot_*`` and
``fit_summary``) with :mod:`glmgen.results.display`, through which the
records' ``plot()``, ``summary()``, ``_repr_html_()`` and ``__repr__()`` reach them.
"""

from . import cards  # noqa: F401  (registers the records' notebook_html / notebook_text renderers)
from .document import Report
from .generalization import build_report
from .plots import (
    plot_bias_variance,
    plot_bootstrap,
    plot_cv,
    plot_learning_curve,
    plot_path,
    plot_validation_curve,
)
from .shift import plot_shift, shift_report, shift_section, shift_text
from .summary import Summary, fit_summary

__all__ = [
    "Report", "Summary", "build_report", "fit_summary", "plot_bias_variance", "plot_bootstrap", "plot_cv",
    "plot_learning_curve", "plot_path", "plot_shift", "plot_validation_curve", "shift_report", "shift_section",
    "shift_text",
]
