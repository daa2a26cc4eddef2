"""The fixture of the progress-bar tests: bars drawn at every update, so that stderr holds their final count.

tqdm redraws a bar at most every ``mininterval`` seconds (0.1) and, after the first updates, every
``miniters`` updates; with ``leave=False`` the last state of a fast loop is then never written. The fixture
makes glmgen's terminal bars draw every update (``mininterval=0, miniters=1``). Test modules load it with
``pytest_plugins = ["progress_fixtures"]`` and request ``drawn_bars``.
"""

from __future__ import annotations

from functools import partial

import pytest
from tqdm import tqdm

from glmgen import _progress


@pytest.fixture
def drawn_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "terminal_tqdm", partial(tqdm, mininterval=0, miniters=1))
