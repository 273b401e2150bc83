"""Every limit a python-grader bundle may set has a hard ceiling (OpenAI's hosted graders':
2 minutes, 2 GB memory, 1 GB disk; workers bounded too), refused at validation with the file,
line and field; the same ceilings hold for code that builds `Limits` itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import rft
from rft.sandbox import Limits, WorkerPool

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    ("timeout_s: .inf", "timeout_s", "Input should be a finite number"),
    ("timeout_s: .nan", "timeout_s", "Input should be a finite number"),
    ("timeout_s: 121", "timeout_s", "Input should be less than or equal to 120"),
    ("timeout_s: 0", "timeout_s", "Input should be greater than 0"),
    ("cpu_time_s: 121", "cpu_time_s", "Input should be less than or equal to 120"),
    ("memory_mb: 4096", "memory_mb", "Input should be less than or equal to 2048"),
    ("disk_mb: 2048", "disk_mb", "Input should be less than or equal to 1024"),
    ("max_file_mb: 2048", "max_file_mb", "Input should be less than or equal to 1024"),
    ("workers: 9", "workers", "Input should be less than or equal to 8"),
    ("workers: 0", "workers", "Input should be greater than or equal to 1"),
]


def write_bundle(path: Path, line: str) -> Path:
    path.write_text(
        "name: x\ntype: python\nsource: |\n  def grade(sample, item):\n      return 1.0\n"
        + line
        + "\n"
    )
    return path


@pytest.mark.parametrize(("line", "field", "message"), CASES)
def test_limit_above_its_ceiling_is_refused_with_its_location(tmp_path, line, field, message):
    path = write_bundle(tmp_path / "b.yaml", line)
    with pytest.raises(rft.BundleError) as err:
        rft.load_bundle(path)
    assert str(err.value) == f"{path}:6, field `{field}`: {message}"


def test_limits_at_their_ceilings_are_accepted(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        "name: x\ntype: python\nsource: |\n  def grade(sample, item):\n      return 1.0\n"
        "timeout_s: 120\ncpu_time_s: 120\nmemory_mb: 2048\ndisk_mb: 1024\nmax_file_mb: 1024\n"
        "workers: 8\n"
    )
    spec = rft.load_bundle(path).spec
    limits = (spec.timeout_s, spec.cpu_time_s, spec.memory_mb, spec.disk_mb, spec.max_file_mb)
    assert limits == (120, 120, 2048, 1024, 1024) and spec.workers == 8


def test_validate_cli_exits_2_on_an_infinite_timeout(tmp_path):
    path = write_bundle(tmp_path / "b.yaml", "timeout_s: .inf")
    proc = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "graders", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert f"{path}:6, field `timeout_s`: Input should be a finite number" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout_s": float("inf")}, "Limits.timeout_s must be at most 120, not inf"),
        ({"timeout_s": float("nan")}, "Limits.timeout_s must be at most 120, not nan"),
        ({"memory_mb": 4096}, "Limits.memory_mb must be at most 2048, not 4096"),
        ({"disk_mb": 0}, "Limits.disk_mb must be at most 1024, not 0"),
    ],
)
def test_library_limits_have_the_same_ceilings(kwargs, message):
    with pytest.raises(ValueError) as err:
        Limits(**kwargs)
    assert str(err.value) == message


def test_pool_size_is_bounded():
    with pytest.raises(ValueError) as err:
        WorkerPool("def grade(s, i):\n    return 1.0", size=64)
    assert str(err.value) == "WorkerPool size must be in [1, 8], not 64"
