"""The search tree: struct-of-arrays nodes and the numba kernels that walk them.

Node ``0`` is the root; a node's id is its row in every array, and nodes are
only appended, so a parent's id is always smaller than its children's. Children
form a linked list (``first_child`` / ``next_sibling``) in insertion order, which
is the tie-break order of every kernel: the first sibling wins a tie. Arrays
grow by doubling; step texts live in ``Tree.texts`` by node id.

Children appended as one sibling group (all children of a node in a row, as a
search expands a leaf) hold the consecutive ids ``first_child .. last_child``;
``n_children`` tells when that is so (``last_child - first_child + 1 ==
n_children``), and selection then scans the id range, which keeps every
sibling's statistics side by side in memory, instead of following
``next_sibling``. Any other insertion order still works through the list.

Statistics: ``visits`` / ``value_sum`` are backed-up evaluations; ``virtual_loss``
counts pending selections through a node (one round selects many distinct
leaves); ``leaf_count`` / ``correct_count`` hold the paper's node label, the
number of terminal leaves under a node and how many of them are correct.

The pure-Python object tree in ``hrmsearch.benchmarks.perf.tree_reference``
implements the same operations; tests check they agree exactly.
"""

from __future__ import annotations

import math

import numba
import numpy as np

NO_NODE = -1
PUCT = 0
UCT = 1
MODES = {"puct": PUCT, "uct": UCT}
TRIES_PER_LEAF = 4

NODE_ARRAYS: dict[str, tuple[type, int | float]] = {
    "parent": (np.int32, NO_NODE),
    "first_child": (np.int32, NO_NODE),
    "last_child": (np.int32, NO_NODE),
    "next_sibling": (np.int32, NO_NODE),
    "n_children": (np.int32, 0),
    "depth": (np.int32, 0),
    "visits": (np.int32, 0),
    "value_sum": (np.float64, 0.0),
    "prior": (np.float32, 1.0),
    "reward": (np.float32, 0.0),
    "terminal": (np.uint8, 0),
    "correct": (np.int8, -1),  # -1 unknown, 0 wrong, 1 right (terminal leaves)
    "virtual_loss": (np.int32, 0),
    "leaf_count": (np.int32, 0),
    "correct_count": (np.int32, 0),
}


def bytes_per_node() -> int:
    """Bytes of numeric arrays per node (step texts not counted)."""
    return sum(np.dtype(dtype).itemsize for dtype, _ in NODE_ARRAYS.values())


@numba.njit(cache=True, inline="always")
def _exploration_scale(parent_visits, mode):
    """The parent's factor of the exploration term: sqrt(N) for PUCT, ln(N) for UCT."""
    if mode == UCT:
        return math.log(max(parent_visits, 1))
    return math.sqrt(parent_visits)


@numba.njit(cache=True, inline="always")
def _child_score(child, scale, visits, value_sum, prior, virtual_loss, c, mode, vl_value, fpu):
    """PUCT or UCT score of ``child``, counting pending selections as losses."""
    pending = virtual_loss[child]
    n = visits[child] + pending
    if mode == UCT:
        if n == 0:
            return math.inf
        q = (value_sum[child] - pending * vl_value) / n
        return q + c * math.sqrt(scale / n)
    q = fpu if n == 0 else (value_sum[child] - pending * vl_value) / n
    return q + c * prior[child] * scale / (1 + n)


@numba.njit(cache=True)
def descend(
    first_child, last_child, next_sibling, n_children, visits, value_sum, prior, virtual_loss,
    root, c, mode, vl_value, fpu, loss=0,
):  # fmt: skip
    """The leaf reached from ``root`` by always taking the best-scored child.

    ``loss`` pending selections are added to every node left on the way down
    (``root`` included, the leaf not), after its children were scored: the
    default ``0`` changes nothing. The best child's first child and visit count
    are read when it takes the lead, so the next level starts without waiting
    for the last comparison (a branch the CPU predicts, rather than a chain of
    conditional moves).
    """
    node = root
    first = first_child[root]
    node_visits = visits[root] + virtual_loss[root]
    while first != NO_NODE:
        scale = _exploration_scale(node_visits, mode)
        best, best_first, best_visits = NO_NODE, NO_NODE, 0
        best_score = -math.inf
        count = n_children[node]
        if last_child[node] - first == count - 1:  # one sibling group: consecutive ids
            for child in range(first, first + count):
                score = _child_score(
                    child, scale, visits, value_sum, prior, virtual_loss, c, mode, vl_value, fpu
                )
                if best == NO_NODE or score > best_score:
                    best, best_score = child, score
                    best_first, best_visits = first_child[child], visits[child] + virtual_loss[child]
        else:
            child = first
            while child != NO_NODE:
                score = _child_score(
                    child, scale, visits, value_sum, prior, virtual_loss, c, mode, vl_value, fpu
                )
                if best == NO_NODE or score > best_score:
                    best, best_score = child, score
                    best_first, best_visits = first_child[child], visits[child] + virtual_loss[child]
                child = next_sibling[child]
        virtual_loss[node] += loss
        node, first, node_visits = best, best_first, best_visits
    return node


