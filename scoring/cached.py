"""Shared scorer machinery: score cache, counters, head rule, length buckets.

Both backends (transformers, vLLM) subclass :class:`CachedScorer` and only say how
a batch of token-id lists becomes head logits.

Head rule (how logits become a score in [0, 1] or a regression value):

- 2 labels: softmax, P(label 1) (the paper's PRM800K models).
- 1 output, ``config.problem_type == "multi_label_classification"``: sigmoid of the
  logit. That is what Hugging Face trains with ``BCEWithLogitsLoss``, and what
  ``hrmsearch train`` writes for soft labels.
- 1 output, any other ``problem_type`` (``"regression"`` or unset: the paper's
  self-training models, trained with MSE): the raw value, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from pydantic import BaseModel

from hrmsearch.errors import HrmError
from hrmsearch.scoring.prompt import encode_window
from hrmsearch.scoring.windows import Window

HEADS = ("softmax2", "sigmoid", "identity")


class ScorerStats(BaseModel):
    """What a scorer has done: windows asked for, cache hits, windows run, forward passes, steps read with cut context."""

    windows_requested: int = 0
    cache_hits: int = 0
    windows_scored: int = 0
    model_calls: int = 0
    context_cuts: int = 0


def head_kind(num_labels: int, problem_type: str | None) -> str:
    """Which rule turns this head's logits into a score (see the module docstring)."""
    if num_labels == 2:
        return "softmax2"
    if num_labels == 1:
        return "sigmoid" if problem_type == "multi_label_classification" else "identity"
    raise HrmError(f"reward model has {num_labels} labels: expected a 1-output or 2-label head")


def logits_to_scores(logits: np.ndarray, head: str) -> np.ndarray:
    """Scores from a ``(batch, num_labels)`` logits array under rule ``head``."""
    logits = np.asarray(logits, dtype=np.float64)
    if head == "softmax2":
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        return exp[:, 1] / exp.sum(axis=1)
    if head == "sigmoid":
        return 1.0 / (1.0 + np.exp(-logits[:, 0]))
    return logits[:, 0].copy()


def length_buckets(lengths: Sequence[int], batch_tokens: int) -> Iterator[list[int]]:
    """Indices grouped longest-first so each batch's ``rows * longest`` stays within ``batch_tokens``.

    A single window longer than the budget gets a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    batch: list[int] = []
    for index in order:
        longest = lengths[batch[0]] if batch else lengths[index]
        if batch and (len(batch) + 1) * longest > batch_tokens:
            yield batch
            batch = []
        batch.append(index)
    if batch:
        yield batch


class CachedScorer:
    """Scores windows once each: cached by window, fitted to ``max_length``, run in length buckets."""

    name: str
    head: str
    tokenizer: object

    def __init__(self, name: str, max_length: int, batch_tokens: int):
        self.name = name
        self.max_length = max_length
        self.batch_tokens = batch_tokens
        self.cache: dict[Window, float] = {}
        self.stats = ScorerStats()

    def score(self, windows: list[Window]) -> np.ndarray:
        """Scores in window order; only windows never seen before reach the model."""
        self.stats.windows_requested += len(windows)
        fresh = list(dict.fromkeys(w for w in windows if w not in self.cache))
        self.stats.cache_hits += len(windows) - len(fresh)
        if fresh:
            self._score_fresh(fresh)
        return np.array([self.cache[w] for w in windows], dtype=np.float64)

    def encode(self, window: Window) -> list[int]:
        return encode_window(window, self.tokenizer, self.max_length)

    def clear_cache(self) -> None:
        self.cache.clear()

    def close(self) -> None:
        """Release backend resources (a no-op unless the backend holds processes)."""

    def _score_fresh(self, windows: list[Window]) -> None:
        token_ids = [self.encode(w) for w in windows]
        scores = self.score_token_ids(token_ids)
        self.stats.windows_scored += len(windows)
        for window, value in zip(windows, scores, strict=True):
            self.cache[window] = float(value)

    def score_token_ids(self, token_ids: list[list[int]]) -> np.ndarray:
        """Scores of already-encoded prompts (no cache); subclasses batch as they like."""
        raise NotImplementedError
