"""``--progress`` / ``--no-progress`` on the command line: bars on stderr for ``fit --select cv``, ``shift``
and ``report``; none by default off a terminal; the printed results do not depend on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest_plugins = ["progress_fixtures"]
pytestmark = pytest.mark.usefixtures("drawn_bars")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(13)
    data = pd.DataFrame({"x1": rng.normal(size=120), "x2": rng.normal(size=120)})
    data["count"] = rng.poisson(np.exp(0.2 + 0.6 * data["x1"]))
    return data


FIT = ("--formula", "count ~ x1 + x2", "--family", "poisson", "--select", "cv", "--folds", "3")


def test_fit_with_cv_shows_the_path_and_cv_bars(run_cli, csv):
    code, out, err = run_cli("fit", csv, *FIT, "--progress")
    assert code == 0, err
    assert "glmgen path" in err and "glmgen cv" in err and "3/3" in err
    for flag in ("--no-progress", None):  # the default: stderr (captured) is not a terminal
        code, quiet_out, quiet_err = run_cli("fit", csv, *FIT, *([flag] if flag else []))
        assert code == 0 and quiet_err == "" and quiet_out == out


def test_shift_and_report_take_progress(run_cli, csv, tmp_path):
    code, _, err = run_cli("shift", csv, csv, "--folds", "3", "--progress")
    assert code == 0, err
    assert "glmgen cv" in err and "3/3" in err
    target = tmp_path / "report.md"
    code, _, err = run_cli("report", csv, "--formula", "count ~ x1", "--family", "poisson", "--n-boot", "0",
                           "--no-learning-curve", "--progress", "-o", str(target))
    assert code == 0, err
    assert "glmgen report" in err
