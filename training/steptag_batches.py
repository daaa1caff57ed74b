"""The step-tag trainer's rows, batches and loss: every labelled step of a path in one forward pass.

- Rows: each :class:`~hrmsearch.training.steptag_paths.LabelledPath` encoded by the
  reward format (``format.encode``: the same ids and tag positions the scorer reads),
  planned exactly as the scorer plans inference passes
  (:meth:`~hrmsearch.scoring.formats.steptag_scorer.StepTagScorer.plan`): one row when
  the path fits ``max_length``; over it, the longest fitting prefix as one row and
  each later step in a row of its own with the oldest steps cut. A row keeps the tag
  positions of its labelled steps, their soft targets and weights.
- Batches: length buckets under a token budget (rows x longest), shuffled in an
  order seeded by (seed, epoch), so a resumed run replays the same epoch.
- Loss: the 2-class head at the tag positions, cross-entropy against the soft target
  ``(1 - label, label)`` (BCE on softmax index 1, the label never rounded), the
  weighted mean over the labelled steps of the batch. The head runs only at the tags.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from pydantic import BaseModel, Field

from hrmsearch.scoring.cached import length_buckets
from hrmsearch.scoring.formats.base import StepTagFormat
from hrmsearch.scoring.formats.steptag_scorer import StepTagScorer
from hrmsearch.torch_utils import pad_batch
from hrmsearch.training.steptag_paths import LabelledPath


class PathRows(BaseModel):
    """The encoded rows of one split: ids, and per row the labelled tag positions, targets and weights."""

    ids: list[list[int]] = Field(default_factory=list)
    positions: list[list[int]] = Field(default_factory=list)
    targets: list[list[float]] = Field(default_factory=list)
    weights: list[list[float]] = Field(default_factory=list)

    def add(self, ids, positions, targets, weights) -> None:
        self.ids.append(list(ids))
        self.positions.append(list(positions))
        self.targets.append(list(targets))
        self.weights.append(list(weights))

    @property
    def labelled_steps(self) -> int:
        return sum(len(positions) for positions in self.positions)


class _TokenizerOnly:
    """What :class:`StepTagScorer` needs to plan passes: a tokenizer, no network."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def close(self) -> None:
        """Nothing to release."""


def encode_paths(paths: list[LabelledPath], reward_format: StepTagFormat, tokenizer, max_length: int) -> PathRows:
    """The rows of ``paths`` (see the module docstring); rows without a labelled step are dropped."""
    planner = StepTagScorer(reward_format, _TokenizerOnly(tokenizer), reward_format.name)
    planner.max_length = max_length
    rows = PathRows()
    for path in paths:
        for one_pass in planner.plan((path.question, path.steps)):
            read = one_pass.encoded.positions[-len(one_pass.steps):]
            chosen = [(position, step) for position, step in zip(read, one_pass.steps, strict=True)
                      if path.labels[step] is not None]
            if chosen:
                rows.add(one_pass.encoded.ids, [position for position, _ in chosen],
                         [path.labels[step] for _, step in chosen], [float(path.weights[step]) for _, step in chosen])
    return rows


def epoch_batches(rows: PathRows, batch_tokens: int, seed: int, epoch: int) -> list[list[int]]:
    """Length buckets of ``rows`` in an order that depends only on (seed, epoch)."""
    batches = list(length_buckets([len(ids) for ids in rows.ids], batch_tokens))
    random.Random(seed * 1_000_003 + epoch).shuffle(batches)
    return batches


def tag_logits(module, rows: PathRows, batch: list[int], pad_id: int, device: str) -> torch.Tensor:
    """The head's 2-class logits ``(labelled steps, 2)`` at the batch's labelled tags, in row order."""
    input_ids, _ = pad_batch([rows.ids[index] for index in batch], pad_id, "right")
    hidden = module.model(input_ids=input_ids.to(device)).last_hidden_state
    row_index = [slot for slot, index in enumerate(batch) for _ in rows.positions[index]]
    positions = [position for index in batch for position in rows.positions[index]]
    picked = hidden[torch.tensor(row_index, device=device), torch.tensor(positions, device=device)]
    return module.score(picked).float()


def soft_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-step cross-entropy of 2-class ``logits`` against the soft targets ``(1 - label, label)``."""
    return F.cross_entropy(logits, torch.stack([1.0 - labels, labels], dim=1), reduction="none")


def batch_loss(module, rows: PathRows, batch: list[int], pad_id: int, device: str) -> tuple[torch.Tensor, float]:
    """``(weighted mean loss over the batch's labelled steps, their total weight)``."""
    logits = tag_logits(module, rows, batch, pad_id, device)
    labels = torch.tensor([t for index in batch for t in rows.targets[index]], dtype=torch.float32, device=device)
    weights = torch.tensor([w for index in batch for w in rows.weights[index]], dtype=torch.float32, device=device)
    total = float(weights.sum())
    return (soft_cross_entropy(logits, labels) * weights).sum() / total, total


@torch.no_grad()
def eval_loss(module, rows: PathRows, batch_tokens: int, pad_id: int, device: str) -> float:
    """Weighted mean loss per labelled step over the eval rows."""
    was_training = module.training
    module.eval()
    loss_sum, weight_sum = 0.0, 0.0
    for batch in length_buckets([len(ids) for ids in rows.ids], batch_tokens):
        loss, weight = batch_loss(module, rows, batch, pad_id, device)
        loss_sum, weight_sum = loss_sum + loss.item() * weight, weight_sum + weight
    module.train(was_training)
    return loss_sum / weight_sum
