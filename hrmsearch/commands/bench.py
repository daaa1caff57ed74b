"""``hrmsearch bench``: sweep strategies x N over a dataset; graded records, summary.md and a plot.

Rerunning with the same --out resumes: finished (problem, strategy, N) records are kept.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hrmsearch.commands.options import (
    add_data_dir_option,
    add_policy_options,
    add_reward_options,
    policy_choice,
)
from hrmsearch.config import RewardConfig
from hrmsearch.errors import HrmError


def budget_table() -> str:
    """What N means for every registered strategy (each strategy's ``SPEC.budget``)."""
    from hrmsearch.search.strategies import STRATEGIES

    width = max(len(name) for name in STRATEGIES) + 2
    rows = [f"  {name:<{width}}{spec.budget}" for name, spec in STRATEGIES.items()]
    return "\nWhat N means per strategy:\n\n" + "\n".join(rows) + "\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmark strategies x N on a dataset", description=__doc__ + budget_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dataset", required=True, help="math500, gsm8k, prm800k, arith[:split] or a .jsonl file")
    add_data_dir_option(parser)
    parser.add_argument("--data", default=None, help="JSONL file for a named dataset (default: shared data folder)")
    parser.add_argument("--strategies", default="greedy", help="comma-separated strategy names")
    parser.add_argument("--n", default="1", help="comma-separated budgets, e.g. 1,4,16,64")
    parser.add_argument("--out", default=None, help="run folder (default: runs/DATASET)")
    parser.add_argument("--limit", type=int, default=None, help="first L problems only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="K Ray actors, each with its own models")
    parser.add_argument("--grader", default=None, choices=["prm800k", "math-verify", "numeric"],
                        help="default: prm800k for math500/prm800k, numeric for gsm8k/arith")
    add_policy_options(parser)
    add_reward_options(parser, "reward model: a shipped name, a folder, a Hub id, or 'none'")
    parser.add_argument("--combine", default=RewardConfig().combine, choices=["fine", "coarse", "mean", "min", "max"])
    parser.add_argument("--aggregate", default=RewardConfig().aggregate, choices=["last", "min", "prod", "mean"])
    parser.add_argument("--chunk", type=int, default=32, help="problems per scheduler call (unit of resume)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="strategy config value for every strategy that has KEY, e.g. --set temperature=0.7")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; load no model")
    parser.add_argument("--no-progress", action="store_true")


def parse_sets(items: list[str]) -> dict:
    """``KEY=VALUE`` pairs; VALUE is read as JSON when it parses, else kept as a string."""
    values = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise HrmError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            values[key.strip()] = json.loads(text)
        except ValueError:
            values[key.strip()] = text
    return values


def bench_options(args: argparse.Namespace):
    from hrmsearch.benchmarks.harness import BenchOptions
    from hrmsearch.benchmarks.plan import parse_ns
    from hrmsearch.config import parse_config

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    out = Path(args.out) if args.out else Path("runs") / args.dataset.replace(":", "_").replace("/", "_")
    return parse_config(
        BenchOptions, dataset=args.dataset, data=args.data, strategies=strategies, ns=parse_ns(args.n), out=out,
        limit=args.limit, data_dir=args.data_dir, seed=args.seed, workers=args.workers, grader=args.grader,
        policy=policy_choice(args),
        backend=args.backend, reward=args.reward, reward_format=args.reward_format,
        reward_backend=args.reward_backend, reward_urls=args.reward_urls, reward_server_model=args.reward_server_model,
        combine=args.combine, aggregate=args.aggregate,
        chunk_size=args.chunk, options=parse_sets(args.set), progress=not args.no_progress,
    )


def run(args: argparse.Namespace) -> int:
    from hrmsearch.benchmarks.harness import dry_run, run_bench

    options = bench_options(args)
    if args.dry_run:
        print(dry_run(options))
        return 0
    result = run_bench(options)
    print(result.summary.read_text())
    print(f"{result.written} new records ({result.records} in all) -> {options.out}; plot: {result.plot}")
    return 0
