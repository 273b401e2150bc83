"""Grading through `rft serve` vs an in-process `score` call, gene_rank bundle.

One run, side by side: `rft serve` runs as users run it (its own process on 127.0.0.1);
this process is both the in-process baseline and the clients. For each request size and
client count, rounds alternate between

- in-process: the same request batches graded one `score` call each, back to back;
- server: that many concurrent clients, one keep-alive HTTP/1.1 connection each, sending
  those batches to `POST /score` for the same time; every reply's scores are checked against
  the in-process scores.

Reported: the median over rounds of each rate and of the per-round ratio (server /
in-process), so a burst of load from elsewhere on the machine hits both sides alike.

The default client is a lean HTTP/1.1 client on asyncio streams (bodies encoded once with
orjson, replies parsed with orjson): on a 2-core machine the clients share the cores with the
server, and a heavy client library would measure itself. `--client httpx` drives the server
with httpx instead (one `AsyncClient` per connection) to show what such a client costs.

    python benchmarks/serve_throughput.py                        # 1, 8, 32, 256 per request
    python benchmarks/serve_throughput.py --per-request 32 --clients 64 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import orjson

import rft

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "graders" / "gene_rank.yaml"
GENES = [f"GENE{i}" for i in range(300)]
Request = tuple[list[str], list[dict]]


def make_requests(n: int, per_request: int, seed: int = 0) -> list[Request]:
    rng = random.Random(seed)
    requests = []
    for _ in range(n):
        samples, items = [], []
        for _ in range(per_request):
            genes = rng.sample(GENES, rng.randint(1, 8))
            samples.append(orjson.dumps({"genes": genes}).decode())
            items.append({"gene": rng.choice(genes) if rng.random() < 0.7 else rng.choice(GENES)})
        requests.append((samples, items))
    return requests


def in_process_rate(reward: rft.RewardFunction, requests: list[Request], seconds: float) -> float:
    done, k, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        samples, items = requests[k % len(requests)]
        reward.score(samples, items)
        done += len(samples)
        k += 1
    return done / (time.perf_counter() - start)


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read the JSON reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, request: bytes) -> dict:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        if status != b"200":
            raise AssertionError(f"server answered {status.decode()}: {body[:200]!r}")
        return orjson.loads(body)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def http_request(port: int, body: bytes) -> bytes:
    return (
        b"POST /score HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n" % (port, len(body))
    ) + body


async def server_rate(
    port: int,
    requests: list[Request],
    expected: list[list[float]],
    clients: int,
    seconds: float,
    client_kind: str,
) -> float:
    bodies = [orjson.dumps({"samples": s, "items": i}) for s, i in requests]
    url = f"http://127.0.0.1:{port}/score"
    # Connections are opened before the clock starts: connecting is not the server's work.
    if client_kind == "raw":
        wire = [http_request(port, body) for body in bodies]
        conns = [await Connection.open(port) for _ in range(clients)]
        posts: list[Callable[[int], object]] = [(lambda k, c=c: c.post(wire[k])) for c in conns]
    else:
        headers = {"content-type": "application/json"}
        https = [httpx.AsyncClient(timeout=60) for _ in range(clients)]
        for http in https:
            (await http.get(url.replace("/score", "/health"))).raise_for_status()

        async def post_httpx(http: httpx.AsyncClient, k: int) -> dict:
            reply = await http.post(url, content=bodies[k], headers=headers)
            reply.raise_for_status()
            return orjson.loads(reply.content)

        posts = [(lambda k, h=h: post_httpx(h, k)) for h in https]
    done = 0
    stop_at = time.perf_counter() + seconds

    async def client(offset: int, post: Callable[[int], object]) -> None:
        nonlocal done
        k = offset
        while time.perf_counter() < stop_at:
            i = k % len(requests)
            reply = await post(i)  # type: ignore[misc]
            if reply["scores"] != expected[i]:
                raise AssertionError("server scores differ from in-process scores")
            done += len(requests[i][0])
            k += clients

    start = time.perf_counter()
    await asyncio.gather(*(client(i, post) for i, post in enumerate(posts)))
    elapsed = time.perf_counter() - start
    if client_kind == "raw":
        for conn in conns:
            await conn.close()
    else:
        for http in https:
            await http.aclose()
    return done / elapsed


def start_server() -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rft.cli.main", "serve", str(BUNDLE), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return proc, port
        except httpx.TransportError:
            if proc.poll() is not None:
                raise RuntimeError("rft serve exited") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("rft serve did not start")


def measure(
    port: int, sizes: Sequence[int], clients: Sequence[int], seconds: float, rounds: int, kind: str
) -> list[tuple[int, int, float, float, float]]:
    reward = rft.compile(BUNDLE)
    rows = []
    for size in sizes:
        requests = make_requests(max(8, 4096 // size), size)
        expected = [reward.score(s, i).scores.tolist() for s, i in requests]
        for n in clients:
            local, served, ratios = [], [], []
            for _ in range(rounds):
                local.append(in_process_rate(reward, requests, seconds))
                served.append(asyncio.run(server_rate(port, requests, expected, n, seconds, kind)))
                ratios.append(served[-1] / local[-1])
            rows.append(
                (
                    size,
                    n,
                    statistics.median(local),
                    statistics.median(served),
                    statistics.median(ratios),
                )
            )
            size_, n_, lo, se, ra = rows[-1]
            print(
                f"  {size_:>4} per request, {n_:>2} clients: {se:,.0f} vs {lo:,.0f} ({ra:.2f}x)",
                flush=True,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-request", default="1,8,32,256", help="samples per request")
    parser.add_argument("--clients", default="1,8,64")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per row")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    args = parser.parse_args()
    sizes = [int(s) for s in args.per_request.split(",")]
    clients = [int(c) for c in args.clients.split(",")]

    load_before = os.getloadavg()[0]
    proc, port = start_server()
    try:
        rows = measure(port, sizes, clients, args.seconds, args.rounds, args.client)
        health = httpx.get(f"http://127.0.0.1:{port}/health").json()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(
        f"\ngene_rank, {args.client} client, median of {args.rounds} alternating rounds of "
        f"{args.seconds:g} s each; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after, {os.cpu_count()} cores"
    )
    print(
        "| samples per request | clients | in-process samples/s | server samples/s | server / in-process |"
    )
    print("|---:|---:|---:|---:|---:|")
    for size, n, local, served, ratio in rows:
        print(f"| {size} | {n} | {local:,.0f} | {served:,.0f} | {ratio:.2f}x |")
    print(
        f"server: {health['requests']:,} requests in {health['batches']:,} batches "
        f"(largest {health['largest_batch']:,} samples)"
    )


if __name__ == "__main__":
    main()
