"""Training-tree records (pydantic v2): one ``TreeRecord`` JSON line per problem, its nodes in id order.

Invariants checked on load: node ``i`` sits at position ``i``; node 0 is the root
(no parent, empty step); every other node's parent has a smaller id. Children of
a node are ordered by id. ``rollouts`` are the outcomes observed *at* a node (a
graded leaf: ``(1, 1)`` or ``(0, 1)``; in mcts, the Monte-Carlo rollouts that ended
there or below it in rollout steps the tree did not keep); ``counts`` sum them over the subtree and ``label = correct / total``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hrmsearch.records import Record

Counts = tuple[int, int]


class TreeNode(Record):
    """One reasoning step; the root (id 0) holds no step."""

    id: int = Field(ge=0)
    parent: int | None = None
    step: str = ""
    depth: int = Field(0, ge=0)
    label: float | None = None
    counts: Counts = (0, 0)
    rollouts: Counts = (0, 0)
    terminal: bool = False
    answer: str | None = None
    correct: bool | None = None
    merged_from: list[int] | None = None


class TreeSettings(Record):
    """How a tree was generated (kept with it so that it can be reproduced)."""

    mode: Literal["bfs", "mcts"] = "bfs"
    k: int = Field(5, ge=1)
    depth: int = Field(5, ge=1)
    temperature: float = Field(1.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_step_tokens: int = Field(96, ge=1)
    rollouts: int = Field(4, ge=1, description="mcts: Monte-Carlo rollouts through every child, at least")
    rollout_tokens: int = Field(256, ge=1, description="mcts: token budget of one rollout (fits a 512 context)")
    simulations: int = Field(20, ge=1, description="mcts: expanded leaves per tree")
    leaves_per_round: int = Field(4, ge=1, description="mcts: leaves expanded together (under virtual loss)")
    c_puct: float = Field(1.0, ge=0.0)
    policy: str = "default"


class HncInfo(Record):
    """Marks a tree rewritten by HNC, with the rule's parameters."""

    seed: int
    min_children: int
    move_prob: float
    moved: int


class TreeRecord(Record):
    problem_id: str
    question: str
    answer: str | None = None
    settings: TreeSettings = Field(default_factory=TreeSettings)
    seed: int = 0
    nodes: list[TreeNode]
    hnc: HncInfo | None = None

    @model_validator(mode="after")
    def _check_structure(self) -> TreeRecord:
        if not self.nodes or self.nodes[0].parent is not None:
            raise ValueError("nodes: node 0 must be the root (parent null)")
        for position, node in enumerate(self.nodes):
            if node.id != position:
                raise ValueError(f"nodes.{position}.id: expected {position}, got {node.id}")
            if position and (node.parent is None or not 0 <= node.parent < position):
                raise ValueError(f"nodes.{position}.parent: must be an earlier node id, got {node.parent}")
        return self

    def children(self) -> list[list[int]]:
        """Children ids per node, in id order."""
        kids: list[list[int]] = [[] for _ in self.nodes]
        for node in self.nodes[1:]:
            kids[node.parent].append(node.id)
        return kids

    def leaves(self) -> list[TreeNode]:
        kids = self.children()
        return [node for node in self.nodes[1:] if not kids[node.id]]
