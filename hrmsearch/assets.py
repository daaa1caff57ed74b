"""Where the shipped tiny models live inside the package."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"


def asset_path(name: str) -> Path:
    """Path of a shipped model folder, e.g. ``asset_path("policy")``."""
    return ASSETS / name


def default_policy_path() -> str:
    return str(asset_path("policy"))
