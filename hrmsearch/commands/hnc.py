"""``hrmsearch hnc``: Hierarchical Node Compression of a trees file, with a report.

    hrmsearch hnc trees.jsonl --out trees_hnc.jsonl --seed 0

Every tree is rewritten by the paper's rule (see ``hrmsearch.training.hnc``);
the output is written atomically. Prints the report as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hnc", help="Hierarchical Node Compression of training trees", description=__doc__)
    parser.add_argument("trees", help="trees JSONL from `hrmsearch trees`")
    parser.add_argument("--out", required=True, help="compressed trees JSONL")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-children", type=int, default=4, help="a node needs this many children to lose one")
    parser.add_argument("--move-prob", type=float, default=0.5, help="chance that each child in turn is moved")


def run(args: argparse.Namespace) -> int:
    from hrmsearch.errors import HrmError
    from hrmsearch.jsonl import read_input, write_records_atomic
    from hrmsearch.training.hnc import HncParams, HncReport, compress_all
    from hrmsearch.training.tree_records import TreeRecord

    if args.min_children < 1 or not 0.0 <= args.move_prob <= 1.0:
        raise HrmError("--min-children must be >= 1 and --move-prob in [0, 1]")
    started = time.perf_counter()
    report = HncReport()
    params = HncParams(min_children=args.min_children, move_prob=args.move_prob)
    trees = list(compress_all(read_input(args.trees, TreeRecord), args.seed, params, report))
    write_records_atomic(args.out, trees)
    report.seconds = round(time.perf_counter() - started, 3)
    print(json.dumps({"out": args.out, **report.model_dump()}))
    return 0
