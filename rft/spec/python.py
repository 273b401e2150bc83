"""Spec of the sandboxed Python grader."""

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
    timeout_s: float = Field(default=5.0, gt=0, description="Wall-clock limit per sample.")
    cpu_time_s: int = Field(default=5, ge=1)
    memory_mb: int = Field(default=1024, ge=64)
    max_file_mb: int = Field(default=16, ge=0)
    workers: int = Field(default=2, ge=1)
