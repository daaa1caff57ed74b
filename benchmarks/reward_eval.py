"""The reward-model evaluation: ``hrmsearch bench-rm`` judges a scorer on human-labelled PRM800K steps.

The labelled steps come from the PRM800K sample builder
(``scoring.prm800k``: the paper's rules, prefix = chosen completions). Each rated
completion (+1 -> 1, -1 -> 0) gets the node score the search would give it: its
fine window, combined with its coarse window (previous step + candidate) per
``RewardConfig.combine``. Reported:

- ``step_accuracy``: share of steps whose score is on the label's side of ``threshold``;
- ``auc``: probability that a +1 step outscores a -1 step (ties count one half), over all steps;
- ``rerank_accuracy``: the same probability, but only over (+1, -1) pairs of completions
  of the same step of the same record (same prefix): how often the model prefers the
  good continuation where it actually has to choose. For tree samples
  (``siblings=True``) the pairs are sibling nodes: same question, same previous steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from tqdm import tqdm

from hrmsearch.scoring.aggregate import combine, needs_coarse
from hrmsearch.training.prm800k import iter_file_samples
from hrmsearch.training.samples import RewardSample

StepKey = tuple[str, int, int]  # (record source, step index, completion index)


class RewardEvalReport(BaseModel):
    """What ``bench-rm`` prints (the last line is this as JSON)."""

    data: str
    scorer: str
    combine: str
    steps: int
    positives: int
    negatives: int
    windows_scored: int
    threshold: float
    step_accuracy: float
    auc: float | None
    rerank_pairs: int
    rerank_positions: int
    rerank_accuracy: float | None


def mann_whitney_auc(positive: np.ndarray, negative: np.ndarray) -> float | None:
    """P(score of a positive > score of a negative) + half the ties; None without both classes."""
    if not len(positive) or not len(negative):
        return None
    scores = np.concatenate([positive, negative])
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = ((ends - counts + 1 + ends) / 2)[inverse]  # tied scores share their average rank
    positive_rank_sum = ranks[: len(positive)].sum()
    wins = positive_rank_sum - len(positive) * (len(positive) + 1) / 2
    return float(wins / (len(positive) * len(negative)))


def score_windows(scorer: Any, samples: list[RewardSample], batch: int, progress: bool) -> np.ndarray:
    """The scorer's score of every sample's window, in batches."""
    scores: list[float] = []
    for start in tqdm(range(0, len(samples), batch), desc="bench-rm", disable=not progress):
        windows = [sample.window() for sample in samples[start : start + batch]]
        scores.extend(float(value) for value in scorer.score(windows))
    return np.asarray(scores, dtype=np.float64)


def node_scores(samples: list[RewardSample], scores: np.ndarray, rule: str) -> dict[StepKey, tuple[float, float]]:
    """(combined node score, label) per rated completion, from its fine and coarse window scores."""
    fine: dict[StepKey, tuple[float, float]] = {}
    coarse: dict[StepKey, float] = {}
    for sample, score in zip(samples, scores, strict=True):
        key = (sample.source, sample.step, sample.completion)
        if sample.kind == "coarse":
            coarse[key] = float(score)
        else:
            fine[key] = (float(score), sample.label)
    return {key: (combine(value, coarse.get(key), rule), label) for key, (value, label) in fine.items()}


def rerank(
    nodes: dict[StepKey, tuple[float, float]], positions: dict[StepKey, Any] | None = None
) -> tuple[float | None, int, int]:
    """(share of same-position (+1, -1) pairs won by the +1 step, pairs, positions with a pair);
    a node's position is ``positions[key]``, by default its (record, step)."""
    by_position: dict[Any, list[tuple[float, float]]] = defaultdict(list)
    for key, value in nodes.items():
        by_position[positions[key] if positions is not None else key[:2]].append(value)
    wins = pairs = positions = 0.0
    for values in by_position.values():
        good = [score for score, label in values if label == 1.0]
        bad = [score for score, label in values if label == 0.0]
        if good and bad:
            positions += 1
            pairs += len(good) * len(bad)
            wins += sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
    return (wins / pairs if pairs else None), int(pairs), int(positions)


def evaluate(
    scorer: Any,
    samples: Iterable[RewardSample],
    data: str,
    rule: str = "fine",
    threshold: float = 0.5,
    batch: int = 256,
    progress: bool = False,
    siblings: bool = False,
) -> RewardEvalReport:
    """Score ``samples`` (fine, plus coarse when ``rule`` uses them) and report the three metrics."""
    samples = [s for s in samples if s.kind == "fine" or needs_coarse(rule)]
    nodes = node_scores(samples, score_windows(scorer, samples, batch, progress), rule)
    positions = {(s.source, s.step, s.completion): (s.question, tuple(s.previous))
                 for s in samples if s.kind == "fine"} if siblings else None
    values = np.array([score for score, _ in nodes.values()])
    labels = np.array([label for _, label in nodes.values()])
    rerank_accuracy, pairs, rerank_positions = rerank(nodes, positions)
    return RewardEvalReport(
        data=data,
        scorer=getattr(scorer, "name", type(scorer).__name__),
        combine=rule,
        steps=len(nodes),
        positives=int((labels == 1.0).sum()),
        negatives=int((labels == 0.0).sum()),
        windows_scored=len(samples),
        threshold=threshold,
        step_accuracy=float(((values >= threshold) == (labels == 1.0)).mean()) if len(nodes) else 0.0,
        auc=mann_whitney_auc(values[labels == 1.0], values[labels == 0.0]),
        rerank_pairs=pairs,
        rerank_positions=rerank_positions,
        rerank_accuracy=rerank_accuracy,
    )


def prm800k_samples(path: str | Path, rule: str) -> list[RewardSample]:
    """Labelled fine (and, for a combine rule that needs them, coarse) samples of a PRM800K file."""
    return list(iter_file_samples(path, hrm=needs_coarse(rule)))


def report_text(report: RewardEvalReport) -> str:
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    return "\n".join([
        f"reward model {report.scorer} on {report.data} (combine {report.combine})",
        f"  steps: {report.steps} ({report.positives} rated +1, {report.negatives} rated -1), "
        f"{report.windows_scored} windows scored",
        f"  step accuracy @ {report.threshold}: {show(report.step_accuracy)}",
        f"  AUC: {show(report.auc)}",
        f"  rerank accuracy: {show(report.rerank_accuracy)} over {report.rerank_pairs} (+1, -1) pairs "
        f"at {report.rerank_positions} positions",
    ])
