"""`multi`: combine named sub-graders by a formula or a weighted mean."""

from __future__ import annotations

import asyncio

import numpy as np

from rft.batch import Batch
from rft.errors import BundleError
from rft.formula import Formula, FormulaError
from rft.graders.base import CompileContext, Grader, GraderOutput, arun_grader, run_grader
from rft.graders.registry import build_grader, register
from rft.spec.multi import MultiSpec


@register
class MultiGrader(Grader):
    """Grades every sub-grader on the batch, then combines their score arrays.

    Args (spec fields):
        graders: `{key: grader spec}` or OpenAI's list of graders keyed by their `name`; keys
            are the formula's variables and the sub-score names.
        calculate_output: a formula (see `rft.formula`; `^` is power); result clipped to [0, 1].
        weights: `{key: weight}` for a weighted mean (missing keys weigh 0).
    Without either, the sub-scores are averaged.
    """

    spec_type = MultiSpec

    def __init__(self, spec: MultiSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: MultiSpec = spec
        self._children = {
            key: build_grader(sub, self.context.child("graders", key))
            for key, sub in spec.graders.items()
        }
        self.formula: Formula | None = None
        if spec.calculate_output is not None:
            try:
                self.formula = Formula(spec.calculate_output, list(spec.graders))
            except FormulaError as exc:
                raise BundleError(
                    str(exc), self.context.location("calculate_output"), exc.hint
                ) from None
        keys = list(spec.graders)
        weights = spec.weights or dict.fromkeys(keys, 1.0)
        total = sum(weights.values())
        self.weights = {k: weights.get(k, 0.0) / total for k in keys}

    def children(self) -> dict[str, Grader]:
        return self._children

    def grade(self, batch: Batch) -> GraderOutput:
        return self._combine(
            {key: run_grader(child, batch) for key, child in self._children.items()}, len(batch)
        )

    async def agrade(self, batch: Batch) -> GraderOutput:
        keys = list(self._children)
        outputs = await asyncio.gather(*(arun_grader(self._children[k], batch) for k in keys))
        return self._combine(dict(zip(keys, outputs, strict=True)), len(batch))

    def _combine(self, outputs: dict[str, GraderOutput], n: int) -> GraderOutput:
        values = {key: out.scores for key, out in outputs.items()}
        if self.formula is not None:
            scores = self.formula.evaluate(values, n)
        else:
            scores = np.zeros(n)
            for key, weight in self.weights.items():
                scores += weight * values[key]
        return GraderOutput(scores=scores, children=outputs)

    def close(self) -> None:
        for child in self._children.values():
            child.close()
