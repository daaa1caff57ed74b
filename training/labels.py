"""Node labels: the fraction of correct outcomes in a node's subtree, stored as counts too.

bfs: a node's label is (correct leaves) / (leaves) under it; a leaf that never
reached an answer (depth cap, empty step) counts as a wrong leaf, as in the
paper's trees. mcts: (correct rollouts) / (rollouts) through the node. Both are one rule: sum each node's own ``rollouts`` over its subtree.

Parents always have smaller ids than their children, so one reverse sweep over
the parent array sums every subtree (no recursion, no per-node objects).
"""

from __future__ import annotations

from collections.abc import Sequence

from hrmsearch.training.tree_records import TreeNode, TreeRecord


def subtree_counts(
    parents: Sequence[int], own_correct: Sequence[int], own_total: Sequence[int]
) -> tuple[list[int], list[int]]:
    """(correct, total) summed over each node's subtree; ``parents[0]`` is ignored (root)."""
    correct = list(own_correct)
    total = list(own_total)
    for node in range(len(parents) - 1, 0, -1):
        parent = parents[node]
        correct[parent] += correct[node]
        total[parent] += total[node]
    return correct, total


def fraction(correct: int, total: int) -> float | None:
    return correct / total if total else None


def tree_counts(nodes: Sequence[TreeNode], parents: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
    """Subtree counts of ``nodes`` (optionally under a rewired parent array)."""
    if parents is None:
        parents = [node.parent or 0 for node in nodes]
    return subtree_counts(parents, [n.rollouts[0] for n in nodes], [n.rollouts[1] for n in nodes])


def relabel(tree: TreeRecord) -> TreeRecord:
    """``tree`` with every node's counts and label recomputed (unchanged nodes are shared)."""
    correct, total = tree_counts(tree.nodes)
    nodes = [set_counts(node, correct[node.id], total[node.id]) for node in tree.nodes]
    return tree.model_copy(update={"nodes": nodes})


def set_counts(node: TreeNode, correct: int, total: int, **changes) -> TreeNode:
    """``node`` with new counts (and any other ``changes``); the same object when nothing differs."""
    if node.counts == (correct, total) and not changes:
        return node
    return node.model_copy(update={"counts": (correct, total), "label": fraction(correct, total), **changes})
