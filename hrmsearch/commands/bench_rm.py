"""``hrmsearch bench-rm``: a reward model's step accuracy, AUC and reranking accuracy on PRM800K labels.

No generation: every rated completion in the PRM800K file (+1 / -1; 0 dropped, prefix
= the chosen completions, per the paper's rules) is scored by the reward model. The
last line printed is the report as one JSON object.
"""

from __future__ import annotations

import argparse

from hrmsearch.commands.options import add_data_dir_option, add_reward_options, reward_fields


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench-rm", help="evaluate a reward model on PRM800K step labels",
                                   description=__doc__)
    parser.add_argument("--data", default=None, help="PRM800K JSONL (default: the shared prm800k sample)")
    parser.add_argument("--samples", default=None,
                        help="reward samples JSONL instead (e.g. held-out tree samples); labels >= 0.5 count as good")
    add_data_dir_option(parser)
    add_reward_options(parser, "reward model: a shipped name, a folder or a Hub id (default: hrm_hnc)",
                       backend_aliases=("--backend",))
    parser.add_argument("--combine", default="fine", choices=["fine", "coarse", "mean", "min", "max"],
                        help="node score from fine and coarse windows, as in search")
    parser.add_argument("--threshold", type=float, default=0.5, help="score at or above which a step counts as good")
    parser.add_argument("--batch", type=int, default=256, help="windows per scorer call")
    parser.add_argument("--no-progress", action="store_true")


def binarized_samples(path: str) -> list:
    """Step samples of a reward-samples file with soft labels turned into good (>= 0.5) / bad."""
    from hrmsearch.training.samples import read_samples

    return [
        sample.model_copy(update={"label": float(sample.label >= 0.5)})
        for sample in read_samples(path)
        if sample.kind in ("fine", "coarse")
    ]


def run(args: argparse.Namespace) -> int:
    from hrmsearch.api import get_scorer
    from hrmsearch.benchmarks.reward_eval import evaluate, prm800k_samples, report_text
    from hrmsearch.config import RewardConfig, parse_config
    from hrmsearch.errors import HrmError
    from hrmsearch.tasks.registry import shared_data_path

    if args.samples:
        data, samples = args.samples, binarized_samples(args.samples)
    else:
        data = args.data or str(shared_data_path("prm800k", args.data_dir))
        samples = prm800k_samples(data, args.combine)  # read (and validate) the data before loading a model
    if not samples:
        raise HrmError(f"{data}: no labelled steps to score")
    config = parse_config(RewardConfig, **reward_fields(args), combine=args.combine)
    scorer = get_scorer(None, config)
    report = evaluate(scorer, samples, data, args.combine, args.threshold, args.batch, not args.no_progress,
                      siblings=bool(args.samples))
    print(report_text(report))
    print(report.model_dump_json())
    return 0
