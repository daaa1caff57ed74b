"""Pick and load a policy backend: servers when URLs are given; ``auto`` is vLLM with a CUDA device, else transformers."""

from __future__ import annotations

from pathlib import Path

from hrmsearch.assets import default_policy_path
from hrmsearch.config import PolicyConfig
from hrmsearch.engine.prompts import PromptBuilder, auto_template
from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.errors import HrmError, one_line


def resolve_backend(backend: str) -> str:
    """``auto``: vLLM when a CUDA device is present and vLLM imports; transformers otherwise.

    Without a GPU the transformers backend is the faster one for small models: a
    vLLM engine on CPU spends seconds starting and more per round than it saves.
    """
    if backend == "auto":
        return "vllm" if not _cpu_only() and vllm_available() else "transformers"
    if backend == "vllm" and not vllm_available():
        raise HrmError("backend 'vllm' requested but vllm is not installed (pip install 'hrmsearch[cpu]' or '[gpu]')")
    return backend


def resolve_model_path(model: str | None) -> str:
    """A local folder, or something that looks like a Hugging Face id (``org/name``)."""
    if model is None:
        return default_policy_path()
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists():
            raise HrmError(f"model path {model!r} has no config.json: not a Hugging Face model folder")
        return str(path)
    looks_like_hub_id = model.count("/") == 1 and not model.startswith((".", "/", "~"))
    if not looks_like_hub_id:
        raise HrmError(f"unknown model path {model!r}: no such folder and not a Hugging Face id")
    return model


def load_policy(config: PolicyConfig | None = None):
    """Load the policy ``config`` names; errors are one-line HrmErrors."""
    config = config or PolicyConfig()
    if config.urls:
        return _with_prompts(_server_policy(config), config)
    path = resolve_model_path(config.model)
    backend = resolve_backend(config.backend)
    try:
        policy = _construct(backend, path, config)
    except HrmError:
        raise
    except (OSError, ValueError) as error:
        raise HrmError(f"could not load policy {path!r} with {backend}: {one_line(error)[:300]}") from None
    return _with_prompts(policy, config)


def _with_prompts(policy, config: PolicyConfig):
    """Attach the PromptBuilder every backend renders its prompts with."""
    template = auto_template(policy.tokenizer) if config.template == "auto" else config.template
    policy.prompts = PromptBuilder(config.delimiter, template, policy.tokenizer, config.system_prompt)
    return policy


def _server_policy(config: PolicyConfig):
    """The policy on the servers at ``config.urls`` (the model's backend is the servers' business)."""
    from hrmsearch.engine.server_policy import ServerPolicy

    if config.backend != "auto":
        raise HrmError(f"--policy-url runs the policy on its servers; drop --backend {config.backend}")
    return ServerPolicy(config)


def _construct(backend: str, path: str, config: PolicyConfig):
    if backend == "vllm":
        from hrmsearch.engine.vllm_policy import VLLMPolicy

        return VLLMPolicy(
            path,
            dtype="float32" if config.dtype == "auto" and _cpu_only() else config.dtype,
            gpu_memory_utilization=config.gpu_memory_utilization or (0.1 if _cpu_only() else 0.5),
            enforce_eager=config.enforce_eager,
            max_model_len=config.max_model_len,
            delimiter=config.delimiter,
            seed=config.seed,
        )
    from hrmsearch.engine.hf_policy import HFPolicy

    return HFPolicy(
        path,
        device=config.device,
        dtype=config.dtype,
        max_batch_size=config.max_batch_size,
        delimiter=config.delimiter,
        seed=config.seed,
    )


def _cpu_only() -> bool:
    import torch

    return not torch.cuda.is_available()
