"""Shipped bundles are addressable by name, from any working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import rft
from rft.errors import RftError
from rft.shipped import bundle_path, resolve_bundle, shipped_bundles, shipped_dir

REPO = Path(__file__).resolve().parents[1]


def test_every_shipped_bundle_is_found_by_name_and_loads() -> None:
    names = shipped_bundles()
    assert {"gene_rank", "numeric_answer", "exact_answer"} <= set(names)
    for name, path in names.items():
        assert bundle_path(name) == path == bundle_path(path.name)
        assert rft.load_bundle(name).path == path
    assert (shipped_dir("schemas") / "bundle.schema.json").is_file()


def test_a_local_file_wins_over_a_shipped_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gene_rank.yaml").write_text(
        "type: string_check\nname: mine\noperation: eq\n"
        "input: '{{ sample.output_text }}'\nreference: '{{ item.a }}'\n"
    )
    assert resolve_bundle("gene_rank.yaml") == Path("gene_rank.yaml")
    assert rft.load_bundle("gene_rank.yaml").name == "mine"
    assert rft.load_bundle("gene_rank").name == "gene_rank"  # no suffix: the shipped one


def test_unknown_names_and_missing_files_say_what_exists(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RftError, match=r"did you mean `gene_rank`\?; shipped bundles: .*gene_rank"):
        resolve_bundle("gene_rnk")
    assert resolve_bundle("nope.yaml") == Path("nope.yaml")  # the loader reports the file
    with pytest.raises(RftError, match=r"nope\.yaml"):
        rft.load_bundle("nope.yaml")


def test_cli_tests_a_shipped_bundle_by_name_from_an_empty_folder(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "graders", "test", "gene_rank"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed, 0 failed" in done.stdout
