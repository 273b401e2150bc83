"""Warm sandboxed worker processes that run a user's `grade(sample, item)` function.

The trainer's process never runs user code: each worker is ``python -I worker.py`` inside the
jail of `rft.sandbox.jail` (bubblewrap namespaces, a seccomp filter, a size-capped tmpfs as its
only writable folder) with an empty environment and rlimits (see `Limits`). Workers are started
on first use and reused across batches; one that times out is killed, one that dies or breaks
the protocol is replaced, and the batch carries on. Replies are checked here, not trusted:
see `parse_reply`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import math
import os
import queue
import re
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from rft.sandbox import jail
from rft.sandbox import worker as _worker
from rft.spec.python import (
    MAX_CPU_TIME_S,
    MAX_DISK_MB,
    MAX_MEMORY_MB,
    MAX_TIMEOUT_S,
    MAX_WORKERS,
)

WORKER_SCRIPT = Path(_worker.__file__).resolve()
_HEADER = _worker._HEADER
NOBODY_UID = 65534
MAX_REPLY_BYTES = 64 << 10
"""A reply longer than this is a protocol violation (a real one is under 1 KiB)."""
MAX_MESSAGE_CHARS = 500
# Control characters (newlines too: one message, one line) and bidirectional overrides.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CPUS_PER_WORKER = 2


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker.

    Args:
        timeout_s: wall-clock seconds per sample; past it the worker is killed.
        cpu_time_s: CPU seconds per sample (RLIMIT_CPU soft limit, reset before each call).
        memory_mb: address-space limit (RLIMIT_AS): a larger allocation raises MemoryError.
        max_file_mb: largest file the worker may write (RLIMIT_FSIZE): writes past it fail.
        disk_mb: size of the worker's private tmpfs, its only writable folder: all its files
            together (jailed workers only).
        max_open_files: open file descriptors (RLIMIT_NOFILE).
        cpu_lifetime_s: CPU seconds a worker may use in total (RLIMIT_CPU hard limit); a worker
            near it is retired and replaced, so long runs never hit it.
        startup_timeout_s: seconds allowed to start Python and execute the source.
    """

    timeout_s: float = 5.0
    cpu_time_s: int = 5
    memory_mb: int = 1024
    max_file_mb: int = 16
    disk_mb: int = 64
    max_open_files: int = 64
    cpu_lifetime_s: int = 600
    startup_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        # The same ceilings as the bundle spec, for callers that build Limits themselves.
        bounds = {
            "timeout_s": MAX_TIMEOUT_S,
            "cpu_time_s": MAX_CPU_TIME_S,
            "memory_mb": MAX_MEMORY_MB,
            "max_file_mb": MAX_DISK_MB,
            "disk_mb": MAX_DISK_MB,
        }
        for name, ceiling in bounds.items():
            value = getattr(self, name)
            ok = 0 <= value <= ceiling if name == "max_file_mb" else 0 < value <= ceiling
            if not ok:  # also refuses NaN
                raise ValueError(f"Limits.{name} must be at most {ceiling}, not {value!r}")


@dataclass
class Outcome:
    """What grading one sample gave: a score, or an error with the flag it raises."""

    score: float | None = None
    error: str | None = None
    kind: Literal["runtime", "server"] | None = None


