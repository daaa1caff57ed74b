"""What each reward model's argmax picks look like in a paper-mini run folder (a diagnostic).

    python scripts/paper_mini_picks.py runs/paper_mini_tf [--labels prm,hrm,hrm_hnc,orm]

For every (seed, problem) pool and every reward label, takes the best-scored of all
pool candidates and prints one JSON line per label: accuracy of those picks, the
share of picks carrying a ``Wait,`` (self-correcting) step and their accuracy, the
accuracy of the other picks, and the mean policy log-probability of the picks
against the pool's mean (a reward model that prefers unlikely candidates shows a
pick mean below the pool mean).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from hrmsearch import arith
from hrmsearch.benchmarks.candidates import is_correct


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def picks(folder: Path, label: str, golds: dict[str, str]) -> dict:
    rows = []
    for pool_path in sorted((folder / "pools").glob("seed*.jsonl")):
        pools = {record["problem_id"]: record for record in read_jsonl(pool_path)}
        for scored in read_jsonl(folder / "scores" / pool_path.stem / f"{label}.jsonl"):
            candidates = pools[scored["problem_id"]]["candidates"]
            pick = candidates[int(np.argmax(scored["scores"]))]
            correct = is_correct(pick["answer"], golds[scored["problem_id"]])
            waits = any(step.startswith("Wait,") for step in pick["steps"])
            pool_logprob = np.mean([c["logprob"] for c in candidates])
            rows.append((correct, waits, pick["logprob"], pool_logprob))
    correct, waits, logprob, pool_logprob = (np.array(column, dtype=float) for column in zip(*rows))
    wait_picks = waits > 0
    return {
        "label": label, "pools": len(rows), "accuracy": round(correct.mean(), 4),
        "wait_share": round(wait_picks.mean(), 4),
        "wait_accuracy": round(correct[wait_picks].mean(), 4) if wait_picks.any() else None,
        "other_accuracy": round(correct[~wait_picks].mean(), 4),
        "pick_logprob": round(logprob.mean(), 3), "pool_logprob": round(pool_logprob.mean(), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--labels", default="orm,prm,hrm,hrm_hnc")
    args = parser.parse_args()
    golds = {problem.id: problem.answer for problem in arith.split("test")}
    for label in args.labels.split(","):
        print(json.dumps(picks(args.folder, label, golds)))


if __name__ == "__main__":
    main()
