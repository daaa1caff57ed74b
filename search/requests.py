"""What a strategy coroutine may ``yield`` to the scheduler, and what it gets back.

``steps = yield Generate(prompts, params)`` receives ``list[list[StepSample]]``
(one list of ``params.n`` samples per prompt); ``scores = yield Score(windows)``
receives a numpy array of floats in window order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hrmsearch.engine.base import SamplingParams
from hrmsearch.scoring.windows import Window


@dataclass
class Generate:
    prompts: list[str]
    params: SamplingParams

    def merge_key(self) -> str:
        """Requests with the same key are served by one backend call."""
        return self.params.model_dump_json(exclude={"seed"})


@dataclass
class Score:
    windows: list[Window] = field(default_factory=list)
