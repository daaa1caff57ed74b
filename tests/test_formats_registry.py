"""The reward-format registry: detection, one-line errors, the reward= argument, and solve end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fakes import ScriptedPolicy, ScriptedScorer
from format_checkpoints import save_chat_policy, save_qwen_prm, save_skywork
from scoring_models import save_causal_lm, save_classifier

from hrmsearch import api
from hrmsearch.assets import asset_path
from hrmsearch.cli import main
from hrmsearch.config import RewardConfig
from hrmsearch.engine.loader import load_policy
from hrmsearch.engine.prompts import PLAIN_HEADER, PromptBuilder
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats import FORMAT_NAMES, detect, get_format
from hrmsearch.scoring.loader import load_scorer

QUESTION = "Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left?"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    return {"qwen-prm": save_qwen_prm(root / "qwen"), "skywork": save_skywork(root / "skywork"),
            "classifier": save_classifier(root / "classifier"), "policy": save_chat_policy(root / "policy"),
            "lm": save_causal_lm(root / "lm")}


def test_detection_from_the_checkpoint(folders):
    assert detect(str(folders["qwen-prm"])).name == "qwen-prm"
    assert detect(str(folders["skywork"])).name == "skywork"
    assert detect(str(folders["classifier"])).name == "classifier"
    assert detect(str(asset_path("hrm_hnc"))).name == "likelihood"
    assert set(FORMAT_NAMES) >= {"qwen-prm", "skywork", "classifier", "likelihood", "math-shepherd", "rlhflow"}


def one_line_error(config: RewardConfig, match: str) -> str:
    with pytest.raises(HrmError, match=match) as error:
        load_scorer(config)
    assert "\n" not in str(error.value)
    return str(error.value)


def test_unknown_folders_and_wrong_formats_are_one_line(folders, tmp_path, capsys):
    message = one_line_error(RewardConfig(model=str(folders["lm"])), "cannot tell the reward format")
    assert "--reward-format" in message and all(name in message for name in FORMAT_NAMES)
    one_line_error(RewardConfig(model=str(tmp_path / "nowhere")), "unknown model path")
    (tmp_path / "empty").mkdir()
    one_line_error(RewardConfig(model=str(tmp_path / "empty")), "has no config.json")
    one_line_error(RewardConfig(model=str(folders["qwen-prm"]), format="skywork", device="cpu"),
                   "does not match Qwen2PrmModel: missing v_head.summary")
    one_line_error(RewardConfig(model=str(folders["skywork"]), format="qwen-prm", device="cpu"),
                   "does not match Qwen2ProcessRewardModel: missing score.0.bias")
    with pytest.raises(HrmError, match="unknown reward format"):
        get_format("qwen")
    assert main(["solve", QUESTION, "--reward", str(folders["lm"]), "--strategy", "beam", "--backend", "transformers"]) == 2
    printed = capsys.readouterr().err.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("hrmsearch: error: cannot tell the reward format")
    with pytest.raises(SystemExit):  # argparse names the bad choice and the valid ones
        main(["solve", QUESTION, "--reward-format", "qwen"])
    assert "invalid choice: 'qwen'" in capsys.readouterr().err


def test_reward_argument_is_read_in_one_place(folders, monkeypatch):
    scorer = ScriptedScorer(lambda window: 0.5)
    assert api.reward_setup(scorer) == (scorer, RewardConfig())
    assert api.reward_setup("prm", {"combine": "mean"})[1] == RewardConfig(model="prm", combine="mean")
    config = RewardConfig(model=str(folders["qwen-prm"]), combine="min")
    assert api.reward_setup(config) == (None, config)
    assert api.reward_setup(None, {"model": "orm", "outcome": True})[1].model == "orm"
    for reward, reward_config, match in [("prm", {"model": "orm"}, "contradicts"),
                                         (config, {"combine": "mean"}, "pass the config once"),
                                         (scorer, {"model": "prm"}, "scorer object"), (3, None, "not int")]:
        with pytest.raises(HrmError, match=match):
            api.reward_setup(reward, reward_config)
    loaded = []
    monkeypatch.setattr(api, "get_scorer", lambda obj, cfg: loaded.append(cfg) or scorer)
    policy = ScriptedPolicy(lambda question, steps, index: "1 + 1 = 2" if len(steps) < 2 else "\\boxed{2}")
    api.solve_many([QUESTION], strategy="beam", policy=policy, reward="prm", reward_config={"combine": "mean"}, n=2)
    assert loaded[-1].model == "prm" and loaded[-1].combine == "mean"  # not the default hrm_hnc


@pytest.mark.parametrize("name", ["qwen-prm", "skywork"])
def test_solve_beam_end_to_end_with_a_chat_policy(folders, name, capsys):
    argv = ["solve", QUESTION, "--policy", str(folders["policy"]), "--backend", "transformers",
            "--reward", str(folders[name]), "--strategy", "beam", "--n", "4", "--max-steps", "3", "--json"]
    code = main(argv)
    solution = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code in (0, 1) and solution["error"] is None
    assert solution["cost"]["reward_windows_scored"] > 0 and solution["candidates"]
    scores = [c["score"] for c in solution["candidates"] if c["score"] is not None]
    assert scores and all(0.0 <= score <= 1.0 for score in scores)


@pytest.mark.vllm
@pytest.mark.skipif(not vllm_available(), reason="vllm not installed")
def test_solve_beam_end_to_end_on_vllm_policy_and_vllm_qwen_prm(folders, capsys):
    argv = ["solve", QUESTION, "--policy", str(folders["policy"]), "--backend", "vllm", "--reward",
            str(folders["qwen-prm"]), "--reward-backend", "vllm", "--strategy", "beam", "--n", "4", "--max-steps", "2",
            "--json"]
    code = main(argv)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    solution = json.loads(lines[-1])
    assert code in (0, 1) and solution["error"] is None and solution["cost"]["reward_windows_scored"] > 0
    assert all(0.0 <= c["score"] <= 1.0 for c in solution["candidates"] if c["score"] is not None)


def test_hierarchical_combine_works_on_a_step_tag_format(folders):
    from hrmsearch.scoring.windows import coarse_window, fine_window

    steps = ["5 * 4 = 20", "20 - 3 = 17", "The answer is \\boxed{17}."]
    scorer = load_scorer(RewardConfig(model=str(folders["qwen-prm"]), device="cpu", combine="mean"))
    fine = scorer.score([fine_window(QUESTION, steps, 2)])[0]
    coarse = scorer.score([coarse_window(QUESTION, steps, 2)])[0]
    assert abs(fine - coarse) > 1e-6 and np.isfinite([fine, coarse]).all()


def test_system_prompt_for_chat_policies_and_the_plain_template_unchanged(folders):
    policy = load_policy(api.PolicyConfig(backend="transformers"))  # the shipped tiny policy: plain template
    assert policy.prompts.template == "plain"
    assert policy.prompts.build(QUESTION, ["1 + 1 = 2"]) == PLAIN_HEADER.format(question=QUESTION) + "1 + 1 = 2\n\n"
    chat = load_policy(api.PolicyConfig(model=str(folders["policy"]), backend="transformers"))
    header = chat.prompts.header(QUESTION)
    assert header.startswith("<|im_start|>system\nPlease reason step by step, and put your final answer within "
                             "\\boxed{}.<|im_end|>\n<|im_start|>user\n" + QUESTION)
    custom = PromptBuilder("\n\n", "chat", chat.tokenizer, system_prompt="Be brief.")
    assert custom.header(QUESTION).startswith("<|im_start|>system\nBe brief.<|im_end|>")
    bare = chat.tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False,
                                              add_generation_prompt=True)
    assert PromptBuilder("\n\n", "chat", chat.tokenizer, system_prompt="").header("x") == bare  # no system message


def test_every_command_with_reward_takes_the_same_reward_options():
    from hrmsearch.cli import build_parser

    parser = build_parser()
    for command in (["solve", "q"], ["bench", "--dataset", "arith"], ["bench-rm"]):
        args = parser.parse_args([*command, "--reward", "R", "--reward-format", "qwen-prm", "--reward-backend", "vllm"])
        assert (args.reward, args.reward_format, args.reward_backend) == ("R", "qwen-prm", "vllm")
    assert parser.parse_args(["bench-rm", "--backend", "vllm"]).reward_backend == "vllm"  # its older spelling
    assert parser.parse_args(["bench-rm"]).reward_backend == "transformers"
