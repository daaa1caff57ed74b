"""Perf benchmark: what the scheduler's cross-problem batching buys, measured on beam search.

Beam search (width 4, expansion 4 by default) over 32 `arith` test problems with
the shipped tiny policy, timed two ways in one run on one loaded backend: one
``run_strategy`` over all problems (each round is one policy call for every
problem) against one ``run_strategy`` per problem. Same config, same seed, same
backend; a one-problem warm-up run comes first so neither side pays the first
call's setup.

With the transformers backend on CPU and the tiny policy, a decode step costs
about 3 ms of fixed work (Python and small ops) plus tens of microseconds per row
(its matrix products, which already run near the core's float32 peak at 16 rows,
its attention and elementwise work): batching removes the fixed part, not the
per-row part, so with 1 thread the ratio stays near 2. With more threads than free
cores the one-by-one side's small parallel regions stall on each other, and the
ratio measures that contention rather than batching.

The reward model is :class:`LengthHeuristicScorer` unless ``--reward`` names a
reward model: a free scorer (shorter steps score higher), so the numbers time the
policy and the scheduler, not the reward model (``--reward hrm_hnc`` times both).
The output record names the scorer it used. ``--dtype bfloat16`` runs the policy in
bf16 on both sides; on a CPU with AMX that speeds the batched side's large matrix
products several times and slows the one-by-one side's small ones, so it is not
the default (float32 on CPU, as everywhere in the package).

    python -m hrmsearch.benchmarks.perf batching [--problems 32] [--backend transformers|vllm]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from hrmsearch.answers import normalize_for_vote
from hrmsearch.benchmarks.perf.meters import MeteredPolicy, MeteredScorer, timed_run
from hrmsearch.config import PolicyConfig, RewardConfig
from hrmsearch.records import Problem, Solution
from hrmsearch.scoring.windows import Window
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.tasks import arith


class LengthHeuristicScorer:
    """A stand-in reward model that costs nothing: a window scores 1 / (1 + characters of its step)."""

    name = "length_heuristic"

    def score(self, windows: list[Window]) -> np.ndarray:
        return np.array([1.0 / (1.0 + len(window.current)) for window in windows], dtype=np.float64)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf batching")
    parser.add_argument("--problems", type=int, default=32, help="arith test problems")
    parser.add_argument("--width", type=int, default=4, help="beams kept per round")
    parser.add_argument("--expansion", type=int, default=4, help="candidate steps per beam")
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--max-step-tokens", type=int, default=64)
    parser.add_argument("--backend", choices=["transformers", "vllm"], default="transformers")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"],
                        help="policy dtype (auto: bf16 on CUDA, float32 on CPU)")
    parser.add_argument("--model", default=None, help="policy folder; default: the shipped tiny policy")
    parser.add_argument("--reward", default=None, help="reward model; default: LengthHeuristicScorer")
    parser.add_argument("--max-batch-size", type=int, default=512, help="transformers rows per forward batch")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def load_scorer(reward: str | None) -> Any:
    if reward is None:
        return LengthHeuristicScorer()
    from hrmsearch.api import get_scorer

    return get_scorer(reward, RewardConfig(model=reward))


def timed(work: Callable[[], list[Solution]]) -> tuple[list[Solution], float]:
    started = time.perf_counter()
    solutions = work()
    return solutions, time.perf_counter() - started


def exact_match(problems: list[Problem], solutions: list[Solution]) -> float:
    hits = sum(normalize_for_vote(s.answer) == normalize_for_vote(p.answer) for p, s in zip(problems, solutions, strict=True))
    return hits / len(problems)


def side_record(problems: list[Problem], solutions: list[Solution], timing: dict) -> dict:
    """One timed search call's record: its meters' ``timing`` (see :func:`timed_run`) and what it produced."""
    tokens = sum(s.cost.generated_tokens for s in solutions)
    return {
        **timing,
        "generated_tokens": tokens,
        "tokens_per_second": round(tokens / timing["seconds"], 1),
        "exact_match": round(exact_match(problems, solutions), 3),
        "errors": sum(s.error is not None for s in solutions),
    }


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    from hrmsearch.engine.loader import load_policy

    policy_config = PolicyConfig(
        model=args.model, backend=args.backend, device=args.device, dtype=args.dtype, max_batch_size=args.max_batch_size, seed=args.seed
    )
    policy = MeteredPolicy(load_policy(policy_config))
    scorer = MeteredScorer(load_scorer(args.reward))
    problems = arith.split("test", args.problems)
    config = strategy_config(
        "beam", n=args.width * args.expansion, width=args.width, seed=args.seed,
        max_steps=args.max_steps, max_step_tokens=args.max_step_tokens,
    )
    run_strategy(problems[:1], config, policy, scorer)  # warm-up
    batched, batched_timing = timed_run(lambda: run_strategy(problems, config, policy, scorer), policy, scorer)
    one_by_one, one_by_one_timing = timed_run(
        lambda: [run_strategy([p], config, policy, scorer)[0] for p in problems], policy, scorer
    )
    return {
        "metric": "batching_speedup",
        "value": round(one_by_one_timing["seconds"] / batched_timing["seconds"], 2),
        "strategy": f"beam width {args.width} expansion {args.expansion}",
        "problems": len(problems),
        "backend": args.backend,
        "device": args.device,
        "dtype": args.dtype,
        "max_batch_size": args.max_batch_size,
        "policy": args.model or "shipped tiny policy",
        "scorer": args.reward or "LengthHeuristicScorer (free; times the policy and scheduler)",
        "batched": side_record(problems, batched, batched_timing),
        "one_by_one": side_record(problems, one_by_one, one_by_one_timing),
    }
