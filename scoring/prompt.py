"""The paper's reward-window prompt, and how a window is fitted into a token budget.

The text is the paper's, taken verbatim from its released code
(tengwang0318/hierarchial_reward_model, ``construct_dataset/construct_prompt.py``:
``construct_PRM_HRM_prompt`` / ``construct_PRM_HRM_prompt_v2`` for step windows,
``construct_ORM_prompt`` for outcome windows). Two quirks are kept on purpose so a
checkpoint trained by that code scores the same text: previous steps are joined with
``"\\n\\n"``, and a window *without* previous reasoning ends with a newline after the
current step while a window *with* previous reasoning does not.

Over-long windows are cut from the left of the context (previous reasoning first,
then the question); the current step is never cut.
"""

from __future__ import annotations

from typing import Protocol

from hrmsearch.scoring.windows import Window

STEP_JOIN = "\n\n"


class TextTokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...


def step_prompt(question: str, previous_text: str, current: str) -> str:
    """The paper's PRM/HRM prompt; ``previous_text`` is the joined earlier steps ('' for none)."""
    if previous_text:
        return (
            f"Question:\n{question}\n\nLet's break it down step by step!\n\n"
            f"Previous reasoning:\n{previous_text}\n\n"
            f"Now, let's focus on the current step:\n{current}"
        )
    return f"Question:\n{question}\n\nLet's break it down step by step!\n\nNow, let's focus on the current step:\n{current}\n"


def outcome_prompt(question: str, solution: str) -> str:
    """The paper's ORM prompt: the whole solution judged once."""
    return f"Question is as follows:\n{question}\n\nThe answer is as follows:\n{solution}\n"


def window_prompt(window: Window) -> str:
    """The full, untruncated prompt of ``window``."""
    return _prompt_from_parts(window, window.question, STEP_JOIN.join(window.previous))


def _prompt_from_parts(window: Window, question: str, previous_text: str) -> str:
    if window.kind == "outcome":
        return outcome_prompt(question, window.current)
    return step_prompt(question, previous_text, window.current)


def encode_window(window: Window, tokenizer: TextTokenizer, max_length: int) -> list[int]:
    """Token ids of ``window``'s prompt, at most ``max_length`` unless the current step alone is longer.

    Fitting drops the oldest characters of the previous reasoning first, then of the
    question (a binary search on the cut point, so the kept text tokenizes naturally).
    """
    previous_text = STEP_JOIN.join(window.previous)
    ids = tokenizer.encode(_prompt_from_parts(window, window.question, previous_text))
    if len(ids) <= max_length:
        return ids
    if previous_text:
        cut = _shortest_fitting_cut(lambda start: _prompt_from_parts(window, window.question, previous_text[start:]),
                                    len(previous_text), tokenizer, max_length)
        if cut is not None:
            return tokenizer.encode(_prompt_from_parts(window, window.question, previous_text[cut:]))
    cut = _shortest_fitting_cut(lambda start: _prompt_from_parts(window, window.question[start:], ""),
                                len(window.question), tokenizer, max_length)
    return tokenizer.encode(_prompt_from_parts(window, window.question[cut or len(window.question):], ""))


def _shortest_fitting_cut(build, length: int, tokenizer: TextTokenizer, max_length: int) -> int | None:
    """Smallest start in ``(0, length)`` whose prompt fits; None when even dropping all but nothing fails.

    ``build(start)`` gives the prompt with the text cut at ``start``; the last
    candidate (``length``, all of it dropped) is returned only if it fits.
    """
    if len(tokenizer.encode(build(length))) > max_length:
        return None
    low, high = 1, length  # invariant: build(high) fits
    while low < high:
        middle = (low + high) // 2
        if len(tokenizer.encode(build(middle))) <= max_length:
            high = middle
        else:
            low = middle + 1
    return high
