"""Fixtures for `rft eval` tests: a few arithmetic items and a tag-reading bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BUNDLE = """\
name: arithmetic
type: multi
graders:
  exact: {type: string_check, input: "{{ sample.output_text | extract_tag('answer') | strip }}",
          reference: "{{ item.answer }}", operation: eq}
  shown: {type: string_check, reference: "{{ item.answer }}", operation: like}
calculate_output: "exact"
"""


@pytest.fixture
def task(tmp_path: Path) -> dict[str, Path]:
    rows = [
        {"id": f"q{i}", "prompt": f"{i}+{i}=", "answer": str(2 * i), "level": i % 2}
        for i in range(6)
    ]
    data = tmp_path / "valid.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text(BUNDLE)
    return {"data": data, "bundle": bundle, "dir": tmp_path}
