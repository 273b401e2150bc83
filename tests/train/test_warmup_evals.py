"""Held-out evals during the SFT warm-up (`run(..., warmup_eval_seconds=...)`), on the clock
that RL's records use (`elapsed`: seconds of training, evals left out)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trl", reason="needs the `train` extra")

from rft.train.config import JobConfig
from rft.train.run import run

pytestmark = pytest.mark.slow  # trains (an SFT warm-up, a few RL steps)


def _records(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]


def _job(arithmetic: dict[str, Path], out: Path, warmup: dict, steps: int = 0) -> JobConfig:
    return JobConfig(
        model=str(arithmetic["model"]),
        train_file=arithmetic["train"],
        valid_file=arithmetic["valid"],
        grader=arithmetic["grader"],
        warmup=warmup,
        hyperparameters={
            "max_steps": steps,
            "eval_interval": 2,
            "eval_samples": 8,
            "max_completion_tokens": 4,
            "batch_size": 4,
            "num_generations": 4,
        },
        output_dir=out,
        use_cpu=True,
    )


def test_sft_logs_evals_on_its_training_clock(arithmetic: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "sft"
    # 2 epochs of 16 rows in batches of 8: 4 SFT steps; an eval after each (0.001 s apart).
    warmup = {"n_epochs": 2, "batch_size": 8, "max_rows": 16}
    summary = run(_job(arithmetic, out, warmup), warmup_eval_seconds=0.001)
    records = _records(out)
    evals = [r for r in records if r["type"] == "eval"]
    during, last = evals[:-1], evals[-1]
    assert [(r["step"], r["phase"]) for r in during] == [(s, "warmup") for s in (0, 1, 2, 3, 4)]
    times = [r["elapsed"] for r in during]
    assert times == sorted(times) and times[0] == 0.0 and times[1] > 0
    # The end of SFT is the run's step-0 eval (RL's own start eval is not repeated), at the
    # SFT's clock, and the saved best model.
    assert (last["step"], last["phase"], last["best"]) == (0, "start", True)
    assert last["elapsed"] >= times[-1]
    assert summary.start_reward == summary.final_reward == last["reward"]
    assert json.loads((out / "best" / "rft_best.json").read_text())["step"] == 0
    losses = [r for r in records if r["type"] == "warmup"]
    assert [r["step"] for r in losses] == [2, 4]
    assert all(0 < r["elapsed"] <= last["elapsed"] for r in losses)


def test_warmup_clock_leaves_evals_out(tmp_path: Path) -> None:
    import time
    from types import SimpleNamespace

    from transformers import TrainerControl

    from rft.train.callbacks import WarmupCallback
    from rft.train.metrics import MetricsLog

    seen: list[tuple[int, float]] = []

    def slow_eval(model: object, step: int, elapsed: float) -> None:
        seen.append((step, elapsed))
        time.sleep(0.3)  # an eval far longer than the steps

    callback = WarmupCallback(
        metrics=MetricsLog(tmp_path / "m.jsonl"), budget=0.175, on_eval=slow_eval, eval_every=0.04
    )
    state, control = SimpleNamespace(global_step=0), TrainerControl()
    callback.on_train_begin(None, state, control, model=None)
    while not control.should_training_stop and state.global_step < 100:
        state.global_step += 1
        time.sleep(0.05)  # a step
        callback.on_step_end(None, state, control, model=None)
    # 0.175 s of steps (0.05 s each) is 4 steps, whatever the 0.3 s evals before step 1 and
    # after steps 1-3 took (counted, they would stop SFT after step 1).
    assert state.global_step == 4
    assert [step for step, _ in seen] == [0, 1, 2, 3]
    assert [round(t, 1) for _, t in seen] == [0.0, 0.1, 0.1, 0.2]
    assert 0.175 <= callback.elapsed < 0.3


def test_rl_records_carry_elapsed_training_seconds(
    arithmetic: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "rl"
    run(_job(arithmetic, out, {"n_epochs": 0}, steps=4))
    records = _records(out)
    train = [r for r in records if r["type"] == "train"]
    evals = [r for r in records if r["type"] == "eval"]
    assert [r["step"] for r in train] == [1, 2, 3, 4]
    # elapsed is the running sum of the steps' own seconds (evals left out).
    total = 0.0
    for r in train:
        total += r["seconds"]["step"]
        assert r["elapsed"] == pytest.approx(total, abs=0.01)
    assert (evals[0]["step"], evals[0]["elapsed"]) == (0, 0.0)
    by_step = {r["step"]: r["elapsed"] for r in train}
    assert [(r["step"], r["elapsed"]) for r in evals[1:]] == [(2, by_step[2]), (4, by_step[4])]
