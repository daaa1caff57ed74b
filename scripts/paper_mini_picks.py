"""What each reward model's argmax picks look like in a paper-mini run folder (a diagnostic).

    python scripts/paper_mini_picks.py runs/paper_mini_tf [--labels prm,hrm,hrm_hnc,orm]
    python scripts/paper_mini_picks.py runs/paper_mini_tf --score untrained=runs/untrained

``--score LABEL=FOLDER`` first scores every pool with another reward-model folder (fine
windows, the run's ``min`` aggregate) into ``scores/seedS/LABEL.jsonl`` (once), then
reports it as one more label.

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

from hrmsearch.benchmarks.candidates import is_correct, rescore
from hrmsearch.benchmarks.paper_mini.pools import load_pool, score_record
from hrmsearch.config import PolicyConfig, RewardConfig
from hrmsearch.engine.prompts import PromptBuilder
from hrmsearch.jsonl import read_jsonl
from hrmsearch.tasks import arith


def records(path: Path) -> list[dict]:
    return [record for _, record in read_jsonl(path)]


def picks(folder: Path, label: str, golds: dict[str, str]) -> dict:
    rows = []
    for pool_path in sorted((folder / "pools").glob("seed*.jsonl")):
        pools = {record["problem_id"]: record for record in records(pool_path)}
        for scored in records(folder / "scores" / pool_path.stem / f"{label}.jsonl"):
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


def score_folder(folder: Path, label: str, model: str) -> None:
    """Scores of every pool under reward model ``model``, written as label ``label`` (skipped when present)."""
    from hrmsearch.api import get_scorer

    reward = RewardConfig(model=model, combine="fine", aggregate="min")
    scorer = get_scorer(model, reward)
    problems_by_id = {problem.id: problem for problem in arith.split("test")}
    for pool_path in sorted((folder / "pools").glob("seed*.jsonl")):
        target = folder / "scores" / pool_path.stem / f"{label}.jsonl"
        if target.exists():
            continue
        pools = load_pool(folder, int(pool_path.stem.removeprefix("seed")))
        problems = [problems_by_id[pid] for pid in pools]
        scored = rescore(list(pools.values()), problems, PromptBuilder(PolicyConfig().delimiter), scorer, reward)
        records = [score_record(solution, pools[solution.problem_id]) for solution in scored]
        target.write_text("".join(record.model_dump_json() + "\n" for record in records))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--labels", default="orm,prm,hrm,hrm_hnc")
    parser.add_argument("--score", action="append", default=[], metavar="LABEL=FOLDER")
    args = parser.parse_args()
    labels = args.labels.split(",")
    for item in args.score:
        label, model = item.split("=", 1)
        score_folder(args.folder, label, model)
        labels.append(label)
    golds = {problem.id: problem.answer for problem in arith.split("test")}
    for label in labels:
        print(json.dumps(picks(args.folder, label, golds)))


if __name__ == "__main__":
    main()
