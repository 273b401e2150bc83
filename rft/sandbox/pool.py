"""Warm sandboxed worker processes that run a user's `grade(sample, item)` function.

The trainer's process never runs user code: each worker is ``python -I rft/sandbox/worker.py``
with an empty environment, a private temporary working directory, rlimits (see `Limits`) and
an audit hook (see `rft.sandbox.worker`). Workers are started on first use and reused across
batches; one that times out is killed, one that dies is replaced, and the batch carries on.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
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
from typing import Any, Literal

from rft.sandbox import worker as _worker

WORKER_SCRIPT = Path(_worker.__file__).resolve()
_HEADER = _worker._HEADER
NOBODY_UID = 65534


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker.

    Args:
        timeout_s: wall-clock seconds per sample; past it the worker is killed.
        cpu_time_s: CPU seconds per sample (RLIMIT_CPU soft limit, reset before each call).
        memory_mb: address-space limit (RLIMIT_AS): a larger allocation raises MemoryError.
        max_file_mb: largest file the worker may write (RLIMIT_FSIZE): writes past it fail.
        max_open_files: open file descriptors (RLIMIT_NOFILE).
        cpu_lifetime_s: CPU seconds a worker may use in total (RLIMIT_CPU hard limit); a worker
            near it is retired and replaced, so long runs never hit it.
        startup_timeout_s: seconds allowed to start Python and execute the source.
    """

    timeout_s: float = 5.0
    cpu_time_s: int = 5
    memory_mb: int = 1024
    max_file_mb: int = 16
    max_open_files: int = 64
    cpu_lifetime_s: int = 600
    startup_timeout_s: float = 20.0


@dataclass
class Outcome:
    """What grading one sample gave: a score, or an error with the flag it raises."""

    score: float | None = None
    error: str | None = None
    kind: Literal["runtime", "server"] | None = None


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
    """One sandboxed worker process and its temporary directory."""

    def __init__(self, source: str, limits: Limits, drop_to_uid: int | None) -> None:
        self.limits = limits
        self.tmpdir = tempfile.mkdtemp(prefix="rft-python-")
        if drop_to_uid is not None:
            os.chown(self.tmpdir, drop_to_uid, drop_to_uid)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            cwd=self.tmpdir,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdin.fileno()
        self._in = self.proc.stdout.fileno()
        self.cpu_used = 0.0
        setup = {
            "source": source,
            "limits": {k: v for k, v in asdict(limits).items() if k != "startup_timeout_s"},
            "drop_to_uid": drop_to_uid,
        }
        try:
            reply = self._exchange(setup, limits.startup_timeout_s)
        except WorkerFailed as exc:
            self.kill()
            raise WorkerFailed(f"the grader source did not load: {exc}", "runtime") from None
        if "error" in reply:
            self.kill()
            raise WorkerFailed(f"the grader source did not load: {reply['error']}", "runtime")

    def grade(self, payload: bytes) -> Outcome:
        """Grade one sample (`payload`: JSON of `{"sample", "item"}`); raises WorkerFailed."""
        reply = self._exchange_raw(payload, self.limits.timeout_s)
        self.cpu_used = reply.get("cpu", self.cpu_used)
        if "error" in reply:
            return Outcome(error=reply["error"], kind="runtime")
        return Outcome(score=float(reply["score"]))

    @property
    def worn_out(self) -> bool:
        """True when the next call could exceed the worker's lifetime CPU budget."""
        return self.cpu_used + self.limits.cpu_time_s + 1 >= self.limits.cpu_lifetime_s

    def _exchange(self, obj: Any, timeout: float) -> dict[str, Any]:
        return self._exchange_raw(json.dumps(obj).encode(), timeout)

    def _exchange_raw(self, payload: bytes, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        try:
            _write_all(self._out, _HEADER.pack(len(payload)) + payload)
            header = self._read(_HEADER.size, deadline, timeout)
            body = self._read(_HEADER.unpack(header)[0], deadline, timeout)
        except (BrokenPipeError, ConnectionResetError):
            raise self._died() from None
        return json.loads(body)

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
        if code == -signal.SIGXCPU:
            return WorkerFailed(
                f"CPU time limit of {self.limits.cpu_time_s} s exceeded (worker killed)", "runtime"
            )
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit code {code}"
        return WorkerFailed(f"worker process died ({how}); replaced", "server")

    def kill(self) -> None:
        """Kill the process (if alive), reap it, remove its directory."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _shutdown(workers: list[Worker]) -> None:
    for w in list(workers):
        w.kill()
    workers.clear()


class WorkerPool:
    """Up to `size` warm workers running `source`; `run` grades a batch across them.

    Args:
        source: Python source defining `grade(sample, item) -> float`.
        limits: per-worker resource limits.
        size: number of worker processes (the batch's parallelism).
    """

    def __init__(self, source: str, limits: Limits | None = None, size: int = 2) -> None:
        self.source = source
        self.limits = limits or Limits()
        self.size = size
        self.drop_to_uid = _drop_to_uid()
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self.restarts = 0
        # Kill the workers when the pool is collected or the interpreter exits.
        self._finalizer = weakref.finalize(self, _shutdown, self._workers)

    def run(self, payloads: Sequence[bytes]) -> list[Outcome]:
        """Grade each payload (JSON `{"sample", "item"}`) on a worker; never raises per sample."""
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
        worker = Worker(self.source, self.limits, self.drop_to_uid)
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
