"""`rft eval`: sample (or read) answers, grade them with a bundle, write the table and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from rft.cli.common import console, friendly_errors
from rft.eval import EvalConfig
from rft.report.build import headline_table
from rft.report.document import cell
from rft.report.evaluation import evaluate_and_report


def print_summary(metrics: dict[str, Any], files: list[Path] | None = None) -> None:
    """The headline numbers, the ranked-list metrics and the warnings of an evaluation."""
    summary = metrics["summary"]
    table = Table(title="Evaluation", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in headline_table(summary):
        table.add_row(name, cell(value))
    for grader, values in summary.get("ranked", {}).items():
        table.add_row(
            f"`{grader}` top@1 / top@5 / top@max / MRR",
            " / ".join(cell(values[k]) for k in ("top@1", "top@5", "top@max", "mrr")),
        )
    passes = summary.get("at_k", {}).get("pass", {})
    if len(passes) > 1:
        table.add_row("pass@k", "  ".join(f"@{k} {cell(v)}" for k, v in passes.items()))
    console.print(table)
    for check in metrics.get("checks", []):
        if check["status"] == "warn":
            console.print(
                f"[yellow]warning[/yellow] {check['name']} ({check['subject']}): {check['message']}"
            )
    for path in files or []:
        console.print(f"wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `rft eval` to the `rft` app."""

    @app.command("eval")
    @friendly_errors
    def eval_command(
        data: Path = typer.Option(..., "--data", help="JSONL of items (the graders' `item`)."),
        grader: Path = typer.Option(..., "--grader", help="Grader bundle (YAML or JSON)."),
        model: str | None = typer.Option(
            None, "--model", help="Checkpoint to sample answers from (a save_pretrained folder)."
        ),
        outputs: Path | None = typer.Option(
            None,
            "--outputs",
            help="Grade these answers instead of sampling: JSONL/CSV/parquet with `output_text` "
            "and `item_index` or `id` (or k rows per item, in order).",
        ),
        samples: int = typer.Option(4, "--samples", "-k", help="Answers sampled per item (k)."),
        out: Path | None = typer.Option(
            None, "--out", help="Output folder (default runs/eval-<model or outputs name>)."
        ),
        group_by: list[str] = typer.Option(
            [], "--group-by", help="Also report metrics per value of this item field (repeatable)."
        ),
        pass_threshold: float = typer.Option(
            0.5, help="A sample passes when its reward is >= this (pass rate, pass@k, flips)."
        ),
        max_new_tokens: int = typer.Option(128, help="Generation budget per answer."),
        temperature: float = typer.Option(1.0, help="Sampling temperature (0 = greedy)."),
        batch_size: int = typer.Option(16, help="Prompts per generation batch."),
        backend: str = typer.Option(
            "transformers", help="Generation backend: transformers or vllm."
        ),
        prompt_field: str | None = typer.Option(
            None, help="Item field holding the prompt (default: messages, else prompt)."
        ),
        limit: int | None = typer.Option(None, help="Evaluate only the first N items."),
        seed: int = typer.Option(0, help="Sampling seed."),
        report: bool = typer.Option(True, "--report/--no-report", help="Write report.md/html."),
    ) -> None:
        """Evaluate a model (or a file of answers) on DATA with a grader bundle.

        Writes samples.parquet, samples.csv, metrics.json, report.md and report.html.
        """
        name = Path(model).name if model else outputs.stem if outputs else "run"
        config = EvalConfig(
            data=data,
            grader=grader,
            out=out or Path("runs") / f"eval-{name}",
            model=model,
            outputs=outputs,
            samples=samples,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            batch_size=batch_size,
            backend=backend,
            seed=seed,
            limit=limit,
            prompt_field=prompt_field,
            group_by=list(group_by),
            pass_threshold=pass_threshold,
            report=report,
        )
        result = evaluate_and_report(config)
        print_summary(result.metrics, result.files)
