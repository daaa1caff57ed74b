"""A process pool with a hard per-call timeout, for graders that can hang (sympy, math-verify).

math-verify's own timeout uses ``signal.alarm``, which only works in the main
thread, so the graders run with it disabled inside worker processes and this
module enforces the limit from outside: at most one call per worker is in flight,
so a call starts when it is submitted; a call still running at its deadline is
reported as ``TIMED_OUT``, its pool is killed and replaced, and the other
in-flight calls are resubmitted. A worker that dies takes its calls with it:
each is retried once, then reported as ``CRASHED``.

Workers are started with ``forkserver`` (``spawn`` where unavailable), never
``fork``, so the pool is safe in a process that already holds threads (torch,
tokenizers). The function and its arguments must be picklable, top-level objects.
Each fresh pool waits until every worker has run ``warm_up`` (imports), so slow
imports do not eat into the first calls' time.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from threading import BrokenBarrierError
from typing import Any

TIMED_OUT = object()
CRASHED = object()
_STARTUP_TIMEOUT_S = 120.0
_JOIN_TIMEOUT_S = 5.0


def default_start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _initialize_worker(warm_up: Callable[[], None] | None, barrier: Any) -> None:
    if warm_up is not None:
        warm_up()
    try:
        barrier.wait(_STARTUP_TIMEOUT_S)
    except BrokenBarrierError:
        pass


def _noop() -> None:
    return None


class HardTimeoutPool:
    """Run ``function(*args)`` for many argument tuples, each under a hard wall-clock limit."""

    def __init__(
        self,
        function: Callable[..., Any],
        workers: int = 1,
        timeout_s: float = 10.0,
        warm_up: Callable[[], None] | None = None,
        start_method: str | None = None,
    ) -> None:
        self.function = function
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.warm_up = warm_up
        self.context = multiprocessing.get_context(start_method or default_start_method())
        self.executor: ProcessPoolExecutor | None = None
        self.pools_started = 0

    # ------------------------------------------------------------ pool lifecycle

    def _start(self) -> ProcessPoolExecutor:
        barrier = self.context.Barrier(self.workers + 1)
        executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.context,
            initializer=_initialize_worker,
            initargs=(self.warm_up, barrier),
        )
        warm_calls = [executor.submit(_noop) for _ in range(self.workers)]
        try:
            barrier.wait(_STARTUP_TIMEOUT_S)
        except BrokenBarrierError:
            pass
        wait(warm_calls, timeout=_STARTUP_TIMEOUT_S)
        self.pools_started += 1
        return executor

    def _executor(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = self._start()
        return self.executor

    def _kill(self) -> None:
        """Kill every worker of the current pool (the only way to stop a running call)."""
        if self.executor is None:
            return
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        for process in processes:
            process.kill()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(_JOIN_TIMEOUT_S)
        self.executor = None

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    def __enter__(self) -> HardTimeoutPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ running calls

    def run(self, calls: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Results in input order; a call past its deadline gives ``TIMED_OUT``."""
        results: list[Any] = [None] * len(calls)
        queue: deque[int] = deque(range(len(calls)))
        crashes: dict[int, int] = {}
        in_flight: dict[Future, tuple[int, float]] = {}
        while queue or in_flight:
            self._fill(calls, queue, in_flight)
            self._collect(results, queue, in_flight, crashes)
            self._expire(results, queue, in_flight)
        return results

    def _fill(self, calls: Sequence[tuple[Any, ...]], queue: deque[int], in_flight: dict) -> None:
        executor = self._executor()
        while queue and len(in_flight) < self.workers:
            index = queue.popleft()
            future = executor.submit(self.function, *calls[index])
            in_flight[future] = (index, time.monotonic() + self.timeout_s)

    def _collect(self, results: list[Any], queue: deque[int], in_flight: dict, crashes: dict[int, int]) -> None:
        earliest = min(deadline for _, deadline in in_flight.values())
        done, _ = wait(list(in_flight), timeout=max(0.0, earliest - time.monotonic()), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            index, _ = in_flight.pop(future)
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                broken = True
                crashes[index] = crashes.get(index, 0) + 1
                if crashes[index] > 1:
                    results[index] = CRASHED
                else:
                    queue.appendleft(index)
            else:
                results[index] = CRASHED if error is not None else future.result()
        if broken:
            self._requeue_all(results, queue, in_flight)

    def _expire(self, results: list[Any], queue: deque[int], in_flight: dict) -> None:
        now = time.monotonic()
        overdue = [future for future, (_, deadline) in in_flight.items() if deadline <= now and not future.done()]
        if not overdue:
            return
        for future in overdue:
            index, _ = in_flight.pop(future)
            results[index] = TIMED_OUT
        self._requeue_all(results, queue, in_flight)

    def _requeue_all(self, results: list[Any], queue: deque[int], in_flight: dict) -> None:
        """Kill the pool; finished calls keep their result, the others go back to the queue front."""
        for future, (index, _) in sorted(in_flight.items(), key=lambda item: item[1][0], reverse=True):
            if future.done() and not future.cancelled() and future.exception() is None:
                results[index] = future.result()
            else:
                queue.appendleft(index)
        in_flight.clear()
        self._kill()
