"""The reward-format registry: format name -> module, and ``detect(path)`` for ``--reward-format auto``.

Each module listed in :data:`FORMAT_MODULES` defines ``FORMAT``, an instance of
:class:`~hrmsearch.scoring.formats.base.RewardFormat`; adding a format is one new
module plus one line here. Modules are imported on first use, so listing a format
costs nothing until it is asked for. Detection asks the formats in the listed order
and takes the first that recognises the checkpoint.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats.base import FormatEvidence, RewardFormat

FORMAT_MODULES = {
    "likelihood": "hrmsearch.scoring.formats.likelihood",
    "qwen-prm": "hrmsearch.scoring.formats.qwen_prm",
    "llama-prm": "hrmsearch.scoring.formats.llama_prm",
    "skywork": "hrmsearch.scoring.formats.skywork",
    "classifier": "hrmsearch.scoring.formats.classifier",
    "math-shepherd": "hrmsearch.scoring.formats.math_shepherd",
    "rlhflow": "hrmsearch.scoring.formats.rlhflow",
}
FORMAT_NAMES = tuple(FORMAT_MODULES)


def get_format(name: str) -> RewardFormat:
    """The format registered as ``name``; a one-line HrmError for an unknown name."""
    if name not in FORMAT_MODULES:
        raise HrmError(f"unknown reward format {name!r}: choose one of {', '.join(FORMAT_NAMES)} (--reward-format)")
    try:
        return importlib.import_module(FORMAT_MODULES[name]).FORMAT
    except ModuleNotFoundError as error:
        if error.name != FORMAT_MODULES[name]:
            raise
        raise FormatMissing(f"reward format {name!r} is listed but its module {error.name} is missing") from None


class FormatMissing(HrmError):
    """A registered format whose module is not in this install (detection skips it)."""


def detect(path: str) -> RewardFormat:
    """The format of the checkpoint at ``path`` (a folder or a Hub id), or a one-line HrmError."""
    evidence = gather_evidence(path)
    found = _first_detecting(evidence)
    if found is None and evidence.config is None and _looks_like_hub_id(path):
        evidence = gather_evidence(path, download=True)  # not cached: fetch its small config files
        found = _first_detecting(evidence)
    if found is not None:
        return found
    raise HrmError(
        f"cannot tell the reward format of {path!r} (architectures {list(evidence.architectures)}: not a "
        f"sequence-classification checkpoint nor another known format): pass --reward-format, one of "
        f"{', '.join(FORMAT_NAMES)}"
    )


def _first_detecting(evidence: FormatEvidence) -> RewardFormat | None:
    for name in FORMAT_NAMES:
        try:
            reward_format = get_format(name)
        except FormatMissing:
            continue
        if reward_format.detect(evidence):
            return reward_format
    return None


def resolve_format(path: str, requested: str = "auto") -> RewardFormat:
    """``requested`` when it is a format name, else what :func:`detect` finds."""
    return detect(path) if requested == "auto" else get_format(requested)


def gather_evidence(path: str, download: bool = False) -> FormatEvidence:
    """``config.json``, the tokenizer's special tokens and ``reward_head.json`` of a folder or Hub id.

    A Hub id is read from the local cache, or with ``download`` fetched (config and
    tokenizer config only) from the Hub.
    """
    folder = _download_configs(path) if download else _local_folder(path)
    if folder is None:
        return FormatEvidence(name=path)
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text()) if config_file.exists() else None
    return FormatEvidence(
        name=path, config=config, special_tokens=frozenset(_special_tokens(folder)),
        has_reward_head=(folder / "reward_head.json").exists(),
    )


def _looks_like_hub_id(path: str) -> bool:
    return path.count("/") == 1 and not Path(path).expanduser().exists() and not path.startswith((".", "/", "~"))


def _local_folder(path: str) -> Path | None:
    folder = Path(path).expanduser()
    if folder.is_dir():
        return folder
    if not _looks_like_hub_id(path):
        return None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(path, "config.json")
    return Path(cached).parent if isinstance(cached, str) else None


def _download_configs(path: str) -> Path | None:
    from huggingface_hub import hf_hub_download

    try:
        config = Path(hf_hub_download(path, "config.json"))
    except Exception as error:  # noqa: BLE001 - offline, unknown id, gated: the format cannot be read
        raise HrmError(f"cannot read the config of reward model {path!r} from the Hub "
                       f"({type(error).__name__}): pass a local folder, or --reward-format") from None
    for name in ("tokenizer_config.json", "reward_head.json"):
        try:
            hf_hub_download(path, name)
        except Exception:  # noqa: BLE001, S112 - optional files
            continue
    return config.parent


def _special_tokens(folder: Path) -> set[str]:
    """Added and special tokens named in ``tokenizer_config.json`` / ``tokenizer.json``."""
    tokens: set[str] = set()
    config_file = folder / "tokenizer_config.json"
    if config_file.exists():
        config = json.loads(config_file.read_text())
        tokens.update(entry.get("content", "") for entry in (config.get("added_tokens_decoder") or {}).values())
        tokens.update(token for token in config.get("additional_special_tokens") or () if isinstance(token, str))
    tokenizer_file = folder / "tokenizer.json"
    if tokenizer_file.exists():
        added = json.loads(tokenizer_file.read_text()).get("added_tokens") or []
        tokens.update(entry.get("content", "") for entry in added)
    tokens.discard("")
    return tokens
