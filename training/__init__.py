"""hrmsearch.training: everything that makes training data and trains models.

    generate.py         training trees (bfs / mcts) grown on the search scheduler, Monte-Carlo labels
    tree_records.py     TreeRecord / TreeNode: one JSON line per problem
    labels.py           subtree label counts
    hnc.py              Hierarchical Node Compression (the paper's ``split_node``)
    samples.py          RewardSample: one labelled reward window per JSONL line
    tree_samples.py     trees -> balanced PRM / HRM samples
    outcome_samples.py  sampled solutions -> ORM samples
    prm800k.py          PRM800K records -> PRM / HRM samples
    batches.py          the reward-model trainer's batches and losses
    train_reward.py     ``hrmsearch train``: the reward-model trainer
    train_policy.py     the shipped tiny policy's trainer
"""
