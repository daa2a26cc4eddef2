"""Records of held-out fit: one model on rows it may not have seen, and training versus held-out."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..stats import d_squared
from . import display


@dataclass(frozen=True)
class HeldOutResult:
    """Fit of a model on rows it may not have seen.

    ``mean_deviance`` is the weighted mean unit deviance; ``d2`` compares the
    deviance with that of the training intercept-only model on the same rows;
    ``n`` counts rows (frequency weights summed).
    """

    mean_deviance: float
    deviance: float
    null_deviance: float
    d2: float
    n: float

    @classmethod
    def of(cls, deviance: float, null_deviance: float, weight: float, n: float) -> HeldOutResult:
        """The record of a model's and the intercept-only model's deviance on rows of total ``weight``."""
        return cls(mean_deviance=deviance / weight, deviance=deviance, null_deviance=null_deviance,
                   d2=d_squared(deviance, null_deviance), n=n)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def __repr__(self) -> str:
        n = str(int(self.n)) if float(self.n).is_integer() else f"{self.n:.6g}"
        return (f"HeldOutResult(mean_deviance={self.mean_deviance:.6g}, deviance={self.deviance:.6g}, "
                f"null_deviance={self.null_deviance:.6g}, d2={self.d2:.6g}, n={n})")

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))


@dataclass(frozen=True)
class GeneralizationResult:
    """Training versus held-out fit of one model: the generalization gap."""

    train: HeldOutResult
    test: HeldOutResult

    @property
    def train_mean_deviance(self) -> float:
        return self.train.mean_deviance

    @property
    def test_mean_deviance(self) -> float:
        return self.test.mean_deviance

    @property
    def gap(self) -> float:
        """Held-out minus training mean deviance (positive when the model overfits)."""
        return self.test.mean_deviance - self.train.mean_deviance

    @property
    def train_d2(self) -> float:
        return self.train.d2

    @property
    def test_d2(self) -> float:
        return self.test.d2

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"train": self.train.to_dict(), "test": self.test.to_dict()})
        frame.loc["gap"] = [np.nan, self.gap]
        return frame

    def _repr_html_(self) -> str:
        return str(display.show("notebook_html", self))

    def __repr__(self) -> str:
        return str(display.show("notebook_text", self))
