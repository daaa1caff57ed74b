"""Prompts: a plain template for base/demo models, the chat template for instruct models.

A prompt is ``header(question) + step_1 + delim + ... + step_k + delim``, so all
prompts that share a prefix of steps are byte-identical up to it and vLLM's
automatic prefix caching reuses their KV cache.
"""

from __future__ import annotations

from typing import Any

PLAIN_HEADER = "Question: {question}\nSolution:\n\n"
SYSTEM_PROMPT = (
    "Solve the math problem step by step. Separate steps with a blank line and put the "
    "final answer in \\boxed{}."
)


class PromptBuilder:
    """Builds the text a policy continues from a question and the steps so far."""

    def __init__(self, delimiter: str = "\n\n", template: str = "plain", tokenizer: Any = None):
        if template not in ("plain", "chat"):
            raise ValueError(f"prompt template must be 'plain' or 'chat', got {template!r}")
        if template == "chat" and getattr(tokenizer, "chat_template", None) is None:
            raise ValueError("prompt template 'chat' needs a tokenizer with a chat_template")
        self.delimiter = delimiter
        self.template = template
        self.tokenizer = tokenizer
        self._headers: dict[str, str] = {}

    def header(self, question: str) -> str:
        cached = self._headers.get(question)
        if cached is None:
            cached = self._make_header(question)
            self._headers[question] = cached
        return cached

    def _make_header(self, question: str) -> str:
        if self.template == "plain":
            return PLAIN_HEADER.format(question=question)
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ]
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def build(self, question: str, steps: list[str] | tuple[str, ...] = ()) -> str:
        """The prompt that asks for the step after ``steps``."""
        return self.header(question) + "".join(step + self.delimiter for step in steps)


def auto_template(tokenizer: Any) -> str:
    """``chat`` when the tokenizer carries a chat template, else ``plain``."""
    return "chat" if getattr(tokenizer, "chat_template", None) else "plain"
