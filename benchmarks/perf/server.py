"""Perf benchmark: the policy over a local vLLM server against the offline vLLM backend, same run.

Beam search (width 4, expansion 4 by default) over 32 `arith` test problems with
the shipped tiny policy, first through one local OpenAI-compatible vLLM server
(started here, as ``hrmsearch serve-policy`` starts it, and stopped after), then
through the offline vLLM ``LLM`` in this process. Same config, same seed, the free
:class:`~hrmsearch.benchmarks.perf.batching.LengthHeuristicScorer`; each side gets
a one-problem warm-up first. The value is the server side's generated tokens per
second over the offline side's: what HTTP, JSON and the server's own scheduling
cost.

    python -m hrmsearch.benchmarks.perf server [--problems 32] [--port 0]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
from pathlib import Path

from hrmsearch.benchmarks.perf.batching import LengthHeuristicScorer, side_record
from hrmsearch.benchmarks.perf.meters import MeteredPolicy, MeteredScorer, timed_run
from hrmsearch.config import PolicyConfig
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.tasks import arith


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf server")
    parser.add_argument("--problems", type=int, default=32, help="arith test problems")
    parser.add_argument("--width", type=int, default=4, help="beams kept per round")
    parser.add_argument("--expansion", type=int, default=4, help="candidate steps per beam")
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--max-step-tokens", type=int, default=64)
    parser.add_argument("--model", default=None, help="policy folder; default: the shipped tiny policy")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--max-model-len", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_side(policy, problems, config) -> dict:
    policy, scorer = MeteredPolicy(policy), MeteredScorer(LengthHeuristicScorer())
    run_strategy(problems[:1], config, policy, scorer)  # warm-up
    solutions, timing = timed_run(lambda: run_strategy(problems, config, policy, scorer), policy, scorer)
    return side_record(problems, solutions, timing)


def server_side(args: argparse.Namespace, problems, config) -> dict:
    from hrmsearch.engine.loader import load_policy, resolve_model_path
    from hrmsearch.engine.policy_server import PolicyServer, server_command

    port = args.port or free_port()
    model = resolve_model_path(args.model)
    log = Path(tempfile.mkdtemp(prefix="perf_server_")) / "server.log"
    server = PolicyServer(server_command(model, port, max_model_len=args.max_model_len), "127.0.0.1", port, log=log)
    server.start()
    try:
        url = server.wait_ready(900)
        policy = load_policy(PolicyConfig(model=model, urls=[url], seed=args.seed))
        try:
            return run_side(policy, problems, config) | {"url": url}
        finally:
            policy.close()
    finally:
        server.stop()


def offline_side(args: argparse.Namespace, problems, config) -> dict:
    from hrmsearch.engine.loader import load_policy

    policy = load_policy(PolicyConfig(model=args.model, backend="vllm", max_model_len=args.max_model_len,
                                      seed=args.seed))
    try:
        return run_side(policy, problems, config)
    finally:
        policy.close()


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    problems = arith.split("test", args.problems)
    config = strategy_config(
        "beam", n=args.width * args.expansion, width=args.width, seed=args.seed,
        max_steps=args.max_steps, max_step_tokens=args.max_step_tokens,
    )
    server = server_side(args, problems, config)
    offline = offline_side(args, problems, config)
    return {
        "metric": "server_vs_offline_tokens_per_s",
        "value": round(server["tokens_per_second"] / offline["tokens_per_second"], 3),
        "strategy": f"beam width {args.width} expansion {args.expansion}",
        "problems": len(problems),
        "policy": args.model or "shipped tiny policy",
        "scorer": "LengthHeuristicScorer (free; times the policy)",
        "server": server,
        "offline": offline,
    }
