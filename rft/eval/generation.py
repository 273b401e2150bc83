"""Sampling k answers per prompt from a checkpoint: transformers (batched) or vLLM when asked for.

A prompt is a string, or chat messages (rendered with the tokenizer's chat template and a
generation prompt). The transformers backend loads the checkpoint and calls
`rft.train.generation.generate_completions`, the batched generation `rft train` validates with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rft.errors import ConfigError
from rft.integrations.models import load_model
from rft.train.generation import generate_completions

Prompt = str | Sequence[Mapping[str, Any]]
Backend = Literal["transformers", "vllm"]


@dataclass(frozen=True)
class Generation:
    """One sampled answer: its text and how many tokens the model generated for it."""

    text: str
    n_tokens: int


def _chat_text(tokenizer: Any, prompt: Prompt) -> str:
    """A prompt as the text vLLM is given: chat messages through the chat template."""
    if isinstance(prompt, str):
        return prompt
    return tokenizer.apply_chat_template(
        [dict(m) for m in prompt], add_generation_prompt=True, tokenize=False
    )


def generate(
    model: str | Path,
    prompts: Sequence[Prompt],
    *,
    samples: int = 1,
    max_new_tokens: int = 128,
    temperature: float = 1.0,
    batch_size: int = 16,
    seed: int = 0,
    backend: Backend = "transformers",
) -> list[list[Generation]]:
    """Sample `samples` answers for each prompt; returns one list of `Generation`s per prompt.

    Args:
        model: a local checkpoint folder (or a hub id where the hub is reachable).
        prompts: strings or chat-message lists.
        samples: answers per prompt (k).
        max_new_tokens: generation budget per answer.
        temperature: 0 means greedy decoding (then every sample of a prompt is the same).
        batch_size: prompts per forward batch (transformers backend).
        seed: sampling seed.
        backend: `transformers`, or `vllm` when it is installed.
    """
    if samples < 1:
        raise ConfigError(f"--samples must be at least 1, got {samples}")
    if backend == "vllm":
        return _generate_vllm(model, prompts, samples, max_new_tokens, temperature, seed)
    if backend != "transformers":
        raise ConfigError(f"unknown generation backend {backend!r}; use transformers or vllm")
    return _generate_transformers(
        model, prompts, samples, max_new_tokens, temperature, batch_size, seed
    )


def _generate_transformers(
    model_path: str | Path,
    prompts: Sequence[Prompt],
    samples: int,
    max_new_tokens: int,
    temperature: float,
    batch_size: int,
    seed: int,
) -> list[list[Generation]]:
    import torch  # the `train` extra: imported only when a model generates

    # The same batched generation `rft train` validates with: prompts are rendered exactly as
    # TRL renders them in training, so an eval here matches what the model was trained on.

    try:
        # A LoRA adapter folder (a `peft:` run's best/ or final/) loads with its base model.
        model, tokenizer = load_model(model_path, dtype="auto")
    except OSError as exc:
        raise ConfigError(
            f"cannot load model {str(model_path)!r}: {exc}",
            hint="pass a folder written by save_pretrained or a LoRA adapter folder (a "
            "checkpoint of `rft train`)",
        ) from None
    model.to("cuda" if torch.cuda.is_available() else "cpu")
    texts = generate_completions(
        model,
        tokenizer,
        prompts,
        max_new_tokens=max_new_tokens,
        do_sample=temperature > 0,
        temperature=temperature if temperature > 0 else 1.0,
        num_return_sequences=samples,
        batch_size=batch_size,
        seed=seed,
    )
    # Greedy decoding returns one completion per prompt: every sample is that completion.
    texts = [t * samples if len(t) == 1 and samples > 1 else t for t in texts]
    counts = tokenizer([t for ts in texts for t in ts], add_special_tokens=False)["input_ids"]
    lengths = iter(len(ids) for ids in counts)
    return [[Generation(t, next(lengths)) for t in ts] for ts in texts]


def _generate_vllm(
    model_path: str | Path,
    prompts: Sequence[Prompt],
    samples: int,
    max_new_tokens: int,
    temperature: float,
    seed: int,
) -> list[list[Generation]]:
    try:
        from vllm import LLM, SamplingParams  # optional, GPU machines only
    except ImportError:
        raise ConfigError(
            "the vllm backend was asked for but vllm is not installed",
            hint="`pip install vllm` on a machine with a GPU, or use --backend transformers",
        ) from None
    llm = LLM(model=str(model_path), seed=seed)
    tokenizer = llm.get_tokenizer()
    params = SamplingParams(
        n=samples,
        temperature=temperature,
        max_tokens=max_new_tokens,
        seed=seed,
    )
    texts = [_chat_text(tokenizer, p) for p in prompts]
    outputs = llm.generate(texts, params)
    return [[Generation(o.text, len(o.token_ids)) for o in result.outputs] for result in outputs]
