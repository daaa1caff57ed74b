"""Final-answer extraction: the last ``\\boxed{...}`` (nested braces), else the last number."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` or ``\\fbox{...}`` in ``text``, braces balanced."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        tail = text[start:].split(" ", 1)
        return tail[1].split("$")[0].strip() if len(tail) == 2 else None
    depth = 0
    for index in range(brace, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : index].strip()
    return None


def last_number(text: str) -> str | None:
    matches = _NUMBER.findall(text)
    return matches[-1].replace(",", "") if matches else None


def extract_answer(text: str) -> str | None:
    """The answer a solution text states: boxed content, else its last number."""
    boxed = last_boxed(text)
    if boxed is not None:
        return boxed
    return last_number(text)


def has_boxed_answer(text: str) -> bool:
    return last_boxed(text) is not None


def normalize_for_vote(answer: str | None) -> str | None:
    """A light canonical form so that ``\\dfrac{1}{2}`` and ``\\frac{1}{2} `` vote together."""
    if answer is None:
        return None
    text = answer.strip().rstrip(".").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    for token in ("\\left", "\\right", "\\!", "$", " "):
        text = text.replace(token, "")
    return text or None
