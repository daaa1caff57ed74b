"""Monte-Carlo tree search (PUCT) in which one simulation is one complete solution (rStar-Math style).

A round selects up to ``leaves_per_round`` distinct leaves by PUCT under
virtual loss, then, for all open leaves of the round together:

1. expand: ONE Generate samples ``k`` next steps per leaf; distinct steps become
   children whose PUCT prior is the softmax of their step log-probabilities over
   the siblings (``prior="uniform"``: 1 / siblings);
2. roll out: the child the leaf's first sample names is the simulated child; when
   it is open, ONE Generate samples ``rollouts`` (m) complete solutions after it
   (m = 4 by default: as accurate as m = 1 on arith-dev, with a quarter of the
   simulations and so fewer, fuller rounds; docs/results/mcts_sweep.md).
   A rollout's steps join the tree as a chain of nodes below the child, held out
   of the child lists until their parent is expanded, so a later selection that
   stops at a rollout node branches from inside the rollout (``search/mcts_tree.py``,
   the tree code MCTS training trees share);
3. score: ONE Score request gives every new node on an evaluated path its node
   score; a trajectory's score aggregates its node scores per ``RewardConfig``.

The value of a simulation is ``(1 - node_weight) * outcome + node_weight *
node score of the simulated child``, where ``outcome`` is the finished
trajectory's score (0 when it stated no answer); it is backed up from the
rollout's last node. A terminal leaf selected again is backed up with its own
value at no model cost. ``n`` counts complete solutions: m per simulated open
leaf, one when the simulated child answered at once (re-visits count none; at
most ``SELECTION_CAP * n`` leaves are selected).

The answer comes from the finished trajectories: the most-visited finished path
(``visits``), the best-valued one (``value``), a visit-weighted vote
(``visit_vote``), or the reward-weighted vote, majority and argmax; every rule's
pick is in ``Solution.selections``. When no trajectory states an answer, the
most-visited path is completed greedily (one more Generate).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Literal

from pydantic import Field

from hrmsearch.answers import normalize_for_vote
from hrmsearch.config import SearchConfig
from hrmsearch.records import Solution, Trajectory
from hrmsearch.scoring.aggregate import aggregate
from hrmsearch.search.context import SearchContext, select_all
from hrmsearch.search.mcts_tree import SearchState, add_rollout, expand
from hrmsearch.search.rollouts import rollout_request
from hrmsearch.search.strategies.spec import StrategySpec

SELECTION_CAP = 4  # leaves selected per unit of budget at most (terminal re-visits cost no solution)
Rule = Literal["visits", "value", "visit_vote", "weighted", "majority", "argmax"]


class MCTSConfig(SearchConfig):
    strategy: str = "mcts"
    n: int = Field(16, ge=1, description="complete solutions (rollouts) per problem")
    leaves_per_round: int = Field(4, ge=1, description="leaves selected per round under virtual loss")
    k: int = Field(4, ge=1, description="next steps sampled per expansion")
    rollouts: int = Field(4, ge=1, description="m complete solutions sampled after each simulated child")
    node_weight: float = Field(
        0.0, ge=0.0, le=1.0, description="lambda: share of the child's node score in a value"
    )
    prior: Literal["logprob", "uniform"] = Field("logprob", description="PUCT prior of a child")
    c_puct: float = Field(1.0, ge=0.0, description="weight of the prior-guided exploration term")
    virtual_loss: float = Field(1.0, ge=0.0, description="value a pending selection counts as losing")
    fpu: float = Field(0.5, description="value assumed for an unvisited child (first-play urgency)")
    rollout_tokens: int | None = Field(
        None, ge=1, description="token budget of a rollout; None = steps x step"
    )
    select: Rule = Field("value", description="which finished trajectory answers (all rules are reported)")

    @property
    def rollout_budget(self) -> int:
        return self.rollout_tokens or self.max_step_tokens * self.max_steps


def expand_and_roll_out(
    ctx: SearchContext, state: SearchState, leaves: list[int]
) -> Generator[Any, Any, tuple[list[tuple[int, int]], list[int]]]:
    """ONE Generate expands every open leaf, ONE more rolls out every open simulated child.

    Returns the (rollout end, simulated child) pairs to back up and the new terminal
    nodes that are evaluated but not backed up until they are selected.
    """
    config: MCTSConfig = ctx.config
    rows = yield from ctx.next_steps([state.paths[leaf] for leaf in leaves], config.k,
                                     logprobs=config.prior == "logprob")
    simulated, terminal = [], []
    for leaf, row in zip(leaves, rows, strict=True):
        child, new_terminal = expand(state, leaf, row, config.prior, config.max_steps)
        simulated.append(child)
        terminal += new_terminal
    open_children = [child for child in simulated if not state.tree.terminal[child]]
    ends = [(child, child) for child in simulated if state.tree.terminal[child]]
    if open_children:
        request = rollout_request(
            ctx, [state.paths[c] for c in open_children], config.rollouts, config.rollout_budget
        )
        for child, samples in zip(open_children, (yield request), strict=True):
            ends += [(add_rollout(ctx, state, child, sample, config.max_steps), child) for sample in samples]
    return ends, terminal


def trajectory(ctx: SearchContext, state: SearchState, node: int) -> Trajectory:
    """The scored trajectory ending at ``node`` (its path's node scores are known)."""
    path = state.tree.path(node)[1:]
    scores = [state.node_scores[n] for n in path]
    if not scores:
        total = 0.0
    else:
        total = scores[-1] if ctx.reward.outcome else aggregate(scores, ctx.reward.aggregate)
    finished = node in state.final
    return ctx.trajectory(state.paths[node], finished).model_copy(
        update={"step_scores": scores, "score": total}
    )


def evaluate(
    ctx: SearchContext, state: SearchState, ends: list[tuple[int, int]], terminal: list[int]
) -> Generator[Any, Any, list[float]]:
    """ONE Score for every unscored node on the evaluated paths; the values of ``ends``, in order."""
    wanted = [end for end, _ in ends] + terminal
    unscored = sorted({n for end in wanted for n in state.tree.path(end)[1:] if n not in state.node_scores})
    scores = yield from ctx.score_steps([state.paths[n] for n in unscored])
    state.node_scores.update(zip(unscored, scores, strict=True))
    weight = ctx.config.node_weight
    for end, child in ends + [(node, node) for node in terminal]:
        if end in state.ends:  # a re-simulated terminal child keeps its trajectory and value
            continue
        state.ends[end] = trajectory(ctx, state, end)
        outcome = state.ends[end].score if state.ends[end].answer is not None else 0.0
        state.values[end] = (1 - weight) * outcome + weight * state.node_scores.get(child, 0.0)
    simulated = [end for end, _ in ends]
    state.produced += simulated + [node for node in terminal if node not in simulated]
    return [state.values[end] for end in simulated]


def simulate_round(ctx: SearchContext, state: SearchState) -> Generator[Any, Any, None]:
    """Select leaves, simulate the open ones, back up every simulation and every terminal re-visit."""
    config: MCTSConfig = ctx.config
    wanted = -(-(config.n - state.solutions) // config.rollouts)
    count = min(config.leaves_per_round, wanted)
    leaves = state.tree.select_leaves(count, config.c_puct, "puct", config.virtual_loss, config.fpu).tolist()
    state.selections += len(leaves)
    open_leaves = [leaf for leaf in leaves if not state.tree.terminal[leaf]]
    revisits = [leaf for leaf in leaves if state.tree.terminal[leaf]]
    ends, terminal = (yield from expand_and_roll_out(ctx, state, open_leaves)) if open_leaves else ([], [])
    values = yield from evaluate(ctx, state, ends, terminal)
    state.solutions += len(ends)
    state.tree.release(leaves)
    state.tree.backup_many([end for end, _ in ends] + revisits, values + [state.values[n] for n in revisits])


def search(ctx: SearchContext) -> Generator[Any, Any, SearchState]:
    """Simulate rounds until ``n`` complete solutions (or the selection cap); the final state."""
    state = SearchState()
    while state.solutions < ctx.config.n and state.selections < SELECTION_CAP * ctx.config.n:
        yield from simulate_round(ctx, state)
    return state


def most_visited_end(state: SearchState, finished_only: bool) -> int | None:
    """The node reached by following the most-visited child (first on ties); with ``finished_only``,
    only into subtrees that hold an answered trajectory (None when there is none)."""
    reach = {n for n, t in state.ends.items() if t.answer is not None} if finished_only else set()
    if finished_only and not reach:
        return None
    for node in sorted(reach, reverse=True):
        while node > 0 and (parent := int(state.tree.parent[node])) not in reach:
            reach.add(parent)
            node = parent
    node = 0
    while options := [c for c in state.children(node) if not finished_only or c in reach]:
        node = max(options, key=lambda c: int(state.tree.visits[c]))  # max keeps the first on ties
    return node


def visit_vote(state: SearchState) -> Trajectory | None:
    """The best-valued trajectory of the answer whose finished ends hold the most visits."""
    totals: dict[str, int] = {}
    for node, traj in state.ends.items():
        if (key := normalize_for_vote(traj.answer)) is not None:
            totals[key] = totals.get(key, 0) + int(state.tree.visits[node])
    if not totals:
        return None
    best = max(totals, key=lambda key: totals[key])
    same = [n for n, t in state.ends.items() if normalize_for_vote(t.answer) == best]
    return state.ends[max(same, key=lambda n: state.values[n])]


def picks(state: SearchState) -> dict[str, Trajectory | None]:
    """Every rule's pick among the finished trajectories."""
    answered = [n for n in sorted(state.ends) if state.ends[n].answer is not None]
    end = most_visited_end(state, finished_only=True)
    return {
        **select_all(state.candidates()),
        "visits": state.ends[end] if end is not None else None,
        "value": state.ends[max(answered, key=lambda n: state.values[n])] if answered else None,
        "visit_vote": visit_vote(state),
    }


def complete_greedily(ctx: SearchContext, state: SearchState) -> Generator[Any, Any, Trajectory]:
    """The most-visited path finished by one greedy rollout (temperature 0)."""
    steps = state.paths[most_visited_end(state, finished_only=False)]
    request = rollout_request(ctx, [steps], 1, ctx.config.rollout_budget, temperature=0.0)
    (sample,) = (yield request)[0]
    return ctx.to_trajectory(list(steps), sample)


def answer(ctx: SearchContext, state: SearchState) -> Generator[Any, Any, Solution]:
    """The ``select`` rule's pick, else the first rule's pick with an answer, else the greedy completion."""
    found = picks(state)
    with_answer = [
        pick for pick in [found[ctx.config.select], *found.values()] if pick and pick.answer is not None
    ]
    selections = {rule: pick.answer if pick else None for rule, pick in found.items()}
    if with_answer:
        chosen = with_answer[0]
    else:
        chosen = yield from complete_greedily(ctx, state)
        selections["greedy_completion"] = chosen.answer
    return ctx.solution(chosen, candidates=state.candidates(), selections=selections)


def run(ctx: SearchContext):
    state = yield from search(ctx)
    return (yield from answer(ctx, state))


SPEC = StrategySpec(
    name="mcts",
    config=MCTSConfig,
    run=run,
    needs_reward=True,
    budget="complete solutions (rollouts), as best_of_n; one run per N",
    step_generations=lambda n, max_steps: n * (MCTSConfig.model_fields["k"].default + max_steps),
    marker="D",
)
