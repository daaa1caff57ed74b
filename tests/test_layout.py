"""The layout's rules, checked over the source tree with ``ast``: imports point one way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"engine": "engine", "search": "search", "scoring": "scoring", "tasks": "tasks",
           "training": "training", "benchmarks": "benchmarks"}
CORE = {"records", "config", "errors", "answers", "jsonl", "assets", "torch_utils", "logs", "threads"}
FORBIDDEN = {
    "engine": {"search", "scoring", "tasks", "training", "benchmarks", "front"},
    "scoring": {"search", "tasks", "training", "benchmarks", "front"},
    "search": {"tasks", "training", "benchmarks", "front"},
    "tasks": {"engine", "search", "scoring", "training", "benchmarks", "front"},
    "training": {"benchmarks", "front"},
    "benchmarks": set(),
    "core": {"engine", "search", "scoring", "tasks", "training", "benchmarks", "front"},
}


def room_of_module(module: str) -> str | None:
    """Which room an ``hrmsearch...`` module name belongs to."""
    parts = module.split(".")
    if parts[0] != "hrmsearch" or len(parts) == 1:
        return None
    if parts[1] in FOLDERS:
        return parts[1]
    return "core" if parts[1] in CORE else "front"


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):  # function-level (lazy) imports count too
        if isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [name for name in names if name.startswith("hrmsearch")]


def source_files():
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield folder, path
    for path in sorted((ROOT / "hrmsearch").glob("*.py")):
        if path.stem in CORE:
            yield "core", path


def test_imports_point_one_way():
    broken = []
    for room, path in source_files():
        for module in imported_modules(path):
            target = room_of_module(module)
            if target in FORBIDDEN[room] and not (module == "hrmsearch" or module.endswith(".__init__")):
                broken.append(f"{path.relative_to(ROOT)} ({room}) imports {module} ({target})")
    assert not broken, "\n".join(broken)


def test_every_module_says_what_it_does():
    undocumented = [
        str(path.relative_to(ROOT)) for _, path in source_files()
        if path.read_text().strip() and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert not undocumented, undocumented
