"""Spec of the sandboxed Python grader.

Every limit has a hard ceiling, OpenAI's hosted python graders' (2 minutes, 2 GB of memory,
1 GB of disk, 2 CPUs per worker, no network): a bundle from someone else cannot ask for more.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rft.spec.base import GraderSpecBase


class PythonSpec(GraderSpecBase):
    """User code `grade(sample, item) -> float` run in sandboxed worker processes."""

    type: Literal["python"] = "python"
    source: str = Field(description="Python source defining `grade(sample, item) -> float`.")
    image_tag: str | None = Field(
        default=None, description="Accepted for OpenAI compatibility; unused."
    )
    timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=120,
        allow_inf_nan=False,
        description="Wall-clock seconds per sample (at most 120); past it the worker is killed.",
    )
    cpu_time_s: int = Field(default=5, ge=1, le=120, description="CPU seconds per sample.")
    memory_mb: int = Field(
        default=1024, ge=64, le=2048, description="Address-space limit per worker, MiB."
    )
    max_file_mb: int = Field(
        default=16, ge=0, le=1024, description="Largest single file a worker may write, MiB."
    )
    disk_mb: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="All files a worker may write together, MiB (its private tmpfs).",
    )
    workers: int = Field(
        default=2, ge=1, le=8, description="Worker processes (parallelism), each on <= 2 CPUs."
    )
