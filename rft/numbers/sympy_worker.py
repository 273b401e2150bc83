"""sympy decisions in a reusable worker process with a wall-clock bound; no signals.

The interface is one function, `sympy_decide(op, a, b, timeout)`: `op` is `equal`
(`simplify(a - b) == 0`) or `proportional` (`simplify(a / b)` is a nonzero constant: the
sides of two equations `x^2 = 9` and `2x^2 = 18`). The process speaks JSON lines: one
`[op, a, b]` per request line, one `{"ok": bool | null}` or `{"error": str}` per reply line.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import select
import subprocess
import sys
import threading
import time
from typing import Any, Literal

from rft.numbers.evaluate import Node
from rft.numbers.parse import ParseError, parse_expression

Op = Literal["equal", "proportional"]


def to_sympy(node: Node) -> Any:
    """Build the sympy object of a tree directly (unevaluated powers: never `parse_expr`)."""
    import sympy  # heavy: only the worker process imports it

    kind = node[0]
    if kind == "num":
        return sympy.Rational(node[1].numerator, node[1].denominator)
    if kind == "const":
        return {"pi": sympy.pi, "e": sympy.E, "inf": sympy.oo}[node[1]]
    if kind == "sym":
        return sympy.Symbol(node[1], real=True)
    if kind == "neg":
        return -to_sympy(node[1])
    if kind == "root":
        return sympy.Pow(to_sympy(node[1]), 1 / to_sympy(node[2]), evaluate=False)
    if kind == "fact":
        return sympy.factorial(to_sympy(node[1]))
    if kind == "binom":
        return sympy.binomial(to_sympy(node[1]), to_sympy(node[2]))
    if kind == "call":
        name = {"arcsin": "asin", "arccos": "acos", "arctan": "atan"}.get(node[1], node[1])
        return getattr(sympy, name)(to_sympy(node[2]))
    if kind == "log":
        arg = to_sympy(node[1])
        return sympy.log(arg) if node[2] is None else sympy.log(arg, to_sympy(node[2]))
    a, b = to_sympy(node[1]), to_sympy(node[2])
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / b
    return sympy.Pow(a, b, evaluate=False)


def decide(op: str, a_text: str, b_text: str) -> bool | None:
    """The decision itself (run inside the worker); None when either side does not parse."""
    import sympy  # heavy: only the worker process imports it

    try:
        a = to_sympy(parse_expression(a_text)[0])
        b = to_sympy(parse_expression(b_text)[0])
    except (ParseError, ValueError, ZeroDivisionError):
        return None
    if op == "equal":
        return bool(sympy.simplify(a - b) == 0)
    if b == 0 or a == 0:
        return bool(a == b)
    ratio = sympy.simplify(a / b)
    return bool(not ratio.free_symbols and ratio.is_zero is False and ratio.is_finite)


def serve() -> None:
    """The worker's loop: one JSON `[op, a, b]` per stdin line, one JSON reply per line."""
    import sympy  # noqa: F401 - imported once, before the parent is told we are ready

    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        try:
            op, a, b = json.loads(line)
            reply: dict[str, Any] = {"ok": decide(op, a, b)}
        except Exception as exc:  # anything sympy raises is a value for the parent
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply).encode() + b"\n")
        out.flush()


class SympyTimeout(TimeoutError):
    """sympy did not decide within the time bound (the worker was killed and will restart)."""


class SympyWorker:
    """One reusable sympy process with a wall-clock bound per job; thread-safe, no signals.

    A plain subprocess (`python -c "…serve()"`) speaking JSON lines, rather than
    multiprocessing: spawn/forkserver re-import the caller's `__main__`, which re-runs a user
    script that lacks an `if __name__ == "__main__"` guard, and fork is unsafe with threads.
    A job past its bound gets the process killed; the next job starts a fresh one (the start,
    about a second to import sympy, is not counted against any job's bound).
    """

    def __init__(self, startup_timeout: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pending = b""
        self._startup_timeout = startup_timeout

    def _readline(self, timeout: float) -> bytes | None:
        """One reply line, or None when none arrived within `timeout` seconds."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the sympy worker process exited")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line

    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        self._pending = b""
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from rft.numbers.sympy_worker import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            ready = self._readline(self._startup_timeout)
        except EOFError:
            ready = None
        if ready != b"ready":
            self._stop()
            raise RuntimeError("the sympy worker process did not start")

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=5)
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
        self._process = None

    def decide(self, op: Op, a: str, b: str, timeout: float) -> bool | None:
        """`op` on two expression texts; None when either does not parse.

        Raises `SympyTimeout` past `timeout` seconds and RuntimeError when sympy failed.
        """
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._stop()
                self._start()
            assert self._process is not None and self._process.stdin is not None
            try:
                self._process.stdin.write(json.dumps([op, a, b]).encode() + b"\n")
                self._process.stdin.flush()
                line = self._readline(timeout)
            except (OSError, EOFError):
                self._stop()
                raise RuntimeError("the sympy worker process died") from None
            if line is None:
                self._stop()
                raise SympyTimeout(f"sympy took more than {timeout:g}s")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["ok"]

    def close(self) -> None:
        """Kill the worker process (a later job starts a new one)."""
        with self._lock:
            self._stop()


_WORKER: SympyWorker | None = None
_WORKER_LOCK = threading.Lock()


def sympy_worker() -> SympyWorker:
    """The process-wide sympy worker (started on first use, killed at exit)."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = SympyWorker()
            atexit.register(_WORKER.close)
        return _WORKER


@functools.lru_cache(maxsize=4096)
def sympy_decide(op: Op, a: str, b: str, timeout: float) -> bool | None:
    """Memoized `SympyWorker.decide` on the process-wide worker (failures are not cached)."""
    return sympy_worker().decide(op, a, b, timeout)
