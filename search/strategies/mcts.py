"""Monte-Carlo tree search (PUCT) over reasoning steps, on the numba tree.

One simulation is one selected leaf. Each round selects up to
``leaves_per_round`` distinct leaves under virtual loss, expands every open one
into ``k`` children in ONE Generate request (one prompt per leaf) and evaluates
all new children in ONE Score request:

- ``rollouts == 0``: a child's value is its reward-model node score;
- ``rollouts == m``: ``m`` complete solutions are sampled after each open child
  (one more Generate for all of them), scored with the user's aggregator, and the
  child's value is their mean score; finished rollouts join the vote.

Every new child is backed up once with its value, so a node's visits count the
evaluations in its subtree. A terminal leaf (answered, ended, or at
``max_steps``) selected again is backed up with its own value, at no model
cost. The answer is read from the most-visited path (``select="visits"``,
falling back to the vote when that path has no answer) or from a vote over the
finished nodes and rollouts (``select`` = ``weighted``, ``argmax`` or
``majority``); every rule's pick is reported in ``Solution.selections``.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.records import Solution, Trajectory
from hrmsearch.search.context import Branch, SearchContext, select_all
from hrmsearch.search.requests import Generate
from hrmsearch.search.strategies.spec import StrategySpec

if TYPE_CHECKING:
    from hrmsearch.search.tree import Tree


def new_tree() -> Tree:
    """An empty numba tree; numba is imported on first use, not when the strategies are (a ``__main__``
    that imports numba before vLLM spawns its engine breaks the engine's start)."""
    from hrmsearch.search.tree import Tree

    return Tree()


class MCTSConfig(SearchConfig):
    strategy: str = "mcts"
    n: int = Field(32, ge=1, description="simulation budget when n_simulations is not set")
    n_simulations: int | None = Field(None, ge=1, description="leaves selected and evaluated; None = n")
    leaves_per_round: int = Field(4, ge=1, description="leaves selected per round under virtual loss")
    k: int = Field(4, ge=1, description="children sampled per expansion")
    c_puct: float = Field(1.0, ge=0.0, description="weight of the prior-guided exploration term")
    virtual_loss: float = Field(1.0, ge=0.0, description="value a pending selection counts as losing")
    fpu: float = Field(0.0, description="value assumed for an unvisited child (first-play urgency)")
    rollouts: int = Field(0, ge=0, description="m rollouts per new child for its value; 0 = node score")
    select: Literal["visits", "weighted", "argmax", "majority"] = Field(
        "visits", description="answer from the most-visited path, or a vote over finished nodes and rollouts"
    )

    @property
    def budget(self) -> int:
        return self.n_simulations or self.n


@dataclass
class SearchState:
    """The tree plus what the numba arrays cannot hold: branches and finished trajectories."""

    tree: Tree = field(default_factory=new_tree)
    branches: list[Branch] = field(default_factory=lambda: [Branch()])
    finished: dict[int, Trajectory] = field(default_factory=dict)  # terminal node -> its trajectory
    rollouts: dict[int, list[Trajectory]] = field(default_factory=dict)  # node -> rollouts after it
    simulations: int = 0

    def add_children(self, ctx: SearchContext, leaf: int, children: list[Branch]) -> list[int]:
        """Append ``children`` under ``leaf`` (uniform priors); terminal when final or at max depth."""
        nodes = []
        for child in children:
            terminal = child.final or len(child.steps) >= ctx.config.max_steps
            text = child.steps[-1] if child.grew and child.steps else ""
            nodes.append(self.tree.add_node(leaf, text, prior=1.0 / len(children), terminal=terminal))
            self.branches.append(child)
        return nodes

    def candidates(self) -> list[Trajectory]:
        """Finished nodes, then finished rollouts, in creation order."""
        done_rollouts = [t for trajectories in self.rollouts.values() for t in trajectories if t.finished]
        return list(self.finished.values()) + done_rollouts


def evaluate_by_node_score(
    ctx: SearchContext, state: SearchState, leaves: list[int]
) -> Generator[Any, Any, list[int]]:
    """Expand ``leaves`` (ONE Generate), score the new steps (ONE Score); the new node ids."""
    rows = yield from ctx.expand([state.branches[leaf] for leaf in leaves], ctx.config.k)
    nodes = []
    for leaf, children in zip(leaves, rows, strict=True):
        for node, child in zip(state.add_children(ctx, leaf, children), children, strict=True):
            state.tree.reward[node] = child.scores[-1] if child.scores else 0.0
            if state.tree.terminal[node]:
                state.finished[node] = ctx.branch_trajectory(child)
            nodes.append(node)
    return nodes


def sample_rollouts(
    ctx: SearchContext, prefixes: Sequence[Sequence[str]], m: int
) -> Generator[Generate, Any, list[list[Trajectory]]]:
    """``m`` complete solutions after each prefix in ONE Generate (``ctx.sample_solutions`` for many prefixes)."""
    if not prefixes:
        return []
    remaining = max(1, ctx.config.max_steps - min(len(prefix) for prefix in prefixes))
    params = ctx.step_params(m).model_copy(
        update={"stop": [], "max_tokens": ctx.config.max_step_tokens * remaining}
    )
    rows = yield Generate([ctx.prompt(prefix) for prefix in prefixes], params)
    return [
        [ctx.to_trajectory(list(prefix), sample) for sample in row]
        for prefix, row in zip(prefixes, rows, strict=True)
    ]


def evaluate_by_rollouts(
    ctx: SearchContext, state: SearchState, leaves: list[int]
) -> Generator[Any, Any, list[int]]:
    """Expand ``leaves``, roll out every open child ``m`` times, score all trajectories at once."""
    samples = yield from ctx.next_steps([state.branches[leaf].steps for leaf in leaves], ctx.config.k)
    nodes = []
    for leaf, row in zip(leaves, samples, strict=True):
        nodes += state.add_children(ctx, leaf, [state.branches[leaf].child(sample) for sample in row])
    open_nodes = [node for node in nodes if not state.tree.terminal[node]]
    done_nodes = [node for node in nodes if state.tree.terminal[node]]
    rows = yield from sample_rollouts(
        ctx, [state.branches[node].steps for node in open_nodes], ctx.config.rollouts
    )
    own = [ctx.trajectory(state.branches[node].steps, state.branches[node].final) for node in done_nodes]
    scored = yield from ctx.score_trajectories([t for row in rows for t in row] + own)
    for node in open_nodes:
        state.rollouts[node], scored = scored[: ctx.config.rollouts], scored[ctx.config.rollouts :]
        state.tree.reward[node] = sum(t.score for t in state.rollouts[node]) / ctx.config.rollouts
    for node, trajectory in zip(done_nodes, scored, strict=True):
        state.finished[node] = trajectory
        state.tree.reward[node] = trajectory.score
    return nodes


def simulate_round(ctx: SearchContext, state: SearchState) -> Generator[Any, Any, None]:
    """Select leaves, evaluate the open ones, back up every new node and every terminal leaf."""
    config: MCTSConfig = ctx.config
    count = min(config.leaves_per_round, config.budget - state.simulations)
    leaves = state.tree.select_leaves(count, config.c_puct, "puct", config.virtual_loss, config.fpu).tolist()
    state.simulations += len(leaves)
    open_leaves = [leaf for leaf in leaves if not state.tree.terminal[leaf]]
    terminal_leaves = [leaf for leaf in leaves if state.tree.terminal[leaf]]
    evaluate = evaluate_by_rollouts if config.rollouts else evaluate_by_node_score
    new_nodes = (yield from evaluate(ctx, state, open_leaves)) if open_leaves else []
    state.tree.release(leaves)
    backed_up = new_nodes + terminal_leaves
    state.tree.backup_many(backed_up, state.tree.reward[backed_up])


def most_visited(ctx: SearchContext, state: SearchState) -> Trajectory:
    """The trajectory at the end of the most-visited path: its node's, else its best rollout."""
    end = state.tree.best_path("visits")[-1]
    if end in state.finished:
        return state.finished[end]
    finished_rollouts = [t for t in state.rollouts.get(end, []) if t.finished]
    if finished_rollouts:
        return max(finished_rollouts, key=lambda t: t.score or 0.0)
    return ctx.branch_trajectory(state.branches[end])


def search(ctx: SearchContext) -> Generator[Any, Any, SearchState]:
    """Simulate rounds until the budget is spent; the final tree and its trajectories."""
    state = SearchState()
    while state.simulations < ctx.config.budget:
        yield from simulate_round(ctx, state)
    return state


def answer(ctx: SearchContext, state: SearchState) -> Solution:
    """The ``select`` rule's pick (the weighted vote when it has no answer); every pick reported."""
    candidates = state.candidates()
    picks = {**select_all(candidates), "visits": most_visited(ctx, state)}
    chosen = picks[ctx.config.select]
    if chosen is None or chosen.answer is None:
        chosen = picks["weighted"] or picks["argmax"] or chosen
    answers = {rule: pick.answer if pick else None for rule, pick in picks.items()}
    return ctx.solution(chosen, candidates=candidates, selections=answers)


def run(ctx: SearchContext):
    state = yield from search(ctx)
    return answer(ctx, state)


SPEC = StrategySpec(
    name="mcts",
    config=MCTSConfig,
    run=run,
    needs_reward=True,
    budget="simulations; one run per N",
    step_generations=lambda n, max_steps: n * MCTSConfig.model_fields["k"].default,
    marker="D",
)
