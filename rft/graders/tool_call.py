"""`tool_call`: function calls compared by name and arguments, field by field; soft F1."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema
import numpy as np
import orjson
from scipy.optimize import linear_sum_assignment

from rft.batch import Batch
from rft.errors import ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.spec.numeric import Tolerance
from rft.spec.tool_call import ArgumentRule, ToolCallSpec
from rft.templates import CompiledTemplate

_NOT_JSON = object()


class CallError(ValueError):
    """A call that is not `{name, arguments}` in one of the accepted shapes."""


def normalize_call(call: Any) -> tuple[str, Any]:
    """(name, arguments) of a call: OpenAI's `{type, function: {name, arguments}}` or a bare
    `{name, arguments}`; `arguments` as a JSON string (parsed; `_NOT_JSON` when it does not
    parse) or an object.

    Raises:
        CallError: not a mapping with a string `name`.
    """
    if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
        call = call["function"]
    if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
        raise CallError(f"not a function call (a mapping with `name`): {str(call)[:80]!r}")
    args = call.get("arguments", {})
    if isinstance(args, str):
        try:
            args = orjson.loads(args) if args.strip() else {}
        except orjson.JSONDecodeError:
            args = _NOT_JSON
    return call["name"], args


def chat_tool_calls(sample: Any) -> list[Any] | None:
    """Every assistant message's `tool_calls`, in order, when `sample` is a list of chat
    messages (a TRL completion with tools); None otherwise."""
    if not isinstance(sample, Sequence) or isinstance(sample, str):
        return None
    if not all(isinstance(m, Mapping) for m in sample):
        return None
    return [
        call
        for message in sample
        if message.get("role", "assistant") == "assistant"
        for call in (message.get("tool_calls") or [])
    ]


def _calls(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        value = orjson.loads(value) if value.strip() else []
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise CallError(f"expected a list of calls, got {type(value).__name__}")
    return value


def _close(a: Any, b: Any, tol: Tolerance, casefold: bool) -> bool:
    """Deep equality; numbers within `tol` (1 equals 1.0), strings optionally casefolded."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if not (math.isfinite(a) and math.isfinite(b)):
            return a == b
        abs_tol, rel_tol, _ = tol.resolved()  # numeric's rule: max(abs, rel * |reference|)
        return abs(a - b) <= max(abs_tol, rel_tol * abs(b))
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold() if casefold else a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol, casefold) for k in b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            _close(x, y, tol, casefold) for x, y in zip(a, b, strict=True)
        )
    return a == b


