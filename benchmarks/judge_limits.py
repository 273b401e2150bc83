"""The judge's rate limit and token budget, measured against a loopback server.

    python benchmarks/judge_limits.py [--rpm 600] [--duration 60] [--concurrency 64]

1. Rate limit: the user's endpoints file sets `rpm` on a loopback endpoint
   (`rft.judge.fake_server`, real HTTP, answering at once); a `score_model` grader with
   `concurrency: 64` grades more samples than the limit allows in `--duration` seconds.
   The requests that arrive at the server in the first `--duration` seconds after the first
   one, per minute, must be within 5% of `rpm` (the bucket's one-second burst is included:
   +1/duration_s of the limit). The unlimited baseline on the same server is printed beside it.
2. Token budget: with `max_tokens_spent: CAP`, batches of `--concurrency` samples are graded
   until the budget refuses calls; the tokens spent may pass CAP by at most one batch's
   worth (calls already in flight complete), and the batch after that sends no request.

Exits 1 when a target is missed. The figures depend on the machine (CPU contention).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

import rft
from rft.judge.fake_server import FakeJudgeServer


def bundle(endpoint: Any, concurrency: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": "score_model",
        "name": "judge",
        "model": "fake-judge",
        "range": [0, 10],
        "input": [{"role": "user", "content": "Grade: {{ sample.output_text }}"}],
        "endpoint": endpoint,
        "concurrency": concurrency,
        "timeout_s": 30,
        "max_retries": 0,
        "cache": False,
        **fields,
    }


def measure_rpm(rpm: float, duration: float, concurrency: int) -> tuple[str, bool]:
    n = int(rpm * duration / 60) + 2 * concurrency
    texts = [f"SCORE={k % 10} #{k}" for k in range(n)]
    rows = []
    with FakeJudgeServer() as server:
        # Baseline first (no endpoints file yet): the same server and batch, no limit.
        base_n = min(n, 2000)
        with rft.compile(bundle({"base_url": server.base_url()}, concurrency)) as reward:
            start = time.perf_counter()
            reward.score(texts[:base_n], [{}] * base_n)
            base_rpm = base_n / (time.perf_counter() - start) * 60
        server.arrivals.clear()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "endpoints.yaml"
            path.write_text(
                yaml.safe_dump(
                    {"endpoints": {"limited": {"base_url": server.base_url(), "rpm": rpm}}}
                )
            )
            os.environ["RFT_ENDPOINTS_FILE"] = str(path)
            with rft.compile(bundle("limited", concurrency)) as reward:
                start = time.perf_counter()
                scores = reward.score(texts, [{}] * n)
                seconds = time.perf_counter() - start
            del os.environ["RFT_ENDPOINTS_FILE"]
        arrivals = sorted(server.arrivals)
    first = arrivals[0]
    in_window = sum(t < first + duration for t in arrivals)
    measured = in_window / duration * 60
    deviation = measured / rpm - 1
    errors = int(scores.any_error.sum())
    ok = abs(deviation) <= 0.05 and errors == 0
    rows.append("| run | requests | seconds | requests/min | limit | deviation |")
    rows.append("|---|---|---|---|---|---|")
    rows.append(f"| no limit (baseline) | {base_n} | - | {base_rpm:.0f} | - | - |")
    rows.append(
        f"| rpm {rpm:g}, concurrency {concurrency} | {in_window} in {duration:g} s "
        f"(batch {n}, {errors} errors) | {seconds:.1f} | {measured:.1f} | {rpm:g} | "
        f"{deviation:+.2%} {'ok' if ok else 'MISSED (>5%)'} |"
    )
    return "\n".join(rows), ok


def measure_budget(cap: int, concurrency: int) -> tuple[str, bool]:
    with FakeJudgeServer() as server:
        spec = bundle({"base_url": server.base_url()}, concurrency, max_tokens_spent=cap)
        with rft.compile(spec) as reward:
            spent, batches, per_call = 0.0, 0, 0.0
            batch_tokens = 0.0
            while batches < 10_000:
                texts = [f"SCORE={k % 10} #{batches}-{k}" for k in range(concurrency)]
                s = reward.score(texts, [{}] * concurrency)
                batches += 1
                tokens = s.usage.get("judge_prompt_tokens", 0) + s.usage.get(
                    "judge_completion_tokens", 0
                )
                spent += tokens
                if s.usage.get("judge_requests"):
                    per_call = max(per_call, tokens / s.usage["judge_requests"])
                    batch_tokens = max(batch_tokens, tokens)
                if s.errors["model_grader_server_error"].any():
                    break
            before = server.requests
            after = reward.score(["SCORE=1 #after"], [{}])
            sent_after = server.requests - before
    overshoot = spent - cap
    ok = (
        0 <= overshoot <= batch_tokens
        and sent_after == 0
        and bool(after.errors["model_grader_server_error"].all())
    )
    rows = [
        "| cap (tokens) | spent | overshoot | one batch | tokens/call | batches | calls after |",
        "|---|---|---|---|---|---|---|",
        f"| {cap} | {spent:.0f} | {overshoot:+.0f} | {batch_tokens:.0f} | {per_call:.0f} | "
        f"{batches} | {sent_after} {'ok' if ok else 'MISSED'} |",
    ]
    return "\n".join(rows), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rpm", type=float, default=600.0)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the burst")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--cap", type=int, default=10_000, help="max_tokens_spent")
    args = parser.parse_args()
    print(f"## rpm limit (python {sys.version.split()[0]})\n")
    table, rpm_ok = measure_rpm(args.rpm, args.duration, args.concurrency)
    print(table)
    print("\n## token budget\n")
    table, budget_ok = measure_budget(args.cap, args.concurrency)
    print(table)
    return 0 if rpm_ok and budget_ok else 1


if __name__ == "__main__":
    sys.exit(main())
