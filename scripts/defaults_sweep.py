"""Sweep the reward settings (combine, aggregate, selection, temperature) that become the shipped defaults.

Best-of-N part: for each temperature and seed, ``n`` solutions per `arith-dev`
problem are sampled ONCE (the self-consistency strategy); every candidate is
scored once for its fine windows and once for its coarse windows with one reward
model (the scorer's cache shares the windows), and every (combine, aggregate)
rule is then computed from those two score lists, so all rules rank the same
candidates (a paired comparison). Reports, per rule, the accuracy of reward
argmax and reward-weighted vote on the first k candidates (mean over seeds),
next to majority vote and pass@k, and each rule's paired difference to majority
vote at the largest k with a 95% bootstrap interval over problems.

Search part (``--check beam,dvts,mcts``): each listed strategy runs on the first
``--check-limit`` problems once per ``--check-rules`` setting (``combine:aggregate``)
and ``--check-temperatures`` value, every selection rule the run reports graded,
to see that the chosen rules do not hurt step-level search.

    python scripts/defaults_sweep.py --problems 200 --n 16 --seeds 0,1,2 --temperatures 0.6,0.8,1.0 \\
        --check beam,dvts,mcts --check-limit 100 --check-rules fine:last,fine:min,mean:min,mean:last

(the run behind docs/results/defaults_sweep.md).

Never run it on `arith-test`: the defaults are chosen on `arith-dev`. Prints
markdown tables, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import numpy as np

from hrmsearch.api import get_policy, get_scorer
from hrmsearch.benchmarks.candidates import (
    candidate_pool,
    is_correct,
    pass_hits,
    rescore,
    selection_hits,
    share,
)
from hrmsearch.benchmarks.paper_mini.bootstrap import bootstrap_interval
from hrmsearch.config import RewardConfig
from hrmsearch.records import Problem, Solution
from hrmsearch.scoring.aggregate import AGGREGATE_RULES, COMBINE_RULES, aggregate, combine
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.strategies.best_of_n import powers_of_two
from hrmsearch.search.voting import argmax, majority, weighted_majority
from hrmsearch.tasks import arith

PICKS = {"argmax": argmax, "weighted": weighted_majority}
Hits = dict[str, dict[int, np.ndarray]]  # row label -> k -> (seeds, problems) of 0/1


def raw_step_scores(pool: list[Solution], problems: list[Problem], prompts, scorer, model: str, rule: str):
    """Per problem, per candidate: its node scores under combine ``rule`` (``fine`` or ``coarse``)."""
    reward = RewardConfig(model=model, combine=rule, aggregate="last")
    scored = rescore(pool, problems, prompts, scorer, reward)
    return [[candidate.step_scores for candidate in solution.candidates] for solution in scored]


def rule_scores(fine: Sequence[float], coarse: Sequence[float], combine_rule: str, aggregate_rule: str) -> float:
    """A trajectory score from its fine and coarse node scores (the first step has no coarse window)."""
    nodes = [combine(f, c if index else None, combine_rule) for index, (f, c) in enumerate(zip(fine, coarse))]
    return aggregate(nodes, aggregate_rule) if nodes else 0.0


def rescored_pool(pool: list[Solution], fine, coarse, combine_rule: str, aggregate_rule: str) -> list[Solution]:
    """``pool`` with every candidate's score set by (``combine_rule``, ``aggregate_rule``)."""
    out = []
    for solution, fine_rows, coarse_rows in zip(pool, fine, coarse, strict=True):
        candidates = [
            candidate.model_copy(update={"score": rule_scores(f, c, combine_rule, aggregate_rule)})
            for candidate, f, c in zip(solution.candidates, fine_rows, coarse_rows, strict=True)
        ]
        out.append(solution.model_copy(update={"candidates": candidates}))
    return out


def pool_hits(pool, problems, fine, coarse, ks: list[int]) -> dict[str, dict[int, list[bool]]]:
    """Per row (baselines, then argmax / weighted vote under every rule), per k: the problems' hits."""
    rows = {
        "majority": {k: selection_hits(pool, problems, majority, k) for k in ks},
        "pass": {k: pass_hits(pool, problems, k) for k in ks},
    }
    for combine_rule in COMBINE_RULES:
        for aggregate_rule in AGGREGATE_RULES:
            scored = rescored_pool(pool, fine, coarse, combine_rule, aggregate_rule)
            for name, pick in PICKS.items():
                rows[f"{combine_rule} / {aggregate_rule} {name}"] = {
                    k: selection_hits(scored, problems, pick, k) for k in ks
                }
    return rows


def stack_seeds(per_seed: list[dict[str, dict[int, list[bool]]]]) -> Hits:
    """The seeds' hits of each row and k as one (seeds, problems) array."""
    return {
        label: {k: np.array([hits[label][k] for hits in per_seed], dtype=float) for k in per_seed[0][label]}
        for label in per_seed[0]
    }


def pool_rows(hits: Hits, k: int) -> dict[str, dict]:
    """Per row: accuracy at each k (mean over seeds and problems) and, at ``k``, minus majority [95% CI]."""
    floor = hits["majority"][k]
    rows = {}
    for label, by_k in hits.items():
        row = {str(j): float(table.mean()) for j, table in by_k.items()}
        if label not in ("majority", "pass"):
            row["vs_majority"] = bootstrap_interval(by_k[k] - floor).model_dump(exclude={"per_seed"})
        row["per_seed"] = [float(v) for v in by_k[k].mean(axis=1)]
        rows[label] = row
    return rows


