"""Fixtures of the integration tests: a real `rft serve` app on 127.0.0.1, the engines' code."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import rft

REPO = Path(__file__).resolve().parents[2]
GENE_RANK = REPO / "graders" / "gene_rank.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_app() -> Iterator[Callable[..., str]]:
    """Start `create_app(bundle, limits)` under uvicorn on a free loopback port; yields its URL."""
    pytest.importorskip("uvicorn")
    import uvicorn

    from rft.integrations.serve import ServeLimits, create_app

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(bundle: Path | dict = GENE_RANK, **limits: float) -> str:
        port = free_port()
        app = create_app(rft.compile(bundle), ServeLimits(**limits))
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    servers.append((server, thread))
                    return url
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def engine_site() -> Path:
    """The folder holding verl's and OpenRLHF's code (`bash .ci/install-engines DIR`)."""
    site = os.environ.get("RFT_ENGINE_SITE")
    if not site or not (Path(site) / ".complete").exists():
        pytest.skip(
            "engines not installed: run `bash .ci/install-engines /tmp/engines` and set "
            "RFT_ENGINE_SITE=/tmp/engines (.ci/run does)"
        )
    return Path(site)
