"""TreeRecord -> reward-model training samples, balanced per depth and label as the paper does.

Selection (the paper's ``sort_node``, per tree): group non-root nodes by depth,
then by label. At a depth with more than one distinct label, draw
``max(smallest group, int(10% of the group))`` nodes from every label group; at a
depth with a single label, draw ``min(5, n)``. Each drawn node gives a PRM
sample: the fine window ``(question, steps[:-1], steps[-1])`` with the node's
label; ``hrm`` adds the coarse window ``(steps[:-2], steps[-2] + delimiter +
steps[-1])`` with the same label. With HNC trees, a problem's samples are the
original tree's samples united with the HNC tree's (separate draws), de-duplicated
on (window, label); as in the paper, HNC samples of *test* problems carry no
coarse windows. Problems are split train/test by a seeded shuffle.

``orm`` samples are the outcome windows (question, whole solution) of every
terminal node that stated an answer, labelled 1 when it is correct.

``select="all"`` (``--select all``) skips the draw and takes every labelled
node: more data than the paper's rule for a small tree budget.

Samples are ``RewardSample`` records (``hrmsearch.training.samples``); ``source`` reads
``PROBLEM_ID/tree|hnc/NODE_ID``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from hrmsearch.scoring.windows import Window, coarse_window, fine_window, outcome_window
from hrmsearch.training.samples import RewardSample
from hrmsearch.training.tree_records import TreeRecord

SampleKind = Literal["prm", "hrm", "orm"]
Selection = Literal["balanced", "all"]


def step_paths(tree: TreeRecord, delimiter: str = "\n\n") -> list[list[str]]:
    """Each node's steps from the root, its own step last.

    A node merged by HNC is one step on its own path, but on its descendants'
    paths it counts as the two steps it was made of, so their windows stay those
    of the original tree (as in the paper, where descendants keep their text).
    """
    nodes = tree.nodes
    expanded: list[list[str]] = [[] for _ in nodes]  # path as seen by the node's children
    paths: list[list[str]] = [[] for _ in nodes]
    for node in nodes[1:]:
        above = expanded[node.parent]
        paths[node.id] = above + [node.step]
        expanded[node.id] = above + _pieces(tree, node.id, delimiter)
    return paths


def _pieces(tree: TreeRecord, node_id: int, delimiter: str) -> list[str]:
    node = tree.nodes[node_id]
    if not node.merged_from:
        return [node.step]
    first = tree.nodes[node.merged_from[0]].step
    return [first, node.step[len(first) + len(delimiter) :]]


def labelled_nodes(tree: TreeRecord) -> list[int]:
    """Every non-root node with a label and a non-empty step (``--select all``)."""
    return [node.id for node in tree.nodes[1:] if node.label is not None and node.step]


def select_nodes(tree: TreeRecord, rng: random.Random) -> list[int]:
    """Node ids drawn balanced per depth and label (the paper's rule)."""
    groups: dict[int, dict[float, list[int]]] = defaultdict(lambda: defaultdict(list))
    for node in tree.nodes[1:]:
        if node.label is not None and node.step:  # an empty step (the model stopped) is no window
            groups[node.depth][node.label].append(node.id)
    chosen: list[int] = []
    for by_label in groups.values():
        if len(by_label) > 1:
            smallest = min(len(ids) for ids in by_label.values())
            for ids in by_label.values():
                chosen.extend(rng.sample(ids, max(smallest, int(len(ids) * 0.1))))
        else:
            (ids,) = by_label.values()
            chosen.extend(rng.sample(ids, min(5, len(ids))))
    return chosen


def tree_samples(
    tree: TreeRecord, seed: int, coarse: bool, source: str = "tree", delimiter: str = "\n\n",
    select: Selection = "balanced",
) -> list[RewardSample]:
    """The samples of one tree (balanced, or every labelled node): fine windows, plus coarse when ``coarse``."""
    rng = random.Random(f"samples/{seed}/{tree.problem_id}/{source}")
    paths = step_paths(tree, delimiter)
    samples = []
    node_ids = select_nodes(tree, rng) if select == "balanced" else labelled_nodes(tree)
    for node_id in node_ids:
        steps = paths[node_id]
        windows = [fine_window(tree.question, steps, len(steps) - 1)]
        if coarse and len(steps) >= 2:
            windows.append(coarse_window(tree.question, steps, len(steps) - 1, delimiter))
        origin = f"{tree.problem_id}/{source}/{node_id}"
        samples.extend(to_sample(w, tree.nodes[node_id].label, origin, len(steps) - 1) for w in windows)
    return samples


def to_sample(window: Window, label: float, source: str, step: int) -> RewardSample:
    return RewardSample(
        question=window.question, previous=list(window.previous), current=window.current,
        label=label, kind=window.kind, source=source, step=step,
    )


def problem_samples(
    tree: TreeRecord, kind: SampleKind, seed: int, hnc_tree: TreeRecord | None = None, test: bool = False,
    select: Selection = "balanced",
) -> list[RewardSample]:
    """One problem's samples: the tree's, united with its HNC tree's, without duplicates."""
    if kind == "orm":
        return dedupe(tree_outcome_samples(tree))
    coarse = kind == "hrm"
    samples = tree_samples(tree, seed, coarse, "tree", select=select)
    if hnc_tree is not None:
        samples += tree_samples(hnc_tree, seed, coarse and not test, "hnc", select=select)
    return dedupe(samples)


def tree_outcome_samples(tree: TreeRecord) -> list[RewardSample]:
    """One outcome window per answered terminal node: the whole solution, labelled by correctness."""
    paths = step_paths(tree)
    samples = []
    for node in tree.nodes:
        if node.terminal and node.correct is not None and node.answer is not None:
            window = outcome_window(tree.question, paths[node.id])
            source = f"{tree.problem_id}/tree/{node.id}"
            samples.append(to_sample(window, float(node.correct), source, len(paths[node.id]) - 1))
    return samples


def dedupe(samples: Iterable[RewardSample]) -> list[RewardSample]:
    seen: set[tuple[Window, float]] = set()
    unique = []
    for sample in samples:
        key = (sample.window(), sample.label)
        if key not in seen:
            seen.add(key)
            unique.append(sample)
    return unique


def held_out_ids(problem_ids: list[str], test_fraction: float, seed: int) -> set[str]:
    """The problems held out for testing: a seeded shuffle, the first ``test_fraction``."""
    shuffled = sorted(problem_ids)
    random.Random(f"split/{seed}").shuffle(shuffled)
    return set(shuffled[: round(len(shuffled) * test_fraction)])


def build_samples(
    trees: list[TreeRecord],
    kind: SampleKind,
    seed: int = 0,
    hnc_trees: dict[str, TreeRecord] | None = None,
    test_fraction: float = 0.2,
    select: Selection = "balanced",
) -> dict[str, list[RewardSample]]:
    """Samples of every tree, split by problem: ``{"train": [...], "test": [...]}``."""
    held_out = held_out_ids([t.problem_id for t in trees], test_fraction, seed)
    splits: dict[str, list[RewardSample]] = {"train": [], "test": []}
    for tree in trees:
        test = tree.problem_id in held_out
        hnc_tree = (hnc_trees or {}).get(tree.problem_id)
        splits["test" if test else "train"].extend(problem_samples(tree, kind, seed, hnc_tree, test, select))
    return splits
