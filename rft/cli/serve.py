"""`rft serve BUNDLE`: an HTTP grading server for engines that call a remote reward."""

from __future__ import annotations

from pathlib import Path

import typer

from rft.cli.common import console, friendly_errors
from rft.errors import ConfigError


def serve(
    bundle: Path = typer.Argument(..., help="Grader bundle (YAML/JSON, or OpenAI grader JSON)."),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to bind. The server has no authentication: bind beyond loopback only "
        "on a network you trust.",
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    max_body_mb: float = typer.Option(
        16.0, "--max-body-mb", min=0.001, help="Largest request body."
    ),
    max_samples: int = typer.Option(
        4096, "--max-samples", min=1, help="Most samples in one request."
    ),
    max_pending: int = typer.Option(
        65536, "--max-pending", min=1, help="Most samples queued; past it requests get 503."
    ),
    max_batch: int = typer.Option(
        4096,
        "--max-batch",
        min=1,
        help="Most samples graded in one call (concurrent requests are batched up to it).",
    ),
    max_wait_ms: float = typer.Option(
        2.0,
        "--max-wait-ms",
        min=0.0,
        max=1000.0,
        help="Longest a batch keeps taking requests that keep arriving.",
    ),
) -> None:
    """Serve BUNDLE over HTTP: POST /score, POST /get_reward (OpenRLHF), GET /health."""
    import rft
    from rft.integrations.serve import ServeLimits, run

    if not bundle.is_file():
        raise ConfigError(f"{bundle}: no such bundle file; pass the path of a grader YAML/JSON")
    reward = rft.compile(bundle)
    limits = ServeLimits(
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        max_samples_per_request=max_samples,
        max_pending_samples=max_pending,
        max_batch=max_batch,
        max_wait_s=max_wait_ms / 1000.0,
    )
    console.print(f"serving {reward.name!r} on http://{host}:{port} (POST /score, /get_reward)")
    run(reward, limits, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("serve")(friendly_errors(serve))
