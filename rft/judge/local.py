"""A local transformers model as the judge (`provider: transformers`, `model: <path>`).

The only judge module that imports torch, and only when a local judge is first used.
Requests are generated in batches of `concurrency` on the model's device (CUDA when
available), in a worker thread so the event loop stays free. `timeout_s` bounds each
batch's generation through `max_time` (a cut-off reply then usually fails to parse).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rft.judge.budget import Budget
from rft.judge.reply import Reply, message_text
from rft.spec.model import JudgeSettings

DEFAULT_MAX_NEW_TOKENS = 256


def resolve_model_path(model: str, base_dir: Path) -> Path:
    """A local path named in a bundle, relative paths taken from the bundle's folder."""
    path = Path(model).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()


class TransformersBackend:
    """Generates judge replies with a local causal LM.

    Args:
        path: folder of a `save_pretrained` model and tokenizer.
        settings: the grader's judge settings (`concurrency` is the generation batch size).
        budget: the grader's budget (each generated reply spends one call and its tokens).
    """

    def __init__(self, path: Path, settings: JudgeSettings, budget: Budget) -> None:
        self.path = path
        self.settings = settings
        self.budget = budget
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        # Re-saving a model in place must not serve stale cached replies.
        try:
            stamp = max(p.stat().st_mtime_ns for p in path.iterdir())
        except (OSError, ValueError):
            stamp = 0
        self.identity = f"transformers:{path}:{stamp}"

    async def complete(self, bodies: Sequence[dict[str, Any]]) -> list[Reply]:
        if not bodies:
            return []
        return await asyncio.to_thread(self._complete, list(bodies))

    def _load(self) -> None:
        # Heavy optional dependencies: imported only when a local judge is first used.
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = "cuda" if torch.cuda.is_available() else "cpu"
        tokenizer = AutoTokenizer.from_pretrained(self.path)
        tokenizer.padding_side = "left"  # batched generation continues each prompt at the right
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(self.path, dtype="auto").to(device).eval()
        self._model, self._tokenizer = model, tokenizer

    def _prompt(self, messages: list[dict[str, Any]]) -> str:
        tokenizer = self._tokenizer
        if tokenizer.chat_template:
            return tokenizer.apply_chat_template(
                [{"role": m["role"], "content": message_text(m["content"])} for m in messages],
                tokenize=False,
                add_generation_prompt=True,
            )
        lines = [f"{m['role']}: {message_text(m['content'])}" for m in messages]
        return "\n".join([*lines, "assistant: "])

    def _complete(self, bodies: list[dict[str, Any]]) -> list[Reply]:
        replies: list[Reply] = []
        with self._lock:
            if self._model is None:
                try:
                    self._load()
                except Exception as exc:
                    error = f"local judge {self.path} did not load: {type(exc).__name__}: {exc}"
                    return [Reply(error=error) for _ in bodies]
            size = self.settings.concurrency
            for start in range(0, len(bodies), size):
                chunk = bodies[start : start + size]
                refused = [self.budget.take() for _ in chunk]
                todo = [b for b, no in zip(chunk, refused, strict=True) if no is None]
                generated = iter(self._generate(todo) if todo else [])
                for no in refused:
                    if no is not None:
                        replies.append(Reply(error=no))
                        continue
                    reply = next(generated)
                    self.budget.spend(reply.prompt_tokens, reply.completion_tokens)
                    replies.append(reply)
        return replies

    def _generate(self, bodies: list[dict[str, Any]]) -> list[Reply]:
        import torch  # heavy optional dependency, loaded with the local judge

        start = time.perf_counter()
        tokenizer, model = self._tokenizer, self._model
        first = bodies[0]
        max_new = first.get("max_tokens") or first.get("max_completion_tokens")
        temperature = first.get("temperature") or 0.0
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new or DEFAULT_MAX_NEW_TOKENS,
            "do_sample": temperature > 0,
            "max_time": self.settings.timeout_s,
            "pad_token_id": tokenizer.pad_token_id,
        }
        if temperature > 0:
            kwargs["temperature"] = temperature
            if first.get("top_p") is not None:
                kwargs["top_p"] = first["top_p"]
        try:
            texts = [self._prompt(b["messages"]) for b in bodies]
            encoded = tokenizer(
                texts, return_tensors="pt", padding=True, add_special_tokens=False
            ).to(model.device)
            with torch.inference_mode():
                output = model.generate(**encoded, **kwargs)
        except Exception as exc:
            error = f"local judge generation failed: {type(exc).__name__}: {exc}"
            return [Reply(error=error) for _ in bodies]
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        decoded = tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        prompt_tokens = encoded["attention_mask"].sum(dim=1).tolist()
        completion_tokens = (new_tokens != tokenizer.pad_token_id).sum(dim=1).tolist()
        latency = time.perf_counter() - start
        return [
            Reply(
                text=text,
                finish_reason="stop",
                prompt_tokens=int(p),
                completion_tokens=int(c),
                latency_s=latency,
                attempts=1,
            )
            for text, p, c in zip(decoded, prompt_tokens, completion_tokens, strict=True)
        ]
