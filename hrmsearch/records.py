"""Core records (pydantic v2): problems in, solutions out, and their cost blocks.

Every record that is read from or written to disk is one of these models, so a
malformed file fails with the field that is wrong.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(Record):
    """One question to solve; ``answer`` is the gold answer when known."""

    id: str
    question: str
    answer: str | None = None
    source: str = "user"
    solution: str | None = None

    @field_validator("question")
    @classmethod
    def _question_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is empty")
        return value


class Cost(Record):
    """What a search spent: comparable across strategies at equal compute."""

    generated_tokens: int = 0
    policy_calls: int = 0
    reward_windows_scored: int = 0
    reward_context_cuts: int = 0  # reward windows read with their oldest steps cut to the format's context limit
    wall_seconds: float = Field(
        0.0, description="seconds from the start of the search call that solved this problem (all its problems "
        "start together) to this problem's finish; problems of one call overlap, so never add them up: the "
        "call's elapsed time is the largest of them",
    )

    def add(self, other: Cost) -> Cost:
        return Cost(
            generated_tokens=self.generated_tokens + other.generated_tokens,
            policy_calls=self.policy_calls + other.policy_calls,
            reward_windows_scored=self.reward_windows_scored + other.reward_windows_scored,
            reward_context_cuts=self.reward_context_cuts + other.reward_context_cuts,
            wall_seconds=self.wall_seconds + other.wall_seconds,
        )


class Trajectory(Record):
    """A (partial or complete) chain of steps with its score and extracted answer."""

    steps: list[str] = Field(default_factory=list)
    answer: str | None = None
    score: float | None = None
    step_scores: list[float] = Field(default_factory=list)
    finished: bool = False
    logprob: float = 0.0


class Solution(Record):
    """The outcome of solving one Problem with one strategy."""

    problem_id: str
    question: str
    strategy: str
    answer: str | None = None
    steps: list[str] = Field(default_factory=list)
    score: float | None = None
    candidates: list[Trajectory] = Field(default_factory=list)
    selections: dict[str, str | None] = Field(default_factory=dict)
    cost: Cost = Field(default_factory=Cost)
    error: str | None = None
