"""Build TRL trainers from a job: SFT warm-up, then GRPO, RLOO or PPO with the grader bundle.

Each TRL config is merged from three layers (`merged_config`): CPU-friendly defaults (TRL's
assume a GPU: fp32, no gradient checkpointing, `use_cpu` when no accelerator is visible, no
reporting integrations) < the job's `trainer:` < what rft derives from the job (a learning
rate scaled to the model size, `rft.train.config.base_learning_rate`; batch sizes, steps,
seed, output folder). A job's `peft:` becomes the trainers' `peft_config` (LoRA).
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rft.errors import ConfigError, Location
from rft.train.config import JobConfig, base_learning_rate, field_line
from rft.train.data import prompt_of
from rft.train.trl_config import build_config, config_class, init_fields, lora_config, merge_args


def use_cpu(job: JobConfig) -> bool:
    """CPU when asked for, or when no CUDA/XPU/MPS device is visible."""
    if job.use_cpu is not None:
        return job.use_cpu
    import torch

    accelerators = (
        torch.cuda.is_available(),
        hasattr(torch, "xpu") and torch.xpu.is_available(),
        torch.backends.mps.is_available(),
    )
    return not any(accelerators)


def default_args(job: JobConfig) -> dict[str, Any]:
    """TrainingArguments defaults for every trainer; the job's `trainer:` may override them."""
    cpu = use_cpu(job)
    return {
        "lr_scheduler_type": "constant",  # resumable exactly, and no decay to tune per run length
        "warmup_steps": 0,
        "use_cpu": cpu,
        "bf16": False if cpu else None,
        "fp16": False,
        "gradient_checkpointing": False,
        "report_to": [],
        "disable_tqdm": True,
        "save_total_limit": 2,
        "dataloader_num_workers": 0,
    }


def owned_args(job: JobConfig, output_dir: Path, learning_rate: float) -> dict[str, Any]:
    """TrainingArguments rft derives from the job itself: they win over `trainer:`."""
    return {
        "output_dir": str(output_dir),
        "learning_rate": learning_rate,
        "seed": job.hyperparameters.seed,
        "data_seed": job.hyperparameters.seed,
        "logging_steps": 1,
        "save_strategy": "no",  # rft's callback asks for checkpoints at each eval
    }


def merged_config(
    job: JobConfig,
    cls: type,
    owned: dict[str, Any],
    *,
    user: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
) -> tuple[Any, list[str]]:
    """`cls` built from defaults < the job's `trainer:` < rft's own settings.

    Returns the config and the `trainer:` keys whose value rft's settings replaced.
    """
    user = dict(job.trainer if user is None else user)
    base = default_args(job) if defaults is None else defaults
    kwargs, overridden = merge_args(base, user, owned)
    return build_config(cls, kwargs, job.source), overridden


def drop_printer(trainer: Any) -> None:
    """Remove transformers' stdout printer and progress bar: rft shows its own progress."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def _training_args_fields() -> frozenset[str]:
    from transformers import TrainingArguments

    return frozenset(init_fields(TrainingArguments))


def count_parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def rl_steps(job: JobConfig, n_train: int) -> int:
    """RL steps of the run: `max_steps` when set (it overrides `n_epochs`, as in transformers'
    `TrainingArguments`; 0 = warm-up only), else `n_epochs` passes over the prompts."""
    hp = job.hyperparameters
    if hp.max_steps is not None:
        return hp.max_steps
    return max(1, math.ceil(hp.n_epochs * n_train / hp.batch_size))


def rl_dataset(rows: list[dict[str, Any]]) -> Any:
    """TRL's dataset: the rows with a `prompt` column (a string, or the chat messages)."""
    from datasets import Dataset

    return Dataset.from_list([{**row, "prompt": prompt_of(row)} for row in rows])


