"""Hierarchical Node Compression (HNC): the paper's ``split_node`` as a seeded tree rewrite.

Rule (measured from the paper's ``self-training/construct_hrm_train_data.py``):
walk the tree breadth-first in its original shape; at each node X that is not the
root, was not itself moved, and has at least ``min_children`` children, visit the
children in order and move each with probability ``move_prob``, stopping at the
first move (so child i moves with probability ``move_prob * (1 - move_prob)**i``).
A moved child C becomes one node under X's parent whose step is X's step and C's
step joined by the delimiter (``merged_from = [X, C]``, depth = X's depth); C
keeps its subtree, whose nodes keep their depths (their step paths are unchanged
text). Labels are recomputed: X loses C's leaves, nothing else changes. Random
draws are made only where the rule allows a move, from a per-tree generator
seeded by ``(seed, problem_id)``, so results do not depend on file order.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from hrmsearch.training.labels import set_counts, tree_counts
from hrmsearch.training.tree_records import HncInfo, TreeRecord


@dataclass(frozen=True)
class HncParams:
    min_children: int = 4
    move_prob: float = 0.5
    delimiter: str = "\n\n"


class HncReport(BaseModel):
    """What an HNC pass did."""

    trees: int = 0
    nodes: int = 0
    merged: int = 0
    labels_changed: int = 0
    mean_abs_label_change: float = 0.0
    mean_abs_label_change_of_changed: float = 0.0
    seconds: float = 0.0


def tree_rng(seed: int, problem_id: str) -> random.Random:
    return random.Random(f"hnc/{seed}/{problem_id}")


def plan_moves(kids: list[list[int]], rng: random.Random, params: HncParams) -> list[tuple[int, int]]:
    """(X, C) pairs to merge, drawn in the paper's breadth-first order."""
    moved = bytearray(len(kids))
    moves: list[tuple[int, int]] = []
    queue = deque(kids[0])
    while queue:
        node = queue.popleft()
        children = kids[node]
        queue.extend(children)
        if moved[node] or len(children) < params.min_children:
            continue
        for child in children:
            if rng.random() < params.move_prob:
                moved[child] = 1
                moves.append((node, child))
                break
    return moves


def compress(tree: TreeRecord, seed: int, params: HncParams = HncParams()) -> tuple[TreeRecord, list[tuple[int, int]]]:
    """``tree`` after HNC, and the (X, C) merges made."""
    moves = plan_moves(tree.children(), tree_rng(seed, tree.problem_id), params)
    nodes = tree.nodes
    parents = [node.parent or 0 for node in nodes]
    for x, c in moves:
        parents[c] = parents[x]
    correct, total = tree_counts(nodes, parents)
    new_nodes = list(nodes)
    for node in changed_counts(nodes, correct, total):
        new_nodes[node] = set_counts(nodes[node], correct[node], total[node])
    for x, c in moves:
        merged = nodes[x].step + params.delimiter + nodes[c].step
        new_nodes[c] = set_counts(
            nodes[c], correct[c], total[c],
            parent=parents[c], step=merged, depth=nodes[x].depth, merged_from=[x, c],
        )
    info = HncInfo(seed=seed, min_children=params.min_children, move_prob=params.move_prob, moved=len(moves))
    return tree.model_copy(update={"nodes": new_nodes, "hnc": info}), moves


def changed_counts(nodes: list, correct: list[int], total: list[int]) -> list[int]:
    """Ids of the nodes whose stored counts differ from (correct, total)."""
    return [
        node.id
        for node, right, seen in zip(nodes, correct, total, strict=True)
        if node.counts[0] != right or node.counts[1] != seen
    ]


def label_changes(before: TreeRecord, after: TreeRecord) -> tuple[list[float], int]:
    """|label change| of the nodes whose label changed, and how many non-root nodes carry a label."""
    changes = [
        abs(new.label - old.label)
        for old, new in zip(before.nodes, after.nodes, strict=True)
        if old is not new and old.label is not None and new.label is not None and old.label != new.label
    ]
    return changes, sum(1 for node in before.nodes[1:] if node.label is not None)


def compress_all(
    trees: Iterable[TreeRecord], seed: int, params: HncParams = HncParams(), report: HncReport | None = None
) -> Iterator[TreeRecord]:
    """HNC every tree, accumulating counts into ``report``."""
    report = report if report is not None else HncReport()
    total_change = 0.0
    compared = 0
    for tree in trees:
        compressed, moves = compress(tree, seed, params)
        changes, labelled = label_changes(tree, compressed)
        report.trees += 1
        report.nodes += len(tree.nodes)
        report.merged += len(moves)
        report.labels_changed += len(changes)
        total_change += sum(changes)
        compared += labelled
        report.mean_abs_label_change = total_change / max(1, compared)
        report.mean_abs_label_change_of_changed = total_change / max(1, report.labels_changed)
        yield compressed