@numba.njit(cache=True)
def add_virtual_loss(parent, virtual_loss, node, amount):
    """Add ``amount`` pending selections to ``node`` and every ancestor."""
    while node != NO_NODE:
        virtual_loss[node] += amount
        node = parent[node]


@numba.njit(cache=True)
def select_leaves(
    parent,
    first_child,
    last_child,
    next_sibling,
    n_children,
    visits,
    value_sum,
    prior,
    virtual_loss,
    root,
    count,
    tries,
    c,
    mode,
    vl_value,
    fpu,
):
    """Up to ``count`` distinct leaves, each selected under the virtual loss of all earlier tries.

    Every try adds a virtual loss along its path (from the tree's root, so
    ancestors of ``root`` too); a try that reaches a leaf already selected adds
    to that leaf's losses and does not count, so at most ``tries`` descents are
    made. ``release_leaves`` removes every loss added.
    """
    leaves = np.empty(count, dtype=np.int32)
    selected = 0
    for _ in range(tries):
        if selected == count:
            break
        leaf = descend(
            first_child, last_child, next_sibling, n_children, visits, value_sum, prior, virtual_loss,
            root, c, mode, vl_value, fpu, 1,
        )  # fmt: skip
        if virtual_loss[leaf] == 0:
            leaves[selected] = leaf
            selected += 1
        virtual_loss[leaf] += 1
        add_virtual_loss(parent, virtual_loss, parent[root], 1)
    return leaves[:selected]


@numba.njit(cache=True)
def release_leaves(parent, virtual_loss, leaves):
    """Remove every virtual loss that selecting ``leaves`` added (repeated tries included)."""
    for leaf in leaves:
        add_virtual_loss(parent, virtual_loss, leaf, -virtual_loss[leaf])


@numba.njit(cache=True)
def backup(parent, visits, value_sum, node, value):
    """One evaluation of ``node`` worth ``value``, added to it and every ancestor."""
    while node != NO_NODE:
        visits[node] += 1
        value_sum[node] += value
        node = parent[node]


@numba.njit(cache=True)
def backup_many(parent, visits, value_sum, nodes, values):
    for index in range(nodes.shape[0]):
        backup(parent, visits, value_sum, nodes[index], values[index])


@numba.njit(cache=True)
def path_to_root(parent, depth, node):
    """Node ids from the root down to ``node``."""
    path = np.empty(depth[node] + 1, dtype=np.int32)
    for index in range(depth[node], -1, -1):
        path[index] = node
        node = parent[node]
    return path


@numba.njit(cache=True)
def leaf_stats(parent, first_child, terminal, correct, size, leaf_count, correct_count):
    """Fill every node's count of terminal leaves below it and how many are correct."""
    for node in range(size):
        is_leaf = terminal[node] != 0 and first_child[node] == NO_NODE
        leaf_count[node] = 1 if is_leaf else 0
        correct_count[node] = 1 if is_leaf and correct[node] == 1 else 0
    for node in range(size - 1, 0, -1):  # children come after their parent
        leaf_count[parent[node]] += leaf_count[node]
        correct_count[parent[node]] += correct_count[node]


@numba.njit(cache=True)
def _child_key(child, visits, value_sum, by_value):
    if not by_value:
        return float(visits[child])
    return value_sum[child] / visits[child] if visits[child] > 0 else -math.inf


@numba.njit(cache=True)
def best_child(first_child, next_sibling, visits, value_sum, node, by_value):
    """The child with the most visits (or best mean value); the first sibling on ties."""
    best = first_child[node]
    if best == NO_NODE:
        return NO_NODE
    best_key = _child_key(best, visits, value_sum, by_value)
    child = next_sibling[best]
    while child != NO_NODE:
        key = _child_key(child, visits, value_sum, by_value)
        if key > best_key:
            best, best_key = child, key
        child = next_sibling[child]
    return best


@numba.njit(cache=True)
def best_path(first_child, next_sibling, visits, value_sum, root, by_value):
    """Node ids from ``root`` following ``best_child`` down to a leaf."""
    path = [root]
    node = best_child(first_child, next_sibling, visits, value_sum, root, by_value)
    while node != NO_NODE:
        path.append(node)
        node = best_child(first_child, next_sibling, visits, value_sum, node, by_value)
    return np.array(path, dtype=np.int32)


