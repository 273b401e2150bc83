"""The core (load, compile, score) needs none of the training stack: `import rft` loads no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "trl", "httpx", "matplotlib")

# Each shipped core bundle: compiled and scored in a fresh interpreter.
CORE_BUNDLES = ("exact_answer.yaml", "fuzzy_name.yaml", "gene_rank.yaml")

PROGRAM = """
import json, sys
import rft
reward = rft.compile(sys.argv[1])
reward.score(["x", '{"genes": ["FBN1"]}'], [{"answer": "x", "name": "x", "gene": "FBN1"}] * 2)
print(json.dumps(sorted(m for m in sys.argv[2:] if m in sys.modules)))
"""


@pytest.mark.parametrize("bundle", CORE_BUNDLES)
def test_compiling_and_scoring_a_core_bundle_imports_no_training_stack(bundle: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(REPO / "graders" / bundle), *HEAVY],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_probe_sees_a_heavy_import() -> None:
    # The check above would pass vacuously if the probe could not see an import at all.
    code = "import json, sys, numpy; print(json.dumps(sorted(m for m in sys.argv[1:] if m in sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code, "numpy", "torch"], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == ["numpy"]
