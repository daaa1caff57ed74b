"""One forward pass per path for step-tag formats: every step score of a path read off one pass.

:class:`StepTagScorer` implements the :class:`~hrmsearch.scoring.base.Scorer` protocol
for any :class:`~hrmsearch.scoring.formats.base.StepTagFormat`:

- A fine window ``(question, previous, current)`` is step ``len(previous)`` of the path
  ``previous + (current,)``; a coarse window is the path ``previous + (merged,)``
  (steps i-1 and i already joined by ``"\\n\\n"``, one tag after them) read at its last
  step; an outcome window is its text split on ``"\\n\\n"`` and read at the last step.
- Requested paths are grouped: a path that is a prefix of another requested path (same
  question) is read off the longer one's pass, since step i's score depends only on
  tokens up to its tag. Each remaining path gets ONE pass; the scores of all its steps
  are cached as fine windows, so no prefix is scored twice.
- Over the format's ``context_limit``: the longest prefix that fits is one pass; each
  later step gets a pass of its own with the oldest steps cut until it fits (the
  current step is never cut), counted in ``stats.context_cuts``; the windows read that
  way are in ``cut_windows`` (the scheduler counts them in each problem's cost block).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hrmsearch.scoring.cached import CachedScorer, length_buckets
from hrmsearch.scoring.formats.base import STEP_SPLIT, EncodedPath, StepTagFormat, TagModel
from hrmsearch.scoring.hf_scorer import capped_batch_tokens
from hrmsearch.scoring.windows import Window


@dataclass(frozen=True)
class Pass:
    """One forward pass: its encoded input and which steps of which path it scores."""

    encoded: EncodedPath
    path: tuple[str, tuple[str, ...]]
    steps: tuple[int, ...]  # step indices of ``path`` read at ``encoded.positions[-len(steps):]``
    cut: bool


def window_path(window: Window) -> tuple[str, tuple[str, ...]]:
    """The path whose last step's score is ``window``'s score."""
    if window.kind == "outcome":
        return window.question, tuple(window.current.split(STEP_SPLIT))
    return window.question, (*window.previous, window.current)


def carrier_paths(paths: list[tuple[str, tuple[str, ...]]]) -> dict[tuple[str, tuple[str, ...]], tuple]:
    """Each path -> the longest requested path it is a prefix of (itself when none)."""
    carrier: dict[tuple[str, tuple[str, ...]], tuple] = {}
    for question, steps in sorted(set(paths), key=lambda path: -len(path[1])):
        if (question, steps) in carrier:
            continue
        for length in range(1, len(steps) + 1):
            carrier.setdefault((question, steps[:length]), (question, steps))
    return {path: carrier[path] for path in paths}


class StepTagScorer(CachedScorer):
    """A :class:`~hrmsearch.scoring.base.Scorer` for a step-tag format on a loaded :class:`TagModel`."""

    def __init__(self, reward_format: StepTagFormat, model: TagModel, name: str, batch_tokens: int = 8192):
        # the format's context, or the model's own when it says it is shorter (a server's max_model_len)
        limit = min(reward_format.context_limit, getattr(model, "max_length", None) or reward_format.context_limit)
        super().__init__(name, limit, batch_tokens)
        self.format = reward_format
        self.model = model
        self.cut_windows: set[Window] = set()  # windows whose score was read with the oldest steps cut
        self.tokenizer = model.tokenizer
        self.head = reward_format.name

    def close(self) -> None:
        self.model.close()

    def _score_fresh(self, windows: list[Window]) -> None:
        wanted = {window: window_path(window) for window in windows}
        carriers = carrier_paths(list(wanted.values()))
        step_scores, cut_steps = self.score_paths(sorted(set(carriers.values()), key=lambda path: (path[0], path[1])))
        for window, path in wanted.items():
            self.cache[window] = step_scores[carriers[path]][len(path[1]) - 1]
            if len(path[1]) - 1 in cut_steps[carriers[path]]:
                self.cut_windows.add(window)
        for (question, steps), scores in step_scores.items():
            for index, value in enumerate(scores):
                fine = Window(question=question, previous=steps[:index], current=steps[index])
                self.cache.setdefault(fine, value)
                if index in cut_steps[(question, steps)]:
                    self.cut_windows.add(fine)
        self.stats.windows_scored += len(windows)

    def score_paths(self, paths: list[tuple[str, tuple[str, ...]]]) -> tuple[dict[tuple, list[float]], dict]:
        """Every step's score of every path, in as few passes as the context limit allows,
        and per path the steps read with cut context."""
        passes = [one_pass for path in paths for one_pass in self.plan(path)]
        scores: dict[tuple, list[float]] = {path: [0.0] * len(path[1]) for path in paths}
        cut_steps: dict[tuple, set[int]] = {path: set() for path in paths}
        budget = capped_batch_tokens(self.batch_tokens, getattr(self.model, "device", "cuda"))
        for batch in length_buckets([len(one_pass.encoded.ids) for one_pass in passes], budget):
            chosen = [passes[index] for index in batch]
            read = [one_pass.encoded.positions[-len(one_pass.steps):] for one_pass in chosen]
            outputs = self.model.tag_outputs([one_pass.encoded.ids for one_pass in chosen], read)
            self.stats.model_calls += 1
            for one_pass, output in zip(chosen, outputs, strict=True):
                values = self.format.read(np.asarray(output, dtype=np.float64))
                for step, value in zip(one_pass.steps, values, strict=True):
                    scores[one_pass.path][step] = float(value)
                if one_pass.cut:
                    self.stats.context_cuts += len(one_pass.steps)
                    cut_steps[one_pass.path].update(one_pass.steps)
        return scores, cut_steps

    def plan(self, path: tuple[str, tuple[str, ...]]) -> list[Pass]:
        """The passes that score ``path``: one when it fits the context limit, more when it does not."""
        question, steps = path
        encoded = self.encode_steps(question, steps)
        if len(encoded.ids) <= self.max_length:
            return [Pass(encoded, path, tuple(range(len(steps))), cut=False)]
        fitting = self._longest_fitting_prefix(question, steps)
        passes = []
        if fitting:
            passes.append(Pass(self.encode_steps(question, steps[:fitting]), path, tuple(range(fitting)), False))
        for index in range(fitting, len(steps)):
            passes.append(Pass(self._cut_to_fit(question, steps, index), path, (index,), cut=True))
        return passes

    def encode_steps(self, question: str, steps: tuple[str, ...]) -> EncodedPath:
        encoded = self.format.encode(self.tokenizer, question, steps)
        if len(encoded.positions) != len(steps):
            raise ValueError(f"{self.format.name} encoding read {len(encoded.positions)} positions "
                             f"for {len(steps)} steps (does a step contain the step tag?)")
        return encoded

    def _longest_fitting_prefix(self, question: str, steps: tuple[str, ...]) -> int:
        low, high = 0, len(steps) - 1  # invariant: steps[:low] fits (or low == 0), steps[:high + 1] does not
        while low < high:
            middle = (low + high + 1) // 2
            if len(self.encode_steps(question, steps[:middle]).ids) <= self.max_length:
                low = middle
            else:
                high = middle - 1
        return low

    def _cut_to_fit(self, question: str, steps: tuple[str, ...], index: int) -> EncodedPath:
        """Step ``index`` with the fewest oldest steps dropped to fit; the step alone when nothing fits."""
        low, high = 0, index  # invariant: steps[high:index + 1] fits, or high == index
        while low < high:
            middle = (low + high) // 2
            if len(self.encode_steps(question, steps[middle:index + 1]).ids) <= self.max_length:
                high = middle
            else:
                low = middle + 1
        return self.encode_steps(question, steps[high:index + 1])
