"""``hrmsearch outcomes``: ORM training samples from sampled whole solutions.

    hrmsearch outcomes --dataset arith --n 8 --limit 300 --out orm.jsonl

Writes the train samples to ``--out`` and the held-out problems' samples to
``NAME.test.jsonl``, like ``hrmsearch samples``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hrmsearch.commands.options import add_data_dir_option, add_policy_options, policy_choice


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("outcomes", help="ORM samples from sampled solutions", description=__doc__)
    parser.add_argument("--dataset", default="arith", help="arith[:split], math500, gsm8k or a .jsonl path")
    add_data_dir_option(parser)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--n", type=int, default=8, help="solutions sampled per problem")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    add_policy_options(parser)


def run(args: argparse.Namespace) -> int:
    from hrmsearch.api import get_policy
    from hrmsearch.commands.samples import write_splits
    from hrmsearch.commands.trees import grader, training_problems
    from hrmsearch.training.outcome_samples import outcome_samples

    problems, grader_name = training_problems(args.dataset, args.limit, args.data_dir)
    policy = get_policy(policy_choice(args), args.backend, args.seed)
    splits = outcome_samples(
        problems, policy, grader(grader_name), args.n, args.seed, args.temperature, args.test_fraction
    )
    outputs = write_splits(splits, args.out)
    counts = {name: len(samples) for name, samples in splits.items()}
    print(json.dumps({"problems": len(problems), "kind": "orm", "samples": counts, "out": outputs}))
    return 0
