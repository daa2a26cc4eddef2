"""Model selection over formula terms: stepwise, best subsets, comparison tables and likelihood-ratio tests.

Modules, lowest first: ``criterion`` (R's ``extractAIC`` over :mod:`glmgen.stats.criteria`), ``search``
(the stepwise and subset searches on fitted records), ``compare`` (:func:`compare`, :func:`lrtest`),
``stepwise`` (the formula-level entry points, which capture the caller's formula context), ``add_drop``
(:func:`add1`, :func:`drop1`) and ``anova`` (:func:`anova`, R's sequential analysis of deviance).
"""

from .add_drop import add1, drop1
from .anova import anova
from .compare import LRTestResult, LRTestTable, compare, lrtest
from .search import BestSubsetResult, StepwiseResult
from .stepwise import best_subset, stepwise

__all__ = [
    "BestSubsetResult", "LRTestResult", "LRTestTable", "StepwiseResult", "add1", "anova", "best_subset", "compare", "drop1",
    "lrtest", "stepwise",
]
