"""KV caches for the transformers backend's sampling loop (:mod:`hrmsearch.engine.hf_policy`).

Two kinds, both used as transformers ``Cache`` objects passed to the model's forward:

- :class:`SharedPrefixCache` (Llama / Mistral / Qwen2 / Qwen3 with full attention): a
  prompt's KV is kept once however many rows sample from it; each row adds only the
  KV of its own new tokens. A decode step scores each row's query against its
  prompt's keys (the queries of all rows of a prompt in one matrix product) and
  against its own keys, and takes one softmax over both parts (one shift per row and
  head, weights summed over both). Rows are never copied from their prompt, and
  retiring a row drops only its own tokens. This is attention over the concatenated
  keys, grouped differently (equal to within float rounding; see the tests).
- :func:`slot_cache`, any other model: transformers' ``DynamicCache``, with its plain
  full-attention layers replaced by :class:`SlotLayer` (preallocated, written in
  place instead of concatenated at every token).

The shared-prefix path runs through a registered attention function
(``hrm_shared_prefix``): outside a decode step of a :class:`SharedPrefixCache` it is
transformers' SDPA attention, unchanged.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import torch
from transformers import AttentionInterface, DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

SHARED_PREFIX_ATTENTION = "hrm_shared_prefix"
SHARED_PREFIX_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2", "qwen3"})

_DECODING: contextvars.ContextVar[SharedPrefixCache | None] = contextvars.ContextVar("hrm_decoding", default=None)


class SlotLayer(DynamicLayer):
    """A full-attention KV layer preallocated for ``capacity`` positions: a step writes its slot in place.

    transformers' :class:`DynamicLayer` concatenates, copying the whole cache at every
    token; here ``keys`` / ``values`` are views of a buffer.
    """

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity
        self.length = 0

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        self.dtype, self.device = key_states.dtype, key_states.device
        self._keys = key_states.new_empty((*key_states.shape[:2], self.capacity, key_states.shape[3]))
        self._values = value_states.new_empty((*value_states.shape[:2], self.capacity, value_states.shape[3]))
        self.is_initialized = True

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        start, self.length = self.length, self.length + key_states.shape[-2]
        self._keys[:, :, start : self.length] = key_states
        self._values[:, :, start : self.length] = value_states
        self._expose()
        return self.keys, self.values

    def _expose(self) -> None:
        self.keys = self._keys[:, :, : self.length]
        self.values = self._values[:, :, : self.length]

    def get_seq_length(self) -> int:
        return self.length

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        if self.length:
            self._keys = self._keys.index_select(0, beam_idx.to(self._keys.device))
            self._values = self._values.index_select(0, beam_idx.to(self._values.device))
            self._expose()


def slot_cache(config, capacity: int) -> DynamicCache:
    """A ``DynamicCache`` whose plain full-attention layers are :class:`SlotLayer` of ``capacity`` positions."""
    cache = DynamicCache(config=config)
    if cache.layers and all(type(layer) is DynamicLayer for layer in cache.layers):
        cache.layers = [SlotLayer(capacity) for _ in cache.layers]
    return cache


def supports_shared_prefix(model) -> bool:
    """Whether ``model`` can decode with a :class:`SharedPrefixCache` (and is switched to its attention)."""
    config = model.config
    if config.model_type not in SHARED_PREFIX_MODEL_TYPES:
        return False
    if config._attn_implementation not in ("sdpa", SHARED_PREFIX_ATTENTION):
        return False
    layers = DynamicCache(config=config).layers
    return bool(layers) and all(type(layer) is DynamicLayer for layer in layers)


def use_shared_prefix_attention(model) -> None:
    """Route ``model``'s attention through ``hrm_shared_prefix`` (SDPA except in shared-prefix decode steps)."""
    AttentionInterface.register(SHARED_PREFIX_ATTENTION, shared_prefix_attention)
    AttentionMaskInterface.register(SHARED_PREFIX_ATTENTION, sdpa_mask)
    model.set_attn_implementation(SHARED_PREFIX_ATTENTION)


