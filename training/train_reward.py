"""The reward-model trainer: reward samples JSONL -> a loadable sequence-classification folder.

- ``--kind prm`` trains on fine samples, ``hrm`` on fine + coarse, ``orm`` on outcome.
- Labels all in {0, 1}: a 2-label head with cross-entropy (score = P(label 1)).
  Otherwise soft labels: a 1-output head with BCE-with-logits on the soft targets,
  never rounded; ``problem_type="multi_label_classification"`` is saved so the
  scorer applies a sigmoid (head rule in :mod:`hrmsearch.scoring.cached`).
- Train/eval split by question with a seed; length-bucketed batches under a token
  budget with dynamic padding (batches and losses: :mod:`hrmsearch.training.batches`);
  eval loss logged to ``OUT/train_log.jsonl``.
- ``--pairwise W`` (beyond the paper) adds W x a within-question ranking loss
  (Bradley-Terry on the score logits of every pair of samples of one question with
  different labels) and batches whole questions together. Across questions a
  label mostly says how hard the problem is (short problems are easy); only
  within a question does it say which solution is better, which is what search
  and reranking ask of the model.
- The best checkpoint by eval loss is saved in ``OUT`` itself (model + tokenizer,
  loadable by ``load_scorer``); the last checkpoint (model, optimizer, position)
  in ``OUT/last``, from which a rerun with the same ``--out`` resumes.
- ``base``: a causal-LM (or classifier) folder whose weights initialise the model,
  or ``tiny``: a fresh tiny Llama with the shipped policy's tokenizer.
- ``--head likelihood`` trains the step-likelihood kind (:mod:`hrmsearch.scoring.likelihood`)
  instead of a sequence classifier: the causal LM and its two-feature head, BCE on
  the (soft or binary) labels, the head at ``HEAD_LR_SCALE`` x the learning rate.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel, Field
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
)

from hrmsearch.assets import default_policy_path
from hrmsearch.errors import HrmError
from hrmsearch.scoring.likelihood import (
    StepLikelihoodModel,
    base_likelihood_model,
    is_likelihood_folder,
    load_likelihood_model,
)
from hrmsearch.scoring.prompt import window_prompt
from hrmsearch.torch_utils import pick_device
from hrmsearch.training.batches import data_loss, encode_samples, epoch_batches, eval_loss
from hrmsearch.training.samples import RewardSample, read_samples
from hrmsearch.training.train_loop import LoopOptions, TrainLoop, TrainState, load_last, save_last
from hrmsearch.training.train_policy import tiny_llama_config

KIND_WINDOWS = {"prm": ("fine",), "hrm": ("fine", "coarse"), "orm": ("outcome",)}
HEAD_LR_SCALE = 30.0


class TrainOptions(LoopOptions):
    """Everything one training run needs (the CLI flags of ``hrmsearch train``)."""

    base: str = "tiny"
    pairwise: float = Field(0.0, ge=0.0, description="weight of the within-question ranking loss")
    head: Literal["classifier", "likelihood"] = "classifier"
    pair_scope: Literal["question", "siblings"] = Field(
        "question", description="ranking pairs: any two samples of a question, or only windows with the same context")


class TrainReport(BaseModel):
    out: str
    kind: str
    head: Literal["2-label", "1-output", "likelihood"]
    train_samples: int
    eval_samples: int
    steps: int
    initial_eval_loss: float
    best_eval_loss: float
    stopped: Literal["epochs", "max_minutes"]


def select_samples(samples: list[RewardSample], kind: str, path: Path) -> list[RewardSample]:
    wanted = KIND_WINDOWS[kind]
    chosen = [s for s in samples if s.kind in wanted]
    if not chosen:
        raise HrmError(f"{path}: no samples of kind {'/'.join(wanted)} for --kind {kind}")
    return chosen


def labels_are_binary(samples: list[RewardSample]) -> bool:
    return all(s.label in (0.0, 1.0) for s in samples)


def split_by_question(
    samples: list[RewardSample], seed: int, eval_fraction: float
) -> tuple[list[RewardSample], list[RewardSample]]:
    """Seeded split with every question wholly on one side; at least one question each side."""
    questions = sorted({s.question for s in samples})
    if len(questions) < 2:
        raise HrmError("training data needs at least 2 distinct questions for a train/eval split")
    random.Random(seed).shuffle(questions)
    eval_count = min(len(questions) - 1, max(1, round(len(questions) * eval_fraction)))
    eval_questions = set(questions[:eval_count])
    train = [s for s in samples if s.question not in eval_questions]
    held_out = [s for s in samples if s.question in eval_questions]
    return train, held_out


def tiny_tokenizer(samples: list[RewardSample]):
    """The shipped policy's tokenizer, or (not shipped yet) one built on the samples' prompts."""
    policy = Path(default_policy_path())
    if (policy / "tokenizer.json").exists():
        return AutoTokenizer.from_pretrained(policy)
    from hrmsearch.engine.tiny.tokenizer import build_tokenizer

    return build_tokenizer(window_prompt(s.window()) for s in samples)


def build_model(base: str, samples: list[RewardSample], binary: bool, likelihood: bool = False):
    """``(tokenizer, model)`` from ``base`` (a folder's weights, or a fresh tiny Llama): a sequence
    classifier with a 2-label (``binary``) or 1-output head, or the step-likelihood kind."""
    head = {"num_labels": 2, "problem_type": "single_label_classification"} if binary else {
        "num_labels": 1, "problem_type": "multi_label_classification"}
    if base == "tiny":
        tokenizer = tiny_tokenizer(samples)
        config = tiny_llama_config(len(tokenizer), tokenizer.pad_token_id, tokenizer.bos_token_id,
                                   tokenizer.eos_token_id)
        if likelihood:
            return tokenizer, StepLikelihoodModel(LlamaForCausalLM(config))
        config.num_labels, config.problem_type = head["num_labels"], head["problem_type"]
        return tokenizer, LlamaForSequenceClassification(config)
    if not (Path(base) / "config.json").exists():
        raise HrmError(f"--base {base!r}: not a Hugging Face model folder (no config.json) and not 'tiny'")
    tokenizer = AutoTokenizer.from_pretrained(base)
    if likelihood:
        return tokenizer, base_likelihood_model(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, dtype=torch.float32, ignore_mismatched_sizes=True, **head
    )
    return tokenizer, model


def param_groups(model) -> list[dict]:
    """One group, or for the likelihood kind the LM and the (faster-learning) head apart."""
    if isinstance(model, StepLikelihoodModel):
        return [{"params": list(model.lm.parameters()), "lr_scale": 1.0},
                {"params": list(model.head.parameters()), "lr_scale": HEAD_LR_SCALE, "weight_decay": 0.0}]
    return [{"params": list(model.parameters()), "lr_scale": 1.0}]


def prepare_tokenizer(tokenizer, model) -> None:
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    model.config.pad_token_id = tokenizer.pad_token_id


def save_best(model, tokenizer, out: Path) -> None:
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def load_folder(folder: Path):
    """``(tokenizer, model)`` saved by :func:`save_best` in ``folder``."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if is_likelihood_folder(folder):
        return tokenizer, load_likelihood_model(folder)
    return tokenizer, AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32)


