"""Reward windows: what a reward model judges.

A window is ``(question, previous steps, current text, kind)``. A ``fine`` window's
current text is one step with all earlier steps as context; a ``coarse`` window
merges steps i-1 and i (``"\\n\\n"``-joined) with the steps before i-1 as context.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

WindowKind = Literal["fine", "coarse", "outcome"]


class Window(BaseModel):
    """One unit of reward-model input; hashable, so it can key the score cache."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    previous: tuple[str, ...] = ()
    current: str
    kind: WindowKind = "fine"


def fine_window(question: str, steps: list[str] | tuple[str, ...], index: int) -> Window:
    """Step ``index`` judged alone, steps before it as context."""
    return Window(question=question, previous=tuple(steps[:index]), current=steps[index], kind="fine")


def coarse_window(
    question: str, steps: list[str] | tuple[str, ...], index: int, delimiter: str = "\n\n"
) -> Window | None:
    """Steps ``index-1`` and ``index`` merged; None for the first step (no pair exists)."""
    if index < 1:
        return None
    merged = steps[index - 1] + delimiter + steps[index]
    return Window(question=question, previous=tuple(steps[: index - 1]), current=merged, kind="coarse")


def outcome_window(question: str, steps: list[str] | tuple[str, ...], delimiter: str = "\n\n") -> Window:
    """The whole solution as one window (for outcome reward models)."""
    return Window(question=question, previous=(), current=delimiter.join(steps), kind="outcome")


def trajectory_windows(
    question: str, steps: list[str] | tuple[str, ...], kinds: tuple[str, ...] = ("fine", "coarse")
) -> list[Window]:
    """Every window a trajectory needs: fine for each step, coarse for each step >= 2."""
    windows: list[Window] = []
    for index in range(len(steps)):
        if "fine" in kinds:
            windows.append(fine_window(question, steps, index))
        if "coarse" in kinds and index >= 1:
            windows.append(coarse_window(question, steps, index))
    return windows
