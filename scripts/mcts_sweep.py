"""Sweep MCTS settings on a dataset split and grade every answer-selection rule of each run.

Each setting is one ``run_strategy`` over the same problems with the same seed;
every selection rule's answer (``Solution.selections``) is graded, so one run
gives the accuracy of all rules. Prints a markdown table (accuracy %, tokens and
reward windows per problem, runs without an answer).

    python scripts/mcts_sweep.py --dataset arith:dev --limit 100 --n 16 \
        --setting base: --setting lambda0.5:node_weight=0.5 --setting uniform:prior=uniform
"""

from __future__ import annotations

import argparse
import json

from hrmsearch.config import PolicyConfig, RewardConfig
from hrmsearch.engine.loader import load_policy
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.tasks.grading import grade_many
from hrmsearch.tasks.registry import load_task, task_of

RULES = ("visits", "value", "visit_vote", "weighted", "majority", "argmax")


def parse_setting(text: str) -> tuple[str, dict]:
    """``name:key=value,key=value`` -> (name, options); values are JSON when they parse."""
    name, _, body = text.partition(":")
    options = {}
    for item in filter(None, body.split(",")):
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return name, options


def grade_run(solutions, problems, grader: str) -> dict:
    """Accuracy % of the chosen answer and of every rule, cost per problem, no-answer count."""
    row = {}
    for rule in ("chosen", *RULES):
        picked = [s.answer if rule == "chosen" else s.selections.get(rule) for s in solutions]
        grades = grade_many([(a, p.answer) for a, p in zip(picked, problems, strict=True)], grader)
        row[rule] = 100 * sum(g.correct for g in grades) / len(problems)
    count = len(solutions)
    row["tokens"] = sum(s.cost.generated_tokens for s in solutions) / count
    row["windows"] = sum(s.cost.reward_windows_scored for s in solutions) / count
    row["no_answer"] = sum(s.answer is None for s in solutions)
    row["errors"] = sum(s.error is not None for s in solutions)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="arith:dev")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reward", default="hrm_hnc")
    parser.add_argument("--aggregate", default="min")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--setting", action="append", required=True, help="name:key=value,...")
    args = parser.parse_args()
    problems = load_task(args.dataset, None, args.limit)[0]
    grader = task_of(args.dataset).grader
    policy = load_policy(PolicyConfig(backend=args.backend))
    reward = RewardConfig(model=args.reward, aggregate=args.aggregate)
    scorer = load_scorer(reward)
    print("| setting | options | chosen | " + " | ".join(RULES) + " | tokens/problem | windows/problem | no answer |")
    print("|---|---|---:|" + "---:|" * len(RULES) + "---:|---:|---:|")
    for name, options in map(parse_setting, args.setting):
        config = strategy_config(
            "mcts", n=args.n, seed=args.seed, temperature=args.temperature, **options
        )
        row = grade_run(run_strategy(problems, config, policy, scorer, reward), problems, grader)
        rules = " | ".join(f"{row[rule]:.0f}" for rule in RULES)
        print(
            f"| {name} | {options or 'defaults'} | {row['chosen']:.0f} | {rules} | {row['tokens']:.0f} | "
            f"{row['windows']:.1f} | {row['no_answer']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