def train(options: TrainOptions) -> TrainReport:
    """Train a reward model as ``options`` say; resumes from ``OUT/last`` when present."""
    torch.manual_seed(options.seed)
    device = pick_device(options.device)
    samples = select_samples(read_samples(options.data), options.kind, options.data)
    binary = labels_are_binary(samples)
    likelihood = options.head == "likelihood"
    train_samples, eval_samples = split_by_question(samples, options.seed, options.eval_fraction)
    options.out.mkdir(parents=True, exist_ok=True)
    resumed = load_last(load_folder, options.out, device)
    if resumed:
        tokenizer, model, optimizer_state, state = resumed
    else:
        built = build_model(options.base, samples, binary, likelihood)
        (tokenizer, model), optimizer_state, state = built, None, TrainState()
    prepare_tokenizer(tokenizer, model)
    model.to(device).train()
    siblings = options.pair_scope == "siblings"
    train_data = encode_samples(train_samples, tokenizer, options.max_length, likelihood, siblings)
    eval_data = encode_samples(eval_samples, tokenizer, options.max_length, likelihood, siblings)
    optimizer = torch.optim.AdamW(param_groups(model), lr=options.lr, weight_decay=0.01)
    if optimizer_state:
        optimizer.load_state_dict(optimizer_state)
    run = _Run(options, model, tokenizer, optimizer, state, train_data, eval_data, device)
    stopped = run.loop()
    return TrainReport(
        out=str(options.out), kind=options.kind, head="likelihood" if likelihood else "2-label" if binary else "1-output",
        train_samples=len(train_samples), eval_samples=len(eval_samples), steps=run.state.global_step,
        initial_eval_loss=run.state.initial_eval_loss, best_eval_loss=run.state.best_eval_loss, stopped=stopped,
    )


class _Run(TrainLoop):
    """The per-window trainer's batches, losses and folders."""

    def __init__(self, options, model, tokenizer, optimizer, state, train_data, eval_data, device):
        self.train_data, self.eval_data = train_data, eval_data
        self.by_question = options.pairwise > 0
        super().__init__(options, model, tokenizer, optimizer, state, device)

    def batches(self, epoch: int) -> list[list[int]]:
        return epoch_batches(self.train_data, self.options.batch_tokens, self.options.seed, epoch, self.by_question)

    def train_loss(self, batch: list[int]) -> torch.Tensor:
        return data_loss(self.model, self.train_data, batch, self.pad_id, self.device, self.options.pairwise)

    def evaluation_loss(self) -> float:
        return eval_loss(self.model, self.eval_data, self.options.batch_tokens, self.pad_id, self.device,
                         self.options.pairwise)

    def save_best_folder(self) -> None:
        save_best(self.model, self.tokenizer, self.options.out)

    def save_last_checkpoint(self) -> None:
        save_last(lambda folder: save_best(self.model, self.tokenizer, folder), self.optimizer, self.state,
                  self.options.out)
