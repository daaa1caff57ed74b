"""Final-answer extraction: nested braces in \\boxed, fallback to the last number."""

from hrmsearch.answers import extract_answer, last_boxed, normalize_for_vote


def test_boxed_with_nested_braces():
    assert last_boxed("so \\boxed{\\frac{1}{2}} done") == "\\frac{1}{2}"
    assert extract_answer("a \\boxed{3} then \\boxed{\\sqrt{2}}") == "\\sqrt{2}"


def test_fallback_to_last_number():
    assert extract_answer("12 + 24 = 36") == "36"
    assert extract_answer("it costs 1,200 dollars") == "1200"
    assert extract_answer("no digits here") is None


def test_unclosed_box_gives_none_not_garbage():
    assert last_boxed("\\boxed{12") is None


def test_vote_normalization():
    assert normalize_for_vote("\\dfrac{1}{2} ") == normalize_for_vote("\\frac{1}{2}")
    assert normalize_for_vote("  ") is None
