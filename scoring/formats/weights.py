"""Loading a checkpoint's tensors by their real names into a module built here (no remote code).

:func:`load_named_weights` reads ``model.safetensors`` (single or sharded, with its
``.index.json``) or ``pytorch_model.bin`` and loads it strictly: a head weight the
checkpoint lacks, or one it has that the module does not expect, is a one-line
:class:`~hrmsearch.errors.HrmError` naming it, never a silently random head.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from hrmsearch.errors import HrmError


def checkpoint_files(folder: Path) -> list[Path]:
    """The weight files of a local checkpoint folder."""
    for index_name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        index = folder / index_name
        if index.exists():
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
            return [folder / shard for shard in shards]
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).exists():
            return [folder / name]
    raise HrmError(f"no model.safetensors or pytorch_model.bin in {str(folder)!r}")


def read_weights(folder: Path) -> dict[str, torch.Tensor]:
    """Every tensor of the checkpoint by name (on CPU)."""
    weights: dict[str, torch.Tensor] = {}
    for file in checkpoint_files(folder):
        if file.suffix == ".safetensors":
            from safetensors.torch import load_file

            weights.update(load_file(str(file)))
        else:
            weights.update(torch.load(file, map_location="cpu", weights_only=True))
    return weights


def load_named_weights(module: torch.nn.Module, folder: str, ignore_prefixes: tuple[str, ...] = ()) -> None:
    """Load the checkpoint in ``folder`` into ``module`` by name; missing/unexpected names are an HrmError."""
    weights = {name: tensor for name, tensor in read_weights(Path(folder)).items()
               if not name.startswith(ignore_prefixes)}
    expected = set(module.state_dict())
    missing = sorted(expected - set(weights))
    unexpected = sorted(set(weights) - expected)
    if missing or unexpected:
        problem = f"missing {_names(missing)}" if missing else f"unexpected {_names(unexpected)}"
        raise HrmError(f"reward checkpoint {folder!r} does not match {type(module).__name__}: {problem}")
    module.load_state_dict(weights, strict=True)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def local_checkpoint(path: str) -> str:
    """``path`` when it is a folder, else the Hub id's snapshot folder (from the local cache when offline)."""
    if Path(path).expanduser().is_dir():
        return str(Path(path).expanduser())
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(path)
    except Exception as error:  # noqa: BLE001 - any Hub failure is one line for the user
        raise HrmError(f"could not fetch reward model {path!r} from the Hub: {str(error).splitlines()[0][:200]}") from None
