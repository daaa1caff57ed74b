"""``hrmsearch solve "question"``: solve one question and print steps, answer and cost."""

from __future__ import annotations

import argparse
import json

from hrmsearch.commands.options import add_policy_options, add_reward_options, policy_choice, reward_fields

DEFAULT_REWARD_ARGS = argparse.Namespace(reward=None, reward_format="auto", reward_backend="transformers")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("solve", help="solve one question", description=__doc__)
    parser.add_argument("question", help="the problem text")
    from hrmsearch.search.strategies import STRATEGIES

    parser.add_argument("--strategy", default="greedy", choices=list(STRATEGIES))
    parser.add_argument("--n", type=int, default=None, help="samples / beams / candidates")
    add_policy_options(parser)
    add_reward_options(parser)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the Solution as JSON")


def run(args: argparse.Namespace) -> int:
    from hrmsearch.api import solve
    from hrmsearch.config import RewardConfig, parse_config

    options = {"temperature": args.temperature, "max_steps": args.max_steps}
    fields = reward_fields(args)
    reward = parse_config(RewardConfig, **fields) if fields != reward_fields(DEFAULT_REWARD_ARGS) else None
    solution = solve(
        args.question,
        strategy=args.strategy,
        n=args.n,
        policy=policy_choice(args),
        reward=reward,
        backend=args.backend,
        seed=args.seed,
        **options,
    )
    if args.json:
        print(json.dumps(solution.model_dump(mode="json")))
        return 0 if solution.error is None else 1
    print_solution(solution)
    return 0 if solution.error is None else 1


def print_solution(solution) -> None:
    if solution.error:
        print(f"error: {solution.error}")
        return
    for index, step in enumerate(solution.steps, 1):
        print(f"Step {index}: {step}")
    print(f"Answer: {solution.answer}")
    cost = solution.cost
    print(
        f"Cost: {cost.generated_tokens} tokens, {cost.policy_calls} policy calls, "
        f"{cost.reward_windows_scored} reward windows, {cost.wall_seconds:.2f} s ({solution.strategy})"
    )
