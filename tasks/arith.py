"""The `arith` domain: a seeded generator of multi-step arithmetic word problems.

This is the embedded default world of hrmsearch (see DESIGN.md). A problem is a
short story of 2 to 6 operations on a count of objects; its solution is a list of
steps such as ``3 * 8 = 24`` separated by ``"\\n\\n"`` and ending in
``The answer is \\boxed{N}.``. About 10% of *training* traces contain one wrong
step followed by a correcting step (``Wait, 3 * 8 = 24, not 26.``), the pattern
that a single-step PRM punishes and a two-step (coarse) HRM window can accept.

Splits are fixed by seed: ``train`` / ``dev`` / ``test`` draw from disjoint seed
streams and ``dev``/``test`` questions are removed from ``train``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from hrmsearch.records import Problem

STEP_DELIMITER = "\n\n"
SPLIT_SEEDS = {"train": 0, "dev": 20_000, "test": 10_000}
SPLIT_SIZES = {"train": 10_000, "dev": 200, "test": 500}
"""Problems per split; ``train`` is prefix-stable, so its first N are the same whatever its size."""
MAX_VALUE = 500

NAMES = [
    ("Mia", "She"), ("Tom", "He"), ("Ava", "She"), ("Leo", "He"), ("Zoe", "She"),
    ("Sam", "He"), ("Ivy", "She"), ("Max", "He"), ("Eva", "She"), ("Ben", "He"),
]
ITEMS = ["apples", "marbles", "stickers", "coins", "cards", "pencils", "books", "shells"]
CONTAINERS = ["bags", "boxes", "packs", "jars"]


@dataclass
class ArithExample:
    """One generated problem: the question, the correct steps and the answer."""

    question: str
    steps: list[str]
    answer: int
    n_ops: int
    ops: list[str] = field(default_factory=list)

    def solution(self) -> str:
        return STEP_DELIMITER.join(self.steps)


def final_step(answer: int | str) -> str:
    return f"The answer is \\boxed{{{answer}}}."


def _equation(a: int, op: str, b: int, result: int) -> str:
    return f"{a} {op} {b} = {result}"


def _add(rng: random.Random, cur: int, who: str, item: str):
    b = rng.randint(10, 99)
    if cur + b > MAX_VALUE:
        return None
    text = rng.choice([f"{who} finds {b} more {item}.", f"{who} gets {b} more {item}."])
    return text, [(cur, "+", b, cur + b)], cur + b


def _sub(rng: random.Random, cur: int, who: str, item: str):
    if cur < 3:
        return None
    b = rng.randint(1, min(cur - 1, 99))
    text = rng.choice([f"{who} gives away {b} {item}.", f"{who} loses {b} {item}."])
    return text, [(cur, "-", b, cur - b)], cur - b


def _buy(rng: random.Random, cur: int, who: str, item: str):
    k, m = rng.randint(2, 9), rng.randint(2, 19)
    if cur + k * m > MAX_VALUE:
        return None
    box = rng.choice(CONTAINERS)
    text = f"{who} buys {k} {box} with {m} {item} in each."
    return text, [(k, "*", m, k * m), (cur, "+", k * m, cur + k * m)], cur + k * m


def _times(rng: random.Random, cur: int, who: str, item: str):
    k = rng.choice([2, 3])
    if cur * k > MAX_VALUE:
        return None
    word = {2: "doubles", 3: "triples"}[k]
    return f"{who} {word} the number of {item}.", [(cur, "*", k, cur * k)], cur * k


def _share(rng: random.Random, cur: int, who: str, item: str):
    divisors = [k for k in (2, 3, 4, 5) if cur % k == 0 and cur // k >= 2]
    if not divisors:
        return None
    k = rng.choice(divisors)
    text = f"{who} splits them into {k} equal groups and keeps one group."
    return text, [(cur, "/", k, cur // k)], cur // k


OPERATIONS = {"add": _add, "sub": _sub, "buy": _buy, "times": _times, "share": _share}


def generate(rng: random.Random, n_ops: int | None = None) -> ArithExample:
    """Draw one problem with 2..6 arithmetic operations (a `buy` counts as two)."""
    target_ops = n_ops if n_ops is not None else rng.randint(2, 6)
    name, who = rng.choice(NAMES)
    item = rng.choice(ITEMS)
    cur = rng.randint(10, 60)
    sentences = [f"{name} has {cur} {item}."]
    equations: list[tuple[int, str, int, int]] = []
    ops: list[str] = []
    while len(equations) < target_ops:
        kind = rng.choice(list(OPERATIONS))
        made = OPERATIONS[kind](rng, cur, who, item)
        if made is None or len(equations) + len(made[1]) > target_ops:
            continue
        text, eqs, cur = made
        sentences.append(text)
        equations.extend(eqs)
        ops.append(kind)
    sentences.append(f"How many {item} does {name} have now?")
    steps = [_equation(*eq) for eq in equations] + [final_step(cur)]
    return ArithExample(" ".join(sentences), steps, cur, len(equations), ops)


def wrong_result(rng: random.Random, result: int) -> int:
    """A plausible arithmetic slip: off by a small amount, never the right value."""
    while True:
        wrong = result + rng.choice([-10, -2, -1, 1, 2, 10])
        if wrong >= 0 and wrong != result:
            return wrong


def with_self_correction(rng: random.Random, example: ArithExample) -> list[str]:
    """Steps where one equation is first written wrong, then corrected by the next step."""
    index = rng.randrange(len(example.steps) - 1)
    lhs, result = example.steps[index].split(" = ")
    wrong = wrong_result(rng, int(result))
    slip = f"{lhs} = {wrong}"
    fix = f"Wait, {lhs} = {result}, not {wrong}."
    return example.steps[:index] + [slip, fix] + example.steps[index + 1 :]


def training_trace(rng: random.Random, correction_rate: float = 0.1) -> tuple[str, list[str]]:
    """A (question, steps) training pair; ``correction_rate`` of them self-correct."""
    example = generate(rng)
    if rng.random() < correction_rate:
        return example.question, with_self_correction(rng, example)
    return example.question, example.steps


def held_out_questions() -> set[str]:
    return {p.question for name in ("dev", "test") for p in split(name)}


def split(name: str, size: int | None = None) -> list[Problem]:
    """The fixed `arith` split ``name`` (``train``, ``dev`` or ``test``) as Problems."""
    if name not in SPLIT_SEEDS:
        raise ValueError(f"unknown arith split {name!r}; expected one of {sorted(SPLIT_SEEDS)}")
    count = size if size is not None else SPLIT_SIZES[name]
    rng = random.Random(SPLIT_SEEDS[name])
    banned = held_out_questions() if name == "train" else set()
    problems: list[Problem] = []
    seen: set[str] = set()
    while len(problems) < count:
        example = generate(rng)
        if example.question in banned or example.question in seen:
            continue
        seen.add(example.question)
        problems.append(
            Problem(
                id=f"arith-{name}-{len(problems)}",
                question=example.question,
                answer=str(example.answer),
                source=f"arith-{name}",
                solution=example.solution(),
            )
        )
    return problems


def export_jsonl(name: str, path: str | Path, size: int | None = None) -> Path:
    """Write a split as JSONL with MATH500's field names (problem, solution, answer, unique_id)."""
    out = Path(path)
    with out.open("w") as handle:
        for problem in split(name, size):
            row = {
                "problem": problem.question,
                "solution": problem.solution,
                "answer": problem.answer,
                "unique_id": problem.id,
            }
            handle.write(json.dumps(row) + "\n")
    return out
