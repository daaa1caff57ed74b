"""qwen-prm: a tiny random ``Qwen2ForProcessRewardModel`` checkpoint scored against the model card's recipe.

The reference (:func:`card_step_scores`) is the card's code written out with plain
transformers/torch: the chat template with the card's system prompt, steps joined by
``<extra_0>``, a hand-built ``Qwen2Model`` plus the ``score`` MLP applied from the
checkpoint's tensors, softmax index 1 at every ``<extra_0>``; one pass per prefix.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from format_checkpoints import save_qwen_prm
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoTokenizer, Qwen2Model

from hrmsearch.config import RewardConfig
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import coarse_window, fine_window, outcome_window

QUESTION = "Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left?"
STEPS = ["5 * 4 = 20", "20 - 3 = 17", "17 + 0 = 17", "The answer is \\boxed{17}."]
CARD_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_qwen_prm(tmp_path_factory.mktemp("qwen_prm") / "prm")


@torch.inference_mode()
def card_step_scores(folder, question: str, steps: list[str]) -> np.ndarray:
    """The model card's ``make_step_rewards`` recipe, one forward pass over ``steps``."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    weights = load_file(str(folder / "model.safetensors"))
    decoder = Qwen2Model(AutoConfig.from_pretrained(folder))
    decoder.load_state_dict({name.removeprefix("model."): w for name, w in weights.items() if name.startswith("model.")})
    messages = [{"role": "system", "content": CARD_SYSTEM}, {"role": "user", "content": question},
                {"role": "assistant", "content": "<extra_0>".join(steps) + "<extra_0>"}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    input_ids = tokenizer.encode(text, return_tensors="pt")
    hidden = decoder(input_ids).last_hidden_state
    logits = F.linear(F.relu(F.linear(hidden, weights["score.0.weight"], weights["score.0.bias"])),
                      weights["score.2.weight"], weights["score.2.bias"])
    probabilities = F.softmax(logits, dim=-1) * (input_ids == tokenizer.encode("<extra_0>")[0]).unsqueeze(-1)
    return probabilities[probabilities != 0].view(-1, 2)[:, 1].numpy()


def record_rows(scorer) -> list:
    """Wrap the scorer's model so every forward pass's rows are recorded."""
    rows: list = []
    inner = scorer.model.tag_outputs

    def recording(batch_rows, positions):
        rows.extend(zip(batch_rows, positions, strict=True))
        return inner(batch_rows, positions)

    scorer.model.tag_outputs = recording
    return rows


def test_fine_scores_match_the_card_in_one_pass(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))  # format auto-detected
    assert scorer.format.name == "qwen-prm"
    rows = record_rows(scorer)
    scores = scorer.score([fine_window(QUESTION, STEPS, index) for index in range(4)])
    reference = card_step_scores(checkpoint, QUESTION, STEPS)
    np.testing.assert_allclose(scores, reference, atol=1e-4)
    assert np.ptp(reference) > 1e-3
    assert len(rows) == 1 and scorer.stats.model_calls == 1  # all four steps off one pass
    # each prefix's own score (the card run once per prefix) is the same number
    for index in range(4):
        assert abs(card_step_scores(checkpoint, QUESTION, STEPS[: index + 1])[-1] - scores[index]) < 1e-4
    scorer.score([fine_window(QUESTION, STEPS, 1)])
    assert scorer.stats.model_calls == 1 and scorer.stats.cache_hits == 1


