"""What a strategy coroutine sees of the world, and the small moves every strategy makes.

``SearchContext`` holds the problem, the prompt builder, the strategy's config and
the reward settings. Its helpers are sub-coroutines used with ``yield from``:

    samples = yield from ctx.next_steps([steps_a, steps_b], n=4)
    scores  = yield from ctx.score_steps([steps_a, steps_b])   # last-step node scores
    trajs   = yield from ctx.sample_solutions(n=8)             # full solutions, one call
    kids    = yield from ctx.expand(branches, n=4)             # one Generate + one Score
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hrmsearch.answers import extract_answer, has_boxed_answer
from hrmsearch.config import RewardConfig, SearchConfig
from hrmsearch.engine.base import SamplingParams, StepSample
from hrmsearch.engine.prompts import PromptBuilder
from hrmsearch.records import Problem, Solution, Trajectory
from hrmsearch.scoring.aggregate import aggregate, combine, needs_coarse
from hrmsearch.scoring.windows import Window, coarse_window, fine_window, outcome_window
from hrmsearch.search.requests import Generate, Score
from hrmsearch.search.voting import argmax, majority, weighted_majority

Selection = Literal["argmax", "weighted", "majority"]
SELECTORS = {"argmax": argmax, "weighted": weighted_majority, "majority": majority}


def is_final(sample: StepSample | None, text: str) -> bool:
    """A step ends the solution when the model stops (EOS) or states a boxed answer."""
    return (sample is not None and sample.ended) or has_boxed_answer(text)


def select_all(candidates: Sequence[Trajectory], suffix: str = "") -> dict[str, Trajectory | None]:
    """Every selection rule's pick among ``candidates``, keyed ``rule + suffix``."""
    return {f"{rule}{suffix}": pick(candidates) for rule, pick in SELECTORS.items()}


@dataclass
class Branch:
    """A partial solution in step-level search: its steps, their node scores, whether it ended.

    ``grew`` is False for a child whose sampled step was empty: it repeats its
    parent's steps, ends there and has no new step to score.
    """

    steps: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    final: bool = False
    grew: bool = True

    def child(self, sample: StepSample) -> Branch:
        text = sample.text.strip()
        if not text:
            return Branch(list(self.steps), list(self.scores), final=True, grew=False)
        return Branch(self.steps + [text], list(self.scores), final=is_final(sample, text))


