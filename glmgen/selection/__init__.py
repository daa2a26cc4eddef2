"""Model selection over formula terms: stepwise, best subsets, comparison tables and likelihood-ratio tests.

Modules, lowest first: ``criterion`` (R's ``extractAIC`` over :mod:`glmgen.stats.criteria`), ``search``
(the stepwise and subset searches on fitted records), ``compare`` (:func:`compare`, :func:`lrtest`) and
``stepwise`` (the formula-level entry points, which capture the caller's formula context).
"""

from .compare import LRTestResult, compare, lrtest
from .search import BestSubsetResult, StepwiseResult
from .stepwise import best_subset, stepwise

__all__ = [
    "BestSubsetResult", "LRTestResult", "StepwiseResult", "best_subset", "compare", "lrtest", "stepwise",
]
