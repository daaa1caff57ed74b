"""The dense step-tag trainer: paths from samples, soft labels, coarse paths, the saved folder, resume.

The reference scores (:func:`reference_scores`) are written here with plain
transformers/torch from the saved tensors: the decoder class named by the config's
``model_type``, the input built by hand (the shipped policy's plain prompt, or the
Qwen2.5-Math-PRM card's chat messages), ``score.0`` -> ReLU -> ``score.2`` applied at
every ``<extra_0>``, softmax index 1.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from format_checkpoints import save_chat_policy
from safetensors.torch import load_file
from transformers import AutoConfig, AutoTokenizer, LlamaModel, Qwen2Model

from hrmsearch.cli import main as cli_main
from hrmsearch.config import RewardConfig
from hrmsearch.scoring.formats import get_format
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import coarse_window, fine_window
from hrmsearch.training import train_steptag
from hrmsearch.training.samples import RewardSample, write_samples
from hrmsearch.training.steptag_batches import batch_loss, encode_paths
from hrmsearch.training.steptag_paths import group_paths
from hrmsearch.training.train_steptag import SteptagOptions, build_model, load_folder, train

TAG = "<extra_0>"
CARD_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


def trajectory(k: int, good: bool) -> tuple[str, list[str]]:
    question = f"Tom has {k} coins. He finds 3 more, then 2 more. How many coins?"
    last = k + 5 if good else 99  # the slip is plain to see, so a few steps of training can learn it
    return question, [f"{k} + 3 = {k + 3}", f"{k + 3} + 2 = {last}", f"The answer is {last}."]


def toy_samples(count: int = 16, coarse: bool = True) -> list[RewardSample]:
    """Per-window samples of two paths per question; the slipped path's steps 2-3 are labelled low (soft)."""
    samples = []
    for k in range(count):
        for good in (True, False):
            question, steps = trajectory(k, good)
            labels = [0.9, 0.85, 0.8] if good else [0.9, 0.15, 0.1]
            for index, label in enumerate(labels):
                samples.append(RewardSample(question=question, previous=steps[:index], current=steps[index],
                                            label=label, step=index))
            if coarse:
                samples.append(RewardSample(question=question, previous=steps[:1], current=steps[1] + "\n\n" + steps[2],
                                            label=labels[2], kind="coarse", step=2))
    return samples


@torch.inference_mode()
def reference_scores(folder, question: str, steps: list[str]) -> np.ndarray:
    """Softmax index 1 of the saved head at every ``<extra_0>`` of one hand-built input."""
    config = AutoConfig.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    weights = load_file(str(folder / "model.safetensors"))
    decoder = {"llama": LlamaModel, "qwen2": Qwen2Model}[config.model_type](config)
    decoder.load_state_dict({name.removeprefix("model."): w for name, w in weights.items() if name.startswith("model.")})
    assistant = TAG.join(steps) + TAG
    if config.model_type == "qwen2":
        messages = [{"role": "system", "content": CARD_SYSTEM}, {"role": "user", "content": question},
                    {"role": "assistant", "content": assistant}]
        ids = tokenizer.encode(tokenizer.apply_chat_template(messages, tokenize=False), add_special_tokens=False)
    else:
        ids = tokenizer.encode(f"Question: {question}\nSolution:\n\n{assistant}")
    input_ids = torch.tensor([ids])
    hidden = decoder(input_ids).last_hidden_state[0, input_ids[0] == tokenizer.convert_tokens_to_ids(TAG)]
    logits = F.linear(F.relu(F.linear(hidden, weights["score.0.weight"], weights["score.0.bias"])),
                      weights["score.2.weight"], weights["score.2.bias"])
    return F.softmax(logits, dim=-1)[:, 1].numpy()


def options(tmp_path, name: str, **extra) -> SteptagOptions:
    data = tmp_path / "samples.jsonl"
    if not data.exists():
        write_samples(data, toy_samples())
    values = {"kind": "hrm", "data": data, "out": tmp_path / name, "epochs": 3, "lr": 2e-3, "batch_tokens": 1024,
              "eval_fraction": 0.25, "progress": False, "device": "cpu"} | extra
    return SteptagOptions(**values)


