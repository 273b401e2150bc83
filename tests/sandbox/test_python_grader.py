"""The `python` grader: OpenAI's contract, run in sandboxed worker processes."""

from __future__ import annotations

import os
import select
import signal
import socket
import time
from pathlib import Path

import pytest

import rft
from rft.sandbox import host_support

# These tests describe the jailed worker; `test_host_support.py` covers hosts without the jail.
pytestmark = pytest.mark.skipif(
    host_support() is not None, reason=f"no python sandbox on this host: {host_support()}"
)

ROOT = Path(__file__).resolve().parents[2]

SOURCE = """
def grade(sample, item):
    return 1.0 if sample["output_text"].strip() == str(item["answer"]) else 0.0
"""


def python_bundle(source: str, **fields):
    return {"type": "python", "name": "py", "source": source, "timeout_s": 2, **fields}


def test_scores_with_warm_workers_reused_across_batches():
    with rft.compile(python_bundle(SOURCE, workers=2)) as reward:
        s = reward.score(["42", "41", " 42 "], [{"answer": 42}] * 3)
        assert s.scores.tolist() == [1.0, 0.0, 1.0]
        pool = reward.grader.pool
        pids = {w.proc.pid for w in pool._workers}
        reward.score(["1"] * 20, [{"answer": 1}] * 20)
        assert {w.proc.pid for w in pool._workers} == pids and len(pids) == 2
    assert pool.workers == 0  # close() ends them


def test_sample_fields_follow_openai_contract():
    source = """
def grade(sample, item):
    ok = sample["output_json"] == {"a": [1]} and sample["output_tools"] is None
    return float(ok and item["nested"]["k"] == "v")
"""
    with rft.compile(python_bundle(source)) as reward:
        s = reward.score(['{"a": [1]}', "not json"], [{"nested": {"k": "v"}}] * 2)
    assert s.scores.tolist() == [1.0, 0.0]
    assert not s.any_error.any()


HOSTILE = """
import os, socket, subprocess

def grade(sample, item):
    kind = sample["output_text"]
    if kind == "loop":
        while True:
            pass
    if kind == "alloc":
        block = bytearray(4 * 1024**3)
    if kind == "forkbomb":
        while True:
            os.fork()
    if kind == "bigfile":
        with open("big.bin", "wb") as f:
            for _ in range(2048):
                f.write(b"0" * (1 << 20))
    if kind == "env":
        return 1.0 if "RFT_TEST_SECRET" in os.environ or sorted(os.environ) != ["HOME", "LC_CTYPE", "PWD"] else 0.5
    if kind == "socket":
        s = socket.socket()
        s.connect(("127.0.0.1", item["port"]))
    if kind == "subprocess":
        subprocess.run(["sh", "-c", "true"])
    if kind == "print":
        print("x" * 100000)
        os.write(1, b"garbage on the protocol?")
    return 1.0
"""

CASES = [
    ("loop", "python_grader_runtime_error", "timed out"),
    ("alloc", "python_grader_runtime_error", "MemoryError"),
    (
        "forkbomb",
        "python_grader_runtime_error",
        "PermissionError: [Errno 1] Operation not permitted",
    ),
    ("bigfile", "python_grader_runtime_error", "File too large"),
    ("socket", "python_grader_runtime_error", "PermissionError: [Errno 1] Operation not permitted"),
    (
        "subprocess",
        "python_grader_runtime_error",
        "PermissionError: [Errno 1] Operation not permitted",
    ),
]


@pytest.mark.parametrize(("kind", "flag", "text"), CASES)
def test_runaway_code_is_stopped_and_the_batch_carries_on(kind, flag, text):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.05)
        port = listener.getsockname()[1]
        items = [{"port": port}] * 4
        with rft.compile(python_bundle(HOSTILE, timeout_s=1, workers=1)) as reward:
            start = time.perf_counter()
            s = reward.score(["ok", kind, "ok", "ok"], items)
            elapsed = time.perf_counter() - start
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever connected
    assert elapsed < 4
    assert s.scores.tolist() == [1.0, 0.0, 1.0, 1.0]
    assert s.errors[flag].tolist() == [False, True, False, False]
    assert text in s.first_message(1)


def test_environment_is_empty_and_secrets_are_not_inherited(monkeypatch):
    monkeypatch.setenv("RFT_TEST_SECRET", "hunter2")
    with rft.compile(python_bundle(HOSTILE)) as reward:
        s = reward.score(["env"], [{}])
    assert s.scores.tolist() == [0.5] and not s.any_error.any()


def test_printing_does_not_corrupt_the_protocol():
    with rft.compile(python_bundle(HOSTILE, workers=1)) as reward:
        s = reward.score(["print", "ok"], [{}, {}])
    assert s.scores.tolist() == [1.0, 1.0] and not s.any_error.any()


def test_working_directory_is_a_private_temporary_directory():
    source = """
import os
def grade(sample, item):
    return 1.0 if os.getcwd() == "/tmp/rft-python" and not os.listdir(".") else 0.0
"""
    with rft.compile(python_bundle(source)) as reward:
        assert reward.score(["x"], [{}]).scores.tolist() == [1.0]


