"""Shared fixtures: the shipped tiny policy (transformers backend) and scripted fakes."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def hf_policy():
    """The shipped tiny policy on the transformers backend (loaded once per session)."""
    from hrmsearch.config import PolicyConfig
    from hrmsearch.engine.loader import load_policy

    return load_policy(PolicyConfig(backend="transformers", device="cpu"))
