"""Tree benchmark: MCTS select+backup rounds, numba kernels against the pure-Python object tree.

    python -m hrmsearch.benchmarks.perf tree [--branching 6 --depth 6 --rounds 1000 --batch 16]

Builds one full tree (6^0 + ... + 6^6 = 55,987 nodes by default) as a numba
``Tree`` and as a ``RefTree``, breadth-first, so each node's children are
appended as one sibling group as the MCTS strategy appends them, then runs the same rounds on both: select
``batch`` leaves under virtual loss (PUCT), back up each leaf's reward, release
the virtual loss. Both start from zero statistics, so they must end with equal
visit counts (checked). Timings are the best of ``repeats`` runs each, after JIT
warm-up. ``value`` times the whole loop inside numba; ``driver_speedup`` drives
the rounds from Python through ``Tree`` methods, as the MCTS strategy does.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from hrmsearch.benchmarks.perf.tree_reference import RefTree
from hrmsearch.search import tree as kernels
from hrmsearch.search.tree import PUCT, TRIES_PER_LEAF, Tree, bytes_per_node

C_PUCT = 1.5
VIRTUAL_LOSS = 1.0
FPU = 0.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf tree", description=__doc__)
    parser.add_argument("--branching", type=int, default=6)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=16, help="leaves selected per round")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def full_tree_parents(branching: int, depth: int) -> list[int]:
    """Parent of each node of a full tree in breadth-first order (root's parent is -1)."""
    parents, level = [-1], [0]
    for _ in range(depth):
        next_level = []
        for parent in level:
            for _ in range(branching):
                parents.append(parent)
                next_level.append(len(parents) - 1)
        level = next_level
    return parents


def build_trees(parents: list[int], seed: int) -> tuple[Tree, RefTree]:
    rng = np.random.default_rng(seed)
    priors = rng.random(len(parents), dtype=np.float32)
    rewards = rng.random(len(parents), dtype=np.float32)
    tree, ref = Tree(capacity=len(parents)), RefTree()
    for node in range(1, len(parents)):
        prior, reward = float(priors[node]), float(rewards[node])
        tree.add_node(parents[node], "", prior, reward)
        ref.add_node(parents[node], prior, reward)
    return tree, ref


@numba.njit  # not cached: a cached caller would keep stale copies of edited kernels
def numba_rounds(
    parent, first_child, last_child, next_sibling, n_children, visits, value_sum, prior, reward, virtual_loss,
    rounds, batch,
):  # fmt: skip
    """``rounds`` of select ``batch`` leaves -> back up their rewards -> release, all inside numba."""
    for _ in range(rounds):
        leaves = kernels.select_leaves(
            parent, first_child, last_child, next_sibling, n_children, visits, value_sum, prior, virtual_loss,
            0, batch, TRIES_PER_LEAF * batch, C_PUCT, PUCT, VIRTUAL_LOSS, FPU,
        )  # fmt: skip
        for leaf in leaves:
            kernels.backup(parent, visits, value_sum, leaf, np.float64(reward[leaf]))
        kernels.release_leaves(parent, virtual_loss, leaves)


def run_numba(tree: Tree, rounds: int, batch: int) -> None:
    numba_rounds(
        tree.parent, tree.first_child, tree.last_child, tree.next_sibling, tree.n_children,
        tree.visits, tree.value_sum, tree.prior, tree.reward, tree.virtual_loss, rounds, batch,
    )  # fmt: skip


def run_driver(tree: Tree, rounds: int, batch: int) -> None:
    """The same rounds driven from Python, one kernel call per operation (as the strategy does)."""
    for _ in range(rounds):
        leaves = tree.select_leaves(batch, C_PUCT, "puct", VIRTUAL_LOSS, FPU)
        tree.backup_many(leaves, tree.reward[leaves].astype(np.float64))
        tree.release(leaves)


def run_reference(ref: RefTree, rounds: int, batch: int) -> None:
    for _ in range(rounds):
        leaves = ref.select_leaves(batch, C_PUCT, "puct", VIRTUAL_LOSS, FPU)
        for leaf in leaves:
            ref.backup(leaf, ref.nodes[leaf].reward)
        ref.release(leaves)


def reset_tree(tree: Tree) -> None:
    tree.visits[:] = 0
    tree.value_sum[:] = 0.0


def reset_reference(ref: RefTree) -> None:
    for node in ref.nodes:
        node.visits, node.value_sum = 0, 0.0


def best_time(run, reset, repeats: int) -> float:
    """Best of ``repeats`` timed runs, each from zero statistics."""
    times = []
    for _ in range(repeats):
        reset()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def warm_up() -> None:
    small = Tree()
    for _ in range(3):
        small.add_node(0, "")
    run_numba(small, 2, 2)
    run_driver(small, 2, 2)


def main(argv: list[str]) -> dict:
    args = parse(argv)
    tree, ref = build_trees(full_tree_parents(args.branching, args.depth), args.seed)
    warm_up()
    timings = {}
    for name, run, reset in (
        ("numba", lambda: run_numba(tree, args.rounds, args.batch), lambda: reset_tree(tree)),
        ("driver", lambda: run_driver(tree, args.rounds, args.batch), lambda: reset_tree(tree)),
        ("python", lambda: run_reference(ref, args.rounds, args.batch), lambda: reset_reference(ref)),
    ):
        timings[name] = best_time(run, reset, args.repeats)
    agree = tree.value_sum[: tree.size].tolist() == [node.value_sum for node in ref.nodes]
    return {
        "metric": "tree_speedup_vs_python",
        "value": round(timings["python"] / timings["numba"], 1),
        "bytes_per_node": bytes_per_node(),
        "driver_speedup": round(timings["python"] / timings["driver"], 1),
        "nodes": tree.size,
        "simulations": int(tree.visits[0]),
        "python_seconds": round(timings["python"], 4),
        "numba_seconds": round(timings["numba"], 4),
        "driver_seconds": round(timings["driver"], 4),
        "agree_with_reference": agree,
    }
