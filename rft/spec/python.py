"""Spec of the sandboxed Python grader.

Every limit has a hard ceiling, OpenAI's hosted python graders' (2 minutes, 2 GB of memory,
1 GB of disk, 2 CPUs per worker, no network): a bundle from someone else cannot ask for more.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from rft.spec.base import GraderSpecBase

MAX_TIMEOUT_S = 120
MAX_CPU_TIME_S = 120
MAX_MEMORY_MB = 2048
MAX_DISK_MB = 1024
MAX_WORKERS = 8


class PythonSpec(GraderSpecBase):
    """User code `grade(sample, item) -> float` run in sandboxed worker processes."""

    waits_on_io: ClassVar[bool] = True

    type: Literal["python"] = "python"
    source: str = Field(description="Python source defining `grade(sample, item) -> float`.")
    image_tag: str | None = Field(
        default=None, description="Accepted for OpenAI compatibility; unused."
    )
    timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=MAX_TIMEOUT_S,
        allow_inf_nan=False,
        description="Wall-clock seconds per sample (at most 120); past it the worker is killed.",
    )
    cpu_time_s: int = Field(
        default=5, ge=1, le=MAX_CPU_TIME_S, description="CPU seconds per sample."
    )
    memory_mb: int = Field(
        default=1024, ge=64, le=MAX_MEMORY_MB, description="Address-space limit per worker, MiB."
    )
    max_file_mb: int = Field(
        default=16, ge=0, le=MAX_DISK_MB, description="Largest single file a worker may write, MiB."
    )
    disk_mb: int = Field(
        default=64,
        ge=1,
        le=MAX_DISK_MB,
        description="All files a worker may write together, MiB (its private tmpfs).",
    )
    workers: int = Field(
        default=2,
        ge=1,
        le=MAX_WORKERS,
        description="Worker processes (parallelism), each on <= 2 CPUs.",
    )
