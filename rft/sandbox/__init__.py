"""Sandboxed worker processes for user code (the `python` grader).

On Linux each worker runs in a jail built from the outside before its interpreter starts
(`rft.sandbox.jail`: bubblewrap's user, PID, network, IPC and mount namespaces, a read-only
view of the Python runtime only, a size-capped tmpfs as its only writable folder) under a
seccomp filter (`rft.sandbox.policy`: no new processes, no sockets, no signals or tracing of
other processes, no io_uring, no mounts or namespaces), with rlimits on memory, CPU, file size
and open files and a wall-clock kill (`rft.sandbox.pool`). Replies are checked by the parent,
never trusted. A host that cannot build the jail refuses python graders unless the user opts in
(`allow_unsandboxed_python`, ``RFT_ALLOW_UNSANDBOXED_PYTHON=1``).
"""

from rft.sandbox.jail import (
    ENV_OPT_IN,
    SandboxUnavailable,
    allow_unsandboxed_python,
    host_support,
)
from rft.sandbox.pool import Limits, Outcome, WorkerPool

__all__ = [
    "ENV_OPT_IN",
    "Limits",
    "Outcome",
    "SandboxUnavailable",
    "WorkerPool",
    "allow_unsandboxed_python",
    "host_support",
]
