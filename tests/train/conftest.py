"""Fixtures for the train tests: real data files and a real tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_helpers import GRADER, addition_rows, write_jsonl


@pytest.fixture(scope="session")
def arithmetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Train/valid files (disjoint) and a tiny char-level model built from their text."""
    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    root = tmp_path_factory.mktemp("arithmetic")
    train = write_jsonl(root / "train.jsonl", addition_rows(3000))
    valid = write_jsonl(root / "valid.jsonl", addition_rows(200, offset=3000))
    build_tiny_model(corpus_from_jsonl([train, valid]), root / "tiny")
    return {"root": root, "train": train, "valid": valid, "model": root / "tiny", "grader": GRADER}
