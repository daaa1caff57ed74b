"""Exact numeric grading for GSM8K and `arith`: ``1,000 == 1000`` and ``5.0 == 5``.

Both strings are read as exact rationals (``fractions.Fraction``) after dropping
thousands commas, dollar signs, LaTeX spacing and a trailing period; anything
that is not a plain number (integer, decimal, ``a/b``) compares unequal.
"""

from __future__ import annotations

from fractions import Fraction

_DECORATIONS = ("{,}", ",", "\\$", "$", "\\!", "\\,", " ")


def parse_number(text: str | None) -> Fraction | None:
    """The exact value of a plain number string, or None when it is not one."""
    if text is None:
        return None
    cleaned = text.strip()
    for token in _DECORATIONS:
        cleaned = cleaned.replace(token, "")
    cleaned = cleaned.rstrip(".")
    try:
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None


def grade_numeric(predicted: str | None, gold: str | None) -> bool:
    predicted_value, gold_value = parse_number(predicted), parse_number(gold)
    return predicted_value is not None and predicted_value == gold_value
