"""The shipped tiny models' tokenizer (their trainers are in ``hrmsearch.training``)."""
