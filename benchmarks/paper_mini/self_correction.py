"""The paper's thesis on the pools: do reward models rank a recovered-correct trajectory above a wrong one?

The `arith` policy learnt self-correcting traces: a slip, then a step starting
``Wait,`` that corrects it (``Wait, 3 * 8 = 24, not 26.``). In each seed's pool,
per problem:

- **recovered-correct**: a trajectory with a correcting step whose answer is correct;
- **clean-correct**: a correct trajectory with no correcting step;
- **wrong**: a trajectory that states an answer, graded wrong (with or without a correction).

A unit is one (seed, problem). On the units that have both a recovered-correct and a
wrong trajectory, each reward config's pairwise win rate is the share of
(recovered-correct, wrong) pairs where the recovered-correct one scores higher, ties
counting one half. Two reference rates on the same units: clean-correct vs wrong
(does the model separate right from wrong at all?) and recovered-correct vs
clean-correct (the penalty for recovering: 50% means none). Intervals resample units.

The sampled ``Wait,`` steps are not all real corrections (the policy also "corrects"
right steps, or writes a wrong value after ``Wait,``). A correction is **genuine** when
the step before it is ``a op b = y`` with y wrong and the ``Wait,`` step is
``Wait, a op b = x, not y.`` with x right; the genuine recovered-correct
trajectories get their own row.
"""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import product

from pydantic import BaseModel

from hrmsearch.benchmarks.candidates import is_correct
from hrmsearch.benchmarks.paper_mini.bootstrap import Interval, bootstrap_ratio
from hrmsearch.benchmarks.paper_mini.pools import ScoreRecord, candidate_scores
from hrmsearch.records import Problem, Solution, Trajectory

CORRECTION_PREFIX = "Wait,"
COMPARISONS = {
    "recovered > wrong": ("recovered", "wrong"),
    "genuine > wrong": ("genuine", "wrong"),
    "clean > wrong": ("clean", "wrong"),
    "recovered > clean": ("recovered", "clean"),
}
_NUMBER = r"(-?\d+)"
_EQUATION = re.compile(rf"^{_NUMBER}\s*([-+*/])\s*{_NUMBER}\s*=\s*{_NUMBER}\.?$")
_CORRECTION = re.compile(rf"^Wait,\s*{_NUMBER}\s*([-+*/])\s*{_NUMBER}\s*=\s*{_NUMBER},\s*not\s*{_NUMBER}\.?$")


def has_correction(trajectory: Trajectory) -> bool:
    return any(step.strip().startswith(CORRECTION_PREFIX) for step in trajectory.steps)


def _value(a: str, op: str, b: str) -> Fraction | None:
    x, y = Fraction(int(a)), Fraction(int(b))
    if op == "/":
        return x / y if y else None
    return {"+": x + y, "-": x - y, "*": x * y}[op]


def genuine_correction(steps: list[str]) -> bool:
    """Some ``Wait,`` step fixes the slip right before it: ``a op b = y`` (y wrong), then
    ``Wait, a op b = x, not y.`` with x right."""
    for before, step in zip(steps, steps[1:]):
        fix, slip = _CORRECTION.match(step.strip()), _EQUATION.match(before.strip())
        if not fix or not slip or fix.group(1, 2, 3) != slip.group(1, 2, 3) or fix.group(5) != slip.group(4):
            continue
        value = _value(*fix.group(1, 2, 3))
        if value is not None and value == int(fix.group(4)) and value != int(fix.group(5)):
            return True
    return False


def kind(trajectory: Trajectory, gold: str | None) -> str | None:
    """``recovered``, ``clean``, ``wrong``, or None (no answer: not in any pair)."""
    if trajectory.answer is None:
        return None
    if not is_correct(trajectory.answer, gold):
        return "wrong"
    return "recovered" if has_correction(trajectory) else "clean"


class Pairs(BaseModel):
    """Pairwise comparisons of one kind under one reward config."""

    pairs: int = 0
    wins: int = 0
    ties: int = 0
    interval: Interval | None = None

    @property
    def losses(self) -> int:
        return self.pairs - self.wins - self.ties

    @property
    def rate(self) -> float | None:
        return (self.wins + 0.5 * self.ties) / self.pairs if self.pairs else None


class SliceReport(BaseModel):
    """Counts of the slice, and per reward config label the pairwise results per comparison."""

    units: int = 0
    candidates: int = 0
    with_correction: int = 0
    recovered: int = 0
    corrected_wrong: int = 0
    genuine: int = 0
    units_with_recovered: int = 0
    units_in_slice: int = 0
    problems_in_slice: int = 0
    results: dict[str, dict[str, Pairs]] = {}
    example: list[str] = []


def compare(first: list[float | None], second: list[float | None]) -> tuple[int, int, int]:
    """(pairs, wins, ties) of every first-vs-second pair with both scores known."""
    pairs = wins = ties = 0
    for a, b in product(first, second):
        if a is None or b is None:
            continue
        pairs += 1
        wins += int(a > b)
        ties += int(a == b)
    return pairs, wins, ties


def _at(values: list[float | None], indices: list[int]) -> list[float | None]:
    return [values[i] for i in indices]


