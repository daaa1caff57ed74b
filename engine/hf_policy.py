"""The transformers backend: batched ``generate`` with KV cache, stopping at the step delimiter.

Rows (prompt x sample) are packed into left-padded batches of at most
``max_batch_size`` rows; each row stops on its own when it writes the delimiter
or EOS. Runs on CPU (float32) or CUDA (bf16 by default).
"""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from hrmsearch.engine.base import SamplingParams, StepSample, cut_at_stop


def pick_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def pick_dtype(dtype: str, device: str) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]


class HFPolicy:
    """A :class:`~hrmsearch.engine.base.Policy` on transformers."""

    def __init__(
        self,
        model_path: str,
        device: str = "auto",
        dtype: str = "auto",
        max_batch_size: int = 256,
        delimiter: str = "\n\n",
        seed: int = 0,
    ):
        self.name = model_path
        self.delimiter = delimiter
        self.device = pick_device(device)
        self.max_batch_size = max_batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(
            model_path, dtype=pick_dtype(dtype, self.device)
        ).to(self.device)
        self.model.eval()
        self.seed = seed
        self._calls = 0

    @property
    def max_context(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 2048))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text))

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[StepSample]]:
        self._calls += 1
        seed = params.seed if params.seed is not None else self.seed + self._calls
        torch.manual_seed(seed)
        rows = [prompt for prompt in prompts for _ in range(params.n)]
        samples: list[StepSample] = []
        for start in range(0, len(rows), self.max_batch_size):
            samples.extend(self._generate_batch(rows[start : start + self.max_batch_size], params))
        return [samples[i * params.n : (i + 1) * params.n] for i in range(len(prompts))]

    def _room(self, lengths: list[int], params: SamplingParams) -> int:
        """New tokens the batch may write: ``max_tokens``, capped by what the context has left."""
        longest = max(lengths)
        room = min(params.max_tokens, self.max_context - longest)
        if room <= 0:
            raise ValueError(
                f"prompt of {longest} tokens exceeds the model context of {self.max_context} tokens"
            )
        return room

    @torch.inference_mode()
    def _generate_batch(self, rows: list[str], params: SamplingParams) -> list[StepSample]:
        batch = self.tokenizer(rows, return_tensors="pt", padding=True).to(self.device)
        room = self._room(batch["attention_mask"].sum(dim=1).tolist(), params)
        sampling = params.temperature > 0
        extra = {"temperature": params.temperature, "top_p": params.top_p} if sampling else {}
        out = self.model.generate(
            **batch,
            do_sample=sampling,
            max_new_tokens=room,
            stop_strings=params.stop or None,
            tokenizer=self.tokenizer,
            pad_token_id=self.tokenizer.pad_token_id,
            return_dict_in_generate=True,
            output_scores=True,
            **extra,
        )
        new_tokens = out.sequences[:, batch["input_ids"].shape[1] :]
        logprobs = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        return [
            self._to_sample(new_tokens[row], logprobs[row], params) for row in range(len(rows))
        ]

    def _to_sample(self, tokens: torch.Tensor, logprobs: torch.Tensor, params: SamplingParams) -> StepSample:
        eos_id = self.tokenizer.eos_token_id
        pad_id = self.tokenizer.pad_token_id
        ids = tokens.tolist()
        length = len(ids)
        ended = False
        for index, token in enumerate(ids):
            if token == eos_id:
                length, ended = index + 1, True
                break
            if token == pad_id and pad_id != eos_id:
                length = index
                break
        text = self.tokenizer.decode(ids[:length], skip_special_tokens=True)
        text, stopped = cut_at_stop(text, params.stop)
        logprob = float(logprobs[:length].float().clamp(min=-1e4).sum())
        reason = "delimiter" if stopped else ("eos" if ended else "length")
        return StepSample(text=text, num_tokens=length, finish_reason=reason, logprob=logprob)
