"""Perf: tokens/s of bfs tree generation vs the same policy's plain sampling, in one run.

    python -m hrmsearch.benchmarks.perf trees [--problems 16 --k 3 --depth 4 --backend auto]

Grows bfs trees for ``--problems`` `arith` train problems (all batched by the
scheduler, one policy call per level), then samples the same number of sequences
as plain complete solutions from the problems' prompts (one call, no step stops, at most
``rollout_tokens`` each, same temperature and backend). Value = tree tokens/s / plain tokens/s; target 0.7.
"""

from __future__ import annotations

import argparse
import math
import time

from hrmsearch.api import get_policy
from hrmsearch.config import PolicyConfig
from hrmsearch.engine.base import SamplingParams
from hrmsearch.tasks import arith
from hrmsearch.training.generate import generate_trees
from hrmsearch.training.tree_records import TreeRecord, TreeSettings


def tree_throughput(problems, policy, settings: TreeSettings, seed: int) -> tuple[dict, list[TreeRecord]]:
    trees: list[TreeRecord] = []
    started = time.perf_counter()
    solutions = generate_trees(problems, policy, settings, lambda a, b: False, trees.append, seed)
    seconds = time.perf_counter() - started
    tokens = sum(s.cost.generated_tokens for s in solutions)
    sequences = sum(len(t.nodes) - 1 for t in trees)
    return {"tokens": tokens, "sequences": sequences, "seconds": round(seconds, 3), "tokens_per_s": tokens / seconds}, trees


def plain_throughput(problems, policy, settings: TreeSettings, sequences: int, seed: int) -> dict:
    per_problem = max(1, math.ceil(sequences / len(problems)))
    params = SamplingParams(
        n=per_problem, temperature=settings.temperature, top_p=settings.top_p,
        max_tokens=settings.rollout_tokens, stop=[], seed=seed,
    )
    prompts = [policy.prompts.build(p.question) for p in problems]
    started = time.perf_counter()
    results = policy.generate(prompts, params)
    seconds = time.perf_counter() - started
    tokens = sum(s.num_tokens for row in results for s in row)
    return {
        "tokens": tokens, "sequences": per_problem * len(problems), "seconds": round(seconds, 3),
        "tokens_per_s": tokens / seconds,
    }


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="perf trees", description=__doc__)
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--policy", default=None)
    parser.add_argument("--backend", default="auto", choices=["auto", "vllm", "transformers"])
    parser.add_argument("--device", default="auto", help="transformers backend: cpu, cuda or auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = PolicyConfig(model=args.policy, backend=args.backend, device=args.device, seed=args.seed)
    policy = get_policy(config)
    problems = arith.split("train", args.problems)
    settings = TreeSettings(k=args.k, depth=args.depth)
    policy.generate([policy.prompts.build(problems[0].question)], SamplingParams(n=2, max_tokens=16))  # warm up
    tree, trees = tree_throughput(problems, policy, settings, args.seed)
    plain = plain_throughput(problems, policy, settings, tree["sequences"], args.seed)
    return {
        "metric": "trees_generation_efficiency",
        "value": round(tree["tokens_per_s"] / plain["tokens_per_s"], 3),
        "tree_tokens_per_s": round(tree["tokens_per_s"], 1),
        "plain_tokens_per_s": round(plain["tokens_per_s"], 1),
        "tree": tree | {"tokens_per_s": round(tree["tokens_per_s"], 1)},
        "plain": plain | {"tokens_per_s": round(plain["tokens_per_s"], 1)},
        "backend": type(policy).__name__,
        "device": args.device,
        "problems": len(problems), "k": args.k, "depth": args.depth,
        "target": 0.7,
    }
