"""The levels of a Dask fit are learned without a pass over the data when the frame declares them.

When every categorical column the model reads is a pandas Categorical with categories Dask knows, and the first
partition's complete rows hold every category, the design is learned from the first partition alone (no pass
over all partitions). The fit must equal the in-memory fit of the same rows (the reference: glmgen's in-memory
fit, itself checked against R in ``tests/fit/test_glm_reference.py``). With an unused category, a category only
in a later partition, or categories Dask does not know, the pass runs as before, with the same result.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dask_support import assert_same_fit, partitioned, simulated

import glmgen as gg
from glmgen.distributed import design

pytest_plugins = ["dask_fixtures"]


def declared(categories: list[str], late: bool = False) -> pd.DataFrame:
    """Simulated Poisson rows (levels ``a``..``e``) with ``g`` a Categorical of ``categories`` and missing ``x2`` in
    rows 0 and 7; ``late``: level ``e`` only in the last 20 rows (``d`` elsewhere)."""
    frame = simulated("poisson", 300, seed=41)
    if late:
        frame.loc[frame.index[:-20], "g"] = frame["g"].iloc[:-20].replace("e", "d")
    frame.loc[[0, 7], "x2"] = np.nan
    frame["g"] = pd.Categorical(frame["g"], categories=categories)
    return frame


def fit(frame: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gg.glm("y ~ x1 + x2 + g", frame, "poisson", exposure="expo")


def counting_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the level passes (:func:`glmgen.distributed.design.map_reduce` calls)."""
    calls: list[int] = []
    original = design.map_reduce

    def counted(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(design, "map_reduce", counted)
    return calls


@pytest.mark.usefixtures("local_scheduler")
@pytest.mark.parametrize("npartitions", [3, 7])
def test_declared_levels_skip_the_level_pass_and_equal_the_in_memory_fit(monkeypatch: pytest.MonkeyPatch,
                                                                         npartitions: int) -> None:
    frame = declared(["c", "a", "e", "b", "d"])
    passes = counting_passes(monkeypatch)
    dask_frame = partitioned(frame, npartitions)
    assert dask_frame["g"].cat.known
    result = fit(dask_frame)
    assert passes == []
    assert_same_fit(result, fit(frame))
    assert list(result.params.index[1:5]) == ["g[T.a]", "g[T.e]", "g[T.b]", "g[T.d]"]


@pytest.mark.usefixtures("local_scheduler")
@pytest.mark.parametrize("categories, late, known", [
    (["z", "a", "b", "c", "d", "e"], False, True),  # "z" has no row: the reference level is "a"
    (["e", "a", "b", "c", "d"], True, True),  # the first category only in the last partition
    (["a", "b", "c", "d", "e"], False, False),  # categories Dask does not know
])
def test_level_pass_runs_when_the_first_partition_cannot_stand_for_all_rows(
        monkeypatch: pytest.MonkeyPatch, categories: list[str], late: bool, known: bool) -> None:
    frame = declared(categories, late)
    dask_frame = partitioned(frame, 3)
    if not known:
        dask_frame["g"] = dask_frame["g"].cat.as_unknown()
    passes = counting_passes(monkeypatch)
    result = fit(dask_frame)
    assert passes == [1]
    assert_same_fit(result, fit(frame))
