"""The sympy worker's narrow interface: `decide(op, a, b, timeout)` in a bounded process."""

from __future__ import annotations

import pytest

from rft.numbers import SympyTimeout, SympyWorker


@pytest.fixture
def worker() -> SympyWorker:
    w = SympyWorker()
    yield w
    w.close()


def test_equal_and_proportional(worker: SympyWorker) -> None:
    assert worker.decide("equal", "2(x+1)", "2x+2", 60) is True
    assert worker.decide("equal", "x", "x+1", 60) is False
    assert worker.decide("equal", r"\log_2 x", r"\ln x / \ln 2", 60) is True
    assert worker.decide("proportional", "(x^2)-(9)", "(2x^2)-(18)", 60) is True
    assert worker.decide("proportional", "(x^2)-(9)", "(x)-(3)", 60) is False
    assert worker.decide("proportional", "(x^2)-(9)", "(x^2)-(8)", 60) is False
    assert worker.decide("equal", "(", "x", 60) is None  # does not parse


def test_a_timeout_kills_the_process_and_the_next_job_restarts_it(worker: SympyWorker) -> None:
    with pytest.raises(SympyTimeout):
        worker.decide("equal", "(x+1)^40000", "x^40000+1", 0.5)
    assert worker.decide("equal", "x+x", "2x", 60) is True
