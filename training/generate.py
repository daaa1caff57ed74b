"""Training-tree generation as strategy coroutines on the batching Scheduler.

``bfs`` (the paper's): every open node gets ``k`` children, level by level, to
``depth``; one ``Generate`` per level holds all of a problem's open nodes (the
Scheduler then merges all problems into one policy call per level). A step is
final when the model ends or states a boxed answer; its answer is graded against
the gold one. Leaves that never answered (depth cap, empty step) count as wrong.

``mcts``: grown with the ``mcts`` strategy's tree code (``hrmsearch.search.mcts_tree``):
each round selects up to ``leaves_per_round`` leaves by PUCT under virtual loss,
expands them all in ONE Generate into their distinct next steps (``k`` samples;
the rollout steps a leaf holds become children too), and rolls out ``rollouts``
Monte-Carlo completions in ONE more Generate after every child that did not end
the solution and has fewer than ``rollouts`` through it,
Math-Shepherd / OmegaPRM style, read with the strategy's own rollout code
(``hrmsearch.search.rollouts``: one fixed token budget, cut after the first boxed
answer). A rollout's steps join the tree as held nodes, so a later expansion of
one of them branches from inside the rollout; the record keeps the linked nodes
(the root, every expanded leaf and its children), and a held node's outcomes count
at its nearest linked ancestor. A leaf whose samples are all empty ended answerless
(one wrong outcome). The
value backed up from each child of an expanded leaf is its label uncertainty
``4 p (1 - p)``, so the budget goes where labels are uncertain. A node that
ended the solution or sits at ``depth`` is closed: its prior drops to 0 and a
re-visit backs up 0 at no model cost, so selection moves on to open leaves.
``simulations`` counts expanded leaves.

Labels (see ``labels.py``) are then the correct fraction of the outcomes in a
node's subtree. Finished trees are handed to ``on_tree`` (e.g. a store append)
as soon as their problem completes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from tqdm import tqdm

from hrmsearch.config import SearchConfig
from hrmsearch.engine.base import StepSample
from hrmsearch.jsonl import JsonlStore
from hrmsearch.records import Problem, Solution
from hrmsearch.search.context import SearchContext, is_final
from hrmsearch.search.mcts_tree import SearchState, add_rollout, expand
from hrmsearch.search.requests import Generate
from hrmsearch.search.rollouts import rollout_request, split_continuation
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.search.strategies.mcts import MCTSConfig
from hrmsearch.training.labels import fraction, subtree_counts
from hrmsearch.training.tree_records import TreeNode, TreeRecord, TreeSettings

Grade = Callable[[str | None, str | None], bool]
ROLLOUT_STEPS = 12  # max_steps of the search context (complete solutions)
VIRTUAL_LOSS = MCTSConfig.model_fields["virtual_loss"].default  # the mcts strategy's
FPU = 0.0  # value of an unvisited child: never read, every child is backed up once it exists
SELECTIONS_PER_EXPANSION = 16  # at most: a closed node selected again backs up 0 at no model cost


@dataclass
class Growth:
    """A tree as parallel per-node lists, parents before children: grown by bfs, filled from an MCTS state."""

    parents: list[int] = field(default_factory=lambda: [0])
    steps: list[str] = field(default_factory=lambda: [""])
    paths: list[list[str]] = field(default_factory=lambda: [[]])
    depths: list[int] = field(default_factory=lambda: [0])
    terminal: list[bool] = field(default_factory=lambda: [False])
    answers: list[str | None] = field(default_factory=lambda: [None])
    correct: list[bool | None] = field(default_factory=lambda: [None])
    rollouts: list[list[int]] = field(default_factory=lambda: [[0, 0]])
    kids: list[list[int]] = field(default_factory=lambda: [[]])

    def add(self, ctx: SearchContext, parent: int, sample: StepSample, grade: Grade) -> int:
        """bfs: append the child of ``parent`` that ``sample`` states; grade it when it is final."""
        text = sample.text.strip()
        path = self.paths[parent] + [text] if text else list(self.paths[parent])
        final = not text or is_final(sample, text)
        answer = ctx.trajectory(path, finished=True).answer if final and text else None
        correct = bool(grade(answer, ctx.problem.answer)) if final else None
        return self.append(parent, text, path, final, answer, correct, [int(bool(correct)), 1] if final else [0, 0])

    def append(
        self, parent: int, text: str, path: list[str], final: bool, answer: str | None, correct: bool | None,
        rollouts: list[int],
    ) -> int:
        node = len(self.parents)
        self.parents.append(parent)
        self.steps.append(text)
        self.paths.append(path)
        self.depths.append(self.depths[parent] + 1)
        self.terminal.append(final)
        self.answers.append(answer)
        self.correct.append(correct)
        self.rollouts.append(rollouts)
        self.kids.append([])
        self.kids[parent].append(node)
        return node

    def to_tree(self, problem: Problem, settings: TreeSettings, seed: int) -> TreeRecord:
        correct, total = subtree_counts(self.parents, [r[0] for r in self.rollouts], [r[1] for r in self.rollouts])
        nodes = [
            TreeNode(
                id=i, parent=None if i == 0 else self.parents[i], step=self.steps[i], depth=self.depths[i],
                label=fraction(correct[i], total[i]), counts=(correct[i], total[i]),
                rollouts=tuple(self.rollouts[i]), terminal=self.terminal[i], answer=self.answers[i],
                correct=self.correct[i],
            )
            for i in range(len(self.parents))
        ]
        return TreeRecord(
            problem_id=problem.id, question=problem.question, answer=problem.answer,
            settings=settings, seed=seed, nodes=nodes,
        )

    def mark_unanswered_leaves(self) -> None:
        """bfs: a leaf that stopped without an answer counts as one wrong outcome."""
        for node in range(1, len(self.parents)):
            if not self.kids[node] and not self.terminal[node]:
                self.rollouts[node] = [0, 1]


Coroutine = Generator[Generate, Any, Any]  # a tree grower returns its TreeRecord


def bfs_tree(ctx: SearchContext, settings: TreeSettings, grade: Grade) -> Coroutine:
    growth = Growth()
    frontier = [0]
    for _ in range(settings.depth):
        if not frontier:
            break
        results = yield from ctx.next_steps([growth.paths[n] for n in frontier], n=settings.k)
        children = [growth.add(ctx, parent, s, grade) for parent, row in zip(frontier, results, strict=True) for s in row]
        frontier = [child for child in children if not growth.terminal[child]]
    growth.mark_unanswered_leaves()
    return growth.to_tree(ctx.problem, settings, ctx.config.seed)


@dataclass
class Outcomes:
    """Graded rollout outcomes: ``at[n]`` the ones that ended on node n, ``below[n]`` those at n or
    anywhere under it (held rollout nodes included); ``answerless``: leaves whose expansion sampled
    only empty steps, so that the solution ended there without an answer."""

    at: dict[int, list[int]] = field(default_factory=dict)
    below: dict[int, list[int]] = field(default_factory=dict)
    answerless: set[int] = field(default_factory=set)

    def add(self, state: SearchState, node: int, correct: bool) -> None:
        for counts, nodes in ((self.at, [node]), (self.below, state.tree.path(node))):
            for n in nodes:
                pair = counts.setdefault(n, [0, 0])
                pair[0] += int(correct)
                pair[1] += 1

    def total(self, node: int) -> int:
        return self.below.get(node, (0, 0))[1]

    def uncertainty(self, node: int) -> float:
        """``4 p (1 - p)`` of the node's Monte-Carlo fraction ``p`` (0 before any outcome)."""
        correct, total = self.below.get(node, (0, 0))
        p = correct / total if total else 0.0
        return 4 * p * (1 - p)

    def final_answer(self, ctx: SearchContext, state: SearchState, node: int) -> str | None:
        """The answer the final ``node`` states (None when its solution ended answerless)."""
        return None if node in self.answerless else ctx.trajectory(state.paths[node], finished=True).answer


