"""verl and OpenRLHF call rft bundles through their own reward code (run in a subprocess).

The engines' packages are installed apart from the main environment (`.ci/install-engines`),
and `drive_engines.py` calls verl's `NaiveRewardManager`/`BatchRewardManager` and OpenRLHF's
`SingleTurnAgentExecutor` with rft's adapters. Each must give the rewards `rft.compile` gives
in process for the same (response, reference) pairs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from drive_engines import CASES

import rft

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("drive_engines.py")
REPO = Path(__file__).resolve().parents[2]
GENE_RANK = REPO / "graders" / "gene_rank.yaml"


def expected_rewards() -> list[float]:
    reward = rft.compile(GENE_RANK)
    return [
        float(s) for s in reward.score([r for _, r, _ in CASES], [ref for *_, ref in CASES]).scores
    ]


def drive(engine_site: Path, *args: str) -> object:
    env = {**os.environ, "PYTHONPATH": f"{engine_site}{os.pathsep}{REPO}"}
    done = subprocess.run(
        [sys.executable, str(DRIVER), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


@pytest.mark.parametrize("manager", ["verl-naive", "verl-batch"])
def test_verl_reward_managers_score_like_rft(engine_site: Path, manager: str) -> None:
    result = drive(engine_site, manager, str(GENE_RANK))
    assert expected_rewards() == [
        1.0,
        0.5,
        0.0,
        0.0,
    ]  # the cases cover first, second, absent, malformed
    assert result["rewards"] == expected_rewards()
    assert result["extra"]["rank"] == [1.0, 0.5, 0.0, 0.0]
    assert result["extra"]["format"] == [1.0, 1.0, 1.0, 0.0]
    assert result["extra"]["rft_error"] == [0.0, 0.0, 0.0, 1.0]


def test_openrlhf_reward_func_file(engine_site: Path) -> None:
    replies = drive(engine_site, "openrlhf-func", str(GENE_RANK))
    assert [r["rewards"] for r in replies] == [[v] for v in expected_rewards()] + [[0.0]]
    # The last query lost its prompt: it holds a full-score answer but is not graded whole.
    assert [r["extra_logs"]["rft/prompt_not_found"] for r in replies] == [[0.0]] * 4 + [[1.0]]


def test_openrlhf_http_client_against_rft_serve(engine_site: Path, serve_app) -> None:
    url = serve_app(GENE_RANK) + "/get_reward"
    replies = drive(engine_site, "openrlhf-http", str(GENE_RANK), url)
    assert [r["rewards"] for r in replies] == [[v] for v in expected_rewards()] + [[0.0]]
    assert [r["scores"] for r in replies] == [r["rewards"] for r in replies]
    assert replies[3]["extra_logs"]["rft/error"] == [1.0]