def test_samples_group_into_paths_with_soft_labels_and_one_tag_for_a_coarse_pair():
    question, steps = trajectory(4, good=False)
    samples = toy_samples(8)[4 * 8 + 4 : 4 * 8 + 8]  # the slipped path of k = 4: three fine samples, one coarse
    samples.append(samples[1].model_copy(update={"label": 0.35}))  # the same window again (say, from HNC)
    paths = group_paths(samples)
    assert len(paths) == 2  # the fine path carries all three fine steps; the coarse pair is a path of its own
    fine, merged = paths
    assert fine.steps == tuple(steps) and fine.labels == (0.9, pytest.approx(0.25), 0.1)
    assert fine.weights == (1, 2, 1)
    assert merged.steps == (steps[0], steps[1] + "\n\n" + steps[2]) and merged.labels == (None, 0.1)
    tokenizer, module = build_model("policy", seed=0)
    rows = encode_paths(paths, get_format("llama-prm"), tokenizer, 512)
    assert rows.targets == [[0.9, pytest.approx(0.25), 0.1], [0.1]] and rows.weights == [[1.0, 2.0, 1.0], [1.0]]
    tag = tokenizer.convert_tokens_to_ids(TAG)
    coarse_ids = rows.ids[1]
    assert coarse_ids.count(tag) == 2 and rows.positions[1] == [len(coarse_ids) - 1]
    text = tokenizer.decode(coarse_ids)
    assert text.endswith(f"{TAG}{steps[1]}\n\n{steps[2]}{TAG}")  # two steps, one tag after them
    assert [i for i, token in enumerate(rows.ids[0]) if token == tag] == rows.positions[0]


def test_the_loss_is_cross_entropy_against_the_soft_label(tmp_path):
    samples = toy_samples(2, coarse=False)
    tokenizer, module = build_model("policy", seed=0)
    rows = encode_paths(group_paths(samples), get_format("llama-prm"), tokenizer, 512)
    loss, weight = batch_loss(module, rows, list(range(len(rows.ids))), tokenizer.pad_token_id, "cpu")
    with torch.no_grad():
        expected, total = 0.0, 0.0
        for ids, positions, targets, weights in zip(rows.ids, rows.positions, rows.targets, rows.weights, strict=True):
            logits = module.score(module.model(input_ids=torch.tensor([ids])).last_hidden_state[0, positions])
            p1 = F.softmax(logits, dim=-1)[:, 1]
            labels = torch.tensor(targets)
            step_losses = -(labels * p1.log() + (1 - labels) * (1 - p1).log())
            expected += float((step_losses * torch.tensor(weights)).sum())
            total += sum(weights)
    assert weight == total == 12 and rows.labelled_steps == 10  # both paths share their first step's window
    assert abs(loss.item() - expected / total) < 1e-5
    assert {0.85, 0.15, 0.8, 0.1} <= {t for row in rows.targets for t in row}  # never rounded to 0/1


def test_training_lowers_eval_loss_and_the_folder_reloads_with_auto_detection(tmp_path):
    report = train(options(tmp_path, "prm", epochs=4))
    assert report.format == "llama-prm" and report.train_labelled_steps == 96 and report.train_paths == 48
    assert report.best_eval_loss < 0.85 * report.initial_eval_loss
    out = tmp_path / "prm"
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["LlamaForProcessRewardModel"] and config["model_type"] == "llama"
    scorer = load_scorer(RewardConfig(model=str(out), device="cpu"))  # format auto-detected
    assert scorer.format.name == "llama-prm"
    for good in (True, False):
        question, steps = trajectory(40, good)
        scores = scorer.score([fine_window(question, steps, index) for index in range(3)])
        np.testing.assert_allclose(scores, reference_scores(out, question, steps), atol=1e-5)
        merged = scorer.score([coarse_window(question, steps, 2)])
        expected = reference_scores(out, question, [steps[0], steps[1] + "\n\n" + steps[2]])[-1]
        assert abs(merged[0] - expected) < 1e-5
    good = scorer.score([fine_window(*trajectory(41, True), 2)])[0]
    bad = scorer.score([fine_window(*trajectory(41, False), 2)])[0]
    assert good > bad


