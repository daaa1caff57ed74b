"""Perf benchmark: every search strategy's generated tokens/s against plain sampling, same backend, same run.

For each strategy (greedy, self_consistency, best_of_n, step_greedy, beam, dvts,
mcts by default) at N = 16 over 32 `arith` test problems with the shipped tiny
policy, one ``run_strategy`` call is timed, and so is **plain sampling** through
the same loaded backend, once before the strategies and once after (the baseline
pools both: on a shared VM one plain run alone moved 3,800-5,100 tokens/s). Plain
sampling is N full solutions per problem, no step delimiter, no reward model (vLLM: one ``LLM.generate`` over N x P single-sample prompts without
log-probs; transformers: the backend's own batched sampling, ``n`` = N); greedy,
which has no budget, is compared with plain sampling of one solution per problem. Each
strategy's ratio is its tokens/s over plain sampling's; the value is the smallest
ratio. Targets (the issue's): best-of-N and self-consistency >= 0.95, every
step-level strategy >= 0.8.

The reward model is the free :class:`~hrmsearch.benchmarks.perf.batching.LengthHeuristicScorer`
unless ``--reward`` names one, so the ratios time the policy calls and the
scheduler (``--reward hrm_hnc`` adds the reward model's time to the strategies'
side only). A one-problem warm-up of plain sampling and of every strategy comes first.
Each strategy's row also says its **engine overhead**: the share of its wall time
spent outside policy and reward-model calls (target < 5%), and its **policy idle
share**: the share with no generation request outstanding (see ``meters.py``).

    python -m hrmsearch.benchmarks.perf strategies [--backend transformers|vllm] [--problems 32] [--n 16]
        [--strategies mcts] [--set rollouts=1]
"""

from __future__ import annotations

import argparse
from typing import Any

from hrmsearch.benchmarks.perf.batching import load_scorer, side_record, timed
from hrmsearch.benchmarks.perf.meters import MeteredPolicy, MeteredScorer, timed_run
from hrmsearch.commands.bench import parse_sets
from hrmsearch.config import PolicyConfig
from hrmsearch.engine.base import SamplingParams
from hrmsearch.errors import HrmError
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.strategies import STRATEGIES
from hrmsearch.tasks import arith

