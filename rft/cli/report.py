"""`rft report RUN_DIR` (rebuild a run's report) and `rft report compare A B` (paired comparison)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import typer
from rich.table import Table
from typer.core import TyperGroup

from rft.cli.common import console, friendly_errors
from rft.report.build import rebuild_report
from rft.report.compare import METRIC_NAMES, compare_runs, write_comparison
from rft.report.metrics import Interval


class _DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it names no sub-command, goes to `build`.

    That is what lets `rft report RUN_DIR` and `rft report compare A B` live side by side.
    """

    default_command = "build"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def _print_comparison(data: dict[str, Any]) -> None:
    table = Table(title=f"B − A over {data['paired_items']} paired items")
    for column in ("metric", "B − A", "95% CI", "excludes 0"):
        table.add_column(column)
    rows = [
        ("reward", data["reward_delta"]),
        *[(METRIC_NAMES[m], v) for m, v in data.get("ranking_deltas", {}).items()],
        *list(data["grader_deltas"].items()),
    ]
    for name, values in rows:
        interval = Interval(**values)
        table.add_row(
            name,
            f"{interval.estimate:+.3f}",
            f"[{interval.low:+.3f}, {interval.high:+.3f}]",
            "yes" if interval.excludes_zero else "no",
        )
    console.print(table)
    console.print(
        f"paired by {data['paired_on']}; 95% paired bootstrap over items, seed {data['seed']}",
        highlight=False,
    )
    console.print(
        f"improved items: {data['improved']}, regressed items: {data['regressed']} "
        f"(item mean crossing {data['pass_threshold']})"
    )


def register(app: typer.Typer) -> None:
    """Add the `report` command group to the `rft` app."""
    report_app = typer.Typer(
        cls=_DefaultCommandGroup,
        help="Validation reports: `rft report RUN_DIR` rebuilds one, `rft report compare A B` compares two runs.",
        no_args_is_help=True,
    )

    @report_app.command("build")
    @friendly_errors
    def build(
        run_dir: Path = typer.Argument(
            ..., help="An `rft eval` output folder or an `rft train` run."
        ),
        group_by: list[str] = typer.Option(
            [], "--group-by", help="Item field to break metrics down by."
        ),
        pass_threshold: float | None = typer.Option(
            None, help="Pass threshold (default: the run's)."
        ),
    ) -> None:
        """(Default) Rebuild RUN_DIR/report.md and report.html from the run's files."""
        for path in rebuild_report(run_dir, group_by=group_by, threshold=pass_threshold):
            console.print(f"wrote {path}", highlight=False)

    @report_app.command("compare")
    @friendly_errors
    def compare(
        a: Path = typer.Argument(..., help="Run A (before): an eval or train run folder."),
        b: Path = typer.Argument(..., help="Run B (after)."),
        out: Path | None = typer.Option(
            None, "--out", help="Output folder (default B/compare-<A>)."
        ),
        pass_threshold: float | None = typer.Option(
            None, help="Item mean at which an item counts as passed (default: A's)."
        ),
        seed: int = typer.Option(0, help="Bootstrap seed (same seed, same intervals)."),
    ) -> None:
        """Paired per-item comparison of B against A: B − A with a paired bootstrap 95% CI on
        the mean reward, each grader and (ranked_list bundles) MRR, top@1 and top@5."""
        comparison = compare_runs(a, b, threshold=pass_threshold, seed=seed)
        _print_comparison(comparison.to_dict())
        folder = out or b / f"compare-{a.resolve().name}"
        for path in write_comparison(comparison, folder):
            console.print(f"wrote {path}", highlight=False)

    app.add_typer(report_app, name="report")
