"""The PRM800K answer grader's rules, re-implemented from their description (no code copied).

This module holds ``grade_answer(given, ground_truth)``: the rules OpenAI's
``prm800k/grading`` applies, as written up in ``../shared/data/README.md``. An
answer is correct when any of three checks passes:

1. the MATH (Hendrycks) normalizations of both strings are equal (``math_normalize``);
2. the stricter normalizations (``strict_normalize``: unit words, ``$``/``%``,
   pylatexenc LaTeX-to-text, integer canonicalization) are equal;
3. element-wise sympy equality of the strict forms, with the guards that keep
   sympy from hanging (too many letters, ``^{``, ``^(``, long exponents).

One deliberate deviation: pylatexenc 2.11 does not know ``\\dfrac``/``\\tfrac``
and renders ``\\dfrac{1}{2}`` as ``12``; the strict normalization maps them to
``\\frac`` first so a ``\\dfrac`` answer cannot be graded equal to a different
integer. The grader does not extract answers: pass the final-answer strings.
"""

from __future__ import annotations

import re

_UNIT_WORDS = (
    "degree", "cm", "centimeter", "meter", "mile", "second", "minute", "hour",
    "day", "week", "month", "year", "foot", "feet", "inch", "yard",
)
_UNIT_PATTERN = re.compile(rf"(?:{'|'.join(_UNIT_WORDS)})(?:es)?(?:s)? *(?:\^[0-9]+)?")
_DEGREE_PATTERN = re.compile(r"\^ *\{? *\\circ *\}?")
_SCALE_WORDS = {"million": "*10^6", "billion": "*10^9", "trillion": "*10^12"}
_UNICODE_TO_TEXT = {"√": "sqrt", "π": "pi", "∞": "inf", "∪": "U", "·": "*", "×": "*"}
_MIXED_NUMBER = re.compile(r"(\d) +(\d+/\d+)")
_PLAIN_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
_INTEGER = re.compile(r"-?\d+")
_COMMA_INTEGER = re.compile(r"-?\d{1,3}(?:,\d{3})+")
_FRACTION = re.compile(r"-?\d+/\d+")
_LONG_EXPONENT = re.compile(r"\^[0-9]+\^|\^[0-9][0-9]+")
_RISKY_SUBSTRINGS = ("^{", "^(")
_MAX_FREE_LETTERS = 2


# ---------------------------------------------------------------- shared helpers


def _unwrap_text(answer: str) -> str:
    """``\\text{...}`` spanning the whole answer -> its content; anything else unchanged."""
    if not answer.startswith("\\text{") or not answer.endswith("}"):
        return answer
    depth = 0
    for index, char in enumerate(answer):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and index != len(answer) - 1:
                return answer
    return answer[len("\\text{") : -1]


def _remove_all(text: str, tokens: tuple[str, ...]) -> str:
    for token in tokens:
        text = text.replace(token, "")
    return text


# ---------------------------------------------------------------- rule 1: MATH normalization


def _brace_sqrt_arguments(text: str) -> str:
    """``\\sqrt3`` -> ``\\sqrt{3}`` (a one-character argument without braces)."""
    return re.sub(r"\\sqrt([^{\\])", r"\\sqrt{\1}", text)


def _brace_frac_arguments(text: str) -> str:
    """``\\frac12`` -> ``\\frac{1}{2}``, ``\\frac1{b}`` -> ``\\frac{1}{b}``."""
    pieces = text.split("\\frac")
    rebuilt = pieces[0]
    for piece in pieces[1:]:
        if piece.startswith("{") or len(piece) < 2:
            rebuilt += "\\frac" + piece
        elif piece[1] == "{":
            rebuilt += "\\frac{" + piece[0] + "}" + piece[1:]
        else:
            rebuilt += "\\frac{" + piece[0] + "}{" + piece[1] + "}" + piece[2:]
    return rebuilt


def _integer_slash_to_frac(text: str) -> str:
    """``3/4`` with exact integers on both sides -> ``\\frac{3}{4}``."""
    parts = text.split("/")
    if len(parts) != 2 or not all(_is_exact_int_literal(part) for part in parts):
        return text
    return f"\\frac{{{parts[0]}}}{{{parts[1]}}}"


def _is_exact_int_literal(text: str) -> bool:
    return bool(_INTEGER.fullmatch(text)) and str(int(text)) == text


def _drop_short_assignment(text: str) -> str:
    """``x = 5`` -> ``5`` when the left side has at most two characters."""
    parts = text.split("=")
    if len(parts) == 2 and len(parts[0]) <= 2:
        return parts[1]
    return text


def _add_leading_zeros(text: str) -> str:
    text = text.replace(" .", " 0.").replace("{.", "{0.")
    return "0" + text if text.startswith(".") else text


def math_normalize(answer: str | None) -> str | None:
    """The MATH dataset's normalization (Hendrycks et al.), rule 1 of the grader."""
    if answer is None:
        return None
    text = _unwrap_text(answer.strip())
    text = text.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    text = text.replace("tfrac", "frac").replace("dfrac", "frac")
    text = _remove_all(text, ("\\left", "\\right", "^{\\circ}", "^\\circ", "\\$"))
    text = text.split("\\text{ ")[0]
    text = _remove_all(text, ("\\%", "%"))
    text = _add_leading_zeros(text)
    if not text:
        return text
    text = _drop_short_assignment(text)
    text = _brace_sqrt_arguments(text).replace(" ", "")
    text = _brace_frac_arguments(text)
    if text == "0.5":
        return "\\frac{1}{2}"
    return _integer_slash_to_frac(text)


