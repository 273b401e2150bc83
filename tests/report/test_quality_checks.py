"""Quality checks fire on data built to trip them, and stay quiet on healthy data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rft.report.history import read_history
from rft.report.quality import frame_checks, history_checks, warnings


def _frame(scores: dict[str, list[float]], lengths: list[int], k: int) -> pd.DataFrame:
    n = len(lengths)
    data = {
        "item_index": [i // k for i in range(n)],
        "sample_index": [i % k for i in range(n)],
        "length_chars": lengths,
        "skipped": [False] * n,
    }
    data["score"] = scores.pop("score")
    data |= {f"score.{name}": values for name, values in scores.items()}
    return pd.DataFrame(data)


def _by(checks: list, name: str, subject: str | None = None) -> list:
    return [c for c in checks if c.name == name and (subject is None or c.subject == subject)]


def test_length_hacking_and_flat_grader_are_flagged() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 500, size=200).tolist()
    reward = [min(1.0, x / 500) for x in lengths]  # longer is better: length hacking
    flat = [1.0] * 200  # a format grader everyone passes
    checks = frame_checks(_frame({"score": reward, "length": reward, "format": flat}, lengths, k=4))
    (length,) = _by(checks, "length_correlation")
    # Reward rises strictly with length (x / 500 for x < 500): the ranks agree exactly.
    assert length.status == "warn" and length.value == pytest.approx(1.0)
    assert "longer" in length.message
    (disc,) = _by(checks, "discrimination", "format")
    assert disc.status == "warn" and disc.value == 1.0
    (sat,) = _by(checks, "saturation", "format")
    assert sat.status == "warn" and "saturated" in sat.message
    assert _by(checks, "discrimination", "length")[0].status == "ok"


def test_healthy_table_has_no_warnings() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(size=400)
    b = np.clip(a + rng.normal(0, 0.05, size=400), 0, 1)
    lengths = rng.integers(10, 500, size=400).tolist()
    checks = frame_checks(_frame({"score": list(a), "a": list(a), "b": list(b)}, lengths, k=4))
    assert warnings(checks) == []
    assert [(c.name, c.subject) for c in checks] == [
        ("length_correlation", "reward"),
        ("zero_variance_groups", "reward"),
        ("discrimination", "a"),
        ("discrimination", "b"),
        ("saturation", "a"),
        ("saturation", "b"),
        ("disagreement", "a vs b"),
    ]


def test_zero_variance_groups_and_opposed_graders() -> None:
    k = 4
    reward = [0.0] * 80  # every group identical
    a = [1.0, 0.0] * 40
    b = [0.0, 1.0] * 40  # b is exactly not-a
    checks = frame_checks(_frame({"score": reward, "a": a, "b": b}, [5] * 80, k=k))
    (zv,) = _by(checks, "zero_variance_groups")
    assert zv.status == "warn" and zv.value == 1.0
    (dis,) = _by(checks, "disagreement")
    assert dis.status == "warn" and dis.value == 1.0 and "opposite" in dis.message


def test_history_keys_and_length_trend(tmp_path) -> None:
    rows = []
    for step in range(1, 21):
        rows.append(
            {
                "step": step,
                "train/reward": step / 20,
                "train/graders/format": min(1.0, 0.9 + step / 100),
                "train/completion_length": 20 + 5 * step,
                "frac_reward_zero_std": 0.8,
                "note": "text is ignored",
            }
        )
        if step % 5 == 0:
            rows.append({"step": step, "valid/reward": step / 25, "valid/graders/format": 0.9})
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    history = read_history(path)
    assert history.train_reward == "train/reward" and history.valid_reward == "valid/reward"
    assert history.train_graders == {"format": "train/graders/format"}
    assert history.valid_graders == {"format": "valid/graders/format"}
    steps, values = history.series("valid/reward")
    assert steps == [5, 10, 15, 20] and values[-1] == 0.8
    checks = history_checks(history)
    (trend,) = _by(checks, "length_trend")
    # Lengths 20 + 5 * step over 20 steps; 10% windows: steps 1-2 (27.5) and 19-20 (117.5).
    assert trend.status == "warn" and trend.value == pytest.approx(117.5 / 27.5)
    assert "grew" in trend.message
    assert _by(checks, "zero_variance_groups")[0].status == "warn"
    assert _by(checks, "saturation")[0].subject == "train format"


def test_typed_records_of_rft_train(tmp_path) -> None:
    """`rft train` writes typed records with nested graders/errors/seconds (rft.train.metrics)."""
    lines = [{"type": "eval", "step": 0, "phase": "start", "reward": 0.1, "graders": {"rank": 0.1}}]
    for step in range(1, 11):
        lines.append(
            {
                "type": "train",
                "step": step,
                "reward": 0.1 + step / 20,
                "graders": {"format": 0.9, "rank": step / 20},
                "errors": {"sample_parse_error": 0.1},
                "completion_length": 12.0,
                "seconds": {"step": 1.5, "grading": 0.1},
            }
        )
    lines.append(
        {"type": "eval", "step": 10, "phase": "rl", "reward": 0.5, "graders": {"rank": 0.5}}
    )
    lines.append({"type": "warmup", "epoch": 1.0, "loss": 2.3})
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines))
    history = read_history(path)
    assert history.train_reward == "train/reward" and history.valid_reward == "valid/reward"
    assert history.train_graders == {"format": "train/graders/format", "rank": "train/graders/rank"}
    assert history.valid_graders == {"rank": "valid/graders/rank"}
    assert history.length == "train/completion_length"
    assert history.series("valid/reward") == ([0.0, 10.0], [0.1, 0.5])
    assert _by(history_checks(history), "length_trend")[0].status == "ok"
