"""hrmsearch.search: the search room. Numba tree, batching scheduler, strategies, tree emission, HNC."""