def print_pool_table(title: str, rows: dict[str, dict], ks: list[int]) -> None:
    k = ks[-1]
    print(f"\n{title}\n")
    print("| selection | " + " | ".join(f"N={j}" for j in ks) + f" | minus majority at N={k} [95% CI] | per seed N={k} |")
    print("|---|" + "---:|" * len(ks) + "---:|---|")
    for label, row in rows.items():
        diff = row.get("vs_majority")
        diff_text = f"{100 * diff['mean']:+.1f} [{100 * diff['lo']:+.1f}, {100 * diff['hi']:+.1f}]" if diff else ""
        seeds = " / ".join(f"{100 * v:.1f}" for v in row["per_seed"])
        print(f"| {label} | " + " | ".join(f"{100 * row[str(j)]:.1f}%" for j in ks) + f" | {diff_text} | {seeds} |")


def sweep_temperature(problems, policy, scorer, model, n, seeds, temperature) -> Hits:
    """Hits of every row on one pool per seed at ``temperature``."""
    ks = powers_of_two(n)
    per_seed = []
    for seed in seeds:
        pool = candidate_pool(problems, policy, n, seed, temperature)
        fine = raw_step_scores(pool, problems, policy.prompts, scorer, model, "fine")
        coarse = raw_step_scores(pool, problems, policy.prompts, scorer, model, "coarse")
        per_seed.append(pool_hits(pool, problems, fine, coarse, ks))
    return stack_seeds(per_seed)


def graded_search(solutions: list[Solution], problems: list[Problem]) -> dict[str, float]:
    """Accuracy of the Solution's answer and of every selection all solutions report; tokens per problem."""
    common = set.intersection(*({key for key in s.selections if "@" not in key} for s in solutions))
    row = {"answer": share([is_correct(s.answer, p.answer) for s, p in zip(solutions, problems, strict=True)])}
    for rule in sorted(common):
        row[rule] = share([is_correct(s.selections[rule], p.answer) for s, p in zip(solutions, problems, strict=True)])
    row["tokens"] = sum(s.cost.generated_tokens for s in solutions) / len(solutions)
    return row


def check_search(problems, policy, scorer, model, strategies, rules, n, seed, temperatures) -> dict[str, dict]:
    """Each strategy under each ``combine:aggregate`` rule and temperature, on the same problems and seed."""
    rows = {}
    for strategy in strategies:
        for temperature in temperatures:
            for setting in rules:
                combine_rule, aggregate_rule = setting.split(":")
                reward = RewardConfig(model=model, combine=combine_rule, aggregate=aggregate_rule)
                config = strategy_config(strategy, n=n, seed=seed, temperature=temperature)
                solutions = run_strategy(problems, config, policy, scorer, reward, progress=True)
                rows[f"{strategy} T={temperature} {combine_rule} / {aggregate_rule}"] = graded_search(solutions, problems)
    return rows


def print_search_table(title: str, rows: dict[str, dict]) -> None:
    columns = ["answer", *sorted({key for row in rows.values() for key in row} - {"answer", "tokens"})]
    print(f"\n{title}\n")
    print("| run | " + " | ".join(columns) + " | tokens / problem |")
    print("|---|" + "---:|" * (len(columns) + 1))
    for label, row in rows.items():
        print(f"| {label} | " + " | ".join(f"{100 * row[c]:.1f}%" if c in row else "-" for c in columns)
              + f" | {row['tokens']:.0f} |")


def floats(text: str) -> list[float]:
    return [float(value) for value in text.split(",") if value]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=200, help="first P problems of arith-dev")
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--reward", default="hrm_hnc")
    parser.add_argument("--temperatures", default="0.8")
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--seeds", default="0", help="one pool per seed and temperature")
    parser.add_argument("--check", default="", help="search strategies to check, e.g. beam,dvts,mcts")
    parser.add_argument("--check-limit", type=int, default=50)
    parser.add_argument("--check-rules", default="fine:last,mean:min")
    parser.add_argument("--check-temperatures", default="0.8")
    parser.add_argument("--check-seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    problems = arith.split("dev")[: args.problems]
    seeds = [int(seed) for seed in args.seeds.split(",")]
    policy = get_policy(None, args.backend, seeds[0])
    scorer = get_scorer(None, RewardConfig(model=args.reward))  # one scorer: its cache serves every rule
    ks = powers_of_two(args.n)
    result = {"metric": "defaults_sweep", "problems": len(problems), "n": args.n, "reward": args.reward,
              "seeds": seeds, "pools": {}, "search": {}}
    for temperature in floats(args.temperatures):
        hits = sweep_temperature(problems, policy, scorer, args.reward, args.n, seeds, temperature)
        rows = pool_rows(hits, ks[-1])
        print_pool_table(f"best-of-{args.n}, T={temperature}, {args.reward}, seeds {args.seeds} "
                         "(combine / aggregate)", rows, ks)
        result["pools"][str(temperature)] = rows
    if args.check:
        check_problems = problems[: args.check_limit]
        rows = check_search(check_problems, policy, scorer, args.reward, args.check.split(","),
                            args.check_rules.split(","), args.n, args.check_seed, floats(args.check_temperatures))
        print_search_table(f"search check: {len(check_problems)} problems, N={args.n}, seed {args.check_seed}", rows)
        result["search"] = rows
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
