"""`rft graders ...`: validate, test, run, probe bundles and write their JSON Schemas."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

import rft
from rft.cli.common import EXIT_USAGE, console, err_console, friendly_errors
from rft.cli.schemas import write_schemas
from rft.data import printable, read_jsonl, read_samples
from rft.errors import DataError, Location
from rft.judge import check_endpoint
from rft.report.probes import run_probes
from rft.spec.model import JudgeSettings
from rft.testing import run_bundle_tests

graders_app = typer.Typer(help="Author, check and run grader bundles.", no_args_is_help=True)

BundleArg = Annotated[
    Path, typer.Argument(help="A grader bundle (YAML or JSON).", show_default=False)
]


def register(app: typer.Typer) -> None:
    app.add_typer(graders_app, name="graders")


@graders_app.command("validate")
@friendly_errors
def validate(
    bundles: Annotated[list[Path], typer.Argument(help="Bundles to validate.", show_default=False)],
    data: Annotated[
        Path | None, typer.Option("--data", help="JSONL rows every template must resolve against.")
    ] = None,
    check_endpoints: Annotated[
        bool, typer.Option(help="Also check that judge endpoints answer.")
    ] = False,
) -> None:
    """Check schema, templates and formulas; with --data, every template variable on every row."""

    rows = read_jsonl(data) if data else None
    failed = False
    for path in bundles:
        reward = rft.compile(path)
        problems = reward.check_items(rows) if rows is not None else []
        if check_endpoints:
            problems += _endpoint_problems(reward)
        if problems:
            failed = True
            err_console.print(f"[red]✗[/] {path}: {len(problems)} problem(s)")
            for problem in problems[:50]:
                err_console.print(
                    printable(f"  {data or path}: {problem}"), highlight=False, markup=False
                )
            if len(problems) > 50:
                err_console.print(f"  … and {len(problems) - 50} more")
        else:
            suffix = f" against {len(rows)} rows of {data}" if rows is not None else ""
            console.print(f"[green]✓[/] {path}: valid{suffix} ({len(reward.graders())} graders)")
        reward.close()
    if failed:
        raise typer.Exit(EXIT_USAGE)


def _endpoint_problems(reward: Any) -> list[str]:
    problems = []

    # A panel's judges are graders of the tree too (its children), so each is checked once.
    for name, grader in reward.graders().items():
        spec = grader.spec
        if isinstance(spec, JudgeSettings):
            problem = check_endpoint(spec, base_dir=reward.bundle.base_dir)
            if problem:
                problems.append(f"grader `{name}`: {problem}")
    return problems


@graders_app.command("test")
@friendly_errors
def test(
    bundles: Annotated[
        list[Path], typer.Argument(help="Bundles whose `tests:` to run.", show_default=False)
    ],
) -> None:
    """Run the bundles' `tests:`; exit 1 when any fails."""

    table = Table(title="grader tests", show_lines=False)
    for column in ("bundle", "test", "score", "expected", "result"):
        table.add_column(column)
    passed = failed = 0
    details: list[str] = []
    for path in bundles:
        bundle = rft.load_bundle(path)
        outcomes = run_bundle_tests(bundle)
        if not outcomes:
            table.add_row(str(path), "(no tests)", "", "", "[yellow]none[/]")
        for outcome in outcomes:
            ok = outcome.passed
            passed += ok
            failed += not ok
            score = "" if outcome.score is None else f"{outcome.score:.3f}"
            table.add_row(
                str(path),
                Text(printable(outcome.title)),
                score,
                outcome.expected,
                "[green]pass[/]" if ok else "[red]FAIL[/]",
            )
            if not ok:
                details.append(f"{path} :: {outcome.title}: " + "; ".join(outcome.problems))
    console.print(table)
    for line in details:
        console.print(printable(line), markup=False, highlight=False)
    console.print(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


def _pair(
    items: list[dict[str, Any]], samples: list[Any], samples_path: Path
) -> list[dict[str, Any]]:
    """Pair samples with items: by `item_index` when the samples carry it, else line by line."""
    if any(isinstance(s, dict) and "item_index" in s for s in samples):
        paired = []
        for number, sample in enumerate(samples, start=1):
            index = sample.get("item_index") if isinstance(sample, dict) else None
            # `type(...) is int`: a JSON `true` is a Python bool, an int subclass (item 1).
            if type(index) is not int or not 0 <= index < len(items):
                raise DataError(
                    f"item_index {index!r} is not an item number (0..{len(items) - 1})"
                    if index is not None
                    else "this sample has no item_index but others do",
                    Location(file=str(samples_path), line=number, field=("item_index",)),
                    hint="item_index is the 0-based integer line number of the item in --data;"
                    " give it on every sample or on none",
                )
            paired.append(items[index])
        return paired
    if len(samples) != len(items):
        raise DataError(
            f"{len(samples)} samples but {len(items)} items",
            Location(file=str(samples_path)),
            hint="give one sample per item in the same order, or an `item_index` field on every sample",
        )
    return items


@graders_app.command("run")
@friendly_errors
def run(
    bundle: BundleArg,
    data: Annotated[Path, typer.Option("--data", help="JSONL items (dataset rows).")],
    samples: Annotated[
        Path,
        typer.Option(
            "--samples", help="JSONL model outputs: strings or {output_text, item_index?}."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the per-sample table (.csv or .parquet).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one OpenAI run-endpoint-shaped result per sample.")
    ] = False,
) -> None:
    """Grade a file of model outputs and print per-grader means and error counts."""

    if out is not None:
        _check_out(out)  # before grading: a bad --out must not waste a (judge-priced) run
    items = read_jsonl(data)
    outputs = read_samples(samples)
    if not outputs:
        raise DataError(
            f"no samples in {samples}",
            Location(file=str(samples)),
            hint='give one model output per line (a JSON string or {"output_text": ...})',
        )
    paired = _pair(items, outputs, samples)
    reward = rft.compile(bundle)
    try:
        scores = reward.score(outputs, paired)
    finally:
        reward.close()
    if as_json:
        for i in range(len(scores)):
            print(json.dumps(scores.to_openai(i)))
        return
    table = Table(title=f"{reward.name}: {len(scores)} samples in {scores.timing['total']:.3f}s")
    table.add_column("grader")
    table.add_column("mean", justify="right")
    table.add_row("[bold]reward[/]", f"{scores.mean:.4f}")
    for name, mean in scores.sub_means().items():
        table.add_row(Text(printable(name)), f"{mean:.4f}")  # names come from the bundle
    console.print(table)
    counts = {k: v for k, v in scores.error_counts().items() if v}
    skipped = int(scores.skipped.sum())
    console.print(
        "errors: "
        + (", ".join(f"{k}={v}" for k, v in counts.items()) if counts else "none")
        + (f"; skipped: {skipped}" if skipped else "")
    )
    if out is not None:
        frame = scores.to_frame()
        if out.suffix == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
        console.print(f"wrote {out}")


def _check_out(out: Path) -> None:
    """Refuse an --out that cannot be written, before any work is done."""
    if out.is_dir():
        raise DataError(
            f"--out is a directory: {out}",
            Location(file=str(out)),
            hint="give a file path ending in .csv or .parquet",
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"--out {out} cannot be written: {exc.strerror or exc}",
            Location(file=str(out)),
            hint="choose a path in a writable folder",
        ) from None
    if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise DataError(
            f"--out {out} cannot be written: permission denied",
            Location(file=str(out)),
            hint="choose a path in a writable folder",
        )


@graders_app.command("probe")
@friendly_errors
def probe(
    bundle: BundleArg,
    data: Annotated[
        Path, typer.Option("--data", help="JSONL items to build adversarial answers for.")
    ],
    threshold: Annotated[
        float, typer.Option(help="A probe class fails when its mean score exceeds this.")
    ] = 0.5,
    details: Annotated[
        bool, typer.Option("--details", help="Also show each class's highest-scoring items.")
    ] = False,
) -> None:
    """Grade adversarial answers (empty, echoed prompt, every candidate, injection, …); exit 1 if any scores high."""

    reward = rft.compile(bundle)
    try:
        report = run_probes(reward, read_jsonl(data), threshold=threshold)
    finally:
        reward.close()
    report.render(console, details=details)
    if not report.passed:
        raise typer.Exit(1)


@graders_app.command("schema")
@friendly_errors
def schema(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write the JSON Schemas into.")
    ] = Path("schemas"),
) -> None:
    """Write the JSON Schemas of bundles (and train jobs) generated from the models."""

    for path in write_schemas(out):
        console.print(f"wrote {path}")
