"""hrmsearch.scoring: inference scoring. Reward-model scorers, windows, prompts, aggregation."""
