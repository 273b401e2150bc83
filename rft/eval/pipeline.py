"""`rft eval`, the evaluation half: answers (generated, or read from a file) → grades → table.

data.jsonl ─┬─ model → k answers per item ─┐
            └─ outputs file ───────────────┴→ RewardFunction.score → samples.parquet/csv

The report half (metrics.json, report.md / report.html) sits one layer up, in
`rft.report.evaluation`, which reads the `EvalResult` this module returns; `rft eval` runs both.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rft.data import read_jsonl
from rft.errors import ConfigError
from rft.eval.generation import generate
from rft.eval.table import build_table, read_outputs, write_table
from rft.prompts import prompt_of
from rft.reward import RewardFunction, compile_bundle

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class EvalConfig:
    """The settings of one evaluation (recorded under `run` in metrics.json).

    Exactly one of `model` (a checkpoint to sample from) and `outputs` (a file of answers,
    see `rft.eval.table.read_outputs`) is given. `group_by`, `pass_threshold` and `report`
    are read by the report half (`rft.report.evaluation`).
    """

    data: Path
    grader: Path
    out: Path
    model: str | None = None
    outputs: Path | None = None
    samples: int = 4
    max_new_tokens: int = 128
    temperature: float = 1.0
    batch_size: int = 16
    backend: str = "transformers"
    seed: int = 0
    limit: int | None = None
    prompt_field: str | None = None
    group_by: list[str] = field(default_factory=list)
    pass_threshold: float = 0.5
    report: bool = True

    def __post_init__(self) -> None:
        if (self.model is None) == (self.outputs is None):
            raise ConfigError(
                "give exactly one of --model (generate answers) and --outputs (grade a file of answers)"
            )
        if self.samples < 1:
            raise ConfigError(f"--samples must be at least 1, got {self.samples}")
        if not 0.0 <= self.pass_threshold <= 1.0:
            raise ConfigError(f"--pass-threshold must lie in [0, 1], got {self.pass_threshold}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: str(v) if isinstance(v, Path) else v for k, v in data.items() if v is not None}


@dataclass
class EvalResult:
    """What an evaluation produced.

    `metrics` holds `kind`, `run` (the settings, with the k actually graded) and `seconds`;
    `rft.report.evaluation.report_evaluation` adds `summary`, `groups` and `checks`.
    """

    config: EvalConfig
    frame: pd.DataFrame
    metrics: dict[str, Any]
    files: list[Path]


def grade_answers(
    reward: RewardFunction,
    items: Sequence[dict[str, Any]],
    prompts: Sequence[Any],
    answers: Sequence[Sequence[str]],
    token_counts: Sequence[Sequence[int]] | None = None,
) -> pd.DataFrame:
    """Grade k answers per item in one batch and return the per-sample table."""
    flat_samples = [text for texts in answers for text in texts]
    flat_items = [item for item, texts in zip(items, answers, strict=True) for _ in texts]
    scores = reward.score(flat_samples, flat_items)
    return build_table(items, prompts, answers, scores, reward, token_counts)


def evaluate(config: EvalConfig) -> EvalResult:
    """Answer and grade every item; write `samples.parquet` and `samples.csv` under `config.out`."""
    started = time.perf_counter()
    items = read_jsonl(config.data)
    if config.limit is not None:
        items = items[: config.limit]
    if not items:
        raise ConfigError(f"{config.data} has no rows to evaluate")
    reward = compile_bundle(config.grader)
    problems = reward.check_items(items)
    if problems:
        raise ConfigError(
            f"the bundle does not fit {config.data}: " + "; ".join(problems[:3]),
            hint="fix the data or the templates (`rft graders validate` lists every problem)",
        )
    prompts = [prompt_of(item, config.prompt_field) for item in items]
    token_counts = None
    if config.model is not None:
        generations = generate(
            config.model,
            prompts,
            samples=config.samples,
            max_new_tokens=config.max_new_tokens,
            temperature=config.temperature,
            batch_size=config.batch_size,
            seed=config.seed,
            backend=config.backend,  # type: ignore[arg-type]
        )
        answers = [[g.text for g in gens] for gens in generations]
        token_counts = [[g.n_tokens for g in gens] for gens in generations]
    else:
        answers = read_outputs(config.outputs, items)  # type: ignore[arg-type]
    generated = time.perf_counter()
    with reward:
        frame = grade_answers(reward, items, prompts, answers, token_counts)
    graded = time.perf_counter()

    files = write_table(frame, config.out)
    settings = config.to_json() | {"samples": int(frame.groupby("item_index").size().min())}
    metrics = {
        "kind": "eval",
        "run": settings,
        "seconds": {
            "answers": round(generated - started, 3),
            "grading": round(graded - generated, 3),
        },
    }
    return EvalResult(config=config, frame=frame, metrics=metrics, files=files)
