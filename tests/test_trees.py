"""Training trees: labels, bfs / mcts generation on the scheduler, the resumable store."""

from __future__ import annotations

import json
import random
import warnings

import pytest
from fakes import ScriptedPolicy
from trees_helpers import brute_force_label, build_tree

from hrmsearch.errors import HrmError
from hrmsearch.jsonl import JsonlStore, read_records
from hrmsearch.records import Problem
from hrmsearch.training.generate import generate_trees, grow_into
from hrmsearch.training.tree_records import TreeRecord, TreeSettings


def exact_grade(answer, gold):
    return answer == gold


def test_labels_equal_subtree_correct_leaf_fractions():
    #        0
    #      1    2
    #   3 4 5 6   7
    #  8 9
    tree = build_tree([None, 0, 0, 1, 1, 1, 1, 2, 3, 3], correct_leaves={4, 7, 8})
    labels = {n.id: n.label for n in tree.nodes}
    assert labels[3] == 0.5 and tree.nodes[3].counts == (1, 2)
    assert labels[1] == 2 / 5 and tree.nodes[1].counts == (2, 5)
    assert labels[2] == 1.0 and labels[0] == 3 / 6
    assert labels[9] == 0.0 and labels[8] == 1.0


def test_labels_match_brute_force_on_random_trees():
    rng = random.Random(3)
    for _ in range(20):
        parents = [None] + [rng.randrange(i) for i in range(1, 60)]
        leaves = set(range(60)) - set(parents)
        tree = build_tree(parents, {leaf for leaf in leaves if rng.random() < 0.4})
        for node in tree.nodes:
            assert node.label == pytest.approx(brute_force_label(tree, node.id))


def scripted_steps(question, steps, index):
    """k-ary script: step text names depth and branch; ``0.1 -> child 0`` answers early."""
    if steps == ["0.1"] and index == 0:
        return "The answer is \\boxed{1}."
    if len(steps) == 2:
        return f"The answer is \\boxed{{{index}}}."
    return f"{len(steps)}.{index}"


def problems(count):
    return [Problem(id=f"p{i}", question=f"q {i}", answer="1") for i in range(count)]


def grow(problem_list, settings, policy):
    trees = []
    solutions = generate_trees(problem_list, policy, settings, exact_grade, trees.append)
    assert all(s.error is None for s in solutions)
    return sorted(trees, key=lambda t: t.problem_id), solutions


def test_bfs_builds_the_exact_tree_with_one_policy_call_per_level_for_all_problems():
    policy = ScriptedPolicy(scripted_steps)
    trees, solutions = grow(problems(3), TreeSettings(k=2, depth=5), policy)
    assert [len(prompts) for prompts, _ in policy.calls] == [3, 6, 9]  # levels 1-3, all problems together
    assert all(params.n == 2 for _, params in policy.calls)
    tree = trees[0]
    shape = [(n.parent, n.step, n.depth, n.terminal, n.answer) for n in tree.nodes]
    box = "The answer is \\boxed{%s}."
    assert shape == [
        (None, "", 0, False, None),
        (0, "0.0", 1, False, None), (0, "0.1", 1, False, None),
        (1, "1.0", 2, False, None), (1, "1.1", 2, False, None),
        (2, box % 1, 2, True, "1"), (2, "1.1", 2, False, None),
        (3, box % 0, 3, True, "0"), (3, box % 1, 3, True, "1"),
        (4, box % 0, 3, True, "0"), (4, box % 1, 3, True, "1"),
        (6, box % 0, 3, True, "0"), (6, box % 1, 3, True, "1"),
    ]
    labels = [n.counts for n in tree.nodes]
    assert labels[0] == (4, 7) and labels[1] == (2, 4) and labels[2] == (2, 3) and labels[5] == (1, 1)
    assert [n.correct for n in tree.nodes if n.terminal] == [True, False, True, False, True, False, True]
    assert solutions[0].cost.policy_calls == 3


def test_bfs_depth_cap_leaves_count_as_wrong():
    trees, _ = grow(problems(1), TreeSettings(k=2, depth=2), ScriptedPolicy(scripted_steps))
    (tree,) = trees
    capped = [n for n in tree.nodes if n.depth == 2 and not n.terminal]
    assert len(capped) == 3 and all(n.rollouts == (0, 1) and n.label == 0.0 for n in capped)
    assert tree.nodes[0].counts == (1, 4)


def test_mcts_tree_labels_are_rollout_fractions_and_problems_batch():
    policy = ScriptedPolicy(scripted_steps)
    settings = TreeSettings(mode="mcts", k=2, depth=3, rollouts=3, simulations=3)
    trees, _ = grow(problems(2), settings, policy)
    assert len(policy.calls) <= 2 * settings.simulations  # expansion + rollouts per simulation, both problems
    assert all(len(prompts) >= 2 for prompts, _ in policy.calls)
    for tree in trees:
        kids = tree.children()
        for node in tree.nodes:
            below = [node.id]
            for n in below:
                below.extend(kids[n])
            correct = sum(tree.nodes[n].rollouts[0] for n in below)
            total = sum(tree.nodes[n].rollouts[1] for n in below)
            assert node.counts == (correct, total)
        assert len(tree.nodes) > 1 + settings.k  # it expanded beyond the root


