"""Validation reports: metrics with intervals, run comparison, grader-quality checks and probes.

per-sample table (rft.eval.table) ─→ metrics.summarize ─┐
metrics.jsonl ────→ history ────────────────────────────┼→ build.build_report → Document
quality checks ─────────────────────────────────────────┘     → markdown.py / html.py
                                                                 (templates/report.html.j2)

- `evaluation.py`: the report half of `rft eval` (metrics.json, report.md / report.html).
- `run.py`: a run folder as the report reads it; `compare.py`: `rft report compare A B`.
- `probes.py`: `rft graders probe`, adversarial answers shaped from the parsed templates.

Above `rft.eval` and `rft.train` (it reads their outputs); below `rft.demo` and `rft.cli`.
"""
