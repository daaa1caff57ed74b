"""Paired best-of-N differences between any two rows of a paper-mini run folder (a diagnostic).

    python scripts/paper_mini_pairs.py runs/paper_mini_v2 --n 16 \\
        --pairs "hrm_hnc argmax - one sample" "hrm_hnc argmax - majority" "hrm_hnc argmax - hrm argmax"

A row is ``majority``, ``pass@N``, ``LABEL argmax`` or ``LABEL weighted`` (LABEL: ``prm``,
``hrm_hnc``, ``hrm_hnc+mean``...), all at ``--n`` candidates, or ``one sample`` (the first
candidate). Each difference is paired (same seeds, problems and pools), in points, with the
run's bootstrap (resampled problems, seeds averaged inside each resample). One JSON line per pair.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from hrmsearch.benchmarks.paper_mini.bootstrap import bootstrap_interval
from hrmsearch.benchmarks.paper_mini.cells import MAJORITY, best_of_n_hits
from hrmsearch.benchmarks.paper_mini.options import RewardSpec
from hrmsearch.benchmarks.paper_mini.pools import load_pool, load_scores
from hrmsearch.tasks import arith

ONE_SAMPLE = "one sample"


def row_hits(folder: Path, rows: set[str], n: int) -> dict[str, np.ndarray]:
    """``row -> (seeds, problems)`` 0/1 outcomes at ``n`` candidates (``one sample`` at 1)."""
    seeds = sorted(int(path.stem.removeprefix("seed")) for path in (folder / "pools").glob("seed*.jsonl"))
    pools_by_id = [load_pool(folder, seed) for seed in seeds]
    problems = [problem for problem in arith.split("test") if problem.id in pools_by_id[0]]
    pools = [[by_id[problem.id] for problem in problems] for by_id in pools_by_id]
    labels = {row.rsplit(" ", 1)[0] for row in rows if row.endswith((" argmax", " weighted"))}
    specs = [RewardSpec.from_label(label) for label in sorted(labels)]
    scores = {spec.label: [load_scores(folder, seed, spec) for seed in seeds] for spec in specs}
    hits = best_of_n_hits(problems, pools, scores, specs, sorted({1, n}))
    table = {row: by_n[n] for row, by_n in hits.items()}
    table[ONE_SAMPLE] = hits[MAJORITY][1]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--pairs", nargs="+", required=True, help='"ROW - ROW", e.g. "prm argmax - majority"')
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pairs = [tuple(part.strip() for part in pair.split(" - ")) for pair in args.pairs]
    table = row_hits(args.folder, {row for pair in pairs for row in pair}, args.n)
    for left, right in pairs:
        interval = bootstrap_interval(table[left] - table[right], args.resamples, args.seed)
        print(json.dumps({"n": args.n, "pair": f"{left} - {right}", "points": round(100 * interval.mean, 1),
                          "ci95": [round(100 * interval.lo, 1), round(100 * interval.hi, 1)]}))


if __name__ == "__main__":
    main()
