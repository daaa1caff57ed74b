"""skywork: a tiny random ``Qwen2ForPrmModel`` checkpoint scored against Skywork's reference recipe.

The reference (:func:`reference_step_scores`) follows SkyworkAI/skywork-o1-prm-inference
``model_utils/io_utils.py`` (``prepare_input``: ``bos + problem + "\\n"``, each step's ids
plus the ``"\\n"`` id, flag on that id; ``derive_step_rewards``) and its ``ValueHead``
(``v_head.summary``), with a hand-built ``Qwen2Model`` and plain torch, sigmoid at the flags.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from format_checkpoints import save_skywork
from safetensors.torch import load_file
from transformers import AutoConfig, AutoTokenizer, Qwen2Model

from hrmsearch.config import RewardConfig
from hrmsearch.errors import HrmError
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import coarse_window, fine_window

QUESTION = "Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left?"
STEPS = ["5 * 4 = 20", "20 - 3 = 17", "17 + 0 = 17", "The answer is \\boxed{17}."]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_skywork(tmp_path_factory.mktemp("skywork") / "prm")


def prepare_input(problem: str, steps: list[str], tokenizer) -> tuple[list[int], list[int]]:
    """Skywork's ``prepare_input`` with the response already split into steps."""
    prompt_ids = tokenizer.encode(tokenizer.bos_token + problem + "\n")
    flags = [0] * len(prompt_ids)
    step_token_id = tokenizer.encode("\n")[-1]
    response_ids = []
    for step in steps:
        step_ids = tokenizer.encode(step) + [step_token_id]
        response_ids.extend(step_ids)
        flags.extend([0] * (len(step_ids) - 1) + [1])
    return prompt_ids + response_ids, flags


@torch.inference_mode()
def reference_step_scores(folder, question: str, steps: list[str]) -> np.ndarray:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    weights = load_file(str(folder / "model.safetensors"))
    decoder = Qwen2Model(AutoConfig.from_pretrained(folder))
    decoder.load_state_dict({name.removeprefix("model."): w for name, w in weights.items() if name.startswith("model.")})
    ids, flags = prepare_input(question, steps, tokenizer)
    hidden = decoder(torch.tensor([ids])).last_hidden_state[0]
    rewards = torch.sigmoid(hidden @ weights["v_head.summary.weight"][0] + weights["v_head.summary.bias"][0])
    return rewards[torch.tensor(flags) == 1].numpy()


def test_step_scores_match_the_reference_in_one_pass(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))
    assert scorer.format.name == "skywork"
    scores = scorer.score([fine_window(QUESTION, STEPS, index) for index in range(4)])
    reference = reference_step_scores(checkpoint, QUESTION, STEPS)
    np.testing.assert_allclose(scores, reference, atol=1e-4)
    assert np.ptp(reference) > 1e-3 and scorer.stats.model_calls == 1


def test_fine_and_coarse_positions_of_a_four_step_path(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))
    tokenizer = scorer.tokenizer
    newline = tokenizer.encode("\n")[-1]
    encoded = scorer.format.encode(tokenizer, QUESTION, tuple(STEPS))
    ids, where = encoded.ids, encoded.positions
    assert ids[0] == tokenizer.convert_tokens_to_ids("<|endoftext|>")  # the BOS text
    assert len(where) == 4 and all(ids[position] == newline for position in where)
    assert where[-1] == len(ids) - 1
    assert tokenizer.decode(ids[where[2] + 1: where[3]]) == "The answer is \\boxed{17}."
    assert tokenizer.decode(ids[where[0] + 1: where[1] + 1]) == "20 - 3 = 17\n"
    merged = scorer.format.encode(tokenizer, QUESTION, (STEPS[0], STEPS[1], STEPS[2] + "\n\n" + STEPS[3]))
    assert len(merged.positions) == 3 and merged.positions[:2] == where[:2]
    assert tokenizer.decode(merged.ids[merged.positions[1] + 1:]) == "17 + 0 = 17\n\nThe answer is \\boxed{17}.\n"
    coarse = scorer.score([coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)])
    expected = [reference_step_scores(checkpoint, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
                for i in (1, 2, 3)]
    np.testing.assert_allclose(coarse, expected, atol=1e-4)


def test_a_missing_value_head_weight_is_one_line(tmp_path):
    folder = save_skywork(tmp_path / "broken", drop=("v_head.summary.weight",))
    with pytest.raises(HrmError, match="missing v_head.summary.weight") as error:
        load_scorer(RewardConfig(model=str(folder), device="cpu"))
    assert "\n" not in str(error.value)


def test_vllm_is_refused_in_one_line(checkpoint):
    with pytest.raises(HrmError, match="does not run on backend 'vllm'"):
        load_scorer(RewardConfig(model=str(checkpoint), backend="vllm"))
