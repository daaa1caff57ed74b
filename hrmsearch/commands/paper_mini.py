"""``hrmsearch paper-mini``: the HRM paper's claims in miniature on `arith`, with 95% bootstrap intervals.

On the first P `arith-test` problems, with the shipped tiny policy and reward models:

  best-of-N   per seed ONE pool of max(N) solutions per problem (self_consistency), every
              candidate scored once per reward config (orm; prm, hrm, hrm_hnc at fine; hrm_hnc
              at mean and min of fine and coarse); majority, pass@N, argmax and weighted vote
  search      step_greedy, beam, mcts run live per --search-rewards model and --search-n budget,
              with generated tokens per problem (the `hrmsearch bench` harness)
  slice       recovered-correct ("Wait, ..." steps) vs wrong trajectories: pairwise win rates
  reports     summary.md, self_correction.md, accuracy_vs_n.png, accuracy_vs_tokens.png

Everything is appended per problem and resumable: rerunning with the same --out skips
finished work. The last line printed is one JSON object with the headline numbers.
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from hrmsearch.commands.options import add_backend_option
from hrmsearch.errors import HrmError

DEFAULT_OUT = "docs/results/arith"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "paper-mini", help="the paper's claims in miniature on arith (best-of-N, search, self-correction slice)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"run folder (default {DEFAULT_OUT})")
    parser.add_argument("--problems", type=int, default=500, help="the first P arith-test problems (at most 500)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated sampling seeds")
    parser.add_argument("--n", default="1,2,4,8,16,32,64", help="best-of-N budgets; the pool holds max(N)")
    parser.add_argument("--rewards", default="orm,prm,hrm,hrm_hnc", help="shipped reward models for best-of-N")
    parser.add_argument("--hierarchical", default="hrm_hnc",
                        help="models also scored with the --combine rules (hierarchical inference)")
    parser.add_argument("--combine", default="mean,min", help="hierarchical combine rules of fine and coarse scores")
    parser.add_argument("--aggregate", default="min", choices=["last", "min", "prod", "mean"],
                        help="trajectory score from node scores (every reward config and the search)")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--search-strategies", default="step_greedy,beam,mcts", help="'' skips the search block")
    parser.add_argument("--search-n", default="4,16", help="search budgets (what N means: hrmsearch bench --help)")
    parser.add_argument("--search-rewards", default="prm,hrm_hnc", help="reward models guiding the search")
    parser.add_argument("--search-problems", type=int, default=None,
                        help="search block on the first P' problems only (default: --problems)")
    parser.add_argument("--search-seeds", default=None, help="seeds of the search block (default: --seeds)")
    add_backend_option(parser)
    parser.add_argument("--chunk", type=int, default=32, help="problems per scheduler call (the unit of resume)")
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--bootstrap-seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _integers(text: str, flag: str) -> list[int]:
    try:
        return sorted({int(part) for part in _names(text)})
    except ValueError:
        raise HrmError(f"{flag} must be comma-separated integers, got {text!r}") from None


def command_line(args: argparse.Namespace) -> str:
    """The exact command, every setting spelt out (so the summary's command reruns this run)."""
    values = [
        ("--out", args.out), ("--problems", args.problems), ("--seeds", args.seeds), ("--n", args.n),
        ("--rewards", args.rewards), ("--hierarchical", args.hierarchical), ("--combine", args.combine),
        ("--aggregate", args.aggregate), ("--temperature", args.temperature),
        ("--search-strategies", args.search_strategies), ("--search-n", args.search_n),
        ("--search-rewards", args.search_rewards), ("--search-problems", args.search_problems),
        ("--search-seeds", args.search_seeds), ("--backend", args.backend), ("--chunk", args.chunk),
        ("--resamples", args.resamples), ("--bootstrap-seed", args.bootstrap_seed),
    ]
    return "hrmsearch paper-mini " + " ".join(
        f"{flag} {shlex.quote(str(value))}" for flag, value in values if value is not None
    )


def paper_mini_options(args: argparse.Namespace):
    from hrmsearch.benchmarks.paper_mini import PaperMiniOptions
    from hrmsearch.config import parse_config

    positive = {"--n": _integers(args.n, "--n"), "--search-n": _integers(args.search_n, "--search-n")}
    for flag, values in positive.items():
        if values and min(values) < 1:
            raise HrmError(f"{flag} values must be >= 1, got {values}")
    return parse_config(
        PaperMiniOptions, out=Path(args.out), problems=args.problems, seeds=_integers(args.seeds, "--seeds"),
        ns=positive["--n"], rewards=_names(args.rewards), hierarchical=_names(args.hierarchical),
        combines=_names(args.combine), aggregate=args.aggregate, temperature=args.temperature,
        search_strategies=_names(args.search_strategies), search_ns=positive["--search-n"],
        search_rewards=_names(args.search_rewards), search_problems=args.search_problems,
        search_seeds=None if args.search_seeds is None else _integers(args.search_seeds, "--search-seeds"),
        backend=args.backend, chunk=args.chunk,
        resamples=args.resamples, bootstrap_seed=args.bootstrap_seed, command=command_line(args),
        progress=not args.no_progress,
    )


def run(args: argparse.Namespace) -> int:
    from hrmsearch.benchmarks.paper_mini import run_paper_mini

    options = paper_mini_options(args)
    result = run_paper_mini(options)
    print((options.out / "summary.md").read_text())
    print(json.dumps(result))
    return 0
