"""Generate completions from an in-memory causal LM for a list of prompts (batched).

Prompts are strings (tokenized as TRL tokenizes them: `tokenizer(text)`) or chat messages
(rendered with the tokenizer's chat template and a generation prompt, as TRL does), so what
the model sees at evaluation is exactly what it saw in training. Used by `rft train` for
its validation evals; `rft eval` can reuse it with a loaded model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Prompt = str | Sequence[Mapping[str, Any]]


def prompt_token_ids(tokenizer: Any, prompt: Prompt) -> list[int]:
    """Token ids of a prompt, rendered the way TRL's GRPO/RLOO trainers render it."""
    if isinstance(prompt, str):
        return list(tokenizer(text=prompt)["input_ids"])
    ids = tokenizer.apply_chat_template(
        [dict(m) for m in prompt], add_generation_prompt=True, tokenize=True, return_dict=True
    )["input_ids"]
    return list(ids)


def generate_completions(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Prompt],
    *,
    max_new_tokens: int = 32,
    do_sample: bool = False,
    temperature: float = 1.0,
    num_return_sequences: int = 1,
    batch_size: int = 64,
    seed: int | None = None,
) -> list[list[str]]:
    """Complete each prompt; returns, per prompt, `num_return_sequences` decoded completions.

    Args:
        model: a `PreTrainedModel` (left in the train/eval mode it had).
        tokenizer: its tokenizer; needs a pad token (eos is used when it has none).
        prompts: strings or chat-message lists.
        max_new_tokens: generation budget per completion.
        do_sample: sample (with `temperature`) instead of greedy decoding.
        num_return_sequences: completions per prompt (only meaningful when sampling).
        batch_size: prompts per `generate` call.
        seed: seeds torch's generator before sampling, for reproducible samples.
    """
    import torch

    pad_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    )
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    if seed is not None:
        torch.manual_seed(seed)
    encoded = [prompt_token_ids(tokenizer, p) for p in prompts]
    # Sort by length so each batch pads little; results are put back in input order.
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    out: list[list[str]] = [[] for _ in prompts]
    gen_kwargs: dict[str, Any] = {
        "max_new_tokens": max_new_tokens,
        "do_sample": do_sample,
        "pad_token_id": pad_id,
        "eos_token_id": tokenizer.eos_token_id,
        "num_return_sequences": num_return_sequences,
    }
    if do_sample:
        gen_kwargs.update(temperature=temperature, top_k=0, top_p=1.0)
    else:
        gen_kwargs.update(temperature=None, top_k=None, top_p=None)
    try:
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                width = max(len(encoded[i]) for i in idx)
                # Left padding: every prompt ends where generation starts.
                ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for row, i in enumerate(idx):
                    ids[row, width - len(encoded[i]) :] = torch.tensor(encoded[i])
                    mask[row, width - len(encoded[i]) :] = 1
                generated = model.generate(
                    input_ids=ids.to(device), attention_mask=mask.to(device), **gen_kwargs
                )
                texts = tokenizer.batch_decode(generated[:, width:], skip_special_tokens=True)
                for row, i in enumerate(idx):
                    k = num_return_sequences
                    out[i] = texts[row * k : (row + 1) * k]
    finally:
        model.train(was_training)
    return out
