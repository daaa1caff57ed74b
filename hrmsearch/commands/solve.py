"""``hrmsearch solve "question"``: solve one question and print steps, answer and cost.

Without ``--strategy`` it runs the default, HRM-guided beam search; for a strategy
with a reward model each chosen step is printed with its fine score (the step
alone) and its coarse score (the step merged with the one before it).
"""

from __future__ import annotations

import argparse
import json

from hrmsearch.commands.options import add_policy_options, add_reward_options, policy_choice, reward_fields

DEFAULT_REWARD_ARGS = argparse.Namespace(reward=None, reward_format="auto", reward_backend="transformers",
                                         reward_urls=[], reward_server_model=None)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("solve", help="solve one question", description=__doc__)
    parser.add_argument("question", help="the problem text")
    from hrmsearch.search.strategies import DEFAULT_STRATEGY, STRATEGIES

    parser.add_argument("--strategy", default=DEFAULT_STRATEGY, choices=list(STRATEGIES),
                        help=f"search strategy (default: {DEFAULT_STRATEGY}, guided by the reward model)")
    parser.add_argument("--n", type=int, default=None, help="samples / beams / candidates")
    add_policy_options(parser)
    add_reward_options(parser)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the Solution as JSON")


def run(args: argparse.Namespace) -> int:
    from hrmsearch.api import get_policy, solve
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
    delimiter = get_policy(policy_choice(args), args.backend, args.seed).prompts.delimiter  # loaded: cached
    print_solution(solution, step_scores(solution, reward, delimiter))
    return 0 if solution.error is None else 1


def step_scores(solution, reward, delimiter: str) -> list[tuple[float, float | None]] | None:
    """The chosen steps' (fine, coarse) scores from the search's own reward model; None without one."""
    from hrmsearch.api import get_scorer
    from hrmsearch.config import RewardConfig
    from hrmsearch.scoring.step_scores import fine_and_coarse
    from hrmsearch.search.strategies import needs_reward

    if solution.error or not solution.steps or not (needs_reward(solution.strategy) or reward is not None):
        return None
    config = reward or RewardConfig()
    if config.outcome:
        return None
    return fine_and_coarse(get_scorer(None, config), solution.question, solution.steps, delimiter)


def print_solution(solution, scores: list[tuple[float, float | None]] | None = None) -> None:
    if solution.error:
        print(f"error: {solution.error}")
        return
    width = max(len(step) for step in solution.steps) if solution.steps else 0
    for index, step in enumerate(solution.steps, 1):
        line = f"Step {index}: {step:<{width}}"
        if scores:
            fine, coarse = scores[index - 1]
            line += f"   fine {fine:.2f}   coarse " + ("  -" if coarse is None else f"{coarse:.2f}")
        print(line.rstrip())
    if solution.candidates:
        print(f"Weighed {len(solution.candidates)} candidate solutions "
              f"({solution.cost.reward_windows_scored} reward windows scored)")
    print(f"Answer: {solution.answer}")
    cost = solution.cost
    print(
        f"Cost: {cost.generated_tokens} tokens, {cost.policy_calls} policy calls, "
        f"{cost.reward_windows_scored} reward windows, {cost.wall_seconds:.2f} s ({solution.strategy})"
    )
