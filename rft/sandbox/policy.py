"""The seccomp-bpf policies of a python-grader worker, compiled with libseccomp.

Two filters, both kernel-enforced and irremovable once loaded:

* `jail_filter` is handed to bubblewrap (``--seccomp FD``), which loads it right before it
  executes the worker's interpreter. It refuses every way to reach out of the process: new
  processes (fork, vfork, clone without CLONE_THREAD; clone3 answers ENOSYS so the C library
  falls back to clone, whose flags a filter can read), sockets of any family, io_uring (whose
  operations bypass seccomp), signals and tracing (kill, tkill, pidfd_*, ptrace,
  process_vm_*), namespaces and mounts, and kernel facilities a grader has no use for (bpf,
  perf, userfaultfd, keyrings, modules).
* `exec_filter` is loaded by the worker itself right after bubblewrap's exec, before the first
  byte of grader code is read: it refuses execve/execveat and CPU-affinity changes, so grader
  code cannot replace the worker's program or widen its CPU set.

A refused call fails with EPERM (a Python exception in the grader: a flagged 0), not a kill,
so one misbehaving sample does not cost the worker. Syscalls of another architecture (the
32-bit ABIs) kill the process: libseccomp's default for a foreign architecture.
"""

from __future__ import annotations

import errno
import functools
import os

import pyseccomp as seccomp

CLONE_THREAD = 0x00010000

# Each refused with EPERM.
_REFUSED = (
    # processes and programs
    "fork",
    "vfork",
    # networking: no socket of any family (AF_INET, AF_UNIX, netlink, ...)
    "socket",
    "socketpair",
    # asynchronous I/O whose operations (socket, connect, openat) bypass seccomp
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    # other processes: signals, tracing, memory access
    "kill",
    "tkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "pidfd_open",
    "pidfd_getfd",
    "pidfd_send_signal",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "kcmp",
    # namespaces, mounts, roots
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    # kernel facilities a grader never needs
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "personality",
    "name_to_handle_at",
    "open_by_handle_at",
)


def _export(f: seccomp.SyscallFilter) -> bytes:
    read, write = os.pipe()
    try:
        with os.fdopen(write, "wb", closefd=False) as w:
            f.export_bpf(w)
        os.close(write)
        write = -1
        chunks = []
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


def _add_all(f: seccomp.SyscallFilter, names: tuple[str, ...], action: int) -> None:
    for name in names:
        try:
            f.add_rule(action, name)
        except OSError:
            continue  # a syscall this architecture does not have (e.g. fork on arm64)


@functools.cache
def jail_filter() -> bytes:
    """The BPF program bubblewrap loads before it executes the worker (see module docstring)."""
    f = seccomp.SyscallFilter(seccomp.ALLOW)
    eperm = seccomp.ERRNO(errno.EPERM)
    _add_all(f, _REFUSED, eperm)
    # Threads yes (numerical libraries start them), new processes no: clone must carry CLONE_THREAD.
    f.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    # clone3 passes its flags in memory, out of a filter's sight: ENOSYS makes libc use clone.
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return _export(f)


@functools.cache
def exec_filter() -> bytes:
    """The BPF program the worker loads after its own start, before grader code runs."""
    f = seccomp.SyscallFilter(seccomp.ALLOW)
    _add_all(f, ("execve", "execveat", "sched_setaffinity"), seccomp.ERRNO(errno.EPERM))
    return _export(f)
