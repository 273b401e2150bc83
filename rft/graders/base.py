"""The contract between the compiler and a grader implementation.

A grader takes its validated spec once, then grades whole batches: `grade(batch)` returns a
`GraderOutput` with one score per sample, error flags as boolean masks, and details. Errors
are values here, never exceptions: a grader that raises marks the whole batch `other_error`.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from rft.batch import Batch, Rendered
from rft.errors import ErrorFlag, Location, any_flag
from rft.spec.base import GraderSpecBase
from rft.templates import CompiledTemplate, compile_template


@dataclass
class GraderOutput:
    """Scores of one grader over a batch."""

    scores: np.ndarray
    flags: dict[str, np.ndarray] = field(default_factory=dict)
    messages: list[str | None] | None = None
    details: dict[str, list[Any] | np.ndarray] = field(default_factory=dict)
    children: dict[str, GraderOutput] = field(default_factory=dict)
    usage: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failed(self) -> np.ndarray:
        """True where any flag is set."""
        return any_flag(self.flags, len(self.scores))

    def flag(
        self,
        name: str | ErrorFlag,
        index: Sequence[int] | np.ndarray,
        message: str | Sequence[str] | None = None,
    ) -> None:
        """Raise flag `name` on samples `index` (ints or a bool mask), with message(s)."""
        n = len(self.scores)
        name = str(name)
        mask = self.flags.setdefault(name, np.zeros(n, dtype=bool))
        idx = (
            np.flatnonzero(index)
            if isinstance(index, np.ndarray) and index.dtype == bool
            else np.asarray(index, dtype=int)
        )
        if idx.size == 0:
            if not mask.any():
                del self.flags[name]
            return
        mask[idx] = True
        if message is not None:
            if self.messages is None:
                self.messages = [None] * n
            texts = [message] * len(idx) if isinstance(message, str) else list(message)
            for i, text in zip(idx.tolist(), texts, strict=True):
                self.messages[i] = text

    def render(self, batch: Batch, template: CompiledTemplate) -> Rendered:
        """Evaluate a template over the batch and take over its failures as this grader's flags."""
        rendered = batch.render(template)
        self.absorb(rendered)
        return rendered

    def absorb(self, rendered: Rendered) -> None:
        """Take over the flags and messages of an evaluated template."""
        for name, mask in rendered.flags.items():
            if rendered.messages is None:
                self.flag(name, mask)
            else:
                idx = np.flatnonzero(mask)
                self.flag(name, idx, [rendered.messages[i] or name for i in idx.tolist()])

    def walk(self, prefix: str = "") -> Iterator[tuple[str, GraderOutput]]:
        """(dotted name, output) for every descendant grader."""
        for key, child in self.children.items():
            name = f"{prefix}{key}"
            yield name, child
            yield from child.walk(name + ".")


@dataclass
class CompileContext:
    """What a grader may need at build time besides its spec."""

    base_dir: Path = field(default_factory=Path.cwd)
    """Directory of the bundle file: relative paths (schemas, models) resolve against it."""
    file: str | None = None
    field_path: tuple[str | int, ...] = ()
    cache_dir: Path | None = None

    def location(self, *field_names: str | int) -> Location:
        return Location(file=self.file, field=(*self.field_path, *field_names))

    def child(self, *field_names: str | int) -> CompileContext:
        return CompileContext(
            self.base_dir, self.file, (*self.field_path, *field_names), self.cache_dir
        )


class Grader(ABC):
    """Base class of grader implementations. Subclasses set `spec_type` and implement `grade`."""

    spec_type: ClassVar[type[GraderSpecBase]]

    def __init__(self, spec: GraderSpecBase, context: CompileContext | None = None) -> None:
        self.spec = spec
        self.context = context or CompileContext()
        self.name = spec.name or spec.type  # type: ignore[attr-defined]

    def template(self, field_name: str, source: Any) -> CompiledTemplate:
        """Compile one of this grader's template fields (errors name the field)."""
        return compile_template(source, self.context.location(field_name))

    def templates(self) -> list[CompiledTemplate]:
        """All templates this grader evaluates (used by `validate` against data rows)."""
        return [v for v in vars(self).values() if isinstance(v, CompiledTemplate)] + [
            t
            for v in vars(self).values()
            if isinstance(v, list)
            for t in v
            if isinstance(t, CompiledTemplate)
        ]

    def children(self) -> dict[str, Grader]:
        """Sub-graders (only composites have any)."""
        return {}

    @abstractmethod
    def grade(self, batch: Batch) -> GraderOutput:
        """Score every sample of the batch."""

    async def agrade(self, batch: Batch) -> GraderOutput:
        """Async form; I/O-bound graders (judges) override it, others run in a thread."""
        return await asyncio.to_thread(self.grade, batch)

    def close(self) -> None:
        """Release workers, clients and caches (python sandbox, judge HTTP clients)."""


def finalize(output: GraderOutput, n: int) -> GraderOutput:
    """Enforce the score contract: float64, finite, in [0, 1], 0 where a flag is set."""
    scores = np.asarray(output.scores, dtype=np.float64)
    if scores.shape != (n,):
        raise ValueError(f"grader returned {scores.shape} scores for a batch of {n}")
    bad = ~np.isfinite(scores)
    if bad.any():
        output.scores = scores
        output.flag(ErrorFlag.other_error, np.flatnonzero(bad), "score is not a finite number")
    scores = np.where(bad, 0.0, np.clip(scores, 0.0, 1.0))
    failed = output.failed
    if failed.any():
        scores = np.where(failed, 0.0, scores)
    output.scores = scores
    return output


def _crashed(grader: Grader, n: int, exc: BaseException) -> GraderOutput:
    out = GraderOutput(scores=np.zeros(n))
    out.flag(
        ErrorFlag.other_error,
        np.arange(n),
        f"grader `{grader.name}` raised {type(exc).__name__}: {exc}",
    )
    return out


def run_grader(grader: Grader, batch: Batch) -> GraderOutput:
    """Grade a batch; an exception inside the grader flags the batch instead of propagating."""
    start = time.perf_counter()
    try:
        output = grader.grade(batch)
    except Exception as exc:
        output = _crashed(grader, len(batch), exc)
    output = finalize(output, len(batch))
    output.seconds = time.perf_counter() - start
    return output


async def arun_grader(grader: Grader, batch: Batch) -> GraderOutput:
    """Async `run_grader`."""
    start = time.perf_counter()
    try:
        output = await grader.agrade(batch)
    except Exception as exc:
        output = _crashed(grader, len(batch), exc)
    output = finalize(output, len(batch))
    output.seconds = time.perf_counter() - start
    return output
