"""Helpers of the train tests: real data files and job files."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GRADER = REPO / "examples" / "arithmetic" / "grader.yaml"


def addition_rows(n: int, seed: int = 0, offset: int = 0) -> list[dict[str, Any]]:
    pairs = [(a, b) for a in range(10, 100) for b in range(10, 100)]
    random.Random(seed).shuffle(pairs)
    return [{"prompt": f"{a}+{b}=", "answer": str(a + b)} for a, b in pairs[offset : offset + n]]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_job(path: Path, **fields: Any) -> Path:
    path.write_text(yaml.safe_dump(fields, sort_keys=False), encoding="utf-8")
    return path
