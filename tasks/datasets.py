"""Dataset loaders: MATH500, GSM8K, PRM800K test problems and `arith`, as ``Problem`` records.

Each loader turns one data format into ``hrmsearch.records.Problem`` (the task registry,
``hrmsearch.tasks.registry``, says which loader, grader and shared file a task name means):

- ``math500``: JSONL with ``problem``, ``solution``, ``answer``, ``unique_id`` (openai/prm800k's
  ``math_splits/test.jsonl``);
- ``gsm8k``: JSONL with ``question`` and ``answer``; the gold answer is the ``#### N`` line,
  commas stripped;
- ``prm800k``: PRM800K label records; one problem per distinct ``question.problem`` whose
  ``question.ground_truth_answer`` is known;
- ``arith``: the project's synthetic generator (``hrmsearch.tasks.arith.split``).

Files come from the user; nothing is downloaded by default. ``load_hub`` reads the Hugging
Face hub copies when the optional ``datasets`` package is installed and online (note the
hub's MATH-500 strips the units from three answers). A malformed line (bad JSON, missing
field, empty question) raises ``HrmError`` naming ``file:line`` and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from hrmsearch.errors import HrmError, one_line
from hrmsearch.jsonl import read_jsonl
from hrmsearch.records import Problem
from hrmsearch.tasks import arith


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    return value


NonEmpty = Annotated[str, AfterValidator(_not_blank)]
_GSM8K_FINAL = re.compile(r"####\s*([-0-9.,]+)\s*$")


# ---------------------------------------------------------------- row schemas (what one line holds)


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Math500Row(_Row):
    problem: NonEmpty
    answer: NonEmpty
    solution: str | None = None
    unique_id: str | None = None
    subject: str | None = None
    level: int | None = None


class Gsm8kRow(_Row):
    question: NonEmpty
    answer: NonEmpty


class Prm800kQuestion(_Row):
    problem: NonEmpty
    ground_truth_answer: str | None = None
    ground_truth_solution: str | None = None


class Prm800kRow(_Row):
    question: Prm800kQuestion


# ---------------------------------------------------------------- reading JSONL with located errors


def _field_of(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "line"
    message = first["msg"].removeprefix("Value error, ")
    return f"field '{field}': {message}"


def read_rows(path: str | Path, schema: type[BaseModel]) -> Iterator[tuple[int, Any]]:
    """Validated rows of a JSONL file; a bad row or a file with no rows raises HrmError naming
    the file (and line and field)."""
    path = Path(path)
    for number, obj in read_jsonl(path, required=True):
        try:
            yield number, schema.model_validate(obj)
        except ValidationError as error:
            raise HrmError(f"{path}:{number}: {_field_of(error)}") from None


# ---------------------------------------------------------------- one converter per format


def gsm8k_gold(worked_answer: str) -> str | None:
    """The final ``#### N`` of a GSM8K answer, commas stripped; None when absent."""
    match = _GSM8K_FINAL.search(worked_answer.strip())
    return match.group(1).replace(",", "") if match else None


def math500_problem(row: Math500Row, index: int, source: str = "math500") -> Problem:
    problem_id = row.unique_id or f"{source}-{index}"
    return Problem(id=problem_id, question=row.problem, answer=row.answer, source=source, solution=row.solution)


def gsm8k_problem(row: Gsm8kRow, index: int, source: str = "gsm8k") -> Problem:
    gold = gsm8k_gold(row.answer)
    if gold is None:
        raise ValueError("field 'answer': no final '#### N' line")
    return Problem(id=f"{source}-{index}", question=row.question, answer=gold, source=source, solution=row.answer)


def _convert(path: Path, schema: type[_Row], make: Callable[[Any, int], Problem]) -> Iterator[Problem]:
    for index, (number, row) in enumerate(read_rows(path, schema)):
        try:
            yield make(row, index)
        except ValidationError as error:
            raise HrmError(f"{path}:{number}: {_field_of(error)}") from None
        except ValueError as error:
            raise HrmError(f"{path}:{number}: {one_line(str(error))}") from None


def load_math500(path: str | Path) -> Iterator[Problem]:
    return _convert(Path(path), Math500Row, math500_problem)


def load_gsm8k(path: str | Path) -> Iterator[Problem]:
    stem = Path(path).stem
    source = stem if stem.startswith("gsm8k") else "gsm8k"
    return _convert(Path(path), Gsm8kRow, lambda row, index: gsm8k_problem(row, index, source))


def load_prm800k(path: str | Path) -> Iterator[Problem]:
    """Distinct PRM800K problems with a known ground-truth answer, in file order."""
    seen: set[str] = set()
    for number, row in read_rows(path, Prm800kRow):
        question = row.question
        if question.ground_truth_answer is None or question.problem in seen:
            continue
        seen.add(question.problem)
        yield Problem(
            id=f"prm800k-{number}",
            question=question.problem,
            answer=question.ground_truth_answer,
            source="prm800k",
            solution=question.ground_truth_solution,
        )


def load_arith(split: str = "test", size: int | None = None) -> Iterator[Problem]:
    try:
        yield from arith.split(split, size)
    except ValueError as error:
        raise HrmError(str(error)) from None


# ---------------------------------------------------------------- the Hugging Face hub (optional)


def load_hub(name: str, source: tuple[str, str | None, str]) -> Iterator[Problem]:
    """MATH-500 or GSM8K test from the Hugging Face hub (``source`` = repo, config, split); needs
    ``datasets`` and internet."""
    try:
        import datasets as hf_datasets
    except ImportError:
        raise HrmError(
            f"dataset {name!r} needs a JSONL path (or `pip install 'hrmsearch[hub]'` for the hub copy)"
        ) from None
    repo, config, split = source
    try:
        table = hf_datasets.load_dataset(repo, config, split=split)
    except Exception as error:  # network, auth, missing repo: one line for the user
        raise HrmError(f"could not load {repo} from the Hugging Face hub: {error}") from None
    schema, make = (Math500Row, math500_problem) if name == "math500" else (Gsm8kRow, gsm8k_problem)
    for index, row in enumerate(table):
        try:
            yield make(schema.model_validate(row), index)
        except ValueError as error:
            raise HrmError(f"{repo} row {index}: {one_line(str(error))}") from None


# ---------------------------------------------------------------- which loader reads a file


def sniff_format(path: Path) -> str:
    """Which loader reads this JSONL file, from the keys of its first record."""
    number, record = next(read_jsonl(path, required=True))
    keys = set(record)
    if isinstance(record.get("question"), dict):
        return "prm800k"
    if {"problem", "answer"} <= keys:
        return "math500"
    if {"question", "answer"} <= keys:
        return "gsm8k"
    raise HrmError(f"{path}:{number}: unknown record format (keys: {', '.join(sorted(keys)) or 'none'})")
