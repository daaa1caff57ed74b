"""Right vs slipped steps: does a reward model prefer ``99 * 3 = 297`` to ``99 * 3 = 287``?

    python -m hrmsearch.benchmarks.slips --reward hrm_hnc --problems 150

For each of the first P `arith-dev` problems one step of its reference solution
(seeded choice) is scored as written and with a wrong result in its place, same
context. Prints the AUC (right step outscores slipped step, over all pairs) and
the paired win rate, as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random

import numpy as np

from hrmsearch.scoring.windows import Window
from hrmsearch.tasks import arith


def slipped_step(rng: random.Random, problem) -> tuple[list[str], int, str]:
    """``(reference steps, index, slip)``: a seeded step of the reference solution and that step with a wrong result."""
    steps = problem.solution.split(arith.STEP_DELIMITER)
    index = rng.randrange(len(steps) - 1)
    lhs, result = steps[index].split(" = ")
    return steps, index, f"{lhs} = {arith.wrong_result(rng, int(result))}"


def right_and_slipped_windows(count: int, seed: int = 1) -> tuple[list[Window], list[Window]]:
    """Fine windows of a correct arith-dev step, and of the same step with a wrong result."""
    rng = random.Random(seed)
    right, wrong = [], []
    for problem in arith.split("dev", size=count):
        steps, index, slip = slipped_step(rng, problem)
        right.append(Window(question=problem.question, previous=tuple(steps[:index]), current=steps[index]))
        wrong.append(Window(question=problem.question, previous=tuple(steps[:index]), current=slip))
    return right, wrong


def slip_report(scorer, count: int) -> dict:
    right, wrong = right_and_slipped_windows(count)
    right_scores, wrong_scores = scorer.score(right), scorer.score(wrong)
    return {
        "metric": "right_vs_slipped_auc",
        "value": round(float(np.mean(right_scores[:, None] > wrong_scores[None, :])), 4),
        "paired": round(float(np.mean(right_scores > wrong_scores)), 4),
        "problems": count,
        "reward": getattr(scorer, "name", type(scorer).__name__),
    }


def main(argv: list[str] | None = None) -> dict:
    from hrmsearch.config import RewardConfig
    from hrmsearch.scoring.loader import load_scorer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reward", default="hrm_hnc", help="shipped name or reward-model folder")
    parser.add_argument("--problems", type=int, default=150)
    args = parser.parse_args(argv)
    return slip_report(load_scorer(RewardConfig(model=args.reward, device="cpu")), args.problems)


if __name__ == "__main__":
    print(json.dumps(main()))