@dataclass
class SearchContext:
    problem: Problem
    prompts: PromptBuilder
    config: SearchConfig
    reward: RewardConfig = field(default_factory=RewardConfig)

    @property
    def delimiter(self) -> str:
        return self.prompts.delimiter

    def prompt(self, steps: Sequence[str]) -> str:
        return self.prompts.build(self.problem.question, steps)

    def step_params(self, n: int, temperature: float | None = None, logprobs: bool = False) -> SamplingParams:
        return SamplingParams(
            n=n,
            temperature=self.config.temperature if temperature is None else temperature,
            top_p=self.config.top_p,
            max_tokens=self.config.max_step_tokens,
            stop=[self.delimiter],
            logprobs=logprobs,
        )

    def next_steps(
        self, prefixes: Sequence[Sequence[str]], n: int, temperature: float | None = None, logprobs: bool = False
    ) -> Generator[Generate, Any, list[list[StepSample]]]:
        """Sample ``n`` next steps after each prefix in one request (with their log-probabilities if asked)."""
        if not prefixes:
            return []
        prompts = [self.prompt(prefix) for prefix in prefixes]
        return (yield Generate(prompts, self.step_params(n, temperature, logprobs)))

    def sample_solutions(
        self, n: int, prefix: Sequence[str] = (), temperature: float | None = None
    ) -> Generator[Generate, Any, list[Trajectory]]:
        """``n`` complete solutions after ``prefix`` in one request (no stop at the delimiter)."""
        remaining = max(1, self.config.max_steps - len(prefix))
        params = self.step_params(n, temperature, logprobs=True).model_copy(
            update={"stop": [], "max_tokens": self.config.max_step_tokens * remaining}
        )
        samples = (yield Generate([self.prompt(prefix)], params))[0]
        return [self.to_trajectory(list(prefix), sample) for sample in samples]

    def to_trajectory(self, prefix: list[str], sample: StepSample) -> Trajectory:
        pieces = [p.strip() for p in sample.text.split(self.delimiter)]
        steps = prefix + [p for p in pieces if p]
        finished = sample.ended or any(has_boxed_answer(s) for s in steps[len(prefix) :])
        return self.trajectory(steps, finished, logprob=sample.logprob)

    def trajectory(self, steps: list[str], finished: bool, logprob: float = 0.0) -> Trajectory:
        answer = extract_answer(self.delimiter.join(steps)) if finished else None
        return Trajectory(steps=steps, answer=answer, finished=finished, logprob=logprob)

    def step_windows(self, steps: Sequence[str]) -> list[Window]:
        """The windows that give the node score of the last step of ``steps``."""
        index = len(steps) - 1
        windows = [fine_window(self.problem.question, steps, index)]
        if needs_coarse(self.reward.combine) and index >= 1:
            windows.append(coarse_window(self.problem.question, steps, index, self.delimiter))
        return windows

    def score_steps(self, prefixes: Sequence[Sequence[str]]) -> Generator[Score, Any, list[float]]:
        """Node score of the last step of each prefix (fine, combined with coarse per config)."""
        if not prefixes:
            return []
        if self.reward.outcome:
            windows = [outcome_window(self.problem.question, p, self.delimiter) for p in prefixes]
            return [float(s) for s in (yield Score(windows))]
        per_prefix = [self.step_windows(prefix) for prefix in prefixes]
        flat = [w for windows in per_prefix for w in windows]
        scores = yield Score(flat)
        results, offset = [], 0
        for windows in per_prefix:
            fine = float(scores[offset])
            coarse = float(scores[offset + 1]) if len(windows) == 2 else None
            results.append(combine(fine, coarse, self.reward.combine))
            offset += len(windows)
        return results

    def score_trajectories(self, trajectories: list[Trajectory]) -> Generator[Score, Any, list[Trajectory]]:
        """Score every step of each trajectory and aggregate per the reward config."""
        prefixes = [t.steps[: i + 1] for t in trajectories for i in range(len(t.steps))]
        if self.reward.outcome:
            prefixes = [t.steps for t in trajectories]
        node_scores = yield from self.score_steps(prefixes)
        scored, offset = [], 0
        for traj in trajectories:
            count = 1 if self.reward.outcome else len(traj.steps)
            steps_scores = node_scores[offset : offset + count]
            offset += count
            total = aggregate(steps_scores, self.reward.aggregate) if steps_scores else 0.0
            scored.append(traj.model_copy(update={"step_scores": steps_scores, "score": total}))
        return scored

    def expand(self, branches: Sequence[Branch], n: int) -> Generator[Generate | Score, Any, list[list[Branch]]]:
        """``n`` scored children of each branch: one Generate for all, one Score for all new steps."""
        samples = yield from self.next_steps([branch.steps for branch in branches], n)
        children = [[branch.child(sample) for sample in row] for branch, row in zip(branches, samples, strict=True)]
        grown = [child for row in children for child in row if child.grew]
        scores = yield from self.score_steps([child.steps for child in grown])
        for child, score in zip(grown, scores, strict=True):
            child.scores.append(score)
        return children

    def path_score(self, scores: Sequence[float]) -> float:
        """A branch's score: its node scores aggregated per the reward config (0 when none)."""
        return aggregate(scores, self.reward.aggregate) if scores else 0.0

    def branch_trajectory(self, branch: Branch) -> Trajectory:
        """A finished or cut-off branch as a scored Trajectory (no answer unless it ended)."""
        trajectory = self.trajectory(branch.steps, branch.final)
        return trajectory.model_copy(update={"step_scores": branch.scores, "score": self.path_score(branch.scores)})

    def voted_solution(
        self, candidates: list[Trajectory], select: str, selections: dict[str, str | None] | None = None
    ) -> Solution:
        """The candidate ``select`` picks (argmax when no candidate has an answer); all picks reported."""
        picks = select_all(candidates)
        answers = {rule: pick.answer if pick else None for rule, pick in picks.items()}
        chosen = picks[select] or picks["argmax"]
        return self.solution(chosen, candidates=candidates, selections={**answers, **(selections or {})})

    def solution(self, chosen: Trajectory | None, **extra: Any) -> Solution:
        chosen = chosen or Trajectory()
        return Solution(
            problem_id=self.problem.id,
            question=self.problem.question,
            strategy=self.config.strategy,
            answer=chosen.answer,
            steps=chosen.steps,
            score=chosen.score,
            **extra,
        )
