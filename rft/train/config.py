"""The `rft train` job file: a YAML mapping validated by pydantic (JSON Schema in `schemas/`).

    model: runs/arithmetic/tiny-model        # local folder or Hugging Face id
    train_file: data/train.jsonl
    valid_file: data/valid.jsonl
    grader: grader.yaml
    method: grpo                             # grpo | rloo | ppo
    hyperparameters: {n_epochs: 1, batch_size: 8, learning_rate_multiplier: 1.0, ...}
    warmup: {n_epochs: 12, target: "{{ item.answer }}", max_rows: 60}   # label-scarce SFT
    output_dir: runs/arithmetic

Relative paths are resolved against the job file's folder. Every problem is reported with
the file, the line and the field, before anything heavy is imported.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from rft.errors import ConfigError, Location
from rft.loading import load_yaml_located, read_text, validation_errors

Method = Literal["grpo", "rloo", "ppo"]

# Base learning rates, multiplied by `learning_rate_multiplier` (as OpenAI's fine-tuning API
# does with its own base). RL on a from-scratch tiny model (<= 1M parameters) needs a rate
# like pretraining's; a 1B+ instruct model needs ~1e-6. Between the two the base rate is
# interpolated log-linearly in the parameter count. SFT warm-up uses 10x the RL rate.
TINY_PARAMS, LARGE_PARAMS = 1e6, 1e9
TINY_RL_RATE, LARGE_RL_RATE = 3e-4, 1e-6
WARMUP_RATE_FACTOR = 10.0


def base_learning_rate(n_params: int, *, warmup: bool = False) -> float:
    """The base learning rate for a model of `n_params` parameters (RL, or SFT warm-up).

    3e-4 at <= 1M parameters, 1e-6 at >= 1B, log-linear in between; SFT warm-up uses 10x.
    """
    n = min(max(float(n_params), TINY_PARAMS), LARGE_PARAMS)
    frac = math.log(n / TINY_PARAMS) / math.log(LARGE_PARAMS / TINY_PARAMS)
    rate = math.exp(
        math.log(TINY_RL_RATE) + frac * (math.log(LARGE_RL_RATE) - math.log(TINY_RL_RATE))
    )
    return rate * (WARMUP_RATE_FACTOR if warmup else 1.0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Hyperparameters(_Strict):
    """RL hyperparameters, named as OpenAI's fine-tuning API names them where it has a name."""

    n_epochs: float = Field(
        1.0,
        gt=0,
        description="Passes over the training prompts (one step = `batch_size` prompts); "
        "ignored when `max_steps` is set.",
    )
    max_steps: int | None = Field(
        None,
        ge=0,
        description="Run exactly this many RL steps (overrides `n_epochs`; the prompts are "
        "cycled as often as needed). 0 = warm-up only, no RL: "
        "the (warmed-up) start model is still evaluated and written to `best/` and `final/`, "
        "with `metrics.jsonl` and `summary.json`.",
    )
    batch_size: int = Field(8, ge=1, description="Prompts per RL step.")
    learning_rate_multiplier: float = Field(
        1.0,
        gt=0,
        description="Multiplies the base rate: 3e-4 for <=1M parameters, 1e-6 for >=1B, "
        "log-linear in between (see rft.train.config.base_learning_rate).",
    )
    eval_interval: int = Field(
        50, ge=1, description="Evaluate on the validation set (and checkpoint) every N steps."
    )
    eval_samples: int | None = Field(
        200, ge=1, description="Validation rows used per evaluation (all rows when null)."
    )
    seed: int = Field(0, description="Seed of sampling, shuffling and initialisation.")
    num_generations: int = Field(
        8,
        ge=2,
        description="Completions sampled per prompt (the group of GRPO/RLOO); PPO samples one "
        "completion for each of `batch_size * num_generations` prompts, the same number.",
    )
    max_completion_tokens: int = Field(8, ge=1, description="Generation budget per completion.")
    beta: float = Field(0.0, ge=0, description="KL penalty coefficient towards the start model.")
    temperature: float = Field(1.0, gt=0, description="Sampling temperature during training.")


