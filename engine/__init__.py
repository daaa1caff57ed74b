"""hrmsearch.engine: policies. Backends (vLLM, transformers), prompts, step splitting."""

from hrmsearch.engine.base import Policy, SamplingParams, StepSample
from hrmsearch.engine.loader import load_policy
from hrmsearch.engine.prompts import PromptBuilder

__all__ = ["Policy", "SamplingParams", "StepSample", "PromptBuilder", "load_policy"]