def test_a_killed_run_resumes_where_it_stopped(tmp_path, monkeypatch):
    straight = train(options(tmp_path, "straight", epochs=2, eval_every=1))
    real_step, calls = train_steptag._Run.step, {"n": 0}

    def dying_step(run, batch):
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the run is killed after its third saved step
        calls["n"] += 1
        return real_step(run, batch)

    monkeypatch.setattr(train_steptag._Run, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        train(options(tmp_path, "resumed", epochs=2, eval_every=1))
    state = json.loads((tmp_path / "resumed" / "last" / "state.json").read_text())
    assert state["global_step"] == 3
    monkeypatch.setattr(train_steptag._Run, "step", real_step)
    resumed = train(options(tmp_path, "resumed", epochs=2, eval_every=1))
    assert resumed.steps == straight.steps and resumed.initial_eval_loss == straight.initial_eval_loss
    steps_logged = [json.loads(line)["step"] for line in (tmp_path / "resumed" / "train_log.jsonl").read_text().splitlines()]
    assert steps_logged == sorted(steps_logged) and steps_logged.count(0) == 1  # continued, never restarted
    _, expected = load_folder(tmp_path / "straight" / "last")
    _, got = load_folder(tmp_path / "resumed" / "last")
    for (name, a), (_, b) in zip(expected.state_dict().items(), got.state_dict().items(), strict=True):
        assert torch.allclose(a, b, atol=1e-5), name


def test_a_qwen2_decoder_is_saved_as_a_qwen2_process_reward_model(tmp_path):
    base = save_chat_policy(tmp_path / "chat_policy")
    report = train(options(tmp_path, "qwen", base=str(base), epochs=1))
    out = tmp_path / "qwen"
    assert report.format == "qwen-prm"
    assert json.loads((out / "config.json").read_text())["architectures"] == ["Qwen2ForProcessRewardModel"]
    scorer = load_scorer(RewardConfig(model=str(out), device="cpu"))
    assert scorer.format.name == "qwen-prm"
    question, steps = trajectory(40, False)
    scores = scorer.score([fine_window(question, steps, index) for index in range(3)])
    np.testing.assert_allclose(scores, reference_scores(out, question, steps), atol=1e-5)


def test_the_cli_trains_the_step_tag_format(tmp_path, capsys):
    data = tmp_path / "samples.jsonl"
    write_samples(data, random.Random(0).sample(toy_samples(), 40))
    common = ["train", "--format", "qwen-prm", "--kind", "prm", "--data", str(data), "--epochs", "1",
              "--device", "cpu"]
    assert cli_main([*common, "--out", str(tmp_path / "cli")]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["format"] == "llama-prm" and report["steps"] >= 1
    assert cli_main([*common, "--out", str(tmp_path / "bad"), "--pairwise", "1"]) == 2
    error = capsys.readouterr().err
    assert "--pairwise" in error and error.count("\n") == 1


def test_the_training_benchmark_trains_both_kinds_on_the_same_labelled_steps():
    from hrmsearch.benchmarks.perf.train import main as perf_train

    record = perf_train(["--paths", "6", "--kind", "prm"])
    assert record["metric"] == "steptag_train_speedup" and record["value"] > 0
    assert record["per_window_samples"] == record["dense_labelled_steps"] > record["dense_paths"]


@torch.inference_mode()
def test_a_new_step_tag_starts_as_the_step_delimiter_so_the_decoder_reads_the_policys_own_text():
    from transformers import AutoModelForCausalLM

    from hrmsearch.assets import default_policy_path

    tokenizer, module = build_model("policy", seed=0)
    policy_folder = default_policy_path()
    policy = AutoModelForCausalLM.from_pretrained(policy_folder).model.eval()
    question, steps = trajectory(7, True)
    tagged = tokenizer.encode(f"Question: {question}\nSolution:\n\n" + TAG.join(steps) + TAG)
    native = AutoTokenizer.from_pretrained(policy_folder).encode(
        f"Question: {question}\nSolution:\n\n" + "\n\n".join(steps) + "\n\n")
    assert len(tagged) == len(native) and tokenizer.convert_tokens_to_ids(TAG) in tagged
    tagged_hidden = module.model.eval()(input_ids=torch.tensor([tagged])).last_hidden_state
    native_hidden = policy(input_ids=torch.tensor([native])).last_hidden_state
    torch.testing.assert_close(tagged_hidden, native_hidden, atol=1e-5, rtol=1e-5)
