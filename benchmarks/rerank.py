"""Best-of-N on one shared candidate pool, reranked by several reward models.

    python -m hrmsearch.benchmarks.rerank --problems 200 --n 16 --rewards prm,hrm,hrm_hnc,orm

Samples ``n`` solutions per `arith` problem (``--split``, test by default; choose
models on ``dev``) once (the self-consistency
strategy, fixed seed), then scores every candidate with each reward model (and
each ``--combine`` rule for step models) and reports, for every power of two
k <= n, the accuracy of majority vote, reward argmax and reward-weighted vote on
the first k candidates. Sharing the pool makes the comparison between reward
models paired: they differ only in how they rank the same solutions.
Prints a markdown table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json

from hrmsearch.api import get_policy, get_scorer
from hrmsearch.benchmarks.candidates import accuracy, candidate_pool, pass_hits, rescore, share
from hrmsearch.config import RewardConfig
from hrmsearch.search.strategies.best_of_n import powers_of_two
from hrmsearch.search.voting import argmax, majority, weighted_majority
from hrmsearch.tasks import arith


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["dev", "test"], help="arith split")
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--rewards", default="prm,hrm,hrm_hnc,orm")
    parser.add_argument("--combine", default="fine,mean", help="rules for step models (orm ignores it)")
    parser.add_argument("--aggregate", default="min")
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    problems = arith.split(args.split)[: args.problems]
    policy = get_policy(None, args.backend, args.seed)
    pool = candidate_pool(problems, policy, args.n, args.seed, args.temperature)
    ks = powers_of_two(args.n)
    rows = {"majority": {k: accuracy(pool, problems, majority, k) for k in ks}}
    rows["pass"] = {k: share(pass_hits(pool, problems, k)) for k in ks}
    for name in args.rewards.split(","):
        outcome = name == "orm"
        for rule in ["fine"] if outcome else args.combine.split(","):
            reward = RewardConfig(model=name, outcome=outcome, combine=rule, aggregate=args.aggregate)
            scored = rescore(pool, problems, policy.prompts, get_scorer(name, reward), reward)
            label = name if outcome else f"{name} ({rule})"
            rows[f"{label} argmax"] = {k: accuracy(scored, problems, argmax, k) for k in ks}
            rows[f"{label} weighted"] = {k: accuracy(scored, problems, weighted_majority, k) for k in ks}
    print("| selection | " + " | ".join(f"N={k}" for k in ks) + " |")
    print("|---|" + "---:|" * len(ks))
    for label, values in rows.items():
        print(f"| {label} | " + " | ".join(f"{100 * values[k]:.1f}%" for k in ks) + " |")
    return {"metric": "best_of_n_rerank", "split": args.split, "problems": len(problems), "n": args.n, "aggregate": args.aggregate,
            "temperature": args.temperature,
            "seed": args.seed, "rows": rows}


if __name__ == "__main__":
    print(json.dumps(main()))
