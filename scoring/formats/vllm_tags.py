"""The vLLM side of a step-tag format: the native pooling runner's per-token classification at the tags.

``LLM(model, runner="pooling")`` with STEP pooling on the format's tag id returns, per
prompt, the raw head outputs (``use_activation=False``) of every tag token, in order;
the rows asked for are picked from those by their tag index, and the format's
``read`` applies the activation, so both backends share one scoring rule. vLLM starts
worker processes with ``spawn``: a script using it needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import numpy as np
from transformers import AutoConfig

from hrmsearch.errors import HrmError
from hrmsearch.logs import show_load_progress


class VLLMTagModel:
    """A :class:`~hrmsearch.scoring.formats.base.TagModel` on ``vllm.LLM(runner="pooling")``."""

    def __init__(self, folder: str, config, tag_id: int, max_model_len: int):
        import torch
        from vllm import LLM
        from vllm.config import PoolerConfig

        cuda = torch.cuda.is_available()
        positions = getattr(AutoConfig.from_pretrained(folder), "max_position_embeddings", max_model_len)
        self.tag_id = tag_id
        self.llm = LLM(
            model=folder,
            runner="pooling",
            dtype="float32" if config.dtype == "auto" and not cuda else config.dtype,
            enforce_eager=True,
            gpu_memory_utilization=config.gpu_memory_utilization or (0.2 if cuda else 0.1),
            max_model_len=min(max_model_len, positions),
            pooler_config=PoolerConfig(tok_pooling_type="STEP", step_tag_id=tag_id),
            use_tqdm_on_load=show_load_progress(),
        )
        self.tokenizer = self.llm.get_tokenizer()

    def tag_outputs(self, rows: list[tuple[int, ...]], positions: list[tuple[int, ...]]) -> list[np.ndarray]:
        from vllm import PoolingParams
        from vllm.inputs import TokensPrompt

        prompts = [TokensPrompt(prompt_token_ids=list(ids)) for ids in rows]
        outputs = self.llm.encode(prompts, pooling_task="token_classify",
                                  pooling_params=PoolingParams(use_activation=False), use_tqdm=False)
        return [tag_rows(ids, where, output.outputs.data, self.tag_id)
                for ids, where, output in zip(rows, positions, outputs, strict=True)]

    def close(self) -> None:
        """Stop the engine's worker processes now (otherwise they stop at interpreter exit)."""
        engine_core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if engine_core is not None and hasattr(engine_core, "shutdown"):
            engine_core.shutdown()


def tag_rows(ids: tuple[int, ...], where: tuple[int, ...], data, tag_id: int, served: bool = False) -> np.ndarray:
    """The rows of ``data`` (one per step tag of ``ids``, STEP pooling) at the read positions ``where``.

    ``served``: the rows came from a server, which may also pool ALL (one row per token).
    """
    tag_positions = [index for index, token in enumerate(ids) if token == tag_id]
    rows = np.asarray(data.float().cpu().numpy() if hasattr(data, "cpu") else data, dtype=np.float32)
    if served and rows.ndim == 2 and rows.shape[0] == len(ids) != len(tag_positions):
        return rows[list(where)]
    if rows.ndim != 2 or rows.shape[0] != len(tag_positions):
        hint = (f": start the server with --pooler-config '{{\"tok_pooling_type\": \"STEP\", \"step_tag_id\": "
                f"{tag_id}}}'" if served else "")
        raise HrmError(f"vLLM returned {rows.shape[0] if rows.ndim else 0} step rows for {len(tag_positions)} "
                       f"step tags{hint}")
    tag_index = {position: index for index, position in enumerate(tag_positions)}
    return rows[[tag_index[position] for position in where]]
