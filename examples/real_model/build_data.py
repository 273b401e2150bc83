"""Build the real-model example's data: short arithmetic word problems as chat rows.

    python examples/real_model/build_data.py      # writes runs/real_model/data/{train,valid}.jsonl

Rows look like {"messages": [{"role": "system", ...}, {"role": "user", ...}], "answer": "1234"};
`graders/numeric_answer.yaml` grades the model's last \\boxed{} (else its last number).
Train and valid problems are disjoint (a fixed seed).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parents[1] / "runs" / "real_model" / "data"
SYSTEM = "Solve the problem. Think step by step, then give the final number as \\boxed{N}."
TEMPLATES = [
    (
        "A shop sells {a} apples in the morning and {b} in the afternoon. How many apples does it "
        "sell in total?",
        lambda a, b, c: a + b,
    ),
    (
        "A train carries {a} passengers; at the first stop {c} get off and {b} get on. How many "
        "passengers are on the train now?",
        lambda a, b, c: a - c + b,
    ),
    (
        "Each box holds {c} pens. How many pens are in {a} boxes plus {b} loose pens?",
        lambda a, b, c: a * c + b,
    ),
]


def make_rows(n_train: int, n_valid: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Disjoint train/valid chat rows with their numeric `answer`."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[dict] = []
    while len(rows) < n_train + n_valid:
        text, solve = rng.choice(TEMPLATES)
        a, b, c = rng.randint(20, 999), rng.randint(2, 99), rng.randint(2, 19)
        question = text.format(a=a, b=b, c=c)
        if question in seen:
            continue
        seen.add(question)
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": question},
                ],
                "answer": str(solve(a, b, c)),
            }
        )
    return rows[:n_train], rows[n_train:]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def build(out_dir: Path, n_train: int = 2000, n_valid: int = 200, seed: int = 0) -> dict:
    """Write `train.jsonl` and `valid.jsonl` under `out_dir`; returns their paths."""
    train, valid = make_rows(n_train, n_valid, seed)
    return {
        "train": str(write_jsonl(out_dir / "train.jsonl", train)),
        "valid": str(write_jsonl(out_dir / "valid.jsonl", valid)),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--valid", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(build(args.out, args.train, args.valid, args.seed))
