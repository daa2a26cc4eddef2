"""Design matrices made of column blocks: dense, categorical codes, sparse (CSC).

What the solvers, the records and the formula layer share about ``X``
without knowing how it is stored: a dense design is a plain column-major
NumPy array; a design with a categorical or sparse block is a
:class:`ModelMatrix`. Both give ``X @ b``, ``r @ X``, ``X[rows]``,
``X[:, columns]`` and ``X.shape``; :func:`weighted_gram` and
:func:`cross_gram` give the centred weighted cross-products without an
``n x p`` dense array; :class:`ColumnLayout` and :func:`column_moments`
serve coordinate descent.

Modules: :mod:`.blocks` (:class:`CategoricalBlock`, :class:`SparseBlock`),
:mod:`.model_matrix` (:class:`ModelMatrix`), :mod:`.gram` (cross-products),
:mod:`.columns` (per-column views), :mod:`.moments` (one-pass weighted moments, compact for a categorical
block) and :mod:`._kernels` (compiled group sums).
"""

from .blocks import CategoricalBlock, SparseBlock
from .columns import DENSE, SPARSE, ColumnLayout, column_moments
from .gram import (
    GRAM_BLOCK_BYTES,
    column_means,
    column_sums,
    cross_gram,
    dense_gram,
    weighted_gram,
)
from .model_matrix import Block, Matrix, ModelMatrix, take_columns
from .moments import GroupedMoments

__all__ = [
    "Block", "CategoricalBlock", "ColumnLayout", "DENSE", "GRAM_BLOCK_BYTES", "GroupedMoments", "Matrix",
    "ModelMatrix", "SPARSE",
    "SparseBlock", "column_means", "column_sums", "column_moments", "cross_gram", "dense_gram", "take_columns", "weighted_gram",
]
