"""`ranked_list`: where the relevant answer(s) appear in the model's ranked candidate list."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import orjson

from rft.batch import Batch, parse_output_json
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.normalize import make_normalizer
from rft.spec.ranked_list import RankedListSpec
from rft.templates import CompiledTemplate

# "1. x", "2) x", "- x", "* x", "• x", "+ x": list markers need whitespace after them, so that
# entries such as "1.5" or "-1" survive.
_MARKER = re.compile(r"^\s*(?:\(?\d{1,3}[.):]|[-*•+]|#\d{1,3}[.:]?)\s+")
_SPLIT = re.compile(r"[,;]")

Normalize = Callable[[str], str]


def parse_list(value: Any) -> list[Any]:
    """The entries of a rendered `input`: a list as is, text parsed as a list.

    Text is a JSON array when it parses as one (a ```json fence is tolerated); otherwise one
    entry per non-empty line with list markers (`1.`, `2)`, `-`, `*`, `•`) and surrounding
    whitespace removed; a single line is split on commas/semicolons. A dict has no entries.
    """
    if value is None or isinstance(value, Mapping):
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if not isinstance(value, str):
        return [value]
    text = value.strip()
    if not text:
        return []
    if text[0] in "[`":
        try:
            parsed = parse_output_json(text)
        except ValueError:
            pass
        else:
            if isinstance(parsed, list):
                return parsed
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = _SPLIT.split(lines[0])
    return [_MARKER.sub("", line, count=1).strip() for line in lines]


def _entry_text(entry: Any) -> str | None:
    """A list entry as text; None for entries that cannot be an answer (null, nested)."""
    if isinstance(entry, str):
        return entry
    if entry is None or isinstance(entry, list | dict | tuple):
        return None
    if isinstance(entry, bool):
        return "true" if entry else "false"
    if isinstance(entry, float) and entry.is_integer() and math.isfinite(entry):
        return str(int(entry))  # 3.0 names the same answer as 3
    return str(entry)