def test_mcts_tree_hand_checked_two_rounds_branch_from_inside_rollouts():
    # Round 1 expands the root into "0.0" (1) and "0.1" (2) and rolls out 2 solutions after each
    # (rollout i of the script always continues the same way): after "0.0", "1.0 / boxed{0}" (wrong)
    # and "1.1 / boxed{1}"; after "0.1", "boxed{1}" and "1.1 / boxed{1}". Values backed up:
    # 4p(1-p) = 1 for node 1 (p = 1/2), 0 for node 2.
    # Round 2 selects two leaves under virtual loss: node 1 (PUCT 1 + 0.5 sqrt(2) / 2), then node 2
    # (node 1's pending loss leaves it 0.5 sqrt(3) / 3 against 0.5 sqrt(3) / 2). Their samples are
    # the rollouts' first steps, so expanding them links the held rollout nodes and adds no new
    # step; the linked open steps have 1 rollout through them (< 2), so 2 more are rolled out after each.
    policy = ScriptedPolicy(scripted_steps)
    settings = TreeSettings(mode="mcts", k=2, depth=3, rollouts=2, simulations=3, leaves_per_round=2)
    trees, _ = grow(problems(2), settings, policy)
    box = "The answer is \\boxed{1}."
    shape = [(n.parent, n.step, n.depth, n.counts, n.rollouts, n.terminal, n.answer, n.correct) for n in trees[0].nodes]
    assert shape == [
        (None, "", 0, (6, 10), (0, 0), False, None, None),
        (0, "0.0", 1, (3, 6), (0, 0), False, None, None),
        (0, "0.1", 1, (3, 4), (0, 0), False, None, None),
        (1, "1.0", 2, (1, 3), (1, 3), False, None, None),  # boxed{0} twice, boxed{1} once, held below it
        (1, "1.1", 2, (2, 3), (2, 3), False, None, None),
        (2, box, 2, (1, 1), (1, 1), True, "1", True),  # a rollout's final step, linked: no more rollouts
        (2, "1.1", 2, (2, 3), (2, 3), False, None, None),
    ]
    assert [n.label for n in trees[0].nodes][:3] == [0.6, 0.5, 0.75]
    assert trees[1].nodes == trees[0].nodes  # the same script for both problems
    # round 1: expansion, rollouts; round 2: both leaves in one expansion, then the top-up rollouts;
    # both problems in every call
    assert [(len(prompts), params.n, bool(params.stop)) for prompts, params in policy.calls] == [
        (2, 2, True), (4, 2, False), (4, 2, True), (6, 2, False),
    ]


def test_mcts_tree_one_leaf_per_round_goes_deeper_on_the_uncertain_branch():
    # With one leaf per round, round 2 expands node 1 alone (linking its rollout steps "1.0" and
    # "1.1", topped up to p = 1/3 and 2/3: value 8/9 each). Round 3 descends into node 1 again
    # (q 25/27 + 0.5 * 2 / 4 against node 2's 0 + 0.5 * 2 / 2) and to its first child "1.0" (a tie),
    # whose samples are its held rollout steps boxed{0} and boxed{1}, both final: no rollout call.
    policy = ScriptedPolicy(scripted_steps)
    settings = TreeSettings(mode="mcts", k=2, depth=3, rollouts=2, simulations=3, leaves_per_round=1)
    trees, _ = grow(problems(1), settings, policy)
    box = "The answer is \\boxed{%s}."
    shape = [(n.parent, n.step, n.depth, n.counts, n.rollouts, n.terminal) for n in trees[0].nodes]
    assert shape == [
        (None, "", 0, (5, 8), (0, 0), False),
        (0, "0.0", 1, (3, 6), (0, 0), False),
        (0, "0.1", 1, (2, 2), (2, 2), False),  # its rollouts' steps were never expanded: held, counted here
        (1, "1.0", 2, (1, 3), (0, 0), False),
        (3, box % 0, 3, (0, 2), (0, 2), True),
        (1, "1.1", 2, (2, 3), (2, 3), False),
        (3, box % 1, 3, (1, 1), (1, 1), True),
    ]
    assert [(len(prompts), bool(params.stop)) for prompts, params in policy.calls] == [
        (1, True), (2, False), (1, True), (2, False), (1, True),
    ]


def test_mcts_tree_stops_when_every_leaf_is_at_the_depth_cap():
    policy = ScriptedPolicy(scripted_steps)
    settings = TreeSettings(mode="mcts", k=2, depth=2, rollouts=2, simulations=50, leaves_per_round=2)
    trees, _ = grow(problems(1), settings, policy)
    # the root, its two children, and their linked rollout steps at depth 2 (rolled out, never expanded)
    assert max(n.depth for n in trees[0].nodes) == 2 and len(trees[0].nodes) == 7
    assert len(policy.calls) == 4 and trees[0].nodes[0].counts == (6, 10)


