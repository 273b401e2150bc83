"""Hostile bundle files: each one is one located message and exit 2 from the real CLI.

Every case runs `python -m rft.cli.main graders validate` in a child process with a memory
cap: a regression shows as a failed assertion, not a swapped-out test machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMORY_BYTES = 2 * 1024**3

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
type: string_check
"""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rft.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
        preexec_fn=_cap_memory,
    )


def deep_yaml(n: int) -> str:
    return "type: string_check\nreference: x\nmetadata: " + "[" * n + "]" * n + "\n"


def deep_json(n: int) -> str:
    return '{"type": "string_check", "reference": "x", "tests": ' + "[" * n + "]" * n + "}"


def formula_bundle(terms: int) -> str:
    return (
        "type: multi\n"
        "graders:\n"
        "  a: {type: string_check, reference: x}\n"
        f'calculate_output: "{" + ".join(["a"] * terms)}"\n'
    )


def python_bundle(terms: int) -> str:
    body = "+".join(["1"] * terms)
    return f"type: python\nname: p\nsource: |\n  def grade(sample, item):\n      return {body}\n"


def template_bundle(depth: int) -> str:
    expr = "(" * depth + "item.x" + ")" * depth
    return f'type: string_check\nname: s\nreference: "{{{{ {expr} }}}}"\n'


# name -> (file name, content (str or bytes), expected line, words in the message)
CASES: dict[str, tuple[str, str | bytes, int | None, str]] = {
    "billion_laughs": ("b.yaml", BILLION_LAUGHS, 6, "expands to more than"),
    "yaml_10000_deep": ("b.yaml", deep_yaml(10_000), 3, "nests deeper than"),
    "json_10000_deep": ("b.json", deep_json(10_000), 1, "nests deeper than"),
    "yaml_mapping_deep": (
        "b.yaml",
        "type: string_check\nreference: x\n" + "".join(f"{' ' * i}k{i}:\n" for i in range(150)),
        103,
        "nests deeper than",
    ),
    "recursive_alias": ("b.yaml", "type: string_check\nreference: &r [*r]\n", 2, "recursive"),
    "formula_1000_terms": (
        "b.yaml",
        formula_bundle(1000),
        4,
        "`calculate_output` nests too deeply",
    ),
    "python_source_deep": ("b.yaml", python_bundle(20_000), 3, "`source` nests too deeply"),
    "template_deep": ("b.yaml", template_bundle(3000), 3, "template nests too deeply"),
    "non_utf8": ("b.yaml", b'type: string_check\nreference: "caf\xe9"\n', 2, "not UTF-8"),
    "unhashable_key": (
        "b.yaml",
        "type: string_check\nreference: x\ntests:\n  - {? [1, 2] : 3}\n",
        4,
        "unhashable",
    ),
    "template_constant_power": (
        "b.yaml",
        'type: string_check\nname: s\nreference: "{{ 9**999999999 }}"\n',
        3,
        "template result too large",
    ),
    "bad_yaml_mark": ("b.yaml", "type: string_check\nreference: [x\n", 3, "invalid YAML"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_bundle_is_one_located_message(tmp_path: Path, name: str) -> None:
    file_name, content, line, words = CASES[name]
    bundle = tmp_path / file_name
    if isinstance(content, bytes):
        bundle.write_bytes(content)
    else:
        bundle.write_text(content)
    start = time.monotonic()
    proc = run_cli("graders", "validate", str(bundle), cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert f"{bundle}:{line}" in proc.stderr, proc.stderr
    assert words in proc.stderr, proc.stderr
    assert elapsed < 30


def test_a_directory_as_bundle_is_located(tmp_path: Path) -> None:
    folder = tmp_path / "graders"
    folder.mkdir()
    proc = run_cli("graders", "validate", str(folder), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{folder}: {folder} is a directory, not a bundle file" in proc.stderr


def test_a_directory_given_to_graders_test_is_located(tmp_path: Path) -> None:
    proc = run_cli("graders", "test", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "is a directory, not a bundle file" in proc.stderr


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        (
            "job.yaml",
            BILLION_LAUGHS.replace("type: string_check\n", "model: m\n"),
            "expands to more than",
        ),
        ("job.yaml", "model: " + "[" * 10_000 + "]" * 10_000 + "\n", "job.yaml"),
        (
            "openai.json",
            '{"model": "m", "method": ' + "[" * 10_000 + "]" * 10_000 + "}",
            "openai.json",
        ),
    ],
    ids=["job_billion_laughs", "job_deep_yaml", "openai_job_deep_json"],
)
def test_hostile_job_files_exit_2_located(tmp_path: Path, name: str, text: str, says: str) -> None:
    """Train job YAML and OpenAI job JSON go through the same bounded reader as bundles."""
    (tmp_path / name).write_text(text)
    done = run_cli("train", name, "--check", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert says in done.stderr and f"{name}:" in done.stderr
    assert "Traceback" not in done.stderr
