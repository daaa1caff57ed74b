"""Speed work must not change outputs: every strategy's answers and token counts against a captured fixture.

With a fixed seed on the transformers backend (the shipped tiny policy, the shipped
``hrm_hnc`` reward model, 3 arith test problems), each strategy's answer, chosen steps,
generated tokens and policy calls per problem are compared with
``tests/data/strategy_outputs.json``, captured before the speed work began. A change
to batching, packing, caching or the scheduler that alters what is sampled or
scored fails here. After a deliberate change of outputs, capture anew:

    python tests/test_strategy_outputs.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hrmsearch.assets import asset_path
from hrmsearch.config import RewardConfig
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.tasks import arith

FIXTURE = Path(__file__).parent / "data" / "strategy_outputs.json"
CASES = {
    "greedy": {},
    "self_consistency": {"n": 4},
    "best_of_n": {"n": 4},
    "step_greedy": {"n": 4},
    "beam": {"n": 4, "width": 2},
    "dvts": {"n": 4, "expansion": 2},
    "mcts": {"n": 4, "k": 2, "rollouts": 1},  # the configuration the fixture was captured with
}

pytestmark = pytest.mark.skipif(
    not (asset_path("policy") / "config.json").exists(), reason="the shipped tiny policy is not built yet"
)


def capture(policy, scorer) -> dict:
    """Each strategy's per-problem outputs on 3 arith test problems, seed 3."""
    problems = arith.split("test", 3)
    outputs = {}
    for strategy, options in CASES.items():
        config = strategy_config(strategy, max_steps=8, max_step_tokens=48, seed=3, **options)
        solutions = run_strategy(problems, config, policy, scorer, RewardConfig())
        outputs[strategy] = [
            {"answer": s.answer, "steps": s.steps, "generated_tokens": s.cost.generated_tokens,
             "policy_calls": s.cost.policy_calls, "error": s.error}
            for s in solutions
        ]
    return outputs


def load_models():
    from hrmsearch.config import PolicyConfig
    from hrmsearch.engine.loader import load_policy
    from hrmsearch.scoring.loader import load_scorer

    return load_policy(PolicyConfig(backend="transformers", device="cpu")), load_scorer(RewardConfig(device="cpu"))


def test_every_strategy_gives_the_captured_outputs(hf_policy):
    from hrmsearch.scoring.loader import load_scorer

    expected = json.loads(FIXTURE.read_text())
    outputs = capture(hf_policy, load_scorer(RewardConfig(device="cpu")))
    assert set(outputs) == set(expected)
    for strategy, rows in outputs.items():
        assert rows == expected[strategy], f"{strategy}'s outputs changed"


if __name__ == "__main__" and "--write" in sys.argv:
    FIXTURE.write_text(json.dumps(capture(*load_models()), indent=1) + "\n")
    print(f"wrote {FIXTURE}")
