"""The pure-Python object tree: the reference the numba tree (``hrmsearch.search.tree``) must match.

Every node is an object holding its children in a list; every operation is a
plain Python loop written in the same arithmetic order as the numba kernel, so
both agree exactly (same floats, same tie-break: the first child wins). The
tree benchmark times this against the kernels and the property tests compare
them on random trees.
"""

from __future__ import annotations

import math


class RefNode:
    __slots__ = (
        "id", "parent", "children", "depth", "visits", "value_sum", "prior",
        "reward", "terminal", "correct", "virtual_loss", "leaf_count", "correct_count",
    )  # fmt: skip

    def __init__(self, node_id: int, parent: RefNode | None, prior: float, reward: float, terminal: bool):
        self.id = node_id
        self.parent = parent
        self.children: list[RefNode] = []
        self.depth = 0 if parent is None else parent.depth + 1
        self.visits = 0
        self.value_sum = 0.0
        self.prior = prior
        self.reward = reward
        self.terminal = terminal
        self.correct = -1
        self.virtual_loss = 0
        self.leaf_count = 0
        self.correct_count = 0

    def ancestors(self):
        """This node, then its parent, ... up to the root."""
        node = self
        while node is not None:
            yield node
            node = node.parent


class RefTree:
    """Object tree with the numba tree's operations; ``nodes[i]`` is node id ``i``."""

    def __init__(self):
        self.nodes = [RefNode(0, None, 1.0, 0.0, False)]

    @property
    def root(self) -> RefNode:
        return self.nodes[0]

    def add_node(self, parent: int, prior: float = 1.0, reward: float = 0.0, terminal: bool = False) -> int:
        node = RefNode(len(self.nodes), self.nodes[parent], prior, reward, terminal)
        self.nodes[parent].children.append(node)
        self.nodes.append(node)
        return node.id

    @staticmethod
    def child_score(child: RefNode, scale: float, c: float, mode: str, vl_value: float, fpu: float) -> float:
        pending = child.virtual_loss
        n = child.visits + pending
        if mode == "uct":
            if n == 0:
                return math.inf
            q = (child.value_sum - pending * vl_value) / n
            return q + c * math.sqrt(scale / n)
        q = fpu if n == 0 else (child.value_sum - pending * vl_value) / n
        return q + c * child.prior * scale / (1 + n)

    def descend(self, c: float, mode: str, vl_value: float, fpu: float) -> RefNode:
        node = self.root
        while node.children:
            parent_visits = node.visits + node.virtual_loss
            scale = math.log(max(parent_visits, 1)) if mode == "uct" else math.sqrt(parent_visits)
            best, best_score = None, -math.inf
            for child in node.children:
                score = self.child_score(child, scale, c, mode, vl_value, fpu)
                if best is None or score > best_score:
                    best, best_score = child, score
            node = best
        return node

    def select_leaves(
        self,
        count: int,
        c: float = 1.0,
        mode: str = "puct",
        virtual_loss: float = 1.0,
        fpu: float = 0.0,
        tries: int | None = None,
    ) -> list[int]:
        leaves: list[int] = []
        for _ in range(4 * count if tries is None else tries):
            if len(leaves) == count:
                break
            leaf = self.descend(c, mode, virtual_loss, fpu)
            if leaf.virtual_loss == 0:
                leaves.append(leaf.id)
            for node in leaf.ancestors():
                node.virtual_loss += 1
        return leaves

    def release(self, leaves: list[int]) -> None:
        for leaf in leaves:
            amount = self.nodes[leaf].virtual_loss
            for node in self.nodes[leaf].ancestors():
                node.virtual_loss -= amount

    def backup(self, node_id: int, value: float) -> None:
        for node in self.nodes[node_id].ancestors():
            node.visits += 1
            node.value_sum += value

    def path(self, node_id: int) -> list[int]:
        return [node.id for node in self.nodes[node_id].ancestors()][::-1]

    def update_leaf_stats(self) -> None:
        """Post-order walk (explicit stack) filling every node's terminal-leaf count and correct count."""
        stack = [(self.root, False)]
        while stack:
            node, children_done = stack.pop()
            if not children_done:
                stack.append((node, True))
                stack.extend((child, False) for child in node.children)
                continue
            is_leaf = node.terminal and not node.children
            node.leaf_count = int(is_leaf) + sum(child.leaf_count for child in node.children)
            own_correct = int(is_leaf and node.correct == 1)
            node.correct_count = own_correct + sum(child.correct_count for child in node.children)

    @staticmethod
    def child_key(child: RefNode, by: str) -> float:
        if by == "visits":
            return float(child.visits)
        return child.value_sum / child.visits if child.visits > 0 else -math.inf

    def best_child(self, node_id: int, by: str = "visits") -> int:
        children = self.nodes[node_id].children
        if not children:
            return -1
        best = children[0]
        for child in children[1:]:
            if self.child_key(child, by) > self.child_key(best, by):
                best = child
        return best.id

    def best_path(self, by: str = "visits") -> list[int]:
        path = [0]
        while (child := self.best_child(path[-1], by)) != -1:
            path.append(child)
        return path
