"""Reading a training run's `metrics.jsonl` defensively: whichever of the known keys exist.

`rft train` appends one JSON object per record with a `type` (see `rft.train.metrics`):
`train` records (per RL step), `eval` records (validation) and `warmup` records. Nested
objects are flattened with `/` and each record's keys are prefixed by its type (`train/`,
`valid/` for `eval`, `warmup/`), so `{"type": "eval", "graders": {"rank": 0.4}}` becomes
`valid/graders/rank`. Untyped lines are read as they are. The report then reads these keys
(the first alias present wins; every one is optional):

| meaning | keys tried, in order |
|---|---|
| step | `step`, `global_step` (else the line number) |
| train reward | `train/reward`, `train_reward`, `reward`, `rewards/mean` |
| valid reward | `valid/reward`, `valid_reward`, `eval/reward`, `eval_reward` |
| per-grader train mean | `train/graders/<name>`, `rewards/<name>/mean` |
| per-grader valid mean | `valid/graders/<name>`, `eval/graders/<name>` |
| completion length | `train/completion_length`, `completion_length`, `completions/mean_length` |
| zero-variance share | `train/quality/zero_variance_share`, `train/zero_variance_share`, `quality/zero_variance_share`, `train/frac_reward_zero_std`, `frac_reward_zero_std` |
| reward–length corr. | `train/quality/length_correlation`, `quality/length_correlation` |

A trainer gets the two `quality/…` numbers per step from `rft.stats.step_metrics`.

Non-numeric values (strings, nested objects) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rft.data import iter_jsonl

if TYPE_CHECKING:
    import pandas as pd

STEP_KEYS = ("step", "global_step")
TRAIN_REWARD_KEYS = ("train/reward", "train_reward", "reward", "rewards/mean")
VALID_REWARD_KEYS = ("valid/reward", "valid_reward", "eval/reward", "eval_reward")
LENGTH_KEYS = ("train/completion_length", "completion_length", "completions/mean_length")
ZERO_VARIANCE_KEYS = (
    "train/quality/zero_variance_share",
    "train/zero_variance_share",
    "quality/zero_variance_share",
    "train/frac_reward_zero_std",
    "frac_reward_zero_std",
)
LENGTH_CORRELATION_KEYS = ("train/quality/length_correlation", "quality/length_correlation")
RECORD_PREFIXES = {"train": "train", "eval": "valid", "warmup": "warmup"}

# Keys under train/ or valid/ that are not graders.
_NOT_GRADERS = {
    "reward",
    "reward_std",
    "loss",
    "completion_length",
    "zero_variance_share",
    "seconds",
    "runtime",
    "samples_per_second",
    "steps_per_second",
    "learning_rate",
    "grad_norm",
    "kl",
    "entropy",
    "epoch",
}
_GRADER_PATTERNS = {
    "train": (
        re.compile(r"^train/graders?/(?P<name>.+)$"),
        re.compile(r"^rewards/(?P<name>.+)/mean$"),
    ),
    "valid": (re.compile(r"^(?:valid|eval)/graders?/(?P<name>.+)$"),),
}


@dataclass
class History:
    """The numeric series of a training run, with the columns the report understands named."""

    frame: pd.DataFrame
    step: str | None = None
    train_reward: str | None = None
    valid_reward: str | None = None
    length: str | None = None
    zero_variance: str | None = None
    length_correlation: str | None = None
    train_graders: dict[str, str] = field(default_factory=dict)
    valid_graders: dict[str, str] = field(default_factory=dict)

    @property
    def steps(self) -> pd.Series:
        return self.frame[self.step] if self.step else self.frame.index.to_series()

    def __len__(self) -> int:
        return len(self.frame)

    def series(self, column: str) -> tuple[list[float], list[float]]:
        """(steps, values) of `column` where it was logged."""
        data = self.frame[[column]].assign(_step=self.steps.to_numpy()).dropna()
        return data["_step"].astype(float).tolist(), data[column].astype(float).tolist()


def _first(columns: list[str], keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if k in columns), None)


def _graders(columns: list[str], split: str, taken: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in _GRADER_PATTERNS[split]:
        for column in columns:
            match = pattern.match(column)
            if not match or column in taken:
                continue
            name = match["name"]
            if name in _NOT_GRADERS or name.split("/")[-1] in _NOT_GRADERS or name in found:
                continue
            found[name] = column
            taken = taken | {column}
    return found


def _flatten(value: dict, prefix: str, out: dict[str, float]) -> None:
    for key, inner in value.items():
        name = f"{prefix}{key}"
        if isinstance(inner, dict):
            _flatten(inner, name + "/", out)
        elif isinstance(inner, int | float) and not isinstance(inner, bool):
            out[name] = float(inner)


def flatten_record(record: dict) -> dict[str, float]:
    """One metrics.jsonl record as flat numeric columns, prefixed by its `type` (see above)."""
    out: dict[str, float] = {}
    prefix = RECORD_PREFIXES.get(str(record.get("type")))
    body = {k: v for k, v in record.items() if k not in STEP_KEYS}
    _flatten(body, f"{prefix}/" if prefix else "", out)
    for key in STEP_KEYS:
        if isinstance(record.get(key), int | float):
            out[key] = float(record[key])
    return out


def read_history(path: str | Path) -> History:
    """Load `metrics.jsonl` (one JSON object per line) into a `History`."""
    import pandas as pd  # on first use: every `rft` command loads this module at start-up

    rows = [flatten_record(value) for _, value in iter_jsonl(path) if isinstance(value, dict)]
    frame = pd.DataFrame(rows)
    columns = list(frame.columns)
    history = History(
        frame=frame,
        step=_first(columns, STEP_KEYS),
        train_reward=_first(columns, TRAIN_REWARD_KEYS),
        valid_reward=_first(columns, VALID_REWARD_KEYS),
        length=_first(columns, LENGTH_KEYS),
        zero_variance=_first(columns, ZERO_VARIANCE_KEYS),
        length_correlation=_first(columns, LENGTH_CORRELATION_KEYS),
    )
    taken = {
        c
        for c in (
            history.step,
            history.train_reward,
            history.valid_reward,
            history.length,
            history.zero_variance,
            history.length_correlation,
        )
        if c
    }
    history.train_graders = _graders(columns, "train", taken)
    history.valid_graders = _graders(columns, "valid", taken)
    return history
