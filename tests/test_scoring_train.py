"""Reward-model training: a toy set is learnt, the best folder reloads and scores, runs resume."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from scoring_models import save_causal_lm

from hrmsearch.cli import main as cli_main
from hrmsearch.config import RewardConfig
from hrmsearch.errors import HrmError
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.training.samples import RewardSample, write_samples
from hrmsearch.training.train_reward import TrainOptions, split_by_question, train


def toy_samples(count: int = 48, soft: bool = False) -> list[RewardSample]:
    """Label 1 when the current step ends in 'right', 0 when in 'wrong' (soft: 0.8 / 0.2)."""
    rng = random.Random(0)
    samples = []
    for k in range(count):
        question = f"Tom has {k} coins. He finds {rng.randint(2, 9)} more coins. How many coins?"
        for word, label in (("right", 0.8 if soft else 1.0), ("wrong", 0.2 if soft else 0.0)):
            samples.append(RewardSample(question=question, previous=[f"{k} + 1 = {k + 1}"],
                                        current=f"{k} + 2 = {k + 2} {word}", label=label))
    return samples


def test_split_is_by_question_and_seeded():
    samples = toy_samples(20)
    train_a, eval_a = split_by_question(samples, seed=3, eval_fraction=0.2)
    train_b, eval_b = split_by_question(samples, seed=3, eval_fraction=0.2)
    assert eval_a == eval_b and len(eval_a) == 8
    assert not {s.question for s in train_a} & {s.question for s in eval_a}


def test_binary_training_lowers_eval_loss_and_the_folder_scores(tmp_path):
    data = tmp_path / "toy.jsonl"
    write_samples(data, toy_samples(32))
    out = tmp_path / "prm"
    options = TrainOptions(kind="prm", data=data, base=str(save_causal_lm(tmp_path / "base")), out=out,
                           epochs=3, lr=3e-3, batch_tokens=1024, eval_fraction=0.25, progress=False)
    report = train(options)
    assert report.head == "2-label" and report.eval_samples == 16
    assert report.best_eval_loss < 0.5 * report.initial_eval_loss
    scorer = load_scorer(RewardConfig(model=str(out), device="cpu"))
    assert scorer.head == "softmax2"
    held_out = toy_samples(60)[-20:]
    scores = scorer.score([s.window() for s in held_out])
    good, bad = scores[0::2], scores[1::2]
    assert good.mean() > 0.8 and bad.mean() < 0.2
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [entry["epoch"] for entry in log] == [0, 1, 2, 3]
    again = train(options)  # finished run: resumes at the end, trains no more
    assert again.steps == report.steps and again.best_eval_loss == report.best_eval_loss


def test_soft_labels_train_a_sigmoid_head_and_resume_mid_run(tmp_path):
    data = tmp_path / "soft.jsonl"
    write_samples(data, toy_samples(24, soft=True))
    out = tmp_path / "hrm"
    base = str(save_causal_lm(tmp_path / "base"))
    first = train(TrainOptions(kind="hrm", data=data, base=base, out=out, epochs=1, lr=3e-3,
                               batch_tokens=512, progress=False))
    assert first.head == "1-output"
    config = json.loads((out / "config.json").read_text())
    assert (config["num_labels"] if "num_labels" in config else len(config["id2label"])) == 1
    assert config["problem_type"] == "multi_label_classification"
    second = train(TrainOptions(kind="hrm", data=data, base=base, out=out, epochs=2, lr=3e-3,
                                batch_tokens=512, progress=False))
    assert second.steps == 2 * first.steps
    assert second.initial_eval_loss == first.initial_eval_loss
    scores = load_scorer(RewardConfig(model=str(out), device="cpu")).score([s.window() for s in toy_samples(4)])
    assert np.all((scores > 0) & (scores < 1))


def test_train_rejects_data_without_samples_of_its_kind(tmp_path):
    data = tmp_path / "toy.jsonl"
    write_samples(data, toy_samples(4))
    with pytest.raises(HrmError, match="no samples of kind outcome for --kind orm"):
        train(TrainOptions(kind="orm", data=data, out=tmp_path / "orm", progress=False))


def test_cli_train_reports_bad_input_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(toy_samples(1)[0].model_dump()) + "\n{oops\n")
    status = cli_main(["train", "--kind", "prm", "--data", str(bad), "--out", str(tmp_path / "o")])
    assert status == 2
    assert "bad.jsonl:2: bad JSON" in capsys.readouterr().err


def test_ranking_groups_are_questions_or_siblings_and_batches_keep_groups_whole():
    from scoring_models import tiny_tokenizer

    from hrmsearch.training.batches import encode_samples, question_batches

    samples = [RewardSample(question=q, previous=prev, current=cur, label=label)
               for q, prev, cur, label in [("q1", [], "1 + 1 = 2", 1.0), ("q1", [], "1 + 1 = 3", 0.0),
                                           ("q1", ["1 + 1 = 2"], "2 + 2 = 4", 1.0), ("q2", [], "3 + 3 = 6", 0.0)]]
    tokenizer = tiny_tokenizer()
    assert encode_samples(samples, tokenizer, 512).groups == [0, 0, 0, 1]
    siblings = encode_samples(samples, tokenizer, 512, siblings=True)
    assert siblings.groups == [0, 0, 1, 2]
    longest = max(len(ids) for ids in siblings.ids)
    batches = question_batches(siblings, batch_tokens=2 * longest, rng=random.Random(0))
    assert sorted(i for batch in batches for i in batch) == [0, 1, 2, 3]
    assert all(len(batch) * max(len(siblings.ids[i]) for i in batch) <= 2 * longest for batch in batches)
    assert any(set(batch) == {0, 1} for batch in batches)  # the two siblings share one batch
