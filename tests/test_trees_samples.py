"""Training trees -> PRM / HRM samples: the paper's balanced selection, HNC union, split by problem."""

from __future__ import annotations

import random

from trees_helpers import build_tree

from hrmsearch.training.hnc import compress
from hrmsearch.training.tree_records import TreeRecord
from hrmsearch.training.tree_samples import (
    build_samples,
    held_out_ids,
    problem_samples,
    select_nodes,
    step_paths,
)


def balanced_tree(problem_id="p0"):
    """Depth 1: 100 correct leaves, 2 wrong leaves, node 103 (wrong, 30 wrong leaf children)."""
    parents = [None] + [0] * 103 + [103] * 30
    return build_tree(parents, correct_leaves=set(range(1, 101)), problem_id=problem_id)


def test_selection_follows_the_paper_rule():

    tree = balanced_tree()
    chosen = select_nodes(tree, random.Random(0))
    depth1 = [n for n in chosen if tree.nodes[n].depth == 1]
    depth2 = [n for n in chosen if tree.nodes[n].depth == 2]
    # depth 1 has labels {1.0: 100 nodes, 0.0: 3 nodes}: max(3, 10) + max(3, 0); depth 2 one label: min(5, 30)
    assert sum(tree.nodes[n].label == 1.0 for n in depth1) == 10
    assert sum(tree.nodes[n].label == 0.0 for n in depth1) == 3
    assert len(depth2) == 5 and len(set(chosen)) == len(chosen)


def test_prm_and_hrm_sample_counts():
    tree = balanced_tree()
    prm = problem_samples(tree, "prm", seed=0)
    hrm = problem_samples(tree, "hrm", seed=0)
    assert len(prm) == 18 and {s.kind for s in prm} == {"fine"}
    coarse = [s for s in hrm if s.kind == "coarse"]
    assert len(hrm) == 23 and len(coarse) == 5
    assert all(s.previous == [] and s.current.startswith("s103\n\n") for s in coarse)
    fine_by_source = {s.source: s.label for s in hrm if s.kind == "fine"}
    assert all(fine_by_source[s.source] == s.label for s in coarse)  # same label as its fine sample


def test_select_all_takes_every_labelled_node_once():
    tree = balanced_tree()
    prm = problem_samples(tree, "prm", seed=0, select="all")
    hrm = problem_samples(tree, "hrm", seed=0, select="all")
    # 133 non-root nodes, each its own window (steps are named after the node): 133 fine samples
    assert len(prm) == 133 and sorted(int(s.source.split("/")[-1]) for s in prm) == list(range(1, 134))
    assert len(hrm) == 133 + 30  # + the coarse window of every depth-2 node


def test_hnc_paths_keep_descendant_windows_and_union_dedupes():
    parents = [None, 0, 0, 1, 1, 1, 1, 3, 3]  # node 1 has 4 children; node 3 has 2
    tree = build_tree(parents, {4, 7})
    hnc_tree, moves = compress(tree, seed=next(s for s in range(100) if compress(tree, s)[1] == [(1, 3)]))
    assert moves == [(1, 3)]
    paths, hnc_paths = step_paths(tree), step_paths(hnc_tree)
    assert hnc_paths[3] == ["s1\n\ns3"]
    assert hnc_paths[7] == paths[7] == ["s1", "s3", "s7"]  # descendants keep their original windows
    original = problem_samples(tree, "hrm", seed=0)
    union = problem_samples(tree, "hrm", seed=0, hnc_tree=hnc_tree)
    keys = [(s.window(), s.label) for s in union]
    assert len(keys) == len(set(keys)) and len(union) > len(original)
    assert {(s.window(), s.label) for s in original} <= set(keys)
    merged = [s for s in union if s.source.endswith("/hnc/3") and s.kind == "fine"]
    assert merged and merged[0].previous == [] and merged[0].current == "s1\n\ns3"
    test_only = problem_samples(tree, "hrm", seed=0, hnc_tree=hnc_tree, test=True)
    assert not [s for s in test_only if "/hnc/" in s.source and s.kind == "coarse"]


def test_split_is_by_problem_and_seeded():
    trees = [balanced_tree(f"p{i}") for i in range(10)]
    splits = build_samples(trees, "prm", seed=3, test_fraction=0.2)
    train_ids = {s.source.split("/")[0] for s in splits["train"]}
    held = {s.source.split("/")[0] for s in splits["test"]}
    assert len(held) == 2 and not train_ids & held and held == held_out_ids([t.problem_id for t in trees], 0.2, 3)
    assert build_samples(trees, "prm", seed=3)["test"] == splits["test"]


def test_cli_hnc_then_samples(tmp_path, capsys):
    import json

    from hrmsearch.cli import main
    from hrmsearch.jsonl import JsonlStore, read_records

    trees_path, hnc_path, out = tmp_path / "trees.jsonl", tmp_path / "hnc.jsonl", tmp_path / "hrm.jsonl"
    store = JsonlStore(trees_path, TreeRecord)
    for i in range(5):
        store.append(build_tree([None, 0, 0, 1, 1, 1, 1, 3, 3], {4, 7}, problem_id=f"p{i}"))
    assert main(["hnc", str(trees_path), "--out", str(hnc_path), "--seed", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["trees"] == 5 and report["merged"] == sum(t.hnc.moved for t in read_records(hnc_path, TreeRecord))
    assert main(["samples", str(trees_path), "--hnc", str(hnc_path), "--kind", "hrm", "--out", str(out)]) == 0
    counts = json.loads(capsys.readouterr().out)["samples"]
    assert counts["test"] == len(list(open(tmp_path / "hrm.test.jsonl"))) and counts["train"] > 0
    assert main(["trees", "--dataset", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
