"""Exception and warning classes.

Every exception subclasses a built-in (mostly ``ValueError``) so that
``except ValueError`` keeps working; every warning subclasses
:class:`GLMGenWarning`.
"""

from __future__ import annotations


class GlmgenError(Exception):
    """Base class of glmgen's exceptions."""


class InvalidParameterError(GlmgenError, ValueError, TypeError):
    """An argument has a value glmgen cannot use (misspelled family, bad alpha...)."""


class DataError(GlmgenError, ValueError):
    """The data cannot be fitted as given (NaN, inf, response out of range...)."""


class FormulaError(GlmgenError, ValueError):
    """A formula cannot be parsed or refers to something that does not exist."""


class UnseenLevelError(DataError):
    """New data holds a categorical level that training data did not."""


class UnsafeFormulaError(FormulaError):
    """A formula (saved, or checked with ``safe=True``) calls a function outside the allow-list."""


class ModelFileError(GlmgenError, ValueError):
    """A model file is damaged, edited or not a glmgen model file; the message names the field."""


class UnsafeModelFileError(ModelFileError, UnsafeFormulaError):
    """A model file holds an expression outside the allow-list (refused without evaluating it)."""


class SolverError(GlmgenError, ValueError, FloatingPointError):
    """The solver could not reach a finite fit (overflow, no finite deviance); the message says why."""


class GLMGenWarning(UserWarning):
    """Base class of glmgen's warnings; each is also recorded on the result."""


class ConvergenceWarning(GLMGenWarning):
    """The solver stopped before meeting its convergence criterion."""


class SeparationWarning(GLMGenWarning):
    """Fitted probabilities of 0 or 1: (quasi-)complete separation in a binomial fit."""


class AliasedColumnsWarning(GLMGenWarning):
    """Design columns are linear combinations of earlier ones; their coefficients are NaN."""


class DroppedRowsWarning(GLMGenWarning):
    """Rows with missing values in a model column were dropped."""


class DataWarning(GLMGenWarning):
    """Valid but suspicious data: a categorical column with nearly one level per row, a text column
    that is mostly numbers (a CSV's "?" or "n/a"), and the like."""


class IntervalWarning(GLMGenWarning):
    """An interval is undefined (NaN) or doubtful for some coefficients: a bootstrap interval (e.g. BCa when every
    replicate lies on one side of the estimate), or a profile-likelihood interval whose profile never reaches the
    cutoff or is not monotone."""


class DomainWarning(GLMGenWarning):
    """Fitted means were kept inside the link's valid range (values were clipped)."""