def synonym_map(mapping: Mapping[Any, Any], normalize: Normalize) -> dict[str, str]:
    """Normalized name -> canonical name; groups that share a name are merged (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for answer, aliases in mapping.items():
        key = _entry_text(answer)
        if key is None:
            continue
        root = find(normalize(key))
        names = [aliases] if isinstance(aliases, str) else aliases
        if not isinstance(names, Iterable):
            continue
        for alias in names:
            text = _entry_text(alias)
            if text is None or not normalize(text):
                continue
            other = find(normalize(text))
            if other != root:
                parent[other] = root
    return {name: find(name) for name in parent}


@register
class RankedListGrader(Grader):
    """Scores the rank of the first relevant answer in a ranked list.

    Args (spec fields):
        input: template of the list (default `{{ sample.output_text }}`): a list (e.g.
            `{{ sample.output_json.genes }}`), or text parsed as a JSON array, a numbered or
            bulleted list, or comma-/newline-separated values (see `parse_list`).
        reference: template of the relevant answer, or a list of templates; a template that
            renders to a list counts as several relevant answers.
        aliases: synonyms, `{answer: [alias, …]}`, or a template of an item field holding
            such a mapping or a list of aliases of the (first) reference. Every name in a
            group matches every other one, on either side.
        scoring: with `rank` the 1-based rank of the first relevant entry (0: absent):
            `reciprocal_rank` 1/rank; `linear` max(0, 1 - (rank-1)/k); `exponential`
            decay^(rank-1); `top_k` 1 if rank <= k; `ndcg` binary-relevance nDCG@k over all
            references (each found once).
        k, decay: parameters of the scorings above.
        max_items: lists with more distinct entries score 0 (`over_max_items: zero`, detail
            `too_long`, rank 0) or keep their first `max_items` (`truncate`).
        normalize: applied to entries, references and aliases (default strip + casefold).
    Ranks count *distinct* entries after normalization and aliasing: a repeated answer (or a
    synonym of an earlier one) neither matches again nor pushes later entries down. Empty,
    null and nested entries are skipped; numbers and booleans compare as text (3.0 == "3").
    Details per sample: `rank` and `n_items` (distinct entries, before truncation).
    """

    spec_type = RankedListSpec

    def __init__(self, spec: RankedListSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: RankedListSpec = spec
        self.input = self.template("input", spec.input)
        refs = spec.reference if isinstance(spec.reference, list) else [spec.reference]
        self.references = [self.template("reference", r) for r in refs]
        self.normalize = _fast_normalizer(spec.normalize)
        self.aliases: CompiledTemplate | None = None
        self._synonyms: dict[str, str] = {}
        if isinstance(spec.aliases, str):
            self.aliases = self.template("aliases", spec.aliases)
        elif spec.aliases:
            self._synonyms = synonym_map(spec.aliases, self.normalize)
        # Constant references (and constant aliases) are normalized once, not per sample.
        self._constant_refs: list[str] | None = None
        if self.aliases is None and all(r.kind == "constant" for r in self.references):
            self._constant_refs = self._reference_names(
                [r.source for r in self.references], self._synonyms
            )
        k = spec.k
        self._discount = [1.0 / math.log2(r + 1) for r in range(1, k + 1)]

    def _reference_names(self, values: list[Any], synonyms: Mapping[str, str]) -> list[str]:
        """Distinct canonical names of the relevant answers, in order."""
        normalize = self.normalize
        names: list[str] = []
        for value in values:
            for entry in value if isinstance(value, list | tuple) else [value]:
                text = _entry_text(entry)
                if text is None:
                    continue
                name = normalize(text)
                if not name:
                    continue
                name = synonyms.get(name, name)
                if name not in names:
                    names.append(name)
        return names

    def _sample_synonyms(self, value: Any, values: list[Any]) -> dict[str, str]:
        """The synonyms of one sample from its rendered `aliases` value."""
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            # The field may hold the mapping as JSON text.
            with contextlib.suppress(orjson.JSONDecodeError):
                value = orjson.loads(value)
        if isinstance(value, Mapping):
            return synonym_map(value, self.normalize)
        if value is None or value == "":
            return {}
        # A list (or one string) of aliases of the first reference.
        names = self._reference_names(values, {})
        if not names:
            return {}
        aliases = value if isinstance(value, list | tuple) else [value]
        return synonym_map({names[0]: list(aliases)}, self.normalize)

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        inputs = out.render(batch, self.input)
        ref_columns = []
        if self._constant_refs is None:
            ref_columns = [out.render(batch, r) for r in self.references]
        alias_column = None
        if self.aliases is not None:
            alias_column = out.render(batch, self.aliases)
        spec = self.spec
        normalize, scoring, k = self.normalize, spec.scoring, spec.k
        decay, discount = spec.decay, self._discount
        max_items = spec.max_items
        truncate = spec.over_max_items == "truncate"
        synonyms = self._synonyms
        constant_refs = self._constant_refs
        constant_set = set(constant_refs or ())
        single_ref = (
            ref_columns[0].values if len(ref_columns) == 1 and alias_column is None else None
        )
        # raw entry -> canonical name, per batch: answers repeat across samples, and a dict hit
        # is cheaper than normalizing again (synonyms join the cache only when constant).
        cache: dict[str, str] = {}
        per_sample_synonyms = alias_column is not None
        ranks = [0] * n
        counts = [0] * n
        too_long = [False] * n
        scores = [0.0] * n
        inputs_values = inputs.values
        for i in range(n):
            if constant_refs is not None:
                relevant = constant_set
            elif single_ref is not None and type(single_ref[i]) is str:
                name = normalize(single_ref[i])
                relevant = {synonyms.get(name, name)} if name else set()
            else:
                values = [column.values[i] for column in ref_columns]
                if per_sample_synonyms:
                    synonyms = self._sample_synonyms(alias_column.values[i], values)  # type: ignore[union-attr]
                relevant = set(self._reference_names(values, synonyms))
            if not relevant:
                continue
            value = inputs_values[i]
            entries = value if type(value) is list else parse_list(value)
            seen: set[str] = set()
            hits: list[int] = []
            for entry in entries:
                if type(entry) is not str:
                    entry = _entry_text(entry)
                    if entry is None:
                        continue
                name = cache.get(entry)
                if name is None:
                    name = normalize(entry)
                    if not per_sample_synonyms:
                        name = synonyms.get(name, name)
                    cache[entry] = name
                if per_sample_synonyms:
                    name = synonyms.get(name, name)
                if not name or name in seen:
                    continue
                seen.add(name)
                if name in relevant:
                    hits.append(len(seen))
            n_items = len(seen)
            counts[i] = n_items
            if max_items is not None and n_items > max_items:
                if not truncate:
                    too_long[i] = True
                    continue
                hits = [h for h in hits if h <= max_items]
            if not hits:
                continue
            rank = hits[0]
            ranks[i] = rank
            if scoring == "reciprocal_rank":
                scores[i] = 1.0 / rank
            elif scoring == "linear":
                scores[i] = max(0.0, 1.0 - (rank - 1) / k)
            elif scoring == "exponential":
                scores[i] = decay ** (rank - 1)
            elif scoring == "top_k":
                scores[i] = 1.0 if rank <= k else 0.0
            else:  # ndcg: binary relevance, each reference found at most once
                dcg = sum(discount[h - 1] for h in hits if h <= k)
                scores[i] = dcg / sum(discount[: min(len(relevant), k)])
        out.scores = np.array(scores, dtype=np.float64)
        out.details["rank"] = np.array(ranks, dtype=np.int64)
        out.details["n_items"] = np.array(counts, dtype=np.int64)
        if max_items is not None:
            out.details["too_long"] = np.array(too_long, dtype=bool)
        return out


def _fast_normalizer(names: list[str]) -> Normalize:
    # The default pair as one expression: it runs once per list entry on the hot path.
    if list(names) == ["strip", "casefold"]:
        return lambda text: text.strip().casefold()
    return make_normalizer(names)
