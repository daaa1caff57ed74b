"""The vLLM side of the ``+``/``-`` formats: a causal LM served as a per-token 2-way classifier over two LM-head rows.

``LLM(model, runner="pooling", convert="classify")`` with ``hf_overrides``
``classifier_from_token = [plus, minus]`` and ``method = "no_post_processing"`` makes
vLLM build the classifier from the LM-head rows of those two tokens (its online
ForCausalLM -> ForSequenceClassification conversion). ``token_classify`` with ALL
pooling and ``use_activation=False`` then returns, per prompt, the raw ``+``/``-``
logits of every token ``(T, 2)``; the rows at the asked positions are picked and the
format's ``read`` applies the softmax, so both backends share one scoring rule. vLLM
starts worker processes with ``spawn``: a script using it needs an
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import numpy as np
from transformers import AutoConfig

from hrmsearch.errors import HrmError
from hrmsearch.logs import show_load_progress


class VLLMPlusMinusModel:
    """A :class:`~hrmsearch.scoring.formats.base.TagModel` on ``vllm.LLM(runner="pooling", convert="classify")``."""

    def __init__(self, folder: str, config, tokens: list[str], max_model_len: int):
        import torch
        from vllm import LLM
        from vllm.config import PoolerConfig

        cuda = torch.cuda.is_available()
        positions = getattr(AutoConfig.from_pretrained(folder), "max_position_embeddings", max_model_len)
        self.llm = LLM(
            model=folder,
            runner="pooling",
            convert="classify",
            hf_overrides={"classifier_from_token": list(tokens), "method": "no_post_processing"},
            dtype="float32" if config.dtype == "auto" and not cuda else config.dtype,
            enforce_eager=True,
            gpu_memory_utilization=config.gpu_memory_utilization or (0.2 if cuda else 0.1),
            max_model_len=min(max_model_len, positions),
            pooler_config=PoolerConfig(task="token_classify", tok_pooling_type="ALL"),
            use_tqdm_on_load=show_load_progress(),
        )
        self.tokenizer = self.llm.get_tokenizer()

    def tag_outputs(self, rows: list[tuple[int, ...]], positions: list[tuple[int, ...]]) -> list[np.ndarray]:
        from vllm import PoolingParams
        from vllm.inputs import TokensPrompt

        prompts = [TokensPrompt(prompt_token_ids=list(ids)) for ids in rows]
        outputs = self.llm.encode(prompts, pooling_task="token_classify",
                                  pooling_params=PoolingParams(use_activation=False), use_tqdm=False)
        return [pick_rows(ids, where, output.outputs.data) for ids, where, output in zip(rows, positions, outputs,
                                                                                         strict=True)]

    def close(self) -> None:
        """Stop the engine's worker processes now (otherwise they stop at interpreter exit)."""
        engine_core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if engine_core is not None and hasattr(engine_core, "shutdown"):
            engine_core.shutdown()


def pick_rows(ids: tuple[int, ...], where: tuple[int, ...], data) -> np.ndarray:
    """The rows of one prompt's per-token outputs at ``where``; a one-line error if vLLM returned too few."""
    per_token = np.asarray(data.float().cpu().numpy() if hasattr(data, "cpu") else data, dtype=np.float32)
    if per_token.shape[0] != len(ids):
        raise HrmError(f"vLLM returned {per_token.shape[0]} token rows for a prompt of {len(ids)} tokens")
    return per_token[list(where)]
