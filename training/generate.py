"""Training-tree generation as strategy coroutines on the batching Scheduler.

``bfs`` (the paper's): every open node gets ``k`` children, level by level, to
``depth``; one ``Generate`` per level holds all of a problem's open nodes (the
Scheduler then merges all problems into one policy call per level). A step is
final when the model ends or states a boxed answer; its answer is graded against
the gold one. Leaves that never answered (depth cap, empty step) count as wrong.

``mcts``: ``simulations`` times, descend by PUCT to an unexpanded open node,
expand it into ``k`` children (one Generate) and run ``rollouts`` Monte-Carlo
completions from each new open child (one Generate), Math-Shepherd / OmegaPRM
style; the rollouts are requested and read with MCTS search's own code
(``hrmsearch.search.rollouts``: one fixed token budget, cut after the first
boxed answer). The value backed up is the label uncertainty ``4 p (1 - p)`` of each new
child, so the budget goes where labels are uncertain.

Labels (see ``labels.py``) are then the correct fraction of the outcomes in a
node's subtree. Finished trees are handed to ``on_tree`` (e.g. a store append)
as soon as their problem completes.
"""

from __future__ import annotations

import math
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
from hrmsearch.search.requests import Generate
from hrmsearch.search.rollouts import rollout_request, split_continuation
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.training.labels import fraction, subtree_counts
from hrmsearch.training.tree_records import TreeNode, TreeRecord, TreeSettings

Grade = Callable[[str | None, str | None], bool]
ROLLOUT_STEPS = 12  # max_steps of the search context (complete solutions)


@dataclass
class Growth:
    """A tree being grown: parallel per-node lists, parents before children."""

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
        """Append the child of ``parent`` that ``sample`` states; grade it when it is final."""
        text = sample.text.strip()
        node = len(self.parents)
        path = self.paths[parent] + [text] if text else list(self.paths[parent])
        final = not text or is_final(sample, text)
        answer = ctx.trajectory(path, finished=True).answer if final and text else None
        self.parents.append(parent)
        self.steps.append(text)
        self.paths.append(path)
        self.depths.append(self.depths[parent] + 1)
        self.terminal.append(final)
        self.answers.append(answer)
        self.correct.append(bool(grade(answer, ctx.problem.answer)) if final else None)
        self.rollouts.append([int(bool(self.correct[-1])), 1] if final else [0, 0])
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


Coroutine = Generator[Generate, Any, Growth]


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
    return growth


@dataclass
class Puct:
    """Visit counts and backed-up values for PUCT selection over a Growth."""

    c_puct: float
    max_depth: int
    visits: list[int] = field(default_factory=lambda: [0])
    values: list[float] = field(default_factory=lambda: [0.0])
    closed: list[bool] = field(default_factory=lambda: [False])

    def grow(self, growth: Growth) -> None:
        """Register nodes added to ``growth`` since the last call."""
        for node in range(len(self.visits), len(growth.parents)):
            self.visits.append(0)
            self.values.append(0.0)
            self.closed.append(growth.terminal[node] or growth.depths[node] >= self.max_depth)

    def select(self, growth: Growth) -> int | None:
        """The open unexpanded node PUCT leads to; None when the whole tree is closed."""
        node = 0
        while growth.kids[node]:
            open_kids = [kid for kid in growth.kids[node] if not self.closed[kid]]
            if not open_kids:
                return None
            scale = self.c_puct * math.sqrt(self.visits[node] + 1) / len(growth.kids[node])
            node = max(open_kids, key=lambda kid: self.q(kid) + scale / (1 + self.visits[kid]))
        return None if self.closed[node] else node

    def q(self, node: int) -> float:
        return self.values[node] / self.visits[node] if self.visits[node] else 0.0

    def backup(self, growth: Growth, node: int, value: float) -> None:
        while True:
            self.visits[node] += 1
            self.values[node] += value
            if node == 0:
                return
            node = growth.parents[node]

    def close_up(self, growth: Growth, node: int) -> None:
        """Close ``node`` and its ancestors once all their children are closed."""
        while growth.kids[node] and all(self.closed[kid] for kid in growth.kids[node]):
            self.closed[node] = True
            if node == 0:
                return
            node = growth.parents[node]


def rollout_answer(ctx: SearchContext, prefix: list[str], sample: StepSample) -> str | None:
    """The answer a rollout states, read as MCTS search reads it (``split_continuation``)."""
    continuation = split_continuation(ctx, sample)
    return ctx.trajectory(prefix + continuation.steps, continuation.finished).answer


def mcts_tree(ctx: SearchContext, settings: TreeSettings, grade: Grade) -> Coroutine:
    growth = Growth()
    puct = Puct(settings.c_puct, settings.depth)
    for _ in range(settings.simulations):
        leaf = puct.select(growth)
        if leaf is None:
            break
        (row,) = yield from ctx.next_steps([growth.paths[leaf]], n=settings.k)
        children = [growth.add(ctx, leaf, sample, grade) for sample in row]
        puct.grow(growth)
        unfinished = [child for child in children if not growth.terminal[child]]
        if unfinished:
            results = yield rollout_request(
                ctx, [growth.paths[c] for c in unfinished], settings.rollouts, settings.rollout_tokens
            )
            for child, samples in zip(unfinished, results, strict=True):
                graded = [grade(rollout_answer(ctx, growth.paths[child], s), ctx.problem.answer) for s in samples]
                growth.rollouts[child] = [sum(map(bool, graded)), len(graded)]
        for child in children:
            p = growth.rollouts[child][0] / max(1, growth.rollouts[child][1])
            puct.backup(growth, child, 4 * p * (1 - p))
        puct.close_up(growth, leaf)
    return growth


GROWERS = {"bfs": bfs_tree, "mcts": mcts_tree}


def tree_context(problem: Problem, prompts: Any, settings: TreeSettings, seed: int) -> SearchContext:
    config = SearchConfig(
        strategy=f"trees-{settings.mode}", n=settings.k, temperature=settings.temperature, top_p=settings.top_p,
        max_step_tokens=settings.max_step_tokens, max_steps=ROLLOUT_STEPS, seed=seed,
    )
    return SearchContext(problem, prompts, config)


def tree_task(
    ctx: SearchContext, settings: TreeSettings, grade: Grade, seed: int, on_tree: Callable[[TreeRecord], None]
) -> Generator[Generate, Any, Solution]:
    """One problem's tree, handed to ``on_tree``; returns a Solution carrying the cost."""
    growth = yield from GROWERS[settings.mode](ctx, settings, grade)
    on_tree(growth.to_tree(ctx.problem, settings, seed))
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
        return tree_task(tree_context(problem, policy.prompts, settings, seed), settings, grade, seed, on_tree)

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
