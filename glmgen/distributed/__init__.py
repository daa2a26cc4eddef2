"""Data beyond one machine: the same fits, paths, cross-validation and bootstrap on a Dask DataFrame.

The only subpackage that imports Dask. A pass over the data maps each partition to sums (deviance, the
working Gram matrix, gradients, totals; :mod:`.probes`) and reduces them by a tree of merges on whatever Dask
scheduler is active (:mod:`.partitions`); the iterations on the reduced sums are the in-memory solvers' own
(:mod:`.irls`, :mod:`.penalized`), so results equal the in-memory fit on the same rows. The design is learned
from all partitions first (:mod:`.design`). Modules, lowest first: ``partitions``, ``rows`` (seeded folds,
Poisson counts, splits), ``probes``, ``design``, ``irls``, ``driver``, ``penalized``, ``paths``, ``bootstrap``,
``fits``. Public here: :func:`fold_ids` and :func:`poisson_counts` (the draws the CV and the bootstrap use).
"""

from .bootstrap import poisson_counts, poisson_replicates
from .design import with_declared_levels
from .fits import glm_on_dask, glm_path_on_dask
from .paths import DaskFitRefits, DaskPathRefitter, fold_ids
from .split import split_frame

__all__ = ["DaskFitRefits", "DaskPathRefitter", "fold_ids", "glm_on_dask", "glm_path_on_dask", "poisson_counts",
           "poisson_replicates", "split_frame", "with_declared_levels"]
