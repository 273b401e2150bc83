"""JSON Schema `$ref`s never touch the network or files outside the bundle's folder.

A silent server on 127.0.0.1 stands in for a remote host: validation must refuse the ref at
load (a located error, exit 2) without ever connecting to it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import rft

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rft.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A TCP listener that never answers; `accept` tells whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connected(server: socket.socket) -> bool:
    try:
        conn, _ = server.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def bundle_with_ref(tmp_path: Path, ref: str) -> Path:
    path = tmp_path / "bundle.yaml"
    path.write_text(
        "type: multi\n"
        "graders:\n"
        "  fmt:\n"
        "    type: json_schema\n"
        "    schema:\n"
        "      type: object\n"
        "      properties:\n"
        f"        genes: {{$ref: '{ref}'}}\n"
    )
    return path


@pytest.mark.parametrize(
    "kind", ["http", "https_host", "file", "relative_file", "absolute_path", "urn"]
)
def test_non_local_ref_is_refused_at_load(
    tmp_path: Path, silent_server: socket.socket, kind: str
) -> None:
    port = silent_server.getsockname()[1]
    (tmp_path / "genes.json").write_text('{"type": "array"}')
    ref = {
        "http": f"http://127.0.0.1:{port}/genes.json",
        "https_host": f"https://127.0.0.1:{port}/genes.json#/x",
        "file": "file:///etc/passwd",
        "relative_file": "genes.json",
        "absolute_path": "/etc/passwd",
        "urn": "urn:example:genes",
    }[kind]
    bundle = bundle_with_ref(tmp_path, ref)
    start = time.monotonic()
    proc = run_cli("graders", "validate", str(bundle), cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{bundle}:8" in proc.stderr
    assert "only local `$ref`s" in proc.stderr
    assert not connected(silent_server)
    assert elapsed < 30  # no network wait: the ref is refused before anything resolves it


def test_remote_meta_schema_is_never_fetched(silent_server: socket.socket) -> None:
    port = silent_server.getsockname()[1]
    with pytest.raises(rft.BundleError, match=r"\$schema"):
        rft.compile({"type": "json_schema", "schema": {"$schema": f"http://127.0.0.1:{port}/meta"}})
    assert not connected(silent_server)


def test_local_refs_still_work() -> None:
    schema = {
        "$defs": {"gene": {"type": "string", "minLength": 2}},
        "type": "object",
        "properties": {"genes": {"type": "array", "items": {"$ref": "#/$defs/gene"}}},
        "required": ["genes"],
    }
    reward = rft.compile({"type": "json_schema", "schema": schema})
    assert reward.score(['{"genes": ["FBN1"]}', '{"genes": ["F"]}'], [{}, {}]).scores.tolist() == [
        1.0,
        0.0,
    ]


@pytest.mark.parametrize("target", ["/bin/ls", "../outside.json", "folder"])
def test_schema_file_outside_the_bundle_or_not_text_is_located(tmp_path: Path, target: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "folder").mkdir()
    (tmp_path / "outside.json").write_text('{"type": "object"}')
    bundle = work / "bundle.yaml"
    bundle.write_text(f"type: json_schema\nname: fmt\nschema: {target}\n")
    proc = run_cli("graders", "validate", str(bundle), cwd=work)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{bundle}:3" in proc.stderr
    expected = {
        "/bin/ls": "outside the bundle's folder",
        "../outside.json": "outside the bundle's folder",
        "folder": "not a file",
    }[target]
    assert expected in proc.stderr


def test_non_utf8_schema_file_is_located(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_bytes(b'{"type": "\xff"}')
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text("type: json_schema\nname: fmt\nschema: s.json\n")
    proc = run_cli("graders", "validate", str(bundle), cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{bundle}:3" in proc.stderr and "not UTF-8" in proc.stderr