# -- warm-up -----------------------------------------------------------------------------
def check_target_boundary(tokenizer: Any, records: list[dict[str, Any]], sample: int = 32) -> None:
    """Raise ConfigError when a prompt's tokens are not a prefix of prompt + target's tokens.

    TRL joins a string prompt and its target as one string; if the tokenizer fuses the
    prompt's end with the target's start (`->` + `{` read as `->{`), the loss mask is wrong
    and generation never produces that fused token. TRL only warns, once per row.
    """

    for i, record in enumerate(records[:sample], start=1):
        prompt, target = record["prompt"], record["completion"]
        if not isinstance(prompt, str) or not isinstance(target, str):
            continue
        alone = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        joined = tokenizer(prompt + target, add_special_tokens=False)["input_ids"]
        if joined[: len(alone)] != alone:
            raise ConfigError(
                f"row {i}: the tokenizer reads the end of the prompt {prompt[-20:]!r} and the "
                f"start of the warm-up target {target[:20]!r} as one token",
                Location(field=("warmup", "target")),
                hint="separate them in the data: end each prompt with a space or newline, or "
                "give the target field a leading space (a template's own outer whitespace is "
                "stripped)",
            )


def build_sft_trainer(
    job: JobConfig,
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    targets: list[str],
    out: Path,
    processes: int = 1,
) -> Any:
    """SFT on (prompt, rendered target) pairs; loss on the target tokens only.

    A step has `warmup.batch_size` rows in all, shared by the `processes` of `accelerate
    launch` (rounded up to a multiple of them).
    """
    from trl import SFTConfig, SFTTrainer

    from datasets import Dataset

    w = job.warmup
    records = []
    for row, target in zip(rows, targets, strict=True):
        prompt = prompt_of(row)
        if isinstance(prompt, str):
            records.append({"prompt": prompt, "completion": target})
        else:
            records.append(
                {"prompt": prompt, "completion": [{"role": "assistant", "content": target}]}
            )
    check_target_boundary(tokenizer, records)
    rate = base_learning_rate(count_parameters(model), warmup=True) * w.learning_rate_multiplier
    owned = owned_args(job, out, rate)
    steps_per_epoch = max(1, math.ceil(len(records) / w.batch_size))
    owned.update(
        num_train_epochs=w.n_epochs,
        per_device_train_batch_size=-(-w.batch_size // processes),
        # About once per epoch; ten times as often when `stop_loss` reads the logged loss.
        logging_steps=steps_per_epoch if w.stop_loss is None else max(1, steps_per_epoch // 10),
    )
    defaults = default_args(job) | {
        "lr_scheduler_type": "linear",  # decaying to 0 ends SFT on a settled model
        "max_length": None,
    }
    # Of `trainer:`, the warm-up takes what SFTConfig has too (bf16, gradient_checkpointing, ...)
    # but not the RL method's own knobs (GRPO's loss_type means nothing to SFT).
    sft_fields = set(init_fields(SFTConfig))
    shared = {
        k: v for k, v in job.trainer.items() if k in sft_fields and k in _training_args_fields()
    }
    config, _ = merged_config(job, SFTConfig, owned, user=shared, defaults=defaults)
    return SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(records),
        processing_class=tokenizer,
        peft_config=lora_config(job),
        callbacks=[] if w.stop_loss is None else [_stop_at_loss(w.stop_loss)],
    )


def _stop_at_loss(threshold: float) -> Any:
    """A callback that ends SFT once a logged training loss is at or below `threshold`.

    The logged loss is the mean over the logging interval, gathered over every process, so all
    processes of an `accelerate launch` run stop at the same step.
    """
    from transformers import TrainerCallback

    class StopAtLoss(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs and "loss" in logs and logs["loss"] <= threshold:
                control.should_training_stop = True

    return StopAtLoss()


# -- RL ----------------------------------------------------------------------------------
def load_tools(job: JobConfig) -> list[Callable[..., Any]]:
    """The job's `tools:` functions, each loaded from a Python file inside the job's folder."""
    tools = []
    for i, (path, name, where) in enumerate(job.tool_files()):
        spec = importlib.util.spec_from_file_location(f"rft_job_tools_{path.stem}", path)
        assert spec is not None and spec.loader is not None  # a .py file always has a loader
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's file: any error is a config error naming it
            raise ConfigError(
                f"tools[{i}]: importing {path} failed: {type(exc).__name__}: {exc}",
                where,
                hint="fix the tool file (it must import without side effects)",
            ) from None
        function = getattr(module, name, None)
        if not callable(function):
            raise ConfigError(
                f"tools[{i}]: {path.name} has no function {name!r}",
                where,
                hint=f"define `def {name}(...)` with type hints and a docstring in {path.name}",
            )
        tools.append(function)
    return tools


def build_group_trainer(
    job: JobConfig,
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    reward_func: Any,
    steps: int,
    out: Path,
    callbacks: list[Any],
    processes: int = 1,
    tools: Sequence[Callable[..., Any]] = (),
) -> Any:
    """GRPOTrainer or RLOOTrainer with the bundle as the reward function (and, for a `tools:`
    job, `tools`: its functions, loaded once by `load_tools`)."""
    hp = job.hyperparameters
    rate = base_learning_rate(count_parameters(model)) * hp.learning_rate_multiplier
    owned = owned_args(job, out, rate)
    owned.update(
        max_steps=steps,
        per_device_train_batch_size=completions_per_process(job, processes),
        num_generations=hp.num_generations,
        max_completion_length=hp.max_completion_tokens,
        beta=hp.beta,
        temperature=hp.temperature,
    )
    defaults = default_args(job) | {"top_k": 0, "top_p": 1.0}  # plain sampling
    config, _ = merged_config(job, config_class(job.method), owned, defaults=defaults)
    extra: dict[str, Any] = {}
    if job.tools:
        if any(isinstance(prompt_of(row), str) for row in rows[:1]):
            raise ConfigError(
                "tools: TRL calls tools only for chat prompts; the training rows have text prompts",
                Location(file=str(job.source) if job.source else None, field=("tools",)),
                hint='give each row `prompt: [{"role": "user", "content": ...}]` (or `messages`)',
            )
        extra["tools"] = list(tools) or load_tools(job)
    if job.method == "grpo":
        from trl import GRPOTrainer as Trainer
    else:
        from trl import RLOOTrainer as Trainer
    return Trainer(
        model=model,
        reward_funcs=[reward_func],
        args=config,
        train_dataset=rl_dataset(rows),
        processing_class=tokenizer,
        callbacks=callbacks,
        peft_config=lora_config(job),
        **extra,
    )


def completions_per_process(job: JobConfig, processes: int) -> int:
    """GRPO/RLOO completions each process samples per step (TRL's per-device batch size).

    A step has `batch_size` prompts in all, however many processes `accelerate launch` started,
    so the same job trains the same way on one device or several.
    """
    hp = job.hyperparameters
    completions = hp.batch_size * hp.num_generations
    if completions % processes:
        raise ConfigError(
            f"{hp.batch_size} prompts x {hp.num_generations} completions per step cannot be "
            f"split evenly across {processes} processes",
            Location(
                file=str(job.source) if job.source else None,
                line=field_line(job.source, ("hyperparameters", "batch_size"))
                if job.source
                else None,
                field=("hyperparameters", "batch_size"),
            ),
            hint=f"make batch_size x num_generations a multiple of {processes}, or launch a "
            "number of processes that divides it",
        )
    return completions // processes


def build_ppo_trainer(
    job: JobConfig,
    model: Any,
    ref_model: Any,
    value_model: Any,
    reward_model: Any,
    tokenizer: Any,
    prompt_ids: list[list[int]],
    valid_prompt_ids: list[list[int]],
    steps: int,
    out: Path,
    callbacks: list[Any],
) -> Any:
    """TRL's PPO (`trl.experimental.ppo`) with `GraderRewardModel` as the reward model."""
    from trl.experimental.ppo import PPOConfig, PPOTrainer

    from datasets import Dataset

    hp = job.hyperparameters
    rollout = hp.batch_size * hp.num_generations  # the same completions per step as GRPO
    rate = base_learning_rate(count_parameters(model)) * hp.learning_rate_multiplier
    owned = owned_args(job, out, rate)
    owned.update(
        total_episodes=steps * rollout,
        per_device_train_batch_size=rollout,
        response_length=hp.max_completion_tokens,
        temperature=hp.temperature,
        kl_coef=hp.beta,
        num_sample_generations=0,  # rft evaluates on its own schedule
    )
    defaults = default_args(job) | {
        "local_rollout_forward_batch_size": rollout,
        "num_mini_batches": 1,
        "stop_token": "eos",
        "per_device_eval_batch_size": 1,
    }
    config, _ = merged_config(job, PPOConfig, owned, defaults=defaults)
    return PPOTrainer(
        args=config,
        processing_class=tokenizer,
        model=model,
        ref_model=ref_model,
        reward_model=reward_model,
        value_model=value_model,
        train_dataset=Dataset.from_dict({"input_ids": prompt_ids}),
        eval_dataset=Dataset.from_dict({"input_ids": valid_prompt_ids[:1]}),
        callbacks=callbacks,
    )
