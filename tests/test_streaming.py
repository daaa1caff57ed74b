"""The streaming scheduler: each problem's next request goes in as soon as its own requests finish.

``EnginePolicy`` is a scripted continuous-batching engine: ``submit`` queues requests
(answered by the scripted policy's samples), each ``collect`` is one engine step that
finishes every request whose scripted duration (in steps) has passed. Problem ``q 0``'s
steps take 1 engine step, ``q 1``'s take 5, so the tests can see who waits for whom.
"""

from __future__ import annotations

import pytest
from fakes import ScriptedPolicy, ScriptedScorer

from hrmsearch.records import Problem
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.search.streaming import StreamingScheduler, can_stream


def steps(question, prefix, index):
    if len(prefix) == 3:
        return f"The answer is \\boxed{{{question[-1]}}}."
    return f"{question} step {len(prefix)} sample {index}"


class EnginePolicy(ScriptedPolicy):
    """``submit`` / ``collect`` over the scripted samples; a request of question ``q k`` takes 1 + 4k steps."""

    def __init__(self, step_fn, reject: str | None = None, refuse_later: str | None = None):
        super().__init__(step_fn)
        self.refuse_later = refuse_later  # this question's prompts after its first step come back as errors
        self.clock = 0
        self.queued: list[tuple[int, str, list]] = []  # (finish step, request id, samples)
        self.submitted: list[tuple[int, str]] = []  # (engine step, question) of every submit
        self.reject = reject
        self.count = 0

    def submit(self, prompts, params):
        ids = []
        for prompt in prompts:
            question, prefix = self.parse(prompt)
            if question == self.reject:
                raise ValueError("prompt longer than the model's context")
            self.count += 1
            samples = self.generate([prompt], params)[0]
            if question == self.refuse_later and prefix:  # as a server answers 400 to a request in flight
                samples = ValueError("the server refused: prompt longer than the context")
            self.queued.append((self.clock + 1 + 4 * int(question[-1]), f"r{self.count}", samples))
            ids.append(f"r{self.count}")
        self.submitted.append((self.clock, question))
        return ids

    def collect(self):
        self.clock += 1
        done = [(rid, samples) for finish, rid, samples in self.queued if finish <= self.clock]
        self.queued = [item for item in self.queued if item[0] > self.clock]
        return list(reversed(done))  # finished out of submission order: the scheduler must reorder


def problems(count):
    return [Problem(id=f"p{i}", question=f"q {i}") for i in range(count)]


@pytest.mark.parametrize("strategy", ["greedy", "best_of_n", "step_greedy", "beam", "dvts", "mcts"])
def test_streaming_gives_what_rounds_give_with_a_deterministic_policy(strategy):
    config = strategy_config(strategy, n=4)
    scorer = ScriptedScorer(lambda window: 1.0 / (1 + len(window.current)))
    by_rounds = run_strategy(problems(2), config, ScriptedPolicy(steps), scorer)
    engine = EnginePolicy(steps)
    streamed = run_strategy(problems(2), config, engine, ScriptedScorer(scorer.score_fn))
    for mine, theirs in zip(streamed, by_rounds, strict=True):
        assert mine.error is None, mine.error
        assert (mine.answer, mine.steps, mine.score) == (theirs.answer, theirs.steps, theirs.score)
        assert mine.cost.policy_calls == theirs.cost.policy_calls
        assert mine.cost.generated_tokens == theirs.cost.generated_tokens
        assert mine.cost.reward_windows_scored == theirs.cost.reward_windows_scored


def test_a_fast_problem_does_not_wait_for_a_slow_one():
    engine, scorer = EnginePolicy(steps), ScriptedScorer(lambda window: 0.5)
    solutions = run_strategy(problems(2), strategy_config("step_greedy", n=2), engine, scorer)
    assert [s.answer for s in solutions] == ["0", "1"]
    fast = [step for step, question in engine.submitted if question == "q 0"]
    slow = [step for step, question in engine.submitted if question == "q 1"]
    assert fast == [0, 1, 2, 3]  # one step each, queued the moment the last one was scored
    assert slow == [0, 5, 10, 15]
    assert solutions[0].cost.wall_seconds < solutions[1].cost.wall_seconds
    # problems finishing in the same engine step share one reward-model call; here they never do
    assert all(len({w.question for w in windows}) == 1 for windows in scorer.calls)


def test_problems_finishing_together_are_scored_in_one_call():
    engine, scorer = EnginePolicy(steps), ScriptedScorer(lambda window: 0.5)
    run_strategy([Problem(id="a", question="q 0"), Problem(id="b", question="r 0")],
                 strategy_config("step_greedy", n=2), engine, scorer)
    assert len(scorer.calls) == 4 and all(len({w.question for w in windows}) == 2 for windows in scorer.calls)


def test_a_rejected_prompt_fails_its_problem_only():
    engine = EnginePolicy(steps, reject="q 1")
    solutions = run_strategy(problems(3), strategy_config("beam", n=4), engine, ScriptedScorer(lambda w: 0.5))
    assert solutions[1].error.startswith("policy call failed: prompt longer")
    assert [s.answer for s in (solutions[0], solutions[2])] == ["0", "2"]


def test_a_request_refused_in_flight_fails_its_problem_only():
    engine = EnginePolicy(steps, refuse_later="q 1")  # beam's second round: two prompts, both refused
    solutions = run_strategy(problems(3), strategy_config("beam", n=4, width=2), engine, ScriptedScorer(lambda w: 0.5))
    assert solutions[1].error == "policy call failed: the server refused: prompt longer than the context"
    assert [s.answer for s in (solutions[0], solutions[2])] == ["0", "2"]
    assert not engine.queued  # the others finished; nothing was left waiting


def test_only_a_policy_with_submit_and_collect_streams():
    assert can_stream(EnginePolicy(steps)) and not can_stream(ScriptedPolicy(steps))
    assert issubclass(StreamingScheduler, Scheduler)
