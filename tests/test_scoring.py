"""Reward scorer: exact window prompts, head rules, the score cache, truncation, loader errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scoring_models import save_causal_lm, save_classifier, tiny_tokenizer

from hrmsearch.config import RewardConfig
from hrmsearch.errors import HrmError
from hrmsearch.scoring.cached import length_buckets
from hrmsearch.scoring.hf_scorer import HFScorer
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.prompt import encode_window, window_prompt
from hrmsearch.scoring.windows import Window, outcome_window, trajectory_windows

QUESTION = "Mia has 2 bags of 3 apples. How many?"
STEPS = ["2 * 3 = 6", "6 + 4 = 10", "10 - 1 = 9", "The answer is \\boxed{9}."]
HEAD = f"Question:\n{QUESTION}\n\nLet's break it down step by step!\n\n"
FOCUS = "Now, let's focus on the current step:\n"


def test_fine_and_coarse_prompts_of_a_four_step_trajectory_are_exact():
    prompts = [(w.kind, window_prompt(w)) for w in trajectory_windows(QUESTION, STEPS)]
    assert prompts == [
        ("fine", HEAD + FOCUS + "2 * 3 = 6\n"),
        ("fine", HEAD + "Previous reasoning:\n2 * 3 = 6\n\n" + FOCUS + "6 + 4 = 10"),
        ("coarse", HEAD + FOCUS + "2 * 3 = 6\n\n6 + 4 = 10\n"),
        ("fine", HEAD + "Previous reasoning:\n2 * 3 = 6\n\n6 + 4 = 10\n\n" + FOCUS + "10 - 1 = 9"),
        ("coarse", HEAD + "Previous reasoning:\n2 * 3 = 6\n\n" + FOCUS + "6 + 4 = 10\n\n10 - 1 = 9"),
        ("fine", HEAD + "Previous reasoning:\n2 * 3 = 6\n\n6 + 4 = 10\n\n10 - 1 = 9\n\n" + FOCUS
         + "The answer is \\boxed{9}."),
        ("coarse", HEAD + "Previous reasoning:\n2 * 3 = 6\n\n6 + 4 = 10\n\n" + FOCUS
         + "10 - 1 = 9\n\nThe answer is \\boxed{9}."),
    ]


def test_outcome_prompt_is_the_papers_orm_prompt():
    prompt = window_prompt(outcome_window(QUESTION, STEPS[:2]))
    assert prompt == f"Question is as follows:\n{QUESTION}\n\nThe answer is as follows:\n2 * 3 = 6\n\n6 + 4 = 10\n"


def reference_logits(folder, windows: list[Window]) -> np.ndarray:
    """Head logits computed one window at a time, straight from the model."""
    scorer = HFScorer(str(folder), device="cpu")
    with torch.no_grad():
        rows = [scorer.model(torch.tensor([scorer.encode(w)])).logits[0].numpy() for w in windows]
    return np.array(rows, dtype=np.float64)


@pytest.mark.parametrize(
    ("num_labels", "problem_type", "rule"),
    [
        (2, None, lambda z: np.exp(z[:, 1]) / np.exp(z).sum(axis=1)),
        (1, "regression", lambda z: z[:, 0]),
        (1, "multi_label_classification", lambda z: 1 / (1 + np.exp(-z[:, 0]))),
    ],
)
def test_head_gives_the_documented_score_in_length_buckets(tmp_path, num_labels, problem_type, rule):
    folder = save_classifier(tmp_path / "rm", num_labels, problem_type)
    windows = trajectory_windows(QUESTION, STEPS)
    scorer = HFScorer(str(folder), device="cpu", batch_tokens=200)
    scores = scorer.score(windows)
    assert scorer.stats.model_calls > 1  # several right-padded buckets
    np.testing.assert_allclose(scores, rule(reference_logits(folder, windows)), atol=1e-5)
    assert np.ptp(scores) > 1e-3


def test_cache_prevents_rescoring(tmp_path):
    scorer = HFScorer(str(save_classifier(tmp_path / "rm")), device="cpu")
    windows = trajectory_windows(QUESTION, STEPS)
    first = scorer.score(windows)
    assert (scorer.stats.windows_scored, scorer.stats.model_calls) == (7, 1)
    again = scorer.score(list(reversed(windows)))
    np.testing.assert_array_equal(again, first[::-1])
    assert (scorer.stats.windows_scored, scorer.stats.model_calls, scorer.stats.cache_hits) == (7, 1, 7)
    extra = Window(question=QUESTION, previous=tuple(STEPS[:1]), current="6 + 4 = 11")
    scorer.score([windows[0], extra, extra])
    assert (scorer.stats.windows_scored, scorer.stats.model_calls) == (8, 2)


def test_length_buckets_respect_the_token_budget():
    lengths = [5, 40, 12, 40, 7, 30, 3]
    batches = list(length_buckets(lengths, batch_tokens=80))
    assert sorted(i for b in batches for i in b) == list(range(7))
    assert all(len(b) * max(lengths[i] for i in b) <= 80 for b in batches)
    assert list(length_buckets([100, 2], batch_tokens=50)) == [[0], [1]]


def test_truncation_cuts_old_context_and_keeps_the_current_step():
    tokenizer = tiny_tokenizer()
    previous = tuple(f"{k} + {k} = {2 * k}" for k in range(40))
    current = "The answer is \\boxed{78}."
    window = Window(question=QUESTION, previous=previous, current=current)
    one_step = Window(question=QUESTION, previous=previous[-1:], current=current)
    budget = len(tokenizer.encode(window_prompt(one_step))) + 30  # room for about two more steps
    full = tokenizer.encode(window_prompt(window))
    ids = encode_window(window, tokenizer, max_length=budget)
    text = tokenizer.decode(ids, skip_special_tokens=True)
    assert len(full) > budget >= len(ids) >= budget - 15  # whole oldest steps dropped, ~12 tokens each
    assert text.endswith(FOCUS + current)
    assert "39 + 39 = 78\n\n" + FOCUS in text and "0 + 0 = 0" not in text
    assert text.startswith(HEAD)


def test_truncation_never_cuts_an_over_long_current_step():
    tokenizer = tiny_tokenizer()
    current = " ".join(["7 + 7 = 14"] * 30)
    window = Window(question=QUESTION, previous=("1 + 1 = 2",), current=current)
    text = tokenizer.decode(encode_window(window, tokenizer, max_length=40), skip_special_tokens=True)
    assert text.endswith(FOCUS + current + "\n")
    assert "1 + 1 = 2" not in text


def test_loader_loads_a_folder_and_rejects_bad_paths(tmp_path):
    folder = save_classifier(tmp_path / "rm")
    scorer = load_scorer(RewardConfig(model=str(folder), device="cpu"))
    assert scorer.score(trajectory_windows(QUESTION, STEPS[:1])).shape == (1,)
    with pytest.raises(HrmError, match="unknown model path") as error:
        load_scorer(RewardConfig(model=str(tmp_path / "missing")))
    assert "\n" not in str(error.value)
    with pytest.raises(HrmError, match="not a sequence-classification"):
        load_scorer(RewardConfig(model=str(save_causal_lm(tmp_path / "lm"))))


def test_missing_shipped_reward_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr("hrmsearch.scoring.loader.asset_path", lambda name: tmp_path / name)
    with pytest.raises(HrmError, match="shipped reward model 'hrm_hnc' is not installed"):
        load_scorer(RewardConfig())
    with pytest.raises(HrmError, match="'orm' is not installed"):
        load_scorer(RewardConfig(outcome=True))
