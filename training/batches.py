"""The reward trainer's batches and losses: encoded samples, length or whole-question batches, the loss.

- ``Encoded``: token ids (and, for the step-likelihood kind, where the judged text
  starts), labels, and the ranking group of each sample (its question, or its
  question and previous steps for ``--pair-scope siblings``).
- Batches: length buckets under a token budget, or whole groups packed together
  when the ranking loss needs pairs in one batch; seeded per epoch so a resume
  replays the same order.
- Loss: CE for a 2-label classifier, BCE-with-logits on soft targets for a
  1-output classifier or the step-likelihood kind, plus ``pairwise`` x a
  Bradley-Terry ranking loss over better/worse pairs of one group.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from pydantic import BaseModel, Field

from hrmsearch.scoring.cached import length_buckets
from hrmsearch.scoring.likelihood import EncodedWindow, StepLikelihoodModel, encode_likelihood_window
from hrmsearch.scoring.prompt import encode_window
from hrmsearch.torch_utils import pad_batch
from hrmsearch.training.samples import RewardSample


class Encoded(BaseModel):
    """Token ids and labels of one split."""

    ids: list[list[int]]
    starts: list[int] = Field(default_factory=list, description="likelihood kind: where the current text starts")
    labels: list[float]
    groups: list[int] = Field(default_factory=list, description="ranking group of each sample")


def encode_samples(
    samples: list[RewardSample], tokenizer, max_length: int, likelihood: bool = False, siblings: bool = False
) -> Encoded:
    """Token ids, labels and ranking groups (per question, or per (question, previous steps) for siblings)."""
    group_index: dict[tuple, int] = {}
    if likelihood:
        encoded = [encode_likelihood_window(s.window(), tokenizer, max_length) for s in samples]
        ids, starts = [e.ids for e in encoded], [e.start for e in encoded]
    else:
        ids, starts = [encode_window(s.window(), tokenizer, max_length) for s in samples], []
    return Encoded(
        ids=ids,
        starts=starts,
        labels=[s.label for s in samples],
        groups=[group_index.setdefault((s.question, tuple(s.previous)) if siblings else (s.question,),
                                       len(group_index)) for s in samples],
    )


def batch_loss(
    model, rows: list[list[int]], labels: list[float], pad_id: int, device: str,
    groups: list[int] | None = None, pairwise: float = 0.0, starts: list[int] | None = None,
) -> torch.Tensor:
    """Mean loss of one batch: CE for a 2-label head, BCE-with-logits on soft targets for 1 output
    or the likelihood kind, plus ``pairwise`` x the within-question ranking loss when ``groups`` are given."""
    targets = torch.tensor(labels, dtype=torch.float32, device=device)
    if isinstance(model, StepLikelihoodModel):
        windows = [EncodedWindow(ids=ids, start=start) for ids, start in zip(rows, starts, strict=True)]
        margin = model.logits(windows, pad_id, device)
        loss = F.binary_cross_entropy_with_logits(margin, targets)
    else:
        loss, margin = classifier_loss(model, rows, targets, pad_id, device)
    if pairwise and groups is not None:
        loss = loss + pairwise * ranking_loss(margin, targets, torch.tensor(groups, device=device))
    return loss


def classifier_loss(model, rows: list[list[int]], targets: torch.Tensor, pad_id: int, device: str):
    """``(loss, margin)`` of a sequence classifier: CE for 2 labels, BCE on soft targets for 1 output."""
    input_ids, attention_mask = pad_batch(rows, pad_id, "right")
    logits = model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)).logits.float()
    if model.config.num_labels == 2:
        return F.cross_entropy(logits, targets.long()), logits[:, 1] - logits[:, 0]
    return F.binary_cross_entropy_with_logits(logits[:, 0], targets), logits[:, 0]


def ranking_loss(margin: torch.Tensor, targets: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Bradley-Terry loss over pairs (i, j) of one question with label_i > label_j: softplus(z_j - z_i)."""
    better = (targets[:, None] > targets[None, :]) & (groups[:, None] == groups[None, :])
    if not bool(better.any()):
        return margin.sum() * 0.0
    return F.softplus(margin[None, :] - margin[:, None])[better].mean()


def data_loss(model, data: Encoded, batch: list[int], pad_id: int, device: str, pairwise: float) -> torch.Tensor:
    """:func:`batch_loss` of the samples ``batch`` indexes in ``data``."""
    return batch_loss(
        model, [data.ids[i] for i in batch], [data.labels[i] for i in batch], pad_id, device,
        [data.groups[i] for i in batch], pairwise, [data.starts[i] for i in batch] if data.starts else None,
    )


@torch.no_grad()
def eval_loss(model, data: Encoded, batch_tokens: int, pad_id: int, device: str, pairwise: float = 0.0) -> float:
    """Mean per-sample loss over the eval split (with the ranking term, over whole questions, when ``pairwise``)."""
    model.eval()
    total = 0.0
    for batch in make_batches(data, batch_tokens, random.Random(0), by_question=bool(pairwise)):
        total += data_loss(model, data, batch, pad_id, device, pairwise).item() * len(batch)
    model.train()
    return total / len(data.ids)


def make_batches(data: Encoded, batch_tokens: int, rng: random.Random, by_question: bool) -> list[list[int]]:
    """Length buckets, or whole-question batches (``rng`` orders the questions)."""
    if by_question:
        return question_batches(data, batch_tokens, rng)
    return list(length_buckets([len(ids) for ids in data.ids], batch_tokens))


def epoch_batches(data: Encoded, batch_tokens: int, seed: int, epoch: int, by_question: bool = False) -> list[list[int]]:
    """The batches of one epoch in a seeded order that depends only on (seed, epoch), so a resume replays it."""
    rng = random.Random(seed * 1_000_003 + epoch)
    batches = make_batches(data, batch_tokens, rng, by_question)
    rng.shuffle(batches)
    return batches


def question_batches(data: Encoded, batch_tokens: int, rng: random.Random) -> list[list[int]]:
    """Questions in a seeded order packed whole into batches under ``batch_tokens`` (padded size);
    a question too big for one batch is cut into chunks."""
    by_question: dict[int, list[int]] = {}
    for index, group in enumerate(data.groups):
        by_question.setdefault(group, []).append(index)
    order = list(by_question.values())
    rng.shuffle(order)
    batches, batch, longest = [], [], 0
    for indices in order:
        for index in indices:
            longest_after = max(longest, len(data.ids[index]))
            if batch and (len(batch) + 1) * longest_after > batch_tokens:
                batches.append(batch)
                batch, longest_after = [], len(data.ids[index])
            batch.append(index)
            longest = longest_after
    if batch:
        batches.append(batch)
    return batches
