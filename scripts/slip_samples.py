"""Exact right/slipped reward samples from `arith` train reference solutions (a learnability probe).

    python scripts/slip_samples.py --problems 3000 --out slips.jsonl
    hrmsearch train --format qwen-prm --kind prm --data slips.jsonl --out runs/slip-probe --epochs 1 --lr 1e-4
    python -m hrmsearch.benchmarks.slips --reward runs/slip-probe

For each problem one step of its reference solution (seeded choice) is written twice
under the same question and previous steps: as it is (label 1) and with a wrong result
(label 0), drawn by ``benchmarks/slips.py``'s ``slipped_step``, the pairs it tests on `arith-dev`.
A reward model that cannot learn these exact labels cannot learn to check arithmetic
from noisier Monte-Carlo labels either.
"""

from __future__ import annotations

import argparse
import random

from hrmsearch.benchmarks.slips import slipped_step
from hrmsearch.tasks import arith
from hrmsearch.training.samples import RewardSample, write_samples


def slip_samples(problems: int, seed: int) -> list[RewardSample]:
    rng = random.Random(seed)
    samples = []
    for problem in arith.split("train", problems):
        steps, index, slip = slipped_step(rng, problem)
        for current, label in ((steps[index], 1.0), (slip, 0.0)):
            samples.append(RewardSample(question=problem.question, previous=steps[:index], current=current,
                                        label=label, source=problem.id, step=index))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    write_samples(args.out, slip_samples(args.problems, args.seed))


if __name__ == "__main__":
    main()
