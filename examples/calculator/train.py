"""Train the calculator example: SFT on demonstrations, then GRPO with the calculator tool.

    python examples/calculator/build_data.py     # data + tiny model under runs/calculator
    python examples/calculator/train.py          # warm-up, then GRPO; prints a JSON summary

The RL half is TRL's GRPOTrainer with `tools=[calculator]`: each completion may call the
calculator, TRL runs it and feeds the result back, and the policy answers in a next turn. The
reward is the rft bundle `grader.yaml` (an `episode` grader) through rft's TRL adapter: TRL
hands it every completion as the chat messages of the episode (assistant turns with
`tool_calls`, `tool` results, the final answer), which the episode grader scores as a whole.

The warm-up is plain SFT (TRL's SFTTrainer) on each row's ideal episode rendered with the
chat template, so the untrained tiny model learns the call format before RL. `rft train` has
no `tools:` field yet, hence this script.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_RUN = HERE.parents[1] / "runs" / "calculator"
sys.path.insert(0, str(HERE))  # this example's calculator.py
from calculator import calculator, demonstration  # noqa: E402

import rft  # noqa: E402
from rft.integrations.trl import GradedBatch, TrlReward  # noqa: E402


class EpisodeLog(TrlReward):
    """The bundle as TRL's reward, keeping per step what the episodes looked like."""

    def __init__(self, bundle: Path) -> None:
        super().__init__(rft.compile(bundle))
        self.steps: list[dict[str, Any]] = []
        self.last: GradedBatch | None = None
        self.valid: dict[str, dict[str, float]] = {}

    def record(self, graded: GradedBatch) -> None:
        super().record(graded)
        self.last = graded
        details = graded.scores.details[self.reward.name]
        episodes = [list(c) for c in graded.completions]
        self.steps.append(
            {
                "reward": float(graded.scores.scores.mean()),
                "answer": float(graded.scores.sub_scores["answer"].mean()),
                "calls": float(graded.scores.sub_scores["calls"].mean()),
                "tool_calls_per_episode": sum(details["tool_calls"]) / len(episodes),
                "episodes_with_tool_result": sum(
                    any(m.get("role") == "tool" for m in e) for e in episodes
                )
                / len(episodes),
            }
        )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def warm_up(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    out: Path,
    epochs: float,
    seed: int,
    learning_rate: float = 1e-2,
) -> Any:
    """SFT on each row's ideal episode (the prompt's tokens carry no loss)."""
    from trl import SFTConfig, SFTTrainer

    from datasets import Dataset

    records = []
    for row in rows:
        prompt = tokenizer.apply_chat_template(
            row["messages"], tools=[calculator], add_generation_prompt=True, tokenize=False
        )
        full = tokenizer.apply_chat_template(
            row["messages"] + demonstration(row), tools=[calculator], tokenize=False
        )
        # The episode ends with EOS, which SFTTrainer would add again after the newline.
        records.append({"prompt": prompt, "completion": full[len(prompt) :].rstrip("\n")})
    config = SFTConfig(
        output_dir=str(out / "warmup"),
        num_train_epochs=epochs,
        per_device_train_batch_size=16,
        learning_rate=learning_rate,
        lr_scheduler_type="linear",
        logging_steps=10,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=seed,
        disable_tqdm=True,
        max_length=None,
        gradient_checkpointing=False,  # TRL's default; the policy then samples garbage in GRPO
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(records),
        processing_class=tokenizer,
    )
    trainer.train()
    return trainer.model


