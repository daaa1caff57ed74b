"""``hrmsearch samples``: training trees -> PRM / HRM reward samples, split by problem.

    hrmsearch samples trees.jsonl --kind hrm --out hrm.jsonl
    hrmsearch samples trees.jsonl --hnc trees_hnc.jsonl --kind hrm --out hrm_hnc.jsonl

Writes the train samples to ``--out`` and the held-out problems' samples next to
it as ``NAME.test.jsonl`` (``--test-fraction 0`` writes none).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("samples", help="training trees -> PRM/HRM samples", description=__doc__)
    parser.add_argument("trees", help="trees JSONL from `hrmsearch trees`")
    parser.add_argument("--hnc", default=None, help="the same trees after `hrmsearch hnc` (HRM+HNC)")
    parser.add_argument("--kind", default="hrm", choices=["prm", "hrm", "orm"])
    parser.add_argument("--out", required=True, help="train samples JSONL")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share of problems held out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--select", default="balanced", choices=["balanced", "all"],
                        help="nodes per tree: the paper's balanced draw, or every labelled node")


def held_out_path(out: str) -> Path:
    path = Path(out)
    return path.with_name(f"{path.stem}.test{path.suffix or '.jsonl'}")


def write_splits(splits: dict, out) -> dict[str, str]:
    """Train samples to ``out``, held-out ones (when any) to ``NAME.test.jsonl``; atomic writes."""
    from hrmsearch.jsonl import write_records_atomic

    write_records_atomic(out, splits["train"])
    outputs = {"train": str(out)}
    if splits["test"]:
        outputs["test"] = str(write_records_atomic(held_out_path(out), splits["test"]))
    return outputs


def run(args: argparse.Namespace) -> int:
    from hrmsearch.errors import HrmError
    from hrmsearch.jsonl import read_input
    from hrmsearch.training.tree_records import TreeRecord
    from hrmsearch.training.tree_samples import build_samples

    if not 0.0 <= args.test_fraction < 1.0:
        raise HrmError(f"--test-fraction must be in [0, 1), got {args.test_fraction}")
    trees = read_input(args.trees, TreeRecord)
    hnc_trees = {tree.problem_id: tree for tree in read_input(args.hnc, TreeRecord)} if args.hnc else None
    splits = build_samples(trees, args.kind, args.seed, hnc_trees, args.test_fraction, args.select)
    outputs = write_splits(splits, args.out)
    counts = {name: len(samples) for name, samples in splits.items()}
    print(json.dumps({"trees": len(trees), "kind": args.kind, "hnc": bool(args.hnc), "samples": counts, "out": outputs}))
    return 0