def branching_steps(question, steps, index):
    """k = 3 samples, one rollout (sample 0): equal samples, final samples and a step only sampling finds."""
    box = "The answer is \\boxed{%s}."
    if not steps:
        return ["a", "a", box % 1][index]
    if steps == ["a"]:
        return ["b", "c", box % 2][index]
    return box % 1


def test_mcts_tree_merges_equal_samples_grades_final_ones_and_stops_when_all_is_closed(monkeypatch):
    # Round 1: the root's samples a, a, boxed{1} give two children (a; boxed{1}, final and right);
    # one rollout after "a" ("b", boxed{1}) is held below it. Round 2 selects "a" and, under its
    # virtual loss, the closed boxed{1} (prior 0, q 0 against a's (0 - 1) / 2 + 0.5 sqrt(3) / 3).
    # Expanding "a" at depth 1 of 2 links "b" (already rolled out once) and adds "c" and boxed{2}
    # (final, wrong), all at the depth cap; only "c" needs its rollout. Round 3 finds every leaf
    # closed and stops: three selections in all, though simulations = 3 allow more.
    from hrmsearch.search.tree import Tree

    selections = []
    select = Tree.select_leaves
    monkeypatch.setattr(Tree, "select_leaves", lambda self, *a, **kw: selections.append(1) or select(self, *a, **kw))
    policy = ScriptedPolicy(branching_steps)
    settings = TreeSettings(mode="mcts", k=3, depth=2, rollouts=1, simulations=3, leaves_per_round=2)
    trees, _ = grow(problems(1), settings, policy)
    box = "The answer is \\boxed{%s}."
    shape = [(n.parent, n.step, n.depth, n.counts, n.terminal, n.answer, n.correct) for n in trees[0].nodes]
    assert shape == [
        (None, "", 0, (3, 4), False, None, None),
        (0, "a", 1, (2, 3), False, None, None),
        (0, box % 1, 1, (1, 1), True, "1", True),
        (1, "b", 2, (1, 1), False, None, None),
        (1, "c", 2, (1, 1), False, None, None),
        (1, box % 2, 2, (0, 1), True, "2", False),
    ]
    assert [(len(prompts), params.n, bool(params.stop)) for prompts, params in policy.calls] == [
        (1, 3, True), (1, 1, False), (1, 3, True), (1, 1, False),
    ]
    assert len(selections) == 3


def test_mcts_tree_whose_root_samples_only_empty_steps_ends_answerless():
    policy = ScriptedPolicy(lambda question, steps, index: "" if not steps else "1")
    trees, _ = grow(problems(1), TreeSettings(mode="mcts", k=2, rollouts=2, simulations=4), policy)
    (root,) = trees[0].nodes
    assert root.counts == (0, 1) and root.label == 0.0  # one wrong outcome, no number read as an answer
    assert len(policy.calls) == 1


def test_resume_after_kill_loses_no_finished_tree_and_redoes_none(tmp_path):
    out = tmp_path / "trees.jsonl"
    store = JsonlStore(out, TreeRecord)
    settings = TreeSettings(k=2, depth=3)
    grow_into(store, problems(3), ScriptedPolicy(scripted_steps), settings, exact_grade, batch_problems=1)
    lines = out.read_bytes().splitlines(keepends=True)
    assert len(lines) == 3
    out.write_bytes(lines[0] + lines[1] + lines[2][: len(lines[2]) // 2])  # killed mid-write of tree 3
    policy = ScriptedPolicy(scripted_steps)
    with pytest.warns(UserWarning, match=r"trees.jsonl:3: incomplete last record"):
        report = grow_into(store, problems(3), policy, settings, exact_grade)
    assert report.skipped == 2 and report.written == 1
    assert all(prompt.startswith("Question: q 2") for prompts, _ in policy.calls for prompt in prompts)
    assert out.read_bytes() == lines[0] + lines[1] + lines[2]
    assert [t.problem_id for t in read_records(out, TreeRecord)] == ["p0", "p1", "p2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert grow_into(store, problems(3), policy, settings, exact_grade).written == 0


def test_bad_record_in_the_middle_names_the_line(tmp_path):
    out = tmp_path / "trees.jsonl"
    good = build_tree([None, 0], {1}).model_dump_json()
    bad = build_tree([None, 0], {1}).model_dump(mode="json")
    bad["nodes"][1]["parent"] = 5

    out.write_text(good + "\n" + json.dumps(bad) + "\n" + good + "\n")
    with pytest.raises(HrmError, match=r"trees.jsonl:2: .*parent"):
        list(read_records(out, TreeRecord))
    with pytest.raises(HrmError, match=r"trees.jsonl:2"):
        JsonlStore(out, TreeRecord).finished_ids()
