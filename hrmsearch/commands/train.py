"""``hrmsearch train``: train a PRM / HRM / ORM from reward samples JSONL.

    hrmsearch train --kind hrm --data samples.jsonl --base hrmsearch/assets/policy --out runs/hrm
    hrmsearch train --format qwen-prm --kind hrm --data samples.jsonl --out runs/hrm-tags

``--format classifier`` (the default) trains the paper's per-window sequence
classifier (or ``--head likelihood``); ``--format qwen-prm`` trains the step-tag
format, every labelled step of a path in one pass (``--base`` defaults to the shipped
policy; a Llama decoder is saved as ``llama-prm``, a Qwen2 one as ``qwen-prm``).
The best checkpoint by eval loss is a Hugging Face folder in ``--out``, loadable as
a reward model; rerunning with the same ``--out`` resumes from the last checkpoint.
Prints the run's report as one JSON line last.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hrmsearch.config import describe_validation_error
from hrmsearch.errors import HrmError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a reward model (PRM/HRM/ORM)", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", required=True, choices=["prm", "hrm", "orm"])
    parser.add_argument("--format", default="classifier", choices=["classifier", "qwen-prm"],
                        help="per-window classifier (the paper's) or the step-tag format trained densely")
    parser.add_argument("--data", required=True, type=Path, help="reward samples JSONL")
    parser.add_argument("--base", default=None,
                        help="causal-LM folder to start from; 'tiny' (the classifier default: a fresh tiny Llama) "
                             "or 'policy' (the qwen-prm default: the shipped policy)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--head", default="classifier", choices=["classifier", "likelihood"],
                        help="sequence classifier (the paper's) or step-likelihood reward model")
    parser.add_argument("--pair-scope", default="question", choices=["question", "siblings"],
                        help="ranking pairs: within a question, or only between windows with the same context")
    parser.add_argument("--pairwise", type=float, default=0.0,
                        help="weight of a within-question ranking loss (0 = the paper's pointwise loss)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--batch-tokens", type=int, default=4096)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--eval-every", type=int, default=None, help="steps between evals (default: per epoch)")
    parser.add_argument("--device", default="auto")


COMMON = ("kind", "data", "out", "epochs", "lr", "seed", "max_minutes", "batch_tokens", "max_length", "eval_every",
          "device")


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    values = {name: getattr(args, name) for name in COMMON}
    if args.base is not None:
        values["base"] = args.base
    if args.format == "qwen-prm":
        from hrmsearch.training.train_steptag import SteptagOptions as Options
        from hrmsearch.training.train_steptag import train

        if args.head != "classifier" or args.pairwise or args.pair_scope != "question":
            raise HrmError("--format qwen-prm trains the step-tag head pointwise: --head, --pairwise and "
                           "--pair-scope are options of --format classifier")
    else:
        from hrmsearch.training.train_reward import TrainOptions as Options
        from hrmsearch.training.train_reward import train

        values |= {name: getattr(args, name) for name in ("pairwise", "head", "pair_scope")}
    try:
        options = Options(**values)
    except ValidationError as error:
        raise HrmError(describe_validation_error(error, "train options")) from None
    print(train(options).model_dump_json())
    return 0
