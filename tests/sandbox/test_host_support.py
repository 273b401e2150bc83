"""Hosts that cannot jail python graders refuse them unless the user opts in."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import rft
from rft.sandbox import SandboxUnavailable, allow_unsandboxed_python, host_support

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = {
    "type": "python",
    "name": "py",
    "source": "def grade(sample, item):\n    return 0.75\n",
    "timeout_s": 2,
}


@pytest.fixture
def no_bwrap(tmp_path, monkeypatch):
    """A PATH without bubblewrap; the host check is recomputed before and after."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("RFT_ALLOW_UNSANDBOXED_PYTHON", raising=False)
    host_support.cache_clear()
    yield tmp_path
    allow_unsandboxed_python(False)
    host_support.cache_clear()


def test_missing_bubblewrap_refuses_python_graders_with_what_is_missing(no_bwrap):
    with pytest.raises(SandboxUnavailable) as err:
        rft.compile(BUNDLE)
    assert str(err.value) == (
        "refusing to run a python grader without a sandbox: bubblewrap is not installed "
        "(Debian/Ubuntu: apt-get install bubblewrap). Grader code from others could read your "
        "files and environment. To run it anyway, pass --allow-unsandboxed-python or set "
        "RFT_ALLOW_UNSANDBOXED_PYTHON=1"
    )


def test_bubblewrap_that_cannot_build_the_jail_is_reported(no_bwrap):
    fake = no_bwrap / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    assert host_support() == (
        "bubblewrap cannot build the jail here: bwrap: No permissions to create new namespace "
        "(it needs unprivileged user namespaces, e.g. sysctl kernel.unprivileged_userns_clone=1, "
        "or root)"
    )


def test_bubblewrap_that_ignores_seccomp_is_not_trusted(no_bwrap):
    # A launcher that runs the command without any confinement: the probe's socket succeeds.
    fake = no_bwrap / "bwrap"
    fake.write_text(
        '#!/bin/sh\nwhile [ "$1" != "-I" ]; do shift; done\nexec ' + sys.executable + ' "$@"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    assert host_support() == (
        "seccomp did not take effect (a socket could be created inside the jail)"
    )


@pytest.mark.parametrize("how", ["env", "library"])
def test_opt_in_runs_unjailed(no_bwrap, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("RFT_ALLOW_UNSANDBOXED_PYTHON", "1")
    else:
        allow_unsandboxed_python(True)
    with rft.compile(BUNDLE) as reward:
        assert reward.score(["x"], [{}]).scores.tolist() == [0.75]
        assert reward.grader.pool.jailed is False


def test_cli_exits_2_with_the_message(no_bwrap):
    env = {"PATH": str(no_bwrap), "PYTHONPATH": str(ROOT), "HOME": os.environ.get("HOME", "/")}
    proc = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "graders", "test", "graders/python_example.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "bubblewrap is not installed" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_cli_flag_opts_in_where_the_jail_is_missing(no_bwrap):
    env = {"PATH": str(no_bwrap), "PYTHONPATH": str(ROOT), "HOME": os.environ.get("HOME", "/")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rft.cli.main",
            "--allow-unsandboxed-python",
            "graders",
            "test",
            "graders/python_example.yaml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 failed" in proc.stdout
