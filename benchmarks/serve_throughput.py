"""Grading through `rft serve` vs an in-process `score` call, gene_rank bundle.

In one run: the in-process baseline grades the same request batches one `score` call each,
back to back; then `rft serve` (uvicorn, a child process on 127.0.0.1) is driven by 1, 8 and
64 concurrent clients (httpx, one connection each) sending those batches for a fixed time.
Reported: samples/s and the server's share of the in-process rate. Every reply's scores are
checked against the in-process scores before any rate is printed.

    python benchmarks/serve_throughput.py                 # 32 samples per request
    python benchmarks/serve_throughput.py --per-request 1 # OpenRLHF sends one per request
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

import rft

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "graders" / "gene_rank.yaml"
GENES = [f"GENE{i}" for i in range(300)]


def make_requests(n: int, per_request: int, seed: int = 0) -> list[tuple[list[str], list[dict]]]:
    rng = random.Random(seed)
    requests = []
    for _ in range(n):
        samples, items = [], []
        for _ in range(per_request):
            genes = rng.sample(GENES, rng.randint(1, 8))
            samples.append(json.dumps({"genes": genes}))
            items.append({"gene": rng.choice(genes) if rng.random() < 0.7 else rng.choice(GENES)})
        requests.append((samples, items))
    return requests


def in_process_rate(requests, seconds: float) -> tuple[float, list[list[float]]]:
    reward = rft.compile(BUNDLE)
    expected = [[float(s) for s in reward.score(s, i).scores] for s, i in requests]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for samples, items in requests:
            reward.score(samples, items)
            done += len(samples)
    return done / (time.perf_counter() - start), expected


async def server_rate(url: str, requests, expected, clients: int, seconds: float) -> float:
    # Clients (and their connections) are made before the clock starts: building an httpx
    # client costs milliseconds (an SSL context), which is not the server's time.
    https = [httpx.AsyncClient(timeout=60) for _ in range(clients)]
    for http in https:
        (await http.get(url + "/health")).raise_for_status()
    done = 0
    stop_at = time.perf_counter() + seconds

    async def client(offset: int, http: httpx.AsyncClient) -> None:
        nonlocal done
        k = offset
        while time.perf_counter() < stop_at:
            samples, items = requests[k % len(requests)]
            reply = await http.post(url + "/score", json={"samples": samples, "items": items})
            reply.raise_for_status()
            if reply.json()["scores"] != expected[k % len(requests)]:
                raise AssertionError("server scores differ from in-process scores")
            done += len(samples)
            k += clients

    start = time.perf_counter()
    await asyncio.gather(*(client(i, http) for i, http in enumerate(https)))
    elapsed = time.perf_counter() - start
    for http in https:
        await http.aclose()
    return done / elapsed


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rft.cli.main", "serve", str(BUNDLE), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(url + "/health", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("rft serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-request", type=int, default=32, help="samples per request")
    parser.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    parser.add_argument("--clients", default="1,8,64")
    args = parser.parse_args()

    requests = make_requests(256, args.per_request)
    base, expected = in_process_rate(requests, args.seconds)
    proc, url = start_server()
    try:
        rows = []
        for clients in [int(c) for c in args.clients.split(",")]:
            rate = asyncio.run(server_rate(url, requests, expected, clients, args.seconds))
            rows.append((clients, rate))
        health = httpx.get(url + "/health").json()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"gene_rank, {args.per_request} samples per request, {args.seconds:.0f} s per row")
    print("| clients | samples/s | vs in-process |")
    print("|---:|---:|---:|")
    print(f"| in-process `score` | {base:,.0f} | 1.00x |")
    for clients, rate in rows:
        print(f"| {clients} | {rate:,.0f} | {rate / base:.2f}x |")
    print(
        f"server: {health['requests']:,} requests in {health['batches']:,} batches "
        f"(largest {health['largest_batch']:,} samples)"
    )


if __name__ == "__main__":
    main()
