"""The step-tag reward-model trainer (``hrmsearch train --format qwen-prm``): dense supervision at ``<extra_0>``.

- Model: the base causal LM's decoder (``--base``, by default the shipped policy)
  plus a fresh ``score = Linear(h, h) -> ReLU -> Linear(h, 2)`` read at each
  ``<extra_0>`` step tag. A tokenizer without ``<extra_0>`` gets it as a special
  token and the embeddings are resized; the new tag starts as the embedding of the
  step delimiter ``"\n\n"`` when that is one token (the shipped policy's case), so
  the decoder first reads a tagged path exactly as the solution it was trained to
  write, and the head reads the policy's own state at each step's end.
- Data: reward samples JSONL (``--kind prm`` fine, ``hrm`` fine + coarse, ``orm``
  outcome), split by question with a seed, grouped into labelled paths
  (:mod:`hrmsearch.training.steptag_paths`): one row trains every labelled step of a
  path in ONE forward pass; a coarse sample is a path with its two steps merged
  under one tag. Soft Monte-Carlo labels are trained as they are (cross-entropy
  against ``(1 - label, label)``), never rounded; length-bucketed batches
  (:mod:`hrmsearch.training.steptag_batches`).
- Output: the best checkpoint by eval loss in ``OUT`` (``config.json``,
  ``model.safetensors`` with ``model.*`` / ``score.0.*`` / ``score.2.*``, the tokenizer
  with ``<extra_0>``), loadable with ``--reward OUT`` and detected by its architecture:
  a ``Qwen2ForProcessRewardModel`` (format ``qwen-prm``, the Qwen chat recipe, the
  base tokenizer must have a chat template) when the decoder is Qwen2, a
  ``LlamaForProcessRewardModel`` (format ``llama-prm``) when it is Llama. The last
  checkpoint (weights, optimizer, position) is in ``OUT/last``; a rerun with the
  same ``--out`` resumes from it. Eval losses go to ``OUT/train_log.jsonl``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel, Field
from safetensors.torch import save_file
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from hrmsearch.assets import default_policy_path
from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats import get_format
from hrmsearch.scoring.formats.base import STEP_SPLIT
from hrmsearch.scoring.formats.llama_prm import DECODERS, DecoderProcessRewardModel
from hrmsearch.scoring.formats.qwen_prm import STEP_TAG, step_tag_id
from hrmsearch.scoring.formats.weights import load_named_weights
from hrmsearch.torch_utils import pick_device
from hrmsearch.training.samples import read_samples
from hrmsearch.training.steptag_batches import PathRows, batch_loss, encode_paths, epoch_batches, eval_loss
from hrmsearch.training.steptag_paths import group_paths, labelled_step_count
from hrmsearch.training.train_loop import LoopOptions, TrainLoop, TrainState, load_last, save_last
from hrmsearch.training.train_reward import select_samples, split_by_question

ARCHITECTURES = {"qwen2": "Qwen2ForProcessRewardModel", "llama": "LlamaForProcessRewardModel"}
FORMAT_OF = {"Qwen2ForProcessRewardModel": "qwen-prm", "LlamaForProcessRewardModel": "llama-prm"}


class SteptagOptions(LoopOptions):
    """Everything one step-tag training run needs (``hrmsearch train --format qwen-prm``)."""

    base: str = Field("policy", description="a Llama or Qwen2 causal-LM folder, or 'policy' (the shipped one)")


class SteptagReport(BaseModel):
    out: str
    kind: str
    format: str  # the format the saved folder is detected as
    train_paths: int
    train_labelled_steps: int
    eval_paths: int
    eval_labelled_steps: int
    steps: int
    initial_eval_loss: float
    best_eval_loss: float
    stopped: Literal["epochs", "max_minutes"]


def base_folder(base: str) -> Path:
    folder = Path(default_policy_path() if base == "policy" else base).expanduser()
    if not (folder / "config.json").exists():
        raise HrmError(f"--base {base!r}: not a Hugging Face model folder (no config.json) and not 'policy'")
    return folder


def with_step_tag(tokenizer):
    """``tokenizer`` with ``<extra_0>`` as a special token (added when missing) and a pad token."""
    if STEP_TAG not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [STEP_TAG]}, replace_extra_special_tokens=False)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def build_model(base: str, seed: int) -> tuple[object, DecoderProcessRewardModel]:
    """``(tokenizer, module)``: the base's decoder weights (embeddings resized for the tag), a fresh head."""
    folder = base_folder(base)
    model_type = AutoConfig.from_pretrained(folder).model_type
    if model_type not in DECODERS:
        raise HrmError(f"--base {base!r}: decoder type {model_type!r}; the step-tag trainer takes "
                       f"{' or '.join(DECODERS)}")
    tokenizer = with_step_tag(AutoTokenizer.from_pretrained(folder))
    if model_type == "qwen2" and not getattr(tokenizer, "chat_template", None):
        raise HrmError(f"--base {base!r}: a Qwen2 decoder is saved as qwen-prm, whose input is the Qwen chat "
                       f"recipe, but its tokenizer has no chat_template")
    torch.manual_seed(seed)
    causal = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    if len(tokenizer) > causal.get_input_embeddings().num_embeddings:
        causal.resize_token_embeddings(len(tokenizer))
        seed_tag_embedding(causal.get_input_embeddings().weight, tokenizer)
    config = causal.config
    config.architectures, config.num_labels = [ARCHITECTURES[model_type]], 2
    config.pad_token_id = tokenizer.pad_token_id
    module = DecoderProcessRewardModel(config)
    module.model.load_state_dict(causal.model.state_dict())
    return tokenizer, module


