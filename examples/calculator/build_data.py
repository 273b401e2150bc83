"""Build the calculator example: two-digit additions as chat prompts, and a tiny tool-calling model.

    python examples/calculator/build_data.py     # writes runs/calculator/{data,tiny-model}

Rows look like ``{"messages": [{"role": "user", "content": "12+34"}], "expression": "12+34",
"answer": "46"}``: TRL's GRPO with tools needs chat prompts, and the grader reads
`expression` (the call it expects) and `answer`. Train and valid pairs are disjoint (the
arithmetic example's `make_rows`, same seed); the model is `calculator.build_tiny_model`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parents[1] / "runs" / "calculator"
sys.path.insert(0, str(HERE))  # this example's calculator.py
from calculator import build_tiny_model  # noqa: E402

# The arithmetic example's rows (a module of the same name: loaded from its path).
_spec = importlib.util.spec_from_file_location(
    "arithmetic_data", HERE.parent / "arithmetic" / "build_data.py"
)
arithmetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(arithmetic)


def chat_row(row: dict[str, str]) -> dict[str, Any]:
    """An arithmetic row `{"prompt": "12+34=", "answer": "46"}` as a chat row with its expression."""
    expression = row["prompt"].rstrip("=")
    return {
        "messages": [{"role": "user", "content": expression}],
        "expression": expression,
        "answer": row["answer"],
    }


def build(out_dir: Path, n_train: int = 2000, n_valid: int = 200, seed: int = 0) -> dict:
    """Write `data/train.jsonl`, `data/valid.jsonl` and `tiny-model/` under `out_dir`."""
    train, valid = (
        [chat_row(r) for r in rows] for rows in arithmetic.make_rows(n_train, n_valid, seed)
    )
    arithmetic.write_jsonl(out_dir / "data" / "train.jsonl", train)
    arithmetic.write_jsonl(out_dir / "data" / "valid.jsonl", valid)
    return build_tiny_model(train + valid, out_dir / "tiny-model", seed=seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--valid", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(build(args.out, args.train, args.valid, args.seed)))
