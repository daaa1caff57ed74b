"""``rlhflow``: RLHFlow/Llama3.1-8B-PRM-Deepseek-Data and -Mistral-Data (``LlamaForCausalLM`` read before each ``+``).

Input (RLHFlow/RLHF-Reward-Modeling ``math-rm``: README and ``prm_evaluate.py``): the
checkpoint's Llama-3.1 chat template over one user turn per step (the first is
``question + " " + step 1``), each answered by an assistant turn ``"+"``, no generation
prompt. Step i's score is the softmax over the LM logits of ``+`` and ``-``
(``tokenizer.encode("+")[-1]``, ``tokenizer.encode("-")[-1]``) at the position that
predicts the i-th assistant ``+`` (the reference's ``-3`` of the prefix ending at that
turn: the ``"\\n\\n"`` after the assistant header), taking ``+``.

The reference runs one pass per prefix; here the whole conversation is one pass and
step i is read where its prefix would end: the prefix conversation is rendered by the
template (it must be a prefix of the whole text), its last ``+`` located, and the
token before that ``+`` token is read. Detected by a Hub id or folder path
``RLHFlow/...PRM...`` (config, if on disk, a ``*ForCausalLM``), or chosen with
``--reward-format rlhflow``. The context limit is 8192 tokens (our choice for a model
trained on short math solutions; also capped by the config's
``max_position_embeddings``). Backends: transformers and vLLM (see :mod:`.plus_minus`).
"""

from __future__ import annotations

import re

from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats.base import EncodedPath, FormatEvidence
from hrmsearch.scoring.formats.plus_minus import PlusMinusFormat, causal_lm_config

NAME_PATTERN = re.compile(r"RLHFlow(/|--)[^/]*PRM", re.IGNORECASE)
GOOD = "+"


def conversation(question: str, steps: tuple[str, ...]) -> list[dict]:
    """One user turn per step (the first carries the question), each answered by ``"+"``."""
    messages = []
    for index, step in enumerate(steps):
        messages.append({"role": "user", "content": question + " " + step if index == 0 else step})
        messages.append({"role": "assistant", "content": GOOD})
    return messages


class RlhflowFormat(PlusMinusFormat):
    name = "rlhflow"
    reads = "softmax over the +/- LM logits at the token before each assistant +, take +"
    context_limit = 8192

    def detect(self, evidence: FormatEvidence) -> bool:
        return bool(NAME_PATTERN.search(evidence.name)) and causal_lm_config(evidence)

    def plus_minus_ids(self, tokenizer) -> tuple[int, int]:
        return (tokenizer.encode(GOOD, add_special_tokens=False)[-1],
                tokenizer.encode("-", add_special_tokens=False)[-1])

    def encode(self, tokenizer, question: str, steps: tuple[str, ...]) -> EncodedPath:
        messages = conversation(question, steps)
        text = tokenizer.apply_chat_template(messages, tokenize=False)
        encoding = tokenizer(text, add_special_tokens=False)
        ids = tuple(encoding["input_ids"])
        plus = self.plus_minus_ids(tokenizer)[0]
        positions = []
        for turn in range(1, len(steps) + 1):
            prefix = tokenizer.apply_chat_template(messages[: 2 * turn], tokenize=False)
            if not text.startswith(prefix):
                raise HrmError("rlhflow: the tokenizer's chat template does not render a conversation's "
                               "turns as a prefix of the whole conversation")
            token = encoding.char_to_token(prefix.rfind(GOOD))
            if token is None or ids[token] != plus:
                raise HrmError("rlhflow: the assistant '+' is not a token of its own in this tokenizer")
            positions.append(token - 1)
        return EncodedPath(ids=ids, positions=tuple(positions))


FORMAT = RlhflowFormat()
