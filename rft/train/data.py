"""Data checks before any compute: every problem of the train/valid files is reported at once.

A row is a JSON object with either `messages` (chat format: a list of `{role, content}`; the
model writes the next assistant turn) or a `prompt` string, plus any fields the grader reads
as `item.<field>`. `check_data` reads both splits and raises one `DataError` listing malformed
lines (with line numbers), rows without a prompt, an empty split, prompts shared by train and
valid, fields the grader's templates need but a row lacks, and rows whose warm-up target does
not render.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rft.errors import DataError, Location, TemplateError
from rft.prompts import prompt_of  # the one definition, shared with `rft eval`
from rft.templates import MissingVariable, compile_template

MAX_LISTED = 8  # problems listed per kind; the rest are counted


@dataclass
class Split:
    """The rows of one data file (1-based line numbers kept for messages)."""

    path: Path
    rows: list[dict[str, Any]]
    lines: list[int]


@dataclass
class TrainData:
    """Checked train and valid splits (and the warm-up's own file, when the job names one)."""

    train: Split
    valid: Split
    warmup: Split | None = None

    @property
    def warmup_split(self) -> Split:
        """The rows the SFT warm-up draws from: `warmup.train_file`, else the train split."""
        return self.warmup if self.warmup is not None else self.train


def prompt_key(row: Mapping[str, Any]) -> str:
    """A canonical text of a row's prompt, to find identical prompts across splits."""
    return json.dumps(prompt_of(row), sort_keys=True, ensure_ascii=False)


def _row_problem(row: Any) -> str | None:
    if not isinstance(row, dict):
        return f"is a JSON {type(row).__name__}, not an object"
    if "messages" in row:
        messages = row["messages"]
        if not isinstance(messages, list) or not messages:
            return "`messages` must be a non-empty list of {role, content} objects"
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or "role" not in m or "content" not in m:
                return f"`messages[{i}]` must be an object with `role` and `content`"
            if m["role"] not in ("system", "user", "assistant", "developer", "tool"):
                return f"`messages[{i}].role` is {m['role']!r}; use system, user or assistant"
        if messages[-1]["role"] == "assistant":
            return "the last message is the assistant's: drop it (the model writes that turn)"
        return None
    if "prompt" in row:
        if not isinstance(row["prompt"], str) or not row["prompt"]:
            return "`prompt` must be a non-empty string (or use `messages`)"
        return None
    return "has neither `messages` nor `prompt`"


def read_split(path: Path, name: str, problems: list[str]) -> Split:
    """Read a JSONL split, appending every problem (with its line) to `problems`."""
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    if not path.is_file():
        problems.append(f"{name}_file {path} does not exist")
        return Split(path, rows, lines)
    bad: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                bad.append(f"{path}:{number}: not valid JSON ({exc.msg}, column {exc.colno})")
                continue
            problem = _row_problem(row)
            if problem:
                bad.append(f"{path}:{number}: row {problem}")
                continue
            rows.append(row)
            lines.append(number)
    problems.extend(_capped(bad))
    if not rows and not bad:
        problems.append(f"{name}_file {path} is empty: the {name} split needs at least one row")
    return Split(path, rows, lines)


def _capped(found: Sequence[str]) -> list[str]:
    out = list(found[:MAX_LISTED])
    if len(found) > MAX_LISTED:
        out.append(f"... and {len(found) - MAX_LISTED} more like these")
    return out


def check_data(
    train_file: Path,
    valid_file: Path,
    *,
    reward: Any | None = None,
    warmup_target: str | None = None,
    warmup_file: Path | None = None,
) -> TrainData:
    """Read and check both splits; raise one `DataError` listing every problem found.

    Args:
        train_file, valid_file: JSONL files.
        reward: the compiled grader (`rft.compile(...)`); its `check_items` validates each
            row against the fields the grader's templates read.
        warmup_target: the warm-up SFT target template, rendered for every warm-up row.
        warmup_file: a separate JSONL file of SFT rows (`warmup.train_file`); its prompts must
            not appear in the validation split either.
    """
    problems: list[str] = []
    train = read_split(Path(train_file), "train", problems)
    valid = read_split(Path(valid_file), "valid", problems)
    warmup = read_split(Path(warmup_file), "warmup.train", problems) if warmup_file else None

    valid_keys = {prompt_key(r): line for r, line in zip(valid.rows, valid.lines, strict=True)}
    overlap = [
        f"{split.path}:{line} has the same prompt as {valid.path}:{valid_keys[key]}"
        for split in (train, *([warmup] if warmup is not None else []))
        for row, line in zip(split.rows, split.lines, strict=True)
        if (key := prompt_key(row)) in valid_keys
    ]
    if overlap:
        problems.append(
            f"{len(overlap)} training prompt(s) also appear in the validation split "
            "(validation reward would measure memorisation):"
        )
        problems.extend("  " + p for p in _capped(overlap))

    if reward is not None:
        for split in (train, valid):
            found = reward.check_items(split.rows)
            problems.extend(f"{split.path}: {_line_of(p, split)}" for p in _capped(found))

    sft = warmup if warmup is not None else train
    if warmup_target is not None and sft.rows:
        problems.extend(_check_target(warmup_target, sft))

    if problems:
        raise DataError(
            "the data is not ready for training:\n  " + "\n  ".join(problems),
            hint="fix the lines above; nothing was loaded or trained",
        )
    return TrainData(train=train, valid=valid, warmup=warmup)


def warmup_rows(split: Split, max_rows: int | None, seed: int) -> list[dict[str, Any]]:
    """The SFT rows: all of `split`, or its first `max_rows` after a shuffle seeded by `seed`."""
    if max_rows is None or max_rows >= len(split.rows):
        return list(split.rows)
    rows = list(split.rows)
    random.Random(seed).shuffle(rows)
    return rows[:max_rows]


def _line_of(problem: str, split: Split) -> str:
    """Turn check_items' `row N: ...` (1-based row index) into the file's line number."""
    if problem.startswith("row "):
        head, _, rest = problem.partition(":")
        try:
            index = int(head[4:]) - 1
            return f"line {split.lines[index]}:{rest}"
        except (ValueError, IndexError):
            return problem
    return problem


def render_targets(template: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The warm-up SFT target of each row (raises DataError naming the first bad row)."""

    compiled = compile_template(template, Location(field=("warmup", "target")))
    out = []
    for i, row in enumerate(rows, start=1):
        try:
            value = compiled({"item": row})
        except MissingVariable as exc:
            raise DataError(
                f"row {i}: warm-up target {template!r} reads `{exc.path}`, which is missing"
            ) from None
        out.append(value if isinstance(value, str) else json.dumps(value))
    return out


def _check_target(template: str, split: Split) -> list[str]:

    try:
        compiled = compile_template(template, Location(field=("warmup", "target")))
    except TemplateError as exc:
        return [f"warmup.target: {exc}"]
    bad = []
    for row, line in zip(split.rows, split.lines, strict=True):
        try:
            compiled({"item": row})
        except MissingVariable as exc:
            bad.append(
                f"{split.path}:{line}: warm-up target {template!r} reads `{exc.path}`, which is missing"
            )
    return _capped(bad)
