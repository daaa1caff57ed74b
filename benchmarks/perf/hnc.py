"""Perf: HNC throughput over synthetic training trees (trees per second).

    python -m hrmsearch.benchmarks.perf hnc [--trees 1000] [--min-nodes 500] [--seed 0]

Builds random bfs-shaped trees (k=5, depth 5, each open node expanded with
probability ``--expand``, resampled until it has ``--min-nodes``), then times
``compress`` over all of them: the paper's rule, label recomputation and the
rewritten records. Reading and writing JSONL is not timed.
"""

from __future__ import annotations

import argparse
import random
import time

from hrmsearch.training.hnc import HncReport, compress_all
from hrmsearch.training.labels import fraction, subtree_counts
from hrmsearch.training.tree_records import TreeNode, TreeRecord


def synthetic_tree(rng: random.Random, index: int, min_nodes: int, expand: float, k: int = 5, depth: int = 5) -> TreeRecord:
    """A random labelled tree with at least ``min_nodes`` nodes."""
    while True:
        parents, depths = [None], [0]
        frontier = [0]
        while frontier:
            node = frontier.pop(0)
            if depths[node] >= depth or (node and rng.random() > expand):
                continue
            for _ in range(k):
                parents.append(node)
                depths.append(depths[node] + 1)
                frontier.append(len(parents) - 1)
        if len(parents) >= min_nodes:
            break
    has_kids = set(parents[1:])
    leaves = [bool(node) and node not in has_kids for node in range(len(parents))]
    rights = [leaf and rng.random() < 0.3 for leaf in leaves]
    correct, total = subtree_counts([p or 0 for p in parents], [int(r) for r in rights], [int(f) for f in leaves])
    nodes = [
        TreeNode.model_construct(
            id=node, parent=parent, step=f"step {node}" if node else "", depth=depths[node],
            label=fraction(correct[node], total[node]), counts=(correct[node], total[node]),
            rollouts=(int(rights[node]), 1) if leaves[node] else (0, 0), terminal=leaves[node],
            answer=None, correct=rights[node] if leaves[node] else None, merged_from=None,
        )
        for node, parent in enumerate(parents)
    ]
    return TreeRecord.model_construct(
        problem_id=f"synthetic-{index}", question="q", answer="1", settings=None, seed=0, nodes=nodes, hnc=None,
    )


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="perf hnc", description=__doc__)
    parser.add_argument("--trees", type=int, default=1000)
    parser.add_argument("--min-nodes", type=int, default=500)
    parser.add_argument("--expand", type=float, default=0.6, help="chance that an open node is expanded")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    trees = [synthetic_tree(rng, i, args.min_nodes, args.expand) for i in range(args.trees)]
    report = HncReport()
    started = time.perf_counter()
    for _ in compress_all(trees, args.seed, report=report):
        pass
    seconds = time.perf_counter() - started
    return {
        "metric": "hnc_trees_per_s",
        "value": round(len(trees) / seconds, 1),
        "trees": len(trees),
        "mean_nodes": round(report.nodes / len(trees), 1),
        "min_nodes": min(len(t.nodes) for t in trees),
        "merged": report.merged,
        "mean_abs_label_change": round(report.mean_abs_label_change, 5),
        "seconds": round(seconds, 3),
        "target": 200,
    }