class Warmup(_Strict):
    """Supervised warm-up before RL: SFT on a target rendered from each training row."""

    n_epochs: float = Field(0.0, ge=0, description="SFT epochs; 0 skips the warm-up.")
    target: str = Field(
        "{{ item.answer }}", description="Template of the SFT target, over the row as `item`."
    )
    batch_size: int = Field(32, ge=1, description="Rows per SFT step.")
    learning_rate_multiplier: float = Field(
        1.0, gt=0, description="Multiplies the SFT base rate (10x the RL base rate)."
    )
    train_file: Path | None = Field(
        None,
        description="JSONL rows to SFT on (same format as `train_file`, resolved the same way); "
        "default: the job's `train_file`.",
    )
    max_rows: int | None = Field(
        None,
        ge=1,
        description="SFT on only the first N rows after a shuffle seeded by "
        "`hyperparameters.seed` (a label-scarce warm-up; RL still uses every training prompt).",
    )
    max_seconds: float | None = Field(
        None,
        gt=0,
        description="Stop SFT after this many wall-clock seconds (checked after each SFT step), "
        "even if `n_epochs` are not done.",
    )
    stop_loss: float | None = Field(
        None,
        gt=0,
        description="Stop SFT once its training loss (the mean over about a tenth of an epoch) "
        "is at or below this, even if `n_epochs` are not done: a warm-up that ends at a given "
        "fit rather than after a given count of steps, which lands where a tiny model's "
        "learning curve is steep at the same place on every seed and CPU.",
    )


class JobConfig(_Strict):
    """An `rft train` job."""

    model: str = Field(description="Local model folder or Hugging Face model id.")
    train_file: Path = Field(
        description="JSONL rows with `messages` or `prompt`, plus grader fields."
    )
    valid_file: Path = Field(description="JSONL validation rows (same format).")
    grader: Path = Field(description="Grader bundle (YAML or JSON).")
    method: Method = Field("grpo", description="RL algorithm: grpo, rloo or ppo.")
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)
    warmup: Warmup = Field(default_factory=Warmup)
    output_dir: Path = Field(Path("runs/train"), description="Run folder (see rft.train).")
    use_cpu: bool | None = Field(
        None, description="Force CPU training; by default CPU is used when no GPU is visible."
    )
    trainer: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields of TRL's config class for `method` (GRPOConfig, RLOOConfig, "
        "PPOConfig), passed as they are: bf16, gradient_accumulation_steps, "
        "gradient_checkpointing, use_vllm, vllm_mode, loss_type, scale_rewards, "
        "importance_sampling_level, reward_weights, ... Checked against the installed TRL's "
        "fields. rft's own settings win over the same key here: learning_rate, max_steps, "
        "per_device_train_batch_size, num_generations, max_completion_length, beta, "
        "temperature, seed, data_seed, output_dir, save_strategy, logging_steps (see "
        "`rft.train.trainers.RFT_OWNED`). Keys that transformers' TrainingArguments also has "
        "(bf16, gradient_checkpointing, ...) apply to the SFT warm-up too.",
    )
    peft: dict[str, Any] | None = Field(
        None,
        description="Train LoRA adapters instead of all weights: fields of `peft.LoraConfig` "
        "(r, lora_alpha, lora_dropout, target_modules, ...; task_type is CAUSAL_LM). GRPO and "
        "RLOO; a warm-up trains its own adapter and merges it before RL. `best/` and "
        "`final/` then hold adapters, which `rft eval --model` loads with their base model.",
    )

    tools: list[str] = Field(
        default_factory=list,
        description="Python functions the policy may call during GRPO (TRL's `tools=`), each "
        "`file.py:function` with the file inside the job's own folder. TRL shows the model "
        "each function's JSON schema (type hints and a Google-style docstring), runs the calls "
        "and feeds the results back; the reward then sees whole episodes (see the `episode` "
        "grader). Needs chat prompts and a tokenizer whose chat template renders tool calls "
        "and whose `response_template` parses them (examples/calculator).",
    )

    _source: Path | None = PrivateAttr(None)

    @property
    def source(self) -> Path | None:
        """The job file this job was read from (None for a job built in code)."""
        return self._source

    @model_validator(mode="after")
    def _check_sizes(self) -> JobConfig:
        hp = self.hyperparameters
        if self.peft is not None and self.method == "ppo":
            raise ValueError("peft: LoRA adapters are supported with method grpo or rloo, not ppo")
        if self.tools and self.method != "grpo":
            raise ValueError(f"tools: TRL runs tools with method grpo only, not {self.method}")
        for i, entry in enumerate(self.tools):
            file, _, function = entry.rpartition(":")
            if not file.endswith(".py") or not function.isidentifier():
                raise ValueError(
                    f"tools[{i}]: {entry!r} is not `file.py:function` (a Python file in the "
                    "job's folder and the name of a function in it)"
                )
        if hp.max_steps and hp.eval_interval > hp.max_steps:
            raise ValueError(
                f"hyperparameters.eval_interval ({hp.eval_interval}) is larger than max_steps ({hp.max_steps})"
            )
        return self

    def tool_files(self) -> list[tuple[Path, str, Location]]:
        """(file, function name, where in the job) of each `tools:` entry; raises ConfigError
        when a file is missing or lies outside the job's folder (tools load only from there)."""
        base = (self.source.parent if self.source is not None else Path.cwd()).resolve()
        found = []
        for i, entry in enumerate(self.tools):
            file, _, name = entry.rpartition(":")
            where = Location(
                file=str(self.source) if self.source else None,
                line=field_line(self.source, ("tools",)) if self.source else None,
                field=("tools", i),
            )
            path = (base / file).resolve()
            if not path.is_relative_to(base) or not path.is_file():
                raise ConfigError(
                    f"tools[{i}]: {file} is not a file inside the job's folder {base}",
                    where,
                    hint="put the tool's Python file next to the job file (a path relative to it)",
                )
            found.append((path, name, where))
        return found

    def resolve_paths(self, base_dir: Path) -> JobConfig:
        """Paths relative to the job file's folder made absolute (a local `model` too)."""
        out = self.model_copy()

        def fix(p: Path) -> Path:
            return p if p.is_absolute() else (base_dir / p).resolve()

        out.train_file = fix(self.train_file)
        out.valid_file = fix(self.valid_file)
        out.grader = fix(self.grader)
        out.output_dir = fix(self.output_dir)
        if self.warmup.train_file is not None:
            out.warmup = self.warmup.model_copy(update={"train_file": fix(self.warmup.train_file)})
        local = base_dir / self.model
        if not Path(self.model).is_absolute() and (
            local.exists() or self.model.startswith((".", "/")) or self.model.count("/") != 1
        ):
            out.model = str(local.resolve())
        return out


