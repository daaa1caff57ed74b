"""The streaming scheduler: each problem moves on as soon as its own requests finish.

The batching :class:`~hrmsearch.search.scheduler.Scheduler` runs in rounds: one
policy call for every problem's step, and the next round waits for the slowest
sample of the last. On an engine with a continuous batch (vLLM), the end of each
round runs near-empty batches while the last long steps finish: on the shipped
policy a step round of 512 samples spent its last quarter with under half the
problems still generating. This scheduler keeps the engine's batch full instead: a
policy with ``submit`` and ``collect`` (offline vLLM, vLLM servers) takes a problem's
requests while others are still generating, and after each engine step the
problems whose requests all finished are scored together in one reward-model call
and queue their next request at once. While the reward model scores, the engine
goes on with the requests in flight.

Strategies are the same coroutines; only the grouping of calls changes. Samples are
drawn in another order than the round scheduler draws them, so a seeded run differs
from it sample by sample (as any change of batch does on vLLM), not in distribution.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from tqdm import tqdm

from hrmsearch.errors import HrmError, one_line
from hrmsearch.records import Problem, Solution
from hrmsearch.search.requests import Generate, Score
from hrmsearch.search.scheduler import Coroutine, ProblemRun, Scheduler


def can_stream(policy) -> bool:
    """Whether ``policy`` takes requests while its engine runs (``submit``) and hands them back (``collect``)."""
    return callable(getattr(policy, "submit", None)) and callable(getattr(policy, "collect", None))


class StreamingScheduler(Scheduler):
    """Serves strategy coroutines on a continuously batching policy: no rounds, no waiting for the slowest."""

    def run(self, problems: list[Problem], strategy: str, make: Callable[[Problem], Coroutine]) -> list[Solution]:
        started = time.perf_counter()
        tasks = [ProblemRun(problem, strategy, self._start(make, problem), started) for problem in problems]
        self._owners: dict[str, ProblemRun] = {}  # request id -> the problem waiting for it
        self._answers: dict[int, dict[str, list]] = {}  # id(task) -> its finished requests' samples
        self._submissions = itertools.count()
        bar = tqdm(total=len(tasks), desc=strategy, disable=not self.progress, leave=False)
        for task in tasks:
            self._advance(task, None)
        self._dispatch(tasks)
        while any(task.live for task in tasks):
            if not self._owners:  # nothing in flight yet problems live: a bug, not a hang
                raise RuntimeError("streaming scheduler: live problems but no request in flight")
            self.rounds += 1
            ready = self._collect()
            self._dispatch(ready)
            bar.n = sum(not task.live for task in tasks)
            bar.refresh()
        bar.close()
        return [task.solution for task in tasks]

    def _dispatch(self, ready: list[ProblemRun]) -> None:
        """Queue the generation requests of ``ready`` problems; score those that ask, together, until none does."""
        while ready:
            for task in ready:
                if task.live and isinstance(task.pending, Generate):
                    self._submit(task)
            scoring = [task for task in ready if task.live and isinstance(task.pending, Score)]
            self._serve_score(scoring)
            ready = scoring

    def _submit(self, task: ProblemRun) -> None:
        request = task.pending
        if not request.prompts:
            self._advance(task, [])
            return
        params = request.params.model_copy(update={"seed": self.seed * 1_000_003 + next(self._submissions)})
        try:
            self.policy_calls += 1
            ids = self.policy.submit(request.prompts, params)
        except HrmError:
            raise
        except Exception as error:  # a prompt the engine rejects (too long): this problem only
            self._fail(task, f"policy call failed: {one_line(error)}")
            return
        self._answers[id(task)] = dict.fromkeys(ids)
        for request_id in ids:
            self._owners[request_id] = task

    def _collect(self) -> list[ProblemRun]:
        """One engine step; the problems whose requests have all finished, each sent its samples."""
        ready = []
        for request_id, samples in self.policy.collect():
            task = self._owners.pop(request_id)
            if not task.live:  # an earlier request of its problem failed
                continue
            if isinstance(samples, Exception):  # a request the server refused (too long): this problem only
                del self._answers[id(task)]
                self._fail(task, f"policy call failed: {one_line(samples)}")
                continue
            answers = self._answers[id(task)]
            answers[request_id] = samples
            if all(value is not None for value in answers.values()):
                del self._answers[id(task)]
                share = list(answers.values())  # in submission order: the order of the prompts
                task.cost.policy_calls += 1
                task.cost.generated_tokens += sum(s.num_tokens for samples in share for s in samples)
                self._advance(task, share)
                ready.append(task)
        return ready
