"""The shipped tiny tokenizer: exact round-trip, digits never merged, one token for the delimiter."""

from __future__ import annotations

import random

import pytest
from transformers import AutoTokenizer

from hrmsearch.assets import default_policy_path
from hrmsearch.engine.prompts import PromptBuilder
from hrmsearch.tasks import arith


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(default_policy_path())


def test_round_trip_on_arith_text(tokenizer):
    rng = random.Random(5)
    prompts = PromptBuilder()
    for _ in range(50):
        question, steps = arith.training_trace(rng, 0.5)
        text = prompts.build(question, steps)
        assert tokenizer.decode(tokenizer.encode(text), skip_special_tokens=True) == text


def test_digits_are_single_tokens_and_delimiter_is_one_token(tokenizer):
    pieces = tokenizer.convert_ids_to_tokens(tokenizer.encode("123 + 45 = 168\n\n", add_special_tokens=False))
    assert pieces[:3] == ["1", "2", "3"]
    assert pieces[-1] == "\n\n"


def test_encoding_starts_with_bos(tokenizer):
    assert tokenizer.encode("1 + 1")[0] == tokenizer.bos_token_id


def test_unknown_characters_do_not_crash(tokenizer):
    ids = tokenizer.encode("π ≈ 3.14")
    assert tokenizer.unk_token_id in ids
