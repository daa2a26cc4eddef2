"""Formulas: the only importer of patsy. Parsing, the caller's context, the design spec and its saved form.

Modules, lowest first: ``context`` (the caller's names), ``safety`` (the
allow-list of checked expressions), ``state`` (patsy's learned state as JSON),
``parse`` (formula text), ``frame`` (columns, rows and expressions of the data), ``variables`` (how
weights and offsets are read), ``matrix`` (:class:`DesignMatrix` and filling ``X``), ``impute``
(``na_action="impute"``: medians, indicator columns, NA levels), ``schema`` (the closed schema of a saved
design), ``spec`` (:class:`DesignSpec`),
``build`` (:func:`build_design`) and ``terms`` (terms and marginality, for
model selection). Other subpackages import only the names below.
"""

from patsy import Term

from .build import VariableInput, as_fitted, build_design, data_warnings, model_columns
from .context import FormulaContext
from .frame import check_frame
from .impute import Imputation
from .matrix import DesignMatrix
from .parse import DOT_PATTERN, ResponseSpec, rhs_terms, split_formula, tilde_position
from .schema import check_design, saved_column_names
from .spec import DesignSpec
from .state import VARIABLE_ROLES
from .terms import (
    addable,
    by_degree,
    droppable,
    hierarchical_subsets,
    model_label,
    term_key,
    term_label,
)
from .transforms import split_offset_terms
from .variables import VariableSpec

__all__ = [
    "DOT_PATTERN", "VARIABLE_ROLES", "DesignMatrix", "DesignSpec", "FormulaContext", "Imputation", "ResponseSpec",
    "Term", "VariableInput", "VariableSpec", "addable", "as_fitted", "build_design", "by_degree", "check_design",
    "check_frame", "data_warnings", "droppable", "hierarchical_subsets", "model_columns", "model_label", "rhs_terms",
    "saved_column_names", "split_formula", "split_offset_terms", "term_key", "term_label", "tilde_position",
]
