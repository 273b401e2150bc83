"""A wheel built from the repository works away from the checkout.

Builds the wheel, installs it into a fresh venv (its dependencies come from the system site,
where the test environment already has them: no network), and runs `rft demo --quick` and
`rft graders test gene_rank` from an empty folder: the shipped bundles and schemas must come
from the wheel itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    root = tmp_path_factory.mktemp("wheel")
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(root / "dist"),
            str(REPO),
        ],
        cwd=root,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((root / "dist").glob("rft-*.whl"))
    made = run([sys.executable, "-m", "venv", "--system-site-packages", str(root / "venv")], root)
    assert made.returncode == 0, made.stderr
    python = root / "venv" / "bin" / "python"
    installed = run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], root
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return root / "venv"


def test_the_wheel_carries_bundles_and_schemas(venv: Path, tmp_path: Path) -> None:
    probe = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import rft, rft.shipped as s; print(rft.__file__); "
            "print(s.bundle_path('gene_rank')); print(s.shipped_dir('schemas'))",
        ],
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    module, bundle, schemas = probe.stdout.split()
    assert module.startswith(str(venv)), "the wheel's rft must be the one imported"
    assert bundle.startswith(str(venv)) and bundle.endswith("_shipped/graders/gene_rank.yaml")
    assert (Path(schemas) / "bundle.schema.json").is_file()


def test_demo_quick_runs_from_an_empty_folder(venv: Path, tmp_path: Path) -> None:
    done = run([str(venv / "bin" / "rft"), "demo", "--quick", "--out", "out"], cwd=tmp_path)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert (tmp_path / "out" / "demo.html").is_file()
