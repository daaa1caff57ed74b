"""The reward room's front desk: ``load_scorer(RewardConfig) -> Scorer``.

``model`` may be None (the shipped default: ``orm`` for outcome configs, else
``hrm_hnc``, the HRM trained with HNC), a shipped name (``prm``, ``hrm``, ``hrm_hnc``, ``orm``: folders under
``hrmsearch/assets``), a local Hugging Face sequence-classification folder, a
step-likelihood folder (a causal LM with ``reward_head.json``, scored with
transformers on either backend setting), or a Hub id. Every failure is a one-line :class:`~hrmsearch.errors.HrmError`.
"""

from __future__ import annotations

import json
from pathlib import Path

from hrmsearch.assets import asset_path
from hrmsearch.config import RewardConfig
from hrmsearch.engine.loader import resolve_model_path
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError, one_line
from hrmsearch.scoring.base import Scorer
from hrmsearch.scoring.likelihood import is_likelihood_folder

SHIPPED_NAMES = ("prm", "hrm", "hrm_hnc", "orm")


def resolve_reward_path(config: RewardConfig) -> str:
    """The folder (or Hub id) ``config.model`` names; shipped names must exist in the package."""
    name = config.model
    if name is None:
        name = "orm" if config.outcome else "hrm_hnc"
    if name in SHIPPED_NAMES:
        path = asset_path(name)
        if not (path / "config.json").exists():
            raise HrmError(
                f"shipped reward model {name!r} is not installed at {path}: pass a trained folder "
                f"(hrmsearch train --out DIR) as the reward model"
            )
        return str(path)
    path = resolve_model_path(name)
    check_classifier_folder(path)
    return path


def check_classifier_folder(path: str) -> None:
    """A local folder must hold a sequence-classification model or a step-likelihood one, not e.g. a bare causal LM."""
    config_file = Path(path) / "config.json"
    if not config_file.exists() or is_likelihood_folder(path):
        return  # a Hub id (transformers checks it), or a causal LM with its reward head
    architectures = json.loads(config_file.read_text()).get("architectures") or []
    if not any(arch.endswith("ForSequenceClassification") for arch in architectures):
        raise HrmError(
            f"model path {path!r} is not a sequence-classification checkpoint "
            f"(architectures {architectures}): train one with hrmsearch train"
        )


def load_scorer(config: RewardConfig | None = None) -> Scorer:
    """Load the reward model ``config`` names on its backend."""
    config = config or RewardConfig()
    path = resolve_reward_path(config)
    if config.backend == "vllm" and not vllm_available():
        raise HrmError("reward backend 'vllm' requested but vllm is not installed")
    try:
        return _construct(path, config)
    except HrmError:
        raise
    except (OSError, ValueError) as error:
        raise HrmError(f"could not load reward model {path!r} with {config.backend}: {one_line(error)[:300]}") from None


def _construct(path: str, config: RewardConfig) -> Scorer:
    if is_likelihood_folder(path):
        from hrmsearch.scoring.lm_scorer import LikelihoodScorer

        return LikelihoodScorer(path, device=config.device, dtype=config.dtype, batch_tokens=config.batch_tokens,
                                max_length=config.max_length)
    if config.backend == "vllm":
        from hrmsearch.scoring.vllm_scorer import VLLMScorer

        cuda = _has_cuda()
        return VLLMScorer(
            path,
            dtype="float32" if config.dtype == "auto" and not cuda else config.dtype,
            batch_tokens=config.batch_tokens,
            max_length=config.max_length,
            gpu_memory_utilization=config.gpu_memory_utilization or (0.2 if cuda else 0.15),
        )
    from hrmsearch.scoring.hf_scorer import HFScorer

    return HFScorer(
        path, device=config.device, dtype=config.dtype, batch_tokens=config.batch_tokens, max_length=config.max_length
    )


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()
