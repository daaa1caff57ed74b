"""The step-likelihood reward-model kind: encoding, the score formula, training, reload, pairwise loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scoring_models import save_causal_lm, tiny_tokenizer
from test_scoring_train import toy_samples
from transformers import AutoModelForCausalLM

from hrmsearch.config import RewardConfig
from hrmsearch.errors import HrmError
from hrmsearch.scoring.hf_scorer import HFScorer
from hrmsearch.scoring.likelihood import (
    HeadConfig,
    StepLikelihoodModel,
    context_text,
    encode_likelihood_window,
    is_likelihood_folder,
    prefix_carriers,
)
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import Window, coarse_window
from hrmsearch.training.batches import ranking_loss
from hrmsearch.training.samples import write_samples
from hrmsearch.training.train_reward import TrainOptions, train

WINDOW = Window(question="Tom has 3 coins. He finds 4 more coins. How many coins?",
                previous=("3 + 4 = 7",), current="The answer is \\boxed{7}.")


def save_likelihood_folder(folder, head: HeadConfig) -> str:
    model = StepLikelihoodModel(AutoModelForCausalLM.from_pretrained(save_causal_lm(folder)), head)
    model.save_pretrained(folder)
    return str(folder)


def test_encoding_is_the_policy_prompt_and_truncation_keeps_the_current_step():
    tokenizer = tiny_tokenizer()
    encoded = encode_likelihood_window(WINDOW, tokenizer, 512)
    assert context_text(WINDOW) == "Question: " + WINDOW.question + "\nSolution:\n\n3 + 4 = 7\n\n"
    assert encoded.ids == tokenizer(context_text(WINDOW) + WINDOW.current).input_ids
    assert encoded.ids[encoded.start:] == tokenizer(WINDOW.current, add_special_tokens=False).input_ids
    short = encode_likelihood_window(WINDOW, tokenizer, 20)
    assert len(short.ids) == 20
    assert short.ids[short.start:] == encoded.ids[encoded.start:] and short.ids[0] == encoded.ids[0]


def test_score_is_the_head_on_mean_and_min_log_probability_of_the_current_tokens(tmp_path):
    head = HeadConfig(weights=(0.7, -0.3), bias=0.4)
    folder = save_likelihood_folder(tmp_path / "lik", head)
    assert is_likelihood_folder(folder)
    scorer = load_scorer(RewardConfig(model=folder, device="cpu"))
    windows = [WINDOW, coarse_window(WINDOW.question, ["1 + 2 = 3", "3 + 4 = 7", "7 * 2 = 14"], 2)]
    scores = scorer.score(windows)
    lm = AutoModelForCausalLM.from_pretrained(folder).eval()
    tokenizer = tiny_tokenizer()
    for window, score in zip(windows, scores, strict=True):
        context = tokenizer(context_text(window)).input_ids
        full = tokenizer(context_text(window) + window.current).input_ids
        with torch.no_grad():
            logp = torch.log_softmax(lm(torch.tensor([full])).logits[0], -1)
        token_logp = [logp[i - 1, full[i]].item() for i in range(len(context), len(full))]
        z = 0.7 * sum(token_logp) / len(token_logp) - 0.3 * min(token_logp) + 0.4
        assert math.isclose(score, 1 / (1 + math.exp(-z)), rel_tol=1e-4)
    scorer.score(windows)
    assert scorer.stats.windows_scored == 2 and scorer.stats.cache_hits == 2


def test_likelihood_training_learns_a_toy_set_and_the_folder_reloads(tmp_path):
    data = tmp_path / "toy.jsonl"
    write_samples(data, toy_samples(32))
    out = tmp_path / "lik_prm"
    options = TrainOptions(kind="prm", data=data, base=str(save_causal_lm(tmp_path / "base")), out=out,
                           head="likelihood", epochs=4, lr=3e-3, batch_tokens=1024, eval_fraction=0.25,
                           progress=False, pairwise=0.5)
    report = train(options)
    assert report.head == "likelihood"
    assert report.best_eval_loss < 0.7 * report.initial_eval_loss
    scorer = load_scorer(RewardConfig(model=str(out), device="cpu"))
    held_out = toy_samples(60)[-20:]
    scores = scorer.score([s.window() for s in held_out])
    assert np.mean(scores[0::2] > scores[1::2]) >= 0.9
    again = train(options)  # resumes from OUT/last at the end: no more steps
    assert again.steps == report.steps


def test_ranking_loss_counts_only_better_worse_pairs_of_one_question():
    margin = torch.tensor([2.0, 0.0, 5.0, -1.0])
    targets = torch.tensor([1.0, 0.0, 0.0, 0.0])
    groups = torch.tensor([0, 0, 1, 1])  # question 1 has no label difference: no pair
    expected = math.log1p(math.exp(0.0 - 2.0))
    assert math.isclose(ranking_loss(margin, targets, groups).item(), expected, rel_tol=1e-6)
    assert ranking_loss(margin, torch.zeros(4), groups).item() == 0.0


def test_a_paths_fine_and_coarse_windows_ride_on_one_forward_pass_with_unchanged_scores(tmp_path):
    folder = save_likelihood_folder(tmp_path / "lik", HeadConfig(weights=(0.9, 0.2), bias=0.1))
    steps = ["3 + 4 = 7", "7 * 2 = 14", "14 - 5 = 9", "The answer is \\boxed{9}."]
    question = WINDOW.question
    windows = [Window(question=question, previous=tuple(steps[:i]), current=steps[i]) for i in range(4)]
    windows += [coarse_window(question, steps, i) for i in range(1, 4)]
    tokenizer = tiny_tokenizer()
    rows = [encode_likelihood_window(w, tokenizer, 512).ids for w in windows]
    carriers = prefix_carriers(rows)
    assert len(set(carriers)) == 1 and rows[carriers[0]] == rows[3]  # one pass over the whole path
    together = load_scorer(RewardConfig(model=folder, device="cpu")).score(windows)
    alone = [load_scorer(RewardConfig(model=folder, device="cpu")).score([w])[0] for w in windows]
    np.testing.assert_allclose(together, alone, rtol=1e-5)
    assert together[5] != together[2]  # the coarse window of step 3 reads steps 2 and 3, not step 3 alone


def test_the_classifier_scorer_refuses_a_likelihood_folder(tmp_path):
    folder = save_likelihood_folder(tmp_path / "lik", HeadConfig())
    with pytest.raises(HrmError, match="step-likelihood"):
        HFScorer(folder, device="cpu")
