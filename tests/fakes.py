"""Scripted stand-ins for the policy and the reward model, for exact bookkeeping tests.

``ScriptedPolicy(step_fn)``: ``step_fn(question, steps_so_far, sample_index) -> str``
gives the next step deterministically; a step containing ``\\boxed`` ends the
solution. ``ScriptedScorer(score_fn)``: ``score_fn(window) -> float``. Both record
every call so tests can count batches.
"""

from __future__ import annotations

import numpy as np

from hrmsearch.engine.base import SamplingParams, StepSample
from hrmsearch.engine.prompts import PromptBuilder


class ScriptedPolicy:
    name = "scripted"

    def __init__(self, step_fn, delimiter: str = "\n\n"):
        self.step_fn = step_fn
        self.delimiter = delimiter
        self.prompts = PromptBuilder(delimiter)
        self.calls: list[tuple[list[str], SamplingParams]] = []
        self.tokenizer = None

    @property
    def max_context(self) -> int:
        return 10_000

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def parse(self, prompt: str) -> tuple[str, list[str]]:
        header, _, body = prompt.partition("\nSolution:\n\n")
        question = header.removeprefix("Question: ")
        steps = [s for s in body.split(self.delimiter) if s]
        return question, steps

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[StepSample]]:
        self.calls.append((list(prompts), params))
        return [[self._sample(prompt, params, i) for i in range(params.n)] for prompt in prompts]

    def _sample(self, prompt: str, params: SamplingParams, index: int) -> StepSample:
        question, steps = self.parse(prompt)
        if params.stop:  # one step
            text = self.step_fn(question, steps, index)
            return StepSample(text=text, num_tokens=self.count_tokens(text) + 1, finish_reason="delimiter")
        pieces = []
        while len(pieces) < 20:  # a whole solution
            piece = self.step_fn(question, steps + pieces, index)
            pieces.append(piece)
            if "\\boxed" in piece:
                break
        text = self.delimiter.join(pieces)
        return StepSample(text=text, num_tokens=self.count_tokens(text) + 1, finish_reason="eos")


class ScriptedScorer:
    name = "scripted"

    def __init__(self, score_fn):
        self.score_fn = score_fn
        self.calls: list[list] = []

    def score(self, windows) -> np.ndarray:
        self.calls.append(list(windows))
        return np.array([self.score_fn(w) for w in windows], dtype=np.float64)
