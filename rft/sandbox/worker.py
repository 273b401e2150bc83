"""The sandboxed worker process: runs a user's `grade(sample, item)` on requests from the parent.

Started by `rft.sandbox.pool` as ``python -I worker.py`` with an empty environment, a temporary
working directory and stderr sent to /dev/null. It imports only the standard library (the
script runs outside the rft package, in isolated mode), then:

1. moves the protocol onto private file descriptors and points fds 0 and 1 at /dev/null, so
   anything user code prints can never corrupt the protocol;
2. reads the setup frame (source and limits), applies the resource limits (address space,
   file size, open files, processes, CPU), drops root to `nobody` when the parent asks;
3. installs an audit hook that refuses sockets, subprocesses, fork/exec, signals to other
   processes, foreign shared libraries and raising resource limits;
4. executes the source once, then answers one frame per sample until stdin closes.

Frames are a 4-byte big-endian length followed by UTF-8 JSON. Replies are
``{"score": x, "cpu": s}`` or ``{"error": "LastTracebackLine", "cpu": s}``; the setup reply is
``{"ready": true}`` or ``{"error": ...}``.

This containment works at the Python level and through rlimits. It stops accidents and
runaway code (loops, huge allocations and files, fork bombs, stray network calls), but it is
not a security boundary against hostile code: run untrusted graders in a container.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import resource
import struct
import sys
import traceback
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct(">I")

# Audit events refused once user code may run (see `sys.audit` events table).
_BLOCKED_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
        "ctypes.dlsym",
        "ctypes.dlsym/handle",
        "resource.setrlimit",
        "resource.prlimit",
        "sys.remote_exec",
    }
)
_BLOCKED_PREFIXES = ("socket.", "subprocess.", "_posixsubprocess.", "pty.", "winreg.")


def write_frame(fd: int, obj: Any) -> None:
    """Write one JSON frame to `fd` (blocking, complete)."""
    data = json.dumps(obj, allow_nan=False).encode()
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read_exact(fd: int, n: int) -> bytes | None:
    """Read exactly `n` bytes from `fd`; None on end of file."""
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> Any | None:
    """Read one JSON frame from `fd`; None on end of file."""
    header = read_exact(fd, _HEADER.size)
    if header is None:
        return None
    body = read_exact(fd, _HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


def last_line(exc: BaseException) -> str:
    """The last line of the exception's traceback, e.g. ``ZeroDivisionError: division by zero``."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _make_audit_hook(allow: list[bool]) -> Callable[[str, tuple[Any, ...]], None]:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        if allow[0]:
            return
        if event in _BLOCKED_EVENTS or event.startswith(_BLOCKED_PREFIXES):
            raise PermissionError(f"the rft python sandbox does not allow `{event}`")
        # `import ctypes` opens the running process itself (dlopen(None)); refuse other libraries.
        if event == "ctypes.dlopen" and args and args[0] is not None:
            raise PermissionError("the rft python sandbox does not allow loading shared libraries")

    return hook


def _apply_limits(limits: dict[str, Any]) -> None:
    mb = 1 << 20
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["max_file_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["max_open_files"],) * 2)
    # No new processes or threads (root ignores this; the audit hook still refuses fork/exec).
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    # A lifetime CPU budget as the hard limit; each call lowers the soft limit to its own share.
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_lifetime_s"],) * 2)


def _drop_privileges(uid: int | None) -> None:
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def _check_score(value: Any) -> float:
    if not isinstance(value, numbers.Real):
        raise TypeError(f"grade() returned {type(value).__name__} {value!r:.60}, not a number")
    score = float(value)
    if not math.isfinite(score):
        raise ValueError(f"grade() returned {score}, not a finite number")
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"grade() returned {score:g}, outside [0, 1]")
    return score


def serve(fd_in: int, fd_out: int) -> None:
    """Run the setup handshake, then grade requests until the parent closes the pipe."""
    setup = read_frame(fd_in)
    if setup is None:
        return
    limits = setup["limits"]
    allow = [True]
    try:
        _apply_limits(limits)
        _drop_privileges(setup.get("drop_to_uid"))
        sys.addaudithook(_make_audit_hook(allow))
    except Exception as exc:
        write_frame(fd_out, {"error": f"sandbox setup failed: {last_line(exc)}"})
        return
    namespace: dict[str, Any] = {"__name__": "__rft_grader__"}
    allow[0] = False
    try:
        exec(compile(setup["source"], "<grader source>", "exec"), namespace)
        grade = namespace.get("grade")
        if not callable(grade):
            raise NameError("the source does not define a function `grade(sample, item)`")
    except BaseException as exc:
        write_frame(fd_out, {"error": last_line(exc)})
        return
    write_frame(fd_out, {"ready": True})

    cpu_per_call = limits["cpu_time_s"]
    cpu_lifetime = limits["cpu_lifetime_s"]
    while True:
        request = read_frame(fd_in)
        if request is None:
            return
        used = _cpu_seconds()
        allow[0] = True
        resource.setrlimit(
            resource.RLIMIT_CPU, (min(math.ceil(used) + cpu_per_call, cpu_lifetime), cpu_lifetime)
        )
        allow[0] = False
        try:
            reply: dict[str, Any] = {
                "score": _check_score(grade(request["sample"], request["item"]))
            }
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are user errors here too
            reply = {"error": last_line(exc)}
        reply["cpu"] = _cpu_seconds()
        write_frame(fd_out, reply)


def main() -> None:
    """Entry point of the worker process."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    serve(fd_in, fd_out)


if __name__ == "__main__":
    main()
