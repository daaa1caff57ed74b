"""``bench-rm``: step accuracy, AUC and reranking accuracy of a scripted scorer, to the exact number."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fakes import ScriptedScorer

from hrmsearch.benchmarks.reward_eval import evaluate, mann_whitney_auc, prm800k_samples

FINE = {"A": 0.9, "B": 0.3, "C": 0.8, "D": 0.4, "E": 0.6, "F": 0.4, "G": 0.7, "H": 0.2, "J": 0.55, "K": 0.1}
COARSE = {"D": 0.8, "E": 0.2, "F": 0.4, "H": 0.2, "J": 0.55}  # keyed by the candidate (second) step


def step(completions: list[tuple[str, int | None]], chosen: int | None, human: str | None = None) -> dict:
    return {
        "completions": [{"text": text, "rating": rating, "flagged": False} for text, rating in completions],
        "human_completion": {"text": human, "rating": None} if human else None,
        "chosen_completion": chosen,
    }


def record(problem: str, steps: list[dict], finish: str = "solution") -> dict:
    return {"question": {"problem": problem, "ground_truth_answer": "1"}, "label": {"steps": steps, "finish_reason": finish}}


@pytest.fixture
def prm_file(tmp_path):
    records = [
        record("p1", [step([("A", 1), ("B", -1), ("C", 0)], 0), step([("D", 1), ("E", -1), ("F", -1)], 0)]),
        record("p2", [step([("G", 1)], 0), step([("H", -1)], None, human="I"), step([("J", 1)], 0)]),
        record("p3", [step([("K", 1)], 0)], finish="give_up"),  # dropped by the paper's rules
    ]
    path = tmp_path / "prm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def scripted_score(window) -> float:
    if window.kind == "coarse":
        return COARSE[window.current.split("\n\n")[-1]]
    return FINE[window.current]


def test_fine_scores_give_the_hand_computed_metrics(prm_file):
    report = evaluate(ScriptedScorer(scripted_score), prm800k_samples(prm_file, "fine"), str(prm_file))
    assert (report.steps, report.positives, report.negatives, report.windows_scored) == (8, 4, 4, 8)
    assert report.step_accuracy == pytest.approx(6 / 8)  # D (0.4, +1) and E (0.6, -1) are misjudged
    assert report.auc == pytest.approx(13.5 / 16)  # D ties F: one half
    # same-position (+1, -1) pairs: A>B wins, D<E loses, D=F ties; G, H, J stand alone
    assert (report.rerank_pairs, report.rerank_positions) == (3, 2)
    assert report.rerank_accuracy == pytest.approx(1.5 / 3)


def test_mean_combine_uses_the_coarse_windows(prm_file):
    report = evaluate(ScriptedScorer(scripted_score), prm800k_samples(prm_file, "mean"), str(prm_file), rule="mean")
    assert report.windows_scored == 8 + 5  # coarse windows for D, E, F, H, J
    assert report.step_accuracy == 1.0 and report.auc == 1.0 and report.rerank_accuracy == 1.0


def test_auc_matches_pairwise_counting():
    rng = np.random.default_rng(0)
    positive, negative = rng.integers(0, 5, 40).astype(float), rng.integers(0, 5, 30).astype(float)
    pairwise = np.mean([(p > q) + 0.5 * (p == q) for p in positive for q in negative])
    assert mann_whitney_auc(positive, negative) == pytest.approx(pairwise)
    assert mann_whitney_auc(positive, negative[:0]) is None


def test_cli_prints_the_report_as_json_last(prm_file, monkeypatch, capsys):
    import hrmsearch.api as api
    from hrmsearch.cli import main

    monkeypatch.setattr(api, "get_scorer", lambda reward, config: ScriptedScorer(scripted_score))
    assert main(["bench-rm", "--data", str(prm_file), "--no-progress"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["rerank_accuracy"] == pytest.approx(0.5) and last["steps"] == 8


def test_shared_prm800k_sample_reads(monkeypatch):
    from hrmsearch.tasks.registry import shared_data_path

    samples = prm800k_samples(shared_data_path("prm800k"), "fine")
    assert samples and {s.label for s in samples} <= {0.0, 1.0}


def test_tree_samples_rerank_pairs_are_siblings_with_the_same_previous_steps():
    from hrmsearch.training.samples import RewardSample

    def node(name, previous, label):
        return RewardSample(question="q", previous=previous, current=name, label=label, source=f"p/tree/{name}",
                            step=len(previous))

    samples = [node("A", [], 1.0), node("B", [], 0.0), node("C", ["A"], 0.0), node("D", ["A"], 1.0),
               node("E", ["B"], 0.0)]  # E has no good sibling: no pair
    report = evaluate(ScriptedScorer(scripted_score), samples, "tree", siblings=True)
    # pairs: (A 0.9 > B 0.3) won, (D 0.4 vs C 0.8) lost
    assert (report.rerank_pairs, report.rerank_positions) == (2, 2)
    assert report.rerank_accuracy == pytest.approx(0.5)
