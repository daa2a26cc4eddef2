"""Formula terms and marginality: the patsy ``Term`` helpers that model selection works with.

A term is identified by the set of its factors (``a:b`` is ``b:a``);
:func:`droppable` and :func:`addable` follow R's ``factor.scope``, so a main
effect never leaves, nor an interaction enters, without its margins.
"""

from __future__ import annotations

from collections.abc import Sequence

from patsy import Term


def term_label(term: Term) -> str:
    """The term as written in a formula (``age``, ``age:ftv``, ``I(x ** 2)``)."""
    return str(term.name())


def term_key(term: Term) -> frozenset[str]:
    """Order-free identity of a term: the set of its factors' codes (``a:b`` is ``b:a``)."""
    return frozenset(str(factor.name()) for factor in term.factors)


def by_degree(terms: Sequence[Term]) -> list[Term]:
    """Terms ordered as R's ``terms()`` orders them: by degree, then as given."""
    return sorted(terms, key=lambda term: len(term.factors))


def droppable(current: Sequence[Term], lower: Sequence[Term]) -> list[Term]:
    """Terms of ``current`` that may be dropped: not in ``lower``, and not marginal to another droppable term.

    This is R's ``factor.scope(...)$drop`` (used by ``drop1``, ``step`` and
    ``stepAIC``): a main effect cannot leave while an interaction containing
    it is still in the model (among the terms the scope allows to drop).
    """
    lower_keys = {term_key(t) for t in lower}
    candidates = [t for t in current if term_key(t) not in lower_keys]
    keys = [term_key(t) for t in candidates]
    return [t for t, key in zip(candidates, keys) if not any(key < other for other in keys)]


def addable(current: Sequence[Term], upper: Sequence[Term]) -> list[Term]:
    """Terms of ``upper`` not in ``current`` whose lower-order terms in ``upper`` are all present.

    This is R's ``factor.scope(...)$add`` (used by ``add1``, ``step`` and
    ``stepAIC``): ``a:b`` can enter only once ``a`` and ``b`` are in the model
    (a margin that is not in the upper scope at all does not block it).
    """
    current_keys = {term_key(t) for t in current}
    candidates = [t for t in upper if term_key(t) not in current_keys]
    keys = [term_key(t) for t in candidates]
    return [t for t, key in zip(candidates, keys) if not any(other < key for other in keys)]


def hierarchical_subsets(terms: Sequence[Term]) -> list[tuple[Term, ...]]:
    """Every subset of ``terms`` that respects marginality, smallest first.

    A subset is kept when each of its terms comes with all of its lower-order
    terms that are among ``terms`` (so ``a:b`` only with ``a`` and ``b``).
    """
    keys = [term_key(t) for t in terms]
    needs = [
        sum(1 << j for j, other in enumerate(keys) if other < key) for key in keys
    ]
    subsets = []
    for mask in range(1 << len(terms)):
        if all(not (mask >> i) & 1 or (needs[i] & mask) == needs[i] for i in range(len(terms))):
            subsets.append(tuple(t for i, t in enumerate(terms) if (mask >> i) & 1))
    return sorted(subsets, key=len)


def model_label(terms: Sequence[Term], fit_intercept: bool) -> str:
    """Right-hand side listing ``terms`` in R's order (``1`` / ``0`` alone for the empty model)."""
    labels = [term_label(t) for t in by_degree(terms)]
    if not labels:
        return "1" if fit_intercept else "0"
    return " + ".join(labels if fit_intercept else ["0", *labels])

