"""Training trees: generation (bfs / mcts) on the scheduler, Monte-Carlo labels, HNC, samples.

    records.py   Tree / TreeNode records (one JSON line per problem)
    labels.py    subtree label counts, fast and iterative
    generate.py  tree-generation coroutines for the batching Scheduler
    store.py     append-only, resumable JSONL of trees
    hnc.py       Hierarchical Node Compression (the paper's ``split_node``)
    samples.py   tree -> balanced PRM / HRM training samples
"""
