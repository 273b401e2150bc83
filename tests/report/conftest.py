"""Fixtures for report tests: a small arithmetic data set, bundles, and real `rft eval` runs."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from rft.eval import EvalConfig
from rft.report.evaluation import evaluate_and_report

EXACT_BUNDLE = """\
name: arithmetic
type: multi
graders:
  exact: {type: string_check, input: "{{ sample.output_text | extract_tag('answer') | strip }}",
          reference: "{{ item.answer }}", operation: eq}
  tagged: {type: string_check, input: "{{ sample.output_text }}", reference: "<answer>",
           operation: like}
calculate_output: "exact * tagged"
"""

# A two-way substring check: the answer contains the reference or the reference contains the
# answer. An empty answer is contained in every reference, so it scores 1.0.
WEAK_BUNDLE = """\
name: two_way_substring
type: multi
graders:
  answer_in_reference: {type: string_check, input: "{{ item.answer }}",
                        reference: "{{ sample.output_text }}", operation: like}
  reference_in_answer: {type: string_check, reference: "{{ item.answer }}", operation: like}
calculate_output: "max(answer_in_reference, reference_in_answer)"
"""


@pytest.fixture
def arithmetic(tmp_path: Path) -> dict[str, Path]:
    """valid.jsonl (40 sums with ids and a `level` field) and the two bundles."""
    rng = random.Random(0)
    rows = []
    for i in range(40):
        a, b = rng.randint(0, 49), rng.randint(0, 49)
        rows.append(
            {
                "id": f"sum-{i}",
                "prompt": f"What is {a} + {b}? Answer in <answer></answer> tags.",
                "answer": str(a + b),
                "level": "carry" if (a % 10 + b % 10) >= 10 else "no-carry",
            }
        )
    data = tmp_path / "valid.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    exact = tmp_path / "arithmetic.yaml"
    exact.write_text(EXACT_BUNDLE)
    weak = tmp_path / "weak.yaml"
    weak.write_text(WEAK_BUNDLE)
    return {"data": data, "bundle": exact, "weak": weak, "dir": tmp_path}


def write_outputs(path: Path, data: Path, accuracy: float, k: int, seed: int) -> Path:
    """k answers per item, each right with probability `accuracy` (tagged), else off by one."""
    rng = random.Random(seed)
    lines = []
    for line in data.read_text().splitlines():
        item = json.loads(line)
        for _ in range(k):
            right = rng.random() < accuracy
            value = item["answer"] if right else str(int(item["answer"]) + 1)
            lines.append(
                json.dumps({"id": item["id"], "output_text": f"Sum: <answer>{value}</answer>"})
            )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def make_run(arithmetic: dict[str, Path]) -> Callable[..., Path]:
    """Evaluate a synthetic model of the given accuracy with the real pipeline; returns the run dir."""

    def make(name: str, accuracy: float, k: int = 4, seed: int = 0, **options) -> Path:
        root = arithmetic["dir"]
        outputs = write_outputs(root / f"{name}.jsonl", arithmetic["data"], accuracy, k, seed)
        config = EvalConfig(
            data=arithmetic["data"],
            grader=arithmetic["bundle"],
            out=root / name,
            outputs=outputs,
            samples=k,
            **options,
        )
        evaluate_and_report(config)
        return root / name

    return make
