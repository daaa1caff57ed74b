"""``classifier``: the paper's HRM / PRM / ORM, any ``*ForSequenceClassification`` folder.

Scored as before this registry existed: the paper's window prompt (:mod:`hrmsearch.scoring.prompt`),
the head read at the last token, on transformers (:class:`~hrmsearch.scoring.hf_scorer.HFScorer`),
vLLM's pooling runner (:class:`~hrmsearch.scoring.vllm_scorer.VLLMScorer`) or vLLM pooling servers
(:class:`~hrmsearch.scoring.server_scorer.ServerScorer`, with ``RewardConfig.urls``).
"""

from __future__ import annotations

from hrmsearch.scoring.formats.base import FormatEvidence, RewardFormat


class ClassifierFormat(RewardFormat):
    name = "classifier"
    backends = ("transformers", "vllm", "server")
    reads = "the sequence-classification head at the last token of the paper's window prompt"

    def detect(self, evidence: FormatEvidence) -> bool:
        return any(arch.endswith("ForSequenceClassification") for arch in evidence.architectures)

    def load_scorer(self, path: str, config):
        if config.urls:
            from hrmsearch.scoring.server_scorer import ServerScorer

            return ServerScorer(path, config)
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

        return HFScorer(path, device=config.device, dtype=config.dtype, batch_tokens=config.batch_tokens,
                        max_length=config.max_length)


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


FORMAT = ClassifierFormat()
