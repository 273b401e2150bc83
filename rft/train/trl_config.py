"""Which TRL the job runs on, and the job's `trainer:` / `peft:` mappings checked and merged.

- `check_method`: `method: ppo` needs TRL 1.12.x (1.13 and later ship no PPO); with a newer
  TRL the job stops before any model loads, naming the `rft[ppo]` extra. Reads the installed
  version from package metadata, so it imports nothing heavy.
- `check_passthrough`: every key of `trainer:` must be a field of TRL's config class for the
  method (GRPOConfig, RLOOConfig, PPOConfig) and every key of `peft:` a field of
  `peft.LoraConfig`; an unknown key is a located error (file, line, field) with did-you-mean.
- `merge_args`: CPU-friendly defaults < the job's `trainer:` < the settings rft derives from
  the job (`RFT_OWNED`, which win where both set a key). The merged config is what TRL gets
  and what `job.json` records.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
from pathlib import Path
from typing import Any

from rft.errors import ConfigError, Location, did_you_mean
from rft.train.config import JobConfig, field_line

PPO_EXTRA = 'pip install "rft[ppo]"'
LAST_TRL_WITH_PPO = (1, 12)

# TRL config fields that rft sets from the job itself; the job's value wins over `trainer:`.
RFT_OWNED: dict[str, str] = {
    "output_dir": "output_dir (checkpoints/ under it)",
    "learning_rate": "hyperparameters.learning_rate_multiplier x the size-scaled base rate",
    "max_steps": "hyperparameters.max_steps (or n_epochs)",
    "per_device_train_batch_size": "hyperparameters.batch_size x num_generations",
    "num_generations": "hyperparameters.num_generations",
    "max_completion_length": "hyperparameters.max_completion_tokens",
    "beta": "hyperparameters.beta",
    "temperature": "hyperparameters.temperature",
    "seed": "hyperparameters.seed",
    "data_seed": "hyperparameters.seed",
    "save_strategy": "rft checkpoints at each eval (hyperparameters.eval_interval)",
    "logging_steps": "rft logs every step to metrics.jsonl",
    # PPO's names for the same settings.
    "total_episodes": "hyperparameters.max_steps x batch_size x num_generations",
    "response_length": "hyperparameters.max_completion_tokens",
    "kl_coef": "hyperparameters.beta",
}


def trl_version() -> tuple[int, int] | None:
    """(major, minor) of the installed TRL, or None when TRL is not installed."""
    try:
        version = importlib.metadata.version("trl")
    except importlib.metadata.PackageNotFoundError:
        return None
    major, minor = (int("".join(c for c in p if c.isdigit()) or 0) for p in version.split(".")[:2])
    return major, minor


def ppo_available() -> bool:
    """True when the installed TRL still ships PPO (1.12.x)."""
    version = trl_version()
    return version is not None and version <= LAST_TRL_WITH_PPO


def check_method(job: JobConfig, source: Path | None = None) -> None:
    """Raise ConfigError when the installed TRL cannot run `job.method` (before any import)."""
    version = trl_version()
    where = Location(
        file=str(source) if source else None,
        line=field_line(source, ("method",)) if source else None,
        field=("method",),
    )
    if version is None:
        raise ConfigError(
            "training needs TRL, which is not installed",
            where,
            hint='pip install "rft[train]"',
        )
    if job.method == "ppo" and not ppo_available():
        raise ConfigError(
            f"method ppo needs TRL 1.12.x (TRL 1.13 and later ship no PPO); TRL "
            f"{importlib.metadata.version('trl')} is installed",
            where,
            hint=f"{PPO_EXTRA} (pins trl>=1.12,<1.13), or use method grpo or rloo",
        )


def config_class(method: str) -> type:
    """TRL's config class for `method`."""
    # TRL is heavy (torch, transformers): imported only once a job is about to train.
    if method == "grpo":
        from trl import GRPOConfig

        return GRPOConfig
    if method == "rloo":
        from trl import RLOOConfig

        return RLOOConfig
    from trl.experimental.ppo import PPOConfig

    return PPOConfig


def init_fields(cls: type) -> list[str]:
    """The constructor fields of a config dataclass."""
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _check_keys(
    given: dict[str, Any], allowed: list[str], section: str, what: str, source: Path | None
) -> None:
    problems: list[str] = []
    first: Location | None = None
    for key in given:
        if key in allowed:
            continue
        field = (section, str(key))
        where = Location(
            file=str(source) if source else None,
            line=field_line(source, field) if source else None,
            field=field,
        )
        first = first or where
        hint = did_you_mean(key, allowed)
        problems.append(
            f"{where}: `{key}` is not a field of {what}" + (f" ({hint})" if hint else "")
        )
    if len(problems) == 1:
        raise ConfigError(problems[0].split(": ", 1)[1], first)
    if problems:
        raise ConfigError(
            f"{len(problems)} unknown fields in `{section}:`:\n  " + "\n  ".join(problems)
        )


def check_passthrough(job: JobConfig, source: Path | None = None) -> None:
    """Raise a located ConfigError for a `trainer:` or `peft:` key TRL / peft do not have.

    Imports TRL (and peft) only when the job has such a mapping.
    """
    if job.trainer:
        cls = config_class(job.method)
        version = importlib.metadata.version("trl")
        _check_keys(
            job.trainer, init_fields(cls), "trainer", f"{cls.__name__} (TRL {version})", source
        )
    if job.peft is not None:
        try:
            # peft is optional: only jobs with `peft:` need it.
            from peft import LoraConfig
        except ImportError:
            raise ConfigError(
                "`peft:` needs the peft package",
                Location(file=str(source) if source else None, field=("peft",)),
                hint='pip install "rft[train]" (or pip install peft)',
            ) from None
        _check_keys(job.peft, init_fields(LoraConfig), "peft", "peft.LoraConfig", source)


def lora_config(job: JobConfig) -> Any:
    """The job's `peft:` mapping as a `peft.LoraConfig` (None without one)."""
    if job.peft is None:
        return None
    from peft import LoraConfig

    return LoraConfig(**{"task_type": "CAUSAL_LM", **job.peft})


def merge_args(
    defaults: dict[str, Any], user: dict[str, Any], owned: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """defaults < user (`trainer:`) < owned (rft's settings); also the user keys rft overrode."""
    overridden = sorted(k for k in user if k in owned and user[k] != owned[k])
    return {**defaults, **user, **owned}, overridden


def build_config(cls: type, kwargs: dict[str, Any], source: Path | None = None) -> Any:
    """`cls(**kwargs)`, a TRL/transformers refusal of a value reported as a ConfigError."""
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{cls.__name__} refused the settings: {exc}",
            Location(
                file=str(source) if source else None,
                line=field_line(source, ("trainer",)) if source else None,
                field=("trainer",),
            ),
            hint="check the values under `trainer:` against TRL's documentation",
        ) from None


def config_record(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a TRL config (what `job.json` records under `trl`)."""
    out = {}
    for f in dataclasses.fields(config):
        if not f.init:
            continue
        value = getattr(config, f.name)
        if isinstance(value, int | float | str | bool | type(None)):
            out[f.name] = value
        elif isinstance(value, list | tuple | dict):
            out[f.name] = value if _jsonable(value) else str(value)
        else:
            out[f.name] = str(value)
    return out


def _jsonable(value: Any) -> bool:
    import json

    try:
        json.dumps(value)
    except TypeError:
        return False
    return True
