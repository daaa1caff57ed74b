"""The tiny tokenizer: a small BPE that never merges digits, saved as a HF tokenizer.

Pieces are single digits, words (with one leading space), ``"\\n\\n"`` and single
characters, so numbers are read digit by digit and the step delimiter is one token.
Decoding concatenates tokens (``Fuse``), so every ASCII text round-trips exactly.
Encoding with special tokens prepends ``<s>``, as in training, for both backends.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>"]
PIECES = r"\d| ?[A-Za-z]+|\n\n|\n| |[^\sA-Za-z\d]"
ALPHABET = sorted(set(string.printable) - set("\x0b\x0c\r\t"))


def build_tokenizer(corpus: Iterable[str], vocab_size: int = 384) -> PreTrainedTokenizerFast:
    """Train the BPE on ``corpus`` and wrap it as a ``PreTrainedTokenizerFast``."""
    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(PIECES), behavior="isolated")
    core.decoder = decoders.Fuse()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=ALPHABET,
        min_frequency=20,
        show_progress=False,
    )
    core.train_from_iterator(corpus, trainer=trainer)
    bos = core.token_to_id("<s>")
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", bos)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        clean_up_tokenization_spaces=False,
        model_max_length=1024,
    )
