"""Per-window reward samples grouped into labelled paths, for the dense step-tag trainer.

A sample's window names a path and one step of it, the same mapping the step-tag
scorer reads at inference (:func:`~hrmsearch.scoring.formats.steptag_scorer.window_path`):

- fine ``(question, previous, current)``: the path ``previous + [current]``, its last step;
- coarse: the path ``previous + [merged]`` (steps i-1 and i already joined by ``"\\n\\n"``),
  so the two steps sit under ONE tag, its last step;
- outcome: the whole solution split on ``"\\n\\n"``, its last step.

A path that is a prefix of another sampled path (same question) is carried by the
longer one (:func:`~hrmsearch.scoring.formats.steptag_scorer.carrier_paths`): step i's
output depends only on the tokens up to its tag, so one forward pass over the longer
path trains both. One :class:`LabelledPath` is one such carrier with a soft label at
every sampled step (None elsewhere). Two samples of the same window (say from a tree
and its HNC tree, with different labels) become their mean with weight 2: the same
gradient as training on both, since cross-entropy is linear in the target.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict, model_validator

from hrmsearch.scoring.formats.steptag_scorer import carrier_paths, window_path
from hrmsearch.training.samples import RewardSample


class LabelledPath(BaseModel):
    """One path of a question with a soft label (and how many samples it averages) per labelled step."""

    model_config = ConfigDict(frozen=True)

    question: str
    steps: tuple[str, ...]
    labels: tuple[float | None, ...]  # None: no sample judged this step
    weights: tuple[int, ...]  # samples averaged into each label (0 where unlabelled)

    @model_validator(mode="after")
    def _one_label_per_step(self) -> LabelledPath:
        if not len(self.steps) == len(self.labels) == len(self.weights):
            raise ValueError("a labelled path needs one label and one weight per step")
        return self

    @property
    def labelled_steps(self) -> list[int]:
        return [index for index, label in enumerate(self.labels) if label is not None]


def group_paths(samples: list[RewardSample]) -> list[LabelledPath]:
    """The samples as the fewest paths, each sample's label at its step; in order of first appearance."""
    labels: dict[tuple[str, tuple[str, ...]], list[float]] = defaultdict(list)
    for sample in samples:
        labels[window_path(sample.window())].append(sample.label)
    carriers = carrier_paths(list(labels))
    per_step: dict[tuple, dict[int, list[float]]] = {}
    for path, values in labels.items():
        per_step.setdefault(carriers[path], {}).setdefault(len(path[1]) - 1, []).extend(values)
    return [labelled_path(carrier, steps) for carrier, steps in per_step.items()]


def labelled_path(path: tuple[str, tuple[str, ...]], step_labels: dict[int, list[float]]) -> LabelledPath:
    question, steps = path
    return LabelledPath(
        question=question, steps=steps,
        labels=tuple(sum(step_labels[i]) / len(step_labels[i]) if i in step_labels else None
                     for i in range(len(steps))),
        weights=tuple(len(step_labels.get(i, ())) for i in range(len(steps))),
    )


def labelled_step_count(paths: list[LabelledPath]) -> int:
    """How many samples the paths hold (each averaged label counts its weight)."""
    return sum(sum(path.weights) for path in paths)
