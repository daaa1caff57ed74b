"""What the Monte-Carlo labels of `arith` training trees say about each kind of step.

    python scripts/tree_label_categories.py runs/trees.jsonl

Every tree node is put in one category by comparing its step with the problem's
reference solution (arith steps are checkable): ``reference`` (the reference step at
its depth, on a path of reference steps), ``slip`` (an equation whose result is wrong),
``semantic`` (a right equation that is not the reference step: wrong operand or
operation), ``wait`` (a ``Wait, ...`` correction), ``other`` (anything else there,
e.g. the answer line), ``after-off`` (any step below a step that left the reference).
Prints each category's node count and mean label, then one JSON line that also holds
``reference_vs_slip_auc``: the chance that a reference node's label is above a slip
node's (ties count half), how well the labels tell the two apart.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
from collections import defaultdict

from hrmsearch.tasks import arith

EQUATION = re.compile(r"^(\d+) ([-+*/]) (\d+) = (\d+)$")
OPERATIONS = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__, "/": int.__floordiv__}


def category(step: str, reference: list[str], depth: int) -> str:
    if depth - 1 < len(reference) and step == reference[depth - 1]:
        return "reference"
    if step.startswith("Wait"):
        return "wait"
    equation = EQUATION.match(step)
    if not equation:
        return "other"
    a, op, b, result = equation.groups()
    right = int(b) != 0 and OPERATIONS[op](int(a), int(b)) == int(result)
    return "semantic" if right else "slip"


def tree_categories(tree: dict, reference: list[str]) -> list[tuple[str, float]]:
    on_reference = {0: True}
    labelled = []
    for node in tree["nodes"][1:]:
        if on_reference.get(node["parent"], False):
            kind = category(node["step"], reference, node["depth"])
        else:
            kind = "after-off"
        on_reference[node["id"]] = kind == "reference"
        labelled.append((kind, node["label"]))
    return labelled


def separation(high: list[float], low: list[float]) -> float | None:
    """P(a value of ``high`` > one of ``low``), ties half; None when either is empty."""
    if not high or not low:
        return None
    ordered = sorted(low)
    wins = sum(bisect.bisect_left(ordered, h) + 0.5 * (bisect.bisect_right(ordered, h) - bisect.bisect_left(ordered, h))
               for h in high)
    return round(wins / (len(high) * len(low)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees")
    args = parser.parse_args()
    with open(args.trees) as handle:
        trees = [json.loads(line) for line in handle if line.strip()]
    size = 1 + max(int(tree["problem_id"].rsplit("-", 1)[1]) for tree in trees)
    references = {p.id: p.solution.split(arith.STEP_DELIMITER) for p in arith.split("train", size)}
    labels = defaultdict(list)
    for tree in trees:
        for kind, label in tree_categories(tree, references[tree["problem_id"]]):
            labels[kind].append(label)
    summary = {kind: {"nodes": len(values), "mean_label": round(sum(values) / len(values), 4)}
               for kind, values in sorted(labels.items(), key=lambda item: -len(item[1]))}
    for kind, row in summary.items():
        print(f"{kind:10s} {row['nodes']:8d} {row['mean_label']:.3f}")
    auc = separation(labels["reference"], labels["slip"])
    print(json.dumps({"trees": len(trees), "categories": summary, "reference_vs_slip_auc": auc}))


if __name__ == "__main__":
    main()
