"""The batching scheduler: drives many problems' strategy coroutines at once.

Each round it advances every live coroutine to its next request, merges all
pending ``Generate`` requests with the same sampling settings into one policy
call and all pending ``Score`` requests into one reward-model call, and sends
each coroutine its share of the results. N problems therefore cost one policy
call per round, not N. A failure inside one problem (its coroutine raises, or
its prompt is rejected by the backend) is recorded in that problem's Solution
and does not stop the others; an HrmError from a backend (every policy server
down, every reward server down) stops the run.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from hrmsearch.errors import HrmError, one_line
from hrmsearch.records import Cost, Problem, Solution
from hrmsearch.search.requests import Generate, Score

Coroutine = Generator[Generate | Score, Any, Solution]


@dataclass
class ProblemRun:
    """One problem's coroutine and its bookkeeping in a scheduler run."""

    problem: Problem
    strategy: str
    coroutine: Coroutine
    started: float  # when the scheduler call began: every problem of a call starts together
    pending: Generate | Score | None = None
    cost: Cost = field(default_factory=Cost)
    solution: Solution | None = None

    @property
    def live(self) -> bool:
        return self.solution is None


class Scheduler:
    """Serves strategy coroutines with batched policy and reward-model calls."""

    def __init__(self, policy: Any, scorer: Any = None, seed: int = 0, progress: bool = False):
        self.policy = policy
        self.scorer = scorer
        self.seed = seed
        self.progress = progress
        self.rounds = 0
        self.policy_calls = 0
        self.scorer_calls = 0

    def run(self, problems: list[Problem], strategy: str, make: Callable[[Problem], Coroutine]) -> list[Solution]:
        started = time.perf_counter()
        tasks = [ProblemRun(problem, strategy, self._start(make, problem), started) for problem in problems]
        bar = tqdm(total=len(tasks), desc=strategy, disable=not self.progress, leave=False)
        for task in tasks:
            self._advance(task, None)
        while any(task.live for task in tasks):
            self.rounds += 1
            live = [task for task in tasks if task.live]
            self._serve_generate([t for t in live if isinstance(t.pending, Generate)])
            self._serve_score([t for t in live if isinstance(t.pending, Score)])
            bar.update(sum(1 for t in live if not t.live))
        bar.close()
        return [task.solution for task in tasks]

    @staticmethod
    def _start(make: Callable[[Problem], Coroutine], problem: Problem) -> Coroutine:
        return make(problem)

    def _advance(self, task: ProblemRun, reply: Any) -> None:
        """Send ``reply`` into the coroutine and store its next request or its result."""
        try:
            request = task.coroutine.send(reply)
        except StopIteration as stop:
            self._finish(task, stop.value)
            return
        except Exception as error:  # a bug or bad input in one problem must not stop the rest
            self._fail(task, f"{type(error).__name__}: {one_line(error)}")
            return
        if not isinstance(request, Generate | Score):
            self._fail(task, f"strategy yielded {type(request).__name__}, expected Generate or Score")
            return
        task.pending = request

    def _finish(self, task: ProblemRun, solution: Solution | None) -> None:
        task.cost.wall_seconds = time.perf_counter() - task.started
        if solution is None:
            solution = Solution(problem_id=task.problem.id, question=task.problem.question, strategy=task.strategy)
        task.solution = solution.model_copy(update={"cost": task.cost, "strategy": task.strategy})
        task.pending = None

    def _fail(self, task: ProblemRun, message: str) -> None:
        task.coroutine.close()
        self._finish(
            task,
            Solution(problem_id=task.problem.id, question=task.problem.question, strategy=task.strategy, error=message),
        )

    def _serve_generate(self, tasks: list[ProblemRun]) -> None:
        groups: dict[str, list[ProblemRun]] = defaultdict(list)
        for task in tasks:
            groups[task.pending.merge_key()].append(task)
        for group in groups.values():
            self._generate_group(group)

    def _generate_group(self, group: list[ProblemRun]) -> None:
        params = group[0].pending.params.model_copy(update={"seed": self.seed * 1_000_003 + self.rounds})
        prompts = [prompt for task in group for prompt in task.pending.prompts]
        try:
            results = self._call_policy(prompts, params)
        except HrmError:  # the backend itself is gone (every policy server down): stop the run
            raise
        except Exception as error:
            if len(group) == 1:
                self._fail(group[0], f"policy call failed: {one_line(error)}")
                return
            for task in group:  # isolate the problem whose prompt the backend rejects
                self._generate_group([task])
            return
        offset = 0
        for task in group:
            share = results[offset : offset + len(task.pending.prompts)]
            offset += len(task.pending.prompts)
            task.cost.policy_calls += 1
            task.cost.generated_tokens += sum(s.num_tokens for samples in share for s in samples)
            self._advance(task, share)

    def _call_policy(self, prompts: list[str], params: Any) -> list:
        self.policy_calls += 1
        return self.policy.generate(prompts, params)

    def _serve_score(self, tasks: list[ProblemRun]) -> None:
        if not tasks:
            return
        if self.scorer is None:
            for task in tasks:
                self._fail(task, "this strategy needs a reward model (reward=...), none was given")
            return
        windows = [window for task in tasks for window in task.pending.windows]
        try:
            self.scorer_calls += 1
            scores = self.scorer.score(windows) if windows else []
        except HrmError:  # the reward model itself is gone or misconfigured (its servers down): stop the run
            raise
        except Exception as error:
            for task in tasks:
                self._fail(task, f"reward model call failed: {one_line(error)}")
            return
        offset = 0
        cut_windows = getattr(self.scorer, "cut_windows", ())  # step-tag scorers: windows cut to fit their context
        for task in tasks:
            count = len(task.pending.windows)
            task.cost.reward_windows_scored += count
            if cut_windows:
                task.cost.reward_context_cuts += sum(window in cut_windows for window in task.pending.windows)
            share = scores[offset : offset + count]
            offset += count
            self._advance(task, share)