def rollout(
    model: Any, tokenizer: Any, messages: list[dict[str, Any]], max_turns: int = 3
) -> list[dict[str, Any]]:
    """One greedy episode: generate a turn, run its calculator calls, repeat until an answer.

    Turns are parsed as TRL parses them in training (a malformed call stays text)."""
    import torch
    from trl.chat_template_utils import parse_response

    episode: list[dict[str, Any]] = []
    for _ in range(max_turns):
        prompt = tokenizer.apply_chat_template(
            messages + episode,
            tools=[calculator],
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        with torch.no_grad():
            out = model.generate(**prompt, do_sample=False, max_new_tokens=12)
        ids = out[0][prompt["input_ids"].shape[1] :].tolist()
        turn = parse_response(
            tokenizer, ids, prefix=prompt["input_ids"][0].tolist(), tools=[calculator]
        )
        episode.append(turn)
        if not turn.get("tool_calls"):
            break
        for call in turn["tool_calls"]:
            function = call["function"]
            arguments = function.get("arguments")
            result = (
                calculator(**arguments)
                if function.get("name") == "calculator"
                and isinstance(arguments, dict)
                and set(arguments) == {"expression"}
                else f"error: no tool {function.get('name')!r} with arguments {arguments!r}"
            )
            episode.append({"role": "tool", "name": function.get("name"), "content": result})
    return episode


def evaluate(model: Any, tokenizer: Any, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Greedy episodes on `rows` graded by the bundle: mean reward and each sub-grader's mean."""
    model.eval()
    episodes = [rollout(model, tokenizer, row["messages"]) for row in rows]
    with rft.compile(HERE / "grader.yaml") as reward:
        scores = reward.score(episodes, rows)
    return {"reward": scores.mean, **{k: float(v.mean()) for k, v in scores.sub_scores.items()}}


def train(
    run_dir: Path = DEFAULT_RUN,
    *,
    warmup_epochs: float = 2.0,
    steps: int = 50,
    prompts_per_step: int = 8,
    num_generations: int = 4,
    seed: int = 0,
    max_rows: int | None = None,
    valid_rows: list[dict[str, Any]] | None = None,
) -> tuple[Any, EpisodeLog]:
    """Warm up, then train `steps` GRPO steps with the calculator; returns (trainer, reward log).

    With `valid_rows`, greedy episodes on them are graded after the warm-up and after GRPO
    (`log.valid`).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from datasets import Dataset

    rows = read_jsonl(run_dir / "data" / "train.jsonl")[:max_rows]
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "tiny-model")
    model = AutoModelForCausalLM.from_pretrained(run_dir / "tiny-model")
    out = run_dir / "grpo"
    if warmup_epochs > 0:
        model = warm_up(model, tokenizer, rows, out, warmup_epochs, seed)
    reward = EpisodeLog(HERE / "grader.yaml")
    if valid_rows:
        reward.valid["after_warmup"] = evaluate(model, tokenizer, valid_rows)
        model.train()
    config = GRPOConfig(
        output_dir=str(out),
        max_steps=steps,
        per_device_train_batch_size=prompts_per_step * num_generations,
        num_generations=num_generations,
        max_completion_length=24,  # a call (5 tokens), the result (~7), the answer (2)
        max_tool_calling_iterations=2,
        learning_rate=1e-3,
        beta=0.0,
        temperature=1.0,
        top_k=0,
        top_p=1.0,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=seed,
        disable_tqdm=True,
        gradient_checkpointing=False,
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[reward.function()],
        args=config,
        train_dataset=Dataset.from_list([{**r, "prompt": r["messages"]} for r in rows]),
        processing_class=tokenizer,
        tools=[calculator],
    )
    trainer.train()
    if valid_rows:
        reward.valid["after_grpo"] = evaluate(trainer.model, tokenizer, valid_rows)
    return trainer, reward


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=DEFAULT_RUN)
    parser.add_argument("--warmup-epochs", type=float, default=2.0)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-rows", type=int, default=100, help="valid rows evaluated (greedy)")
    args = parser.parse_args()
    valid = read_jsonl(args.run / "data" / "valid.jsonl")[: args.eval_rows]
    trainer, log = train(
        args.run,
        warmup_epochs=args.warmup_epochs,
        steps=args.steps,
        seed=args.seed,
        valid_rows=valid,
    )
    summary = {"first_step": log.steps[0], "last_step": log.steps[-1], "valid": log.valid}
    print(json.dumps(summary, indent=2))
