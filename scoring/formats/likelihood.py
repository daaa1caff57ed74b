"""``likelihood``: the project's step-likelihood reward models (a causal LM with ``reward_head.json``).

Scored as before this registry existed, by :class:`~hrmsearch.scoring.lm_scorer.LikelihoodScorer`
(see :mod:`hrmsearch.scoring.likelihood`). It runs on transformers whichever backend is
set, as it always has (the model reads log-probabilities, which vLLM's pooling runner does not give).
"""

from __future__ import annotations

from hrmsearch.scoring.formats.base import FormatEvidence, RewardFormat


class LikelihoodFormat(RewardFormat):
    name = "likelihood"
    backends = ("transformers", "vllm")  # the vllm setting is accepted and runs on transformers
    reads = "the reward head's sigmoid of the step's token log-probabilities"

    def detect(self, evidence: FormatEvidence) -> bool:
        return evidence.has_reward_head

    def load_scorer(self, path: str, config):
        from hrmsearch.scoring.lm_scorer import LikelihoodScorer

        return LikelihoodScorer(path, device=config.device, dtype=config.dtype, batch_tokens=config.batch_tokens,
                                max_length=config.max_length)


FORMAT = LikelihoodFormat()