# ---------------------------------------------------------------- rule 2: strict normalization


def _latex_to_text(text: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    try:
        text = LatexNodes2Text().latex_to_text(text)
    except Exception:  # pylatexenc rejects some malformed input: keep the raw string
        return text
    for symbol, word in _UNICODE_TO_TEXT.items():
        text = text.replace(symbol, word)
    return text


def _integer_float_to_int(text: str) -> str:
    """``5.0`` -> ``5``; other strings unchanged."""
    if _PLAIN_NUMBER.fullmatch(text) and "." in text and float(text) == int(float(text)):
        return str(int(float(text)))
    return text


def _canonical_integer(text: str) -> str:
    """``007`` -> ``7`` and ``1,000`` -> ``1000``; other strings unchanged."""
    if _INTEGER.fullmatch(text) or _COMMA_INTEGER.fullmatch(text):
        return str(int(text.replace(",", "")))
    return text


def _strip_units_and_symbols(text: str) -> str:
    text = _remove_all(text, ("\\%", "\\$", "$", "%"))
    text = text.replace(" or ", " , ").replace(" and ", " , ")
    for word, power in _SCALE_WORDS.items():
        text = text.replace(word, power)
    text = _UNIT_PATTERN.sub("", text)
    return _DEGREE_PATTERN.sub("", text)


def strict_normalize(answer: str | None) -> str | None:
    """The grader's own stricter normalization, rule 2 (and the input of rule 3)."""
    if answer is None:
        return None
    text = _strip_units_and_symbols(_unwrap_text(answer.strip()))
    if len(text) >= 2 and text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    text = _integer_float_to_int(text.replace(",\\!", "").strip())
    if "\\" in text:
        text = _latex_to_text(text)
    text = _MIXED_NUMBER.sub(r"\1+\2", text.strip().replace("- ", "-"))
    text = _remove_all(text, (" ", "{", "}")).lower()
    return _canonical_integer(text)


# ---------------------------------------------------------------- rule 3: element-wise sympy


def split_elements(text: str) -> list[str]:
    """A tuple/interval ``(a,b]`` -> its elements when no brackets are nested inside."""
    inner = text[1:-1]
    if len(text) > 2 and text[0] in "([" and text[-1] in ")]" and not any(c in inner for c in "()[]"):
        return [element.strip() for element in inner.split(",")]
    return [text]


def sympy_may_evaluate(expression: str) -> bool:
    """The guards: refuse expressions on which sympy can hang."""
    letters = {char for char in re.sub(r"sqrt|frac", "", expression) if char.isalpha()}
    if len(letters) > _MAX_FREE_LETTERS:
        return False
    if any(risky in expression for risky in _RISKY_SUBSTRINGS):
        return False
    return _LONG_EXPONENT.search(expression) is None


def sympy_equal(ground_truth: str, given: str) -> bool:
    """``simplify((gt) - (given)) == 0``; any exception or refused guard counts as not equal."""
    difference = f"({ground_truth})-({given})"
    if not sympy_may_evaluate(difference):
        return False
    try:
        import sympy
        from sympy.parsing import sympy_parser

        transformations = sympy_parser.standard_transformations + (
            sympy_parser.implicit_multiplication_application,
        )
        parsed = sympy_parser.parse_expr(difference.replace("^", "**"), transformations=transformations)
        return bool(sympy.simplify(parsed) == 0)
    except Exception:
        return False


def _elements_equal(ground_truth: str, given: str) -> bool:
    if _FRACTION.fullmatch(ground_truth) and _FRACTION.fullmatch(given):
        return ground_truth == given
    if bool(_INTEGER.fullmatch(ground_truth)) != bool(_INTEGER.fullmatch(given)):
        return False
    return sympy_equal(ground_truth, given)


def _sympy_rule(ground_truth: str, given: str) -> bool:
    truth_elements, given_elements = split_elements(ground_truth), split_elements(given)
    if len(truth_elements) != len(given_elements):
        return False
    brackets_differ = ground_truth[0] != given[0] or ground_truth[-1] != given[-1]
    if len(truth_elements) > 1 and brackets_differ:
        return False
    return all(_elements_equal(t, g) for t, g in zip(truth_elements, given_elements, strict=True))


# ---------------------------------------------------------------- the grader


def grade_answer(given: str | None, ground_truth: str | None) -> bool:
    """True when ``given`` is the same answer as ``ground_truth`` under the PRM800K rules."""
    if given is None or ground_truth is None:
        return False
    if math_normalize(ground_truth) == math_normalize(given):
        return True
    truth_strict, given_strict = strict_normalize(ground_truth), strict_normalize(given)
    if truth_strict is None or given_strict is None or not given_strict or not truth_strict:
        return False
    if truth_strict == given_strict:
        return True
    return _sympy_rule(truth_strict, given_strict)
