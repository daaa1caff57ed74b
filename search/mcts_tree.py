"""The tree an MCTS simulation grows, shared by the ``mcts`` strategy and MCTS training trees.

``expand`` turns a leaf's sampled next steps into children: one per distinct
non-empty step text, each with a PUCT prior (the softmax of the steps'
log-probabilities over the siblings, or ``1 / siblings``), and first links the
rollout nodes the leaf already holds. ``add_rollout`` adds a rollout's steps as a
chain of *held* nodes below a child: they have a parent and a depth, so backups
and paths go through them, but selection does not see them until their parent
is expanded, so a later selection that stops at a rollout node branches from
inside the rollout. A step the tree already holds at a place is reused.

``SearchState`` is the numba tree plus what its arrays cannot hold: step paths,
held nodes, which nodes ended the solution, and each strategy's bookkeeping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hrmsearch.engine.base import StepSample
from hrmsearch.records import Trajectory
from hrmsearch.search.context import SearchContext, is_final
from hrmsearch.search.rollouts import split_continuation

if TYPE_CHECKING:
    from hrmsearch.search.tree import Tree


def new_tree() -> Tree:
    """An empty numba tree; numba is imported on first use, not when the strategies are (a ``__main__``
    that imports numba before vLLM spawns its engine breaks the engine's start)."""
    from hrmsearch.search.tree import Tree

    return Tree()


@dataclass
class SearchState:
    """The tree plus what its arrays cannot hold: step paths, node scores, finished trajectories."""

    tree: Tree = field(default_factory=new_tree)
    paths: list[list[str]] = field(default_factory=lambda: [[]])  # node -> its steps from the root
    held: dict[int, list[int]] = field(default_factory=dict)  # node -> rollout nodes not yet linked below it
    final: set[int] = field(default_factory=set)  # nodes whose path ended the solution
    node_scores: dict[int, float] = field(default_factory=dict)
    ends: dict[int, Trajectory] = field(default_factory=dict)  # terminal or rollout-end node -> trajectory
    values: dict[int, float] = field(default_factory=dict)  # terminal node -> its value on a re-visit
    produced: list[int] = field(default_factory=list)  # the end node of every solution, as produced
    solutions: int = 0
    selections: int = 0

    def add(self, parent: int, text: str, prior: float, terminal: bool, linked: bool) -> int:
        node = self.tree.add_node(parent, text, prior=prior, terminal=terminal, linked=linked)
        self.paths.append(self.paths[parent] + [text])
        if not linked:
            self.held.setdefault(parent, []).append(node)
        return node

    def children(self, node: int) -> list[int]:
        """Linked children, then held rollout nodes, in creation order."""
        return self.tree.children(node) + self.held.get(node, [])

    def unlinked(self) -> set[int]:
        """Every node still held (a rollout step whose parent was never expanded)."""
        return {node for nodes in self.held.values() for node in nodes}

    def candidates(self) -> list[Trajectory]:
        """The finished trajectories, once per time the search produced one (a vote counts repeats)."""
        return [self.ends[node] for node in self.produced if self.ends[node].finished]


def step_priors(samples: Sequence[StepSample], held: int, rule: str) -> list[float]:
    """Priors of the new distinct steps ``samples``, next to ``held`` linked rollout nodes (1 / siblings each)."""
    if not samples:
        return []
    total = len(samples) + held
    if rule == "uniform":
        return [1.0 / total] * len(samples)
    top = max(sample.logprob for sample in samples)
    weights = [math.exp(sample.logprob - top) for sample in samples]
    share = len(samples) / total
    return [share * weight / sum(weights) for weight in weights]


def distinct_steps(row: list[StepSample], known: set[str]) -> list[StepSample]:
    """The first sample of each non-empty step text not in ``known``, in sampling order."""
    found, seen = [], set(known)
    for sample in row:
        if (text := sample.text.strip()) and text not in seen:
            seen.add(text)
            found.append(sample)
    return found


def expand(
    state: SearchState, leaf: int, row: list[StepSample], prior_rule: str, max_depth: int
) -> tuple[int, list[int]]:
    """Link ``leaf``'s held rollout nodes and add its distinct new steps; (simulated child, new terminal nodes).

    A child at ``max_depth``, new or held, is terminal (selection re-visits it at no model cost). The
    simulated child is the node of the leaf's first non-empty sample; when every sample
    is empty and nothing is held, the solution ends at the leaf, which becomes terminal.
    """
    held = state.held.pop(leaf, [])
    by_text = {state.tree.texts[node]: node for node in held}
    new = distinct_steps(row, set(by_text))
    depth_cap = int(state.tree.depth[leaf]) + 1 >= max_depth
    for node in held:
        state.tree.link(node)
        state.tree.prior[node] = 1.0 / (len(new) + len(held))
        state.tree.terminal[node] |= depth_cap  # (a search's rollout already ends there)
    terminal = []
    for sample, weight in zip(new, step_priors(new, len(held), prior_rule), strict=True):
        text = sample.text.strip()
        final = is_final(sample, text)
        by_text[text] = state.add(leaf, text, weight, final or depth_cap, linked=True)
        if final:
            state.final.add(by_text[text])
        if final or depth_cap:
            terminal.append(by_text[text])
    first = next((s.text.strip() for s in row if s.text.strip()), None)
    if first is not None:
        return by_text[first], terminal
    if held:
        return held[0], terminal
    state.tree.terminal[leaf] = True
    state.final.add(leaf)
    return leaf, [leaf]


def add_rollout(ctx: SearchContext, state: SearchState, child: int, sample: StepSample, max_steps: int) -> int:
    """The rollout's steps as held nodes below ``child`` (cut at ``max_steps``); its last node.

    A step the tree already holds at that place (linked or held) is reused, not added again.
    """
    continuation = split_continuation(ctx, sample)
    steps = continuation.steps[: max(0, max_steps - len(state.paths[child]))]
    finished = continuation.finished and len(steps) == len(continuation.steps)
    node = child
    for index, text in enumerate(steps):
        at_end = index == len(steps) - 1 and (finished or len(state.paths[node]) + 1 >= max_steps)
        same = [c for c in state.children(node) if state.tree.texts[c] == text]
        node = same[0] if same else state.add(node, text, 1.0, terminal=at_end, linked=False)
    if finished:  # (node is the child itself when the model ended right after it)
        state.tree.terminal[node] = True
        state.final.add(node)
    return node