def seed_tag_embedding(embeddings: torch.Tensor, tokenizer) -> None:
    """Copy the step delimiter's embedding row to the (new) step tag's, when the delimiter is one token."""
    delimiter = tokenizer.encode(STEP_SPLIT, add_special_tokens=False)
    if len(delimiter) == 1:
        with torch.no_grad():
            embeddings[step_tag_id(tokenizer)] = embeddings[delimiter[0]]


def save_folder(module: DecoderProcessRewardModel, tokenizer, folder: Path) -> None:
    """A loadable reward folder: config, ``model.safetensors`` under the checkpoint's names, tokenizer."""
    folder.mkdir(parents=True, exist_ok=True)
    module.model.config.save_pretrained(folder)
    weights = {name: tensor.detach().cpu().contiguous() for name, tensor in module.state_dict().items()}
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    tokenizer.save_pretrained(folder)


def load_folder(folder: Path) -> tuple[object, DecoderProcessRewardModel]:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    module = DecoderProcessRewardModel(AutoConfig.from_pretrained(folder))
    load_named_weights(module, str(folder))
    return tokenizer, module


def reward_format_of(module: DecoderProcessRewardModel):
    return get_format(FORMAT_OF[module.model.config.architectures[0]])


def context_length(options: SteptagOptions, module: DecoderProcessRewardModel) -> int:
    positions = getattr(module.model.config, "max_position_embeddings", None) or options.max_length
    return min(options.max_length, positions, reward_format_of(module).context_limit)


def train(options: SteptagOptions) -> SteptagReport:
    """Train a step-tag reward model as ``options`` say; resumes from ``OUT/last`` when present."""
    device = pick_device(options.device)
    samples = select_samples(read_samples(options.data), options.kind, options.data)
    train_samples, eval_samples = split_by_question(samples, options.seed, options.eval_fraction)
    options.out.mkdir(parents=True, exist_ok=True)
    resumed = load_last(load_folder, options.out, device)
    if resumed:
        tokenizer, module, optimizer_state, state = resumed
    else:
        (tokenizer, module), optimizer_state, state = build_model(options.base, options.seed), None, TrainState()
    module.to(device).train()
    reward_format, max_length = reward_format_of(module), context_length(options, module)
    train_paths, eval_paths = group_paths(train_samples), group_paths(eval_samples)
    train_rows = encode_paths(train_paths, reward_format, tokenizer, max_length)
    eval_rows = encode_paths(eval_paths, reward_format, tokenizer, max_length)
    optimizer = torch.optim.AdamW(module.parameters(), lr=options.lr, weight_decay=0.01)
    if optimizer_state:
        optimizer.load_state_dict(optimizer_state)
    run = _Run(options, module, tokenizer, optimizer, state, train_rows, eval_rows, device)
    stopped = run.loop()
    return SteptagReport(
        out=str(options.out), kind=options.kind, format=reward_format.name,
        train_paths=len(train_paths), train_labelled_steps=labelled_step_count(train_paths),
        eval_paths=len(eval_paths), eval_labelled_steps=labelled_step_count(eval_paths),
        steps=run.state.global_step, initial_eval_loss=run.state.initial_eval_loss,
        best_eval_loss=run.state.best_eval_loss, stopped=stopped,
    )


class _Run(TrainLoop):
    """The step-tag trainer's batches, losses and folders."""

    def __init__(self, options: SteptagOptions, module, tokenizer, optimizer, state: TrainState,
                 train_rows: PathRows, eval_rows: PathRows, device: str):
        self.train_rows, self.eval_rows = train_rows, eval_rows
        super().__init__(options, module, tokenizer, optimizer, state, device)

    def progress_label(self) -> str:
        return f"train {self.options.kind} step-tag"

    def batches(self, epoch: int) -> list[list[int]]:
        return epoch_batches(self.train_rows, self.options.batch_tokens, self.options.seed, epoch)

    def train_loss(self, batch: list[int]) -> torch.Tensor:
        return batch_loss(self.model, self.train_rows, batch, self.pad_id, self.device)[0]

    def evaluation_loss(self) -> float:
        return eval_loss(self.model, self.eval_rows, self.options.batch_tokens, self.pad_id, self.device)

    def save_best_folder(self) -> None:
        save_folder(self.model, self.tokenizer, self.options.out)

    def save_last_checkpoint(self) -> None:
        save_last(lambda folder: save_folder(self.model, self.tokenizer, folder), self.optimizer, self.state,
                  self.options.out)
