"""`rft serve`: a real uvicorn server on 127.0.0.1, driven by a real HTTP client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import rft
from rft.data import read_jsonl

REPO = Path(__file__).resolve().parents[2]
GENE_RANK = REPO / "graders" / "gene_rank.yaml"

EQ = {
    "type": "string_check",
    "name": "eq",
    "operation": "eq",
    "input": "{{ sample.output_text }}",
    "reference": "{{ item.answer }}",
}
ANSWERS = [
    ('{"genes": ["FBN1", "TGFBR2"]}', {"gene": "FBN1"}),
    ('{"genes": ["TGFBR2", "FBN1"]}', {"gene": "FBN1"}),
    ('{"genes": ["TGFBR2", "FBN1", "X3", "X4"]}', {"gene": "X4"}),
    ("not json", {"gene": "FBN1"}),
]


def in_process(samples: list, items: list) -> list[float]:
    return [float(s) for s in rft.compile(GENE_RANK).score(samples, items).scores]


def test_score_matches_in_process_scoring(serve_app) -> None:
    url = serve_app(GENE_RANK)
    samples, items = [a for a, _ in ANSWERS], [i for _, i in ANSWERS]
    reply = httpx.post(url + "/score", json={"samples": samples, "items": items}).json()
    assert reply["scores"] == in_process(samples, items) == [1.0, 0.5, 0.25, 0.0]
    assert reply["rewards"] == [1.0, 0.5, 0.25, 0.0]
    assert reply["sub_scores"] == {"format": [1.0, 1.0, 1.0, 0.0], "rank": [1.0, 0.5, 0.25, 0.0]}
    assert reply["flags"] == {"sample_parse_error": [False, False, False, True]}
    assert reply["messages"][:3] == [None, None, None] and reply["messages"][3]


def test_chat_and_dict_samples(serve_app) -> None:
    url = serve_app(GENE_RANK)
    samples = [
        {"output_text": '{"genes": ["FBN1"]}'},
        [{"role": "assistant", "content": '{"genes": ["X", "FBN1"]}'}],
    ]
    reply = httpx.post(url + "/score", json={"samples": samples, "items": [{"gene": "FBN1"}] * 2})
    assert reply.json()["scores"] == [1.0, 0.5]


def test_openrlhf_shape(serve_app) -> None:
    url = serve_app(GENE_RANK)
    prompt = "Patient: HP:0001166. Genes?"
    body = {
        "query": [f"<s>{prompt} {ANSWERS[1][0]}<|im_end|>", f"{ANSWERS[0][0]}"],
        "prompts": [prompt, prompt],
        "labels": [json.dumps({"gene": "FBN1"}), {"gene": "FBN1"}],
    }
    reply = httpx.post(url + "/get_reward", json=body).json()
    # The second query does not contain its prompt: never graded whole, so 0 and flagged.
    assert reply["rewards"] == [0.5, 0.0]
    assert reply["scores"] == [0.5, 0.0]
    assert reply["extra_logs"]["rft/prompt_not_found"] == [0.0, 1.0]
    assert reply["extra_logs"]["rft/rank"] == [0.5, 0.0]


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/score", b"{not json", 400, "not JSON"),
        ("/score", b"[1, 2]", 422, "JSON object"),
        ("/score", b'{"samples": "x"}', 422, "`samples` must be a list"),
        ("/score", b'{"samples": ["a"], "items": [{}, {}]}', 422, "as long as `samples`"),
        ("/score", b'{"samples": ["a"], "items": [3]}', 422, "JSON object"),
        ("/score", b'{"samples": [42], "items": [{}]}', 422, "samples[0]"),
        ("/score", b'{"samples": [[]], "items": [{}]}', 422, "samples[0]"),
        ("/get_reward", b'{"query": ["a"], "prompts": []}', 422, "differ in length"),
        ("/get_reward", b'{"query": [1], "prompts": ["p"]}', 422, "lists of strings"),
        ("/get_reward", b'{"prompts": ["p"]}', 422, "`query` must be a list"),
        # Not JSON, as rft's JSONL reader says of such a line too (orjson in both).
        ("/score", b'{"samples": ["a"], "items": [{"gene": NaN}]}', 400, "not JSON"),
        ("/score", b'{"samples": ["a"], "items": [{"gene": 1e400}]}', 400, "not JSON"),
        ("/score", b'{"samples": ["\\ud800"], "items": [{}]}', 400, "not JSON"),
    ],
)
def test_malformed_requests_get_a_clear_status(serve_app, path, body, status, says) -> None:
    url = serve_app(GENE_RANK)
    reply = httpx.post(url + path, content=body, headers={"content-type": "application/json"})
    assert reply.status_code == status
    assert says in reply.json()["error"]
    # The server is still fine afterwards.
    assert httpx.get(url + "/health").json()["status"] == "ok"


def test_bodies_are_read_as_rft_reads_jsonl(serve_app, tmp_path: Path) -> None:
    # The same JSON text scores the same through the server as through `rft eval`'s reader:
    # unicode as is; integers past 64 bits stay exact in both (orjson alone reads them as
    # floats, and the neighbouring wrong integer would then render the same).
    big = "123456789012345678901234567890"
    neighbour = "123456789012345678901234567891"
    lines = [
        f'{{"sample": "{big}", "item": {{"answer": {big}}}}}',
        f'{{"sample": "{neighbour}", "item": {{"answer": {big}}}}}',
        '{"sample": "18446744073709551615", "item": {"answer": 18446744073709551615}}',
        '{"sample": "Gène 中 😀", "item": {"answer": "Gène 中 😀"}}',
        '{"sample": "\\u00e9", "item": {"answer": "\\u00e9"}}',
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = read_jsonl(path)
    expected = [
        float(s)
        for s in rft.compile(EQ)
        .score([r["sample"] for r in rows], [r["item"] for r in rows])
        .scores
    ]
    assert expected == [1.0, 0.0, 1.0, 1.0, 1.0]

    url = serve_app(EQ)
    samples = ", ".join(line.split('"sample": ')[1].split(', "item"')[0] for line in lines)
    items = ", ".join(line.split('"item": ')[1][:-1] for line in lines)
    body = f'{{"samples": [{samples}], "items": [{items}]}}'.encode()
    reply = httpx.post(url + "/score", content=body, headers={"content-type": "application/json"})
    assert reply.json()["scores"] == expected


def test_size_limits(serve_app) -> None:
    url = serve_app(GENE_RANK, max_body_bytes=2000, max_samples_per_request=3)
    too_many = {"samples": ["a"] * 4, "items": [{"gene": "A"}] * 4}
    assert httpx.post(url + "/score", json=too_many).status_code == 413
    too_big = {"samples": ["a" * 5000], "items": [{"gene": "A"}]}
    reply = httpx.post(url + "/score", json=too_big)
    assert reply.status_code == 413 and "exceeds 2000" in reply.json()["error"]


def test_burst_of_concurrent_requests_is_batched(serve_app) -> None:
    url = serve_app(GENE_RANK, max_wait_s=0.02)
    n = 64

    async def burst() -> list[dict]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=n)) as client:

            async def one(i: int) -> dict:
                answer, item = ANSWERS[i % len(ANSWERS)]
                reply = await client.post(
                    url + "/score", json={"samples": [answer], "items": [item]}
                )
                return reply.json()

            return await asyncio.gather(*(one(i) for i in range(n)))

    replies = asyncio.run(burst())
    expected = in_process([a for a, _ in ANSWERS], [i for _, i in ANSWERS])
    assert [r["scores"][0] for r in replies] == [expected[i % 4] for i in range(n)]
    health = httpx.get(url + "/health").json()
    assert health["requests"] == n and health["samples"] == n
    assert health["batches"] < n  # concurrent requests shared compiled score calls


def test_overload_is_refused_not_queued(serve_app) -> None:
    # A python-free slow grader is hard to make; a queue limit smaller than one request is not.
    url = serve_app(GENE_RANK, max_pending_samples=2)
    reply = httpx.post(url + "/score", json={"samples": ["a"] * 3, "items": [{"gene": "A"}] * 3})
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert httpx.get(url + "/health").json()["refused"] == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def cli_server(*options: str) -> Iterator[str]:
    """`rft serve gene_rank.yaml` in its own process on a free loopback port; yields its URL."""
    pytest.importorskip("uvicorn")  # the `serve` extra
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rft.cli.main",
            "serve",
            str(GENE_RANK),
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_cli_serves_on_loopback_and_refuses_a_missing_bundle(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")  # the `serve` extra
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    missing = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "serve", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr

    with cli_server() as url:
        health = httpx.get(url + "/health").json()
        assert health["bundle"] == "gene_rank"
        reply = httpx.post(
            url + "/score", json={"samples": [ANSWERS[0][0]], "items": [ANSWERS[0][1]]}
        )
        assert reply.json()["scores"] == [1.0]


@pytest.mark.slow
def test_a_burst_through_the_server_process_gets_each_client_its_own_scores() -> None:
    # 64 clients at once, 4 requests each, of 1 to 7 samples: a reply holding a neighbour's
    # rows, or rows shifted by one, differs from that request's in-process scores.
    rng = random.Random(7)
    genes = [f"G{i}" for i in range(12)]
    requests = []
    for k in range(256):
        size = k % 7 + 1
        lists = [rng.sample(genes, rng.randint(1, 5)) for _ in range(size)]
        samples = [json.dumps({"genes": g}) if rng.random() < 0.9 else "no json" for g in lists]
        items = [{"gene": rng.choice(g) if rng.random() < 0.8 else "NONE"} for g in lists]
        requests.append((samples, items))
    reward = rft.compile(GENE_RANK)
    expected = [reward.score(s, i).scores.tolist() for s, i in requests]
    assert len({tuple(e) for e in expected}) > 100  # the replies tell requests apart

    async def burst(url: str) -> list[list[float]]:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:

            async def one(k: int) -> list[float]:
                samples, items = requests[k]
                reply = await client.post(url + "/score", json={"samples": samples, "items": items})
                return reply.json()["scores"]

            return await asyncio.gather(*(one(k) for k in range(len(requests))))

    with cli_server() as url:
        replies = asyncio.run(burst(url))
        health = httpx.get(url + "/health").json()
    assert replies == expected
    assert health["requests"] == 256
    assert health["samples"] == sum(len(s) for s, _ in requests)
    assert health["batches"] < 256  # the burst shared compiled score calls


@pytest.mark.slow
def test_max_batch_option_bounds_the_batches() -> None:
    # --max-batch 1: every one-sample request is graded alone, however many arrive at once.
    async def burst(url: str) -> list[list[float]]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=16)) as client:

            async def one(i: int) -> list[float]:
                answer, item = ANSWERS[i % len(ANSWERS)]
                body = {"samples": [answer], "items": [item]}
                return (await client.post(url + "/score", json=body)).json()["scores"]

            return await asyncio.gather(*(one(i) for i in range(32)))

    with cli_server("--max-batch", "1") as url:
        replies = asyncio.run(burst(url))
        health = httpx.get(url + "/health").json()
    assert replies == [[[1.0], [0.5], [0.25], [0.0]][i % 4] for i in range(32)]
    assert (health["batches"], health["largest_batch"]) == (32, 1)
