"""The contract every reward-model format implements, and the shared step-tag pieces.

A *format* says how one family of reward checkpoints is detected, loaded and read.
Two kinds exist:

- :class:`RewardFormat`: the minimal contract (``name``, ``backends``, ``detect``,
  ``load_scorer``). The paper's sequence classifiers (``classifier``) and the
  shipped step-likelihood models (``likelihood``) implement only this: they wrap
  their existing scorers unchanged.
- :class:`StepTagFormat`: a format that scores every step of a path in ONE forward
  pass, reading the model's output at one position per step (``<extra_0>`` for
  Qwen2.5-Math-PRM, ``ки`` for Math-Shepherd, ``"\\n"`` for Skywork, the token before
  each assistant ``+`` for RLHFlow). A step-tag format supplies three things:

  1. ``encode(tokenizer, question, steps) -> EncodedPath``: the path's token ids and,
     for every step i, the position whose output scores step i. Positions must be
     strictly increasing and step i's position must not depend on steps after i
     (causal models: the prefix path's scores are read off the longer path's pass).
  2. ``load_model(path, config) -> TagModel``: the network (transformers or vLLM) that
     returns the raw head outputs at given positions, shape ``(steps, k)``. On
     transformers, wrap an ``nn.Module`` mapping ``input_ids (B, T) -> (B, T, k)`` in
     :class:`~hrmsearch.scoring.formats.torch_tags.TorchTagModel`.
  3. ``read(outputs) -> scores``: the activation turning those ``(steps, k)`` raw
     outputs into ``steps`` scores (softmax index 1, sigmoid, softmax over ``+``/``-``).

  The shared :class:`~hrmsearch.scoring.formats.steptag_scorer.StepTagScorer` does
  the rest: windows grouped by path (one pass per path, scores cached per window),
  coarse windows as the same path with steps i-1 and i merged under one tag (their
  text joined by ``"\\n\\n"``), and the context limit (oldest steps cut, never the
  current one, each cut counted in ``stats.context_cuts``).

Detection (``detect(evidence)``) sees a :class:`FormatEvidence`: the folder's
``config.json`` (``None`` for a Hub id not on disk), its tokenizer's special tokens,
whether it has a ``reward_head.json``, and the id/path string itself (Hub id prefixes).
The registry (:mod:`hrmsearch.scoring.formats`) asks each format in order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

if TYPE_CHECKING:
    from hrmsearch.config import RewardConfig
    from hrmsearch.scoring.base import Scorer

STEP_SPLIT = "\n\n"  # how a policy's solution text is split into steps, and how merged steps are joined


class FormatEvidence(BaseModel):
    """What detection may look at for one ``--reward`` value."""

    model_config = ConfigDict(frozen=True)

    name: str  # the path or Hub id as given
    config: dict | None = None  # the parsed config.json, None when not on disk
    special_tokens: frozenset[str] = frozenset()  # added/special tokens of the tokenizer files
    has_reward_head: bool = False  # a reward_head.json beside config.json

    @property
    def architectures(self) -> tuple[str, ...]:
        return tuple((self.config or {}).get("architectures") or ())


class EncodedPath(BaseModel):
    """A path's token ids and, for each step, the position whose output scores it."""

    model_config = ConfigDict(frozen=True)

    ids: tuple[int, ...]
    positions: tuple[int, ...]

    @model_validator(mode="after")
    def _positions_inside(self) -> EncodedPath:
        if any(b <= a for a, b in zip(self.positions, self.positions[1:], strict=False)):
            raise ValueError(f"step positions must increase, got {self.positions}")
        if self.positions and (self.positions[0] < 0 or self.positions[-1] >= len(self.ids)):
            raise ValueError("step positions must lie inside the token ids")
        return self


class TagModel(Protocol):
    """A loaded network that returns raw head outputs at chosen positions.

    It may also have ``max_length``: its own context in tokens, when shorter than the
    format's ``context_limit`` (a server's ``max_model_len``); the scorer then cuts to it.
    """

    tokenizer: object

    def tag_outputs(self, rows: list[tuple[int, ...]], positions: list[tuple[int, ...]]) -> list[np.ndarray]:
        """For each row, a float32 array ``(len(positions[r]), k)`` of raw head outputs there.

        The rows are one batch (the scorer has already cut batches to its token
        budget), so one call is one forward pass in the scorer's ``stats.model_calls``.
        """
        ...

    def close(self) -> None: ...


class RewardFormat(ABC):
    """One family of reward checkpoints: how to recognise it and how to load a scorer for it."""

    name: str = ""
    backends: tuple[str, ...] = ("transformers",)
    reads: str = ""  # one phrase for docs and errors: what score is read where

    @abstractmethod
    def detect(self, evidence: FormatEvidence) -> bool:
        """True when ``evidence`` clearly names a checkpoint of this format."""

    @abstractmethod
    def load_scorer(self, path: str, config: RewardConfig) -> Scorer:
        """A :class:`~hrmsearch.scoring.base.Scorer` for ``path`` on ``config.backend``."""


class StepTagFormat(RewardFormat):
    """A format scored one pass per path at one tag position per step (see the module docstring)."""

    context_limit: int = 4096  # longest input in tokens; older steps are cut to fit

    @abstractmethod
    def encode(self, tokenizer, question: str, steps: tuple[str, ...]) -> EncodedPath:
        """The path ``question`` + ``steps`` as token ids, with one read position per step."""

    @abstractmethod
    def read(self, outputs: np.ndarray) -> np.ndarray:
        """Scores ``(steps,)`` from the raw head outputs ``(steps, k)`` at the read positions."""

    @abstractmethod
    def load_model(self, path: str, config: RewardConfig) -> TagModel:
        """The network for ``path`` on ``config.backend`` (an HrmError for a bad checkpoint)."""

    def load_scorer(self, path: str, config: RewardConfig) -> Scorer:
        from hrmsearch.scoring.formats.steptag_scorer import StepTagScorer

        return StepTagScorer(self, self.load_model(path, config), path, batch_tokens=config.batch_tokens)
