"""A batch of (sample, item) pairs, with per-batch caches shared by every grader.

Templates are evaluated once per batch per template source, `output_json` is parsed at most
once per sample and only when a template reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from rft.errors import ErrorFlag
from rft.extraction import JsonParseError
from rft.templates import CompiledTemplate, MissingVariable

_FENCE_PREFIXES = ("```json", "```JSON", "```")


def parse_output_json(text: str) -> Any:
    """Parse a model's JSON answer; tolerates a surrounding ```json fence. Raises ValueError."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        stripped = text.strip()
        for prefix in _FENCE_PREFIXES:
            if stripped.startswith(prefix) and stripped.endswith("```") and len(stripped) > 6:
                return orjson.loads(stripped[len(prefix) : -3])
        raise


class SampleNamespace(dict):
    """The `sample` namespace of templates; `output_json` is parsed on first access."""

    __slots__ = ("parse_failed",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        super().__init__(fields)
        self.parse_failed = False

    def __missing__(self, key: str) -> Any:
        if key == "output_json" and not self.parse_failed:
            try:
                value = parse_output_json(self["output_text"])
            except ValueError:
                self.parse_failed = True
                raise KeyError(key) from None
            self[key] = value
            return value
        raise KeyError(key)


def normalize_sample(sample: Any) -> SampleNamespace:
    """Accept a string, a `{"output_text": …}` dict, or chat messages (the last message's content)."""
    if isinstance(sample, SampleNamespace):
        return sample
    if sample is None:
        return SampleNamespace({"output_text": ""})
    if isinstance(sample, str):
        return SampleNamespace({"output_text": sample})
    if isinstance(sample, Mapping):
        if "output_text" in sample:
            fields = {k: v for k, v in sample.items() if v is not None}
            fields["output_text"] = (
                "" if sample["output_text"] is None else str(sample["output_text"])
            )
            return SampleNamespace(fields)
        if "content" in sample:  # a single chat message
            return normalize_sample([sample])
    if isinstance(sample, Sequence) and sample and isinstance(sample[-1], Mapping):
        content = sample[-1].get("content")
        if isinstance(content, list):  # content parts: join the text parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
        fields: dict[str, Any] = {"output_text": "" if content is None else str(content)}
        if sample[-1].get("tool_calls"):
            fields["output_tools"] = sample[-1]["tool_calls"]
        return SampleNamespace(fields)
    raise TypeError(
        f"a sample must be a string, a dict with `output_text`, or chat messages; got {type(sample).__name__}"
    )


@dataclass
class Rendered:
    """A template evaluated over a batch: one value per sample, plus flags where it failed."""

    values: list[Any]
    flags: dict[str, np.ndarray] = field(default_factory=dict)
    messages: list[str | None] | None = None

    @property
    def failed(self) -> np.ndarray:
        out = np.zeros(len(self.values), dtype=bool)
        for mask in self.flags.values():
            out |= mask
        return out


class Batch:
    """The samples and items of one scoring call."""

    def __init__(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]) -> None:
        if len(samples) != len(items):
            raise ValueError(f"{len(samples)} samples but {len(items)} items: they must pair up")
        self.samples = [normalize_sample(s) for s in samples]
        self.items = [item if item is not None else {} for item in items]
        self._namespaces: list[dict[str, Any]] | None = None
        self._rendered: dict[str, Rendered] = {}

    def __len__(self) -> int:
        return len(self.samples)

    @property
    def namespaces(self) -> list[dict[str, Any]]:
        if self._namespaces is None:
            self._namespaces = [
                {"item": item, "sample": sample}
                for item, sample in zip(self.items, self.samples, strict=True)
            ]
        return self._namespaces

    def subset(self, index: Sequence[int]) -> Batch:
        """A batch of some of these pairs (shares the parsed samples)."""
        return Batch([self.samples[i] for i in index], [self.items[i] for i in index])

    def render(self, template: CompiledTemplate) -> Rendered:
        """Evaluate `template` for every sample (cached per batch by template source)."""
        cached = self._rendered.get(template.source)
        if cached is not None:
            return cached
        n = len(self)
        if template.kind == "constant":
            result = Rendered(values=[template(self.namespaces[0] if n else {})] * n)
        else:
            values: list[Any] = [None] * n
            missing: list[int] = []
            parse_errors: list[int] = []
            messages: list[str | None] | None = None
            fn = template._fn
            for i, namespace in enumerate(self.namespaces):
                try:
                    values[i] = fn(namespace)
                except MissingVariable as exc:
                    if self.samples[i].parse_failed and template.uses_output_json:
                        parse_errors.append(i)
                        message = "output_text is not valid JSON"
                    else:
                        missing.append(i)
                        message = f"missing template variable `{exc.path}`"
                    messages = messages or [None] * n
                    messages[i] = message
                except JsonParseError as exc:
                    parse_errors.append(i)
                    messages = messages or [None] * n
                    messages[i] = str(exc)
            flags = {}
            if missing:
                flags[ErrorFlag.invalid_variable_error.value] = _mask(n, missing)
            if parse_errors:
                flags[ErrorFlag.sample_parse_error.value] = _mask(n, parse_errors)
            result = Rendered(values=values, flags=flags, messages=messages)
        self._rendered[template.source] = result
        return result


def _mask(n: int, index: list[int]) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[index] = True
    return mask
