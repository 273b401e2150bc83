"""The worker process: runs a user's `grade(sample, item)` on requests from the parent.

Started by `rft.sandbox.pool`, normally inside the jail of `rft.sandbox.jail` (bubblewrap
namespaces plus a seccomp filter, all in place before this interpreter starts). It imports
only the standard library (the script runs outside the rft package, in isolated mode), then:

1. moves the protocol onto private file descriptors and points fds 0 and 1 at /dev/null, so
   anything user code prints goes nowhere;
2. reads the setup frame (source, limits, CPUs, a second seccomp program) and, before any
   grader code exists in the process: sets hard rlimits (address space, file size, open files,
   CPU), pins itself to at most 2 CPUs, and loads the second seccomp program, which refuses
   execve and affinity changes. Without CAP_SYS_RESOURCE (the jail drops every capability) a
   hard limit cannot be raised again, and a seccomp filter cannot be removed;
3. unjailed (only when the user opted out of the sandbox): drops root to `nobody` when the
   parent asks and installs an audit hook against sockets and subprocesses. That hook is not a
   security boundary: code in the same interpreter can switch it off;
4. executes the source once, then answers one frame per sample until stdin closes.

Frames are a 4-byte big-endian length and a body. A request body is a 32-byte nonce followed
by the UTF-8 JSON of ``{"sample", "item"}``; a reply is the JSON ``{"n": nonce, "score": x,
"cpu": s}`` or ``{"n": nonce, "error": "LastTracebackLine", "cpu": s}``. Grader code shares the
process with this loop, so it can write frames too: the parent therefore trusts no reply
beyond what `grade()` itself could return (see `rft.sandbox.pool.parse_reply`).
"""

from __future__ import annotations

import ctypes
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
NONCE_BYTES = 32
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

# Audit events refused in unjailed workers once user code may run (see the `sys.audit` table).
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


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


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


def read_body(fd: int) -> bytes | None:
    """Read one frame's body from `fd`; None on end of file."""
    header = read_exact(fd, _HEADER.size)
    if header is None:
        return None
    return read_exact(fd, _HEADER.unpack(header)[0])


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
        if event == "ctypes.dlopen" and args and args[0] is not None:
            raise PermissionError("the rft python sandbox does not allow loading shared libraries")

    return hook


def _apply_limits(limits: dict[str, Any], jailed: bool) -> None:
    mb = 1 << 20
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["max_file_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["max_open_files"],) * 2)
    if not jailed:
        # No new processes (root ignores this; in the jail, seccomp refuses them for everyone).
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    # A lifetime CPU budget as the hard limit; each call lowers the soft limit to its own share.
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_lifetime_s"],) * 2)


def _load_seccomp(program: bytes) -> None:
    """Load a BPF program (libseccomp's export) as one more seccomp filter of this process."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "could not load the seccomp filter")


def _drop_privileges(uid: int | None) -> None:
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def _check_score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"grade() returned {type(value).__name__} {value!r:.60}, not a number")
    try:
        score = float(value)
    except OverflowError:
        raise ValueError(f"grade() returned {value!r:.60}, not a finite number") from None
    if not math.isfinite(score):
        raise ValueError(f"grade() returned {score}, not a finite number")
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"grade() returned {score:g}, outside [0, 1]")
    return score


def _setup(setup: dict[str, Any]) -> list[bool]:
    """Confine this process before any grader code exists; returns the audit hook's switch."""
    jailed = bool(setup["jailed"])
    allow = [True]
    _apply_limits(setup["limits"], jailed)
    if setup.get("cpus"):
        os.sched_setaffinity(0, setup["cpus"])
    if jailed:
        _load_seccomp(bytes.fromhex(setup["exec_filter"]))
    else:
        _drop_privileges(setup.get("drop_to_uid"))
        sys.addaudithook(_make_audit_hook(allow))
    return allow


def serve(fd_in: int, fd_out: int) -> None:
    """Run the setup handshake, then grade requests until the parent closes the pipe."""
    body = read_body(fd_in)
    if body is None:
        return
    setup = json.loads(body)
    limits = setup["limits"]
    try:
        allow = _setup(setup)
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
        body = read_body(fd_in)
        if body is None:
            return
        nonce = body[:NONCE_BYTES].decode()
        request = json.loads(body[NONCE_BYTES:])
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
            reply = {"error": last_line(exc)[:500]}
        reply["n"] = nonce
        reply["cpu"] = _cpu_seconds()
        write_frame(fd_out, reply)


def main() -> None:
    """Entry point of the worker process."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    serve(fd_in, fd_out)


if __name__ == "__main__":
    main()
