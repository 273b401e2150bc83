"""`MicroBatcher`: concurrent requests share compiled `score` calls, each gets its own rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import rft
from rft.integrations.batching import MicroBatcher, Overloaded
from rft.integrations.serve import ReplyColumns

REPO = Path(__file__).resolve().parents[2]
GENE_RANK = REPO / "graders" / "gene_rank.yaml"
EQ = {
    "type": "string_check",
    "name": "eq",
    "operation": "eq",
    "input": "{{ sample.output_text }}",
    "reference": "{{ item.answer }}",
}


def run(coro):
    return asyncio.run(coro)


async def _with_batcher(batcher: MicroBatcher, body):
    batcher.start()
    try:
        return await body(batcher)
    finally:
        await batcher.stop()


def test_requests_already_queued_share_one_batch_and_get_their_own_rows() -> None:
    # Sizes 1, 2, 3: a wrong offset would hand a request its neighbour's scores.
    requests = [
        (["a"], [{"answer": "a"}]),
        (["x", "b"], [{"answer": "y"}, {"answer": "b"}]),
        (["c", "c", "z"], [{"answer": "c"}, {"answer": "q"}, {"answer": "z"}]),
    ]

    async def body(batcher: MicroBatcher):
        return await asyncio.gather(*(batcher.score(s, i) for s, i in requests))

    batcher = MicroBatcher(rft.compile(EQ))
    shares = run(_with_batcher(batcher, body))
    assert [share.batch.scores[share.rows].tolist() for share in shares] == [
        [1.0],
        [0.0, 1.0],
        [1.0, 0.0, 1.0],
    ]
    assert [(s.rows.start, s.rows.stop) for s in shares] == [(0, 1), (1, 3), (3, 6)]
    assert batcher.stats.batches == 1 and batcher.stats.largest_batch == 6


def test_max_batch_splits_a_burst() -> None:
    async def body(batcher: MicroBatcher):
        return await asyncio.gather(*(batcher.score(["a"], [{"answer": "a"}]) for _ in range(10)))

    batcher = MicroBatcher(rft.compile(EQ), max_batch=4)
    run(_with_batcher(batcher, body))
    assert (batcher.stats.batches, batcher.stats.largest_batch) == (3, 4)


def test_a_lone_request_does_not_wait_for_the_window() -> None:
    # A one-minute window: a batcher that idled until its deadline would time out here.
    async def body(batcher: MicroBatcher):
        return await asyncio.wait_for(batcher.score(["a"], [{"answer": "a"}]), timeout=20)

    share = run(_with_batcher(MicroBatcher(rft.compile(EQ), max_wait_s=60.0), body))
    assert share.batch.scores[share.rows].tolist() == [1.0]


def test_prepare_runs_once_per_batch() -> None:
    calls: list[int] = []

    def prepare(scores):
        calls.append(len(scores))
        return scores.scores.tolist()

    async def body(batcher: MicroBatcher):
        return await asyncio.gather(*(batcher.score(["a"], [{"answer": "a"}]) for _ in range(5)))

    shares = run(_with_batcher(MicroBatcher(rft.compile(EQ), prepare=prepare), body))
    assert calls == [5]
    assert [share.batch[share.rows] for share in shares] == [[1.0]] * 5


def test_a_failing_batch_fails_its_requests_and_the_worker_goes_on() -> None:
    def prepare(scores):
        if len(scores) == 2:
            raise RuntimeError("boom")
        return scores

    async def body(batcher: MicroBatcher):
        failed = await asyncio.gather(
            batcher.score(["a"], [{"answer": "a"}]),
            batcher.score(["a"], [{"answer": "a"}]),
            return_exceptions=True,
        )
        after = await batcher.score(["a"], [{"answer": "a"}])
        return failed, after

    failed, after = run(_with_batcher(MicroBatcher(rft.compile(EQ), prepare=prepare), body))
    assert [str(e) for e in failed] == ["boom", "boom"]
    assert after.batch.scores[after.rows].tolist() == [1.0]


def test_the_queue_bound_refuses_at_once() -> None:
    async def body(batcher: MicroBatcher):
        with pytest.raises(Overloaded, match="limit 2"):
            await batcher.score(["a"] * 3, [{"answer": "a"}] * 3)
        return batcher.stats.refused

    assert run(_with_batcher(MicroBatcher(rft.compile(EQ), max_pending=2), body)) == 1


def test_reply_flags_and_messages_are_those_of_the_requests_own_rows() -> None:
    # One batch: the first request has a malformed answer, the second has none.
    requests = [
        (["not json", '{"genes": ["FBN1"]}'], [{"gene": "FBN1"}] * 2),
        (['{"genes": ["X", "FBN1"]}'], [{"gene": "FBN1"}]),
    ]

    async def body(batcher: MicroBatcher):
        return await asyncio.gather(*(batcher.score(s, i) for s, i in requests))

    batcher = MicroBatcher(rft.compile(GENE_RANK), prepare=ReplyColumns.of)
    first, second = run(_with_batcher(batcher, body))
    assert batcher.stats.batches == 1
    one, two = first.batch.payload(first.rows), second.batch.payload(second.rows)
    assert one["scores"] == [0.0, 1.0] and two["scores"] == [0.5]
    assert one["flags"] == {"sample_parse_error": [True, False]}
    assert two["flags"] == {}
    assert one["messages"][0].startswith("format: ") and one["messages"][1] is None
    assert two["messages"] == [None]
    assert two["sub_scores"] == {"format": [1.0], "rank": [0.5]}
