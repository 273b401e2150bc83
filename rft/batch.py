"""A batch of (sample, item) pairs, with per-batch caches shared by every grader.

Grading works column-wise: a template that is a plain path (the fast path) is evaluated over
the whole column of texts, parsed JSON values or items at once. Each template is evaluated
once per batch, and `output_json` is parsed at most once per sample, only when read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from rft.errors import ErrorFlag, any_flag
from rft.extraction import JsonParseError
from rft.templates import CompiledTemplate, MissingVariable, apply_steps

_FENCE_PREFIXES = ("```json", "```JSON", "```")
_NO_JSON = object()

SAMPLE_DEFAULTS: dict[str, Callable[[], Any]] = {"choices": list, "output_audio": lambda: None}
"""Fields of OpenAI's `sample` namespace a sample may lack: they read as empty, not missing."""


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
        if key in SAMPLE_DEFAULTS:
            return SAMPLE_DEFAULTS[key]()
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in SAMPLE_DEFAULTS


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
        """True where any flag is set."""
        return any_flag(self.flags, len(self.values))


class Batch:
    """The samples and items of one scoring call."""

    def __init__(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any] | None]) -> None:
        if len(samples) != len(items):
            raise ValueError(f"{len(samples)} samples but {len(items)} items: they must pair up")
        self._raw = samples if isinstance(samples, list) else list(samples)
        items = items if isinstance(items, list) else list(items)
        self.items: list[Mapping[str, Any]] = (
            items if None not in items else [i if i is not None else {} for i in items]
        )
        # Plain strings (what trainers pass) skip all per-sample normalization.
        self._samples: list[SampleNamespace] | None = None
        if all(type(s) is str for s in self._raw):
            self.texts: list[str] = self._raw
        else:
            self._samples = [normalize_sample(s) for s in self._raw]
            self.texts = [s["output_text"] for s in self._samples]
        self._namespaces: list[dict[str, Any]] | None = None
        self._json: tuple[list[Any], dict[int, BaseException]] | None = None
        self._rendered: dict[str, Rendered] = {}

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def samples(self) -> list[SampleNamespace]:
        """The `sample` namespaces (built on first use)."""
        if self._samples is None:
            self._samples = [SampleNamespace({"output_text": t}) for t in self.texts]
        return self._samples

    @property
    def namespaces(self) -> list[dict[str, Any]]:
        """`{"item": …, "sample": …}` per pair, for templates off the fast path."""
        if self._namespaces is None:
            self._namespaces = [
                {"item": item, "sample": sample}
                for item, sample in zip(self.items, self.samples, strict=True)
            ]
        return self._namespaces

    def json_column(self) -> tuple[list[Any], dict[int, BaseException]]:
        """Parsed `output_json` per sample, and the samples whose text is not JSON."""
        if self._json is None:
            values: list[Any] = []
            failed: dict[int, BaseException] = {}
            overrides = self._samples
            loads = orjson.loads
            for i, text in enumerate(self.texts):
                if overrides is not None and "output_json" in overrides[i]:
                    values.append(overrides[i]["output_json"])
                    continue
                try:
                    values.append(loads(text))
                except orjson.JSONDecodeError:
                    try:
                        values.append(parse_output_json(text))
                    except ValueError:
                        failed[i] = JsonParseError("output_text is not valid JSON")
                        values.append(None)
            self._json = (values, failed)
        return self._json

    def _root_column(self, root: tuple[str, ...], errors: dict[int, BaseException]) -> list[Any]:
        if root == ("item",):
            return self.items
        if root == ("sample", "output_text"):
            return self.texts
        if root == ("sample", "output_json"):
            values, failed = self.json_column()
            errors.update(failed)
            return values
        if root == ("sample",):
            return self.samples
        # Other sample fields (output_tools, choices, …): look them up per sample.
        column = []
        for i, sample in enumerate(self.samples):
            if root[1] in sample:
                column.append(sample[root[1]])
            else:
                errors[i] = MissingVariable(f"sample.{root[1]}")
                column.append(None)
        return column

    def subset(self, index: Sequence[int]) -> Batch:
        """A batch of some of these pairs."""
        return Batch([self._raw[i] for i in index], [self.items[i] for i in index])

    def render(self, template: CompiledTemplate) -> Rendered:
        """Evaluate `template` for every sample (cached per batch by template source)."""
        cached = self._rendered.get(template.source)
        if cached is not None:
            return cached
        n = len(self)
        errors: dict[int, BaseException] = {}
        if template.kind == "constant":
            values = [template({})] * n
        elif template.kind == "getter":
            column = self._root_column(template.root, errors)
            values = apply_steps(column, template.steps, template.path_text, errors)
        else:
            fn = template._fn
            values = [None] * n
            for i, namespace in enumerate(self.namespaces):
                try:
                    values[i] = fn(namespace)
                except Exception as exc:
                    sample = namespace["sample"]
                    if (
                        isinstance(exc, MissingVariable)
                        and sample.parse_failed
                        and template.uses_output_json
                    ):
                        exc = JsonParseError("output_text is not valid JSON")
                    errors[i] = exc
        result = Rendered(values=values)
        if errors:
            result.flags, result.messages = _classify(errors, n)
        self._rendered[template.source] = result
        return result


def _classify(
    errors: dict[int, BaseException], n: int
) -> tuple[dict[str, np.ndarray], list[str | None]]:
    """Per-sample exceptions -> error-flag masks and messages."""
    flags: dict[str, np.ndarray] = {}
    messages: list[str | None] = [None] * n
    for i, exc in errors.items():
        if isinstance(exc, MissingVariable):
            flag, message = (
                ErrorFlag.invalid_variable_error,
                f"missing template variable `{exc.path}`",
            )
        elif isinstance(exc, JsonParseError):
            flag, message = ErrorFlag.sample_parse_error, str(exc)
        else:
            flag, message = ErrorFlag.other_error, f"template failed: {type(exc).__name__}: {exc}"
        flags.setdefault(flag.value, np.zeros(n, dtype=bool))[i] = True
        messages[i] = message
    return flags, messages
