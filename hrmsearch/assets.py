"""Where the shipped tiny models live: folders of package data, found with ``importlib.resources``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def asset_path(name: str) -> Path:
    """Path of a shipped model folder, e.g. ``asset_path("policy")`` (works in any install)."""
    return Path(str(resources.files("hrmsearch") / "assets" / name))


def default_policy_path() -> str:
    return str(asset_path("policy"))