def _groups(solution: Solution, gold: str | None) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {"recovered": [], "genuine": [], "clean": [], "wrong": []}
    for index, candidate in enumerate(solution.candidates):
        label = kind(candidate, gold)
        if label is not None:
            groups[label].append(index)
        if label == "recovered" and genuine_correction(candidate.steps):
            groups["genuine"].append(index)
    return groups


def self_correction_slice(
    problems: list[Problem],
    pools: list[list[Solution]],
    scores: dict[str, list[dict[str, ScoreRecord]]],
    resamples: int = 2000,
    seed: int = 0,
) -> SliceReport:
    """The slice over every seed's pool (``pools[s]`` in problem order; ``scores[label][s]`` by id)."""
    report = SliceReport()
    slice_units: list[tuple[int, Solution, dict[str, list[int]]]] = []
    for seed_index, pool in enumerate(pools):
        for problem, solution in zip(problems, pool, strict=True):
            report.units += 1
            report.candidates += len(solution.candidates)
            corrected = [c for c in solution.candidates if has_correction(c)]
            report.with_correction += len(corrected)
            groups = _groups(solution, problem.answer)
            report.recovered += len(groups["recovered"])
            report.genuine += len(groups["genuine"])
            report.corrected_wrong += sum(1 for c in corrected if kind(c, problem.answer) == "wrong")
            if groups["recovered"]:
                report.units_with_recovered += 1
                report.example = report.example or solution.candidates[groups["recovered"][0]].steps
            if groups["recovered"] and groups["wrong"]:
                slice_units.append((seed_index, solution, groups))
    report.units_in_slice = len(slice_units)
    report.problems_in_slice = len({solution.problem_id for _, solution, _ in slice_units})
    for label, per_seed in scores.items():
        report.results[label] = {}
        for name, (first, second) in COMPARISONS.items():
            counts = []
            for seed_index, solution, groups in slice_units:
                values = candidate_scores(solution, per_seed[seed_index].get(solution.problem_id))
                counts.append(compare(_at(values, groups[first]), _at(values, groups[second])))
            pairs = Pairs(pairs=sum(c[0] for c in counts), wins=sum(c[1] for c in counts), ties=sum(c[2] for c in counts))
            if pairs.pairs:
                pairs.interval = bootstrap_ratio(
                    [w + 0.5 * t for _, w, t in counts], [p for p, _, _ in counts], resamples, seed
                )
            report.results[label][name] = pairs
    return report


def slice_markdown(report: SliceReport, labels: list[str], header: list[str]) -> str:
    """``self_correction.md``: what the slice is, its counts, and the win rates per reward config."""
    lines = [
        "# Self-correction slice: recovered-correct vs wrong trajectories",
        "",
        *header,
        "",
        f"A trajectory is *corrected* when one of its steps starts with `{CORRECTION_PREFIX}` (the arith policy's",
        "correcting step, e.g. `Wait, 3 * 8 = 24, not 26.`). *Recovered-correct*: corrected and its answer is",
        "correct. *Clean-correct*: correct with no correcting step. *Wrong*: states an answer that is wrong",
        "(trajectories with no answer are left out). A unit is one (seed, problem) pool; the slice is the units",
        "holding both a recovered-correct and a wrong trajectory. Win rate: share of pairs where the first",
        "scores higher (ties count one half); 95% interval from resampling units. *Genuine*: the step before the",
        "`Wait,` step is `a op b = y` with y wrong, and the `Wait,` step says `Wait, a op b = x, not y.` with x",
        "right (the policy also writes `Wait,` after right steps, or a wrong value after it).",
        "",
        "## How many",
        "",
        "| what | count |",
        "|---|---:|",
        f"| units (seed x problem) | {report.units} |",
        f"| candidates | {report.candidates} |",
        f"| corrected candidates | {report.with_correction} ({_percent(report.with_correction, report.candidates)}) |",
        f"| recovered-correct | {report.recovered} |",
        f"| recovered-correct with a genuine correction | {report.genuine} |",
        f"| corrected but wrong | {report.corrected_wrong} |",
        f"| units with a recovered-correct | {report.units_with_recovered} |",
        f"| units in the slice (recovered-correct and wrong) | {report.units_in_slice} |",
        f"| distinct problems in the slice | {report.problems_in_slice} |",
        "",
    ]
    if not report.units_in_slice:
        lines += ["No unit has both a recovered-correct and a wrong trajectory: there is no slice to compare on.", ""]
    else:
        names = list(COMPARISONS)
        lines += [
            "## Pairwise win rates",
            "",
            "| reward config | " + " | ".join(f"{name} (wins/ties/pairs)" for name in names) + " |",
            "|---|" + "---|" * len(names),
        ]
        for label in labels:
            cells = [_pairs_cell(report.results.get(label, {}).get(name)) for name in names]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    if report.example:
        lines += ["## An example recovered-correct trajectory", "", "```", *report.example, "```", ""]
    return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "n/a"


def _pairs_cell(pairs: Pairs | None) -> str:
    if pairs is None or not pairs.pairs:
        return "n/a (0 pairs)"
    interval = pairs.interval.text() if pairs.interval else f"{100 * pairs.rate:.1f}"
    return f"{interval}% ({pairs.wins}/{pairs.ties}/{pairs.pairs})"