class Tree:
    """A growable struct-of-arrays tree; methods wrap the numba kernels."""

    def __init__(self, capacity: int = 64, root_text: str = ""):
        self.size = 0
        self.texts: list[str] = []
        for name, (dtype, fill) in NODE_ARRAYS.items():
            setattr(self, name, np.full(max(capacity, 1), fill, dtype=dtype))
        self.add_node(NO_NODE, root_text)

    @property
    def capacity(self) -> int:
        return self.parent.shape[0]

    def _grow(self) -> None:
        for name, (dtype, fill) in NODE_ARRAYS.items():
            old = getattr(self, name)
            new = np.full(old.shape[0] * 2, fill, dtype=dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)

    def add_node(
        self,
        parent: int,
        text: str,
        prior: float = 1.0,
        reward: float = 0.0,
        terminal: bool = False,
        linked: bool = True,
    ) -> int:
        """Append a node as the last child of ``parent`` (``NO_NODE`` for the root); its id.

        An unlinked node (``linked=False``) has its parent and depth, so backups and paths
        go through it, but it is not in its parent's child list, so selection does not see
        it until ``link`` adds it (a rollout's steps wait so until their parent is expanded).
        """
        if self.size == self.capacity:
            self._grow()
        node = self.size
        self.size += 1
        self.texts.append(text)
        self.parent[node] = parent
        self.prior[node] = prior
        self.reward[node] = reward
        self.terminal[node] = terminal
        if parent != NO_NODE:
            self.depth[node] = self.depth[parent] + 1
            if linked:
                self.link(node)
        return node

    def link(self, node: int) -> None:
        """Add a node made with ``linked=False`` to the end of its parent's child list."""
        parent = int(self.parent[node])
        self.n_children[parent] += 1
        if self.first_child[parent] == NO_NODE:
            self.first_child[parent] = node
        else:
            self.next_sibling[self.last_child[parent]] = node
        self.last_child[parent] = node

    def children(self, node: int) -> list[int]:
        found, child = [], int(self.first_child[node])
        while child != NO_NODE:
            found.append(child)
            child = int(self.next_sibling[child])
        return found

    def is_leaf(self, node: int) -> bool:
        return self.first_child[node] == NO_NODE

    def mean_value(self, node: int) -> float:
        return float(self.value_sum[node] / self.visits[node]) if self.visits[node] else 0.0

    def select_leaves(
        self,
        count: int,
        c: float = 1.0,
        mode: str = "puct",
        virtual_loss: float = 1.0,
        fpu: float = 0.0,
        tries: int | None = None,
        root: int = 0,
    ) -> np.ndarray:
        """Up to ``count`` distinct leaves under virtual loss (at most ``tries``, default
        ``TRIES_PER_LEAF * count``, descents); ``release`` them after evaluation."""
        tries = TRIES_PER_LEAF * count if tries is None else tries
        return select_leaves(
            self.parent, self.first_child, self.last_child, self.next_sibling, self.n_children,
            self.visits, self.value_sum, self.prior, self.virtual_loss,
            root, count, tries, c, MODES[mode], virtual_loss, fpu,
        )  # fmt: skip

    def release(self, leaves: np.ndarray) -> None:
        release_leaves(self.parent, self.virtual_loss, np.asarray(leaves, dtype=np.int32))

    def backup(self, node: int, value: float) -> None:
        backup(self.parent, self.visits, self.value_sum, node, value)

    def backup_many(self, nodes, values) -> None:
        backup_many(
            self.parent, self.visits, self.value_sum,
            np.asarray(nodes, dtype=np.int32), np.asarray(values, dtype=np.float64),
        )  # fmt: skip

    def path(self, node: int) -> list[int]:
        return path_to_root(self.parent, self.depth, node).tolist()

    def steps(self, node: int) -> list[str]:
        """Step texts from the root's first child down to ``node``."""
        return [self.texts[i] for i in self.path(node)[1:]]

    def update_leaf_stats(self) -> None:
        leaf_stats(
            self.parent,
            self.first_child,
            self.terminal,
            self.correct,
            self.size,
            self.leaf_count,
            self.correct_count,
        )

    def best_child(self, node: int, by: str = "visits") -> int:
        return int(
            best_child(self.first_child, self.next_sibling, self.visits, self.value_sum, node, by == "value")
        )

    def best_path(self, by: str = "visits", root: int = 0) -> list[int]:
        return best_path(
            self.first_child, self.next_sibling, self.visits, self.value_sum, root, by == "value"
        ).tolist()
