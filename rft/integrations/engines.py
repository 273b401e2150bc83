"""What the distributed-engine adapters (verl, OpenRLHF, `rft serve`) share.

Engines call a reward function by import path, often in many Ray worker processes, with no
way to pass a compiled object: each process compiles the bundle once, named by an argument or
by the `RFT_BUNDLE` environment variable, and keeps it. Engines hand over a "ground truth" or
"label" where rft graders read an `item`: `item_from_reference` turns one into the other.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from rft.errors import RftError
from rft.reward import RewardFunction, compile_bundle

BUNDLE_ENV = "RFT_BUNDLE"

_compiled: dict[str, RewardFunction] = {}
_lock = threading.Lock()


def bundle_reward(bundle: str | Path | None = None) -> RewardFunction:
    """The compiled bundle named by `bundle` or `$RFT_BUNDLE`, compiled once per process."""
    source = bundle if bundle is not None else os.environ.get(BUNDLE_ENV)
    if not source:
        raise RftError(
            f"no grader bundle: pass `bundle=` (verl: custom_reward_function.reward_kwargs.bundle) "
            f"or set {BUNDLE_ENV}=path/to/bundle.yaml"
        )
    key = str(Path(source).resolve()) if Path(str(source)).exists() else str(source)
    with _lock:
        reward = _compiled.get(key)
        if reward is None:
            reward = _compiled[key] = compile_bundle(source)
    return reward


def item_from_reference(reference: Any, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The `item` a bundle reads, from an engine's reference value and extra fields.

    A mapping reference (or a string holding a JSON object) gives its fields directly;
    any reference is also kept whole under `item.reference`. `extra` (verl's `extra_info`)
    comes first, so the reference's own fields win on a clash.

    >>> item_from_reference({"gene": "FBN1"})
    {'gene': 'FBN1', 'reference': {'gene': 'FBN1'}}
    >>> item_from_reference("42", {"split": "train"})
    {'split': 'train', 'reference': '42'}
    """
    item: dict[str, Any] = dict(extra or {})
    fields = reference
    if isinstance(reference, str) and reference.lstrip().startswith("{"):
        try:
            fields = orjson.loads(reference)
        except orjson.JSONDecodeError:
            fields = reference
    if isinstance(fields, Mapping):
        item.update(fields)
    item["reference"] = reference
    return item


def finite_reward(value: float | None) -> float:
    """A skipped sample (None) or a non-finite value becomes 0.0: engines need a number."""
    if value is None or not math.isfinite(value):
        return 0.0
    return float(value)


__all__ = ["BUNDLE_ENV", "bundle_reward", "finite_reward", "item_from_reference"]