def clean_message(text: str) -> str:
    """A grader-controlled message made safe to print: no control characters, bounded."""
    text = _CONTROL.sub("?", text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "..."


class WorkerFailed(Exception):
    """The worker did not answer: it timed out (killed) or died."""

    def __init__(self, message: str, kind: Literal["runtime", "server"]) -> None:
        super().__init__(message)
        self.kind = kind


def _reachable_by_others(path: Path) -> bool:
    """True when users other than the owner can traverse every directory down to `path`."""
    path = path.resolve()
    for part in [path, *path.parents]:
        try:
            mode = part.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def _drop_to_uid() -> int | None:
    """`nobody` when we run as root and `nobody` can still import the interpreter's packages.

    As root, RLIMIT_NPROC does not apply and hard limits can be raised again, so dropping to
    an unprivileged user matters; but a Python installed under /root (mode 700) would become
    unreadable, in which case the worker stays root and relies on the audit hook.
    """
    if os.geteuid() != 0:
        return None
    prefixes = {Path(sys.prefix), Path(sys.base_prefix), *map(Path, sys.path[1:3])}
    if all(_reachable_by_others(p) for p in prefixes if p.exists()):
        return NOBODY_UID
    return None


class Worker:
    """One sandboxed worker process (jailed, or unjailed when the user opted out)."""

    def __init__(
        self,
        source: str,
        limits: Limits,
        jailed: bool,
        cpus: list[int],
        drop_to_uid: int | None = None,
    ) -> None:
        self.limits = limits
        self.tmpdir: str | None = None
        if jailed:
            self.proc = self._start_jailed(limits)
        else:
            self.proc = self._start_unjailed(drop_to_uid)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdin.fileno()
        self._in = self.proc.stdout.fileno()
        os.set_blocking(self._out, False)
        self.cpu_used = 0.0
        setup = {
            "source": source,
            "limits": {k: v for k, v in asdict(limits).items() if k != "startup_timeout_s"},
            "jailed": jailed,
            "exec_filter": _exec_filter_hex() if jailed else None,
            "cpus": cpus,
            "drop_to_uid": drop_to_uid,
        }
        try:
            body = self._exchange(json.dumps(setup).encode(), limits.startup_timeout_s)
            reply = json.loads(body)
            if not isinstance(reply, dict) or not (
                reply.get("ready") is True or isinstance(reply.get("error"), str)
            ):
                raise ValueError("unexpected setup reply")
        except WorkerFailed as exc:
            self.kill()
            raise WorkerFailed(f"the grader source did not load: {exc}", "runtime") from None
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
            self.kill()
            raise WorkerFailed("the worker broke the protocol while loading", "server") from None
        if "error" in reply:
            self.kill()
            raise WorkerFailed(
                f"the grader source did not load: {clean_message(reply['error'])}", "runtime"
            )

    @staticmethod
    def _start_jailed(limits: Limits) -> subprocess.Popen[bytes]:
        fd = jail.seccomp_fd(_jail_filter())
        try:
            return subprocess.Popen(
                jail.bwrap_argv(str(WORKER_SCRIPT), fd, limits.disk_mb),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={},
                cwd="/",
                pass_fds=(fd,),
            )
        finally:
            os.close(fd)

    def _start_unjailed(self, drop_to_uid: int | None) -> subprocess.Popen[bytes]:
        self.tmpdir = tempfile.mkdtemp(prefix="rft-python-")
        if drop_to_uid is not None:
            os.chown(self.tmpdir, drop_to_uid, drop_to_uid)
        return subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            cwd=self.tmpdir,
            close_fds=True,
        )

    def grade(self, payload: bytes) -> Outcome:
        """Grade one sample (`payload`: JSON of `{"sample", "item"}`); raises WorkerFailed."""
        nonce = secrets.token_hex(_worker.NONCE_BYTES // 2)
        body = self._exchange(nonce.encode() + payload, self.limits.timeout_s)
        try:
            outcome, cpu = parse_reply(body, nonce)
        except ValueError as exc:
            self.kill()
            raise WorkerFailed(
                f"the worker broke the protocol ({exc}); replaced", "server"
            ) from None
        self.cpu_used = cpu
        return outcome

    @property
    def worn_out(self) -> bool:
        """True when the next call could exceed the worker's lifetime CPU budget."""
        return self.cpu_used + self.limits.cpu_time_s + 1 >= self.limits.cpu_lifetime_s

    def _exchange(self, payload: bytes, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        try:
            self._write(_HEADER.pack(len(payload)) + payload, deadline, timeout)
            header = self._read(_HEADER.size, deadline, timeout)
            size = _HEADER.unpack(header)[0]
            if size > MAX_REPLY_BYTES:
                self.kill()
                raise WorkerFailed(
                    f"the worker broke the protocol (a {size}-byte reply); replaced", "server"
                )
            return self._read(size, deadline, timeout)
        except (BrokenPipeError, ConnectionResetError):
            raise self._died() from None

    def _write(self, data: bytes, deadline: float, timeout: float) -> None:
        # Non-blocking with the sample's deadline: a worker that stops reading (its loop
        # stalled by grader code) cannot block the trainer on a full pipe.
        view = memoryview(data)
        poller = select.poll()
        poller.register(self._out, select.POLLOUT | select.POLLERR)
        while view:
            try:
                view = view[os.write(self._out, view) :]
                continue
            except BlockingIOError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                self.kill()
                raise WorkerFailed(f"timed out after {timeout:g} s (worker killed)", "runtime")

    def _read(self, n: int, deadline: float, timeout: float) -> bytes:
        chunks: list[bytes] = []
        poller = select.poll()
        poller.register(self._in, select.POLLIN | select.POLLHUP | select.POLLERR)
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                self.kill()
                raise WorkerFailed(f"timed out after {timeout:g} s (worker killed)", "runtime")
            chunk = os.read(self._in, min(n, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _died(self) -> WorkerFailed:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self.kill()
        # bubblewrap reports a child killed by signal S as exit code 128 + S.
        if code in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
            return WorkerFailed(
                f"CPU time limit of {self.limits.cpu_time_s} s exceeded (worker killed)", "runtime"
            )
        how = f"exit code {code}"
        if code is not None and code > 128 and self.tmpdir is None:
            code = -(code - 128)
        with contextlib.suppress(ValueError):  # not a signal number: keep the exit code
            if code is not None and code < 0:
                how = f"signal {signal.Signals(-code).name}"
        return WorkerFailed(f"worker process died ({how}); replaced", "server")

    def kill(self) -> None:
        """Kill the process (if alive), reap it, remove its directory (if any)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def parse_reply(body: bytes, nonce: str) -> tuple[Outcome, float]:
    """Check a worker's reply to the request carrying `nonce`; ValueError when it is not valid.

    Grader code runs in the worker's process and can write frames itself, so a reply is taken
    only when it is exactly what `grade()` could have produced for this very request: the
    request's nonce, then a finite score in [0, 1] or an error message. A frame of another
    shape, an old or guessed nonce, a NaN, an infinity or a score out of range is a protocol
    violation: the worker is replaced and the sample flagged as a server error.
    """
    try:
        reply = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("a reply that is not JSON") from None
    if not isinstance(reply, dict) or reply.get("n") != nonce:
        raise ValueError("a reply to another request")
    cpu = reply.get("cpu")
    if type(cpu) not in (int, float) or not 0 <= cpu < math.inf:
        raise ValueError("a reply without its CPU time")
    if set(reply) == {"n", "cpu", "score"}:
        score = reply["score"]
        if type(score) not in (int, float) or not 0.0 <= score <= 1.0:
            raise ValueError("a score that is not a number in [0, 1]")
        return Outcome(score=float(score)), float(cpu)
    if set(reply) == {"n", "cpu", "error"} and isinstance(reply["error"], str):
        return Outcome(error=clean_message(reply["error"]), kind="runtime"), float(cpu)
    raise ValueError("a reply of unknown shape")


@functools.cache
def _jail_filter() -> bytes:
    from rft.sandbox.policy import jail_filter  # loads libseccomp, absent on some hosts

    return jail_filter()


@functools.cache
def _exec_filter_hex() -> str:
    from rft.sandbox.policy import exec_filter  # loads libseccomp, absent on some hosts

    return exec_filter().hex()


def _cpu_sets(size: int) -> list[list[int]]:
    """`size` CPU sets of up to `CPUS_PER_WORKER` CPUs each, spread over this process's CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    per = min(CPUS_PER_WORKER, len(cpus))
    return [[cpus[(k * per + j) % len(cpus)] for j in range(per)] for k in range(size)]


def _shutdown(workers: list[Worker], starter: concurrent.futures.Executor | None = None) -> None:
    for w in list(workers):
        w.kill()
    workers.clear()
    if starter is not None:
        starter.shutdown(wait=False)


class WorkerPool:
    """Up to `size` warm workers running `source`; `run` grades a batch across them.

    Args:
        source: Python source defining `grade(sample, item) -> float`.
        limits: per-worker resource limits.
        size: number of worker processes (the batch's parallelism).
        jailed: None (default) jails workers when the host can, else refuses unless the user
            opted in; False runs them unjailed on purpose (a baseline for benchmarks).

    Raises:
        SandboxUnavailable: this host cannot jail workers and the user did not opt in to
            unsandboxed python graders (see `rft.sandbox.jail.require_sandbox`).
    """

    def __init__(
        self,
        source: str,
        limits: Limits | None = None,
        size: int = 2,
        jailed: bool | None = None,
    ) -> None:
        if not 1 <= size <= MAX_WORKERS:
            raise ValueError(f"WorkerPool size must be in [1, {MAX_WORKERS}], not {size!r}")
        self.source = source
        self.limits = limits or Limits()
        self.size = size
        self.jailed = jail.require_sandbox() if jailed is None else jailed
        self.drop_to_uid = None if self.jailed else _drop_to_uid()
        self._cpus = _cpu_sets(size)
        self._started = 0
        # bubblewrap's --die-with-parent follows the *thread* that started it, so every worker
        # is started from this one long-lived thread, not from the short-lived batch threads.
        self._starter = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rft-sandbox")
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self.restarts = 0
        # Kill the workers when the pool is collected or the interpreter exits.
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._starter)
        self._pid = os.getpid()

    def _forget_inherited(self) -> None:
        """In a forked child: leave the parent's workers alone and start afresh."""
        self._finalizer.detach()  # the parent's workers are not ours to kill
        for w in self._workers:
            for pipe in (w.proc.stdin, w.proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()  # type: ignore[union-attr]
        self._starter = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rft-sandbox")
        self._idle = queue.SimpleQueue()
        self._workers = []
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._starter)
        self._pid = os.getpid()

    def run(self, payloads: Sequence[bytes]) -> list[Outcome]:
        """Grade each payload (JSON `{"sample", "item"}`) on a worker; never raises per sample."""
        if os.getpid() != self._pid:
            self._forget_inherited()
        outcomes: list[Outcome | None] = [None] * len(payloads)
        todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for i in range(len(payloads)):
            todo.put(i)
        setup_error: list[WorkerFailed] = []

        def drain() -> None:
            worker: Worker | None = None
            while True:
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    break
                if setup_error:
                    outcomes[i] = Outcome(error=str(setup_error[0]), kind=setup_error[0].kind)
                    continue
                if worker is None:
                    try:
                        worker = self._acquire()
                    except WorkerFailed as exc:
                        setup_error.append(exc)
                        outcomes[i] = Outcome(error=str(exc), kind=exc.kind)
                        continue
                try:
                    outcomes[i] = worker.grade(payloads[i])
                except WorkerFailed as exc:
                    outcomes[i] = Outcome(error=str(exc), kind=exc.kind)
                    self._retire(worker)
                    worker = None
                    continue
                if worker.worn_out:
                    self._retire(worker)
                    worker = None
            if worker is not None:
                self._idle.put(worker)

        threads = [
            threading.Thread(target=drain, daemon=True)
            for _ in range(min(self.size, len(payloads)) - 1)
        ]
        for t in threads:
            t.start()
        drain()
        for t in threads:
            t.join()
        return [
            o if o is not None else Outcome(error="not graded", kind="server") for o in outcomes
        ]

    def _acquire(self) -> Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.alive:
                return worker
            self._retire(worker)
        with self._lock:
            cpus = self._cpus[self._started % self.size]
            self._started += 1
        worker = self._starter.submit(
            Worker, self.source, self.limits, self.jailed, cpus, self.drop_to_uid
        ).result()
        with self._lock:
            self._workers.append(worker)
        return worker

    def _retire(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
                self.restarts += 1

    def close(self) -> None:
        """Kill every worker."""
        with self._lock:
            _shutdown(self._workers)
        while True:
            try:
                self._idle.get_nowait()
            except queue.Empty:
                break

    @property
    def workers(self) -> int:
        """Worker processes alive now."""
        return len(self._workers)
