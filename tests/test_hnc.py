"""Hierarchical Node Compression: exact moves on hand-built trees, and the 0.5^i move odds."""

from __future__ import annotations

import math

import pytest
from trees_helpers import brute_force_label, build_tree

from hrmsearch.training.hnc import HncParams, HncReport, compress, compress_all, plan_moves

#            0 (root: never X, even with 4 children)
#      1        2  3  4
#  5  6  7  8
#  9 10 11 12  (children of 5)
PARENTS = [None, 0, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5]


class ScriptedRng:
    def __init__(self, draws):
        self.draws = list(draws)
        self.used = 0

    def random(self):
        self.used += 1
        return self.draws.pop(0)


def test_rule_moves_first_success_per_node_and_skips_root():
    tree = build_tree(PARENTS, {6, 9})
    rng = ScriptedRng([0.7, 0.3, 0.9, 0.1])
    # X=1: child 5 stays (0.7), child 6 moves (0.3), stop. X=5 is eligible: 9 stays, 10 moves.
    assert plan_moves(tree.children(), rng, HncParams()) == [(1, 6), (5, 10)]
    assert rng.used == 4  # no draws for the root or for nodes with < 4 children


def test_a_moved_node_never_has_its_own_children_moved():
    tree = build_tree(PARENTS, {6, 9})
    rng = ScriptedRng([0.2, 0.0, 0.0])
    assert plan_moves(tree.children(), rng, HncParams()) == [(1, 5)]  # 5 moved, so 9..12 stay
    assert rng.used == 1


def test_compress_rewrites_the_tree_and_recomputes_labels():
    tree = build_tree(PARENTS, {6, 9, 10})
    assert tree.nodes[1].counts == (3, 7)
    compressed, moves = compress_with(tree, [0.9, 0.9, 0.4, 0.9, 0.9, 0.9, 0.9])
    assert moves == [(1, 7)]
    moved = compressed.nodes[7]
    assert (moved.parent, moved.step, moved.depth, moved.merged_from) == (0, "s1\n\ns7", 1, [1, 7])
    assert compressed.nodes[1].counts == (3, 6) and compressed.nodes[1].label == 0.5
    assert compressed.nodes[0].counts == tree.nodes[0].counts
    for node in compressed.nodes:
        assert node.label == pytest.approx(brute_force_label(compressed, node.id))
    changed = [n.id for n, m in zip(tree.nodes, compressed.nodes, strict=True) if n != m]
    assert changed == [1, 7]


def test_moved_child_keeps_its_subtree():
    tree = build_tree(PARENTS, {9})
    compressed, moves = compress_with(tree, [0.1])
    assert moves == [(1, 5)]
    assert [compressed.nodes[n].parent for n in (9, 10, 11, 12)] == [5, 5, 5, 5]
    assert [compressed.nodes[n].depth for n in (9, 10, 11, 12)] == [3, 3, 3, 3]  # as in the paper
    assert compressed.nodes[5].counts == (1, 4) and compressed.nodes[1].counts == (0, 3)


def compress_with(tree, draws):
    import hrmsearch.training.hnc as hnc

    original = hnc.tree_rng
    hnc.tree_rng = lambda seed, problem_id: ScriptedRng(draws)
    try:
        return compress(tree, seed=0)
    finally:
        hnc.tree_rng = original


def test_fixed_seed_is_deterministic_and_seeds_differ():
    trees = [build_tree(PARENTS, {6, 9}, problem_id=f"p{i}") for i in range(30)]
    first = [compress(t, seed=7)[1] for t in trees]
    assert first == [compress(t, seed=7)[1] for t in trees]
    assert first != [compress(t, seed=8)[1] for t in trees]
    assert compress(trees[0], seed=7)[0].hnc.seed == 7


def test_move_probabilities_are_half_to_the_i():
    tree = build_tree([None, 0, 1, 1, 1, 1, 1], {2})  # X = node 1 with 5 leaf children
    runs = 8000
    counts = [0] * 6
    for seed in range(runs):
        moves = compress(tree, seed=seed)[1]
        counts[moves[0][1] - 2 if moves else 5] += 1
    expected = [0.5 ** (i + 1) for i in range(5)] + [0.5**5]
    for observed, p in zip(counts, expected, strict=True):
        sigma = math.sqrt(runs * p * (1 - p))
        assert abs(observed - runs * p) < 4.5 * sigma, (counts, expected)


def test_report_counts_merges_and_label_changes():
    trees = [build_tree(PARENTS, {6, 9, 10}, problem_id=f"p{i}") for i in range(50)]
    report = HncReport()
    out = list(compress_all(trees, seed=1, report=report))
    assert report.trees == 50 and report.nodes == 50 * len(PARENTS)
    assert report.merged == sum(o.hnc.moved for o in out) > 0
    assert 0 < report.mean_abs_label_change <= report.mean_abs_label_change_of_changed <= 1
