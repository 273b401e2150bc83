"""Judge throughput against a loopback server, and the python sandbox's per-sample overhead.

    python benchmarks/judge_throughput.py [--delay 0.2] [--waves 5]

1. A fake chat-completions server (`rft.judge.fake_server`, in its own process) answers every
   request after a fixed delay D. A `score_model` grader with `concurrency: C` grades
   `waves * C` distinct samples; its throughput should be at least 0.8 * C / D for
   C in {1, 8, 64}. The same batch is then graded again from the disk cache.
2. The `python` grader's cost per sample with warm workers, against calling the same
   `grade` function in-process, with the worker pool jailed (bubblewrap + seccomp) and
   unjailed (the audit-hook worker rft had before issue 13) side by side.

Exits 1 when a throughput target is missed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

import rft
from rft.sandbox import Limits, WorkerPool

ROUNDS = 5

GRADE_SOURCE = """
def grade(sample, item):
    return 1.0 if sample["output_text"].strip() == str(item["answer"]) else 0.0
"""


def start_server(delay: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rft.judge.fake_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)/v1", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"fake server did not start: {line!r}")
    return proc, f"{match.group(1)}/slow/{delay:g}/v1"


def judge_bundle(base_url: str, concurrency: int, cache_dir: Path) -> dict:
    return {
        "type": "score_model",
        "name": "judge",
        "model": "fake-judge",
        "range": [0, 10],
        "input": [{"role": "user", "content": "Grade: {{ sample.output_text }}"}],
        "endpoint": {"base_url": base_url, "api_key_env": None},
        "concurrency": concurrency,
        "timeout_s": 30,
        "cache": str(cache_dir),
    }


def judge_rows(base_url: str, delay: float, waves: int, tmp: Path) -> tuple[list[str], bool]:
    rows, ok = [], True
    for concurrency in (1, 8, 64):
        n = waves * concurrency
        texts = [f"SCORE={k % 10} #{concurrency}-{k}" for k in range(n)]
        with rft.compile(judge_bundle(base_url, concurrency, tmp / f"c{concurrency}")) as reward:
            start = time.perf_counter()
            scores = reward.score(texts, [{}] * n)
            seconds = time.perf_counter() - start
            errors = int(scores.any_error.sum())
            start = time.perf_counter()
            cached = reward.score(texts, [{}] * n)
            cached_seconds = time.perf_counter() - start
        throughput, target = n / seconds, 0.8 * concurrency / delay
        passed = throughput >= target and errors == 0 and cached.usage["judge_requests"] == 0
        ok &= passed
        rows.append(
            f"| {concurrency:>3} | {n:>4} | {throughput:>8.1f} | {target:>8.1f} | "
            f"{throughput * delay / concurrency:>5.2f} | {n / cached_seconds:>10.0f} | "
            f"{errors} | {'PASS' if passed else 'FAIL'} |"
        )
    return rows, ok


def python_rows(n: int) -> tuple[list[str], bool]:
    namespace: dict = {}
    exec(GRADE_SOURCE, namespace)
    grade = namespace["grade"]
    samples = [{"output_text": str(k % 7)} for k in range(n)]
    items = [{"answer": 3}] * n
    start = time.perf_counter()
    for sample, item in zip(samples, items, strict=True):
        grade(sample, item)
    in_process = (time.perf_counter() - start) / n
    rows = [f"| in-process call | - | {in_process * 1e6:>8.2f} | 1 |"]
    # The same pool with and without the jail (namespaces + seccomp), on the same payloads.
    payloads = [orjson.dumps({"sample": s, "item": i}) for s, i in zip(samples, items, strict=True)]
    ok = True
    modes = (("unjailed (before #13)", False), ("jailed", None))
    for workers in (1, 2):
        # Both pools warm at once, timed in alternation, best of `ROUNDS` (the host is shared).
        pools = {
            label: WorkerPool(GRADE_SOURCE, Limits(), workers, jailed) for label, jailed in modes
        }
        best = dict.fromkeys(pools, float("inf"))
        try:
            for pool in pools.values():
                pool.run(payloads[: workers * 2])  # start the workers
            for _ in range(ROUNDS):
                for label, pool in pools.items():
                    start = time.perf_counter()
                    outcomes = pool.run(payloads)
                    best[label] = min(best[label], (time.perf_counter() - start) / n)
                    assert all(o.score is not None for o in outcomes)
        finally:
            for pool in pools.values():
                pool.close()
        ratio = best["jailed"] / best["unjailed (before #13)"]
        ok &= ratio <= 2
        for label, per_sample in best.items():
            verdict = (
                f"{ratio:.2f}x {'PASS' if ratio <= 2 else 'FAIL'}" if label == "jailed" else ""
            )
            rows.append(
                f"| pool, warm, {label} | {workers} | {per_sample * 1e6:>8.2f} | "
                f"{per_sample / in_process:>5.0f} | {verdict} |"
            )
        bundle = {"type": "python", "name": "py", "source": GRADE_SOURCE, "workers": workers}
        with rft.compile(bundle) as reward:
            texts = [s["output_text"] for s in samples]
            reward.score(texts[: workers * 2], items[: workers * 2])  # start the workers
            start = time.perf_counter()
            reward.score(texts, items)
            per_sample = (time.perf_counter() - start) / n
        rows.append(
            f"| rft.compile, warm, jailed | {workers} | {per_sample * 1e6:>8.2f} | "
            f"{per_sample / in_process:>5.0f} | |"
        )
    return rows, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.2, help="server delay D in seconds")
    parser.add_argument("--waves", type=int, default=5, help="batch size = waves * C")
    parser.add_argument("--python-samples", type=int, default=2000)
    parser.add_argument("--python-only", action="store_true", help="skip the judge part")
    args = parser.parse_args()

    ok = True
    if not args.python_only:
        proc, base_url = start_server(args.delay)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                rows, ok = judge_rows(base_url, args.delay, args.waves, Path(tmp))
        finally:
            proc.kill()
            proc.wait()
        print(f"## Judge throughput (loopback server, delay D = {args.delay:g} s)\n")
        print("|   C |    n | req/s    | target   | eff.  | cached req/s | errors | 0.8 C/D |")
        print("|----:|-----:|---------:|---------:|------:|-------------:|-------:|:-------:|")
        print("\n".join(rows))
        print("\neff. = throughput / (C / D); target = 0.8 C / D; cached = the same batch again\n")
    print(f"## Python grader overhead ({args.python_samples} samples)\n")
    print("| mode | workers | µs / sample | x in-process | jailed / unjailed <= 2 |")
    print("|---|---:|---:|---:|:---:|")
    rows, python_ok = python_rows(args.python_samples)
    print("\n".join(rows))
    return 0 if ok and python_ok else 1


if __name__ == "__main__":
    sys.exit(main())
