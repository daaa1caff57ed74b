"""The task registry: what a dataset name means (loader, default grader, shared data file, Hub source).

``load_task("math500")`` reads ``math500.jsonl`` from the data folder and says which grader
its answers need; ``arith[:split]`` is generated; any other name must be a JSONL file, read
with the loader its first record's keys call for. Every command that reads problems
(``bench``, ``trees``, ``outcomes``, ``paper-mini``, ``eval-policy``) resolves names here.

The data folder is, in order: the ``data_dir`` argument (a command's ``--data-dir``), the
``HRMSEARCH_DATA_DIR`` environment variable, then ``../shared/data`` beside a source checkout
or the working directory (the development default).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from hrmsearch.errors import HrmError
from hrmsearch.records import Problem
from hrmsearch.tasks.datasets import (
    load_arith,
    load_gsm8k,
    load_hub,
    load_math500,
    load_prm800k,
    sniff_format,
)

DATA_DIR_VARIABLE = "HRMSEARCH_DATA_DIR"


@dataclass(frozen=True)
class TaskSpec:
    """One named task: how its problems are read and how its answers are graded."""

    name: str
    grader: str
    read_file: Callable[[str | Path], Iterator[Problem]] | None = None
    shared_file: str | None = None
    hub: tuple[str, str | None, str] | None = None
    """(repo, config, split) of a Hugging Face hub copy, read when no file is given (Python API)."""
    generate: Callable[[str], Iterator[Problem]] | None = None
    """Generated tasks (``arith``): split name -> problems."""


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("math500", "prm800k", load_math500, "math500.jsonl", ("HuggingFaceH4/MATH-500", None, "test")),
        TaskSpec("gsm8k", "numeric", load_gsm8k, "gsm8k_test.jsonl", ("openai/gsm8k", "main", "test")),
        TaskSpec("gsm8k_train", "numeric", load_gsm8k, "gsm8k_train.jsonl"),
        TaskSpec("prm800k", "prm800k", load_prm800k, "prm800k_sample.jsonl"),
        TaskSpec("arith", "numeric", generate=load_arith),
    )
}
FILE_FORMATS = {"math500": "math500", "gsm8k": "gsm8k", "prm800k": "prm800k"}
"""sniff_format's answer -> the task whose loader and grader a bare JSONL file uses."""


def data_folders(data_dir: str | Path | None = None) -> list[Path]:
    """Where shared data files are looked for, first match wins."""
    if data_dir is not None:
        return [Path(data_dir)]
    if os.environ.get(DATA_DIR_VARIABLE):
        return [Path(os.environ[DATA_DIR_VARIABLE])]
    checkout = Path(__file__).resolve().parents[1]
    folders = [checkout.parent / "shared" / "data"] if (checkout / "pyproject.toml").is_file() else []
    return folders + [Path.cwd().parent / "shared" / "data", Path.cwd() / "shared" / "data"]


def shared_data_path(name: str, data_dir: str | Path | None = None) -> Path:
    """The data file of task ``name`` (or a file name) in the data folder."""
    spec = TASKS.get(name)
    file_name = spec.shared_file if spec and spec.shared_file else name
    folders = data_folders(data_dir)
    for folder in folders:
        if (folder / file_name).is_file():
            return folder / file_name
    raise HrmError(
        f"data file {file_name!r} not found in {', '.join(map(str, folders))}; "
        f"pass --data-dir DIR or set {DATA_DIR_VARIABLE}"
    )


def task_of(dataset: str) -> TaskSpec:
    """The task a dataset name or JSONL path belongs to."""
    name = dataset.lower().partition(":")[0]
    if name in TASKS:
        return TASKS[name]
    path = Path(dataset)
    if path.suffix == ".jsonl" or path.is_file():
        return TASKS[FILE_FORMATS[sniff_format(path)]]
    named = ", ".join(n for n in TASKS if n != "gsm8k_train")
    raise HrmError(f"unknown dataset {dataset!r}; expected one of {named}, arith[:split] or a .jsonl path")


def _problems(dataset: str, path: str | Path | None, default_split: str) -> Iterable[Problem]:
    spec = task_of(dataset)
    if spec.generate is not None:
        return spec.generate(dataset.partition(":")[2].lower() or default_split)
    if dataset.lower() not in TASKS:
        return spec.read_file(Path(dataset))
    if path is not None:
        return spec.read_file(path)
    if spec.hub is None:
        raise HrmError(f"dataset {dataset!r} needs its data file (no hub copy)")
    return load_hub(spec.name, spec.hub)


def load_dataset(
    dataset: str, path: str | Path | None = None, limit: int | None = None, default_split: str = "test"
) -> list[Problem]:
    """Problems of a dataset by name (``math500`` + ``path``, ``arith``, ``arith:dev``) or by file.

    A named dataset without ``path`` is read from the Hugging Face hub copy (needs the
    ``datasets`` package and internet). ``limit`` keeps the first N problems (reading stops there).
    """
    if limit is not None and limit < 0:
        raise HrmError(f"limit must be >= 0, got {limit}")
    return list(islice(_problems(dataset, path, default_split), limit))


def load_task(
    dataset: str,
    data: str | Path | None = None,
    limit: int | None = None,
    default_split: str = "test",
    data_dir: str | Path | None = None,
) -> tuple[list[Problem], str]:
    """A command's problems and their default grader; a named file task reads the data folder."""
    spec = task_of(dataset)
    if data is None and dataset.lower() in TASKS and spec.read_file is not None:
        data = shared_data_path(spec.name, data_dir)
    problems = load_dataset(dataset, data, limit, default_split)
    if not problems:
        where = f" ({data})" if data is not None else ""
        raise HrmError(f"dataset {dataset!r}{where} gave no problems")
    if len({p.id for p in problems}) != len(problems):
        raise HrmError(f"dataset {dataset!r} has duplicate problem ids; records are keyed by id")
    return problems, spec.grader
