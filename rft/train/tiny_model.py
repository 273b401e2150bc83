"""Build a tiny causal LM from scratch: a tokenizer trained on a task's own text and a small Llama.

This is how rft's examples and tests train offline on a CPU: no weights are downloaded. The
result is an ordinary Hugging Face checkpoint (`save_pretrained`) that loads back with
`AutoModelForCausalLM.from_pretrained(OUT)` / `AutoTokenizer.from_pretrained(OUT)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIAL_TOKENS = [PAD, BOS, EOS, UNK]

# A chat template that renders conversations as the bare concatenation of their contents, so
# a `messages` row and the equivalent `prompt` string give the tiny model the same tokens.
TINY_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['content'] }}{% endfor %}"
    "{% if not add_generation_prompt and messages and messages[-1]['role'] == 'assistant' %}"
    "{{ eos_token }}{% endif %}"
)


def _strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (dict values, list elements), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_in(v)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def corpus_from_jsonl(paths: Iterable[str | Path]) -> list[str]:
    """The text of a task: every string (and number) in every row of the given JSONL files."""
    texts: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    texts.extend(_strings_in(json.loads(line)))
    return texts


Level = Literal["char", "word", "whitespace"]


def build_tokenizer(texts: Iterable[str], level: Level = "char") -> Any:
    """Train a character-, word- or whitespace-level tokenizer on `texts`; returns a `PreTrainedTokenizerFast`.

    Args:
        texts: the task's own text (prompts, answers, any other field values).
        level: `char` gives one token per character (tiny vocabularies, best for arithmetic and
            codes); `word` gives one token per word, run of punctuation, or run of whitespace;
            `whitespace` gives one token per whitespace-separated chunk, its leading space
            included (`HP:0001250`, `"FBN1"`: codes stay whole, and sequences are 3-4x shorter
            than with `word`, whose spaces, quotes and colons are tokens of their own).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token=UNK))
    if level == "whitespace":
        # Metaspace marks each chunk's leading space ("always": the first chunk gets one too, so
        # a prompt's first word and a later one are the same token); decoding drops it again.
        meta = {"replacement": "\u2581", "prepend_scheme": "always", "split": True}
        tok.pre_tokenizer = pre_tokenizers.Metaspace(**meta)
        tok.decoder = decoders.Metaspace(**meta)
    else:
        pattern = r"[\s\S]" if level == "char" else r"\w+|[^\w\s]+|\s+"
        tok.pre_tokenizer = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
        # Fuse: tokens already carry their own spaces, so decoding is plain concatenation.
        tok.decoder = decoders.Fuse()
    trainer = trainers.WordLevelTrainer(special_tokens=SPECIAL_TOKENS, min_frequency=1)
    tok.train_from_iterator(list(texts), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD,
        bos_token=BOS,
        eos_token=EOS,
        unk_token=UNK,
        padding_side="left",  # left padding is what batched generation needs
    )
    fast.chat_template = TINY_CHAT_TEMPLATE
    return fast


def build_tiny_model(
    texts: Iterable[str],
    out_dir: str | Path,
    *,
    level: Level = "char",
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    intermediate_size: int = 256,
    max_positions: int = 128,
    seed: int = 0,
) -> dict[str, Any]:
    """Build, save and return a summary of a small randomly initialised Llama and its tokenizer.

    Args:
        texts: the task's text the tokenizer is trained on.
        out_dir: folder written with `save_pretrained` (model, tokenizer, chat template).
        level: tokenizer granularity, `char`, `word` or `whitespace` (see `build_tokenizer`).
        hidden_size, num_layers, num_heads, intermediate_size, max_positions: the Llama shape;
            the defaults give about 0.15M parameters with a character vocabulary.
        seed: initialisation seed.

    Returns:
        `{"path", "parameters", "vocab_size"}`.
    """
    tokenizer = build_tokenizer(texts, level=level)
    return save_tiny_llama(
        tokenizer,
        out_dir,
        hidden_size=hidden_size,
        num_layers=num_layers,
        num_heads=num_heads,
        intermediate_size=intermediate_size,
        max_positions=max_positions,
        seed=seed,
    )


def save_tiny_llama(
    tokenizer: Any,
    out_dir: str | Path,
    *,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    intermediate_size: int = 256,
    max_positions: int = 128,
    seed: int = 0,
) -> dict[str, Any]:
    """A randomly initialised Llama of this shape for `tokenizer`, saved with it in `out_dir`.

    For a tokenizer built elsewhere (e.g. one with a tool-calling chat template); returns
    `{"path", "parameters", "vocab_size"}` like `build_tiny_model`.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_heads,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return {
        "path": str(out),
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
    }