def test_cpu_time_limit():
    source = """
def grade(sample, item):
    if sample["output_text"] == "spin":
        while True:
            pass
    return 1.0
"""
    with rft.compile(python_bundle(source, timeout_s=20, cpu_time_s=1, workers=1)) as reward:
        start = time.perf_counter()
        s = reward.score(["spin", "ok"], [{}, {}])
    assert time.perf_counter() - start < 20  # the CPU limit, not the wall clock, stopped it
    assert s.errors["python_grader_runtime_error"].tolist() == [True, False]
    assert "CPU time limit" in s.first_message(0)
    assert s.scores[1] == 1.0


BAD_VALUES = """
def grade(sample, item):
    kind = sample["output_text"]
    return {"nan": float("nan"), "inf": float("inf"), "str": "0.5", "none": None,
            "high": 1.5, "low": -0.1, "zero": 1 / 0 if kind == "div" else 0.0,
            "div": 1 / 0 if kind == "div" else 0.0, "ok": 0.25, "exit": exit(3) if kind == "exit" else 0}[kind]
"""


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("str", "not a number"),
        ("none", "not a number"),
        ("high", "outside [0, 1]"),
        ("low", "outside [0, 1]"),
        ("div", "ZeroDivisionError: division by zero"),
        ("exit", "SystemExit: 3"),
    ],
)
def test_invalid_results_are_runtime_errors_with_the_last_traceback_line(kind, text):
    with rft.compile(python_bundle(BAD_VALUES, workers=1)) as reward:
        s = reward.score([kind, "ok"], [{}, {}])
    assert s.errors["python_grader_runtime_error"].tolist() == [True, False]
    assert text in s.first_message(0)
    assert s.scores.tolist() == [0.0, 0.25]


def test_crashed_worker_is_replaced_and_flagged_as_server_error():
    source = """
import os
def grade(sample, item):
    if sample["output_text"] == "crash":
        os._exit(7)
    return 1.0
"""
    with rft.compile(python_bundle(source, workers=1)) as reward:
        s = reward.score(["ok", "crash", "ok", "crash", "ok"], [{}] * 5)
    assert s.errors["python_grader_server_error"].tolist() == [False, True, False, True, False]
    assert "exit code 7" in s.first_message(1)
    assert s.scores.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert s.usage["python_worker_restarts"] == 2


def test_on_error_skip_gives_trl_none():
    with rft.compile(python_bundle(BAD_VALUES, on_error="skip")) as reward:
        assert reward(["nan", "ok"], [{}, {}]) == [None, 0.25]


def test_source_problems_are_load_errors():
    with pytest.raises(rft.BundleError, match="does not parse"):
        rft.compile(python_bundle("def grade(sample, item)\n    return 1"))
    with pytest.raises(rft.BundleError, match="does not define `grade`"):
        rft.compile(python_bundle("def score(sample, item):\n    return 1"))


def test_source_failing_at_import_flags_every_sample():
    with rft.compile(
        python_bundle("import no_such_module_xyz\ndef grade(s, i):\n    return 1")
    ) as reward:
        s = reward.score(["a", "b"], [{}, {}])
    assert s.errors["python_grader_runtime_error"].all()
    assert "No module named 'no_such_module_xyz'" in s.first_message(0)


def test_workers_do_not_run_in_the_trainer_process_and_cannot_see_it():
    # In its own PID namespace a worker is process 2, child of bubblewrap's init (process 1).
    source = "import os\ndef grade(sample, item):\n    return 1.0 if (os.getpid(), os.getppid()) == (2, 1) else 0.0"
    with rft.compile(python_bundle(source)) as reward:
        assert reward.score(["x"], [{}]).scores.tolist() == [1.0]
        assert [w.proc.pid != os.getpid() for w in reward.grader.pool._workers] == [True]


def test_python_example_bundle_tests_pass():
    bundle = rft.load_bundle(ROOT / "graders" / "python_example.yaml")
    tests = list(bundle.tests())
    assert tests
    with rft.compile(bundle) as reward:
        s = reward.score([t.sample.output_text for _, _, t in tests], [t.item for _, _, t in tests])
    assert s.scores.tolist() == [t.expect for _, _, t in tests]


def test_numpy_and_threads_work_inside_the_jail():
    # site-packages is visible read-only; threads are allowed (numerical libraries use them).
    source = """
import numpy as np
from concurrent.futures import ThreadPoolExecutor

def grade(sample, item):
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda k: float(np.arange(k).sum()), [3, 4]))
    return sum(parts) / 10
"""
    with rft.compile(python_bundle(source, workers=1)) as reward:
        s = reward.score(["x"], [{}])
    assert s.scores.tolist() == [0.9] and not s.any_error.any()


def test_a_forked_trainer_process_gets_its_own_workers():
    # e.g. a data-loader process forked after the reward function was first used.
    with rft.compile(python_bundle(SOURCE, workers=1)) as reward:
        assert reward.score(["42"], [{"answer": 42}]).scores.tolist() == [1.0]
        parent_pid = next(iter(reward.grader.pool._workers)).proc.pid
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            signal.alarm(30)  # a broken pool must not leave a hung child behind
            os.close(read)
            ok = reward.score(["7"], [{"answer": 7}]).scores.tolist() == [1.0]
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
        os.close(write)
        assert select.select([read], [], [], 60)[0] == [read], "the child hung"
        assert os.read(read, 1) == b"1"
        os.waitpid(child, 0)
        # The parent's worker survived the child and is still the one in use.
        assert reward.score(["3"], [{"answer": 3}]).scores.tolist() == [1.0]
        assert [w.proc.pid for w in reward.grader.pool._workers] == [parent_pid]
