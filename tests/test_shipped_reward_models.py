"""The shipped tiny reward models load, score, and prefer right arithmetic steps to slips."""

from __future__ import annotations

import numpy as np
import pytest

from hrmsearch.api import solve
from hrmsearch.benchmarks.slips import right_and_slipped_windows
from hrmsearch.config import RewardConfig
from hrmsearch.scoring.loader import load_scorer, resolve_reward_path
from hrmsearch.tasks import arith


@pytest.mark.parametrize("name", ["prm", "hrm", "hrm_hnc", "orm"])
def test_shipped_reward_model_loads_and_scores_in_unit_interval(name):
    scorer = load_scorer(RewardConfig(model=name, outcome=name == "orm", device="cpu"))
    right, _ = right_and_slipped_windows(4)
    scores = scorer.score(right)
    assert scores.shape == (4,) and np.all((scores >= 0) & (scores <= 1))


def test_default_reward_model_is_hrm_hnc_and_prefers_right_steps():
    assert resolve_reward_path(RewardConfig()).endswith("hrm_hnc")
    scorer = load_scorer(RewardConfig(device="cpu"))
    right, wrong = right_and_slipped_windows(60)
    right_scores, wrong_scores = scorer.score(right), scorer.score(wrong)
    wins = np.mean(right_scores[:, None] > wrong_scores[None, :])
    assert wins > 0.85, wins  # AUC of right vs slipped steps (the shipped hrm_hnc: about 0.95)


def test_beam_search_uses_the_shipped_hrm_hnc_by_default(hf_policy):
    question = arith.split("test")[0].question
    solution = solve(question, strategy="beam", n=4, policy=hf_policy, max_steps=8)
    assert solution.error is None and solution.answer is not None
    assert solution.cost.reward_windows_scored > 0