def rollout_answer(ctx: SearchContext, prefix: list[str], sample: StepSample) -> str | None:
    """The answer a rollout states, read as MCTS search reads it (``split_continuation``)."""
    continuation = split_continuation(ctx, sample)
    return ctx.trajectory(prefix + continuation.steps, continuation.finished).answer


def expand_leaves(
    ctx: SearchContext, state: SearchState, outcomes: Outcomes, leaves: list[int], settings: TreeSettings,
    grade: Grade,
) -> Coroutine:
    """ONE Generate expands every leaf; ONE more rolls out ``rollouts`` solutions after every child that
    did not end the solution and has fewer rollouts through it (a linked rollout step has one or a
    few); the children to back up (the leaf itself when its solution ended there)."""
    rows = yield from ctx.next_steps([state.paths[leaf] for leaf in leaves], n=settings.k)
    children, new_final = [], []
    for leaf, row in zip(leaves, rows, strict=True):
        first_new = state.tree.size
        expand(state, leaf, row, "uniform", settings.depth)
        if not (kids := state.tree.children(leaf)):  # every sample empty: ended without an answer
            outcomes.answerless.add(leaf)
            kids = [leaf]
        children += kids
        new_final += [node for node in kids if node in state.final and (node >= first_new or node == leaf)]
    for node in new_final:
        outcomes.add(state, node, bool(grade(outcomes.final_answer(ctx, state, node), ctx.problem.answer)))
    to_roll = [node for node in children if node not in state.final and outcomes.total(node) < settings.rollouts]
    if to_roll:
        request = rollout_request(ctx, [state.paths[node] for node in to_roll], settings.rollouts,
                                  settings.rollout_tokens)
        for node, samples in zip(to_roll, (yield request), strict=True):
            for sample in samples:
                end = add_rollout(ctx, state, node, sample, ROLLOUT_STEPS)
                answer = rollout_answer(ctx, state.paths[node], sample)
                outcomes.add(state, end, bool(grade(answer, ctx.problem.answer)))
    return children


