"""`string_check`: exact, contains, prefix/suffix, regex and accepted-answer checks (0 or 1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from rft.batch import Batch
from rft.errors import BundleError, ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.normalize import make_normalizer
from rft.safe_regex import compile_regex
from rft.spec.string import StringCheckSpec
from rft.templates import as_text


def _regex_search(text: str, pattern: str) -> bool:
    # RE2: linear-time matching, so a pattern from a bundle or an item cannot hang grading.
    return compile_regex(pattern).search(text) is not None


OPERATIONS: dict[str, Callable[[str, str], bool]] = {
    "eq": str.__eq__,
    "ne": str.__eq__,  # negated over all references below
    "like": lambda text, ref: ref in text,
    "ilike": lambda text, ref: ref.casefold() in text.casefold(),
    "regex": _regex_search,
    "startswith": str.startswith,
    "endswith": str.endswith,
    "in": str.__eq__,
}


@register
class StringCheckGrader(Grader):
    """Scores 1 when `input` passes `operation` against `reference`.

    Args (spec fields):
        input: template of the text checked (default `{{ sample.output_text }}`).
        reference: template of the expected text, or a list of accepted texts; a template
            that renders to a list also counts as several accepted texts.
        operation: `eq` `ne` `like` `ilike` (OpenAI's) and `regex` `startswith` `endswith` `in`.
            With several references a check passes when any reference passes (`ne`: when
            the input differs from all of them).
        normalize: normalizers applied to both sides first (`strip`, `casefold`, …).
    """

    spec_type = StringCheckSpec

    def __init__(self, spec: StringCheckSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: StringCheckSpec = spec
        self.input = self.template("input", spec.input)
        refs = spec.reference if isinstance(spec.reference, list) else [spec.reference]
        self.references = [self.template("reference", r) for r in refs]
        self.normalize = make_normalizer(spec.normalize)
        self.check = OPERATIONS[spec.operation]
        if spec.operation == "regex":
            for ref in self.references:
                if ref.kind == "constant":
                    try:
                        compile_regex(self.normalize(ref.source))
                    except re.error as exc:
                        raise BundleError(
                            f"invalid regular expression {ref.source!r}: {exc}",
                            self.context.location("reference"),
                            hint="escape special characters (\\. \\( \\[); RE2 has no lookarounds or backreferences",
                        ) from None

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        inputs = out.render(batch, self.input)
        ref_columns = [out.render(batch, r) for r in self.references]
        texts = self._texts(inputs.values)
        if len(ref_columns) == 1 and self.spec.operation in ("eq", "ne"):
            # The common case (one reference, exact comparison): one comprehension, no per-sample branching.
            refs = ref_columns[0].values
            if not any(isinstance(r, list | tuple) for r in refs):
                # Object-array == compares element-wise in C (str.__eq__), no Python loop.
                hits = np.array(texts, dtype=object) == np.array(self._texts(refs), dtype=object)
                out.scores = (hits != (self.spec.operation == "ne")).astype(np.float64)
                return out
        self._grade_general(out, texts, ref_columns)
        return out

    def _texts(self, values: list[Any]) -> list[str]:
        if self.spec.normalize:
            normalize = self.normalize
            return [normalize(v) if type(v) is str else normalize(as_text(v)) for v in values]
        return [v if type(v) is str else as_text(v) for v in values]

    def _grade_general(self, out: GraderOutput, texts: list[str], ref_columns: list[Any]) -> None:
        normalize, check = self.normalize, self.check
        negate = self.spec.operation == "ne"
        scores = out.scores
        regex_errors: list[int] = []
        messages: list[str] = []
        for i, text in enumerate(texts):
            refs: list[str] = []
            for column in ref_columns:
                value = column.values[i]
                if isinstance(value, list | tuple):
                    refs.extend(normalize(as_text(v)) for v in value)
                else:
                    refs.append(normalize(as_text(value)))
            try:
                hit = any(check(text, ref) for ref in refs)
            except re.error as exc:
                regex_errors.append(i)
                messages.append(f"invalid regular expression from the item: {exc}")
                continue
            scores[i] = float(hit != negate)
        if regex_errors:
            out.flag(ErrorFlag.other_error, regex_errors, messages)
