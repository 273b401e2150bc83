"""Validation reports: metrics with intervals, run comparison, grader-quality checks and probes.

per-sample table ─→ metrics.summarize ─┐
metrics.jsonl ────→ history ───────────┼→ build.build_report → markdown / html
quality checks ────────────────────────┘
"""
