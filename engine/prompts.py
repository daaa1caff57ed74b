"""Prompts: a plain template for base/demo models, the chat template for instruct models.

Chat prompts carry a system message: ``system_prompt`` when given (``""`` for none),
else Qwen2.5-Math's "Please reason step by step, and put your final answer within
\\boxed{}." (the prompt its PRMs were trained on) when the chat template accepts a
system message, and no system message when it refuses one. The plain template has
no system message and does not change.

A prompt is ``header(question) + step_1 + delim + ... + step_k + delim``, so all
prompts that share a prefix of steps are byte-identical up to it and vLLM's
automatic prefix caching reuses their KV cache.
"""

from __future__ import annotations

from typing import Any

PLAIN_HEADER = "Question: {question}\nSolution:\n\n"
SYSTEM_PROMPT = "Please reason step by step, and put your final answer within \\boxed{}."


class PromptBuilder:
    """Builds the text a policy continues from a question and the steps so far."""

    def __init__(self, delimiter: str = "\n\n", template: str = "plain", tokenizer: Any = None,
                 system_prompt: str | None = None):
        if template not in ("plain", "chat"):
            raise ValueError(f"prompt template must be 'plain' or 'chat', got {template!r}")
        if template == "chat" and getattr(tokenizer, "chat_template", None) is None:
            raise ValueError("prompt template 'chat' needs a tokenizer with a chat_template")
        self.delimiter = delimiter
        self.template = template
        self.tokenizer = tokenizer
        self.system_prompt = system_prompt
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
        user = [{"role": "user", "content": question}]
        system = self.system_prompt if self.system_prompt is not None else SYSTEM_PROMPT
        if system and (self.system_prompt is not None or accepts_system_message(self.tokenizer)):
            return self._render([{"role": "system", "content": system}, *user])
        return self._render(user)

    def _render(self, messages: list[dict]) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def build(self, question: str, steps: list[str] | tuple[str, ...] = ()) -> str:
        """The prompt that asks for the step after ``steps``."""
        return self.header(question) + "".join(step + self.delimiter for step in steps)


def auto_template(tokenizer: Any) -> str:
    """``chat`` when the tokenizer carries a chat template, else ``plain``."""
    return "chat" if getattr(tokenizer, "chat_template", None) else "plain"


def accepts_system_message(tokenizer: Any) -> bool:
    """Whether the chat template renders a system message (some raise on one, some drop it)."""
    probe = "hrmsearch system probe"
    messages = [{"role": "system", "content": probe}, {"role": "user", "content": "1 + 1"}]
    try:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    except Exception:  # noqa: BLE001 - a template that refuses the system role
        return False
    return probe in text
