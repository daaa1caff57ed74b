"""``load_scorer(RewardConfig) -> Scorer``: resolve the reward model, pick its format, load it.

``model`` may be None (the shipped default: ``orm`` for outcome configs, else
``hrm_hnc``, the HRM trained with HNC), a shipped name (``prm``, ``hrm``, ``hrm_hnc``,
``orm``: folders under ``hrmsearch/assets``), a local checkpoint folder or a Hub id.
The format is ``config.format``, or detected from the checkpoint when ``auto``
(:mod:`hrmsearch.scoring.formats`: sequence classifiers, step-likelihood folders,
Qwen2.5-Math-PRM, Skywork, Math-Shepherd, RLHFlow). Every failure is a one-line
:class:`~hrmsearch.errors.HrmError`.
"""

from __future__ import annotations

from hrmsearch.assets import asset_path
from hrmsearch.config import RewardConfig
from hrmsearch.engine.loader import resolve_model_path
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError, one_line
from hrmsearch.scoring.base import Scorer
from hrmsearch.scoring.formats import FORMAT_NAMES, get_format, resolve_format
from hrmsearch.scoring.formats.base import RewardFormat

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
    return resolve_model_path(name)


def reward_format(config: RewardConfig, path: str | None = None) -> RewardFormat:
    """The format ``config`` asks for (or the detected one), checked against its backend."""
    path = path or resolve_reward_path(config)
    found = resolve_format(path, config.format)
    if config.urls and "server" not in found.backends:
        raise HrmError(f"reward format {found.name!r} has no pooling form for a vLLM server (--reward-url): "
                       f"serve a {' or '.join(served_formats())} model, or drop --reward-url to run it here")
    if not config.urls and config.backend not in found.backends:
        raise HrmError(f"reward format {found.name!r} does not run on backend {config.backend!r}: "
                       f"use --reward-backend {' or '.join(b for b in found.backends if b != 'server')}")
    return found


def served_formats() -> list[str]:
    """The formats a vLLM pooling server can run (``"server"`` among their backends)."""
    return [name for name in FORMAT_NAMES if "server" in get_format(name).backends]


def load_scorer(config: RewardConfig | None = None) -> Scorer:
    """Load the reward model ``config`` names, in its format, on its backend."""
    config = config or RewardConfig()
    path = resolve_reward_path(config)
    found = reward_format(config, path)
    if config.backend == "vllm" and not config.urls and not vllm_available():
        raise HrmError("reward backend 'vllm' requested but vllm is not installed")
    try:
        return found.load_scorer(path, config)
    except HrmError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        where = "servers " + ", ".join(config.urls) if config.urls else config.backend
        raise HrmError(f"could not load reward model {path!r} as {found.name} with {where}: "
                       f"{one_line(error)[:300]}") from None
