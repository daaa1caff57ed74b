"""Tiny random-weight checkpoints of the public reward-model architectures, for the format tests.

Each builder saves, in a tmp folder, a checkpoint with the real config fields
(``architectures``, ``model_type``), the real weight names and the real special
tokens / chat template, with a 2-layer Qwen2 (head_dim 32, as vLLM's CPU attention
needs) and a small Qwen2-style byte-level BPE (``<extra_0>``, the Qwen chat template).
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Model

from hrmsearch.engine.tiny.chat_tokenizer import build_chat_tokenizer

CORPUS = [
    "Question: Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left?",
    "5 * 4 = 20\n\n20 - 3 = 17\n\nThe answer is \\boxed{17}.",
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "system user assistant the a of to is and step answer",
] * 40 + [f"{a} + {b} = {a + b}\n\n{a} * {b} = {a * b}" for a in range(20) for b in range(20)]


@functools.cache
def qwen_tokenizer():
    """The tiny Qwen2-style chat tokenizer (:mod:`hrmsearch.engine.tiny.chat_tokenizer`) on a small math corpus."""
    return build_chat_tokenizer(CORPUS)


def qwen2_config(architecture: str, hidden: int = 64, **extra) -> Qwen2Config:
    """A 2-layer Qwen2 config with the real checkpoint's architecture name."""
    tokenizer = qwen_tokenizer()
    return Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
        num_attention_heads=hidden // 32, num_key_value_heads=hidden // 32, head_dim=32,
        max_position_embeddings=4096, rope_theta=10000.0, tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        architectures=[architecture], **extra,
    )


def _save(folder: Path, config: Qwen2Config, weights: dict[str, torch.Tensor]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    save_file({name: tensor.contiguous() for name, tensor in weights.items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    qwen_tokenizer().save_pretrained(folder)
    return folder


def random_decoder(config: Qwen2Config, seed: int) -> dict[str, torch.Tensor]:
    """A random ``Qwen2Model``'s weights under the checkpoint prefix ``model.``."""
    torch.manual_seed(seed)
    decoder = Qwen2Model(config)
    return {f"model.{name}": tensor for name, tensor in decoder.state_dict().items()}


def save_qwen_prm(folder: Path, seed: int = 0, drop: tuple[str, ...] = ()) -> Path:
    """A ``Qwen2ForProcessRewardModel`` checkpoint: ``model.*`` + ``score.0.*`` (h x h) + ``score.2.*`` (2 x h)."""
    config = qwen2_config("Qwen2ForProcessRewardModel", num_labels=2)
    weights = random_decoder(config, seed)
    hidden = config.hidden_size
    weights |= {"score.0.weight": torch.randn(hidden, hidden) / hidden**0.5, "score.0.bias": torch.randn(hidden) * 0.1,
                "score.2.weight": torch.randn(2, hidden) * 0.5, "score.2.bias": torch.randn(2) * 0.1}
    return _save(folder, config, {name: tensor for name, tensor in weights.items() if name not in drop})


def save_skywork(folder: Path, seed: int = 0, drop: tuple[str, ...] = ()) -> Path:
    """A ``Qwen2ForPrmModel`` checkpoint: ``model.*`` + ``lm_head.weight`` + ``v_head.summary.*`` (1 x h)."""
    config = qwen2_config("Qwen2ForPrmModel")
    weights = random_decoder(config, seed)
    hidden = config.hidden_size
    weights |= {"lm_head.weight": torch.randn(config.vocab_size, hidden) * 0.02,
                "v_head.summary.weight": torch.randn(1, hidden) * 0.5, "v_head.summary.bias": torch.randn(1) * 0.1}
    folder = _save(folder, config, {name: tensor for name, tensor in weights.items() if name not in drop})
    tokenizer = qwen_tokenizer()
    tokenizer.bos_token = "<|endoftext|>"  # Skywork's recipe prepends the BOS text; Qwen's tokenizer names one
    tokenizer.save_pretrained(folder)
    return folder


def save_chat_policy(folder: Path, seed: int = 0) -> Path:
    """A tiny random Qwen2 causal LM with the Qwen chat template (a stand-in instruct policy)."""
    torch.manual_seed(seed)
    config = qwen2_config("Qwen2ForCausalLM")
    Qwen2ForCausalLM(config).save_pretrained(folder)
    qwen_tokenizer().save_pretrained(folder)
    return folder


# --- Math-Shepherd (MistralForCausalLM) and RLHFlow (LlamaForCausalLM): LM-logit "+"/"-" PRMs ---

SHEPHERD_CORPUS = [
    "Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left? "
    "Step 1: 5 * 4 = 20 ки\nStep 2: 20 - 3 = 17 ки\nStep 3: The answer is \\boxed{17}. ки",
    "+ - + - + -", "1 + 1 = 2 ки\n3 - 1 = 2 ки",
] * 40 + CORPUS


def shepherd_tokenizer():
    """A tiny Mistral-style tokenizer: SentencePiece-like BPE (``▁`` word prefix, ``<s>`` added), ``▁ки``, ``▁+``, ``▁-``.

    Like the real one, ``encode("+ -")`` is BOS + two pieces and ``encode("ки")[-1]``
    is the one piece ``▁ки``; a newline is a piece of its own (the real model's byte piece).
    """
    import string

    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split("\n", "isolated"),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first"),
    ])
    core.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>", "<s>", "</s>"], min_frequency=5,
                                  initial_alphabet=[*string.printable, "▁", "к", "и"], show_progress=False)
    core.train_from_iterator(SHEPHERD_CORPUS, trainer=trainer)
    core.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   clean_up_tokenization_spaces=False, model_max_length=4096)


