"""rlhflow: a tiny random ``LlamaForCausalLM`` with the Llama-3.1 chat template, scored against RLHFlow's evaluator.

The reference (:func:`reference_step_scores`) is RLHFlow/RLHF-Reward-Modeling
``math-rm/prm_evaluate.py`` (``select_sample``) written out with plain transformers:
one user turn per step (the first ``prompt + " " + step``), each answered by the
assistant ``"+"``, ``apply_chat_template`` over the prefix, the logits at position
``-3`` of the ``+``/``-`` tokens (``encode("+")[-1]``, ``encode("-")[-1]``), softmax,
``[:, 0]``: one forward pass per prefix, as the evaluator runs it.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from format_checkpoints import save_rlhflow

from hrmsearch.cli import main
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
    return save_rlhflow(tmp_path_factory.mktemp("rlhflow") / "RLHFlow" / "Llama3.1-8B-PRM-Deepseek-Data")


@torch.inference_mode()
def reference_step_scores(folder, prompt: str, ans_list: list[str]) -> np.ndarray:
    """``select_sample``'s loop for one answer: one pass per prefix, the ``-3`` position of each."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    candidate_tokens = [tokenizer.encode("+")[-1], tokenizer.encode("-")[-1]]
    conversation, single_step_score = [], []
    for k in range(len(ans_list)):
        text = prompt + " " + ans_list[0] if k == 0 else ans_list[k]
        conversation.append({"content": text, "role": "user"})
        conversation.append({"content": "+", "role": "assistant"})
        encoded = tokenizer.apply_chat_template(conversation, return_tensors="pt")
        input_ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded  # transformers 5 returns a dict
        logits = model(input_ids).logits[:, -3, candidate_tokens]
        single_step_score.append(logits.softmax(dim=-1)[:, 0][0].item())
    return np.array(single_step_score)


def test_fine_scores_match_the_evaluator_in_one_pass(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))  # detected by RLHFlow/...PRM...
    assert scorer.format.name == "rlhflow"
    scores = scorer.score([fine_window(QUESTION, STEPS, index) for index in range(4)])
    reference = reference_step_scores(checkpoint, QUESTION, STEPS)
    np.testing.assert_allclose(scores, reference, atol=1e-4)
    assert np.ptp(reference) > 1e-3 and scorer.stats.model_calls == 1


def test_fine_and_coarse_positions_of_a_four_step_path(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), device="cpu"))
    tokenizer = scorer.tokenizer
    plus, eot = tokenizer.encode("+", add_special_tokens=False)[-1], tokenizer.convert_tokens_to_ids("<|eot_id|>")
    encoded = scorer.format.encode(tokenizer, QUESTION, tuple(STEPS))
    ids, where = encoded.ids, encoded.positions
    assert ids.count(tokenizer.bos_token_id) == 1 and len(where) == 4 and where[-1] == len(ids) - 3
    for position in where:  # each read position is the "\n\n" closing an assistant header, before "+" <|eot_id|>
        assert ids[position + 1] == plus and ids[position + 2] == eot
        assert tokenizer.decode(ids[: position + 1]).endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert tokenizer.decode(ids[where[1] + 1: where[2] + 1]) == (
        "+<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n17 + 0 = 17<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert "<|start_header_id|>user<|end_header_id|>\n\n" + QUESTION + " 5 * 4 = 20<|eot_id|>" in tokenizer.decode(ids)
    merged = scorer.format.encode(tokenizer, QUESTION, (STEPS[0], STEPS[1], STEPS[2] + "\n\n" + STEPS[3]))
    assert merged.positions[:2] == where[:2] and len(merged.positions) == 3
    assert tokenizer.decode(merged.ids[where[1] + 1: merged.positions[2] + 1]).startswith(
        "+<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n17 + 0 = 17\n\nThe answer is \\boxed{17}.<|eot_id|>")
    coarse = scorer.score([coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)])
    expected = [reference_step_scores(checkpoint, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
                for i in (1, 2, 3)]
    np.testing.assert_allclose(coarse, expected, atol=1e-4)


def test_detection_by_name_and_the_format_override(checkpoint, tmp_path):
    assert detect(str(checkpoint)).name == "rlhflow"
    assert detect("RLHFlow/Llama3.1-8B-PRM-Mistral-Data").name == "rlhflow"  # a Hub id, nothing on disk
    plain = shutil.copytree(checkpoint, tmp_path / "llama-prm-copy")
    with pytest.raises(HrmError, match="cannot tell the reward format"):
        load_scorer(RewardConfig(model=str(plain), device="cpu"))
    scorer = load_scorer(RewardConfig(model=str(plain), format="rlhflow", device="cpu"))
    np.testing.assert_allclose(scorer.score([fine_window(QUESTION, STEPS, 2)]),
                               reference_step_scores(checkpoint, QUESTION, STEPS[:3])[2:], atol=1e-4)


def test_solve_best_of_n_end_to_end_with_the_format_flag(checkpoint, tmp_path, capsys):
    plain = shutil.copytree(checkpoint, tmp_path / "prm")
    argv = ["solve", QUESTION, "--backend", "transformers", "--reward", str(plain), "--reward-format", "rlhflow",
            "--strategy", "best_of_n", "--n", "4", "--max-steps", "3", "--json"]
    code = main(argv)
    solution = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code in (0, 1) and solution["error"] is None
    assert solution["cost"]["reward_windows_scored"] > 0 and solution["candidates"]
    scores = [c["score"] for c in solution["candidates"] if c["score"] is not None]
    assert scores and all(0.0 <= score <= 1.0 for score in scores)


@pytest.mark.vllm
@pytest.mark.skipif(not vllm_available(), reason="vllm not installed")
def test_vllm_matches_the_evaluator(checkpoint):
    scorer = load_scorer(RewardConfig(model=str(checkpoint), backend="vllm"))
    try:
        windows = [fine_window(QUESTION, STEPS, index) for index in range(4)]
        windows += [coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)]
        scores = scorer.score(windows)
    finally:
        scorer.close()
    np.testing.assert_allclose(scores[:4], reference_step_scores(checkpoint, QUESTION, STEPS), atol=1e-4)
    coarse = [reference_step_scores(checkpoint, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
              for i in (1, 2, 3)]
    np.testing.assert_allclose(scores[4:], coarse, atol=1e-4)
