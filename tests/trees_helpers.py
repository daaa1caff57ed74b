"""Hand-built trees for the tree, HNC and samples tests."""

from __future__ import annotations

from hrmsearch.training.labels import relabel
from hrmsearch.training.tree_records import TreeNode, TreeRecord


def build_tree(parents: list[int | None], correct_leaves: set[int], problem_id: str = "p0") -> TreeRecord:
    """A labelled tree: node i's parent is ``parents[i]``; leaves in ``correct_leaves`` are right."""
    has_kids = {p for p in parents if p is not None}
    depths = [0] * len(parents)
    nodes = []
    for node, parent in enumerate(parents):
        if parent is not None:
            depths[node] = depths[parent] + 1
        leaf = node not in has_kids and parent is not None
        nodes.append(
            TreeNode(
                id=node, parent=parent, step=f"s{node}" if node else "", depth=depths[node],
                rollouts=(int(node in correct_leaves), 1) if leaf else (0, 0),
                terminal=leaf, correct=(node in correct_leaves) if leaf else None,
            )
        )
    return relabel(TreeRecord(problem_id=problem_id, question=f"question {problem_id}", answer="1", nodes=nodes))


def brute_force_label(tree: TreeRecord, node: int) -> float:
    """Correct leaves / leaves under ``node``, by explicit recursion."""
    kids = tree.children()

    def leaves(n: int) -> list[int]:
        return [n] if not kids[n] else [leaf for kid in kids[n] for leaf in leaves(kid)]

    under = leaves(node)
    return sum(bool(tree.nodes[leaf].correct) for leaf in under) / len(under)
