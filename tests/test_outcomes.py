"""ORM samples from sampled whole solutions: one outcome window per answered candidate."""

from __future__ import annotations

from fakes import ScriptedPolicy

from hrmsearch.records import Problem
from hrmsearch.training.outcome_samples import outcome_samples


def test_outcome_samples_label_answers_by_correctness_and_split_by_problem():
    answers = ["7", "5", "7", "7"]

    def steps(question, prefix, index):
        if not prefix:
            return f"3 + 4 = {answers[index]}"
        return f"The answer is \\boxed{{{answers[index]}}}."

    problems = [Problem(id=f"p{i}", question=f"q {i}", answer="7") for i in range(5)]
    splits = outcome_samples(problems, ScriptedPolicy(steps), lambda a, g: a == g, n=4, test_fraction=0.2)
    assert len(splits["test"]) == 2 and len(splits["train"]) == 8  # 1 and 4 problems, 2 distinct outcomes each
    sample = next(s for s in splits["train"] if s.label == 1.0)
    assert sample.kind == "outcome"
    assert sample.current == "3 + 4 = 7\n\nThe answer is \\boxed{7}."
    assert {s.label for s in splits["train"]} == {0.0, 1.0}
