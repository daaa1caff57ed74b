"""Numba tree: growth, virtual-loss selection, and exact agreement with the Python reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hrmsearch.benchmarks.perf.tree_reference import RefTree
from hrmsearch.search.tree import NO_NODE, Tree, bytes_per_node

unit32 = st.floats(0.0, 1.0, width=32)


@st.composite
def random_trees(draw) -> tuple[Tree, RefTree]:
    """The same random tree, with the same random backups, as a numba Tree and a RefTree.

    Half of them grow as a search grows them, each childless node expanded by one
    sibling group (children with consecutive ids, scanned as a range); the others
    take a random parent per node (children interleaved, followed through the list).
    """
    size = draw(st.integers(1, 40))
    tree, ref = Tree(capacity=2), RefTree()

    def add(parent: int) -> None:
        node = tree.size
        prior, reward, terminal = draw(unit32), draw(unit32), draw(st.booleans())
        assert tree.add_node(parent, f"step {node}", prior, reward, terminal) == node
        ref.add_node(parent, prior, reward, terminal)
        tree.correct[node] = ref.nodes[node].correct = draw(st.sampled_from([-1, 0, 1]))

    if draw(st.booleans()):
        while tree.size < size:
            parent = draw(st.sampled_from([node for node in range(tree.size) if not tree.n_children[node]]))
            for _ in range(min(draw(st.integers(1, 6)), size - tree.size)):
                add(parent)
    else:
        for node in range(1, size):
            add(draw(st.integers(0, node - 1)))
    for node, value in draw(st.lists(st.tuples(st.integers(0, size - 1), st.floats(-1.0, 1.0)), max_size=30)):
        tree.backup(node, value)
        ref.backup(node, value)
    return tree, ref


def assert_same_statistics(tree: Tree, ref: RefTree) -> None:
    assert tree.visits[: tree.size].tolist() == [node.visits for node in ref.nodes]
    assert tree.value_sum[: tree.size].tolist() == [node.value_sum for node in ref.nodes]
    assert tree.virtual_loss[: tree.size].tolist() == [node.virtual_loss for node in ref.nodes]


search_settings = st.fixed_dictionaries(
    {
        "c": st.sampled_from([0.0, 0.7, 1.0, 2.5]),
        "mode": st.sampled_from(["puct", "uct"]),
        "virtual_loss": st.sampled_from([0.0, 0.5, 1.0, 3.0]),
        "fpu": st.sampled_from([0.0, 0.5, 1.0]),
    }
)


@settings(max_examples=80, deadline=None)
@given(random_trees(), search_settings, st.lists(st.integers(1, 6), min_size=1, max_size=4), st.data())
def test_selection_and_backup_agree_with_reference(trees, options, counts, data):
    tree, ref = trees
    for count in counts:  # several rounds: select under virtual loss, back up, release
        leaves = tree.select_leaves(count, **options).tolist()
        assert leaves == ref.select_leaves(count, **options)
        assert len(set(leaves)) == len(leaves)
        assert_same_statistics(tree, ref)
        values = data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(leaves), max_size=len(leaves)))
        tree.backup_many(leaves, values)
        tree.release(leaves)
        for leaf, value in zip(leaves, values, strict=True):
            ref.backup(leaf, value)
        ref.release(leaves)
        assert_same_statistics(tree, ref)
    assert not tree.virtual_loss[: tree.size].any()


@settings(max_examples=80, deadline=None)
@given(random_trees())
def test_paths_leaf_stats_and_best_children_agree_with_reference(trees):
    tree, ref = trees
    tree.update_leaf_stats()
    ref.update_leaf_stats()
    assert tree.leaf_count[: tree.size].tolist() == [node.leaf_count for node in ref.nodes]
    assert tree.correct_count[: tree.size].tolist() == [node.correct_count for node in ref.nodes]
    for node in range(tree.size):
        assert tree.path(node) == ref.path(node)
        assert tree.best_child(node, "visits") == ref.best_child(node, "visits")
        assert tree.best_child(node, "value") == ref.best_child(node, "value")
    assert tree.best_path("visits") == ref.best_path("visits")
    assert tree.best_path("value") == ref.best_path("value")


def test_growth_by_doubling_keeps_nodes_and_links():
    tree = Tree(capacity=2)
    for node in range(1, 9):
        tree.add_node(node // 3, f"s{node}", prior=0.5, reward=node / 10)
    assert tree.size == 9 and tree.capacity == 16
    assert tree.children(0) == [1, 2] and tree.children(2) == [6, 7, 8]
    assert tree.n_children[:4].tolist() == [2, 3, 3, 0]
    assert tree.steps(8) == ["s2", "s8"] and tree.depth[8] == 2
    assert tree.reward[5] == np.float32(0.5) and tree.parent[tree.size] == NO_NODE


def test_sibling_groups_are_id_ranges_and_interleaved_children_stay_linked():
    tree = Tree()
    a, b = tree.add_node(0, "a"), tree.add_node(0, "b")
    group = [tree.add_node(a, f"a{i}") for i in range(3)]  # one sibling group: ids 3..5
    late = [tree.add_node(b, "b0"), tree.add_node(a, "a3")]  # a's children now interleave with b's
    assert tree.children(a) == [*group, late[1]] and tree.children(b) == [late[0]]
    assert tree.last_child[a] - tree.first_child[a] + 1 != tree.n_children[a] == 4
    for node in (a, *group):
        tree.backup(node, 0.25)
    ref = RefTree()
    for parent in (0, 0, a, a, a, b, a):
        ref.add_node(parent)
    for node in (a, *group):
        ref.backup(node, 0.25)
    assert tree.select_leaves(6).tolist() == ref.select_leaves(6)
    assert_same_statistics(tree, ref)


def test_numeric_bytes_per_node_fit_the_budget():
    assert bytes_per_node() <= 64


def test_virtual_loss_spreads_one_round_over_distinct_leaves():
    tree = Tree()
    for _ in range(3):
        tree.add_node(0, "x", prior=1 / 3)
    tree.backup(0, 0.0)
    assert tree.select_leaves(5, tries=7).tolist() == [1, 2, 3]  # tries 4 to 7 repeat pending leaves
    assert tree.virtual_loss[0] == 7 and tree.virtual_loss[1:4].sum() == 7
    tree.release([1, 2, 3])
    assert not tree.virtual_loss.any()


def test_root_alone_is_the_only_leaf():
    assert Tree().select_leaves(4).tolist() == [0]


def test_leaf_label_counts_terminal_leaves_and_correct_ones():
    tree = Tree()
    a = tree.add_node(0, "a")
    tree.add_node(a, "right", terminal=True)
    tree.add_node(a, "wrong", terminal=True)
    tree.add_node(0, "open")  # not terminal: not a leaf of the label
    tree.correct[2], tree.correct[3] = 1, 0
    tree.update_leaf_stats()
    assert tree.leaf_count[:5].tolist() == [2, 2, 1, 1, 0]
    assert tree.correct_count[:5].tolist() == [1, 1, 1, 0, 0]