def shared_prefix_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    cache = _DECODING.get()
    if cache is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout, **kwargs)
    if any(kwargs.get(name) is not None for name in ("sliding_window", "softcap", "s_aux", "sinks")):
        raise NotImplementedError("shared-prefix decoding supports plain full attention only")
    return cache.attend(module.layer_idx, query, module.head_dim**-0.5 if scaling is None else scaling), None


class SharedPrefixLayer(DynamicLayer):
    """One layer of a :class:`SharedPrefixCache`: the prompts' KV, then buffers of the rows' own KV.

    Prompt keys are kept transposed (``(prompts, kv_heads, head_dim, positions)``) for
    the score product; the rows' own KV is position-major (``(position, row, ...)``)
    so the positions written so far are one contiguous block.
    """

    def __init__(self):
        super().__init__()
        self.prefix_keys = self.prefix_values = None
        self.length = 0  # tokens each row has written
        self.rows = 0

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if self.prefix_keys is None:  # the prefill: one row per distinct prompt
            self.dtype, self.device = key_states.dtype, key_states.device
            self.prefix_keys, self.prefix_values = key_states, value_states
            self.keys, self.values = key_states, value_states
            self.is_initialized = True
            return key_states, value_states
        start, self.length = self.length, self.length + key_states.shape[-2]
        self._row_keys[start : self.length, : self.rows] = key_states.permute(2, 0, 1, 3)
        self._row_values[start : self.length, : self.rows] = value_states.permute(2, 0, 1, 3)
        return key_states, value_states

    def start_rows(self, rows: int, capacity: int) -> None:
        self.prefix_keys = self.prefix_keys.transpose(-1, -2).contiguous()
        kv_heads, dim = self.prefix_values.shape[1], self.prefix_values.shape[3]
        self._row_keys = self.prefix_values.new_empty((capacity, rows, kv_heads, dim))
        self._row_values = self.prefix_values.new_empty((capacity, rows, kv_heads, dim))
        self.rows = rows

    @property
    def row_keys(self) -> torch.Tensor:
        """``(written, rows, kv_heads, head_dim)``"""
        return self._row_keys[: self.length, : self.rows]

    @property
    def row_values(self) -> torch.Tensor:
        """``(written, rows, kv_heads, head_dim)``"""
        return self._row_values[: self.length, : self.rows]

    def keep_rows(self, rows: torch.Tensor) -> None:
        """Move the kept rows' tokens to the front of the buffers (only the positions written)."""
        self._row_keys[: self.length, : len(rows)] = self._row_keys[: self.length, rows]
        self._row_values[: self.length, : len(rows)] = self._row_values[: self.length, rows]
        self.rows = len(rows)

    def keep_prompts(self, prompts: torch.Tensor) -> None:
        self.prefix_keys = self.prefix_keys.index_select(0, prompts)
        self.prefix_values = self.prefix_values.index_select(0, prompts)

    def get_seq_length(self) -> int:
        return (0 if self.prefix_values is None else self.prefix_values.shape[-2]) + self.length


