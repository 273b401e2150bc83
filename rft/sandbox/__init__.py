"""Sandboxed worker processes for user code (the `python` grader).

A Python-level sandbox: rlimits, an empty environment, a temporary directory, an audit hook
against sockets and subprocesses, and a wall-clock kill. It contains accidents and runaway
code, not a determined attacker: run untrusted graders inside a container.
"""

from rft.sandbox.pool import Limits, Outcome, WorkerPool

__all__ = ["Limits", "Outcome", "WorkerPool"]
