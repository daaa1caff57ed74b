"""hrmsearch.scoring: the reward room. HRM/PRM/ORM scorers, windows, aggregation, training."""
