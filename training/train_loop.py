"""The training loop both reward-model trainers run: epochs of token-budget batches, warm-up then
decay, an eval (and the best folder saved) every ``eval_every`` steps and after each epoch, the last
checkpoint always saved, a time limit, and resume from where ``TrainState`` says a run stopped.

A trainer subclasses :class:`TrainLoop` and says how batches, losses and folders are made
(``batches``, ``train_loss``, ``evaluation_loss``, ``save_best_folder``, ``save_last_checkpoint``).
Eval losses are appended to ``OUT/train_log.jsonl``.
"""

from __future__ import annotations

import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel, Field
from tqdm import tqdm

from hrmsearch.training.train_policy import learning_rate

LOG_FILE = "train_log.jsonl"
LAST_DIR = "last"  # OUT/last: the last checkpoint (model folder, optimizer.pt, state.json)


class LoopOptions(BaseModel):
    """The settings every reward-model training run has (the trainers' options add their own)."""

    kind: Literal["prm", "hrm", "orm"]
    data: Path
    out: Path
    epochs: int = Field(3, ge=1)
    lr: float = Field(3e-4, gt=0.0)
    seed: int = 0
    max_minutes: float | None = Field(None, gt=0.0)
    batch_tokens: int = Field(4096, ge=16)
    max_length: int = Field(512, ge=16)
    eval_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    eval_every: int | None = Field(None, ge=1, description="steps between evals; None = once per epoch")
    device: str = "auto"
    progress: bool = True


class TrainState(BaseModel):
    """Where a run stands; saved with the last checkpoint."""

    epoch: int = 0
    batch_in_epoch: int = 0
    global_step: int = 0
    best_eval_loss: float = math.inf
    initial_eval_loss: float | None = None
    last_eval_loss: float | None = None


def save_last(save_folder: Callable[[Path], None], optimizer, state: TrainState, out: Path) -> None:
    """The last checkpoint: the model folder (written by ``save_folder``), the optimizer, the state."""
    last = out / LAST_DIR
    save_folder(last)
    torch.save(optimizer.state_dict(), last / "optimizer.pt")
    (last / "state.json").write_text(state.model_dump_json())


def load_last(load_folder: Callable[[Path], tuple], out: Path, device: str):
    """``(tokenizer, model, optimizer state, TrainState)`` from ``OUT/last``, or None when there is none."""
    last = out / LAST_DIR
    if not (last / "state.json").exists():
        return None
    tokenizer, model = load_folder(last)
    optimizer_state = torch.load(last / "optimizer.pt", map_location=device)
    return tokenizer, model, optimizer_state, TrainState.model_validate_json((last / "state.json").read_text())


def log_event(out: Path, **fields) -> None:
    with (out / LOG_FILE).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(fields) + "\n")


class TrainLoop(ABC):
    """One training run's moving parts, so each piece stays a short method.

    A param group's ``lr_scale`` (default 1) scales its learning rate.
    """

    def progress_label(self) -> str:
        return f"train {self.options.kind}"

    def __init__(self, options: LoopOptions, model, tokenizer, optimizer, state: TrainState, device: str):
        self.options, self.model, self.tokenizer, self.optimizer = options, model, tokenizer, optimizer
        self.state, self.device = state, device
        self.pad_id = tokenizer.pad_token_id
        self.started = time.monotonic()
        self.total_steps = len(self.batches(0)) * options.epochs

    @abstractmethod
    def batches(self, epoch: int) -> list[list[int]]:
        """The training batches of ``epoch`` (indices into the training data), in order."""

    @abstractmethod
    def train_loss(self, batch: list[int]) -> torch.Tensor:
        """The loss of one training batch, with gradients."""

    @abstractmethod
    def evaluation_loss(self) -> float:
        """The loss over the eval split."""

    @abstractmethod
    def save_best_folder(self) -> None: ...

    @abstractmethod
    def save_last_checkpoint(self) -> None: ...

    def loop(self) -> Literal["epochs", "max_minutes"]:
        if self.state.initial_eval_loss is None:
            self.state.initial_eval_loss = self.evaluate()
        bar = tqdm(total=self.total_steps, initial=self.state.global_step, desc=self.progress_label(),
                   disable=not self.options.progress)
        try:
            while self.state.epoch < self.options.epochs:
                if self.run_epoch(bar) == "max_minutes":
                    return "max_minutes"
            return "epochs"
        finally:
            bar.close()

    def run_epoch(self, bar: tqdm) -> str | None:
        for batch in self.batches(self.state.epoch)[self.state.batch_in_epoch :]:
            loss = self.step(batch)
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", eval=f"{self.state.last_eval_loss:.4f}")
            self.state.batch_in_epoch += 1
            every = self.options.eval_every
            if every and self.state.global_step % every == 0:
                self.checkpoint()
            if self.out_of_time():
                self.checkpoint()
                return "max_minutes"
        self.state.epoch, self.state.batch_in_epoch = self.state.epoch + 1, 0
        self.checkpoint()
        return None

    def step(self, batch: list[int]) -> float:
        rate = learning_rate(self.state.global_step, self.total_steps, self.options.lr,
                             warmup=max(1, min(100, self.total_steps // 10)))
        for group in self.optimizer.param_groups:
            group["lr"] = rate * group.get("lr_scale", 1.0)
        loss = self.train_loss(batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.state.global_step += 1
        return loss.item()

    def evaluate(self) -> float:
        loss = self.evaluation_loss()
        self.state.last_eval_loss = loss
        log_event(self.options.out, step=self.state.global_step, epoch=self.state.epoch, eval_loss=loss)
        return loss

    def checkpoint(self) -> None:
        """Evaluate; save the best folder when eval loss improved, and always the last checkpoint."""
        loss = self.evaluate()
        if loss < self.state.best_eval_loss:
            self.state.best_eval_loss = loss
            self.save_best_folder()
        self.save_last_checkpoint()

    def out_of_time(self) -> bool:
        limit = self.options.max_minutes
        return limit is not None and time.monotonic() - self.started > limit * 60