def save_math_shepherd(folder: Path, seed: int = 0, drop: tuple[str, ...] = ()) -> Path:
    """A ``MistralForCausalLM`` checkpoint (``model.*``, ``lm_head.weight``) with the Mistral-style tokenizer."""
    from transformers import MistralConfig, MistralForCausalLM

    tokenizer = shepherd_tokenizer()
    config = MistralConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32, max_position_embeddings=32768,
        sliding_window=4096, rope_theta=10000.0, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        architectures=["MistralForCausalLM"],
    )
    torch.manual_seed(seed)
    model = MistralForCausalLM(config)
    with torch.no_grad():  # random LM-head rows big enough that the +/- softmax varies from step to step
        model.lm_head.weight.normal_(0.0, 0.5)
    weights = {name: tensor for name, tensor in model.state_dict().items() if name not in drop}
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    save_file({name: tensor.contiguous() for name, tensor in weights.items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    tokenizer.save_pretrained(folder)
    return folder


LLAMA3_SPECIAL = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
LLAMA3_PIECES = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# Llama-3.1-Instruct's chat template without its tool branches (fixed date string, system block always there).
LLAMA31_CHAT_TEMPLATE = (
    "{{- bos_token }}"
    "{%- if not date_string is defined %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}"
    "{%- if messages[0]['role'] == 'system' %}"
    "{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}"
    "{%- else %}{%- set system_message = \"\" %}{%- endif %}"
    "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}"
    "{{- \"Cutting Knowledge Date: December 2023\\n\" }}"
    "{{- \"Today Date: \" + date_string + \"\\n\\n\" }}"
    "{{- system_message }}"
    "{{- \"<|eot_id|>\" }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)


def llama3_tokenizer():
    """A tiny Llama-3-style tokenizer: byte-level BPE with Llama 3's pre-tokenizer pattern, its chat special
    tokens (``<|begin_of_text|>`` added on encode, ``<|eot_id|>`` as EOS) and the Llama-3.1 chat template."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PIECES), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=LLAMA3_SPECIAL, min_frequency=5,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(CORPUS + ["system user assistant Cutting Knowledge Date: December 2023 + -"] * 40,
                             trainer=trainer)
    core.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                                        special_tokens=[("<|begin_of_text|>", 0)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
        additional_special_tokens=LLAMA3_SPECIAL[1:4], clean_up_tokenization_spaces=False, model_max_length=8192,
    )
    tokenizer.chat_template = LLAMA31_CHAT_TEMPLATE
    return tokenizer


def save_rlhflow(folder: Path, seed: int = 0) -> Path:
    """A ``LlamaForCausalLM`` checkpoint (Llama-3.1 config fields, ``model.*``, ``lm_head.weight``) with the
    Llama-3-style tokenizer and chat template."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = llama3_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32, max_position_embeddings=131072,
        rope_theta=500000.0, tie_word_embeddings=False, bos_token_id=0, eos_token_id=4,
        architectures=["LlamaForCausalLM"],
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.lm_head.weight.normal_(0.0, 0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
