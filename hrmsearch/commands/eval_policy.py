"""``hrmsearch eval-policy``: greedy accuracy, pass@k and majority@k of a policy on `arith-test`.

This is the command that measured the shipped policy's numbers in the README.
"""

from __future__ import annotations

import argparse
import json
import time

from hrmsearch.commands.options import add_policy_options, policy_choice


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval-policy", help="greedy / pass@k of a policy on arith-test", description=__doc__)
    add_policy_options(parser)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from hrmsearch.api import get_policy, solve_many
    from hrmsearch.benchmarks.candidates import is_correct
    from hrmsearch.tasks.registry import load_task

    problems = load_task("arith:test", limit=args.limit)[0]
    policy = get_policy(policy_choice(args), args.backend, args.seed)
    started = time.perf_counter()
    greedy = solve_many(problems, "greedy", policy=policy, seed=args.seed, progress=True)
    sampled = solve_many(
        problems, "self_consistency", policy=policy, seed=args.seed, n=args.k,
        temperature=args.temperature, progress=True,
    )
    report = {
        "problems": len(problems),
        "greedy_accuracy": _mean(is_correct(s.answer, p.answer) for s, p in zip(greedy, problems)),
        f"pass@{args.k}": _mean(
            any(is_correct(c.answer, p.answer) for c in s.candidates) for s, p in zip(sampled, problems)
        ),
        f"majority@{args.k}": _mean(is_correct(s.answer, p.answer) for s, p in zip(sampled, problems)),
        "sample_step_accuracy": _step_accuracy(sampled),
        "errors": sum(s.error is not None for s in greedy + sampled),
        "temperature": args.temperature,
        "backend": type(policy).__name__,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report))
    return 0


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / max(1, len(values)), 4)


def _step_accuracy(solutions) -> float:
    """Share of sampled ``a op b = c`` steps whose arithmetic is right."""
    import re

    pattern = re.compile(r"^(\d+) ([-+*/]) (\d+) = (\d+)$")
    right = total = 0
    for solution in solutions:
        for candidate in solution.candidates:
            for step in candidate.steps:
                match = pattern.match(step)
                if not match:
                    continue
                a, op, b, c = int(match[1]), match[2], int(match[3]), int(match[4])
                value = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else None}[op]
                total += 1
                right += value == c
    return round(right / max(1, total), 4)
