"""math-shepherd: a tiny random ``MistralForCausalLM`` checkpoint scored against the model card's recipe.

The reference (:func:`card_step_scores`) is peiyi9979/math-shepherd-mistral-7b-prm's card
code written out with plain transformers: ``candidate_tokens = encode("+ -")[1:]``,
``step_tag_id = encode("ки")[-1]``, the input ``f"{question} {output}"`` with each step
followed by ``" ки"`` and the steps joined by ``"\\n"``, ``AutoModelForCausalLM``'s
logits at the candidate tokens, softmax, ``[..., 0]`` where ``input_id == step_tag_id``.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from format_checkpoints import save_math_shepherd
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

from hrmsearch.api import solve_many
from hrmsearch.config import RewardConfig
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats import detect
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import coarse_window, fine_window

QUESTION = "Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left?"
STEPS = ["5 * 4 = 20", "20 - 3 = 17", "17 + 0 = 17", "The answer is \\boxed{17}."]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_math_shepherd(tmp_path_factory.mktemp("shepherd") / "math-shepherd-mistral-7b-prm")


@torch.inference_mode()
def card_step_scores(folder, question: str, steps: list[str]) -> np.ndarray:
    """The model card's scoring code, one forward pass over ``steps``."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    candidate_tokens = tokenizer.encode("+ -")[1:]
    step_tag_id = tokenizer.encode("ки")[-1]
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    output = " ки\n".join(steps) + " ки"
    input_for_prm = f"{question} {output}"
    input_id = torch.tensor([tokenizer.encode(input_for_prm)])
    logits = model(input_id).logits[:, :, candidate_tokens]
    scores = logits.softmax(dim=-1)[:, :, 0]
    return scores[input_id == step_tag_id].numpy()


def test_fine_scores_match_the_card_in_one_pass(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))  # detected by its name
    assert scorer.format.name == "math-shepherd"
    scores = scorer.score([fine_window(QUESTION, STEPS, index) for index in range(4)])
    reference = card_step_scores(checkpoint, QUESTION, STEPS)
    np.testing.assert_allclose(scores, reference, atol=1e-4)
    assert np.ptp(reference) > 1e-3 and scorer.stats.model_calls == 1
    for index in range(4):  # the card run on each prefix gives the same number
        assert abs(card_step_scores(checkpoint, QUESTION, STEPS[: index + 1])[-1] - scores[index]) < 1e-4


def test_fine_and_coarse_positions_of_a_four_step_path(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))
    tokenizer = scorer.tokenizer
    tag = tokenizer.convert_tokens_to_ids("▁ки")
    encoded = scorer.format.encode(tokenizer, QUESTION, tuple(STEPS))
    ids, where = encoded.ids, encoded.positions
    assert ids[0] == tokenizer.bos_token_id and len(where) == 4 and where[-1] == len(ids) - 1
    assert [i for i, token in enumerate(ids) if token == tag] == list(where)
    assert tokenizer.decode(ids[1: where[0] + 1]) == QUESTION + " 5 * 4 = 20 ки"
    assert tokenizer.decode(ids[where[1] + 1: where[2] + 1]) == "\n17 + 0 = 17 ки"
    merged = scorer.format.encode(tokenizer, QUESTION, (STEPS[0], STEPS[1], STEPS[2] + "\n\n" + STEPS[3]))
    assert merged.positions[:2] == where[:2] and len(merged.positions) == 3
    assert tokenizer.decode(merged.ids[where[1] + 1:]) == "\n17 + 0 = 17\n\nThe answer is \\boxed{17}. ки"
    coarse = scorer.score([coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)])
    expected = [card_step_scores(checkpoint, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
                for i in (1, 2, 3)]
    np.testing.assert_allclose(coarse, expected, atol=1e-4)
    fine = scorer.score([fine_window(QUESTION, STEPS, 3)])[0]
    assert abs(fine - coarse[-1]) > 1e-6


def test_detection_by_name_and_the_format_override(checkpoint, tmp_path):
    assert detect(str(checkpoint)).name == "math-shepherd"
    assert detect("peiyi9979/math-shepherd-mistral-7b-prm").name == "math-shepherd"  # a Hub id, nothing on disk
    plain = shutil.copytree(checkpoint, tmp_path / "my-prm")
    with pytest.raises(HrmError, match="cannot tell the reward format"):
        load_scorer(RewardConfig(model=str(plain), device="cpu"))
    scorer = load_scorer(RewardConfig(model=str(plain), format="math-shepherd", device="cpu"))
    np.testing.assert_allclose(scorer.score([fine_window(QUESTION, STEPS, 3)]),
                               card_step_scores(checkpoint, QUESTION, STEPS)[3:], atol=1e-4)


def test_a_missing_lm_head_weight_is_one_line(checkpoint, tmp_path):
    broken = shutil.copytree(checkpoint, tmp_path / "math-shepherd-broken")
    weights = load_file(str(broken / "model.safetensors"))
    del weights["lm_head.weight"]
    save_file(weights, str(broken / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(HrmError, match="missing lm_head.weight") as error:
        load_scorer(RewardConfig(model=str(broken), device="cpu"))
    assert "\n" not in str(error.value)


def test_beam_search_end_to_end_with_hierarchical_scores(checkpoint):
    (solution,) = solve_many([QUESTION], strategy="beam", backend="transformers", reward=str(checkpoint),
                             reward_config={"format": "math-shepherd", "combine": "mean", "device": "cpu"},
                             n=4, max_steps=3)
    assert solution.error is None and solution.cost.reward_windows_scored > 0 and solution.candidates
    scores = [c.score for c in solution.candidates if c.score is not None]
    assert scores and all(0.0 <= score <= 1.0 for score in scores)


@pytest.mark.vllm
@pytest.mark.skipif(not vllm_available(), reason="vllm not installed")
def test_vllm_matches_the_card(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), backend="vllm"))
    try:
        windows = [fine_window(QUESTION, STEPS, index) for index in range(4)]
        windows += [coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)]
        scores = scorer.score(windows)
    finally:
        scorer.close()
    np.testing.assert_allclose(scores[:4], card_step_scores(checkpoint, QUESTION, STEPS), atol=1e-4)
    coarse = [card_step_scores(checkpoint, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
              for i in (1, 2, 3)]
    np.testing.assert_allclose(scores[4:], coarse, atol=1e-4)