def test_fine_and_coarse_positions_of_a_four_step_path(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu", format="qwen-prm"))
    tokenizer = scorer.tokenizer
    tag = tokenizer.convert_tokens_to_ids("<extra_0>")
    rows = record_rows(scorer)
    coarse = [coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)]
    windows = [fine_window(QUESTION, STEPS, 3), *coarse]
    scores = scorer.score(windows)
    by_steps = {tokenizer.decode(ids).count("<extra_0>"): (ids, where) for ids, where in rows}
    ids, where = by_steps[4]  # the fine path: a tag after each of the 4 steps, all 4 read
    assert [i for i, token in enumerate(ids) if token == tag] == list(where) and len(where) == 4
    assert tokenizer.decode(ids[: where[3]]).endswith("<extra_0>17 + 0 = 17<extra_0>The answer is \\boxed{17}.")
    assert tokenizer.decode(ids[where[3]:]) == "<extra_0><|im_end|>\n"
    # coarse (step 3, step 4): 3 tags, the last after "17 + 0 = 17\n\nThe answer is ...", read only there
    merged = [(ids, where) for ids, where in rows if tokenizer.decode(ids).count("<extra_0>") == 3]
    assert len(rows) == 4 and len(merged) == 1 and len(merged[0][1]) == 3
    text = tokenizer.decode(merged[0][0][: merged[0][1][-1] + 1])
    assert text.endswith("<extra_0>20 - 3 = 17<extra_0>17 + 0 = 17\n\nThe answer is \\boxed{17}.<extra_0>")
    reference = [card_step_scores(checkpoint, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
                 for i in (1, 2, 3)]
    np.testing.assert_allclose(scores[1:], reference, atol=1e-4)
    np.testing.assert_allclose(scores[0], card_step_scores(checkpoint, QUESTION, STEPS)[3], atol=1e-4)
    outcome = scorer.score([outcome_window(QUESTION, STEPS)])[0]
    assert abs(outcome - scores[0]) < 1e-6  # the whole solution read at its last tag


def test_over_the_context_limit_the_oldest_steps_are_cut(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))
    steps = [f"{k} + 1 = {k + 1}" for k in range(12)]
    full = len(scorer.format.encode(scorer.tokenizer, QUESTION, tuple(steps)).ids)
    scorer.max_length = full - 20  # the last few steps no longer fit with all their context
    scores = scorer.score([fine_window(QUESTION, steps, index) for index in range(12)])
    assert 0 < scorer.stats.context_cuts < 12 and len(scorer.cut_windows) == scorer.stats.context_cuts
    fitting = 12 - scorer.stats.context_cuts
    np.testing.assert_allclose(scores[:fitting], card_step_scores(checkpoint, QUESTION, steps[:fitting]), atol=1e-4)
    for index in range(fitting, 12):  # the current step is kept, the fewest oldest steps dropped
        start = next(s for s in range(index + 1)
                     if len(scorer.format.encode(scorer.tokenizer, QUESTION, tuple(steps[s:index + 1])).ids)
                     <= scorer.max_length)
        assert start > 0
        expected = card_step_scores(checkpoint, QUESTION, steps[start:index + 1])[-1]
        assert abs(scores[index] - expected) < 1e-4


def test_a_missing_or_unexpected_head_weight_is_one_line(tmp_path):
    folder = save_qwen_prm(tmp_path / "broken", drop=("score.2.bias",))
    with pytest.raises(HrmError, match="missing score.2.bias") as error:
        load_scorer(RewardConfig(model=str(folder), device="cpu"))
    assert "\n" not in str(error.value)
    folder = save_qwen_prm(tmp_path / "extra")
    weights = load_file(str(folder / "model.safetensors")) | {"score.4.weight": torch.zeros(2, 2)}
    save_file(weights, str(folder / "model.safetensors"))
    with pytest.raises(HrmError, match="unexpected score.4.weight") as error:
        load_scorer(RewardConfig(model=str(folder), device="cpu"))
    assert "\n" not in str(error.value)


def test_the_cost_block_counts_context_cuts(checkpoint):
    from fakes import ScriptedPolicy

    from hrmsearch.api import solve_many

    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))
    scorer.max_length = len(scorer.format.encode(scorer.tokenizer, QUESTION, ("1 + 1 = 2",) * 3).ids)
    policy = ScriptedPolicy(lambda question, steps, index: f"{len(steps)} + 1 = {len(steps) + 1}"
                            if len(steps) < 6 else "The answer is \\boxed{7}.")
    (solution,) = solve_many([QUESTION], strategy="beam", policy=policy, reward=scorer, n=2, max_steps=8)
    assert solution.error is None and solution.cost.reward_context_cuts > 0
    assert solution.cost.reward_context_cuts <= solution.cost.reward_windows_scored


@pytest.mark.vllm
@pytest.mark.skipif(not vllm_available(), reason="vllm not installed")
def test_vllm_pooling_matches_the_card(checkpoint):
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