def mcts_tree(ctx: SearchContext, settings: TreeSettings, grade: Grade) -> Coroutine:
    """Grow the tree with the mcts strategy's tree code; the values backed up are label uncertainties."""
    state, outcomes, expansions = SearchState(), Outcomes(), 0
    while expansions < settings.simulations and state.selections < SELECTIONS_PER_EXPANSION * settings.simulations:
        count = min(settings.leaves_per_round, settings.simulations - expansions)
        leaves = state.tree.select_leaves(count, settings.c_puct, "puct", VIRTUAL_LOSS, FPU).tolist()
        state.selections += len(leaves)
        open_leaves = [leaf for leaf in leaves if not state.tree.terminal[leaf]]
        revisits = [leaf for leaf in leaves if state.tree.terminal[leaf]]
        children = (yield from expand_leaves(ctx, state, outcomes, open_leaves, settings, grade)) if open_leaves else []
        expansions += len(open_leaves)
        state.tree.release(leaves)
        for node in children + open_leaves:
            if state.tree.terminal[node]:  # closed: only its backed-up value draws selection back
                state.tree.prior[node] = 0.0
        state.tree.backup_many(children + revisits, [outcomes.uncertainty(c) for c in children] + [0.0] * len(revisits))
        if not open_leaves and not has_open_leaf(state):
            break
    return mcts_record(ctx, state, outcomes, settings, grade)


def has_open_leaf(state: SearchState) -> bool:
    """Whether a linked leaf is still open (not final, not at the depth cap)."""
    tree, held = state.tree, state.unlinked()
    return any(tree.is_leaf(node) and not tree.terminal[node] for node in range(tree.size) if node not in held)


