"""``hrmsearch trees``: generate labelled training trees (bfs or mcts) into a resumable JSONL.

    hrmsearch trees --dataset arith --out trees.jsonl --k 5 --depth 5 --limit 100

``--dataset`` is ``arith`` (its train split; ``arith:dev`` etc. pick another),
``math500`` / ``gsm8k`` (the shared data files) or a JSONL path. Rerunning with the
same ``--out`` skips the problems already written.
"""

from __future__ import annotations

import argparse
import json

from hrmsearch.commands.options import add_data_dir_option, add_policy_options, policy_choice
from hrmsearch.errors import HrmError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("trees", help="generate labelled training trees", description=__doc__)
    parser.add_argument("--dataset", default="arith", help="arith[:split], math500, gsm8k or a .jsonl path")
    add_data_dir_option(parser)
    parser.add_argument("--out", required=True, help="trees JSONL (appended to; resumable)")
    parser.add_argument("--mode", default="bfs", choices=["bfs", "mcts"])
    parser.add_argument("--k", type=int, default=5, help="children per expanded node")
    parser.add_argument("--depth", type=int, default=5, help="deepest step")
    parser.add_argument("--rollouts", type=int, default=4, help="mcts: Monte-Carlo rollouts through every child, at least")
    parser.add_argument("--rollout-tokens", type=int, default=256, help="mcts: token budget of one rollout")
    parser.add_argument("--simulations", type=int, default=20, help="mcts: expanded leaves per tree")
    parser.add_argument("--leaves-per-round", type=int, default=4, help="mcts: leaves expanded together")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--max-step-tokens", type=int, default=96)
    parser.add_argument("--limit", type=int, default=None, help="first N problems")
    parser.add_argument("--batch-problems", type=int, default=16, help="problems grown together per run")
    parser.add_argument("--seed", type=int, default=0)
    add_policy_options(parser)


def training_problems(dataset: str, limit: int | None, data_dir: str | None = None):
    """Problems (``arith`` means its train split here) and the grader their answers need."""
    from hrmsearch.tasks.registry import load_task

    return load_task(dataset, limit=limit, default_split="train", data_dir=data_dir)


def grader(name: str):
    from hrmsearch.tasks.grading import grade

    def grade_answer(predicted: str | None, gold: str | None) -> bool:
        return predicted is not None and gold is not None and grade(predicted, gold, name)

    return grade_answer


def run(args: argparse.Namespace) -> int:
    from hrmsearch.api import get_policy
    from hrmsearch.config import parse_config
    from hrmsearch.jsonl import JsonlStore
    from hrmsearch.training.generate import grow_into
    from hrmsearch.training.tree_records import TreeRecord, TreeSettings

    problems, grader_name = training_problems(args.dataset, args.limit, args.data_dir)
    settings = parse_config(
        TreeSettings, mode=args.mode, k=args.k, depth=args.depth,
        rollouts=args.rollouts, rollout_tokens=args.rollout_tokens,
        simulations=args.simulations, leaves_per_round=args.leaves_per_round, temperature=args.temperature, max_step_tokens=args.max_step_tokens,
        policy=args.policy or "default",
    )
    if args.batch_problems < 1:
        raise HrmError(f"--batch-problems must be >= 1, got {args.batch_problems}")
    policy = get_policy(policy_choice(args), args.backend, args.seed)
    store = JsonlStore(args.out, TreeRecord)
    report = grow_into(
        store, problems, policy, settings, grader(grader_name), args.seed, args.batch_problems, progress=True
    )
    print(json.dumps({"out": args.out, "problems": len(problems), **report.model_dump()}))
    return 0 if report.failed == 0 else 1
