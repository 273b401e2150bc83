"""Evaluation: sample (or read) answers and grade them with a bundle into the per-sample table.

- `pipeline.py`: `EvalConfig`, `evaluate` (answers → grades → samples.parquet/csv), `grade_answers`.
- `generation.py`: k answers per prompt from a checkpoint (transformers, or vLLM).
- `table.py`: the per-sample table: its columns, outputs files, `read_table`, `item_field`.

The prompt of a row comes from `rft.prompts.prompt_of`, the definition `rft train` uses.
This package sits below `rft.report`, which reads its table (`rft.report.evaluation` writes
metrics.json and the report of an evaluation); it imports nothing from report, demo or cli.
"""

from rft.eval.pipeline import EvalConfig, EvalResult, evaluate, grade_answers

__all__ = ["EvalConfig", "EvalResult", "evaluate", "grade_answers"]
