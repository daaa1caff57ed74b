"""The fine and coarse score of every step of one solution, as the reward model sees them.

Step i's fine score judges step i alone (earlier steps as context); its coarse score
judges steps i-1 and i merged into one (the first step has none). ``hrmsearch
solve`` prints both next to each chosen step.
"""

from __future__ import annotations

from hrmsearch.scoring.base import Scorer
from hrmsearch.scoring.windows import coarse_window, fine_window


def fine_and_coarse(scorer: Scorer, question: str, steps: list[str],
                    delimiter: str = "\n\n") -> list[tuple[float, float | None]]:
    """``(fine, coarse)`` per step; coarse is None for the first step."""
    fine = [fine_window(question, steps, index) for index in range(len(steps))]
    coarse = [coarse_window(question, steps, index, delimiter) for index in range(1, len(steps))]
    values = [float(value) for value in scorer.score(fine + coarse)] if steps else []
    coarse_values: list[float | None] = [None, *values[len(fine):]]
    return list(zip(values[: len(fine)], coarse_values, strict=True))
