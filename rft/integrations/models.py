"""Load a causal language model for training or evaluation: full weights or a PEFT adapter.

`rft train` and `rft eval` both load models here (the layer below both), so a run's `best/`
or `final/` folder loads the same way in either, whether it holds full weights or, after a
job with `peft:`, a LoRA adapter (`adapter_config.json`, whose base model is loaded first).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ADAPTER_CONFIG = "adapter_config.json"


def is_adapter(path: str | Path) -> bool:
    """True when `path` is a local folder holding a PEFT adapter rather than full weights."""
    return (Path(path) / ADAPTER_CONFIG).is_file()


def adapter_base(path: str | Path) -> str:
    """The base model an adapter folder was trained on (`base_model_name_or_path`)."""
    return str(json.loads((Path(path) / ADAPTER_CONFIG).read_text())["base_model_name_or_path"])


def load_model(path: str | Path, *, dtype: Any = None) -> tuple[Any, Any]:
    """The model and tokenizer of `path` (a local folder or a Hugging Face id).

    A folder with `adapter_config.json` loads its base model with the adapter applied
    (a `peft.PeftModel`, adapters active). The tokenizer gets a pad token (EOS) when it has
    none. `dtype` is passed to `from_pretrained` (e.g. "auto"); None keeps the default.
    """
    # transformers is heavy and optional (the `train` extra): imported only when loading.
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {} if dtype is None else {"dtype": dtype}
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if is_adapter(path):
        # peft is optional too (only jobs with `peft:` write adapters).
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(adapter_base(path), **kwargs)
        return PeftModel.from_pretrained(base, str(path)), tokenizer
    return AutoModelForCausalLM.from_pretrained(str(path), **kwargs), tokenizer
