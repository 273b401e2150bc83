"""The jail a python-grader worker runs in: bubblewrap namespaces plus a seccomp filter.

Why bubblewrap: it is the small, audited setuid-free launcher Flatpak and many CI systems use;
it builds the whole view from the outside, before the worker's interpreter exists, with one
call: new user, PID, network, IPC, UTS and cgroup namespaces (``--unshare-all``), an empty root
that holds only read-only binds of the Python runtime and the system's shared libraries, three
device nodes, and a size-capped tmpfs as the working directory; then it loads our seccomp
filter (`rft.sandbox.policy`) and executes the worker. Nothing of this can be undone by code in
the worker: the mounts are the worker's whole file system, the network namespace has no
interface but its own loopback, the PID namespace holds no process but the sandbox's own, and
bubblewrap sets no_new_privs and drops every capability. Landlock would only repeat the mount
namespace's file rules, so it is not used.

When this host cannot build the jail (`host_support` says why), python graders are refused
unless the user opts in with ``RFT_ALLOW_UNSANDBOXED_PYTHON=1`` or
`allow_unsandboxed_python(True)`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from rft.errors import RftError
from rft.sandbox import worker

WORKDIR = "/tmp/rft-python"
"""The worker's working directory inside the jail: a private tmpfs of `disk_mb`."""
WORKER_PATH = "/run/rft/worker.py"
ENV_OPT_IN = "RFT_ALLOW_UNSANDBOXED_PYTHON"
_opt_in: list[bool] = [False]


class SandboxUnavailable(RftError):
    """This host cannot sandbox python graders and the user did not opt out of the sandbox."""


def allow_unsandboxed_python(allow: bool = True) -> None:
    """Let python graders run without the jail on hosts that cannot build it (library opt-in).

    The CLI's ``--allow-unsandboxed-python`` and ``RFT_ALLOW_UNSANDBOXED_PYTHON=1`` do the same.
    Unsandboxed workers keep rlimits, an empty environment and a Python audit hook, which stop
    accidents but not hostile code.
    """
    _opt_in[0] = allow


def unsandboxed_allowed() -> bool:
    """True when the user opted in to unsandboxed python graders."""
    return _opt_in[0] or os.environ.get(ENV_OPT_IN, "") == "1"


def bwrap_path() -> str | None:
    """The bubblewrap executable, or None."""
    return shutil.which("bwrap")


def python_executable() -> str:
    return os.path.realpath(sys.executable)


def _runtime_dirs() -> list[str]:
    """Read-only binds: the interpreter's prefixes and the system's shared-library folders."""
    candidates = [sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates.append(str(Path(python_executable()).parent.parent))
    candidates += ["/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/local/lib"]
    dirs: list[str] = []
    for c in sorted({os.path.realpath(c) for c in candidates}, key=len):
        if os.path.isdir(c) and c != "/" and not any(c.startswith(d + "/") for d in dirs):
            dirs.append(c)
    return dirs


def bwrap_argv(worker_script: str, seccomp_fd: int, disk_mb: int) -> list[str]:
    """The command that starts one jailed worker (bubblewrap, then the interpreter)."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed")
    argv = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--cap-drop",
        "ALL",
        "--tmpfs",
        "/",
    ]
    for d in _runtime_dirs():
        argv += ["--ro-bind", d, d]
    for link in ("/lib", "/lib64", "/lib32"):
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
    for dev in ("/dev/null", "/dev/zero", "/dev/urandom"):
        argv += ["--dev-bind", dev, dev]
    argv += ["--ro-bind", worker_script, WORKER_PATH]
    argv += ["--size", str(disk_mb << 20), "--tmpfs", WORKDIR, "--chdir", WORKDIR]
    argv += ["--setenv", "HOME", WORKDIR, "--remount-ro", "/"]
    argv += ["--seccomp", str(seccomp_fd)]
    argv += [python_executable(), "-I", WORKER_PATH]
    return argv


def seccomp_fd(program: bytes) -> int:
    """A file descriptor holding `program`, positioned at its start (for ``--seccomp FD``)."""
    fd = os.memfd_create("rft-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


@functools.cache
def host_support() -> str | None:
    """None when this host can jail python graders; otherwise what is missing, in words."""
    if sys.platform != "linux":
        return f"the python sandbox needs Linux (this is {sys.platform})"
    if bwrap_path() is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        from rft.sandbox.policy import jail_filter  # loads libseccomp, absent on some hosts

        program = jail_filter()
    except (ImportError, OSError) as exc:
        return f"libseccomp is unavailable ({exc}); install libseccomp2 and pyseccomp"
    fd = seccomp_fd(program)
    try:
        argv = bwrap_argv(str(Path(worker.__file__).resolve()), fd, 1)
        argv[-3:] = [python_executable(), "-I", "-c", "import socket\nsocket.socket()"]
        proc = subprocess.run(
            argv, pass_fds=(fd,), env={}, capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start ({exc})"
    finally:
        os.close(fd)
    err = proc.stderr.decode(errors="replace")
    if proc.returncode == 0:
        return "seccomp did not take effect (a socket could be created inside the jail)"
    if "PermissionError" not in err:
        last = err.strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        return (
            f"bubblewrap cannot build the jail here: {last[0]} (it needs unprivileged user "
            "namespaces, e.g. sysctl kernel.unprivileged_userns_clone=1, or root)"
        )
    return None


def require_sandbox() -> bool:
    """True when workers must be jailed; False when the user opted out on a host without it.

    Raises SandboxUnavailable when the host cannot jail workers and the user did not opt in.
    """
    missing = host_support()
    if missing is None:
        return True
    if unsandboxed_allowed():
        return False
    raise SandboxUnavailable(
        f"refusing to run a python grader without a sandbox: {missing}. Grader code from "
        f"others could read your files and environment. To run it anyway, pass "
        f"--allow-unsandboxed-python or set {ENV_OPT_IN}=1"
    )
