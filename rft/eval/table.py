"""The per-sample table of an evaluation: one row per (item, sample), written as parquet and CSV.

Columns (in this order; grader columns depend on the bundle):

| column | meaning |
|---|---|
| `item_index`, `sample_index` | 0-based row of the item in the data file; which of its k samples |
| `item_id` | the item's `id` field when it has one (how `rft report compare` pairs items) |
| `prompt` | the prompt as text (chat messages as `role: content` lines) |
| `reference` | the item fields the bundle reads, as text (`field=value; …`) |
| `output_text` | the graded answer |
| `length_chars`, `length_tokens` | answer length (tokens only when this eval generated it) |
| `score`, `skipped` | final reward, and whether an `on_error: skip` grader withheld it |
| `score.<grader>` | each grader's own score (dotted for nested graders) |
| `<grader>.<detail>` | grader details, e.g. `rank` of a ranked_list grader (1-based, 0 absent) |
| error flags, `error_message` | OpenAI's flag names, True where raised; the first message |
| `item_json` | the whole item as JSON (so any field can be grouped on later) |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from rft.data import iter_jsonl
from rft.errors import DataError
from rft.prompts import prompt_text
from rft.templates import MissingVariable, resolve_path

if TYPE_CHECKING:
    import pandas as pd

    from rft.results import Scores
    from rft.reward import RewardFunction

SAMPLES_PARQUET = "samples.parquet"
SAMPLES_CSV = "samples.csv"
OUTPUT_TEXT_COLUMNS = ("output_text", "completion", "output", "response")


def reference_text(reward: RewardFunction, item: Mapping[str, Any]) -> str:
    """The item fields the bundle's templates read, as `field=value; …` (a lone field: its value)."""
    seen: list[tuple[str | int, ...]] = []
    for _, path in reward.item_paths():
        if path not in seen:
            seen.append(path)
    parts = []
    for path in seen:
        try:
            value = resolve_path(item, path)
        except MissingVariable:
            continue
        text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
        parts.append((".".join(str(p) for p in path), text))
    if len(parts) == 1:
        return parts[0][1]
    return "; ".join(f"{name}={text}" for name, text in parts)


