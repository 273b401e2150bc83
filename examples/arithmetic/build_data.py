"""Build the arithmetic example: two-digit addition data and a tiny model for it.

    python examples/arithmetic/build_data.py     # writes runs/arithmetic/{data,tiny-model}

Rows look like {"prompt": "12+34=", "answer": "46"}. Train and valid prompts are disjoint
pairs (a, b) drawn from 10..99 x 10..99 with a fixed seed; the tiny model is a ~0.13M
parameter Llama with a character-level tokenizer trained on the rows' own text.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parents[1] / "runs" / "arithmetic"


def make_rows(n_train: int, n_valid: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Disjoint train/valid rows of two-digit additions."""
    pairs = [(a, b) for a in range(10, 100) for b in range(10, 100)]
    random.Random(seed).shuffle(pairs)
    if n_train + n_valid > len(pairs):
        raise ValueError(f"at most {len(pairs)} distinct pairs")
    rows = [{"prompt": f"{a}+{b}=", "answer": str(a + b)} for a, b in pairs[: n_train + n_valid]]
    return rows[:n_train], rows[n_train:]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def build(out_dir: Path, n_train: int = 3000, n_valid: int = 200, seed: int = 0) -> dict:
    """Write `data/train.jsonl`, `data/valid.jsonl` and `tiny-model/` under `out_dir`."""
    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    train, valid = make_rows(n_train, n_valid, seed)
    write_jsonl(out_dir / "data" / "train.jsonl", train)
    write_jsonl(out_dir / "data" / "valid.jsonl", valid)
    corpus = corpus_from_jsonl([out_dir / "data" / "train.jsonl", out_dir / "data" / "valid.jsonl"])
    return build_tiny_model(corpus, out_dir / "tiny-model", seed=seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--train", type=int, default=3000)
    parser.add_argument("--valid", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(build(args.out, args.train, args.valid, args.seed))
