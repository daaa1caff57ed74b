"""The policy protocol: sample ``n`` one-step continuations for each prompt of a batch.

Both backends (vLLM, transformers) implement :class:`Policy`; strategies never see
which one runs. A continuation stops at the step delimiter (not included in its
text) or at end of sequence; ``finish_reason`` says which.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

FinishReason = Literal["delimiter", "eos", "length"]


class SamplingParams(BaseModel):
    """How to sample one step."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(1, ge=1)
    temperature: float = Field(1.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(128, ge=1)
    stop: list[str] = Field(default_factory=lambda: ["\n\n"])
    seed: int | None = None
    logprobs: bool = Field(False, description="a sample's log-probability is wanted (a backend may skip it if not)")


class StepSample(BaseModel):
    """One sampled continuation."""

    model_config = ConfigDict(extra="forbid")

    text: str
    num_tokens: int
    finish_reason: FinishReason
    logprob: float = 0.0  # summed over its tokens; 0.0 where not asked for (SamplingParams.logprobs) and not free

    @property
    def ended(self) -> bool:
        """True when the model ended the whole solution (EOS), not just a step."""
        return self.finish_reason == "eos"


@runtime_checkable
class Policy(Protocol):
    """A step generator. ``generate`` returns, per prompt, ``params.n`` samples."""

    name: str
    delimiter: str

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[StepSample]]: ...

    def count_tokens(self, text: str) -> int: ...

    @property
    def max_context(self) -> int: ...


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """Truncate ``text`` at the first stop string; return (text, whether a stop was found)."""
    cut = len(text)
    for stop in stops:
        index = text.find(stop)
        if index >= 0:
            cut = min(cut, index)
    return text[:cut], cut < len(text)