def output_text_of(value: Any) -> str:
    """An answer from an outputs file: text, `{"content": …}`, or chat messages (the last one)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return str(value.get("content", ""))
    if isinstance(value, Sequence) and value and isinstance(value[-1], Mapping):
        return str(value[-1].get("content", ""))
    return str(value)


def read_outputs(path: str | Path, items: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Answers per item from an outputs file (JSONL, JSON list, CSV or parquet).

    Each row has the answer in `output_text` (or `completion`, `output`, `response`) and says
    which item it answers by `item_index` (0-based row of the data file) or `id` / `item_id`
    (the item's `id` field). Without either, rows answer the items in order, k consecutive rows
    per item. A `samples.parquet` written by `rft eval` is a valid outputs file.
    """
    import pandas as pd  # on first use: every `rft` command loads this module at start-up

    path = Path(path)
    if not path.exists():
        raise DataError(f"no such outputs file: {path}", hint="check the path")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix == ".csv":
        frame = pd.read_csv(path, keep_default_na=False)
    else:
        if suffix == ".json":
            rows = orjson.loads(path.read_bytes())
            rows = rows if isinstance(rows, list) else [rows]
        else:
            rows = [value for _, value in iter_jsonl(path)]
        if any(not isinstance(r, Mapping) for r in rows):
            raise DataError(
                f"{path}: every outputs row must be a JSON object",
                hint='write e.g. {"item_index": 0, "output_text": "..."}',
            )
        frame = pd.DataFrame(rows)
    text_column = next((c for c in OUTPUT_TEXT_COLUMNS if c in frame.columns), None)
    if text_column is None:
        raise DataError(
            f"{path}: no answer column; expected one of {', '.join(OUTPUT_TEXT_COLUMNS)}",
            hint=f"found columns: {', '.join(map(str, frame.columns))}",
        )
    texts = [output_text_of(v) for v in frame[text_column].tolist()]
    n = len(items)
    if "item_index" in frame.columns:
        index = [int(i) for i in frame["item_index"].tolist()]
    elif "item_id" in frame.columns or "id" in frame.columns:
        key = "item_id" if "item_id" in frame.columns else "id"
        by_id = {str(item.get("id")): i for i, item in enumerate(items) if "id" in item}
        missing = [v for v in frame[key].tolist() if str(v) not in by_id]
        if missing:
            raise DataError(
                f"{path}: {len(missing)} rows name an id not in the data, e.g. {missing[0]!r}",
                hint="the outputs must answer items of the --data file (matched on `id`)",
            )
        index = [by_id[str(v)] for v in frame[key].tolist()]
    else:
        if n == 0 or len(texts) % n:
            raise DataError(
                f"{path}: {len(texts)} rows for {n} items and no item_index/id column",
                hint="add `item_index` (0-based row of the data file) or `id` to each row",
            )
        k = len(texts) // n
        index = [i // k for i in range(len(texts))]
    answers: list[list[str]] = [[] for _ in range(n)]
    for i, text in zip(index, texts, strict=True):
        if not 0 <= i < n:
            raise DataError(f"{path}: item_index {i} is outside the data's {n} rows")
        answers[i].append(text)
    empty = [i for i, a in enumerate(answers) if not a]
    if empty:
        raise DataError(
            f"{path}: {len(empty)} items have no answer (first: item_index {empty[0]})",
            hint="answer every item of --data, or pass --limit to evaluate the first rows only",
        )
    return answers


def build_table(
    items: Sequence[Mapping[str, Any]],
    prompts: Sequence[Any],
    answers: Sequence[Sequence[str]],
    scores: Scores,
    reward: RewardFunction,
    token_counts: Sequence[Sequence[int]] | None = None,
) -> pd.DataFrame:
    """The per-sample table (columns in the module docstring); `scores` is in flattened order."""
    import pandas as pd  # on first use: every `rft` command loads this module at start-up

    rows: dict[str, list[Any]] = {
        "item_index": [],
        "sample_index": [],
        "prompt": [],
        "reference": [],
        "output_text": [],
        "length_chars": [],
        "item_json": [],
    }
    has_ids = any("id" in item for item in items)
    ids: list[str | None] = []
    lengths: list[int] = []
    for i, (item, prompt, texts) in enumerate(zip(items, prompts, answers, strict=True)):
        ptext, ref = prompt_text(prompt), reference_text(reward, item)
        item_json = orjson.dumps(item, default=str).decode()
        for j, text in enumerate(texts):
            rows["item_index"].append(i)
            rows["sample_index"].append(j)
            rows["prompt"].append(ptext)
            rows["reference"].append(ref)
            rows["output_text"].append(text)
            rows["length_chars"].append(len(text))
            rows["item_json"].append(item_json)
            ids.append(None if item.get("id") is None else str(item["id"]))
            if token_counts is not None:
                lengths.append(int(token_counts[i][j]))
    front = pd.DataFrame(rows)
    if has_ids:
        front.insert(2, "item_id", ids)
    if token_counts is not None:
        front.insert(front.columns.get_loc("length_chars") + 1, "length_tokens", lengths)
    graded = scores.to_frame()
    for column in graded.columns:
        # Parquet wants one type per column: nested details (lists, dicts) become JSON text.
        if (
            graded[column].dtype == object
            and graded[column].map(lambda v: isinstance(v, list | dict | tuple)).any()
        ):
            graded[column] = graded[column].map(lambda v: orjson.dumps(v, default=str).decode())
    item_json = front.pop("item_json")
    return pd.concat([front, graded], axis=1).assign(item_json=item_json.to_numpy())


def write_table(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the table as `samples.parquet` and `samples.csv` under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet, csv = out_dir / SAMPLES_PARQUET, out_dir / SAMPLES_CSV
    frame.to_parquet(parquet, index=False)
    frame.to_csv(csv, index=False)
    return [parquet, csv]


def read_table(run_dir: Path) -> pd.DataFrame | None:
    """The per-sample table of a run directory (or its `eval/` sub-folder), or None."""
    import pandas as pd  # on first use: every `rft` command loads this module at start-up

    for folder in (run_dir, run_dir / "eval"):
        if (folder / SAMPLES_PARQUET).exists():
            return pd.read_parquet(folder / SAMPLES_PARQUET)
        if (folder / SAMPLES_CSV).exists():
            return pd.read_csv(folder / SAMPLES_CSV, keep_default_na=False)
    return None


def item_field(frame: pd.DataFrame, field: str) -> list[Any]:
    """One value of item field `field` (dotted path allowed) per row of the table."""
    path = tuple(int(p) if p.isdigit() else p for p in field.split("."))
    values = []
    cache: dict[str, Any] = {}
    for raw in frame["item_json"].tolist():
        if raw not in cache:
            try:
                cache[raw] = resolve_path(orjson.loads(raw), path)
            except MissingVariable:
                cache[raw] = None
        value = cache[raw]
        values.append(
            value if value is None or isinstance(value, str | int | float | bool) else str(value)
        )
    return values