class SharedPrefixCache(DynamicCache):
    """KV of distinct prompts kept once, plus each sampled row's own tokens (see the module docstring).

    Use: one forward over the left-padded distinct prompts (the prefill), then
    :meth:`start_rows` with each row's prompt index (rows grouped by prompt), then
    decode steps inside :meth:`decoding`; :meth:`keep_rows` retires rows.
    """

    def __init__(self, config, capacity: int):
        super().__init__(config=config)
        self.layers = [SharedPrefixLayer() for _ in self.layers]
        self.capacity = capacity

    def start_rows(self, row_prompt: torch.Tensor, prompt_padding: torch.Tensor) -> None:
        """``row_prompt[r]``: the prompt of row ``r`` (non-decreasing); ``prompt_padding``: True on pad positions."""
        self.padding_bias = torch.zeros(prompt_padding.shape, dtype=torch.float32, device=prompt_padding.device)
        self.padding_bias = self.padding_bias.masked_fill(prompt_padding, float("-inf"))[:, None, None, :]
        for layer in self.layers:
            layer.start_rows(len(row_prompt), self.capacity)
        self._group(row_prompt)

    def _group(self, row_prompt: torch.Tensor) -> None:
        """Where each row's query sits in the prompts' ``(prompt, slot)`` grid of ``group`` slots."""
        counts = torch.bincount(row_prompt, minlength=self.padding_bias.shape[0])
        starts = counts.cumsum(0) - counts
        self.row_prompt = row_prompt
        self.group = int(counts.max())
        slot = torch.arange(len(row_prompt), device=row_prompt.device) - starts[row_prompt]
        self.grid_index = row_prompt * self.group + slot

    def keep_rows(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (increasing indices), and only the prompts they still use."""
        row_prompt = self.row_prompt.index_select(0, rows)
        prompts, row_prompt = torch.unique_consecutive(row_prompt, return_inverse=True)
        for layer in self.layers:
            layer.keep_rows(rows)
            if len(prompts) < self.padding_bias.shape[0]:
                layer.keep_prompts(prompts)
        if len(prompts) < self.padding_bias.shape[0]:
            self.padding_bias = self.padding_bias.index_select(0, prompts)
        self._group(row_prompt)

    @contextlib.contextmanager
    def decoding(self) -> Iterator[None]:
        """Within: the model's attention reads this cache's shared-prefix layout."""
        token = _DECODING.set(self)
        try:
            yield
        finally:
            _DECODING.reset(token)

    def attend(self, layer_index: int, query: torch.Tensor, scaling: float) -> torch.Tensor:
        """Attention output ``(rows, 1, heads, head_dim)`` of one-token ``query`` ``(rows, heads, 1, head_dim)``.

        Softmax over [the row's prompt positions, the row's own tokens], computed as two
        parts that share one shift per row and head (the larger of the two maxima).
        """
        layer = self.layers[layer_index]
        rows, heads, _, dim = query.shape
        kv_heads = layer.prefix_values.shape[1]
        groups = heads // kv_heads
        q = query.reshape(rows, heads, dim) * scaling
        prompt_scores = torch.matmul(self._to_grid(q, kv_heads), layer.prefix_keys).float().add_(self.padding_bias)
        # (written, rows, kv_heads, groups): products of the rows' queries with their own keys
        own_scores = torch.einsum("rkgd,trkd->trkg", q.view(rows, kv_heads, groups, dim), layer.row_keys).float()
        top = torch.maximum(
            self._to_rows(prompt_scores.amax(-1, keepdim=True), heads).view(rows, kv_heads, groups),
            own_scores.amax(0),
        )
        prompt_weights = prompt_scores.sub_(self._to_grid(top.view(rows, heads, 1), kv_heads)).exp_()
        own_weights = own_scores.sub_(top).exp_()
        prompt_part = torch.cat(
            [torch.matmul(prompt_weights.to(query.dtype), layer.prefix_values).float(),
             prompt_weights.sum(-1, keepdim=True)], dim=-1,
        )
        prompt_part = self._to_rows(prompt_part, heads)
        own_out = (own_weights.unsqueeze(-1) * layer.row_values.float().unsqueeze(3)).sum(0).view(rows, heads, dim)
        own_sum = own_weights.sum(0).view(rows, heads, 1)
        out = (prompt_part[..., :dim] + own_out) / (prompt_part[..., dim:] + own_sum)
        return out.to(query.dtype).unsqueeze(1)

    def _to_grid(self, x: torch.Tensor, kv_heads: int) -> torch.Tensor:
        """Per-row ``(rows, heads, k)`` -> the prompts' grid ``(prompts, kv_heads, groups * slots, k)`` (empty slots 0)."""
        rows, heads, width = x.shape
        prompts, slots = self.padding_bias.shape[0], self.group
        grid = x.new_zeros((prompts * slots, heads, width))
        grid[self.grid_index] = x
        grid = grid.view(prompts, slots, kv_heads, heads // kv_heads, width).permute(0, 2, 3, 1, 4)
        return grid.reshape(prompts, kv_heads, heads // kv_heads * slots, width)

    def _to_rows(self, grid: torch.Tensor, heads: int) -> torch.Tensor:
        """The prompts' grid ``(prompts, kv_heads, groups * slots, k)`` -> per-row ``(rows, heads, k)``."""
        prompts, kv_heads, _, width = grid.shape
        grid = grid.view(prompts, kv_heads, heads // kv_heads, self.group, width).permute(0, 3, 1, 2, 4)
        return grid.reshape(prompts * self.group, heads, width)[self.grid_index]
