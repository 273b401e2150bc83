"""Compile a grader bundle into a batch reward function (`rft.compile` is the public entry point).

    bundle (YAML/JSON/dict) -> spec (pydantic) -> graders (registry) -> RewardFunction

`RewardFunction.score(samples, items)` grades a whole batch in one call and returns `Scores`.
Adapters to trainers sit one layer up and import this module, never the reverse:
`rft.integrations.trl.trl_reward(reward)` is the TRL reward function.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rft._async import run_sync
from rft.batch import Batch
from rft.errors import ERROR_FLAGS, LocatedError
from rft.graders.base import CompileContext, Grader, GraderOutput, arun_grader, run_grader
from rft.graders.registry import build_grader
from rft.loading import Bundle, load_bundle
from rft.results import Scores
from rft.templates import MissingVariable, resolve_path


class RewardFunction:
    """A compiled bundle: grades batches of (sample, item) pairs.

    Samples are strings, `{"output_text": …}` dicts, or chat-message lists (the last message's
    content is graded). Items are the dataset rows the templates read as `item`.
    """

    def __init__(self, bundle: Bundle, *, cache_dir: Path | None = None) -> None:
        self.bundle = bundle
        context = CompileContext(
            base_dir=bundle.base_dir,
            file=str(bundle.path) if bundle.path else None,
            cache_dir=cache_dir,
        )
        try:
            self.grader: Grader = build_grader(bundle.spec, context)
        except LocatedError as exc:
            raise bundle.locate(exc) from None
        self.name = bundle.name

    # -- scoring ---------------------------------------------------------------------------
    def score(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]) -> Scores:
        """Grade a batch (synchronously; judge graders still run their calls concurrently)."""
        if self.is_concurrent:
            return run_sync(self.ascore(samples, items))
        start = time.perf_counter()
        batch = Batch(samples, items)
        output = run_grader(self.grader, batch)
        return self._collect(output, len(batch), time.perf_counter() - start)

    async def ascore(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]) -> Scores:
        """Grade a batch from async code (judge calls and sandbox workers run concurrently)."""
        start = time.perf_counter()
        batch = Batch(samples, items)
        output = await arun_grader(self.grader, batch)
        return self._collect(output, len(batch), time.perf_counter() - start)

    def score_one(self, sample: Any, item: Mapping[str, Any]) -> Scores:
        """Grade one pair (a batch of one)."""
        return self.score([sample], [item])

    def __call__(
        self, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]
    ) -> list[float | None]:
        return self.score(samples, items).rewards()

    @property
    def is_concurrent(self) -> bool:
        """True when some grader waits on I/O or worker processes (judges, python sandbox)."""
        # The TRL adapter is async when a bundle has one (TRL then runs reward calls concurrently).
        return any(g.spec.waits_on_io for g in self.graders().values())

    def graders(self) -> dict[str, Grader]:
        """Every grader by dotted name; the root is under its own name."""
        found = {self.grader.name: self.grader}

        def walk(grader: Grader, prefix: str) -> None:
            for key, child in grader.children().items():
                found[prefix + key] = child
                walk(child, f"{prefix}{key}.")

        walk(self.grader, "")
        return found

    def _collect(self, root: GraderOutput, n: int, seconds: float) -> Scores:
        outputs: list[tuple[str, Grader, GraderOutput]] = [(self.grader.name, self.grader, root)]
        by_name = self.graders()
        outputs += [(name, by_name[name], out) for name, out in root.walk()]
        if len(outputs) == 1:
            sub_scores = {self.grader.name: root.scores}
        else:
            sub_scores = {name: out.scores for name, _, out in outputs[1:]}
        errors = {flag: np.zeros(n, dtype=bool) for flag in ERROR_FLAGS}
        skipped = np.zeros(n, dtype=bool)
        grader_errors: dict[str, dict[str, np.ndarray]] = {}
        messages: dict[str, list[str | None]] = {}
        details: dict[str, dict[str, Any]] = {}
        timing: dict[str, float] = {"total": seconds}
        usage: dict[str, float] = {}
        grader_usage: dict[str, dict[str, float]] = {}
        models: dict[str, str] = {}
        for name, grader, out in outputs:
            model = getattr(grader.spec, "model", None)
            if isinstance(model, str):
                models[name] = model
            for flag, mask in out.flags.items():
                errors.setdefault(flag, np.zeros(n, dtype=bool))
                errors[flag] |= mask
            if out.flags:
                grader_errors[name] = out.flags
                if grader.spec.on_error == "skip":
                    skipped |= out.failed
            if out.messages is not None:
                messages[name] = out.messages
            if out.details:
                details[name] = out.details
            timing[name] = out.seconds
            if out.usage:
                grader_usage[name] = dict(out.usage)
            for key, value in out.usage.items():
                usage[key] = usage.get(key, 0.0) + value
        scores = np.where(skipped, 0.0, root.scores)
        return Scores(
            name=self.name,
            scores=scores,
            sub_scores=sub_scores,
            details=details,
            errors=errors,
            grader_errors=grader_errors,
            messages=messages,
            skipped=skipped,
            timing=timing,
            usage=usage,
            grader_usage=grader_usage,
            grader_type=self.grader.spec.type,
            grader_models=models,
        )

    # -- validation ------------------------------------------------------------------------
    def item_paths(self) -> list[tuple[str, tuple[str | int, ...]]]:
        """(grader name, path inside `item`) for every item field the templates read."""
        found: list[tuple[str, tuple[str | int, ...]]] = []
        for name, grader in self.graders().items():
            for template in grader.templates():
                for path in template.paths:
                    if path[0] == "item" and len(path) > 1 and (name, path[1:]) not in found:
                        found.append((name, path[1:]))
        return found

    def check_items(self, items: Sequence[Mapping[str, Any]]) -> list[str]:
        """Problems of these dataset rows (row numbers 1-based): template variables that do not
        resolve, and item-only templates whose extraction finds nothing (`extract_tag`, `regex`,
        ... on the reference), which would otherwise flag every sample of that row at train time."""
        problems: list[str] = []
        paths = self.item_paths()
        item_getters = [
            (name, template)
            for name, grader in self.graders().items()
            for template in grader.templates()
            if template.kind == "getter" and template.root == ("item",) and template.steps
        ]
        for row, item in enumerate(items, start=1):
            missing = False
            for grader, path in paths:
                try:
                    resolve_path(item, path)
                except MissingVariable as exc:
                    missing = True
                    problems.append(
                        f"row {row}: grader `{grader}` reads `item.{exc.path}`, which is missing"
                    )
            if missing:
                continue
            for grader, template in item_getters:
                try:
                    template({"item": item, "sample": {}})
                except MissingVariable:
                    problems.append(
                        f"row {row}: grader `{grader}`'s `{template.source}` found nothing in this "
                        "item (every sample of it would score 0 with invalid_variable_error)"
                    )
        return problems

    def close(self) -> None:
        """Release worker processes and HTTP clients held by graders."""
        for grader in self.graders().values():
            grader.close()

    def __enter__(self) -> RewardFunction:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def compile_bundle(
    bundle: str | Path | Mapping[str, Any] | Bundle, *, cache_dir: Path | None = None
) -> RewardFunction:
    """Load (if needed) and compile a bundle into a `RewardFunction`."""
    return RewardFunction(load_bundle(bundle), cache_dir=cache_dir)


__all__ = ["RewardFunction", "compile_bundle"]