@register
class ToolCallGrader(Grader):
    """Grades function calls against the expected calls of the item.

    Each (call, expected call) pair earns 0 when the names differ, else `name_weight` plus
    `(1 - name_weight)` times the fraction of argument fields that match: the expected call's
    top-level arguments (and, unless `extra_arguments: ignore`, the call's extra ones), each
    compared by deep equality with numbers within `tolerance` (so `1` matches `1.0`), or by a
    per-argument JSON Schema or tolerance from `arguments`. Arguments that are not valid JSON
    match nothing (the name still earns its share). Calls pair one to one for the largest
    total credit (`order: any`, the Hungarian algorithm) or position by position
    (`order: strict`); precision = credit / calls made, recall = credit / calls expected, and
    the score is their F1 (1 when no call is expected and none is made).

    A sample's calls are read, unless `input` says otherwise, from OpenAI's
    `sample.output_tools` or, for a chat-format completion (TRL with tools), from the
    `tool_calls` of every assistant message in order. No calls is an empty list, not an error.
    A reference that is not a list of calls is an `invalid_variable_error` naming the item.

    Details per sample: `precision`, `recall`, `calls`, `expected`, `exact` (calls matched with
    full credit) and `notes` (arguments that did not parse, calls that were not calls).

    Args (spec fields):
        reference: the expected calls (list, or a template such as `{{ item.expected_calls }}`).
        input: a template for the calls instead of the sample's tool calls.
        order: any | strict.
        tolerance: `{abs, rel}` for every number; arguments: per-argument rules
            (`tolerance`, `schema`, `casefold`, `ignore`) keyed by `name` or `function.name`.
        extra_arguments: penalize | ignore.
        name_weight: credit of the right name alone (0.5: the graders guide's weighting).
    """

    spec_type = ToolCallSpec

    def __init__(self, spec: ToolCallSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: ToolCallSpec = spec
        self.input: CompiledTemplate | None = (
            None if spec.input is None else self.template("input", spec.input)
        )
        self.reference_value: list[Any] | None = None
        self.reference: CompiledTemplate | None = None
        if isinstance(spec.reference, list):
            self.reference_value = spec.reference
        else:
            self.reference = self.template("reference", spec.reference)
        self.validators = {
            key: jsonschema.validators.validator_for(rule.schema_)(rule.schema_)
            for key, rule in spec.arguments.items()
            if rule.schema_ is not None
        }

    def _rule(self, function: str, argument: str) -> ArgumentRule | None:
        rules = self.spec.arguments
        return rules.get(f"{function}.{argument}") or rules.get(argument)

    def _argument_score(self, function: str, got: Any, want: Any) -> float:
        if got is _NOT_JSON or not isinstance(got, Mapping) or not isinstance(want, Mapping):
            return 0.0 if got is _NOT_JSON or got != want else 1.0
        keys = list(want)
        if self.spec.extra_arguments == "penalize":
            keys += [k for k in got if k not in want]
        matched = total = 0
        for key in keys:
            rule = self._rule(function, key)
            if rule is not None and rule.ignore:
                continue
            total += 1
            if key not in got:
                continue
            if rule is not None and rule.schema_ is not None:
                name = f"{function}.{key}" if f"{function}.{key}" in self.validators else key
                matched += self.validators[name].is_valid(got[key])
                continue
            if key not in want:
                continue
            tol = rule.tolerance if rule is not None and rule.tolerance else self.spec.tolerance
            matched += _close(got[key], want[key], tol, bool(rule and rule.casefold))
        return 1.0 if total == 0 else matched / total

    def _credit(self, got: tuple[str, Any], want: tuple[str, Any]) -> float:
        if got[0] != want[0]:
            return 0.0
        w = self.spec.name_weight
        return w + (1.0 - w) * self._argument_score(want[0], got[1], want[1])

    def score_calls(
        self, got: list[tuple[str, Any]], want: list[tuple[str, Any]]
    ) -> dict[str, Any]:
        """Precision, recall, F1 and exact matches of `got` against `want`."""
        if not got and not want:
            return {"score": 1.0, "precision": 1.0, "recall": 1.0, "exact": 0}
        if not got or not want:
            return {"score": 0.0, "precision": 0.0, "recall": 0.0, "exact": 0}
        credit = np.array([[self._credit(g, w) for w in want] for g in got])
        if self.spec.order == "strict":
            k = min(len(got), len(want))
            rows, cols = np.arange(k), np.arange(k)
        else:
            rows, cols = linear_sum_assignment(credit, maximize=True)
        total = float(credit[rows, cols].sum())
        precision, recall = total / len(got), total / len(want)
        f1 = 0.0 if total == 0 else 2 * precision * recall / (precision + recall)
        exact = int((credit[rows, cols] >= 1.0 - 1e-12).sum())
        return {"score": f1, "precision": precision, "recall": recall, "exact": exact}

    def _sample_calls(self, batch: Batch, out: GraderOutput) -> list[Any]:
        if self.input is not None:
            rendered = out.render(batch, self.input)
            return rendered.values
        # Chat-format completions keep every assistant turn's calls; the normalized sample
        # has only the last message's, so read the raw sample first.
        raw = batch._raw  # the pairs as given: Batch has no public accessor for them
        values = []
        for i, sample in enumerate(batch.samples):
            from_chat = chat_tool_calls(raw[i])
            values.append(from_chat if from_chat is not None else sample.get("output_tools"))
        return values

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        given = self._sample_calls(batch, out)
        if self.reference is not None:
            references = out.render(batch, self.reference).values
        else:
            references = [self.reference_value] * n
        keys = ("precision", "recall", "calls", "expected", "exact", "notes")
        details: dict[str, list[Any]] = {k: [None] * n for k in keys}
        failed = out.failed
        bad_refs: list[int] = []
        bad_ref_messages: list[str] = []
        for i in range(n):
            if failed[i]:
                continue
            try:
                want = [normalize_call(c) for c in _calls(references[i])]
            except (CallError, orjson.JSONDecodeError) as exc:
                bad_refs.append(i)
                bad_ref_messages.append(f"reference is not a list of calls: {exc}")
                continue
            notes: list[str] = []
            got: list[tuple[str, Any]] = []
            try:
                raw_calls = _calls(given[i])
            except (CallError, orjson.JSONDecodeError) as exc:
                notes.append(f"calls did not parse: {exc}")
                raw_calls = []
            for k, call in enumerate(raw_calls):
                try:
                    name, args = normalize_call(call)
                except CallError as exc:
                    notes.append(f"call {k}: {exc}")
                    got.append(("", {}))
                    continue
                if args is _NOT_JSON:
                    notes.append(f"call {k} (`{name}`): arguments are not JSON")
                got.append((name, args))
            result = self.score_calls(got, want)
            out.scores[i] = result["score"]
            details["precision"][i] = result["precision"]
            details["recall"][i] = result["recall"]
            details["exact"][i] = result["exact"]
            details["calls"][i] = len(got)
            details["expected"][i] = len(want)
            details["notes"][i] = notes or None
        out.flag(ErrorFlag.invalid_variable_error, bad_refs, bad_ref_messages)
        out.details = details
        return out
