"""``math-shepherd``: peiyi9979/math-shepherd-mistral-7b-prm (a ``MistralForCausalLM`` read at its ``ки`` tags).

Input (the model card's form): ``question + " " + steps``, each step followed by
``" ки"``, the steps joined by ``"\\n"``, encoded with the tokenizer's BOS. Step i's
score is the softmax over the LM logits of ``+`` and ``-`` at the i-th ``ки`` token,
taking ``+``. The token ids are found as the card finds them: ``+``/``-`` are
``tokenizer.encode("+ -")`` without its BOS (``[648, 387]`` for the real tokenizer),
the tag is ``tokenizer.encode("ки")[-1]`` (12902). A literal ``ки`` in the question or a
step is removed. search-and-learn joins steps with ``" ки\\n\\n"`` instead; we follow the card.

Detected by name (a Hub id or folder path containing ``math-shepherd``, whose config,
if on disk, is a ``*ForCausalLM``), or chosen with ``--reward-format math-shepherd``.
The context limit is 4096 tokens (Mistral-7B's sliding window; also capped by the
config's ``max_position_embeddings``). Backends: transformers and vLLM (see
:mod:`.plus_minus`).
"""

from __future__ import annotations

import re

from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats.base import EncodedPath, FormatEvidence
from hrmsearch.scoring.formats.plus_minus import PlusMinusFormat, causal_lm_config

STEP_TAG = "ки"
NAME_PATTERN = re.compile(r"math[-_]?shepherd", re.IGNORECASE)


def step_tag_id(tokenizer) -> int:
    return tokenizer.encode(STEP_TAG, add_special_tokens=False)[-1]


def shepherd_text(question: str, steps: tuple[str, ...]) -> str:
    """The card's input: the question, a space, then each step + ``" ки"``, joined by ``"\\n"``."""
    tagged = "\n".join(step.replace(STEP_TAG, "") + " " + STEP_TAG for step in steps)
    return question.replace(STEP_TAG, "") + " " + tagged


class MathShepherdFormat(PlusMinusFormat):
    name = "math-shepherd"
    reads = "softmax over the +/- LM logits at each ки tag, take +"
    context_limit = 4096

    def detect(self, evidence: FormatEvidence) -> bool:
        return bool(NAME_PATTERN.search(evidence.name)) and causal_lm_config(evidence)

    def plus_minus_ids(self, tokenizer) -> tuple[int, int]:
        ids = tokenizer.encode("+ -", add_special_tokens=False)
        if len(ids) != 2:
            raise HrmError(f"math-shepherd tokenizer splits '+ -' into {tokenizer.convert_ids_to_tokens(ids)}, "
                           f"not one token each")
        return ids[0], ids[1]

    def encode(self, tokenizer, question: str, steps: tuple[str, ...]) -> EncodedPath:
        ids = tuple(tokenizer.encode(shepherd_text(question, steps)))
        tag = step_tag_id(tokenizer)
        return EncodedPath(ids=ids, positions=tuple(index for index, token in enumerate(ids) if token == tag))


FORMAT = MathShepherdFormat()
