"""`rft eval`, the report half: an `EvalResult` → metrics.json → report.md / report.html.

`rft.eval.evaluate` answers and grades (the per-sample table); `report_evaluation` adds the
headline metrics, groups and quality checks, writes `metrics.json` and, unless the config says
`report=False`, the report. `evaluate_and_report` runs both: what `rft eval` does.
"""

from __future__ import annotations

import json
from dataclasses import replace

from rft.eval.pipeline import EvalConfig, EvalResult, evaluate
from rft.report.build import build_report, write_report
from rft.report.run import METRICS_JSON, Run


def report_evaluation(result: EvalResult) -> EvalResult:
    """Write metrics.json (and the report) of an evaluation; returns it with the full metrics."""
    config = result.config
    settings = result.metrics["run"]
    run = Run(path=config.out, frame=result.frame, metrics={"run": settings})
    doc, computed = build_report(run, group_by=config.group_by, threshold=config.pass_threshold)
    metrics = {"kind": "eval", "run": settings, **computed, "seconds": result.metrics["seconds"]}
    path = config.out / METRICS_JSON
    path.write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
    files = [*result.files, path]
    if config.report:
        files += write_report(doc, config.out)
    return replace(result, metrics=metrics, files=files)


def evaluate_and_report(config: EvalConfig) -> EvalResult:
    """`rft eval`: answer and grade every item, then write metrics.json and the report."""
    return report_evaluation(evaluate(config))