def parse_job(
    data: Any, *, file: str | None = None, lines: dict[tuple[str | int, ...], int] | None = None
) -> JobConfig:
    """Validate a job mapping; raises one ConfigError listing every problem with its line."""
    if not isinstance(data, dict):
        raise ConfigError(
            f"a job file must be a YAML mapping, got {type(data).__name__}",
            Location(file=file, line=1),
            hint="start with `model: ...`, `train_file: ...`, `valid_file: ...`, `grader: ...`",
        )
    try:
        return JobConfig.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc, data, lines or {}, file, root=JobConfig, error=ConfigError)
        if len(errors) == 1:
            raise errors[0] from None
        listing = "\n  ".join(str(e) for e in errors)
        raise ConfigError(f"{len(errors)} problems in the job file:\n  {listing}", None) from None


def field_line(path: str | Path, field: tuple[str, ...]) -> int | None:
    """The 1-based line of `field` (a key path) in the YAML file `path`, or of its nearest parent."""
    try:
        _, lines = load_yaml_located(
            read_text(path, error=ConfigError, what="job"), error=ConfigError
        )
    except (OSError, ConfigError):
        return None
    for end in range(len(field), 0, -1):
        if field[:end] in lines:
            return lines[field[:end]]
    return None


def load_job(path: str | Path) -> JobConfig:
    """Read and validate a job YAML file; relative paths are resolved against its folder."""
    path = Path(path)
    text = read_text(path, error=ConfigError, what="job")
    data, lines = load_yaml_located(text, file=str(path), error=ConfigError)
    job = parse_job(data, file=str(path), lines=lines).resolve_paths(path.parent.resolve())
    job._source = path
    job.tool_files()  # a missing tool file fails now, not after the warm-up
    return job


def job_json_schema() -> dict[str, Any]:
    """The JSON Schema of a job file (written to `schemas/train_job.schema.json`)."""
    schema = JobConfig.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://rft.dev/schemas/train_job.schema.json",
        "title": "rft train job",
        **schema,
    }
