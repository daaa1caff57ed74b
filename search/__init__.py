"""hrmsearch.search: inference search. Numba tree, batching scheduler, strategies, voting."""
