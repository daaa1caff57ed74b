"""The reward-model protocol: ``score(windows) -> numpy array`` of floats in window order."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from hrmsearch.scoring.windows import Window


@runtime_checkable
class Scorer(Protocol):
    """Anything that scores reward windows (PRM/HRM/ORM, a scripted test scorer, ...)."""

    name: str

    def score(self, windows: list[Window]) -> np.ndarray: ...
