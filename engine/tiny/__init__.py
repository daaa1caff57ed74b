"""The project's own tiny models: tokenizer, Llama config and the training scripts."""