SAMPLING_STRATEGIES = ("best_of_n", "self_consistency")  # full solutions: target 0.95; the others 0.8
TARGETS = {"full solutions": 0.95, "step level": 0.8}
OVERHEAD_TARGET = 0.05  # share of wall time outside policy and reward-model calls


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf strategies")
    parser.add_argument("--backend", choices=["transformers", "vllm"], default="transformers")
    parser.add_argument("--problems", type=int, default=32, help="arith test problems")
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--strategies", default=",".join(STRATEGIES), help="comma-separated")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--max-tokens", type=int, default=256, help="plain sampling's longest solution")
    parser.add_argument("--reward", default=None, help="reward model; default: LengthHeuristicScorer")
    parser.add_argument("--model", default=None, help="policy folder; default: the shipped tiny policy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="strategy config value for every strategy that has KEY, as in bench, e.g. rollouts=1")
    return parser.parse_args(argv)


def settings_by_strategy(names: list[str], items: list[str]) -> dict[str, dict[str, Any]]:
    """``bench``'s ``--set`` rule: each ``KEY=VALUE`` goes to every strategy whose config has KEY
    (a bad item or a KEY no chosen strategy has is a one-line error)."""
    try:
        values = parse_sets(items)
    except HrmError as error:
        raise SystemExit(str(error)) from None
    fields = {name: STRATEGIES[name].config.model_fields for name in names}
    unknown = sorted(key for key in values if not any(key in known for known in fields.values()))
    if unknown:
        raise SystemExit(f"--set {unknown[0]}: no chosen strategy has that setting")
    return {name: {k: v for k, v in values.items() if k in known} for name, known in fields.items()}


def plain_sampling(policy: Any, prompts: list[str], n: int, temperature: float, max_tokens: int,
                   backend: str) -> int:
    """Sample ``n`` full solutions per prompt through the backend's own sampler; the generated tokens."""
    if backend == "vllm":
        from vllm import SamplingParams as VSamplingParams

        repeated = [prompt for prompt in prompts for _ in range(n)]
        outputs = policy.llm.generate(repeated, VSamplingParams(n=1, temperature=temperature, max_tokens=max_tokens),
                                      use_tqdm=False)
        return sum(len(choice.token_ids) for output in outputs for choice in output.outputs)
    params = SamplingParams(n=n, temperature=temperature, max_tokens=max_tokens, stop=[])
    return sum(sample.num_tokens for row in policy.generate(prompts, params) for sample in row)


def timed_plain(policy: Any, prompts: list[str], n: int, args: argparse.Namespace) -> dict:
    tokens, seconds = timed(lambda: plain_sampling(policy, prompts, n, args.temperature, args.max_tokens,
                                                   args.backend))
    return {"seconds": round(seconds, 3), "generated_tokens": tokens, "tokens_per_second": round(tokens / seconds, 1)}


def baseline(before: dict, after: dict) -> dict:
    """Plain sampling measured before and after the strategies: the baseline is their pooled tokens/s."""
    tokens = before["generated_tokens"] + after["generated_tokens"]
    seconds = before["seconds"] + after["seconds"]
    return {"generated_tokens": tokens, "seconds": round(seconds, 3), "tokens_per_second": round(tokens / seconds, 1),
            "before_tokens_per_second": before["tokens_per_second"],
            "after_tokens_per_second": after["tokens_per_second"]}


def baseline_n(strategy: str, n: int) -> int:
    """Solutions per problem of the plain sampling a strategy is compared with."""
    return 1 if STRATEGIES[strategy].budget_free else n


def target_of(strategy: str) -> float:
    return TARGETS["full solutions"] if strategy in SAMPLING_STRATEGIES else TARGETS["step level"]


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    from hrmsearch.engine.loader import load_policy

    policy = MeteredPolicy(load_policy(PolicyConfig(model=args.model, backend=args.backend, seed=args.seed)))
    scorer = MeteredScorer(load_scorer(args.reward))
    problems = arith.split("test", args.problems)
    prompts = [policy.prompts.build(problem.question) for problem in problems]
    names = [s.strip() for s in args.strategies.split(",") if s.strip()]
    plain_sampling(policy.policy, prompts[:1], args.n, args.temperature, args.max_tokens, args.backend)  # warm-up
    settings = settings_by_strategy(names, args.set)
    for name in names:  # on vLLM the first run of n > 1 samples per request was ~25% slower than later ones
        run_strategy(problems[:1], strategy_config(name, n=args.n, seed=args.seed, **settings[name]), policy, scorer)
    budgets = sorted({baseline_n(name, args.n) for name in names}, reverse=True)
    before = {n: timed_plain(policy.policy, prompts, n, args) for n in budgets}
    per_strategy = {}
    for name in names:
        config = strategy_config(name, n=args.n, seed=args.seed, temperature=args.temperature, **settings[name])
        solutions, timing = timed_run(lambda config=config: run_strategy(problems, config, policy, scorer),
                                      policy, scorer)
        per_strategy[name] = side_record(problems, solutions, timing)
    plain = {n: baseline(before[n], timed_plain(policy.policy, prompts, n, args)) for n in budgets}
    for name, side in per_strategy.items():
        ratio = side["tokens_per_second"] / plain[baseline_n(name, args.n)]["tokens_per_second"]
        side.update({"vs_plain": round(ratio, 3), "plain_n": baseline_n(name, args.n), "target": target_of(name),
                     "met": ratio >= target_of(name), "overhead_met": side["overhead_share"] < OVERHEAD_TARGET})
    print_table(plain, per_strategy)
    return {
        "metric": "search_vs_plain_sampling",
        "value": min(row["vs_plain"] for row in per_strategy.values()),
        "max_overhead_share": max(row["overhead_share"] for row in per_strategy.values()),
        "overhead_target": OVERHEAD_TARGET,
        "backend": args.backend,
        "problems": len(problems),
        "n": args.n,
        "settings": {name: values for name, values in settings.items() if values},
        "policy": args.model or "shipped tiny policy",
        "scorer": args.reward or "LengthHeuristicScorer (free; times the policy and scheduler)",
        "plain_sampling": {str(n): side for n, side in plain.items()},
        "per_strategy": per_strategy,
    }


def print_table(plain: dict, per_strategy: dict) -> None:
    for n, side in plain.items():
        print(f"plain sampling, {n} per problem, before and after the strategies: {side['generated_tokens']} "
              f"tokens in {side['seconds']} s ({side['tokens_per_second']} tokens/s; "
              f"{side['before_tokens_per_second']} before, {side['after_tokens_per_second']} after)")
    print("| strategy | tokens | seconds | tokens/s | policy calls | vs plain (per problem) | target | overhead "
          "| policy idle |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in per_strategy.items():
        mark = "" if row["met"] else " (not met)"
        overhead = f"{100 * row['overhead_share']:.1f}%" + ("" if row["overhead_met"] else " (not met)")
        print(f"| {name} | {row['generated_tokens']} | {row['seconds']} | {row['tokens_per_second']} | "
              f"{row['policy_calls']} | {row['vs_plain']:.2f} ({row['plain_n']}) | {row['target']}{mark} | "
              f"{overhead} | {100 * row['policy_idle_share']:.1f}% |")
