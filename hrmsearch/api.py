"""The Python API: ``solve()`` for one question and ``solve_many()`` for a batch.

Models are loaded once per process and reused (vLLM takes ~20 s to start).
"""

from __future__ import annotations

from typing import Any

from hrmsearch.config import PolicyConfig, RewardConfig, parse_config
from hrmsearch.errors import HrmError
from hrmsearch.records import Problem, Solution

_POLICIES: dict[str, Any] = {}
_SCORERS: dict[str, Any] = {}


def get_policy(policy: Any = None, backend: str = "auto", seed: int = 0) -> Any:
    """A loaded policy: pass-through for a Policy object, else load (and cache) by config."""
    if policy is not None and hasattr(policy, "generate"):
        return policy
    if isinstance(policy, PolicyConfig):
        config = policy
    else:
        config = parse_config(PolicyConfig, model=policy, backend=backend, seed=seed)
    key = config.model_dump_json()
    if key not in _POLICIES:
        from hrmsearch.engine.loader import load_policy

        _POLICIES[key] = load_policy(config)
    return _POLICIES[key]


def get_scorer(reward: Any, config: RewardConfig) -> Any:
    """A loaded reward model: pass-through for a Scorer object, else load by config."""
    if reward is not None and hasattr(reward, "score"):
        return reward
    key = config.model_dump_json()
    if key not in _SCORERS:
        from hrmsearch.scoring.loader import load_scorer

        _SCORERS[key] = load_scorer(config)
    return _SCORERS[key]


def reward_setup(reward: Any, reward_config: RewardConfig | dict | None = None) -> tuple[Any, RewardConfig]:
    """The one place ``reward=`` is read: ``(scorer object or None, RewardConfig)``.

    ``reward`` may be None (the shipped default), a shipped name, a path or Hub id, a
    :class:`RewardConfig`, or a scorer object (anything with ``score``);
    ``reward_config`` (a RewardConfig or a dict of its fields) sets the rest. A
    contradiction (two model names, two configs, a scorer plus a model name) is a
    one-line HrmError.
    """
    if isinstance(reward_config, dict):
        reward_config = parse_config(RewardConfig, **reward_config)
    if reward is None:
        return None, reward_config or RewardConfig()
    if hasattr(reward, "score"):
        if reward_config is not None and reward_config.model is not None:
            raise HrmError(f"reward is a scorer object but reward_config names model {reward_config.model!r}: "
                           "give one of them")
        return reward, reward_config or RewardConfig()
    if isinstance(reward, RewardConfig):
        if reward_config is not None:
            raise HrmError("reward is a RewardConfig and reward_config is given too: pass the config once")
        return None, reward
    if isinstance(reward, str):
        if reward_config is None:
            return None, parse_config(RewardConfig, model=reward)
        if reward_config.model is not None and reward_config.model != reward:
            raise HrmError(f"reward={reward!r} contradicts reward_config model={reward_config.model!r}: give one")
        return None, parse_config(RewardConfig, **(reward_config.model_dump() | {"model": reward}))
    raise HrmError(f"reward must be a shipped name, a path or Hub id, a RewardConfig or a scorer object, "
                   f"not {type(reward).__name__}")


def close_models() -> None:
    """Release every cached model that holds an engine process (vLLM)."""
    for model in [*_POLICIES.values(), *_SCORERS.values()]:
        if hasattr(model, "close"):
            model.close()
    _POLICIES.clear()
    _SCORERS.clear()


def make_problems(questions: list[str] | list[Problem]) -> list[Problem]:
    problems = []
    for index, item in enumerate(questions):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        if not isinstance(item, str) or not item.strip():
            raise HrmError(f"question {index} is empty: give the problem text")
        problems.append(Problem(id=f"q{index}", question=item))
    return problems


def solve_many(
    questions: list[str] | list[Problem],
    strategy: str | None = None,
    policy: Any = None,
    reward: Any = None,
    backend: str = "auto",
    seed: int = 0,
    progress: bool = False,
    reward_config: RewardConfig | dict | None = None,
    **options: Any,
) -> list[Solution]:
    """Solve many problems with one strategy; the scheduler batches them together.

    ``strategy``: a registered name; None = beam search (4 beams, 16 candidate steps per
    round) guided by the shipped HRM (``hrmsearch.search.strategies.DEFAULT_STRATEGY``).

    ``reward``: a shipped name, a path or Hub id, a RewardConfig, or a scorer object;
    ``reward_config`` (RewardConfig or dict) sets combine, aggregate, format, backend... (see :func:`reward_setup`).
    """
    from hrmsearch.search.run import run_strategy, strategy_config
    from hrmsearch.search.strategies import DEFAULT_STRATEGY, needs_reward

    strategy = strategy or DEFAULT_STRATEGY
    problems = make_problems(questions)
    config = strategy_config(strategy, seed=seed, **options)
    scorer_object, reward_config = reward_setup(reward, reward_config)
    wants_scorer = needs_reward(strategy) or reward is not None
    scorer = get_scorer(scorer_object, reward_config) if wants_scorer else None  # a bad reward fails fast
    loaded_policy = get_policy(policy, backend, seed)
    return run_strategy(problems, config, loaded_policy, scorer, reward_config, progress)


def solve(
    question: str,
    strategy: str | None = None,
    n: int | None = None,
    policy: Any = None,
    reward: Any = None,
    backend: str = "auto",
    seed: int = 0,
    **options: Any,
) -> Solution:
    """Solve one question; ``strategy`` None = HRM-guided beam search (see :func:`solve_many`).

    >>> solve("Mia has 3 apples. She gets 4 more apples. How many apples does Mia have now?")
    """
    if not isinstance(question, str) or not question.strip():
        raise HrmError("question is empty: give the problem text")
    return solve_many([question], strategy, policy, reward, backend, seed, n=n, **options)[0]