def mcts_record(
    ctx: SearchContext, state: SearchState, outcomes: Outcomes, settings: TreeSettings, grade: Grade
) -> TreeRecord:
    """The linked nodes (the root, every expanded leaf and its children) as a TreeRecord; the outcomes
    of a held rollout node count at its nearest linked ancestor."""
    held = state.unlinked()
    kept = [node for node in range(state.tree.size) if node not in held]
    new_id = {node: index for index, node in enumerate(kept)}
    growth = Growth()
    for node in kept[1:]:
        final = node in state.final
        answer = outcomes.final_answer(ctx, state, node) if final else None
        correct = bool(grade(answer, ctx.problem.answer)) if final else None
        growth.append(new_id[int(state.tree.parent[node])], state.tree.texts[node], state.paths[node], final,
                      answer, correct, [0, 0])
    for node, (correct, total) in outcomes.at.items():
        while node in held:
            node = int(state.tree.parent[node])
        growth.rollouts[new_id[node]][0] += correct
        growth.rollouts[new_id[node]][1] += total
    return growth.to_tree(ctx.problem, settings, ctx.config.seed)


GROWERS = {"bfs": bfs_tree, "mcts": mcts_tree}


def tree_context(problem: Problem, prompts: Any, settings: TreeSettings, seed: int) -> SearchContext:
    config = SearchConfig(
        strategy=f"trees-{settings.mode}", n=settings.k, temperature=settings.temperature, top_p=settings.top_p,
        max_step_tokens=settings.max_step_tokens, max_steps=ROLLOUT_STEPS, seed=seed,
    )
    return SearchContext(problem, prompts, config)


def tree_task(
    ctx: SearchContext, settings: TreeSettings, grade: Grade, on_tree: Callable[[TreeRecord], None]
) -> Generator[Generate, Any, Solution]:
    """One problem's tree, handed to ``on_tree``; returns a Solution carrying the cost."""
    on_tree((yield from GROWERS[settings.mode](ctx, settings, grade)))
    return ctx.solution(None)


def generate_trees(
    problems: list[Problem],
    policy: Any,
    settings: TreeSettings,
    grade: Grade,
    on_tree: Callable[[TreeRecord], None],
    seed: int = 0,
    scheduler: Scheduler | None = None,
) -> list[Solution]:
    """Grow a tree per problem, all problems batched together; Solutions carry cost and errors."""
    scheduler = scheduler or Scheduler(policy, seed=seed)

    def make(problem: Problem):
        return tree_task(tree_context(problem, policy.prompts, settings, seed), settings, grade, on_tree)

    return scheduler.run(problems, f"trees-{settings.mode}", make)


class GrowthReport(BaseModel):
    """What one ``hrmsearch trees`` run did."""

    written: int = 0
    skipped: int = 0
    failed: int = 0
    nodes: int = 0
    generated_tokens: int = 0
    policy_calls: int = 0
    seconds: float = 0.0
    first_error: str | None = None


def grow_into(
    store: JsonlStore,
    problems: list[Problem],
    policy: Any,
    settings: TreeSettings,
    grade: Grade,
    seed: int = 0,
    batch_problems: int = 16,
    progress: bool = False,
) -> GrowthReport:
    """Grow the trees ``store`` lacks, ``batch_problems`` problems per scheduler run, flushing each."""
    started = time.perf_counter()
    done = store.finished_ids()
    todo = [problem for problem in problems if problem.id not in done]
    report = GrowthReport(skipped=len(problems) - len(todo))
    scheduler = Scheduler(policy, seed=seed)
    bar = tqdm(total=len(todo), desc=f"trees ({settings.mode})", disable=not progress)

    def keep(tree: TreeRecord) -> None:
        store.append(tree)
        report.written += 1
        report.nodes += len(tree.nodes)
        bar.update(1)

    for start in range(0, len(todo), batch_problems):
        for solution in generate_trees(todo[start : start + batch_problems], policy, settings, grade, keep, seed, scheduler):
            report.generated_tokens += solution.cost.generated_tokens
            if solution.error:
                report.failed += 1
                report.first_error = report.first_error or f"{solution.problem_id}: {solution.error}"
    bar.close()
    report.policy_calls = scheduler.policy_calls
    report.seconds = round(time.perf_counter() - started, 3)
    return report
