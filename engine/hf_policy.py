"""The transformers backend: a KV-cached sampling loop that retires each row when it ends.

A request's rows (prompt x sample) are sorted by prompt length, a prompt's rows
together, and cut into chunks of at most ``max_batch_size`` rows. Each distinct
prompt of a chunk is prefilled once (left-padded); then one token per live row per
forward pass. For Llama / Mistral / Qwen2 / Qwen3 models a prompt's KV is kept
once for all its rows (:class:`~hrmsearch.engine.hf_cache.SharedPrefixCache`);
other models copy it to each row (a preallocated cache). A row ends on its own when
its text contains a stop string (the step delimiter), when it writes EOS, or when
it has written ``max_tokens`` (capped by the context left); finished rows leave the
batch, so a chunk's cost follows its rows' own lengths, not its longest row's.

Sampling is what ``model.generate`` applied: greedy at temperature 0; otherwise
temperature, the model's generation-config ``top_k`` (transformers' default 50
when unset), then ``top_p``; a generation-config ``repetition_penalty`` applies in
both modes. A row's ``logprob`` sums the log-probabilities of its tokens under
that processed distribution. Draws come from a generator seeded per call, so a
call is reproducible; which draw a row gets depends on the batch it is in. Runs on
CPU (float32) or CUDA (bf16 by default).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, Cache
from transformers.generation.logits_process import (
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from hrmsearch.engine.base import SamplingParams, StepSample, cut_at_stop
from hrmsearch.engine.hf_cache import (
    SharedPrefixCache,
    slot_cache,
    supports_shared_prefix,
    use_shared_prefix_attention,
)
from hrmsearch.torch_utils import pad_batch, pick_device, pick_dtype

DEFAULT_TOP_K = 50  # what transformers' generate uses when the model's generation config leaves top_k unset


@dataclass
class _Row:
    """One continuation being sampled: its token budget, tokens so far, text tail and end reason."""

    room: int
    tokens: list[int] = field(default_factory=list)
    logprob: float = 0.0
    tail: str = ""
    reason: str | None = None


@dataclass
class _Batch:
    """The live rows of a chunk's decode loop, in batch order, and the model state they need."""

    live: list[int]  # batch position -> row index
    cache: Cache
    shared_prefix: bool  # cache is a SharedPrefixCache (else a slot cache with one copy per row)
    position: torch.Tensor  # each live row's next position
    attention: torch.Tensor | None  # slot cache only: mask over the left-padded prompt and the new tokens
    sequences: torch.Tensor | None  # prompt and new ids, kept only for the repetition penalty

    def retire(self, keep: list[int], tokens: torch.Tensor) -> torch.Tensor:
        """Keep only the batch positions ``keep`` (increasing); their entries of ``tokens``."""
        keep_index = torch.tensor(keep, dtype=torch.long, device=tokens.device)
        self.live = [self.live[b] for b in keep]
        self.position = self.position.index_select(0, keep_index)
        if self.sequences is not None:
            self.sequences = self.sequences.index_select(0, keep_index)
        if self.shared_prefix:
            self.cache.keep_rows(keep_index)
        else:
            self.cache.reorder_cache(keep_index)
            self.attention = self.attention.index_select(0, keep_index)
        return tokens.index_select(0, keep_index)


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
        generation = self.model.generation_config
        eos = generation.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if self.tokenizer.eos_token_id is not None:
            eos_ids.add(self.tokenizer.eos_token_id)
        self.eos_ids = frozenset(eos_ids)
        self.top_k = DEFAULT_TOP_K if generation.top_k is None else int(generation.top_k)
        self.repetition_penalty = float(generation.repetition_penalty or 1.0)
        self._pieces: dict[int, str] = {}
        self.shared_prefix = supports_shared_prefix(self.model)
        if self.shared_prefix:
            use_shared_prefix_attention(self.model)

    @property
    def max_context(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 2048))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text))

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[StepSample]]:
        self._calls += 1
        if not prompts:
            return []
        seed = params.seed if params.seed is not None else self.seed + self._calls
        generator = torch.Generator(device=self.device).manual_seed(seed)
        distinct = list(dict.fromkeys(prompts))
        ids_of = dict(zip(distinct, self.tokenizer(distinct)["input_ids"], strict=True))
        self._check_context(max(len(ids) for ids in ids_of.values()), params)
        # every row (prompt x sample), shortest prompt first and a prompt's rows together
        order = {prompt: index for index, prompt in enumerate(distinct)}
        rows = [(prompt_index, sample) for prompt_index in range(len(prompts)) for sample in range(params.n)]
        rows.sort(key=lambda row: (len(ids_of[prompts[row[0]]]), order[prompts[row[0]]]))
        results: list[list[StepSample | None]] = [[None] * params.n for _ in prompts]
        for start in range(0, len(rows), self.max_batch_size):
            chunk = rows[start : start + self.max_batch_size]
            samples = self._sample_chunk([ids_of[prompts[p]] for p, _ in chunk], params, generator)
            for (prompt_index, sample), step in zip(chunk, samples, strict=True):
                results[prompt_index][sample] = step
        return results

    def _check_context(self, longest: int, params: SamplingParams) -> None:
        if min(params.max_tokens, self.max_context - longest) <= 0:
            raise ValueError(
                f"prompt of {longest} tokens exceeds the model context of {self.max_context} tokens"
            )

    def _processors(self, params: SamplingParams) -> LogitsProcessorList:
        """The logits processors ``generate`` would apply, in its order."""
        processors = LogitsProcessorList()
        if self.repetition_penalty != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(self.repetition_penalty))
        if params.temperature > 0:
            if params.temperature != 1.0:
                processors.append(TemperatureLogitsWarper(params.temperature))
            if self.top_k > 0:
                processors.append(TopKLogitsWarper(self.top_k))
            if params.top_p < 1.0:
                processors.append(TopPLogitsWarper(params.top_p))
        return processors

    @torch.inference_mode()
    def _sample_chunk(self, row_ids: list[list[int]], params: SamplingParams, generator: torch.Generator) -> list[StepSample]:
        """Samples for one chunk; ``row_ids`` are the rows' prompt token ids, equal prompts adjacent."""
        rows = [_Row(min(params.max_tokens, self.max_context - len(ids))) for ids in row_ids]
        batch, logits = self._prefill(row_ids, max(row.room for row in rows))
        processors = self._processors(params)
        while True:
            tokens, logprobs = self._pick(logits, batch.sequences, processors, params, generator)
            done = 0
            for row_index, token, logprob in zip(batch.live, tokens.tolist(), logprobs.tolist(), strict=True):
                row = rows[row_index]
                if row.reason is None:
                    self._advance(row, token, logprob, params.stop)
                done += row.reason is not None
            if done == len(batch.live):
                return [self._to_sample(row, params) for row in rows]
            tokens = tokens.unsqueeze(1)
            # retire finished rows once they are an eighth of the batch (a quarter when whole prompts are copied)
            if done * (8 if self.shared_prefix else 4) >= len(batch.live):
                keep = [b for b, row_index in enumerate(batch.live) if rows[row_index].reason is None]
                tokens = batch.retire(keep, tokens)
            logits = self._decode(batch, tokens)

    def _prefill(self, row_ids: list[list[int]], steps: int) -> tuple[_Batch, torch.Tensor]:
        """One forward over each distinct prompt of the chunk (left-padded); the rows' batch and
        next-token logits."""
        distinct: dict[tuple[int, ...], int] = {}
        row_prompt = [distinct.setdefault(tuple(ids), len(distinct)) for ids in row_ids]
        input_ids, attention = pad_batch(list(distinct), self.tokenizer.pad_token_id, "left")
        input_ids, attention = input_ids.to(self.device), attention.to(self.device)
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        width = input_ids.shape[1]
        cache = SharedPrefixCache(self.model.config, steps) if self.shared_prefix else slot_cache(self.model.config, width + steps)
        output = self.model(
            input_ids=input_ids, attention_mask=attention, position_ids=positions, past_key_values=cache,
            use_cache=True, logits_to_keep=1,
        )
        select = torch.tensor(row_prompt, dtype=torch.long, device=self.device)
        logits = output.logits[:, -1, :].float().index_select(0, select)
        if self.shared_prefix:
            cache.start_rows(select, attention == 0)
            attention = None
        else:  # copy each prompt's state to its rows
            cache.reorder_cache(select)
            attention = attention.index_select(0, select)
        batch = _Batch(
            live=list(range(len(row_ids))), cache=cache, shared_prefix=self.shared_prefix,
            position=positions[:, -1].index_select(0, select) + 1, attention=attention,
            sequences=input_ids.index_select(0, select) if self.repetition_penalty != 1.0 else None,
        )
        return batch, logits

    def _decode(self, batch: _Batch, tokens: torch.Tensor) -> torch.Tensor:
        """Feed each live row its new token ``(rows, 1)``; the next-token logits."""
        if batch.sequences is not None:
            batch.sequences = torch.cat([batch.sequences, tokens], dim=1)
        position_ids = batch.position.unsqueeze(1)
        if batch.shared_prefix:
            with batch.cache.decoding():
                output = self.model(input_ids=tokens, position_ids=position_ids, past_key_values=batch.cache, use_cache=True)
        else:
            batch.attention = torch.cat([batch.attention, batch.attention.new_ones((len(batch.live), 1))], dim=1)
            output = self.model(
                input_ids=tokens, attention_mask=batch.attention, position_ids=position_ids,
                past_key_values=batch.cache, use_cache=True,
            )
        batch.position = batch.position + 1
        return output.logits[:, -1, :].float()

    @staticmethod
    def _pick(
        logits: torch.Tensor, sequences: torch.Tensor | None, processors: LogitsProcessorList,
        params: SamplingParams, generator: torch.Generator,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Next token of every batch row and its log-probability under the processed distribution."""
        scores = processors(sequences, logits) if processors else logits
        log_probs = torch.log_softmax(scores, dim=-1)
        if params.temperature > 0:
            tokens = torch.multinomial(log_probs.exp(), 1, generator=generator).squeeze(1)
        else:
            tokens = scores.argmax(dim=-1)
        return tokens, log_probs.gather(1, tokens.unsqueeze(1)).squeeze(1)

    def _piece(self, token: int) -> str:
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = self.tokenizer.decode([token])
        return piece

    def _advance(self, row: _Row, token: int, logprob: float, stops: list[str]) -> None:
        """Append ``token`` to ``row`` and decide whether the row has ended."""
        row.tokens.append(token)
        row.logprob += max(logprob, -1e4)
        if token in self.eos_ids:
            row.reason = "eos"
            return
        piece = self._piece(token)
        row.tail += piece
        if any(stop in row.tail[-(len(stop) + len(piece)) :] for stop in stops):
            # the per-token pieces say a stop string ended here; confirm on the real decoding
            if cut_at_stop(self.tokenizer.decode(row.tokens, skip_special_tokens=True), stops)[1]:
                row.reason = "delimiter"
                return
        if len(row.tokens) >= row.room:
            row.reason = "length"

    def _to_sample(self, row: _Row, params: SamplingParams) -> StepSample:
        text = self.tokenizer.decode(row.tokens, skip_special_tokens=True)
        text, stopped = cut_at_stop(text, params.stop)
        reason = "delimiter" if stopped else row.reason
        return StepSample(text=text, num_tokens=len(row.tokens), finish_reason=reason, logprob=row.logprob)
