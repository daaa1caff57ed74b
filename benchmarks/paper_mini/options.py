"""What one ``hrmsearch paper-mini`` call asks for, the reward configs it compares, and the folder layout.

The run folder (``--out``):

    run.json                      settings the pools and scores were made with (a rerun must match)
    pools/seed{S}.jsonl           one self_consistency Solution per problem: the shared candidate pool
    scores/seed{S}/{label}.jsonl  one ScoreRecord per problem: each candidate's score under one config
    search/{reward}/seed{S}/      a ``hrmsearch bench`` run folder (records.jsonl with cost blocks)
    timings.jsonl                 seconds per finished piece of work (all runs that built the folder)
    summary.md, self_correction.md, accuracy_vs_n.png, accuracy_vs_tokens.png   (written atomically)
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hrmsearch.config import RewardConfig, parse_config
from hrmsearch.errors import HrmError
from hrmsearch.jsonl import write_atomic
from hrmsearch.scoring.loader import SHIPPED_NAMES

OUTCOME_MODELS = {"orm"}
SETTINGS_FILE = "run.json"
TIMINGS_FILE = "timings.jsonl"


class PaperMiniOptions(BaseModel):
    """Everything one ``hrmsearch paper-mini`` call asks for."""

    model_config = ConfigDict(extra="forbid")

    out: Path
    problems: int = Field(500, ge=1, description="the first P arith-test problems")
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    ns: list[int] = Field(default_factory=lambda: [1, 2, 4, 8, 16, 32, 64], min_length=1)
    rewards: list[str] = Field(default_factory=lambda: ["orm", "prm", "hrm", "hrm_hnc"])
    hierarchical: list[str] = Field(default_factory=lambda: ["hrm_hnc"], description="models also scored hierarchically")
    combines: list[str] = Field(default_factory=lambda: ["mean", "min"], description="hierarchical combine rules")
    aggregate: str = "min"
    temperature: float = Field(0.8, ge=0.0)
    search_strategies: list[str] = Field(default_factory=lambda: ["step_greedy", "beam", "mcts"])
    search_ns: list[int] = Field(default_factory=lambda: [4, 16])
    search_rewards: list[str] = Field(default_factory=lambda: ["prm", "hrm_hnc"])
    search_problems: int | None = Field(None, ge=1, description="search block on the first P' problems (default P)")
    search_seeds: list[int] | None = Field(None, description="seeds of the search block (default: --seeds)")
    backend: str = "auto"
    chunk: int = Field(32, ge=1, description="problems per scheduler call (the unit of resume)")
    resamples: int = Field(2000, ge=1, description="bootstrap resamples")
    bootstrap_seed: int = 0
    command: str = ""
    progress: bool = True

    @property
    def pool_size(self) -> int:
        return max(self.ns)

    @property
    def search_problem_count(self) -> int:
        return min(self.search_problems or self.problems, self.problems)

    @property
    def search_seed_list(self) -> list[int]:
        return self.seeds if self.search_seeds is None else self.search_seeds


class PaperMiniSettings(BaseModel):
    """What makes pools and scores comparable: a rerun into the same folder must match (``run.json``).

    ``pool_size`` is the candidates per problem of the stored pools; a later run may ask for
    fewer (it reads the first k) but not for more.
    """

    model_config = ConfigDict(extra="forbid")

    dataset: str = "arith:test"
    policy: str = "shipped tiny policy"
    backend: str
    temperature: float
    pool_size: int
    aggregate: str
    chunk: int


class RewardSpec(BaseModel):
    """One way of scoring a candidate: a shipped model and its combine rule."""

    model_config = ConfigDict(frozen=True)

    model: str
    combine: str = "fine"

    @property
    def outcome(self) -> bool:
        return self.model in OUTCOME_MODELS

    @property
    def label(self) -> str:
        """Table label, e.g. ``prm``, ``hrm_hnc`` (fine: the paper's inference) or ``hrm_hnc+mean``."""
        return self.model if self.combine == "fine" else f"{self.model}+{self.combine}"

    @classmethod
    def from_label(cls, label: str) -> RewardSpec:
        """The spec a table label names (the inverse of :attr:`label`)."""
        model, _, combine = label.partition("+")
        return cls(model=model, combine=combine or "fine")

    def config(self, aggregate: str) -> RewardConfig:
        return parse_config(
            RewardConfig, model=self.model, outcome=self.outcome, combine=self.combine, aggregate=aggregate
        )

    def loader_config(self, aggregate: str) -> RewardConfig:
        """The config the model is loaded with: one load (and one window cache) per model, the one
        ``hrmsearch bench`` also asks for, so the search block reuses it."""
        return parse_config(RewardConfig, model=self.model, outcome=self.outcome, aggregate=aggregate)


def reward_specs(options: PaperMiniOptions) -> list[RewardSpec]:
    """Every scoring config of the best-of-N block: each model at ``fine``, the hierarchical ones also
    at each extra combine rule (an outcome model has one window per solution: ``fine`` only)."""
    specs = []
    for model in options.rewards:
        specs.append(RewardSpec(model=model))
        if model in options.hierarchical and model not in OUTCOME_MODELS:
            specs += [RewardSpec(model=model, combine=rule) for rule in options.combines if rule != "fine"]
    return specs


def validate(options: PaperMiniOptions) -> None:
    """Names and rules the run would fail on later, as one-line errors now (before any model loads)."""
    from hrmsearch.search.strategies import STRATEGIES

    for flag, names in (("--rewards", options.rewards), ("--search-rewards", options.search_rewards),
                        ("--hierarchical", options.hierarchical)):
        unknown = [name for name in names if name not in SHIPPED_NAMES]
        if unknown:
            raise HrmError(f"{flag}: {unknown[0]!r} is not a shipped reward model ({', '.join(SHIPPED_NAMES)})")
    outcome_search = [name for name in options.search_rewards if name in OUTCOME_MODELS]
    if outcome_search:
        raise HrmError(f"--search-rewards: {outcome_search[0]!r} is an outcome model; step search needs a step model")
    unknown = [s for s in options.search_strategies if s not in STRATEGIES]
    if unknown:
        raise HrmError(f"--search-strategies: unknown strategy {unknown[0]!r}; choose from {', '.join(STRATEGIES)}")
    for spec in reward_specs(options):
        spec.config(options.aggregate)  # bad --combine / --aggregate values name the field
    if options.search_strategies and options.search_rewards and not options.search_ns:
        raise HrmError("--search-n: give at least one budget, or pass --search-strategies '' to skip the search block")


def paper_mini_settings(options: PaperMiniOptions, stored_pool_size: int | None = None) -> PaperMiniSettings:
    return PaperMiniSettings(
        backend=options.backend,
        temperature=options.temperature,
        pool_size=stored_pool_size or options.pool_size,
        aggregate=options.aggregate,
        chunk=options.chunk,
    )


def open_folder(options: PaperMiniOptions) -> PaperMiniSettings:
    """Create or reopen ``options.out``; a folder made with other settings is refused, not mixed."""
    options.out.mkdir(parents=True, exist_ok=True)
    path = options.out / SETTINGS_FILE
    if not path.exists():
        settings = paper_mini_settings(options)
        write_atomic(path, settings.model_dump_json(indent=2) + "\n")
        return settings
    stored = PaperMiniSettings.model_validate_json(path.read_text())
    if options.pool_size > stored.pool_size:
        raise HrmError(
            f"{options.out} holds pools of {stored.pool_size} candidates, --n asks for {options.pool_size}; "
            "use a new --out folder"
        )
    wanted = paper_mini_settings(options, stored.pool_size)
    if stored != wanted:
        changed = [key for key in PaperMiniSettings.model_fields if getattr(stored, key) != getattr(wanted, key)]
        raise HrmError(
            f"{options.out} holds a run with other settings ({', '.join(changed)} differ); "
            "use a new --out folder or the same settings to resume"
        )
    return stored
